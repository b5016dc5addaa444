use http::Method;
use serde::{Deserialize, Serialize};

use super::workspace_path;
use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::error::BuildError;
use crate::models::Workspace;

/// `GET /compute/v1/admin/workspaces/{workspace_id}`: fetch one workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrieveWorkspace {
    workspace_id: String,
}

impl RetrieveWorkspace {
    /// Fetch the workspace with this ID.
    pub fn new(workspace_id: impl Into<String>) -> Self {
        Self { workspace_id: workspace_id.into() }
    }
}

impl Endpoint for RetrieveWorkspace {
    type Response = Workspace;

    const META: EndpointMeta = EndpointMeta {
        method: Method::GET,
        operation: "admin.workspaces.retrieve",
        path_template: "/compute/v1/admin/workspaces/{workspace_id}",
        idempotency: Idempotency::Safe,
    };

    fn path(&self) -> Result<String, BuildError> {
        workspace_path(&self.workspace_id, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shape() {
        assert_eq!(RetrieveWorkspace::new("ws 1").path().unwrap(), "/compute/v1/admin/workspaces/ws%201");
        assert!(RetrieveWorkspace::new("").path().is_err());
        assert!(RetrieveWorkspace::new("..").path().is_err());
    }
}
