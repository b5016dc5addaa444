//! The compute plane against its schema snapshot (`spec/compute.schema.json`): every operation
//! has a typed request with the same method, path and paging, and every response type decodes
//! JSON made from the schema: required fields only, every optional field, `null` where allowed,
//! values the crate does not know (enum values, union tags, extra fields), and every union arm.

#[path = "compute/operations.rs"]
mod operations;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

fn snapshot() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/compute.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_operation_of_the_snapshot_has_a_typed_request() {
    let snapshot = snapshot();
    let table: BTreeMap<&str, operations::Operation> =
        operations::operations().into_iter().map(|op| (op.name, op)).collect();
    let ops = snapshot["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 61);
    for op in ops {
        let name = format!("{}.{}", op["resource"].as_str().unwrap(), op["method"].as_str().unwrap());
        let typed = table.get(name.as_str()).unwrap_or_else(|| panic!("{name} has no typed request"));
        assert_eq!(typed.method.as_str(), op["http_method"], "{name}");
        assert_eq!(typed.path, op["path"], "{name}");
        assert_eq!(typed.paginated, op["response"]["page"] == "CursorPage", "{name}");
    }
    assert_eq!(table.len(), ops.len(), "no typed request without an operation in the snapshot");
}

/// How a sample is made.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Required fields only.
    Required,
    /// Every field.
    Full,
    /// Every field that may be null is null.
    Nulls,
    /// Every field, with unknown enum values, unknown constants (union tags) and extra fields.
    Unknown,
}

struct Samples<'a> {
    defs: &'a Map<String, Value>,
    mode: Mode,
    /// Which arm of each union to take: rotated so that every arm is decoded.
    arm: usize,
}

impl Samples<'_> {
    fn value(&self, schema: &Value) -> Value {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/definitions/");
            return self.object(&self.defs[name]);
        }
        if let Some(arms) = schema.get("anyOf").and_then(Value::as_array) {
            let non_null: Vec<&Value> = arms.iter().filter(|a| a["type"] != "null").collect();
            if self.mode == Mode::Nulls && non_null.len() < arms.len() {
                return Value::Null;
            }
            return self.value(non_null[self.arm % non_null.len()]);
        }
        if let Some(constant) = schema.get("const") {
            return match (self.mode, constant) {
                (Mode::Unknown, Value::String(_)) => json!("zz_new_kind"),
                _ => constant.clone(),
            };
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            return if self.mode == Mode::Unknown {
                json!("zz_new_value")
            } else {
                values[self.arm % values.len()].clone()
            };
        }
        match (schema["type"].as_str(), schema["format"].as_str()) {
            (Some("string"), Some("date-time")) => json!("2026-01-02T03:04:05.678Z"),
            (Some("string"), _) => json!("s"),
            (Some("integer"), _) => json!(3),
            (Some("number"), _) => json!(1.5),
            (Some("boolean"), _) => json!(true),
            (Some("null"), _) => Value::Null,
            (Some("array"), _) => json!([self.value(&schema["items"])]),
            (Some("object"), _) if schema.get("properties").is_some() => self.object(schema),
            (Some("object"), _) => match schema.get("additionalProperties") {
                Some(values @ Value::Object(_)) => json!({ "A": self.value(values) }),
                _ => json!({ "anything": [1, "two"] }),
            },
            _ => json!({ "any": "value" }),
        }
    }

    fn object(&self, schema: &Value) -> Value {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map_or(Vec::new(), |r| r.iter().filter_map(Value::as_str).collect());
        let mut object = Map::new();
        for (name, field) in schema["properties"].as_object().unwrap() {
            if self.mode == Mode::Required && !required.contains(&name.as_str()) {
                continue;
            }
            object.insert(name.clone(), self.value(field));
        }
        if self.mode == Mode::Unknown {
            object.insert("zz_added_later".into(), json!({ "nested": [1] }));
        }
        Value::Object(object)
    }
}

#[test]
fn every_response_decodes_json_made_from_the_schema() {
    let snapshot = snapshot();
    let defs = snapshot["definitions"].as_object().unwrap();
    let table: BTreeMap<&str, operations::Operation> =
        operations::operations().into_iter().map(|op| (op.name, op)).collect();
    let mut decoded = 0;
    for op in snapshot["operations"].as_array().unwrap() {
        let name = format!("{}.{}", op["resource"].as_str().unwrap(), op["method"].as_str().unwrap());
        let decode = table[name.as_str()].decode;
        for mode in [Mode::Required, Mode::Full, Mode::Nulls, Mode::Unknown] {
            // Enough arms to reach every arm of the widest union (share links embed seven kinds of run).
            for arm in 0..8 {
                let sample = Samples { defs, mode, arm }.value(&op["response"]["schema"]);
                let text = sample.to_string();
                if let Err(e) = decode(&text) {
                    panic!(
                        "{name} ({}) did not decode: {e}\n{text}",
                        ["required", "full", "nulls", "unknown"][mode as usize]
                    );
                }
                decoded += 1;
            }
        }
    }
    assert_eq!(decoded, 61 * 4 * 8);
}
