//! A redirect's `Location` resolved against the request URI: RFC 3986 reference resolution
//! (§5.2), on [`http::Uri`], for targets a client can send to (`http` or `https` with a host).
//!
//! Beyond the RFC, as the `url` crate (a WHATWG URL parser) did before: the fragment is dropped
//! (a request URI has none); spaces, `"`, `<` and `>` (and `` ` ``, `{`, `}` in the path) are
//! percent-encoded; `http:g` on an `http` base is the relative `g` (§5.2.2's non-strict rule).
//! Unlike it, hosts are taken as sent (no case, IDNA, IPv4-form or default-port normalization:
//! a host written two ways counts as two origins, never the reverse), `%2e` is not a dot
//! segment, and a tab, or a `\` before the query, is refused rather than dropped or read as `/`.
//!
//! ```
//! use boltz_api_layers::retry::location::{next_hop, resolve};
//!
//! let base: http::Uri = "https://api.example.com/v1/keys/a?x=1".parse().unwrap();
//! assert_eq!(resolve("../b?y=2", &base).unwrap(), "https://api.example.com/v1/b?y=2");
//! assert_eq!(resolve("//files.example.com/f.tgz", &base).unwrap(), "https://files.example.com/f.tgz");
//! assert!(resolve("ftp://elsewhere/", &base).is_err());
//!
//! let moved = http::Response::builder().status(307).header("location", "/v2/keys/a").body(()).unwrap();
//! assert_eq!(next_hop(&base, &moved).unwrap(), "https://api.example.com/v2/keys/a");
//! ```

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use http::header::LOCATION;
use http::{Response, Uri};

/// Why a redirect's `Location` was not followed; the redirect response is then the result.
#[derive(Debug)]
#[non_exhaustive]
pub enum UnusableLocation {
    /// The response has no `Location`.
    Missing,
    /// The `Location` is not visible ASCII, which a URI always is.
    NotAscii,
    /// The request URI has no scheme and authority to resolve against.
    RelativeBase,
    /// A tab, or a `\` before the query: never in a URI, and read differently by URL parsers.
    InvalidChar(char),
    /// The target is not an `http` or `https` URI with an authority.
    NotHttp,
    /// The target's authority has no host, or an invalid host, port or user info.
    InvalidAuthority,
    /// The target is not a URI `http` accepts (longer than it allows, …).
    Invalid(http::uri::InvalidUri),
}

impl fmt::Display for UnusableLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("the redirect has no location"),
            Self::NotAscii => f.write_str("the location is not visible ASCII"),
            Self::RelativeBase => f.write_str("the request URI is not absolute"),
            Self::InvalidChar(c) => write!(f, "the location holds {c:?}"),
            Self::NotHttp => f.write_str("the location is not an http or https URI"),
            Self::InvalidAuthority => f.write_str("the location's host or port is not valid"),
            Self::Invalid(err) => write!(f, "the location is not a valid URI: {err}"),
        }
    }
}

impl std::error::Error for UnusableLocation {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid(err) => Some(err),
            _ => None,
        }
    }
}

/// Where `res` redirects a request for `uri`: its `Location` resolved against `uri`.
pub fn next_hop<B>(uri: &Uri, res: &Response<B>) -> Result<Uri, UnusableLocation> {
    let location = res.headers().get(LOCATION).ok_or(UnusableLocation::Missing)?;
    resolve(location.to_str().map_err(|_| UnusableLocation::NotAscii)?, uri)
}

/// `location` resolved against `base`, if the result is an `http` or `https` URI.
pub fn resolve(location: &str, base: &Uri) -> Result<Uri, UnusableLocation> {
    let (Some(scheme), Some(authority)) = (base.scheme_str(), base.authority()) else {
        return Err(UnusableLocation::RelativeBase);
    };
    let base = Components {
        scheme: Some(scheme),
        authority: Some(authority.as_str()),
        path: base.path(),
        query: base.query(),
    };
    if !location.is_ascii() {
        return Err(UnusableLocation::NotAscii);
    }
    // Whitespace around a field value is not part of it (RFC 9110 §5.5).
    let reference = Components::parse(location.trim_matches([' ', '\t']));
    if let Some(c) = reference.invalid_char() {
        return Err(UnusableLocation::InvalidChar(c));
    }
    let path = encode(reference.path, encoded_in_path);
    let query = reference.query.map(|query| encode(query, encoded_in_query));
    let reference = Components { path: &path, query: query.as_deref(), ..reference };
    let target = resolve_components(&base, &reference);
    let scheme = target.scheme.unwrap_or_default();
    let Some(authority) = target.authority else {
        return Err(UnusableLocation::NotHttp);
    };
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return Err(UnusableLocation::NotHttp);
    }
    if !valid_authority(authority) {
        return Err(UnusableLocation::InvalidAuthority);
    }
    Uri::try_from(target.to_string()).map_err(UnusableLocation::Invalid)
}

/// A URI reference split as RFC 3986 Appendix B does, without its fragment.
#[derive(Debug, Clone, Copy)]
struct Components<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Components<'a> {
    fn parse(reference: &'a str) -> Self {
        let reference = reference.split_once('#').map_or(reference, |(before, _fragment)| before);
        let (rest, query) = match reference.split_once('?') {
            Some((rest, query)) => (rest, Some(query)),
            None => (reference, None),
        };
        // A `:` before any `/` ends a scheme, if what precedes it is one (else it is a path).
        let (scheme, rest) = match rest.find([':', '/']) {
            Some(end) if rest[end..].starts_with(':') && is_scheme(&rest[..end]) => {
                (Some(&rest[..end]), &rest[end + 1..])
            }
            _ => (None, rest),
        };
        let (authority, path) = match rest.strip_prefix("//") {
            Some(rest) => {
                let end = rest.find('/').unwrap_or(rest.len());
                (Some(&rest[..end]), &rest[end..])
            }
            None => (None, rest),
        };
        Self { scheme, authority, path, query }
    }

    fn invalid_char(&self) -> Option<char> {
        let before_query = [self.authority.unwrap_or_default(), self.path];
        let tab = before_query.iter().chain(&self.query).any(|part| part.contains('\t'));
        if tab {
            Some('\t')
        } else if before_query.iter().any(|part| part.contains('\\')) {
            Some('\\')
        } else {
            None
        }
    }
}

/// The components of a resolved URI, which recompose into it (§5.3).
#[derive(Debug)]
struct Target<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: String,
    query: Option<&'a str>,
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(scheme) = self.scheme {
            write!(f, "{scheme}:")?;
        }
        if let Some(authority) = self.authority {
            write!(f, "//{authority}")?;
            if self.path.is_empty() {
                // An empty path with an authority is `/` in `http` (RFC 9110 §4.2.3).
                f.write_str("/")?;
            }
        }
        f.write_str(&self.path)?;
        if let Some(query) = self.query {
            write!(f, "?{query}")?;
        }
        Ok(())
    }
}

/// RFC 3986 §5.2.2, with the non-strict rule: a reference with the base's scheme and no
/// authority is relative (`http:g` on an `http` base is `g`), as URL parsers read it.
fn resolve_components<'a>(base: &Components<'a>, r: &Components<'a>) -> Target<'a> {
    let same_scheme = matches!((r.scheme, base.scheme), (Some(r), Some(b)) if r.eq_ignore_ascii_case(b));
    if r.scheme.is_some() && !(same_scheme && r.authority.is_none()) {
        return Target {
            scheme: r.scheme,
            authority: r.authority,
            path: remove_dot_segments(r.path),
            query: r.query,
        };
    }
    let (authority, path, query) = if r.authority.is_some() {
        (r.authority, remove_dot_segments(r.path), r.query)
    } else if r.path.is_empty() {
        (base.authority, base.path.to_owned(), r.query.or(base.query))
    } else if r.path.starts_with('/') {
        (base.authority, remove_dot_segments(r.path), r.query)
    } else {
        (base.authority, remove_dot_segments(&merge(base, r.path)), r.query)
    };
    Target { scheme: base.scheme, authority, path, query }
}

/// §5.2.3: a relative path appended to the base path's directory.
fn merge(base: &Components<'_>, path: &str) -> String {
    if base.authority.is_some() && base.path.is_empty() {
        return format!("/{path}");
    }
    let directory = base.path.rfind('/').map_or("", |slash| &base.path[..=slash]);
    format!("{directory}{path}")
}

/// §5.2.4: `.` and `..` segments interpreted and removed.
fn remove_dot_segments(path: &str) -> String {
    let mut input = path;
    let mut output = String::with_capacity(path.len());
    let pop = |output: &mut String| output.truncate(output.rfind('/').unwrap_or(0));
    while !input.is_empty() {
        if let Some(rest) = input.strip_prefix("../").or_else(|| input.strip_prefix("./")) {
            input = rest; // A
        } else if input.starts_with("/./") || input == "/." {
            input = if input == "/." { "/" } else { &input[2..] }; // B
        } else if input.starts_with("/../") || input == "/.." {
            input = if input == "/.." { "/" } else { &input[3..] }; // C
            pop(&mut output);
        } else if input == "." || input == ".." {
            input = ""; // D
        } else {
            // E: the first segment, with its leading `/`, up to the next `/`.
            let end = input[1..].find('/').map_or(input.len(), |slash| slash + 1);
            output.push_str(&input[..end]);
            input = &input[end..];
        }
    }
    output
}

/// RFC 3986 §3.2's `[userinfo "@"] host [":" port]` with a host (RFC 9110 §4.2.1) and a port
/// that fits in 16 bits, which `http` does not check: it takes `h:99999` (then sent to port 80),
/// `:80` or `[::1]x`.
fn valid_authority(authority: &str) -> bool {
    let (userinfo, host_port) = authority.rsplit_once('@').unwrap_or(("", authority));
    let (host, port) = match host_port.rfind(':') {
        Some(colon) if !host_port[colon..].contains(']') => {
            (&host_port[..colon], Some(&host_port[colon + 1..]))
        }
        _ => (host_port, None),
    };
    let reg_name = |c: char| c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=".contains(c);
    let host_ok = match host.strip_prefix('[').and_then(|ip| ip.strip_suffix(']')) {
        Some(ip) => ip.parse::<std::net::Ipv6Addr>().is_ok(),
        None => !host.is_empty() && host.chars().all(reg_name),
    };
    let port_ok = port.is_none_or(|port| {
        port.bytes().all(|b| b.is_ascii_digit()) && (port.is_empty() || port.parse::<u16>().is_ok())
    });
    host_ok && port_ok && userinfo.chars().all(|c| reg_name(c) || c == ':')
}

fn is_scheme(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

/// Bytes a WHATWG URL parser percent-encodes in a path, that no URI holds.
fn encoded_in_path(b: u8) -> bool {
    matches!(b, b' ' | b'"' | b'<' | b'>' | b'`' | b'{' | b'}')
}

/// Bytes a WHATWG URL parser percent-encodes in a query, that no URI holds.
fn encoded_in_query(b: u8) -> bool {
    matches!(b, b' ' | b'"' | b'<' | b'>')
}

/// `part` (ASCII) with the bytes `encoded` picks percent-encoded.
fn encode(part: &str, encoded: fn(u8) -> bool) -> Cow<'_, str> {
    if !part.bytes().any(encoded) {
        return Cow::Borrowed(part);
    }
    let mut out = String::with_capacity(part.len() + 8);
    for b in part.bytes() {
        if encoded(b) {
            write!(out, "%{b:02X}").expect("writing to a string cannot fail");
        } else {
            out.push(char::from(b));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "http://a/b/c/d;p?q";

    /// Pure RFC resolution against `BASE`, without the `http` checks or encoding.
    fn rfc(reference: &str) -> String {
        resolve_components(&Components::parse(BASE), &Components::parse(reference)).to_string()
    }

    fn http(location: &str) -> Result<String, UnusableLocation> {
        resolve(location, &Uri::from_static("https://api.example.com/v1/keys?x=1")).map(|uri| uri.to_string())
    }

    #[test]
    fn rfc_3986_normal_examples() {
        // §5.4.1, fragments dropped.
        let examples = [
            ("g:h", "g:h"),
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g/"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("#s", "http://a/b/c/d;p?q"),
            ("g#s", "http://a/b/c/g"),
            ("g?y#s", "http://a/b/c/g?y"),
            (";x", "http://a/b/c/;x"),
            ("g;x", "http://a/b/c/g;x"),
            ("g;x?y#s", "http://a/b/c/g;x?y"),
            ("", "http://a/b/c/d;p?q"),
            (".", "http://a/b/c/"),
            ("./", "http://a/b/c/"),
            ("..", "http://a/b/"),
            ("../", "http://a/b/"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../", "http://a/"),
            ("../../g", "http://a/g"),
        ];
        for (reference, expected) in examples {
            assert_eq!(rfc(reference), expected, "{reference:?}");
        }
    }

    #[test]
    fn rfc_3986_abnormal_examples() {
        // §5.4.2, fragments dropped; `http:g` resolves as the backward-compatible `g`.
        let examples = [
            ("../../../g", "http://a/g"),
            ("../../../../g", "http://a/g"),
            ("/./g", "http://a/g"),
            ("/../g", "http://a/g"),
            ("g.", "http://a/b/c/g."),
            (".g", "http://a/b/c/.g"),
            ("g..", "http://a/b/c/g.."),
            ("..g", "http://a/b/c/..g"),
            ("./../g", "http://a/b/g"),
            ("./g/.", "http://a/b/c/g/"),
            ("g/./h", "http://a/b/c/g/h"),
            ("g/../h", "http://a/b/c/h"),
            ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
            ("g;x=1/../y", "http://a/b/c/y"),
            ("g?y/./x", "http://a/b/c/g?y/./x"),
            ("g?y/../x", "http://a/b/c/g?y/../x"),
            ("g#s/./x", "http://a/b/c/g"),
            ("g#s/../x", "http://a/b/c/g"),
            ("http:g", "http://a/b/c/g"),
        ];
        for (reference, expected) in examples {
            assert_eq!(rfc(reference), expected, "{reference:?}");
        }
    }

    #[test]
    fn the_rfc_examples_also_resolve_to_http_uris() {
        let base = Uri::from_static(BASE);
        assert_eq!(resolve("../g?y#s", &base).unwrap(), "http://a/b/g?y");
        assert_eq!(resolve("//g", &base).unwrap(), "http://g/");
        assert_eq!(resolve("", &base).unwrap(), "http://a/b/c/d;p?q");
        assert!(matches!(resolve("g:h", &base), Err(UnusableLocation::NotHttp)));
    }

    #[test]
    fn remove_dot_segments_examples() {
        // §5.2.4.
        assert_eq!(remove_dot_segments("/a/b/c/./../../g"), "/a/g");
        assert_eq!(remove_dot_segments("mid/content=5/../6"), "mid/6");
        assert_eq!(remove_dot_segments("/.."), "/");
        assert_eq!(remove_dot_segments("/a/.."), "/");
        assert_eq!(remove_dot_segments("/a//../b"), "/a/b");
        assert_eq!(remove_dot_segments(""), "");
    }

    #[test]
    fn every_kind_of_location() {
        let cases = [
            ("https://other.example/x?y", "https://other.example/x?y"),
            ("HTTP://Other.example:8080/a/./b/../c", "http://Other.example:8080/a/c"),
            ("//cdn.example/p", "https://cdn.example/p"),
            ("//cdn.example", "https://cdn.example/"),
            ("//cdn.example?q", "https://cdn.example/?q"),
            ("/a/b?q", "https://api.example.com/a/b?q"),
            ("c/d", "https://api.example.com/v1/c/d"),
            ("../e", "https://api.example.com/e"),
            ("../../../e", "https://api.example.com/e"),
            ("./f", "https://api.example.com/v1/f"),
            ("..", "https://api.example.com/"),
            (".", "https://api.example.com/v1/"),
            ("?q=2", "https://api.example.com/v1/keys?q=2"),
            ("", "https://api.example.com/v1/keys?x=1"),
            ("#top", "https://api.example.com/v1/keys?x=1"),
            ("https:next", "https://api.example.com/v1/next"),
            ("http://[::1]:8080/v6", "http://[::1]:8080/v6"),
            ("http://u:p@h.example:/", "http://u:p@h.example:/"),
            ("http://h_h.example:080/", "http://h_h.example:080/"),
            ("  /padded\t", "https://api.example.com/padded"),
        ];
        for (location, expected) in cases {
            assert_eq!(http(location).unwrap(), expected, "{location:?}");
        }
    }

    #[test]
    fn bytes_no_uri_holds_are_percent_encoded_as_url_parsers_do() {
        assert_eq!(http("/a b/\"<>`{}").unwrap(), "https://api.example.com/a%20b/%22%3C%3E%60%7B%7D");
        assert_eq!(
            http("?q=a b&r=\"<>\"").unwrap(),
            "https://api.example.com/v1/keys?q=a%20b&r=%22%3C%3E%22"
        );
        assert_eq!(http("x y").unwrap(), "https://api.example.com/v1/x%20y");
        // What such parsers leave alone stays as it is.
        assert_eq!(http("/a|b^c[d]%zz?{`|^\\}'").unwrap(), "https://api.example.com/a|b^c[d]%zz?{`|^\\}'");
        assert_eq!(http("/%20%2F").unwrap(), "https://api.example.com/%20%2F");
    }

    #[test]
    fn unusable_locations_are_typed_errors() {
        fn err(location: &str) -> UnusableLocation {
            http(location).unwrap_err()
        }
        assert!(matches!(err("ftp://files.example/x"), UnusableLocation::NotHttp));
        assert!(matches!(err("mailto:a@b.example"), UnusableLocation::NotHttp));
        assert!(matches!(err("http:relative"), UnusableLocation::NotHttp), "another scheme needs a host");
        for authority in [
            "[::1",
            "[zz]",
            "[::1]x",
            "a[b]c",
            "",
            ":80",
            "a@b@c",
            "a b",
            "h.example:99999",
            "h:+80",
            "h:-1",
            "h:12a",
            "a:b:c",
            "h\u{7f}",
        ] {
            let location = format!("http://{authority}/x");
            assert!(matches!(err(&location), UnusableLocation::InvalidAuthority), "{location}");
        }
        assert!(matches!(err("http:///no-host"), UnusableLocation::InvalidAuthority));
        assert!(matches!(err("/a\tb"), UnusableLocation::InvalidChar('\t')));
        assert!(matches!(err("/a\\b"), UnusableLocation::InvalidChar('\\')));
        assert!(matches!(err("\\\\evil.example/x"), UnusableLocation::InvalidChar('\\')));
        assert!(matches!(err("/caf\u{e9}"), UnusableLocation::NotAscii));
        let relative = resolve("https://h.example/", &Uri::from_static("/v1/keys"));
        assert!(matches!(relative, Err(UnusableLocation::RelativeBase)));
        assert_eq!(UnusableLocation::InvalidChar('\\').to_string(), r"the location holds '\\'");
    }

    proptest::proptest! {
        #[test]
        fn results_are_absolute_without_dot_segments_and_resolve_to_themselves(
            location in "[a-z:/?#.%; \"<>{}|^`\\[\\]@-]{0,24}",
        ) {
            let base = Uri::from_static("https://api.example.com/v1/keys?x=1");
            if let Ok(uri) = resolve(&location, &base) {
                let path = uri.path();
                proptest::prop_assert!(path.starts_with('/'), "{uri}");
                proptest::prop_assert!(!path.split('/').any(|s| s == "." || s == ".."), "{uri}");
                let again = resolve(&uri.to_string(), &Uri::from_static("http://elsewhere.example/z"));
                proptest::prop_assert_eq!(again.unwrap(), uri);
            }
        }
    }
}
