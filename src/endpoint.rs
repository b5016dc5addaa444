//! The sans-IO description of one API operation.
//!
//! An [`Endpoint`] knows its method, path, query and body, and what it decodes into; it never
//! touches the network, so each one is tested for its exact request shape.
//!
//! ```
//! use boltz_api::endpoint::{Endpoint, path_segment};
//! use boltz_api::api::admin::api_keys::RevokeApiKey;
//!
//! let revoke = RevokeApiKey::new("key 1/2");
//! assert_eq!(revoke.path().unwrap(), "/compute/v1/admin/api-keys/key%201%2F2/revoke");
//! assert_eq!(path_segment("id", "a/b c?d%").unwrap().to_string(), "a%2Fb%20c%3Fd%25");
//! assert!(RevokeApiKey::new("").path().is_err());
//! ```

use std::borrow::Cow;

use bytes::Bytes;
use http::Method;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::BuildError;

pub use boltz_api_layers::operation::Idempotency;
use boltz_api_layers::operation::Operation;

/// Static facts about an endpoint, used to build the request and label its logs.
#[derive(Debug, Clone)]
pub struct EndpointMeta {
    /// HTTP method.
    pub method: Method,
    /// Stable operation name, e.g. `"admin.api_keys.revoke"` (span name field, log field).
    pub operation: &'static str,
    /// Path with placeholders, e.g. `"/compute/v1/admin/api-keys/{api_key_id}/revoke"`.
    pub path_template: &'static str,
    /// Whether replaying the request is safe; read by the retry policy.
    pub idempotency: Idempotency,
}

impl EndpointMeta {
    /// The request extension the tracing and retry layers read.
    pub fn operation(&self) -> Operation {
        Operation { name: self.operation, path_template: self.path_template, idempotency: self.idempotency }
    }
}

/// One API operation: how to build its request and what its response decodes into.
pub trait Endpoint {
    /// The decoded 2xx response body.
    type Response: DeserializeOwned;

    /// Method, operation name, path template and idempotency class.
    const META: EndpointMeta;

    /// The path, starting with `/`, with each parameter encoded by [`path_segment`]. The default
    /// is the path template, for endpoints without path parameters.
    fn path(&self) -> Result<String, BuildError> {
        Ok(Self::META.path_template.to_owned())
    }

    /// The encoded query string without `?`, if any.
    fn query(&self) -> Option<String> {
        None
    }

    /// The JSON body, if any. A body-less request sends no body and no `content-type`.
    fn body(&self) -> Result<Option<Bytes>, BuildError> {
        Ok(None)
    }

    /// Whether a successful response holds a secret (a new API key): a decode error then shows
    /// no excerpt of the body.
    const SECRET_RESPONSE: bool = false;
}

/// Serialise a request body as compact JSON.
pub fn json_body<T: Serialize + ?Sized>(value: &T) -> Result<Option<Bytes>, BuildError> {
    serde_json::to_vec(value).map(|body| Some(Bytes::from(body))).map_err(BuildError::Serialize)
}

/// Serialise a start request's body with an idempotency key: the caller's, or a new one.
///
/// A call encodes its request once and every attempt sends that encoding, so all retries of one
/// call carry the same key and the server can recognise them; that is what makes starts safe to
/// retry after a timeout or a 5xx.
pub(crate) fn json_body_with_idempotency_key<T: Serialize>(params: &T) -> Result<Option<Bytes>, BuildError> {
    let mut value = serde_json::to_value(params).map_err(BuildError::Serialize)?;
    if let Some(map) = value.as_object_mut() {
        map.entry("idempotency_key").or_insert_with(|| new_idempotency_key().into());
    }
    json_body(&value)
}

/// A new idempotency key: `boltz-rs-` and 32 random hexadecimal digits.
///
/// ```
/// let key = boltz_api::endpoint::new_idempotency_key();
/// assert!(key.starts_with("boltz-rs-") && key.len() == 41);
/// assert_ne!(key, boltz_api::endpoint::new_idempotency_key());
/// ```
pub fn new_idempotency_key() -> String {
    format!("boltz-rs-{:032x}", fastrand::u128(..))
}

/// An endpoint's JSON body as text, for request-shape tests.
#[cfg(test)]
pub(crate) fn body_text<E: Endpoint>(endpoint: &E) -> String {
    let body = endpoint.body().expect("a body that serialises").expect("a body");
    String::from_utf8(body.to_vec()).expect("UTF-8 JSON")
}

/// Characters kept as they are in a path segment: RFC 3986 unreserved plus `!$&'()*+,;=:@`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Validate a path parameter and percent-encode it as exactly one path segment.
///
/// Empty values, `.` and `..` (which would address another endpoint) and control characters are
/// rejected before any I/O; `name` is the parameter's name, for the error. A value that needs no
/// encoding is borrowed, so a path is built with one `concat` and no formatting.
pub fn path_segment<'a>(name: &'static str, value: &'a str) -> Result<Cow<'a, str>, BuildError> {
    if value.is_empty() {
        return Err(BuildError::EmptyPathParam { name });
    }
    if value == "." || value == ".." {
        return Err(BuildError::InvalidPathParam { name, reason: "a dot segment" });
    }
    if value.chars().any(char::is_control) {
        return Err(BuildError::InvalidPathParam { name, reason: "control characters" });
    }
    Ok(utf8_percent_encode(value, SEGMENT).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(value: &str) -> String {
        path_segment("id", value).unwrap().to_string()
    }

    #[test]
    fn encodes_one_segment_like_the_reference_sdk() {
        assert_eq!(enc("a/b c?d%"), "a%2Fb%20c%3Fd%25");
        assert_eq!(enc("key_123"), "key_123");
        assert_eq!(enc("#"), "%23");
        assert_eq!(enc("é"), "%C3%A9");
        assert_eq!(enc("!$&'()*+,;=:@-._~"), "!$&'()*+,;=:@-._~");
        assert_eq!(enc("..."), "...");
        assert_eq!(enc("%2e"), "%252e");
    }

    #[test]
    fn rejects_what_would_change_the_target() {
        assert!(matches!(
            path_segment("api_key_id", ""),
            Err(BuildError::EmptyPathParam { name: "api_key_id" })
        ));
        assert!(matches!(path_segment("id", "."), Err(BuildError::InvalidPathParam { .. })));
        assert!(matches!(path_segment("id", ".."), Err(BuildError::InvalidPathParam { .. })));
        assert!(matches!(path_segment("id", "a\r\nb"), Err(BuildError::InvalidPathParam { .. })));
        assert!(matches!(path_segment("id", "a\0"), Err(BuildError::InvalidPathParam { .. })));
    }

    proptest::proptest! {
        #[test]
        fn any_id_is_refused_or_encoded_as_one_reversible_segment(id in "\\PC{0,16}|.{0,16}") {
            match path_segment("id", &id) {
                Ok(encoded) => {
                    let encoded = encoded.to_string();
                    proptest::prop_assert!(!encoded.chars().any(|c| c == '/' || c == '?' || c == '#' || c.is_control()));
                    proptest::prop_assert!(encoded.is_ascii());
                    let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8().unwrap();
                    proptest::prop_assert_eq!(decoded, id.as_str());
                }
                Err(_) => proptest::prop_assert!(id.is_empty() || id == "." || id == ".." || id.chars().any(char::is_control)),
            }
        }
    }
}
