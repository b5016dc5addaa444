use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::union::{Tag, arm, tag};
use super::{Extra, KeyMode, KeyType, Model};

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
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct ApiKeyPrincipal {
    /// `api_key`.
    pub principal_type: String,
    /// The key's ID.
    pub api_key_id: String,
    /// Admin or workspace key.
    pub key_type: KeyType,
    /// Live or test.
    pub mode: KeyMode,
    /// The key's organisation.
    pub organization_id: String,
    /// The organisation's name, when the server sends it.
    pub organization_name: Option<String>,
    /// The organisation requests act on.
    pub selected_organization_id: String,
    /// The workspace of a workspace key.
    pub workspace_id: Option<String>,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

/// A user principal.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct UserPrincipal {
    /// `user`.
    pub principal_type: String,
    /// The user's ID.
    pub user_id: String,
    /// The organisations the user belongs to.
    pub organization_memberships: Vec<OrganizationMembership>,
    /// The user's active organisation.
    pub active_organization_id: Option<String>,
    /// The organisation requests act on.
    pub selected_organization_id: Option<String>,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
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
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct OrganizationMembership {
    /// The user's role.
    pub compute_role: ComputeRole,
    /// The organisation's ID.
    pub organization_id: String,
    /// The organisation's name, when sent.
    pub organization_name: Option<String>,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

impl<'de> Deserialize<'de> for AuthMe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Discriminated on `principal_type`, with a fallback that keeps unknown principals.
        let value = Value::deserialize(deserializer)?;
        Ok(match tag(&value, "principal_type") {
            Tag::Is("api_key") => Self::ApiKey(arm(value)?),
            Tag::Is("user") => Self::User(arm(value)?),
            _ => Self::Unknown(value),
        })
    }
}

impl Serialize for AuthMe {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::ApiKey(principal) => principal.serialize(serializer),
            Self::User(principal) => principal.serialize(serializer),
            Self::Unknown(value) => value.serialize(serializer),
        }
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
