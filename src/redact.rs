//! The API key scrubbed out of text a server sent back, before an error keeps that text.
//!
//! Servers and proxies echo request headers: "Invalid API key provided: sk_…", a 500 that dumps
//! the request, a response header that repeats it. Errors end up in logs, so every occurrence of
//! the configured key in a kept body, message, excerpt or header value is replaced by its label.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};
use memchr::memmem;

/// Replaces the configured key with `<label>[redacted]`. Cheap to clone.
#[derive(Clone)]
pub(crate) struct Redact(Arc<Inner>);

struct Inner {
    key: Box<[u8]>,
    replacement: Box<str>,
}

impl fmt::Debug for Redact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Redact").field(&self.0.replacement).finish()
    }
}

impl Redact {
    /// Scrub `key`, writing `label` (its public prefix) in its place; `None` for an empty key.
    pub(crate) fn new(key: &str, label: &str) -> Option<Self> {
        (!key.is_empty()).then(|| {
            Self(Arc::new(Inner {
                key: key.as_bytes().into(),
                replacement: format!("{label}[redacted]").into(),
            }))
        })
    }

    fn replace(&self, text: &[u8]) -> Option<Vec<u8>> {
        let key = &*self.0.key;
        let mut at = memmem::find(text, key)?;
        let mut out = Vec::with_capacity(text.len());
        let mut rest = text;
        loop {
            out.extend_from_slice(&rest[..at]);
            out.extend_from_slice(self.0.replacement.as_bytes());
            rest = &rest[at + key.len()..];
            match memmem::find(rest, key) {
                Some(next) => at = next,
                None => break,
            }
        }
        out.extend_from_slice(rest);
        Some(out)
    }
}

/// Text kept from a response that [`scrub`] can clean.
pub(crate) trait Scrub: Sized {
    /// `self` with the key replaced.
    fn scrubbed(self, redact: &Redact) -> Self;
}

impl Scrub for Bytes {
    fn scrubbed(self, redact: &Redact) -> Self {
        redact.replace(&self).map_or(self, Bytes::from)
    }
}

impl Scrub for String {
    fn scrubbed(self, redact: &Redact) -> Self {
        match redact.replace(self.as_bytes()) {
            // Whole UTF-8 matches replaced by UTF-8 text leave valid UTF-8.
            Some(out) => {
                String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
            }
            None => self,
        }
    }
}

/// Changed values are marked sensitive.
impl Scrub for HeaderMap {
    fn scrubbed(mut self, redact: &Redact) -> Self {
        for value in self.values_mut() {
            if let Some(out) = redact.replace(value.as_bytes()) {
                // The replacement is visible ASCII, so the value stays valid; the fallback only
                // guards against a value that a more lenient parser accepted.
                *value = HeaderValue::from_bytes(&out).unwrap_or(HeaderValue::from_static("[redacted]"));
                value.set_sensitive(true);
            }
        }
        self
    }
}

/// `value` scrubbed when a key is configured, unchanged otherwise.
pub(crate) fn scrub<T: Scrub>(value: T, redact: Option<&Redact>) -> T {
    match redact {
        Some(redact) => value.scrubbed(redact),
        None => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk_bc_admin_live_0123456789abcdef";

    fn redact() -> Redact {
        Redact::new(KEY, "sk_bc_admin_").unwrap()
    }

    #[test]
    fn every_occurrence_is_replaced_by_the_label() {
        let text = format!("Invalid API key provided: {KEY}; again {KEY}{KEY}.");
        assert_eq!(
            text.scrubbed(&redact()),
            "Invalid API key provided: sk_bc_admin_[redacted]; again sk_bc_admin_[redacted]sk_bc_admin_[redacted]."
        );
        let body = Bytes::from(format!("{{\"x-api-key\":\"{KEY}\"}}")).scrubbed(&redact());
        assert_eq!(body, r#"{"x-api-key":"sk_bc_admin_[redacted]"}"#);
    }

    #[test]
    fn text_without_the_key_is_kept_as_it_is() {
        let body = Bytes::from_static(b"sk_bc_admin_live_0123 is only a prefix");
        assert_eq!(body.clone().scrubbed(&redact()).as_ptr(), body.as_ptr(), "no copy when nothing matches");
        assert_eq!(String::from("plain").scrubbed(&redact()), "plain");
        assert!(Redact::new("", "").is_none());
    }

    #[test]
    fn header_values_are_replaced_and_marked_sensitive() {
        let mut headers = HeaderMap::new();
        headers.insert("x-echo", HeaderValue::from_str(&format!("key={KEY}")).unwrap());
        headers.insert("x-other", HeaderValue::from_static("fine"));
        let headers = headers.scrubbed(&redact());
        assert_eq!(headers["x-echo"], "key=sk_bc_admin_[redacted]");
        assert!(headers["x-echo"].is_sensitive());
        assert_eq!(headers["x-other"], "fine");
        assert!(!format!("{headers:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn nothing_is_scrubbed_without_a_key() {
        let text = format!("echo {KEY}");
        assert_eq!(scrub(text.clone(), None), text);
        assert_eq!(scrub(text, Some(&redact())), "echo sk_bc_admin_[redacted]");
    }
}
