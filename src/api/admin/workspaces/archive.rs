use http::Method;
use serde::{Deserialize, Serialize};

use super::workspace_path;
use crate::endpoint::{Endpoint, EndpointMeta, Idempotency};
use crate::error::BuildError;
use crate::models::Workspace;

/// `POST /compute/v1/admin/workspaces/{workspace_id}/archive`: archive a workspace and
/// deactivate its API keys. It cannot be undone; archiving twice leaves the same state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveWorkspace {
    workspace_id: String,
}

impl ArchiveWorkspace {
    /// Archive the workspace with this ID.
    pub fn new(workspace_id: impl Into<String>) -> Self {
        Self { workspace_id: workspace_id.into() }
    }
}

impl Endpoint for ArchiveWorkspace {
    type Response = Workspace;

    const META: EndpointMeta = EndpointMeta {
        method: Method::POST,
        operation: "admin.workspaces.archive",
        path_template: "/compute/v1/admin/workspaces/{workspace_id}/archive",
        idempotency: Idempotency::Idempotent,
    };

    fn path(&self) -> Result<String, BuildError> {
        workspace_path(&self.workspace_id, "/archive")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shape() {
        let archive = ArchiveWorkspace::new("ws/1");
        assert_eq!(archive.path().unwrap(), "/compute/v1/admin/workspaces/ws%2F1/archive");
        assert!(archive.body().unwrap().is_none());
        assert_eq!(ArchiveWorkspace::META.idempotency, Idempotency::Idempotent);
    }
}
