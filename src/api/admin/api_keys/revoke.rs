use http::Method;
use serde::{Deserialize, Serialize};

use crate::endpoint::{Endpoint, EndpointMeta, Idempotency, path_segment};
use crate::error::BuildError;
use crate::models::ApiKey;

/// `POST /compute/v1/admin/api-keys/{api_key_id}/revoke`: revoke an API key.
///
/// Idempotent: revoking twice leaves the key revoked, so it is retried like a read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeApiKey {
    api_key_id: String,
}

impl RevokeApiKey {
    /// Revoke the key with this ID.
    pub fn new(api_key_id: impl Into<String>) -> Self {
        Self { api_key_id: api_key_id.into() }
    }
}

impl Endpoint for RevokeApiKey {
    type Response = ApiKey;

    const META: EndpointMeta = EndpointMeta {
        method: Method::POST,
        operation: "admin.api_keys.revoke",
        path_template: "/compute/v1/admin/api-keys/{api_key_id}/revoke",
        idempotency: Idempotency::Idempotent,
    };

    fn path(&self) -> Result<String, BuildError> {
        let id = path_segment("api_key_id", &self.api_key_id)?;
        Ok(["/compute/v1/admin/api-keys/", &id, "/revoke"].concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::KeyType;
    use chrono::{TimeZone, Utc};

    /// The response example from the endpoint's documentation page.
    const SEED: &str = r#"{
      "id": "id",
      "allowed_ips": ["string"],
      "created_at": "2019-12-27T18:11:19.117Z",
      "expires_at": "2019-12-27T18:11:19.117Z",
      "is_active": true,
      "key_prefix": "key_prefix",
      "key_type": "admin",
      "last_used_at": "2019-12-27T18:11:19.117Z",
      "livemode": true,
      "name": "name",
      "workspace_id": "workspace_id"
    }"#;

    #[test]
    fn request_shape() {
        let revoke = RevokeApiKey::new("key_123");
        assert_eq!(RevokeApiKey::META.method, Method::POST);
        assert_eq!(revoke.path().unwrap(), "/compute/v1/admin/api-keys/key_123/revoke");
        assert_eq!(revoke.query(), None);
        assert!(revoke.body().unwrap().is_none());
        assert_eq!(
            RevokeApiKey::new("a/b c?d%").path().unwrap(),
            "/compute/v1/admin/api-keys/a%2Fb%20c%3Fd%25/revoke"
        );
        for bad in ["", ".", ".."] {
            assert!(RevokeApiKey::new(bad).path().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn decodes_the_documented_response() {
        let key: ApiKey = serde_json::from_str(SEED).unwrap();
        let at =
            Utc.with_ymd_and_hms(2019, 12, 27, 18, 11, 19).unwrap() + chrono::Duration::milliseconds(117);
        assert_eq!(key.id, "id");
        assert_eq!(key.allowed_ips, ["string"]);
        assert_eq!(key.created_at, at);
        assert_eq!(key.expires_at, Some(at));
        assert!(key.is_active);
        assert_eq!(key.key_prefix, "key_prefix");
        assert_eq!(key.key_type, KeyType::Admin);
        assert_eq!(key.last_used_at, Some(at));
        assert!(key.livemode);
        assert_eq!(key.name, "name");
        assert_eq!(key.workspace_id.as_deref(), Some("workspace_id"));
    }
}
