//! Cursor pagination: one page per call, or every item as a `Stream`.
//!
//! Paging follows the reference SDKs: stop on an empty page, on `has_more: false` when present,
//! or on a missing cursor; a listing that started with `before_id` pages backwards on
//! `first_id`, otherwise forwards on `last_id`; every other query parameter is carried along.
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

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;

/// One page of a cursor-paginated list.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CursorPage<T> {
    /// The items, in the server's order.
    pub data: Vec<T>,
    /// The first item's ID; the cursor for the previous page.
    #[serde(default)]
    pub first_id: Option<String>,
    /// The last item's ID; the cursor for the next page.
    #[serde(default)]
    pub last_id: Option<String>,
    /// Whether more items follow in the paging direction, when the server says.
    #[serde(default)]
    pub has_more: Option<bool>,
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

/// A list endpoint paged by `after_id` / `before_id`.
pub trait CursorPaged: Endpoint<Response = CursorPage<Self::Item>> + Clone {
    /// The listed item.
    type Item: DeserializeOwned;

    /// Whether the listing pages backwards (it started with `before_id`).
    fn is_backward(&self) -> bool;

    /// The same request for the page at `cursor` in the listing's direction.
    fn at_cursor(&self, cursor: &str) -> Self;
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
        }
    }

    #[test]
    fn stop_rules() {
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
}
