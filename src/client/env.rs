//! Configuration from the environment.

/// The API key variable.
pub(crate) const API_KEY: &str = "BOLTZ_API_KEY";
/// The base URL variable.
pub(crate) const BASE_URL: &str = "BOLTZ_BASE_URL";
/// Extra headers, one `Name: value` per line.
pub(crate) const CUSTOM_HEADERS: &str = "BOLTZ_CUSTOM_HEADERS";

/// Parse `BOLTZ_CUSTOM_HEADERS`: split on newlines, split each line at its first `:`, trim both
/// sides, skip lines without a colon.
pub(crate) fn parse_custom_headers(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value.split('\n').filter_map(|line| line.split_once(':')).map(|(name, value)| (name.trim(), value.trim()))
}

/// A non-empty environment variable.
pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_headers_follow_the_reference_format() {
        let parsed: Vec<_> =
            parse_custom_headers("X-Foo: bar\nX-Baz:  q:ux  \nno colon here\n\r\n X-Empty:").collect();
        assert_eq!(parsed, [("X-Foo", "bar"), ("X-Baz", "q:ux"), ("X-Empty", "")]);
        assert_eq!(parse_custom_headers("").count(), 0);
    }
}
