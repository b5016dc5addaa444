//! Pagination: one page per call, or every item as a `Stream`.
//!
//! Paging follows the reference SDKs. [`CursorPage`]: stop on an empty page, on `has_more: false`
//! when present, or on a missing cursor; a listing that started with `before_id` pages backwards
//! on `first_id`, otherwise forwards on `last_id`. [`OpaqueCursorPage`]: the same stops, with the
//! server's `next_page` sent back as `page`. Every other query parameter is carried along.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use boltz_api::api::admin::api_keys::ListApiKeys;
//!
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! let page = client.admin().api_keys().list(ListApiKeys::new().limit(50)).await?;
//! println!("{} keys on the first page", page.data.len());
//! let all: Vec<_> = client.admin().api_keys().list(ListApiKeys::new()).stream().try_collect().await?;
//! println!("{} keys in all", all.len());
//! # Ok(()) }
//! ```

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::endpoint::Endpoint;
use crate::models::{Extra, Model};

/// One page of an `after_id` / `before_id` list.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct CursorPage<T> {
    /// The items, in the server's order.
    pub data: Vec<T>,
    /// The first item's ID; the cursor for the previous page.
    pub first_id: Option<String>,
    /// The last item's ID; the cursor for the next page.
    pub last_id: Option<String>,
    /// Whether more items follow in the paging direction, when the server says.
    pub has_more: Option<bool>,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

impl<T> CursorPage<T> {
    /// The cursor for the page after this one in the given direction, or `None` at the end.
    pub fn next_cursor(&self, backward: bool) -> Option<&str> {
        if self.data.is_empty() || self.has_more == Some(false) {
            return None;
        }
        let cursor = if backward { &self.first_id } else { &self.last_id };
        cursor.as_deref().filter(|c| !c.is_empty())
    }
}

/// One page of a list paged by an opaque `page` token.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct OpaqueCursorPage<T> {
    /// The items, in the server's order.
    pub data: Vec<T>,
    /// The token for the next page.
    pub next_page: Option<String>,
    /// Whether more items follow, when the server says.
    pub has_more: Option<bool>,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

impl<T> OpaqueCursorPage<T> {
    /// The token for the next page, or `None` at the end.
    pub fn next_cursor(&self) -> Option<&str> {
        if self.data.is_empty() || self.has_more == Some(false) {
            return None;
        }
        self.next_page.as_deref().filter(|c| !c.is_empty())
    }
}

/// A list endpoint whose pages can be followed.
pub trait Paginated: Endpoint + Clone {
    /// The listed item.
    type Item: DeserializeOwned;

    /// Split a page into its items and the request for the following page, if there is one.
    fn split(&self, page: Self::Response) -> (Vec<Self::Item>, Option<Self>);
}

/// For a list request with a `cursor: CursorParams` field: the `after_id`, `before_id` and
/// `limit` setters and the [`Paginated`] implementation, the same for every cursor-paged list.
macro_rules! cursor_list {
    ($list:ty, $item:ty, $noun:literal) => {
        impl $list {
            #[doc = concat!("Start after this ", $noun, " ID.")]
            pub fn after_id(mut self, id: impl Into<String>) -> Self {
                self.cursor.after_id = Some(id.into());
                self
            }

            #[doc = concat!("Start before this ", $noun, " ID and page backwards.")]
            pub fn before_id(mut self, id: impl Into<String>) -> Self {
                self.cursor.before_id = Some(id.into());
                self
            }

            #[doc = concat!("At most this many per page.")]
            pub fn limit(mut self, limit: u32) -> Self {
                self.cursor.limit = Some(limit);
                self
            }
        }

        impl $crate::pagination::Paginated for $list {
            type Item = $item;

            fn split(&self, page: Self::Response) -> (Vec<$item>, Option<Self>) {
                let next = self.cursor.next(&page).map(|cursor| Self { cursor, ..self.clone() });
                (page.data, next)
            }
        }
    };
}

/// The `after_id`, `before_id` and `limit` parameters shared by cursor-paged lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CursorParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) after_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) before_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) limit: Option<u32>,
}

impl CursorParams {
    /// The parameters for the page after `page`, in the direction this listing pages.
    pub(crate) fn next<T>(&self, page: &CursorPage<T>) -> Option<Self> {
        let backward = self.before_id.is_some();
        let cursor = page.next_cursor(backward)?.to_owned();
        let mut next = self.clone();
        if backward {
            next.before_id = Some(cursor);
        } else {
            next.after_id = Some(cursor);
        }
        Some(next)
    }

    /// Append the set parameters to a query.
    pub(crate) fn append_to(&self, query: &mut form_urlencoded::Serializer<'_, String>) {
        if let Some(after_id) = &self.after_id {
            query.append_pair("after_id", after_id);
        }
        if let Some(before_id) = &self.before_id {
            query.append_pair("before_id", before_id);
        }
        if let Some(limit) = self.limit {
            query.append_pair("limit", &limit.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(n: usize, has_more: Option<bool>) -> CursorPage<u8> {
        CursorPage {
            data: vec![0; n],
            first_id: Some("first".into()),
            last_id: Some("last".into()),
            has_more,
            extra: Extra::default(),
        }
    }

    #[test]
    fn cursor_stop_rules() {
        assert_eq!(page(2, Some(true)).next_cursor(false), Some("last"));
        assert_eq!(page(2, Some(true)).next_cursor(true), Some("first"));
        assert_eq!(page(2, None).next_cursor(false), Some("last"), "absent has_more continues");
        assert_eq!(page(2, Some(false)).next_cursor(false), None);
        assert_eq!(page(0, Some(true)).next_cursor(false), None);
        let mut no_cursor = page(2, Some(true));
        no_cursor.last_id = None;
        assert_eq!(no_cursor.next_cursor(false), None);
        no_cursor.last_id = Some(String::new());
        assert_eq!(no_cursor.next_cursor(false), None);
    }

    #[test]
    fn opaque_stop_rules() {
        let page = |n: usize, next: Option<&str>, has_more| OpaqueCursorPage {
            data: vec![0u8; n],
            next_page: next.map(Into::into),
            has_more,
            extra: Extra::default(),
        };
        assert_eq!(page(1, Some("c/+="), None).next_cursor(), Some("c/+="));
        assert_eq!(page(1, Some("c"), Some(false)).next_cursor(), None);
        assert_eq!(page(0, Some("c"), Some(true)).next_cursor(), None);
        assert_eq!(page(1, None, Some(true)).next_cursor(), None);
        assert_eq!(page(1, Some(""), Some(true)).next_cursor(), None);
    }

    #[test]
    fn cursor_params_follow_the_direction() {
        let forward = CursorParams { limit: Some(2), ..CursorParams::default() };
        let next = forward.next(&page(2, Some(true))).unwrap();
        assert_eq!((next.after_id.as_deref(), next.limit), (Some("last"), Some(2)));
        let backward = CursorParams { before_id: Some("z".into()), ..CursorParams::default() };
        let next = backward.next(&page(2, None)).unwrap();
        assert_eq!((next.before_id.as_deref(), next.after_id), (Some("first"), None));
        assert_eq!(forward.next(&page(2, Some(false))), None);
    }
}
