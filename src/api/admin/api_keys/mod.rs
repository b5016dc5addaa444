//! API keys: create, list and revoke.
//!
//! ```no_run
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! use boltz_api::api::admin::api_keys::RevokeApiKey;
//! // The facade and the typed request are the same call.
//! let a = client.admin().api_keys().revoke("key_123").await?;
//! let b = client.send(RevokeApiKey::new("key_123")).await?;
//! assert_eq!(a.id, b.id);
//! # Ok(()) }
//! ```

mod create;
mod list;
mod revoke;

pub use create::CreateApiKey;
pub use list::ListApiKeys;
pub use revoke::RevokeApiKey;

use crate::client::{Call, Client};

/// Facade over the API key operations.
#[derive(Debug, Clone, Copy)]
pub struct ApiKeys<'a> {
    client: &'a Client,
}

impl<'a> ApiKeys<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Create a workspace key; the response holds the secret, shown only this once.
    pub fn create(&self, request: CreateApiKey) -> Call<'a, CreateApiKey> {
        self.client.send(request)
    }

    /// One page of keys; call `.stream()` on the result for every key.
    pub fn list(&self, request: ListApiKeys) -> Call<'a, ListApiKeys> {
        self.client.send(request)
    }

    /// Revoke a key; revoking an already revoked key returns it unchanged.
    pub fn revoke(&self, api_key_id: impl Into<String>) -> Call<'a, RevokeApiKey> {
        self.client.send(RevokeApiKey::new(api_key_id))
    }
}
