//! A tower-based client for the [Boltz](https://boltz.bio) compute API: structure and binding
//! prediction, ADME, protein and small-molecule design, and the admin plane (API keys,
//! workspaces, usage), for service-to-service code.
//!
//! ```no_run
//! use boltz_api::Client;
//! use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
//! use boltz_api::models::predictions::structure_and_binding::params::{Entity, Input};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), boltz_api::Error> {
//! let client = Client::from_env()?; // BOLTZ_API_KEY, BOLTZ_BASE_URL, BOLTZ_CUSTOM_HEADERS
//!
//! let input = Input::new([Entity::protein("A", "MKTAYIAKQRQISFVKSHFSRQ"), Entity::ligand_smiles("B", "CCO")]);
//! let started = client.predictions().structure_and_binding().start(StartStructureAndBinding::new(input)).await?;
//! // Polls with backoff; a failed job is an `Error::JobFailed`; `.events()` streams progress.
//! let finished = client.wait(&started).await?;
//! println!("{} ended {:?}", finished.job().id, finished.state());
//!
//! let key = client.admin().api_keys().revoke("key_123").await?;
//! println!("{} revoked: {}", key.id, !key.is_active);
//! # Ok(()) }
//! ```
//!
//! # Where things are
//!
//! - [`Client`] and [`ClientBuilder`]: the key, base URL, retries, timeouts, TLS roots, proxies,
//!   the connection pool, [`Client::with_api_key`] for many keys on one pool, and your own tower
//!   layers ([`ClientBuilder::layer`] per call, [`ClientBuilder::attempt_layer`] per attempt).
//! - [`api`]: one typed request per operation, grouped like the official SDKs
//!   (`client.protein().design().start(..)`); every request is an [`Endpoint`], and
//!   [`Client::request`] reaches any other path through the same stack.
//! - [`models`]: the responses, and each family's `params` for building requests.
//! - [`jobs`]: waiting for a job as a stream of events, downloading its presigned files (streamed,
//!   resumable, never with the key), and run directories the official Python SDK can also finish.
//! - [`pagination`]: a list awaited is a page; `.stream()` yields every item.
//! - [`Error`]: one enum, grouped by whether the request may have been processed
//!   ([`Error::may_have_been_processed`]); [`Error::request_id`] for support requests.
//! - [`layers`]: the generic tower layers the stack is made of (auth, retry, timeouts, logging).
//!
//! The stack, outer to inner: tracing span, default headers, deadline, base URL, retries (which
//! never blindly replay a create, and resend at once what met a stale pooled connection, with
//! redirects), a log event per attempt with both socket addresses, attempt timeout, body
//! collection, and the key, attached innermost and only for the base URL's origin. The key never
//! appears in logs, `Debug`, `Display` or errors, even when a server echoes it.
//!
//! # Cargo features
//!
//! | feature | default | |
//! |---|---|---|
//! | `rustls-ring` | yes | TLS by rustls with ring |
//! | `rustls-aws-lc` | | rustls with aws-lc-rs |
//! | `native-tls` | | the platform's TLS; wins over the rustls features |
//! | `webpki-roots` | yes | Mozilla's roots, compiled in |
//! | `native-roots` | | the operating system's roots (rustls) |
//! | `runs` | yes | [`jobs::run`]: run directories in the official SDK's format |
//! | `opentelemetry` | | a W3C `traceparent` on each request from the span's OpenTelemetry context |
//!
//! Proxies come from `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` unless
//! [`ClientBuilder::proxy`] or [`ClientBuilder::no_proxy`] says otherwise. For tests, the
//! `boltz-api-emulator` crate serves every operation on loopback, with jobs on a clock you control
//! and fault injection. The README has more: retries compared with the official SDKs, the
//! configuration, custom layers, and the benchmarks.

// `#[derive(Model)]` names this crate `::boltz_api`, inside it as outside.
extern crate self as boltz_api;

// Declared first: their macros are used by the endpoint files.
#[macro_use]
pub mod options;
#[macro_use]
pub mod pagination;
pub mod api;
pub mod client;
pub mod data;
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
