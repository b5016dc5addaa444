//! Error responses in the API's shape: `{"error":{"type":"…","message":"…"}}`.

use http::StatusCode;

/// An error the emulator answers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) kind: &'static str,
    pub(crate) message: String,
    /// Sent as `x-should-retry` when set: the SDKs retry 409s unless told not to.
    pub(crate) should_retry: Option<bool>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Self {
        Self { status, kind, message: message.into(), should_retry: None }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
    }

    pub(crate) fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "authentication_error", message)
    }

    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "permission_error", message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found_error", message)
    }

    pub(crate) fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "invalid_request_error", message)
    }

    /// UNCONFIRMED: the status and `type` for a conflict (an idempotency key reused with another
    /// body, or stopping a finished run): 409 `conflict_error` here, with `x-should-retry: false`
    /// because asking again cannot succeed (the SDKs retry a 409 otherwise).
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self { should_retry: Some(false), ..Self::new(StatusCode::CONFLICT, "conflict_error", message) }
    }

    pub(crate) fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request_error", message)
    }

    pub(crate) fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "type": self.kind, "message": self.message } })
    }
}
