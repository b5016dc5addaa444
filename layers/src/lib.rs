//! Reusable [tower] layers for HTTP API clients.
//!
//! Nothing here knows about a particular API: each layer is configured with the header names,
//! origins and limits it needs. Requests carry `http::Request<B>` with a cloneable body; responses
//! are collected into [`bytes::Bytes`] by [`collect`] so retries and error mapping can read them.
//!
//! ```
//! use std::time::Duration;
//! use boltz_api_layers::{collect::CollectLayer, timeout::AttemptTimeoutLayer};
//! use bytes::Bytes;
//! use http_body_util::Full;
//! use tower::{ServiceBuilder, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tower::BoxError> {
//! let svc = ServiceBuilder::new()
//!     .layer(AttemptTimeoutLayer::new(Duration::from_secs(5)))
//!     .layer(CollectLayer::new(1024))
//!     .service(service_fn(|_req: http::Request<Full<Bytes>>| async {
//!         Ok::<_, std::convert::Infallible>(http::Response::new(Full::new(Bytes::from("hi"))))
//!     }));
//! let res = svc.oneshot(http::Request::new(Full::default())).await?;
//! assert_eq!(res.body(), "hi");
//! # Ok(()) }
//! ```
//!
//! [tower]: https://docs.rs/tower

pub mod attempt_log;
pub mod auth;
pub mod base_uri;
pub mod classify;
pub mod collect;
pub mod default_headers;
pub mod future;
pub mod operation;
pub mod origin;
pub mod retry;
pub mod stale;
pub mod timeout;
pub mod trace;

/// The error type every layer in this crate returns.
pub use tower::BoxError;

/// The README's examples, compiled as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
