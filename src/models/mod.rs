//! Response and request types shared by several endpoints.
//!
//! Models keep the fields this version does not know in their `extra` and write them back, and
//! every enum keeps values it does not know in an `Unknown(String)` arm instead of failing to
//! decode.
//!
//! ```
//! use boltz_api::models::{ApiKey, KeyType};
//!
//! let key: ApiKey = serde_json::from_str(r#"{
//!     "id": "key_1", "allowed_ips": [], "created_at": "2026-01-02T03:04:05Z",
//!     "expires_at": null, "is_active": true, "key_prefix": "sk_bc_ws_tes",
//!     "key_type": "superadmin", "last_used_at": null, "livemode": false,
//!     "name": "ci", "workspace_id": "ws_1", "added_later": 1
//! }"#).unwrap();
//! assert_eq!(key.key_type, KeyType::Unknown("superadmin".into()));
//! assert_eq!(key.extra["added_later"], 1);
//! assert_eq!(serde_json::to_value(&key).unwrap()["added_later"], 1);
//! ```

#[macro_use]
mod open_enum;
mod api_key;
mod auth;
mod cli;
mod extra;
mod files;
mod inputs;
mod secret;
pub(crate) mod union;
mod usage;
mod usd;
mod workspace;

pub mod common;
pub mod predictions;
pub mod protein;
pub mod share_links;
pub mod small_molecule;

pub use api_key::{ApiKey, CreatedApiKey, KeyMode, KeyType};
pub use auth::{ApiKeyPrincipal, AuthMe, ComputeRole, OrganizationMembership, UserPrincipal};
pub(crate) use boltz_api_derive::Model;
pub use cli::{CliInstall, CliVersion};
#[doc(hidden)]
pub use extra::__private;
pub use extra::Extra;
pub use secret::SecretKey;
pub use usage::{Application, UsageBucket, UsageGroupBy, WindowSize};
pub use usd::{ParseUsdError, Usd};
pub(crate) use workspace::LifetimeLimit;
pub use workspace::{Currency, DataRetention, LimitType, Money, RetentionUnit, SpendingLimit, Workspace};
