use bytes::Bytes;
use http::Method;

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency, json_body};
use crate::error::BuildError;
use crate::models::{CreatedApiKey, Extra, KeyMode, Model};

/// `POST /compute/v1/admin/api-keys`: create a workspace API key.
///
/// Not idempotent: a blind replay could mint a second secret, so it is retried only when it
/// cannot have been processed (connect failure, 429, or the server's `x-should-retry: true`).
#[derive(Debug, Clone, PartialEq, Eq, Model)]
pub struct CreateApiKey {
    name: String,
    allowed_ips: Option<Vec<String>>,
    expires_in_days: Option<i64>,
    mode: Option<KeyMode>,
    workspace_id: Option<String>,
    /// Fields this version of the crate does not know, sent as they were read.
    extra: Extra,
}

impl CreateApiKey {
    /// A key named `name`; unset options are left to the server's defaults.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            allowed_ips: None,
            expires_in_days: None,
            mode: None,
            workspace_id: None,
            extra: Extra::default(),
        }
    }

    /// Restrict the key to these IP addresses (empty: every address).
    pub fn allowed_ips<I, S>(mut self, ips: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.allowed_ips = Some(ips.into_iter().map(Into::into).collect());
        self
    }

    /// Make the key expire after this many days.
    pub fn expires_in_days(mut self, days: i64) -> Self {
        self.expires_in_days = Some(days);
        self
    }

    /// Live or test key.
    pub fn mode(mut self, mode: KeyMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// Scope the key to this workspace (default: the organisation's default workspace).
    pub fn workspace_id(mut self, workspace_id: impl Into<String>) -> Self {
        self.workspace_id = Some(workspace_id.into());
        self
    }
}

impl Endpoint for CreateApiKey {
    type Response = CreatedApiKey;

    const META: EndpointMeta = EndpointMeta {
        method: Method::POST,
        operation: "admin.api_keys.create",
        path_template: "/compute/v1/admin/api-keys",
        idempotency: Idempotency::NonIdempotent,
    };

    const SECRET_RESPONSE: bool = true;

    fn body(&self) -> Result<Option<Bytes>, BuildError> {
        json_body(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::body_text as body;

    #[test]
    fn request_shape_omits_unset_options() {
        let create = CreateApiKey::new("ci");
        assert_eq!(create.path().unwrap(), "/compute/v1/admin/api-keys");
        assert_eq!(body(&create), r#"{"name":"ci"}"#);
        let full = CreateApiKey::new("k").allowed_ips(Vec::<String>::new()).mode(KeyMode::Test);
        assert_eq!(body(&full), r#"{"name":"k","allowed_ips":[],"mode":"test"}"#);
        let all = CreateApiKey::new("k").allowed_ips(["10.0.0.1"]).expires_in_days(30).workspace_id("ws_1");
        assert_eq!(
            body(&all),
            r#"{"name":"k","allowed_ips":["10.0.0.1"],"expires_in_days":30,"workspace_id":"ws_1"}"#
        );
    }

    #[test]
    fn decodes_the_secret_and_details() {
        let created: CreatedApiKey = serde_json::from_str(
            r#"{"key":"sk_bc_ws_test_s3cr3t","key_details":{"id":"key_1","allowed_ips":[],"created_at":"2026-01-01T00:00:00Z",
                "expires_at":null,"is_active":true,"key_prefix":"sk_bc_ws_tes","key_type":"workspace","last_used_at":null,
                "livemode":false,"name":"k","workspace_id":"ws_1"}}"#,
        )
        .unwrap();
        assert_eq!(created.key.expose_secret(), "sk_bc_ws_test_s3cr3t");
        assert!(!format!("{created:?}").contains("s3cr3t"));
        assert_eq!(created.key_details.workspace_id.as_deref(), Some("ws_1"));
    }
}
