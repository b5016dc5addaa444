use http::Method;
use serde::{Deserialize, Serialize};

use super::workspace_path;
use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::error::BuildError;
use crate::models::SpendingLimit;

/// `GET /compute/v1/admin/workspaces/{workspace_id}/spending-limit`: the workspace's lifetime
/// limit, or `None` (a JSON `null` body) when it has no workspace-level cap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrieveSpendingLimit {
    workspace_id: String,
}

impl RetrieveSpendingLimit {
    /// The limit of the workspace with this ID.
    pub fn new(workspace_id: impl Into<String>) -> Self {
        Self { workspace_id: workspace_id.into() }
    }
}

impl Endpoint for RetrieveSpendingLimit {
    type Response = Option<SpendingLimit>;

    const META: EndpointMeta = EndpointMeta {
        method: Method::GET,
        operation: "admin.workspaces.retrieve_spending_limit",
        path_template: "/compute/v1/admin/workspaces/{workspace_id}/spending-limit",
        idempotency: Idempotency::Safe,
    };

    fn path(&self) -> Result<String, BuildError> {
        workspace_path(&self.workspace_id, "/spending-limit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shape_and_a_null_body() {
        let get = RetrieveSpendingLimit::new("ws_1");
        assert_eq!(get.path().unwrap(), "/compute/v1/admin/workspaces/ws_1/spending-limit");
        let none: <RetrieveSpendingLimit as Endpoint>::Response = serde_json::from_str("null").unwrap();
        assert_eq!(none, None);
    }
}
