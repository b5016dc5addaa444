//! A tower-based client for the [Boltz](https://boltz.bio) compute API.
//!
//! Every endpoint is a typed, sans-IO request (for example [`RevokeApiKey`]) sent through a tower
//! stack of small layers: tracing, deadline, retries, per-attempt logging with the connection's
//! socket addresses, attempt timeout, body collection, base URL, redirects and auth.
//!
//! ```no_run
//! use boltz_api::Client;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), boltz_api::Error> {
//! let client = Client::from_env()?; // BOLTZ_API_KEY, BOLTZ_BASE_URL, BOLTZ_CUSTOM_HEADERS
//! let key = client.admin().api_keys().revoke("key_123").await?;
//! println!("{} revoked: {}", key.id, !key.is_active);
//! # Ok(()) }
//! ```
//!
//! [`RevokeApiKey`]: api::admin::api_keys::RevokeApiKey

// Declared first: their macros are used by the endpoint files.
#[macro_use]
pub mod options;
#[macro_use]
pub mod pagination;
pub mod api;
pub mod client;
pub mod endpoint;
pub mod error;
pub mod jobs;
pub mod json;
pub mod models;
mod redact;

pub use client::{Call, CallFuture, Client, ClientBuilder, RawRequest};
pub use endpoint::{Endpoint, EndpointMeta, Idempotency};
pub use error::{ApiError, ApiErrorKind, BuildError, DecodeError, Error, JobFailure, TimeoutKind};
pub use json::ApiResponse;
pub use options::RequestOptions;

/// The layers the default stack is made of, re-exported for custom stacks.
pub use boltz_api_layers as layers;

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
