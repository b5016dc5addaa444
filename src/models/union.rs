//! What the generated unions' `Deserialize` impls are made of: read the JSON once, look at a tag
//! or at which fields are there, then decode the chosen variant from the same value.

use serde::de::{DeserializeOwned, Error};
use serde_json::Value;

/// A union's tag field in one JSON object.
pub(crate) enum Tag<'v> {
    /// The field is not there.
    Absent,
    /// The field is this string.
    Is(&'v str),
    /// The field is there but not a string.
    Other,
}

/// The tag `field` of `value`.
pub(crate) fn tag<'v>(value: &'v Value, field: &str) -> Tag<'v> {
    match value.get(field) {
        None => Tag::Absent,
        Some(Value::String(s)) => Tag::Is(s),
        Some(_) => Tag::Other,
    }
}

/// Whether `path` leads to a value that is not `null`.
pub(crate) fn has(value: &Value, path: &[&str]) -> bool {
    path.iter().try_fold(value, |v, key| v.get(key)).is_some_and(|v| !v.is_null())
}

/// Decode the chosen variant, reporting its errors as the outer deserializer's.
pub(crate) fn arm<T: DeserializeOwned, E: Error>(value: Value) -> Result<T, E> {
    T::deserialize(value).map_err(E::custom)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tags_and_paths() {
        let value = json!({"type": "dna", "n": 1, "input": {"budget": 5, "gone": null}});
        assert!(matches!(tag(&value, "type"), Tag::Is("dna")));
        assert!(matches!(tag(&value, "kind"), Tag::Absent));
        assert!(matches!(tag(&value, "n"), Tag::Other));
        assert!(has(&value, &["input", "budget"]));
        assert!(!has(&value, &["input", "gone"]) && !has(&value, &["input", "missing"]));
        assert_eq!(arm::<u32, serde_json::Error>(json!(3)).unwrap(), 3);
        assert!(arm::<u32, serde_json::Error>(json!("x")).is_err());
    }
}
