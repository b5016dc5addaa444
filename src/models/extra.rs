//! What a model keeps beyond its known fields, so that it round-trips the JSON it came from.

use std::borrow::Cow;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde::ser::SerializeMap;
use serde_json::{Map, Value};

/// The fields of a JSON object this version of the crate does not know, kept so that a value
/// written back out is the JSON it was read from; it dereferences to their map.
///
/// Every model has one, as its field `extra`. It also remembers, for each optional field, whether
/// it was sent as `null` or left out (both are `None`), so that it is written back the same way.
///
/// ```
/// use boltz_api::models::Workspace;
///
/// let text = r#"{"id":"ws_1","archived_at":null,"created_at":"2026-01-02T03:04:05Z",
///     "data_retention":{"unit":"days","value":14},"is_default":true,"updated_at":"2026-01-02T03:04:05Z",
///     "region":"eu-west"}"#;
/// let workspace: Workspace = serde_json::from_str(text).unwrap();
/// assert_eq!(workspace.extra["region"], "eu-west");
/// let again: serde_json::Value = serde_json::to_value(&workspace).unwrap();
/// assert_eq!(again, serde_json::from_str::<serde_json::Value>(text).unwrap()); // `null` kept, `name` still absent
/// ```
#[derive(Clone, Default)]
pub struct Extra {
    /// Boxed, and only when there are some: most objects have none, and every model has an
    /// `Extra`, so it is kept to two words.
    fields: Option<Box<Map<String, Value>>>,
    /// Bit `i` for the `i`-th optional field: it was `null` (an `Option`) or absent (a defaulted one).
    flags: u64,
}

impl Extra {
    /// Whether the `i`-th flagged field was sent as `null` (or, for a defaulted one, was absent).
    #[doc(hidden)]
    pub fn flag(&self, i: u32) -> bool {
        self.flags & (1 << i) != 0
    }

    #[doc(hidden)]
    pub fn set_flag(&mut self, i: u32) {
        self.flags |= 1 << i;
    }

    #[doc(hidden)]
    pub fn insert_unknown(&mut self, key: String, value: Value) {
        self.fields.get_or_insert_default().insert(key, value);
    }

    /// Write the unknown fields, except any that a known field of the same name already wrote.
    #[doc(hidden)]
    pub fn serialize_unknown<M: SerializeMap>(&self, map: &mut M, known: &[&str]) -> Result<(), M::Error> {
        for (key, value) in self.iter() {
            if !known.contains(&key.as_str()) {
                map.serialize_entry(key, value)?;
            }
        }
        Ok(())
    }
}

impl Deref for Extra {
    type Target = Map<String, Value>;

    fn deref(&self) -> &Self::Target {
        static NONE: OnceLock<Map<String, Value>> = OnceLock::new();
        self.fields.as_deref().unwrap_or_else(|| NONE.get_or_init(Map::new))
    }
}

impl DerefMut for Extra {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.fields.get_or_insert_default()
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// Equal when they write the same: the same unknown fields and the same `null`s.
impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        self.flags == other.flags && **self == **other
    }
}

impl Eq for Extra {}

/// What the code of `#[derive(Model)]` calls.
#[doc(hidden)]
pub mod __private {
    use std::cell::Cell;

    use super::*;

    thread_local! {
        static STRICT: Cell<bool> = const { Cell::new(false) };
    }

    /// Whether a field that may be left out (a stripped link) must be there: while a union
    /// tries which of its kinds a value is.
    pub fn strict() -> bool {
        STRICT.with(Cell::get)
    }

    /// Run `f` decoding strictly.
    pub(crate) fn strictly<R>(f: impl FnOnce() -> R) -> R {
        struct Reset(bool);
        impl Drop for Reset {
            fn drop(&mut self) {
                STRICT.with(|s| s.set(self.0));
            }
        }
        let _reset = Reset(STRICT.with(|s| s.replace(true)));
        f()
    }

    /// An object key, borrowed from the input where the format allows.
    pub struct Key<'de>(Cow<'de, str>);

    impl Key<'_> {
        pub fn as_str(&self) -> &str {
            &self.0
        }

        pub fn into_string(self) -> String {
            self.0.into_owned()
        }
    }

    impl<'de> de::Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct KeyVisitor;
            impl<'de> Visitor<'de> for KeyVisitor {
                type Value = Key<'de>;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a field name")
                }
                fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Borrowed(v)))
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v.to_owned())))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                    Ok(Key(Cow::Owned(v)))
                }
            }
            deserializer.deserialize_identifier(KeyVisitor)
        }
    }

    /// A constant field: this string and no other.
    pub struct Constant(pub &'static str);

    impl<'de> DeserializeSeed<'de> for Constant {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
            deserializer.deserialize_str(self)
        }
    }

    impl Visitor<'_> for Constant {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "`{}`", self.0)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
            if v == self.0 { Ok(()) } else { Err(E::invalid_value(de::Unexpected::Str(v), &self)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::Extra;
    use crate::models::Model;

    #[derive(Debug, Clone, Default, PartialEq, Model)]
    struct Sample {
        id: String,
        note: Option<String>,
        #[model(default)]
        url: String,
        #[model(rename = "type", constant = "sample")]
        kind: &'static str,
        extra: Extra,
    }

    #[test]
    fn null_absent_and_unknown_come_back_as_they_were() {
        for text in [
            json!({"id": "a", "note": null, "url": "u", "type": "sample"}),
            json!({"id": "a", "type": "sample"}),
            json!({"id": "a", "note": "n", "url": "", "type": "sample", "new": {"deep": [null]}}),
        ] {
            let sample: Sample = serde_json::from_value(text.clone()).unwrap();
            assert_eq!(serde_json::to_value(&sample).unwrap(), text);
        }
        let absent: Sample = serde_json::from_value(json!({"id": "a"})).unwrap();
        let null: Sample = serde_json::from_value(json!({"id": "a", "note": null})).unwrap();
        assert_ne!(absent, null, "they write differently, so they differ");
        assert_eq!(absent.kind, "sample", "a constant is filled in");
        let wrong = serde_json::from_value::<Sample>(json!({"id": "a", "type": "other"})).unwrap_err();
        assert!(wrong.to_string().contains("expected `sample`"), "{wrong}");
        let missing = serde_json::from_value::<Sample>(json!({"note": "n"})).unwrap_err();
        assert_eq!(missing.to_string(), "missing field `id`");
    }

    #[test]
    fn an_unknown_field_named_like_a_known_one_is_written_once() {
        let mut sample: Sample = serde_json::from_value(json!({"id": "a", "more": 1})).unwrap();
        sample.extra.insert("id".into(), json!("shadow"));
        assert_eq!(serde_json::to_value(&sample).unwrap(), json!({"id": "a", "type": "sample", "more": 1}));
        assert_eq!(format!("{:?}", sample.extra), r#"{"id": String("shadow"), "more": Number(1)}"#);
        assert!(crate::models::__private::strictly(
            || serde_json::from_value::<Sample>(json!({"id": "a"})).is_err()
        ));
    }
}
