use bytes::Bytes;
use http::Method;
use serde::{Deserialize, Deserializer, Serialize};

use super::workspace_path;
use crate::endpoint::{Endpoint, EndpointMeta, Idempotency, json_body};
use crate::error::BuildError;
use crate::models::{DataRetention, Workspace};

/// `POST /compute/v1/admin/workspaces/{workspace_id}`: change a workspace (POST, not PATCH).
///
/// Idempotent: it sets absolute values. Unset fields are left as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateWorkspace {
    workspace_id: String,
    #[serde(flatten)]
    body: Body,
}

/// What is sent: the fields to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Body {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_retention: Option<DataRetention>,
    /// `Some(None)` sends an explicit `null`, which clears the name.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "present")]
    name: Option<Option<String>>,
}

/// A field that is there, `null` or not: `"name": null` is `Some(None)`.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl UpdateWorkspace {
    /// An update of the workspace with this ID that changes nothing yet.
    pub fn new(workspace_id: impl Into<String>) -> Self {
        Self { workspace_id: workspace_id.into(), body: Body { data_retention: None, name: None } }
    }

    /// Rename the workspace.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.body.name = Some(Some(name.into()));
        self
    }

    /// Send `"name": null`. What the server does with it is not documented (presumably it clears
    /// the name).
    pub fn clear_name(mut self) -> Self {
        self.body.name = Some(None);
        self
    }

    /// Change how long result data is kept.
    pub fn data_retention(mut self, retention: DataRetention) -> Self {
        self.body.data_retention = Some(retention);
        self
    }
}

impl Endpoint for UpdateWorkspace {
    type Response = Workspace;

    const META: EndpointMeta = EndpointMeta {
        method: Method::POST,
        operation: "admin.workspaces.update",
        path_template: "/compute/v1/admin/workspaces/{workspace_id}",
        idempotency: Idempotency::Idempotent,
    };

    fn path(&self) -> Result<String, BuildError> {
        workspace_path(&self.workspace_id, "")
    }

    fn body(&self) -> Result<Option<Bytes>, BuildError> {
        json_body(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::body_text as body;

    #[test]
    fn explicit_null_versus_omitted() {
        assert_eq!(body(&UpdateWorkspace::new("ws")), "{}");
        assert_eq!(body(&UpdateWorkspace::new("ws").clear_name()), r#"{"name":null}"#);
        assert_eq!(body(&UpdateWorkspace::new("ws").name("n")), r#"{"name":"n"}"#);
        let retention = UpdateWorkspace::new("ws").data_retention(DataRetention::days(2));
        assert_eq!(body(&retention), r#"{"data_retention":{"unit":"days","value":2}}"#);
        assert_eq!(UpdateWorkspace::new("ws_1").path().unwrap(), "/compute/v1/admin/workspaces/ws_1");
        assert_eq!(UpdateWorkspace::META.method, Method::POST);
    }
}
