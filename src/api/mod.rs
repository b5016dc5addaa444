//! Typed requests, one file per endpoint, grouped like the official SDKs.
//!
//! ```no_run
//! # async fn run() -> Result<(), boltz_api::Error> {
//! let client = boltz_api::Client::from_env()?;
//! let key = client.admin().api_keys().revoke("key_123").await?;
//! println!("{} is active: {}", key.id, key.is_active);
//! # Ok(()) }
//! ```

pub mod admin;
pub mod auth;
pub mod cli;
mod compute;
pub mod predictions;
pub mod protein;
pub mod share_links;
pub mod small_molecule;
