//! The snapshot (`spec/compute.schema.json`) read into types the generator reasons about.
//!
//! Only the part of JSON Schema that pydantic emits for the SDK is understood: objects with
//! properties, arrays, string maps, `anyOf`, `const`, string `enum`s, `date-time` strings and the
//! scalar types. Anything else is an error naming the definition, so a new SDK cannot slip a
//! construct past the generator.

use std::collections::BTreeMap;

use serde_json::Value;

/// Where an operation's parameters go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Location {
    Body,
    Query,
}

/// One compute-plane operation.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    /// The SDK's dotted resource, e.g. `protein.design`.
    pub(crate) resource: String,
    /// The SDK's method, e.g. `list_results`.
    pub(crate) method: String,
    /// The Go SDK's name, e.g. `Protein.Design.ListResults`.
    pub(crate) go: String,
    pub(crate) http_method: String,
    /// The path template with `{param}` placeholders.
    pub(crate) path: String,
    pub(crate) path_params: Vec<String>,
    /// The parameters and where they go, if any.
    pub(crate) params: Option<(Location, Ty)>,
    /// The response, or the item of a page.
    pub(crate) response: Ty,
    pub(crate) paginated: bool,
}

/// A type as the schema states it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    String,
    DateTime,
    Integer,
    Number,
    Boolean,
    /// Any JSON value (`{}`) or any object (`additionalProperties: true` without properties).
    Any,
    Null,
    /// A single allowed value (`Literal`), a string or a boolean.
    Const(Value),
    /// A string from a closed list.
    Enum(Vec<String>),
    Array(Box<Ty>),
    /// An object with string keys and values of one type.
    Map(Box<Ty>),
    /// A named object definition.
    Ref(String),
    /// `anyOf`, null arms included.
    AnyOf(Vec<Ty>),
}

/// A field of an object definition.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    pub(crate) description: Option<String>,
}

/// An object definition.
#[derive(Debug, Clone)]
pub(crate) struct Def {
    pub(crate) description: Option<String>,
    /// Required fields in declaration order, then the optional ones by name.
    pub(crate) fields: Vec<Field>,
}

/// The whole snapshot.
#[derive(Debug)]
pub(crate) struct Snapshot {
    pub(crate) sdk_version: String,
    pub(crate) operations: Vec<Operation>,
    pub(crate) defs: BTreeMap<String, Def>,
}

type Result<T> = std::result::Result<T, String>;

impl Snapshot {
    /// Read the snapshot from its JSON text.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let root: Value = serde_json::from_str(text).map_err(|e| format!("snapshot: {e}"))?;
        let sdk_version = str_at(&root, &["sdk", "version"])?.to_owned();
        let defs = root["definitions"]
            .as_object()
            .ok_or("snapshot: no definitions")?
            .iter()
            .map(|(name, schema)| Ok((name.clone(), object(schema).map_err(|e| format!("{name}: {e}"))?)))
            .collect::<Result<_>>()?;
        let operations = root["operations"]
            .as_array()
            .ok_or("snapshot: no operations")?
            .iter()
            .map(operation)
            .collect::<Result<_>>()?;
        Ok(Self { sdk_version, operations, defs })
    }
}

fn str_at<'a>(value: &'a Value, path: &[&str]) -> Result<&'a str> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("snapshot: `{}` is missing", path.join(".")))
}

fn operation(op: &Value) -> Result<Operation> {
    let text = |key: &str| str_at(op, &[key]).map(str::to_owned);
    let name = format!("{}.{}", text("resource")?, text("method")?);
    let params = match &op["params"] {
        Value::Null => None,
        params => {
            let location = match str_at(params, &["location"])? {
                "body" => Location::Body,
                "query" => Location::Query,
                other => return Err(format!("{name}: params location `{other}`")),
            };
            Some((location, ty(&params["schema"]).map_err(|e| format!("{name}: {e}"))?))
        }
    };
    Ok(Operation {
        go: text("go")?,
        http_method: text("http_method")?,
        path: text("path")?,
        path_params: op["path_params"]
            .as_array()
            .ok_or_else(|| format!("{name}: path_params"))?
            .iter()
            .map(|p| p.as_str().map(str::to_owned).ok_or_else(|| format!("{name}: path_params")))
            .collect::<Result<_>>()?,
        params,
        response: ty(&op["response"]["schema"]).map_err(|e| format!("{name}: {e}"))?,
        paginated: op["response"]["page"].as_str() == Some("CursorPage"),
        resource: text("resource")?,
        method: text("method")?,
    })
}

fn description(schema: &Value) -> Option<String> {
    schema.get("description").and_then(Value::as_str).map(str::to_owned)
}

fn object(schema: &Value) -> Result<Def> {
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return Err("a definition that is not an object".into());
    }
    let properties =
        schema.get("properties").and_then(Value::as_object).ok_or("an object without properties")?;
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map_or(Vec::new(), |r| r.iter().filter_map(Value::as_str).collect());
    let mut fields = Vec::with_capacity(properties.len());
    for name in &required {
        let schema = properties.get(*name).ok_or_else(|| format!("required `{name}` is not a property"))?;
        fields.push(field(name, schema, true)?);
    }
    for (name, schema) in properties {
        if !required.contains(&name.as_str()) {
            fields.push(field(name, schema, false)?);
        }
    }
    Ok(Def { description: description(schema), fields })
}

fn field(name: &str, schema: &Value, required: bool) -> Result<Field> {
    let ty = ty(schema).map_err(|e| format!("`{name}`: {e}"))?;
    Ok(Field { name: name.to_owned(), ty, required, description: description(schema) })
}

/// The keys that only annotate a schema.
const ANNOTATIONS: [&str; 3] = ["description", "title", "default"];

fn ty(schema: &Value) -> Result<Ty> {
    let map = schema.as_object().ok_or("a schema that is not an object")?;
    let keys: Vec<&str> = map.keys().map(String::as_str).filter(|k| !ANNOTATIONS.contains(k)).collect();
    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
        let name = reference.strip_prefix("#/definitions/").ok_or_else(|| format!("$ref {reference}"))?;
        return Ok(Ty::Ref(name.to_owned()));
    }
    if let Some(arms) = map.get("anyOf").and_then(Value::as_array) {
        return Ok(Ty::AnyOf(arms.iter().map(ty).collect::<Result<_>>()?));
    }
    if let Some(value) = map.get("const") {
        return Ok(Ty::Const(value.clone()));
    }
    if let Some(values) = map.get("enum").and_then(Value::as_array) {
        let values = values.iter().map(|v| v.as_str().map(str::to_owned).ok_or("a non-string enum value"));
        return Ok(Ty::Enum(values.collect::<std::result::Result<_, _>>()?));
    }
    let kind = map.get("type").and_then(Value::as_str);
    Ok(match (kind, map.get("format").and_then(Value::as_str)) {
        (None, _) if keys.is_empty() => Ty::Any,
        (Some("string"), None) => Ty::String,
        (Some("string"), Some("date-time")) => Ty::DateTime,
        (Some("integer"), None) => Ty::Integer,
        (Some("number"), None) => Ty::Number,
        (Some("boolean"), None) => Ty::Boolean,
        (Some("null"), None) => Ty::Null,
        (Some("array"), None) => Ty::Array(Box::new(map.get("items").map_or(Ok(Ty::Any), ty)?)),
        (Some("object"), None) if !map.contains_key("properties") => match map.get("additionalProperties") {
            None | Some(Value::Bool(true)) => Ty::Any,
            Some(values) => Ty::Map(Box::new(ty(values)?)),
        },
        _ => return Err(format!("unsupported schema {schema}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn types_are_read_as_pydantic_writes_them() {
        let cases = [
            (json!({"type": "string", "title": "X"}), Ty::String),
            (json!({"type": "string", "format": "date-time"}), Ty::DateTime),
            (json!({}), Ty::Any),
            (json!({"type": "object", "additionalProperties": true}), Ty::Any),
            (
                json!({"type": "object", "additionalProperties": {"type": "array", "items": {"type": "integer"}}}),
                Ty::Map(Box::new(Ty::Array(Box::new(Ty::Integer)))),
            ),
            (json!({"const": "dna", "type": "string"}), Ty::Const(json!("dna"))),
            (json!({"enum": ["a", "b"], "type": "string"}), Ty::Enum(vec!["a".into(), "b".into()])),
            (
                json!({"anyOf": [{"$ref": "#/definitions/A"}, {"type": "null"}], "default": null}),
                Ty::AnyOf(vec![Ty::Ref("A".into()), Ty::Null]),
            ),
        ];
        for (schema, want) in cases {
            assert_eq!(ty(&schema).unwrap(), want, "{schema}");
        }
        assert!(ty(&json!({"type": "string", "format": "uuid"})).is_err());
        assert!(ty(&json!({"oneOf": []})).is_err());
    }

    #[test]
    fn required_fields_come_first_in_declaration_order() {
        let def = object(&json!({
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "integer"}, "c": {"type": "boolean"}},
            "required": ["c", "a"]
        }))
        .unwrap();
        let order: Vec<_> = def.fields.iter().map(|f| (f.name.as_str(), f.required)).collect();
        assert_eq!(order, [("c", true), ("a", true), ("b", false)]);
    }
}
