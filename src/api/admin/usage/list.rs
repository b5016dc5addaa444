use chrono::{DateTime, SecondsFormat, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::models::{Application, UsageBucket, UsageGroupBy, WindowSize};
use crate::pagination::{OpaqueCursorPage, Paginated};

/// `GET /compute/v1/admin/usage`: usage buckets over a time range, one [`OpaqueCursorPage`] at
/// a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListUsage {
    starting_at: DateTime<Utc>,
    ending_at: DateTime<Utc>,
    window_size: WindowSize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    applications: Vec<Application>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    group_by: Vec<UsageGroupBy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    workspace_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<String>,
}

impl ListUsage {
    /// Usage from `starting_at` to `ending_at` in `window_size` buckets (`HOUR` ranges may span
    /// 31 days, `DAY` ranges 365).
    pub fn new(starting_at: DateTime<Utc>, ending_at: DateTime<Utc>, window_size: WindowSize) -> Self {
        Self {
            starting_at,
            ending_at,
            window_size,
            applications: Vec::new(),
            group_by: Vec::new(),
            workspace_ids: Vec::new(),
            limit: None,
            page: None,
        }
    }

    /// Only these applications.
    pub fn applications(mut self, applications: impl IntoIterator<Item = Application>) -> Self {
        self.applications = applications.into_iter().collect();
        self
    }

    /// One bucket per workspace and/or application.
    pub fn group_by(mut self, group_by: impl IntoIterator<Item = UsageGroupBy>) -> Self {
        self.group_by = group_by.into_iter().collect();
        self
    }

    /// Only these workspaces.
    pub fn workspace_ids<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Self {
        self.workspace_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// At most this many buckets per page.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continue from a previous page's `next_page` token.
    pub fn page(mut self, token: impl Into<String>) -> Self {
        self.page = Some(token.into());
        self
    }
}

/// RFC 3339 with an explicit `Z` offset; the endpoint requires a timezone.
fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl Endpoint for ListUsage {
    type Response = OpaqueCursorPage<UsageBucket>;

    const META: EndpointMeta = EndpointMeta {
        method: Method::GET,
        operation: "admin.usage.list",
        path_template: "/compute/v1/admin/usage",
        idempotency: Idempotency::Safe,
    };

    fn query(&self) -> Option<String> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("starting_at", &timestamp(&self.starting_at));
        query.append_pair("ending_at", &timestamp(&self.ending_at));
        query.append_pair("window_size", self.window_size.as_str());
        // Array parameters repeat the bracketed key once per value.
        for application in &self.applications {
            query.append_pair("applications[]", application.as_str());
        }
        for group in &self.group_by {
            query.append_pair("group_by[]", group.as_str());
        }
        for workspace_id in &self.workspace_ids {
            query.append_pair("workspace_ids[]", workspace_id);
        }
        if let Some(limit) = self.limit {
            query.append_pair("limit", &limit.to_string());
        }
        if let Some(page) = &self.page {
            query.append_pair("page", page);
        }
        Some(query.finish())
    }
}

impl Paginated for ListUsage {
    type Item = UsageBucket;

    fn split(&self, page: Self::Response) -> (Vec<UsageBucket>, Option<Self>) {
        let next = page.next_cursor().map(|token| self.clone().page(token));
        (page.data, next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn request() -> ListUsage {
        let start = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 4, 8, 18, 56, 46).unwrap();
        ListUsage::new(start, end, WindowSize::Day)
    }

    #[test]
    fn arrays_repeat_their_key_and_times_carry_an_offset() {
        let list = request()
            .applications([Application::Adme, Application::ProteinDesign])
            .group_by([UsageGroupBy::WorkspaceId])
            .workspace_ids(["w1", "w2"]);
        assert_eq!(
            list.query().unwrap(),
            "starting_at=2026-04-01T00%3A00%3A00Z&ending_at=2026-04-08T18%3A56%3A46Z&window_size=DAY\
             &applications%5B%5D=adme&applications%5B%5D=protein_design&group_by%5B%5D=workspace_id\
             &workspace_ids%5B%5D=w1&workspace_ids%5B%5D=w2"
        );
    }

    #[test]
    fn the_opaque_token_is_url_encoded_and_other_parameters_kept() {
        let page: OpaqueCursorPage<UsageBucket> = serde_json::from_str(
            r#"{"data":[{"start_time":"2026-04-01T00:00:00Z","end_time":"2026-04-02T00:00:00Z","quantity":3}],
                "next_page":"CURSOR/+=","has_more":true}"#,
        )
        .unwrap();
        let (items, next) = request().limit(1).split(page);
        assert_eq!(items.len(), 1);
        let query = next.unwrap().query().unwrap();
        assert!(query.ends_with("window_size=DAY&limit=1&page=CURSOR%2F%2B%3D"), "{query}");
    }
}
