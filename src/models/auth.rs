use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{KeyMode, KeyType};

/// The calling credential's organisation context, from `GET /compute/v1/auth/me`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AuthMe {
    /// The caller authenticated with an API key.
    ApiKey(ApiKeyPrincipal),
    /// The caller authenticated as a user (OAuth).
    User(UserPrincipal),
    /// A principal type this version does not know, kept as JSON.
    Unknown(Value),
}

/// An API key principal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ApiKeyPrincipal {
    /// The key's ID.
    pub api_key_id: String,
    /// Admin or workspace key.
    pub key_type: KeyType,
    /// Live or test.
    pub mode: KeyMode,
    /// The key's organisation.
    pub organization_id: String,
    /// The organisation's name, when the server sends it.
    #[serde(default)]
    pub organization_name: Option<String>,
    /// The organisation requests act on.
    pub selected_organization_id: String,
    /// The workspace of a workspace key.
    #[serde(default)]
    pub workspace_id: Option<String>,
}

/// A user principal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct UserPrincipal {
    /// The user's ID.
    pub user_id: String,
    /// The organisations the user belongs to.
    pub organization_memberships: Vec<OrganizationMembership>,
    /// The user's active organisation.
    #[serde(default)]
    pub active_organization_id: Option<String>,
    /// The organisation requests act on.
    #[serde(default)]
    pub selected_organization_id: Option<String>,
}

open_enum! {
    /// A user's role in an organisation.
    pub enum ComputeRole {
        /// Administers the organisation.
        Admin = "admin",
        /// A member.
        Member = "member",
    }
}

/// One organisation a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct OrganizationMembership {
    /// The user's role.
    pub compute_role: ComputeRole,
    /// The organisation's ID.
    pub organization_id: String,
    /// The organisation's name, when sent.
    #[serde(default)]
    pub organization_name: Option<String>,
}

impl<'de> Deserialize<'de> for AuthMe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Discriminated on `principal_type`, with a fallback that keeps unknown principals.
        let value = Value::deserialize(deserializer)?;
        let parsed = match value.get("principal_type").and_then(Value::as_str) {
            Some("api_key") => ApiKeyPrincipal::deserialize(value).map(AuthMe::ApiKey),
            Some("user") => UserPrincipal::deserialize(value).map(AuthMe::User),
            _ => return Ok(AuthMe::Unknown(value)),
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discriminates_on_the_principal_type() {
        let key: AuthMe = serde_json::from_str(
            r#"{"principal_type":"api_key","api_key_id":"k","key_type":"workspace","mode":"test",
                "organization_id":"o","selected_organization_id":"o","workspace_id":null}"#,
        )
        .unwrap();
        let AuthMe::ApiKey(key) = key else { panic!() };
        assert_eq!((key.mode, key.workspace_id, key.organization_name), (KeyMode::Test, None, None));

        let user: AuthMe = serde_json::from_str(
            r#"{"principal_type":"user","user_id":"u","active_organization_id":null,"selected_organization_id":"o",
                "organization_memberships":[{"compute_role":"owner","organization_id":"o"}]}"#,
        )
        .unwrap();
        let AuthMe::User(user) = user else { panic!() };
        assert_eq!(user.organization_memberships[0].compute_role, ComputeRole::Unknown("owner".into()));

        let other: AuthMe = serde_json::from_str(r#"{"principal_type":"robot","id":1}"#).unwrap();
        assert!(matches!(other, AuthMe::Unknown(v) if v["id"] == 1));
    }
}
