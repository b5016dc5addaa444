//! Cursor pagination over items kept in creation order.

use serde::Serialize;
use serde_json::Value;

use crate::error::ApiError;

/// Default and largest page sizes.
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;

/// The cursor parameters of a list request.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    pub(crate) after_id: Option<String>,
    pub(crate) before_id: Option<String>,
    pub(crate) limit: usize,
}

impl Cursor {
    /// Read `after_id`, `before_id` and `limit` from query pairs.
    pub(crate) fn from_query(query: &[(String, String)]) -> Result<Self, ApiError> {
        Self::with_default_limit(query, DEFAULT_LIMIT)
    }

    /// As [`Cursor::from_query`], with another page size when `limit` is absent (the compute
    /// plane's lists default to 100, compute-plane.md §1.2).
    pub(crate) fn with_default_limit(query: &[(String, String)], default: usize) -> Result<Self, ApiError> {
        let mut cursor = Cursor { limit: default.min(MAX_LIMIT), ..Cursor::default() };
        for (name, value) in query {
            match name.as_str() {
                "after_id" => cursor.after_id = Some(value.clone()),
                "before_id" => cursor.before_id = Some(value.clone()),
                "limit" => {
                    let limit: usize = value
                        .parse()
                        .map_err(|_| ApiError::bad_request("limit must be a positive integer"))?;
                    if limit == 0 {
                        return Err(ApiError::bad_request("limit must be a positive integer"));
                    }
                    cursor.limit = limit.min(MAX_LIMIT);
                }
                _ => {}
            }
        }
        if cursor.after_id.is_some() && cursor.before_id.is_some() {
            return Err(ApiError::bad_request("pass after_id or before_id, not both"));
        }
        Ok(cursor)
    }
}

/// A `CursorPage`: `data`, `first_id`, `last_id`, `has_more`.
#[derive(Debug, Serialize)]
pub(crate) struct Page {
    data: Vec<Value>,
    first_id: Option<String>,
    last_id: Option<String>,
    has_more: bool,
}

/// One page of `ids` (in creation order), as the positions of the selected items.
///
/// Forward pages start after `after_id`; backward pages end just before `before_id`, each page
/// still in creation order, and `has_more` says whether items remain in the paging direction.
pub(crate) fn select(ids: &[&str], cursor: &Cursor) -> Result<(std::ops::Range<usize>, bool), ApiError> {
    let position = |id: &str, name: &str| {
        ids.iter()
            .position(|x| *x == id)
            .ok_or_else(|| ApiError::bad_request(format!("unknown {name} `{id}`")))
    };
    if let Some(before) = &cursor.before_id {
        let end = position(before, "before_id")?;
        let start = end.saturating_sub(cursor.limit);
        return Ok((start..end, start > 0));
    }
    let start = match &cursor.after_id {
        Some(after) => position(after, "after_id")? + 1,
        None => 0,
    };
    let end = (start + cursor.limit).min(ids.len());
    Ok((start..end, end < ids.len()))
}

impl Page {
    /// Build the envelope from the selected items and their ids.
    pub(crate) fn new(data: Vec<Value>, ids: &[&str], has_more: bool) -> Self {
        Self {
            first_id: ids.first().map(|s| (*s).to_owned()),
            last_id: ids.last().map(|s| (*s).to_owned()),
            data,
            has_more,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(after: Option<&str>, before: Option<&str>, limit: usize) -> Cursor {
        Cursor { after_id: after.map(Into::into), before_id: before.map(Into::into), limit }
    }

    #[test]
    fn pages_forward_and_backward() {
        let ids = ["a", "b", "c", "d", "e"];
        assert_eq!(select(&ids, &cursor(None, None, 2)).unwrap(), (0..2, true));
        assert_eq!(select(&ids, &cursor(Some("b"), None, 2)).unwrap(), (2..4, true));
        assert_eq!(select(&ids, &cursor(Some("d"), None, 2)).unwrap(), (4..5, false));
        assert_eq!(select(&ids, &cursor(Some("e"), None, 2)).unwrap(), (5..5, false));
        assert_eq!(select(&ids, &cursor(None, Some("e"), 2)).unwrap(), (2..4, true));
        assert_eq!(select(&ids, &cursor(None, Some("c"), 2)).unwrap(), (0..2, false));
        assert_eq!(select(&ids, &cursor(None, Some("a"), 2)).unwrap(), (0..0, false));
        assert!(select(&ids, &cursor(Some("zz"), None, 2)).is_err());
    }

    #[test]
    fn limits_are_checked() {
        let q = |v: &str| Cursor::from_query(&[("limit".into(), v.into())]);
        assert_eq!(q("5").unwrap().limit, 5);
        assert_eq!(q("1000").unwrap().limit, MAX_LIMIT);
        assert!(q("0").is_err() && q("x").is_err());
    }
}
