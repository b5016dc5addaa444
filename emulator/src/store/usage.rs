//! Deterministic synthetic usage, bucketed by window and grouping, paged by an opaque token.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::Store;
use crate::error::ApiError;

const APPLICATIONS: [&str; 7] = [
    "structure_and_binding",
    "small_molecule_design",
    "small_molecule_library_screen",
    "protein_design",
    "protein_redesign",
    "protein_library_screen",
    "adme",
];
const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 100;
/// Page tokens carry characters that must be URL-encoded, so clients that forget fail loudly.
const TOKEN_SUFFIX: &str = "/+=";

fn time(query: &[(String, String)], name: &str) -> Result<DateTime<Utc>, ApiError> {
    let value = query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))?;
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::bad_request(format!("{name} must be an RFC 3339 date-time with a timezone")))
}

fn all<'a>(query: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    query.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
}

/// A stable pseudo-random quantity for one bucket.
fn quantity(window: usize, workspace: &str, application: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in window.to_le_bytes().iter().chain(workspace.as_bytes()).chain(application.as_bytes()) {
        hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
    }
    (hash % 1000) as i64
}

impl Store {
    /// `GET /compute/v1/admin/usage`.
    pub(crate) fn usage(&self, query: &[(String, String)]) -> Result<Value, ApiError> {
        let start = time(query, "starting_at")?;
        let end = time(query, "ending_at")?;
        let (window, max_range) =
            match query.iter().find(|(k, _)| k == "window_size").map(|(_, v)| v.as_str()) {
                Some("HOUR") => (Duration::hours(1), Duration::days(31)),
                Some("DAY") => (Duration::days(1), Duration::days(365)),
                _ => return Err(ApiError::bad_request("window_size must be HOUR or DAY")),
            };
        if end <= start || end - start > max_range {
            return Err(ApiError::bad_request(
                "the range must be positive and within the window size's maximum",
            ));
        }
        let applications = all(query, "applications[]");
        if let Some(bad) = applications.iter().find(|a| !APPLICATIONS.contains(a)) {
            return Err(ApiError::unprocessable(format!("unknown application `{bad}`")));
        }
        let group_by = all(query, "group_by[]");
        if let Some(bad) = group_by.iter().find(|g| !["workspace_id", "application"].contains(g)) {
            return Err(ApiError::unprocessable(format!("unknown group_by `{bad}`")));
        }
        let limit = match query.iter().find(|(k, _)| k == "limit") {
            Some((_, v)) => v
                .parse::<usize>()
                .ok()
                .filter(|l| *l > 0)
                .ok_or_else(|| ApiError::bad_request("bad limit"))?,
            None => DEFAULT_LIMIT,
        }
        .min(MAX_LIMIT);
        let offset = match query.iter().find(|(k, _)| k == "page") {
            Some((_, token)) => token
                .strip_suffix(TOKEN_SUFFIX)
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| ApiError::bad_request("invalid page token"))?,
            None => 0,
        };

        let filter_workspaces = all(query, "workspace_ids[]");
        let workspaces: Vec<&str> = if group_by.contains(&"workspace_id") {
            self.workspace_ids()
                .filter(|w| filter_workspaces.is_empty() || filter_workspaces.contains(w))
                .collect()
        } else {
            vec![""]
        };
        let apps: Vec<&str> = if group_by.contains(&"application") {
            APPLICATIONS
                .iter()
                .copied()
                .filter(|a| applications.is_empty() || applications.contains(a))
                .collect()
        } else {
            vec![""]
        };

        let mut buckets = Vec::new();
        let mut window_start = start;
        let mut index = 0;
        while window_start < end {
            for workspace in &workspaces {
                for application in &apps {
                    let mut bucket = json!({
                        "start_time": window_start,
                        "end_time": window_start + window,
                        "quantity": quantity(index, workspace, application),
                    });
                    if !workspace.is_empty() {
                        bucket["workspace_id"] = json!(workspace);
                    }
                    if !application.is_empty() {
                        bucket["application"] = json!(application);
                    }
                    buckets.push(bucket);
                }
            }
            window_start += window;
            index += 1;
        }
        let total = buckets.len();
        let page: Vec<Value> = buckets.into_iter().skip(offset).take(limit).collect();
        let next = offset + page.len();
        let has_more = next < total;
        Ok(json!({
            "data": page,
            "next_page": has_more.then(|| format!("{next}{TOKEN_SUFFIX}")),
            "has_more": has_more,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn buckets_follow_the_window_and_grouping() {
        let store = Store::new();
        let base = [
            ("starting_at", "2026-04-01T00:00:00Z"),
            ("ending_at", "2026-04-04T00:00:00+00:00"),
            ("window_size", "DAY"),
        ];
        let page = store.usage(&q(&base)).unwrap();
        assert_eq!(page["data"].as_array().unwrap().len(), 3);
        assert_eq!(page["has_more"], false);
        assert!(page["data"][0].get("workspace_id").is_none());

        let mut grouped = base.to_vec();
        grouped.extend([
            ("group_by[]", "application"),
            ("applications[]", "adme"),
            ("applications[]", "protein_design"),
        ]);
        grouped.push(("limit", "4"));
        let page = store.usage(&q(&grouped)).unwrap();
        assert_eq!(
            (page["data"][0]["application"].as_str(), page["data"][1]["application"].as_str()),
            (Some("protein_design"), Some("adme"))
        );
        assert_eq!((page["has_more"].clone(), page["next_page"].clone()), (json!(true), json!("4/+=")));
        grouped.push(("page", "4/+="));
        let rest = store.usage(&q(&grouped)).unwrap();
        assert_eq!(rest["data"].as_array().unwrap().len(), 2);
        assert_eq!(store.usage(&q(&grouped)).unwrap(), rest, "deterministic");
    }

    #[test]
    fn bad_queries_are_refused() {
        let store = Store::new();
        assert!(store.usage(&q(&[("ending_at", "2026-04-04T00:00:00Z"), ("window_size", "DAY")])).is_err());
        let naive = [
            ("starting_at", "2026-04-01T00:00:00"),
            ("ending_at", "2026-04-04T00:00:00Z"),
            ("window_size", "DAY"),
        ];
        assert!(store.usage(&q(&naive)).is_err());
        let too_long = [
            ("starting_at", "2026-01-01T00:00:00Z"),
            ("ending_at", "2026-03-01T00:00:00Z"),
            ("window_size", "HOUR"),
        ];
        assert!(store.usage(&q(&too_long)).is_err());
    }
}
