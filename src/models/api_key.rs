use boltz_api_derive::Model;
use chrono::{DateTime, Utc};

use super::Extra;

use super::SecretKey;

open_enum! {
    /// Whether a key administers the organisation or is scoped to one workspace.
    pub enum KeyType {
        /// An organisation admin key.
        Admin = "admin",
        /// A key scoped to one workspace.
        Workspace = "workspace",
    }
}

open_enum! {
    /// Live keys act on real resources; test keys create test-mode resources with synthetic data.
    pub enum KeyMode {
        /// A live key.
        Live = "live",
        /// A test key.
        Test = "test",
    }
}

/// The response to creating a key: the secret, shown only this once, and the key's description.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct CreatedApiKey {
    /// The full secret; store it now, it cannot be read again.
    pub key: SecretKey,
    /// The new key's public description.
    pub key_details: ApiKey,
    /// Fields this version of the crate does not know.
    pub extra: Extra,
}

/// An API key's public description, as returned by list and revoke. Never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct ApiKey {
    /// API key ID.
    pub id: String,
    /// IP addresses allowed to use this key; empty means every address is allowed.
    pub allowed_ips: Vec<String>,
    /// When the key was created.
    pub created_at: DateTime<Utc>,
    /// When the key expires; `None` if it does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether the key can be used (revoked keys are inactive).
    pub is_active: bool,
    /// The first 12 characters of the key.
    pub key_prefix: String,
    /// Admin or workspace key.
    pub key_type: KeyType,
    /// When the key was last used; `None` if never.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Whether this is a live key (`false` for test keys).
    pub livemode: bool,
    /// The key's name.
    pub name: String,
    /// The workspace a workspace-scoped key belongs to.
    pub workspace_id: Option<String>,
    /// Fields this version of the crate does not know.
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_key_types() {
        let parse = |s: &str| serde_json::from_str::<KeyType>(s).unwrap();
        assert_eq!(parse(r#""admin""#), KeyType::Admin);
        assert_eq!(parse(r#""workspace""#), KeyType::Workspace);
        assert_eq!(parse(r#""service""#), KeyType::Unknown("service".into()));
        assert_eq!(serde_json::to_string(&KeyType::Unknown("x".into())).unwrap(), r#""x""#);
        assert!(serde_json::from_str::<KeyType>("3").is_err());
    }

    #[test]
    fn nullable_fields_may_be_null_or_absent() {
        let key: ApiKey = serde_json::from_str(
            r#"{"id":"k","allowed_ips":["10.0.0.1"],"created_at":"2026-01-02T03:04:05+02:00",
                "is_active":false,"key_prefix":"sk_bc_admin_","key_type":"admin","livemode":true,"name":"n"}"#,
        )
        .unwrap();
        assert_eq!((key.expires_at, key.last_used_at, key.workspace_id), (None, None, None));
        assert_eq!(key.created_at.to_rfc3339(), "2026-01-02T01:04:05+00:00");
    }
}
