//! What the generated unions' `Deserialize` impls are made of: read the JSON once, look at a tag
//! or at which fields are there, then decode the chosen variant from the same value.
//!
//! Decoding a variant from a buffered value hides where inside it an error was from a path
//! tracker wrapped around the outer decoder. So when the crate decodes with its tracker
//! ([`tracked`]), each variant is decoded with a tracker of its own, and its path travels up in
//! the error's message, behind [`MARK`], to be joined to the outer path.

use std::cell::Cell;
use std::fmt;

use serde::Deserializer;
use serde::de::{Deserialize, DeserializeOwned, Error};
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

/// Whether `value` decodes as `T`: strictly, with every field there, or also leniently, with
/// what a run directory leaves out (links) missing.
pub(crate) fn fits<T: DeserializeOwned>(value: &Value, strict: bool) -> bool {
    if strict {
        super::__private::strictly(|| T::deserialize(value).is_ok())
    } else {
        T::deserialize(value).is_ok()
    }
}

thread_local! {
    /// Whether this thread is in a [`tracked`] decode.
    static TRACKING: Cell<bool> = const { Cell::new(false) };
}

/// Starts the path inside a variant in an error message; a path never holds it.
const MARK: char = '\u{1}';

/// Decode the chosen variant, reporting its errors as the outer deserializer's.
pub(crate) fn arm<T: DeserializeOwned, E: Error>(value: Value) -> Result<T, E> {
    if !TRACKING.with(Cell::get) {
        return T::deserialize(value).map_err(E::custom);
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        inside(&path, &e.into_inner().to_string())
    })
}

/// An error at `path` inside the value being decoded.
fn inside<E: Error>(path: &str, message: &str) -> E {
    if !TRACKING.with(Cell::get) {
        return E::custom(message);
    }
    let (deeper, message) = split(message);
    E::custom(format_args!("{MARK}{}{MARK}{message}", join(path, deeper)))
}

/// A request union's tag names no kind it has.
pub(crate) fn refuse_tag<E: Error>(tag: Tag<'_>, field: &'static str, expected: &[&str]) -> E {
    let expected = OneOf(expected);
    match tag {
        Tag::Absent => E::missing_field(field),
        Tag::Is(value) => inside(field, &format!("unknown `{field}` {value:?}, expected {expected}")),
        Tag::Other => inside(field, &format!("`{field}` is not a string; expected {expected}")),
    }
}

/// A request union's JSON is none of its kinds.
pub(crate) fn refuse<E: Error>(value: &Value, expected: &str) -> E {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    E::custom(format_args!("expected {expected}, found {found}"))
}

struct OneOf<'a>(&'a [&'a str]);

impl fmt::Display for OneOf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [one] = self.0 {
            return write!(f, "`{one}`");
        }
        f.write_str("one of ")?;
        for (i, value) in self.0.iter().enumerate() {
            write!(f, "{}`{value}`", if i == 0 { "" } else { ", " })?;
        }
        Ok(())
    }
}

/// The path inside a variant carried by `message`, and the rest of the message.
fn split(message: &str) -> (&str, &str) {
    message.strip_prefix(MARK).and_then(|rest| rest.split_once(MARK)).unwrap_or((".", message))
}

/// `outer` followed by `inner`, as `serde_path_to_error` writes paths (`.` is the root).
fn join(outer: &str, inner: &str) -> String {
    match (outer, inner) {
        (".", inner) => inner.to_owned(),
        (outer, ".") => outer.to_owned(),
        (outer, inner) if inner.starts_with('[') => format!("{outer}{inner}"),
        (outer, inner) => format!("{outer}.{inner}"),
    }
}

/// Where a [`tracked`] decode failed: the path of the field and the decoder's error.
#[derive(Debug)]
pub(crate) struct Failure<E> {
    pub(crate) path: String,
    /// The message without the path that travelled in it.
    pub(crate) message: String,
    /// Whether the error was inside a union's variant: then the decoder's position is the end of
    /// the union's value, not the field's.
    pub(crate) in_union: bool,
    pub(crate) error: E,
}

/// Decode with the path of an error, into union variants too. Slower than a plain decode, so it
/// is for the second pass over input that failed the first (or for files, where it is cheap).
pub(crate) fn tracked<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, Failure<D::Error>>
where
    D::Error: fmt::Display,
{
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            TRACKING.with(|t| t.set(self.0));
        }
    }
    let _reset = Reset(TRACKING.with(|t| t.replace(true)));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let outer = e.path().to_string();
        let error = e.into_inner();
        let text = error.to_string();
        let (inner, message) = split(&text);
        let in_union = text.starts_with(MARK);
        Failure { path: join(&outer, inner), message: message.to_owned(), in_union, error }
    })
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
        assert!(fits::<u32>(&json!(3), true) && !fits::<u32>(&json!("x"), false));
    }

    #[test]
    fn paths_join_like_the_tracker_writes_them() {
        assert_eq!(join(".", "id"), "id");
        assert_eq!(join("data[0]", "."), "data[0]");
        assert_eq!(join("data[0]", "id"), "data[0].id");
        assert_eq!(join("data", "[0].id"), "data[0].id");
        assert_eq!(split("plain"), (".", "plain"));
        assert_eq!(split("\u{1}a.b\u{1}bad"), ("a.b", "bad"));
    }

    /// Two levels of unions: the path of the error inside both reaches the top.
    #[derive(Debug, serde::Deserialize)]
    struct Outer {
        #[allow(dead_code)]
        data: Vec<Shape>,
    }

    #[derive(Debug)]
    enum Shape {
        Square(#[allow(dead_code)] Square),
    }

    #[derive(Debug, serde::Deserialize)]
    struct Square {
        #[allow(dead_code)]
        side: Side,
    }

    #[derive(Debug)]
    enum Side {
        Length(#[allow(dead_code)] Length),
    }

    #[derive(Debug, serde::Deserialize)]
    struct Length {
        #[allow(dead_code)]
        metres: f64,
    }

    impl<'de> Deserialize<'de> for Shape {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let value = Value::deserialize(deserializer)?;
            match tag(&value, "type") {
                Tag::Is("square") => Ok(Self::Square(arm(value)?)),
                other => Err(refuse_tag(other, "type", &["square"])),
            }
        }
    }

    impl<'de> Deserialize<'de> for Side {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            Ok(Self::Length(arm(Value::deserialize(deserializer)?)?))
        }
    }

    fn failure(text: &str) -> Failure<serde_json::Error> {
        tracked::<Outer, _>(&mut serde_json::Deserializer::from_str(text)).unwrap_err()
    }

    #[test]
    fn errors_inside_unions_keep_their_path() {
        let bad = r#"{"data": [{"type": "square", "side": {"metres": 1}}, {"type": "square", "side": {"metres": "x"}}]}"#;
        let failure = failure(bad);
        assert_eq!(failure.path, "data[1].side.metres");
        assert!(
            failure.message.starts_with("invalid type: string \"x\", expected f64"),
            "{}",
            failure.message
        );
        assert_eq!(failure.error.line(), 1);
        let failure = failure_of_tag();
        assert_eq!(failure.path, "data[0].type");
        assert!(
            failure.message.starts_with("unknown `type` \"circle\", expected `square`"),
            "{}",
            failure.message
        );
        // Outside a tracked decode the error is the plain message.
        let plain = serde_json::from_str::<Outer>(bad).unwrap_err().to_string();
        assert!(plain.starts_with("invalid type: string \"x\", expected f64"), "{plain}");
        assert!(!TRACKING.with(Cell::get));
    }

    fn failure_of_tag() -> Failure<serde_json::Error> {
        failure(r#"{"data": [{"type": "circle"}]}"#)
    }
}
