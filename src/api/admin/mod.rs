//! Admin operations; they need an admin API key.
//!
//! ```no_run
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! let revoked = client.admin().api_keys().revoke("key_123").await?;
//! assert!(!revoked.is_active);
//! # Ok(()) }
//! ```

pub mod api_keys;
pub mod usage;
pub mod workspaces;

use crate::client::Client;

/// Facade over the admin operations, like `client.admin` in the official SDKs.
#[derive(Debug, Clone, Copy)]
pub struct Admin<'a> {
    client: &'a Client,
}

impl<'a> Admin<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// API key operations.
    pub fn api_keys(&self) -> api_keys::ApiKeys<'a> {
        api_keys::ApiKeys::new(self.client)
    }

    /// Workspace operations.
    pub fn workspaces(&self) -> workspaces::Workspaces<'a> {
        workspaces::Workspaces::new(self.client)
    }

    /// Usage reporting.
    pub fn usage(&self) -> usage::Usage<'a> {
        usage::Usage::new(self.client)
    }
}
