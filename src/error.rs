//! Errors, grouped by whether the request could have been processed by the server.
//!
//! ```
//! use boltz_api::{Client, Error};
//! use boltz_api::api::admin::api_keys::RevokeApiKey;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let client = Client::builder().api_key("sk_test").base_url("http://127.0.0.1:9").build().unwrap();
//! // An empty id is refused before any I/O.
//! let err = client.send(RevokeApiKey::new("")).await.unwrap_err();
//! assert!(matches!(err, Error::Build(_)));
//! assert!(!err.may_have_been_processed());
//! # }
//! ```

use std::fmt;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use boltz_api_layers::BoxError;
use boltz_api_layers::classify::{ErrorClass, classify};
use boltz_api_layers::collect::BodyTooLarge;
use boltz_api_layers::timeout::{AttemptElapsed, DeadlineElapsed};

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built (bad input or configuration); nothing was sent.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// No connection could be made; nothing was sent.
    #[error("could not connect to the server")]
    Connect(#[source] BoxError),
    /// An attempt or the whole call ran out of time; the server may have processed the request.
    #[error("{kind} timed out after {after:?}")]
    Timeout {
        /// Which limit was hit.
        kind: TimeoutKind,
        /// The limit.
        after: Duration,
    },
    /// The connection failed after the request may have been sent.
    #[error("the connection failed during the request")]
    Transport(#[source] BoxError),
    /// The response body was larger than the client's cap.
    #[error("the response body exceeds the {limit} byte limit")]
    ResponseTooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The server answered with a non-2xx status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// A 2xx response body did not decode into the expected type.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// A job that was being waited for failed; its error is the job's.
    #[error(transparent)]
    JobFailed(Box<JobFailure>),
    /// A run directory cannot be used as asked (see [`jobs::run`](crate::jobs::run)).
    #[cfg(feature = "runs")]
    #[error(transparent)]
    Run(Box<crate::jobs::run::RunError>),
    /// A file (a download, a run directory's file) could not be read or written.
    #[error("file error at {}", path.display())]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What the file system said.
        #[source]
        source: std::io::Error,
    },
}

/// Which time limit a [`Error::Timeout`] hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// One attempt's timeout.
    Attempt,
    /// The total deadline over all attempts and backoff.
    Deadline,
    /// The deadline for waiting on a job; the job itself goes on.
    Wait,
}

impl fmt::Display for TimeoutKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutKind::Attempt => "the attempt",
            TimeoutKind::Deadline => "the call",
            TimeoutKind::Wait => "waiting for the job",
        })
    }
}

impl Error {
    /// The HTTP status, for [`Error::Api`] and [`Error::Decode`].
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => Some(e.status),
            _ => None,
        }
    }

    /// Whether an attempt timeout or the deadline ended the call.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Timeout { .. })
    }

    /// How long the server asked to wait before trying again, for an [`Error::Api`] whose
    /// response said (a 429 or 503 with `Retry-After`, after the client's own retries ran out).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api(e) => e.retry_after(),
            _ => None,
        }
    }

    /// The request ID the server gave the response that failed (`x-request-id` or
    /// `request-id`), for support requests and log correlation.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api(e) => e.request_id(),
            Error::Decode(e) => e.request_id(),
            _ => None,
        }
    }

    /// The API error, if the server answered with a non-2xx status.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The run-directory error, for [`Error::Run`]: `err.run_error().map(RunError::kind)`.
    ///
    /// [`RunError`]: crate::jobs::run::RunError
    #[cfg(feature = "runs")]
    pub fn run_error(&self) -> Option<&crate::jobs::run::RunError> {
        match self {
            Error::Run(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the server may have acted on the request.
    ///
    /// `false` only when it certainly did not: the request was never sent, or the server refused
    /// it with a 4xx status. Use it to decide whether a failed create needs reconciling.
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Error::Build(_) | Error::Connect(_) | Error::File { .. } => false,
            #[cfg(feature = "runs")]
            Error::Run(_) => false,
            Error::Api(e) => !e.status.is_client_error(),
            Error::Timeout { .. }
            | Error::Transport(_)
            | Error::ResponseTooLarge { .. }
            | Error::Decode(_)
            | Error::JobFailed(_) => true,
        }
    }

    /// Map an error from the HTTP stack onto the taxonomy.
    pub(crate) fn from_stack(err: BoxError) -> Self {
        let err = match err.downcast::<Error>() {
            Ok(already) => return *already,
            Err(err) => err,
        };
        match classify(&*err) {
            ErrorClass::Connect => Error::Connect(err),
            ErrorClass::AttemptTimeout => Error::Timeout {
                kind: TimeoutKind::Attempt,
                after: find::<AttemptElapsed>(&*err).map_or(Duration::ZERO, AttemptElapsed::after),
            },
            ErrorClass::Deadline => Error::Timeout {
                kind: TimeoutKind::Deadline,
                after: find::<DeadlineElapsed>(&*err).map_or(Duration::ZERO, DeadlineElapsed::after),
            },
            ErrorClass::BodyTooLarge => {
                Error::ResponseTooLarge { limit: find::<BodyTooLarge>(&*err).map_or(0, BodyTooLarge::limit) }
            }
            // Transport, and any class a newer layers crate adds: the request may have been sent.
            _ => Error::Transport(err),
        }
    }
}

fn find<'a, T: std::error::Error + 'static>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a T> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        cur = e.source();
    }
    None
}

/// A job that ended in `failed`, with the error the API gave it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("job {id} failed: {code}: {message}")]
pub struct JobFailure {
    id: String,
    code: String,
    message: String,
}

impl JobFailure {
    pub(crate) fn new(id: &str, code: &str, message: &str) -> Self {
        Self { id: id.to_owned(), code: code.to_owned(), message: message.to_owned() }
    }

    /// The job's ID.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The machine-readable error code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Why a request could not be built. Nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A path parameter was empty.
    #[error("`{name}` must not be empty")]
    EmptyPathParam {
        /// The parameter's name.
        name: &'static str,
    },
    /// A path parameter cannot be used as a single path segment.
    #[error("`{name}` must not be {reason}")]
    InvalidPathParam {
        /// The parameter's name.
        name: &'static str,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// No API key was configured.
    #[error("no API key: set BOLTZ_API_KEY or call ClientBuilder::api_key")]
    MissingApiKey,
    /// The API key holds bytes that cannot be sent in a header (the key itself is not shown).
    #[error("the API key contains characters that are not allowed in an HTTP header")]
    InvalidApiKey,
    /// The base URL is not usable.
    #[error("invalid base URL `{url}`: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A header name or value is invalid (the value is not shown).
    #[error("invalid header `{name}`: {reason}")]
    InvalidHeader {
        /// The header name as given.
        name: String,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The request body could not be serialised.
    #[error("could not serialise the request body")]
    Serialize(#[source] serde_json::Error),
    /// A raw request's body could not be serialised.
    #[error("could not serialise the request body: {reason}")]
    InvalidBody {
        /// The serialiser's message.
        reason: String,
    },
    /// A file to download has no link: it was read from a run directory, which keeps files
    /// without theirs; retrieve the job or its results again for fresh ones.
    #[error("the file has no download link; retrieve the job again for a fresh one")]
    MissingLink,
    /// The request URI could not be assembled.
    #[error("could not build the request URI")]
    InvalidUri(#[source] http::Error),
    /// The TLS configuration could not be set up.
    #[error("could not set up TLS")]
    Tls(#[source] BoxError),
    /// A root certificate given to the builder is not a PEM certificate.
    #[error("invalid certificate: {reason}")]
    InvalidCertificate {
        /// What is wrong with it.
        reason: String,
    },
    /// The proxy, from `.proxy(..)` or the environment, is not usable (its URL is not shown, as
    /// it may carry credentials).
    #[error("invalid proxy: {reason}")]
    InvalidProxy {
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The kind of a non-2xx response, by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400
    BadRequest,
    /// 401
    Authentication,
    /// 403
    PermissionDenied,
    /// 404
    NotFound,
    /// 409
    Conflict,
    /// 422
    UnprocessableEntity,
    /// 429
    RateLimited,
    /// 5xx
    InternalServer,
    /// Any other status.
    Other,
}

impl ApiErrorKind {
    /// The kind for `status`.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::BadRequest,
            401 => Self::Authentication,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            409 => Self::Conflict,
            422 => Self::UnprocessableEntity,
            429 => Self::RateLimited,
            500.. => Self::InternalServer,
            _ => Self::Other,
        }
    }
}

/// At most this much of an error body is kept.
const MAX_ERROR_BODY: usize = 64 * 1024;
/// At most this much of a body is shown in messages.
const EXCERPT: usize = 256;

/// A non-2xx response.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    kind: ApiErrorKind,
    message: String,
    headers: HeaderMap,
    body: Bytes,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        let body = body.slice(..body.len().min(MAX_ERROR_BODY));
        let message = message_from(&body).unwrap_or_else(|| match status.canonical_reason() {
            Some(reason) => reason.to_owned(),
            None => format!("status {}", status.as_u16()),
        });
        Self { status, kind: ApiErrorKind::from_status(status), message, headers, body }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The kind, by status.
    pub fn kind(&self) -> ApiErrorKind {
        self.kind
    }

    /// The server's message: `error.message`, `message` or `detail` from a JSON body, else the
    /// body's text, else the status reason.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request ID the server gave the response (`x-request-id` or `request-id`).
    pub fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }

    /// How long the server asked to wait before trying again (`retry-after-ms`, or
    /// `retry-after` in seconds or as an HTTP date), as a 429 or 503 says it, however long.
    pub fn retry_after(&self) -> Option<Duration> {
        boltz_api_layers::retry::backoff::retry_after(&self.headers, SystemTime::now())
    }

    /// The raw body (at most 64 KiB).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, Excerpt(&self.message))
    }
}

impl std::error::Error for ApiError {}

fn message_from(body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let text = [&value["error"]["message"], &value["message"], &value["detail"], &value["error"]]
            .into_iter()
            .find_map(|v| match v {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::String(_) | serde_json::Value::Null | serde_json::Value::Object(_) => None,
                other => Some(other.to_string()),
            });
        return Some(text.unwrap_or_else(|| value.to_string()));
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// The request ID in a response's headers: `x-request-id`, else `request-id`.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    ["x-request-id", "request-id"].into_iter().find_map(|name| headers.get(name)?.to_str().ok())
}

/// A 2xx body that did not decode into the expected type.
#[derive(Debug, Clone)]
pub struct DecodeError {
    status: StatusCode,
    path: String,
    message: String,
    content_type: Option<String>,
    request_id: Option<String>,
    excerpt: String,
}

impl DecodeError {
    pub(crate) fn new(
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        path: String,
        message: String,
    ) -> Self {
        let cut = body.len().min(EXCERPT);
        Self {
            status,
            path,
            message,
            content_type: headers
                .get(http::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            request_id: request_id(headers).map(str::to_owned),
            excerpt: String::from_utf8_lossy(&body[..cut]).into_owned(),
        }
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Where in the JSON document decoding failed, e.g. `created_at` or `data[2].id` (`.` for the root).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The decoder's description of the problem.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The response's `content-type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The request ID the server gave the response, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The start of the body (at most 256 bytes, lossily decoded as UTF-8).
    pub fn excerpt(&self) -> &str {
        &self.excerpt
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the {} response at `{}`: {}; body starts {:?}",
            self.status.as_u16(),
            self.path,
            self.message,
            self.excerpt
        )
    }
}

impl std::error::Error for DecodeError {}

/// Shows at most [`EXCERPT`] characters of a message.
struct Excerpt<'a>(&'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(EXCERPT) {
            Some((cut, _)) => write!(f, "{}…", &self.0[..cut]),
            None => f.write_str(self.0),
        }
    }
}

#[cfg(feature = "runs")]
impl From<crate::jobs::run::RunError> for Error {
    fn from(err: crate::jobs::run::RunError) -> Self {
        Error::Run(Box::new(err))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &str) -> ApiError {
        ApiError::new(StatusCode::from_u16(status).unwrap(), HeaderMap::new(), Bytes::from(body.to_owned()))
    }

    #[test]
    fn kinds_follow_the_status() {
        let cases = [
            (400, ApiErrorKind::BadRequest),
            (401, ApiErrorKind::Authentication),
            (403, ApiErrorKind::PermissionDenied),
            (404, ApiErrorKind::NotFound),
            (409, ApiErrorKind::Conflict),
            (422, ApiErrorKind::UnprocessableEntity),
            (429, ApiErrorKind::RateLimited),
            (500, ApiErrorKind::InternalServer),
            (503, ApiErrorKind::InternalServer),
            (418, ApiErrorKind::Other),
            (408, ApiErrorKind::Other),
        ];
        for (status, kind) in cases {
            assert_eq!(api(status, "").kind(), kind, "{status}");
        }
    }

    #[test]
    fn the_message_comes_from_the_body() {
        assert_eq!(
            api(404, r#"{"error":{"type":"not_found","message":"no such key"}}"#).message(),
            "no such key"
        );
        assert_eq!(api(400, r#"{"message":"bad name"}"#).message(), "bad name");
        assert_eq!(api(422, r#"{"detail":"too long"}"#).message(), "too long");
        assert_eq!(api(400, r#"{"error":"plain"}"#).message(), "plain");
        assert_eq!(api(400, r#"{"other":1}"#).message(), r#"{"other":1}"#);
        assert_eq!(api(502, "  upstream down \n").message(), "upstream down");
        assert_eq!(api(503, "").message(), "Service Unavailable");
        assert_eq!(api(599, "").message(), "status 599");
    }

    #[test]
    fn display_is_short_and_bounded() {
        assert_eq!(api(404, r#"{"message":"no such key"}"#).to_string(), "404 Not Found: no such key");
        let long = "x".repeat(10_000);
        assert!(api(500, &long).to_string().len() < 300);
        assert_eq!(api(500, &"y".repeat(MAX_ERROR_BODY + 10)).body().len(), MAX_ERROR_BODY);
    }

    #[test]
    fn processed_or_not() {
        let build = Error::Build(BuildError::MissingApiKey);
        assert!(!build.may_have_been_processed());
        assert!(!Error::Api(Box::new(api(429, ""))).may_have_been_processed());
        assert!(Error::Api(Box::new(api(503, ""))).may_have_been_processed());
        let timeout = Error::Timeout { kind: TimeoutKind::Attempt, after: Duration::from_secs(1) };
        assert!(timeout.may_have_been_processed() && timeout.is_timeout());
        assert_eq!(timeout.to_string(), "the attempt timed out after 1s");
    }

    #[test]
    fn stack_errors_are_classified() {
        let refused: BoxError = std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into();
        assert!(matches!(Error::from_stack(refused), Error::Connect(_)));
        let elapsed: BoxError = AttemptElapsed::new(Duration::from_secs(3)).into();
        assert!(matches!(
            Error::from_stack(elapsed),
            Error::Timeout { kind: TimeoutKind::Attempt, after } if after == Duration::from_secs(3)
        ));
        let deadline: BoxError = DeadlineElapsed::new(Duration::from_secs(9)).into();
        assert!(matches!(Error::from_stack(deadline), Error::Timeout { kind: TimeoutKind::Deadline, .. }));
        let big: BoxError = BodyTooLarge::new(5).into();
        assert!(matches!(Error::from_stack(big), Error::ResponseTooLarge { limit: 5 }));
        let ours: BoxError = Box::new(Error::Build(BuildError::MissingApiKey));
        assert!(matches!(Error::from_stack(ours), Error::Build(BuildError::MissingApiKey)));
    }
}
