//! What a request is, for the layers that log and retry it: one request extension.
//!
//! ```
//! use boltz_api_layers::operation::{Idempotency, Operation};
//!
//! let mut req = http::Request::new(());
//! req.extensions_mut().insert(Operation {
//!     name: "items.delete",
//!     path_template: "/v1/items/{id}",
//!     idempotency: Idempotency::Idempotent,
//! });
//! assert_eq!(Operation::of(&req).map(|o| o.name), Some("items.delete"));
//! ```

use http::{Method, Request};

/// Whether replaying a request is safe; read by the retry policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Idempotency {
    /// Reads only.
    Safe,
    /// Doing it twice leaves the same state as doing it once.
    Idempotent,
    /// A blind replay may do the work twice (for example create a second resource).
    NonIdempotent,
}

impl Idempotency {
    /// The class HTTP semantics give a method, used when a request says nothing else.
    pub fn from_method(method: &Method) -> Self {
        match *method {
            Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE => Idempotency::Safe,
            Method::PUT | Method::DELETE => Idempotency::Idempotent,
            _ => Idempotency::NonIdempotent,
        }
    }

    /// The class of `req`: its [`Operation`]'s, else its `Idempotency` extension, else its
    /// method's.
    pub fn of<B>(req: &Request<B>) -> Self {
        Operation::of(req)
            .map(|op| op.idempotency)
            .or_else(|| req.extensions().get::<Idempotency>().copied())
            .unwrap_or_else(|| Idempotency::from_method(req.method()))
    }

    /// Whether the request may be replayed after it may have reached the server.
    pub fn replay_is_safe(self) -> bool {
        !matches!(self, Idempotency::NonIdempotent)
    }
}

/// Request extension naming the operation: a span field, a log field and the retry class, in one
/// extension so a request carries (and a retry clones) a single allocation for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// A stable, low-cardinality name such as `"admin.api_keys.revoke"`.
    pub name: &'static str,
    /// The path with placeholders, such as `"/v1/keys/{id}/revoke"` (never the concrete path).
    pub path_template: &'static str,
    /// Whether the request may be replayed.
    pub idempotency: Idempotency,
}

impl Operation {
    /// The operation a request carries, if any.
    pub fn of<B>(req: &Request<B>) -> Option<&Operation> {
        req.extensions().get()
    }
}
