//! Whether two URIs share an origin: scheme, host and port, with the scheme's default port filled
//! in; and [`LeftOrigin`], the mark a request gets once a redirect has taken it to another origin.
//!
//! ```
//! use boltz_api_layers::origin::same_origin;
//! use http::Uri;
//! let api = Uri::from_static("https://api.example.com/v1");
//! assert!(same_origin(&api, &Uri::from_static("https://API.example.com:443/other")));
//! assert!(!same_origin(&api, &Uri::from_static("http://api.example.com/v1")));
//! assert!(!same_origin(&api, &Uri::from_static("/v1")));
//! ```

use http::Uri;
use http::uri::{Authority, Scheme};

/// Request extension put on a request once a redirect hop has gone to an origin other than the
/// one the hop came from. It stays for every later hop, so a credential layer that sees it sends
/// no credential, even when a hop comes back to the credential's origin: a call that started on
/// another origin, or passed through one, can never be steered onto the API with the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeftOrigin;

/// `true` when both URIs are absolute and have the same scheme, host (ignoring case) and port.
pub fn same_origin(a: &Uri, b: &Uri) -> bool {
    let (Some(scheme), Some(a_authority), Some(b_authority)) = (a.scheme(), a.authority(), b.authority())
    else {
        return false;
    };
    if b.scheme() != Some(scheme) {
        return false;
    }
    // Byte-equal authorities are the common case and need no parsing.
    if a_authority.as_str() == b_authority.as_str() {
        return true;
    }
    let (Ok(a_port), Ok(b_port)) = (effective_port(a_authority, scheme), effective_port(b_authority, scheme))
    else {
        return false;
    };
    a_authority.host().eq_ignore_ascii_case(b_authority.host()) && a_port == b_port
}

/// The authority's port, or the scheme's default when it has none (or an empty one, as RFC 3986
/// allows); `Err` for a port that is not a `u16`, which then matches no other authority.
fn effective_port(authority: &Authority, scheme: &Scheme) -> Result<Option<u16>, ()> {
    let default = if *scheme == Scheme::HTTPS {
        Some(443)
    } else if *scheme == Scheme::HTTP {
        Some(80)
    } else {
        None
    };
    // `Authority::port` is `None` for a port it cannot parse too, so read the text.
    let host_port = authority.as_str().rsplit('@').next().unwrap_or_default();
    let after_host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']').map_or("", |(_, rest)| rest),
        None => host_port,
    };
    match after_host.split_once(':') {
        None | Some((_, "")) => Ok(default),
        Some((_, port)) => port.parse().map(Some).map_err(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &'static str, b: &'static str) -> bool {
        same_origin(&Uri::from_static(a), &Uri::from_static(b))
    }

    #[test]
    fn default_ports_and_host_case_do_not_matter() {
        assert!(same("https://h.example/a", "https://h.example:443/b"));
        assert!(same("http://h.example:80/", "http://H.EXAMPLE/x?y"));
        assert!(same("http://127.0.0.1:8080/", "http://127.0.0.1:8080/z"));
    }

    #[test]
    fn an_empty_port_is_the_default_and_one_out_of_range_matches_nothing() {
        assert!(same("https://h.example:/a", "https://h.example/b"));
        assert!(same("https://[::1]/a", "https://[::1]:443/b"));
        assert!(same("https://user@h.example:443/", "https://h.example/"));
        assert!(!same("https://h.example/", "https://h.example:99999/"));
        assert!(!same("https://[::1]/", "https://[::1]:70000/"));
    }

    #[test]
    fn scheme_host_and_port_must_match() {
        assert!(!same("https://h.example/", "http://h.example/"));
        assert!(!same("https://h.example/", "https://h.example:8443/"));
        assert!(!same("https://h.example/", "https://other.example/"));
        assert!(!same("http://127.0.0.1:8080/", "http://127.0.0.2:8080/"));
        assert!(!same("/relative", "/relative"));
        assert!(!same("https://h.example/", "/relative"));
    }
}
