use http::Method;
use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::models::ApiKey;
use crate::pagination::{CursorPage, CursorParams};

/// `GET /compute/v1/admin/api-keys`: list API keys, one [`CursorPage`] at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListApiKeys {
    #[serde(flatten)]
    cursor: CursorParams,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    workspace_id: Option<String>,
}

impl ListApiKeys {
    /// The first page of every workspace's keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only keys of this workspace.
    pub fn workspace_id(mut self, workspace_id: impl Into<String>) -> Self {
        self.workspace_id = Some(workspace_id.into());
        self
    }
}

impl Endpoint for ListApiKeys {
    type Response = CursorPage<ApiKey>;

    const META: EndpointMeta = EndpointMeta {
        method: Method::GET,
        operation: "admin.api_keys.list",
        path_template: "/compute/v1/admin/api-keys",
        idempotency: Idempotency::Safe,
    };

    fn query(&self) -> Option<String> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        self.cursor.append_to(&mut query);
        if let Some(workspace_id) = &self.workspace_id {
            query.append_pair("workspace_id", workspace_id);
        }
        Some(query.finish())
    }
}

cursor_list!(ListApiKeys, ApiKey, "key");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pagination::Paginated;

    fn page(ids: &[&str]) -> CursorPage<ApiKey> {
        CursorPage {
            data: ids.iter().map(|_| key()).collect(),
            first_id: ids.first().map(|s| (*s).to_owned()),
            last_id: ids.last().map(|s| (*s).to_owned()),
            has_more: Some(true),
            extra: Default::default(),
        }
    }

    fn key() -> ApiKey {
        serde_json::from_str(
            r#"{"id":"k","allowed_ips":[],"created_at":"2026-01-01T00:00:00Z","is_active":true,
                "key_prefix":"p","key_type":"admin","livemode":true,"name":"n"}"#,
        )
        .unwrap()
    }

    #[test]
    fn request_shape() {
        assert_eq!(ListApiKeys::new().query().as_deref(), Some(""));
        let list = ListApiKeys::new().limit(2).workspace_id("ws 1/2");
        assert_eq!(list.query().unwrap(), "limit=2&workspace_id=ws+1%2F2");
        assert_eq!(ListApiKeys::META.method, Method::GET);
    }

    #[test]
    fn the_next_page_keeps_every_other_parameter() {
        let list = ListApiKeys::new().limit(2).workspace_id("w");
        let (_, next) = list.split(page(&["key_a", "key_b"]));
        assert_eq!(next.unwrap().query().unwrap(), "after_id=key_b&limit=2&workspace_id=w");
        let backward = ListApiKeys::new().before_id("key_z").limit(2);
        let (_, next) = backward.split(page(&["key_q", "key_r"]));
        assert_eq!(next.unwrap().query().unwrap(), "before_id=key_q&limit=2");
    }
}
