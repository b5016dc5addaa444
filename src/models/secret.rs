use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret API key, shown once at creation. `Debug` and `Display` never print it; serializing
/// writes it out, since storing a created key is what serializing it is for.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretKey(String);

impl SecretKey {
    /// The full secret, for storing it somewhere safe.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let key: SecretKey = serde_json::from_str(r#""sk_bc_ws_test_abcdef""#).unwrap();
        assert_eq!(key.expose_secret(), "sk_bc_ws_test_abcdef");
        assert!(!format!("{key} {key:?}").contains("abcdef"));
    }
}
