//! Classify a boxed error from an HTTP stack by whether the request may have reached the server.
//!
//! ```
//! use boltz_api_layers::classify::{ErrorClass, classify};
//! let refused: tower::BoxError = std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into();
//! assert_eq!(classify(&*refused), ErrorClass::Connect);
//! ```

use std::error::Error as StdError;
use std::io;

use crate::collect::BodyTooLarge;
use crate::timeout::{AttemptElapsed, DeadlineElapsed};

/// What kind of failure an error chain describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The connection could not be made, so no byte of the request was sent.
    Connect,
    /// One attempt ran past its timeout; the server may have processed the request.
    AttemptTimeout,
    /// The total deadline over all attempts passed.
    Deadline,
    /// The response body was larger than the configured cap.
    BodyTooLarge,
    /// Any other failure after the request may have been sent.
    Transport,
}

impl ErrorClass {
    /// A short, stable label for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Connect => "connect",
            ErrorClass::AttemptTimeout => "attempt_timeout",
            ErrorClass::Deadline => "deadline",
            ErrorClass::BodyTooLarge => "body_too_large",
            ErrorClass::Transport => "transport",
        }
    }
}

/// Walk the error's source chain and return the first class that applies.
///
/// Recognises this crate's timeout and size errors, hyper-util's connect errors and
/// `io::ErrorKind::{ConnectionRefused, TimedOut}`; everything else is [`ErrorClass::Transport`].
pub fn classify(err: &(dyn StdError + 'static)) -> ErrorClass {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if e.is::<AttemptElapsed>() {
            return ErrorClass::AttemptTimeout;
        }
        if e.is::<DeadlineElapsed>() {
            return ErrorClass::Deadline;
        }
        if e.is::<BodyTooLarge>() {
            return ErrorClass::BodyTooLarge;
        }
        if let Some(h) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            if h.is_connect() {
                return ErrorClass::Connect;
            }
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            match io.kind() {
                io::ErrorKind::ConnectionRefused => return ErrorClass::Connect,
                io::ErrorKind::TimedOut => return ErrorClass::AttemptTimeout,
                _ => {}
            }
        }
        cur = e.source();
    }
    ErrorClass::Transport
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tower::BoxError;

    #[derive(Debug)]
    struct Wrapper(BoxError);
    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("wrapped")
        }
    }
    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&*self.0)
        }
    }

    #[test]
    fn finds_classes_through_the_source_chain() {
        let refused = Wrapper(io::Error::from(io::ErrorKind::ConnectionRefused).into());
        assert_eq!(classify(&refused), ErrorClass::Connect);
        let elapsed = Wrapper(AttemptElapsed::new(Duration::from_secs(1)).into());
        assert_eq!(classify(&elapsed), ErrorClass::AttemptTimeout);
        assert_eq!(classify(&DeadlineElapsed::new(Duration::from_secs(1))), ErrorClass::Deadline);
        assert_eq!(classify(&BodyTooLarge::new(10)), ErrorClass::BodyTooLarge);
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(classify(&reset), ErrorClass::Transport);
    }
}
