//! Per-call options: timeout, deadline, retries and extra headers.
//!
//! ```
//! use std::time::Duration;
//! use boltz_api::RequestOptions;
//!
//! let options = RequestOptions::new()
//!     .timeout(Duration::from_secs(5))
//!     .no_retry()
//!     .header("x-request-source", "nightly-rotation");
//! assert_eq!(options.headers()["x-request-source"], "nightly-rotation");
//! ```

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Request};

use boltz_api_layers::retry::MaxRetries;
use boltz_api_layers::timeout::{AttemptTimeout, TotalTimeout};

use crate::error::BuildError;

/// Options for one call; unset options use the client's configuration.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    max_retries: Option<u32>,
    headers: HeaderMap,
    /// The first invalid header given, as (name, reason), reported when the call is made.
    invalid: Option<(String, &'static str)>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Override the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Bound the whole call, retries and backoff included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Override the number of retries.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = Some(retries);
        self
    }

    /// Make a single attempt.
    pub fn no_retry(self) -> Self {
        self.max_retries(0)
    }

    /// Send an extra header (replacing a default of the same name). An invalid name or value
    /// fails the call with [`BuildError::InvalidHeader`] before anything is sent.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match parse_header(name, value) {
            Ok((name, value)) => {
                self.headers.insert(name, value);
            }
            Err(InvalidHeader { name, reason }) => {
                self.invalid.get_or_insert((name, reason));
            }
        }
        self
    }

    /// The extra headers set so far.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// Fail if a setter was given invalid input.
    pub(crate) fn take_error(&mut self) -> Result<(), BuildError> {
        match self.invalid.take() {
            Some((name, reason)) => Err(BuildError::InvalidHeader { name, reason }),
            None => Ok(()),
        }
    }

    /// Write the options into a request about to enter the stack.
    pub(crate) fn apply<B>(self, req: &mut Request<B>) {
        for (name, value) in &self.headers {
            req.headers_mut().insert(name, value.clone());
        }
        let extensions = req.extensions_mut();
        if let Some(timeout) = self.timeout {
            extensions.insert(AttemptTimeout(timeout));
        }
        if let Some(deadline) = self.deadline {
            extensions.insert(TotalTimeout(deadline));
        }
        if let Some(retries) = self.max_retries {
            extensions.insert(MaxRetries(retries));
        }
    }
}

/// The per-call option setters of a request builder with an `options: RequestOptions` field, so
/// every way of making a call offers the same ones.
macro_rules! option_setters {
    () => {
        /// Replace all per-call options.
        pub fn options(mut self, options: $crate::options::RequestOptions) -> Self {
            self.options = options;
            self
        }

        /// Override the per-attempt timeout.
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.options = self.options.timeout(timeout);
            self
        }

        /// Bound the whole call, retries and backoff included.
        pub fn deadline(mut self, deadline: std::time::Duration) -> Self {
            self.options = self.options.deadline(deadline);
            self
        }

        /// Override the number of retries.
        pub fn max_retries(mut self, retries: u32) -> Self {
            self.options = self.options.max_retries(retries);
            self
        }

        /// Make a single attempt.
        pub fn no_retry(mut self) -> Self {
            self.options = self.options.no_retry();
            self
        }

        /// Send an extra header; an invalid one fails the call before anything is sent.
        pub fn header(mut self, name: &str, value: &str) -> Self {
            self.options = self.options.header(name, value);
            self
        }
    };
}

/// Parse a header, rejecting CR, LF and other bytes a header cannot carry. Values of
/// credential-like headers are marked sensitive so they never show in `Debug`.
pub(crate) fn parse_header(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), InvalidHeader> {
    let invalid = |reason| InvalidHeader { name: name.escape_debug().to_string(), reason };
    let header = HeaderName::try_from(name.trim()).map_err(|_| invalid("not a valid header name"))?;
    let mut value = HeaderValue::try_from(value)
        .map_err(|_| invalid("the value contains bytes a header cannot carry"))?;
    let sensitive =
        matches!(header.as_str(), "authorization" | "proxy-authorization" | "cookie" | "x-api-key");
    value.set_sensitive(sensitive);
    Ok((header, value))
}

/// A header that cannot be sent; becomes [`BuildError::InvalidHeader`].
#[derive(Debug, Clone)]
pub(crate) struct InvalidHeader {
    pub(crate) name: String,
    pub(crate) reason: &'static str,
}

impl From<InvalidHeader> for BuildError {
    fn from(InvalidHeader { name, reason }: InvalidHeader) -> Self {
        BuildError::InvalidHeader { name, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_headers_become_typed_errors() {
        let mut options = RequestOptions::new().header("x-ok", "1").header("x-bad", "a\r\nInjected: yes");
        let err = options.take_error().unwrap_err();
        assert!(matches!(err, BuildError::InvalidHeader { ref name, .. } if name == "x-bad"));
        assert!(!err.to_string().contains("Injected"));
        assert!(parse_header("bad name", "v").is_err());
        assert!(parse_header("x-nul", "a\0b").is_err());
    }

    #[test]
    fn credential_headers_are_sensitive() {
        let (_, value) = parse_header("Authorization", "Bearer t0ken").unwrap();
        assert!(value.is_sensitive());
        let options = RequestOptions::new().header("authorization", "Bearer t0ken");
        assert!(!format!("{options:?}").contains("t0ken"));
    }

    #[test]
    fn options_become_extensions_and_headers() {
        let mut req = Request::new(());
        RequestOptions::new()
            .timeout(Duration::from_secs(1))
            .deadline(Duration::from_secs(2))
            .no_retry()
            .header("x-a", "b")
            .apply(&mut req);
        assert_eq!(req.extensions().get::<AttemptTimeout>(), Some(&AttemptTimeout(Duration::from_secs(1))));
        assert_eq!(req.extensions().get::<TotalTimeout>(), Some(&TotalTimeout(Duration::from_secs(2))));
        assert_eq!(req.extensions().get::<MaxRetries>(), Some(&MaxRetries(0)));
        assert_eq!(req.headers()["x-a"], "b");
    }
}
