use http::Method;
use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::models::Workspace;
use crate::pagination::{CursorPage, CursorParams};

/// `GET /compute/v1/admin/workspaces`: list workspaces, one [`CursorPage`] at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListWorkspaces {
    #[serde(flatten)]
    cursor: CursorParams,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

impl ListWorkspaces {
    /// The first page of workspaces.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only workspaces whose name starts with this (case-insensitive).
    pub fn name(mut self, prefix: impl Into<String>) -> Self {
        self.name = Some(prefix.into());
        self
    }
}

impl Endpoint for ListWorkspaces {
    type Response = CursorPage<Workspace>;

    const META: EndpointMeta = EndpointMeta {
        method: Method::GET,
        operation: "admin.workspaces.list",
        path_template: "/compute/v1/admin/workspaces",
        idempotency: Idempotency::Safe,
    };

    fn query(&self) -> Option<String> {
        let mut query = form_urlencoded::Serializer::new(String::new());
        self.cursor.append_to(&mut query);
        if let Some(name) = &self.name {
            query.append_pair("name", name);
        }
        Some(query.finish())
    }
}

cursor_list!(ListWorkspaces, Workspace, "workspace");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pagination::Paginated;

    #[test]
    fn request_shape() {
        let list = ListWorkspaces::new().before_id("ws_9").limit(5).name("Res earch");
        assert_eq!(list.query().unwrap(), "before_id=ws_9&limit=5&name=Res+earch");
        let page: CursorPage<Workspace> = serde_json::from_str(
            r#"{"data":[{"id":"ws_1","archived_at":null,"created_at":"2026-01-01T00:00:00Z",
                "data_retention":{"unit":"days","value":7},"is_default":true,"name":null,
                "updated_at":"2026-01-01T00:00:00Z"}],"first_id":"ws_1","last_id":"ws_1","has_more":true}"#,
        )
        .unwrap();
        let (items, next) = list.split(page);
        assert_eq!(items[0].id, "ws_1");
        assert_eq!(next.unwrap().query().unwrap(), "before_id=ws_1&limit=5&name=Res+earch");
    }
}
