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

/// The typed operations by name.
fn table() -> BTreeMap<&'static str, operations::Operation> {
    operations::operations().into_iter().map(|op| (op.name, op)).collect()
}

/// `resource.method` of an operation of the snapshot.
fn op_name(op: &Value) -> String {
    format!("{}.{}", op["resource"].as_str().unwrap(), op["method"].as_str().unwrap())
}

#[test]
fn every_operation_of_the_snapshot_has_a_typed_request() {
    let snapshot = snapshot();
    let table = table();
    let ops = snapshot["operations"].as_array().unwrap();
    assert_eq!(ops.len(), 61);
    for op in ops {
        let name = op_name(op);
        let typed = table.get(name.as_str()).unwrap_or_else(|| panic!("{name} has no typed request"));
        assert_eq!(typed.method.as_str(), op["http_method"], "{name}");
        assert_eq!(typed.path, op["path"], "{name}");
        assert_eq!(typed.paginated, op["response"]["page"] == "CursorPage", "{name}");
    }
    assert_eq!(table.len(), ops.len(), "no typed request without an operation in the snapshot");
}

/// How a sample is made.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// Required fields only.
    Required,
    /// Every field.
    Full,
    /// Every field that may be null is null.
    Nulls,
    /// Every field, with a field the crate does not know in every object, at every depth.
    Extras,
    /// Every field and extra fields, with unknown enum values and unknown constants (union tags).
    Unknown,
}

const MODES: [Mode; 5] = [Mode::Required, Mode::Full, Mode::Nulls, Mode::Extras, Mode::Unknown];

struct Samples<'a> {
    defs: &'a Map<String, Value>,
    mode: Mode,
    /// Which arm of each union to take: rotated so that every arm is decoded.
    arm: usize,
}

impl Samples<'_> {
    fn value(&self, schema: &Value, depth: usize) -> Value {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/definitions/");
            return self.object(&self.defs[name], depth);
        }
        if let Some(arms) = schema.get("anyOf").and_then(Value::as_array) {
            let non_null: Vec<&Value> = arms.iter().filter(|a| a["type"] != "null").collect();
            if self.mode == Mode::Nulls && non_null.len() < arms.len() {
                return Value::Null;
            }
            return self.value(non_null[self.arm % non_null.len()], depth);
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
            // Amounts of money are decimal strings.
            (Some("string"), _) if schema["title"].as_str().is_some_and(|t| t.ends_with(" Usd")) => {
                json!("12.3400")
            }
            (Some("string"), _) => json!("s"),
            (Some("integer"), _) => json!(3),
            (Some("number"), _) => json!(1.5),
            (Some("boolean"), _) => json!(true),
            (Some("null"), _) => Value::Null,
            (Some("array"), _) => json!([self.value(&schema["items"], depth + 1)]),
            (Some("object"), _) if schema.get("properties").is_some() => self.object(schema, depth),
            (Some("object"), _) => match schema.get("additionalProperties") {
                Some(values @ Value::Object(_)) => json!({ "A": self.value(values, depth + 1) }),
                _ => json!({ "anything": [1, "two"] }),
            },
            _ => json!({ "any": "value" }),
        }
    }

    fn object(&self, schema: &Value, depth: usize) -> Value {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map_or(Vec::new(), |r| r.iter().filter_map(Value::as_str).collect());
        let mut object = Map::new();
        for (name, field) in schema["properties"].as_object().unwrap() {
            if self.mode == Mode::Required && !required.contains(&name.as_str()) {
                continue;
            }
            object.insert(name.clone(), self.value(field, depth + 1));
        }
        if matches!(self.mode, Mode::Extras | Mode::Unknown) {
            object
                .insert(format!("zz_added_later_{depth}"), json!({ "nested": [1, null, {"deeper": true}] }));
        }
        Value::Object(object)
    }
}

/// Arms enough to reach every arm of the widest union (share links embed seven kinds of run).
const ARMS: usize = 8;

/// Decode each sample and write it back: the same JSON, and (where every kind and value in it is
/// known and every field there) no `Unknown` anywhere in the typed value.
fn round_trips(
    schema: &Value,
    defs: &Map<String, Value>,
    modes: &[Mode],
    name: &str,
    trip: operations::RoundTrip,
) -> usize {
    let mut count = 0;
    for &mode in modes {
        for arm in 0..ARMS {
            let sample = Samples { defs, mode, arm }.value(schema, 0);
            let text = sample.to_string();
            let (written, debug) =
                trip(&text).unwrap_or_else(|e| panic!("{name} ({mode:?}) did not decode: {e}\n{text}"));
            assert_eq!(written, sample, "{name} ({mode:?}) did not write back what it read");
            // With required fields only, some runs of different kinds look alike (then `Unknown`
            // keeps them); with every field each is told apart.
            if matches!(mode, Mode::Full | Mode::Extras) {
                assert!(
                    !debug.contains("Unknown("),
                    "{name} ({mode:?}): a known kind decoded as unknown\n{text}\n{debug}"
                );
            }
            count += 1;
        }
    }
    count
}

#[test]
fn every_response_round_trips_json_made_from_the_schema() {
    let snapshot = snapshot();
    let defs = snapshot["definitions"].as_object().unwrap();
    let table = table();
    let mut trips = 0;
    for op in snapshot["operations"].as_array().unwrap() {
        let name = op_name(op);
        trips += round_trips(&op["response"]["schema"], defs, &MODES, &name, table[name.as_str()].response);
    }
    assert_eq!(trips, 61 * MODES.len() * ARMS);
}

/// As a run directory keeps a job (`run.json`): every link removed, then every key left holding
/// `{}`; and a result as `results/index.jsonl` keeps it, without `artifacts`.
fn stripped(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(stripped).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| !matches!(k.as_str(), "url" | "url_expires_at" | "artifacts"))
                .map(|(k, v)| (k, stripped(v)))
                .filter(|(_, v)| !matches!(v, Value::Object(m) if m.is_empty()))
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn every_response_round_trips_as_a_run_directory_keeps_it() {
    let snapshot = snapshot();
    let defs = snapshot["definitions"].as_object().unwrap();
    let table = table();
    for op in snapshot["operations"].as_array().unwrap() {
        let name = op_name(op);
        for mode in [Mode::Required, Mode::Full, Mode::Extras] {
            for arm in 0..ARMS {
                let sample = stripped(Samples { defs, mode, arm }.value(&op["response"]["schema"], 0));
                let text = sample.to_string();
                let (written, _) = (table[name.as_str()].response)(&text).unwrap_or_else(|e| {
                    panic!("{name} ({mode:?}) without links did not decode: {e}\n{text}")
                });
                assert_eq!(written, sample, "{name} ({mode:?}) without links");
            }
        }
    }
}

#[test]
fn every_request_body_round_trips_json_made_from_the_schema() {
    let snapshot = snapshot();
    let defs = snapshot["definitions"].as_object().unwrap();
    let table = table();
    let mut bodies = 0;
    for op in snapshot["operations"].as_array().unwrap() {
        let name = op_name(op);
        let Some(trip) = table[name.as_str()].request else {
            assert_ne!(op["params"]["location"], "body", "{name} has a body but no round trip");
            continue;
        };
        // No request field is nullable, and a request refuses kinds it does not know.
        round_trips(&op["params"]["schema"], defs, &[Mode::Required, Mode::Full, Mode::Extras], &name, trip);
        bodies += 1;
    }
    assert_eq!(bodies, 16, "8 starts, 7 estimates, share_links.create");
}

#[test]
fn a_request_refuses_an_unknown_kind_naming_its_tag() {
    let snapshot = snapshot();
    let defs = snapshot["definitions"].as_object().unwrap();
    let table = table();
    let op = &snapshot["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|op| op["method"] == "start" && op["resource"] == "predictions.structure_and_binding")
        .unwrap();
    let mut sample = Samples { defs, mode: Mode::Full, arm: 0 }.value(&op["params"]["schema"], 0);
    sample["input"]["entities"][0]["type"] = json!("protien");
    let error =
        (table["predictions.structure_and_binding.start"].request.unwrap())(&sample.to_string()).unwrap_err();
    assert!(error.contains("unknown `type` \"protien\", expected one of `dna`"), "{error}");
}

/// A shared protein-design run whose `progress` is null is told from a library screen by its
/// input, which only a design's fits.
#[test]
fn a_shared_run_that_fits_one_kind_decodes_as_it() {
    use boltz_api::models::share_links::{Pipeline, SharedContent};
    let snapshot = snapshot();
    let defs = snapshot["definitions"].as_object().unwrap();
    let retrieve = snapshot["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|op| op["resource"] == "protein.design" && op["method"] == "retrieve")
        .unwrap();
    for arm in 0..ARMS {
        let mut run = Samples { defs, mode: Mode::Full, arm }.value(&retrieve["response"]["schema"], 0);
        run["progress"] = Value::Null;
        let shared = json!({"id": "sl_1", "created_at": "2026-01-02T03:04:05Z", "expires_at": "2026-01-09T03:04:05Z",
                            "workspace_id": "ws_1", "pipelines": [run], "predictions": []});
        let content: SharedContent = serde_json::from_value(shared).unwrap();
        assert!(
            matches!(content.pipelines[0], Pipeline::ProteinDesign(_)),
            "arm {arm}: {:?}",
            content.pipelines[0]
        );
    }
}
