//! The operation files: one request type and `Endpoint` impl per operation, a facade per
//! resource and group, and the table the integration tests check against the snapshot.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::models::{argument, field_doc, request_struct_as, variants};
use super::rust::{Imports, field_ident};
use super::{Context, HEADER};
use crate::naming::camel;
use crate::ops::struct_name;
use crate::schema::{Location, Operation};
use crate::shapes::{ShapeId, Type};

/// What an operation takes.
enum Params {
    None,
    /// A JSON body of a struct, emitted as the operation's own type.
    Body(ShapeId),
    /// A JSON body of a union, wrapped in the operation's type.
    BodyUnion(Type),
    /// The request type of another operation (estimate_cost takes start's): its name, its file
    /// and its params.
    Reuses(String, String, Type),
    Query(ShapeId),
}

struct Op<'a> {
    op: &'a Operation,
    name: String,
    params: Params,
    response: Type,
}

fn ops<'a>(cx: &Context<'_>, operations: &'a [Operation]) -> Result<Vec<Op<'a>>, String> {
    let mut start_params: BTreeMap<&str, (Type, String)> = BTreeMap::new();
    for (op, types) in operations.iter().zip(&cx.model.ops) {
        if let (Some((_, ty)), "start") = (&types.params, op.method.as_str()) {
            start_params.insert(&op.resource, (ty.clone(), struct_name(op, cx.overrides)?));
        }
    }
    operations
        .iter()
        .zip(&cx.model.ops)
        .map(|(op, types)| {
            let params = match &types.params {
                None => Params::None,
                Some((Location::Query, Type::Struct(id))) => Params::Query(*id),
                Some((Location::Body, ty)) if op.method == "estimate_cost" => match start_params
                    .get(op.resource.as_str())
                {
                    Some((start, name)) if start == ty => {
                        Params::Reuses(name.clone(), "start".to_owned(), ty.clone())
                    }
                    _ => return Err(format!("{}.estimate_cost: params differ from start's", op.resource)),
                },
                Some((Location::Body, Type::Struct(id))) => Params::Body(*id),
                Some((Location::Body, ty @ Type::Union(_))) => Params::BodyUnion(ty.clone()),
                Some(_) => return Err(format!("{}.{}: unsupported params", op.resource, op.method)),
            };
            Ok(Op { op, name: struct_name(op, cx.overrides)?, params, response: types.response.clone() })
        })
        .collect()
}

/// Every operation, facade and test-table file, by path.
pub(crate) fn files(
    cx: &Context<'_>,
    operations: &[Operation],
    sdk_version: &str,
) -> Result<BTreeMap<PathBuf, String>, String> {
    let ops = ops(cx, operations)?;
    let mut files = BTreeMap::new();
    let mut by_resource: BTreeMap<&str, Vec<&Op<'_>>> = BTreeMap::new();
    for op in &ops {
        by_resource.entry(&op.op.resource).or_default().push(op);
        files.insert(api_dir(&op.op.resource).join(format!("{}.rs", op.op.method)), op_file(cx, op));
    }
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (resource, ops) in &by_resource {
        files.insert(api_dir(resource).join("mod.rs"), facade(cx, resource, ops));
        if let Some((group, _)) = resource.split_once('.') {
            groups.entry(group).or_default().push(resource);
        }
    }
    for (group, resources) in &groups {
        files.insert(PathBuf::from(format!("src/api/{group}/mod.rs")), group_facade(cx, group, resources));
    }
    files.insert(
        PathBuf::from("src/api/compute.rs"),
        client_facade(&groups, by_resource.contains_key("share_links"), sdk_version),
    );
    files.insert(PathBuf::from("tests/compute/operations.rs"), table(&ops));
    Ok(files)
}

fn api_dir(resource: &str) -> PathBuf {
    let mut dir = PathBuf::from("src/api");
    for part in resource.split('.') {
        dir.push(part);
    }
    dir
}

fn noun(cx: &Context<'_>, op: &Operation) -> String {
    cx.overrides.nouns.get(&op.resource).cloned().unwrap_or_else(|| op.resource.replace('_', " "))
}

/// What an operation does, in one sentence.
fn summary(cx: &Context<'_>, op: &Operation) -> String {
    let noun = noun(cx, op);
    match op.method.as_str() {
        "start" => format!("start a {noun}"),
        "retrieve" => format!("fetch a {noun} by ID"),
        "list" => format!("list {noun}s, one page at a time"),
        "list_results" => {
            format!("list the results of a {noun}, one page at a time; they appear while it runs")
        }
        "delete_data" => format!("delete the input and output data of a {noun}"),
        "estimate_cost" => format!("estimate what starting a {noun} would cost, without starting it"),
        "stop" => format!("stop a {noun}; results so far are kept"),
        "resume" => format!("resume a stopped {noun}"),
        "list_curated_specifications" => "list Boltz's curated binder specifications".to_owned(),
        "create" => format!("create a {noun} to pipelines or predictions"),
        "archive" => format!("archive a {noun}, so it no longer opens"),
        "read" => "read what a share link shares, by its ID".to_owned(),
        "list_pipeline_results" => {
            "list the results of a pipeline shared by a share link, one page at a time".to_owned()
        }
        other => other.replace('_', " "),
    }
}

fn idempotency(op: &Operation) -> (&'static str, &'static str) {
    match (op.http_method.as_str(), op.method.as_str()) {
        ("GET", _) => ("Safe", "A read, retried after failures."),
        (_, "start" | "estimate_cost") => (
            "Idempotent",
            "Carries an idempotency key (the caller's, or one made per call), so every retry of \
             a call is recognised by the server and it is retried like a read.",
        ),
        (_, "create") => (
            "NonIdempotent",
            "Not replayed once it may have been processed: a replay could create a second link.",
        ),
        _ => {
            ("Idempotent", "Idempotent: doing it twice leaves the same state, so it is retried like a read.")
        }
    }
}

/// The Rust type of an operation's response, paged or not.
fn response_type(imports: &mut Imports<'_>, op: &Op<'_>) -> String {
    let item = imports.ty(&op.response);
    if op.op.paginated {
        let page = imports.item("crate::pagination::CursorPage");
        format!("{page}<{item}>")
    } else {
        item
    }
}

/// `["/compute/v1/x/", &id, "/stop"].concat()` for a path template.
fn path_expr(op: &Operation) -> String {
    let mut parts = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        parts.push(format!("\"{}\"", &rest[..open]));
        parts.push(format!("&{}", &rest[open + 1..close]));
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        parts.push(format!("\"{rest}\""));
    }
    format!("[{}].concat()", parts.join(", "))
}

fn path_params(op: &Operation) -> Vec<(String, String)> {
    op.path_params.iter().map(|p| (p.clone(), field_ident(p))).collect()
}

fn meta(op: &Op<'_>) -> String {
    let (class, _) = idempotency(op.op);
    format!(
        "    const META: EndpointMeta = EndpointMeta {{\n        method: Method::{},\n        operation: \"{}.{}\",\n        path_template: \"{}\",\n        idempotency: Idempotency::{class},\n    }};\n",
        op.op.http_method, op.op.resource, op.op.method, op.op.path
    )
}

fn path_fn(op: &Op<'_>) -> String {
    if op.op.path_params.is_empty() {
        return String::new();
    }
    let mut out = "\n    fn path(&self) -> Result<String, BuildError> {\n".to_owned();
    for (name, ident) in path_params(op.op) {
        out.push_str(&format!("        let {name} = path_segment(\"{name}\", &self.{ident})?;\n"));
    }
    out.push_str(&format!("        Ok({})\n    }}\n", path_expr(op.op)));
    out
}

fn op_doc(cx: &Context<'_>, op: &Op<'_>) -> String {
    let (_, retry) = idempotency(op.op);
    let text = format!("`{} {}`: {}.\n\n{retry}", op.op.http_method, op.op.path, summary(cx, op.op));
    super::rust::wrapped(&text, "")
}

fn op_file(cx: &Context<'_>, op: &Op<'_>) -> String {
    let module = vec!["__operation".to_owned()];
    let mut imports = Imports::new(&module, cx.names, [op.name.clone()]);
    imports.item("http::Method");
    imports.item("crate::endpoint::EndpointMeta");
    imports.item("crate::endpoint::Endpoint");
    imports.item("crate::endpoint::Idempotency");
    if !op.op.path_params.is_empty() {
        imports.item("crate::endpoint::path_segment");
    }
    let response = response_type(&mut imports, op);
    let name = &op.name;
    let docs = op_doc(cx, op);
    let mut body = String::new();
    let mut endpoint_fns = path_fn(op);
    let key = if op.op.method == "start" || op.op.method == "estimate_cost" {
        "json_body_with_idempotency_key"
    } else {
        "json_body"
    };
    match &op.params {
        Params::Body(id) => {
            body.push_str(&request_struct_as(cx, &mut imports, *id, name, &docs));
            let f = imports.item(&format!("crate::endpoint::{key}"));
            endpoint_fns.push_str(&format!(
                "\n    fn body(&self) -> Result<Option<Bytes>, BuildError> {{\n        {f}(self)\n    }}\n"
            ));
        }
        Params::BodyUnion(ty) => {
            let inner = imports.ty(ty);
            let (serialize, deserialize) =
                (imports.item("serde::Serialize"), imports.item("serde::Deserialize"));
            body.push_str(&format!(
                "{docs}#[derive(Debug, Clone, PartialEq, {serialize}, {deserialize})]\n#[serde(transparent)]\npub struct {name}({inner});\n\nimpl {name} {{\n    /// The request for one kind of run.\n    pub fn new(run: impl Into<{inner}>) -> Self {{\n        Self(run.into())\n    }}\n}}\n\n"
            ));
            let f = imports.item(&format!("crate::endpoint::{key}"));
            endpoint_fns.push_str(&format!(
                "\n    fn body(&self) -> Result<Option<Bytes>, BuildError> {{\n        {f}(&self.0)\n    }}\n"
            ));
        }
        Params::Reuses(start, file, _) => {
            imports.item(&format!("super::{file}::{start}"));
            let (serialize, deserialize) =
                (imports.item("serde::Serialize"), imports.item("serde::Deserialize"));
            body.push_str(&format!(
                "{docs}///\n/// It takes the same request as [`{start}`], and reads and writes as it.\n#[derive(Debug, Clone, PartialEq, {serialize}, {deserialize})]\n#[serde(transparent)]\npub struct {name}({start});\n\nimpl {name} {{\n    /// The estimate for what `request` would cost.\n    pub fn new(request: {start}) -> Self {{\n        Self(request)\n    }}\n}}\n\n"
            ));
            let f = imports.item(&format!("crate::endpoint::{key}"));
            endpoint_fns.push_str(&format!(
                "\n    fn body(&self) -> Result<Option<Bytes>, BuildError> {{\n        {f}(&self.0)\n    }}\n"
            ));
        }
        Params::Query(id) => {
            let (text, query_fn) = query_struct(cx, &mut imports, op, *id, &docs);
            body.push_str(&text);
            endpoint_fns.push_str(&query_fn);
        }
        Params::None => body.push_str(&path_struct(&mut imports, op, &docs)),
    }
    if endpoint_fns.contains("Bytes") {
        imports.item("bytes::Bytes");
    }
    if endpoint_fns.contains("BuildError") {
        imports.item("crate::error::BuildError");
    }
    let secret = if op.op.resource == "share_links" && matches!(op.op.method.as_str(), "create" | "retrieve")
    {
        "\n    // The link's ID is its bearer secret: decode errors must not quote the body.\n    const SECRET_RESPONSE: bool = true;\n"
    } else {
        ""
    };
    body.push_str(&format!(
        "impl Endpoint for {name} {{\n    type Response = {response};\n\n{}{endpoint_fns}{secret}}}\n",
        meta(op)
    ));
    if op.op.paginated {
        let item = imports.ty(&op.response);
        let noun = if op.op.method == "list" { "run".to_owned() } else { "result".to_owned() };
        body.push_str(&format!("\ncursor_list!({name}, {item}, \"{noun}\");\n"));
    }
    body.push_str(&tests(cx, op));
    format!("{HEADER}\n\n{}{body}", imports.render())
}

/// A request with only path parameters.
fn path_struct(imports: &mut Imports<'_>, op: &Op<'_>, docs: &str) -> String {
    let params = path_params(op.op);
    let name = &op.name;
    let (serialize, deserialize) = (imports.item("serde::Serialize"), imports.item("serde::Deserialize"));
    let fields: String = params.iter().map(|(_, ident)| format!("    {ident}: String,\n")).collect();
    let args: Vec<String> = params.iter().map(|(_, ident)| format!("{ident}: impl Into<String>")).collect();
    let inits: Vec<String> = params.iter().map(|(_, ident)| format!("{ident}: {ident}.into()")).collect();
    format!(
        "{docs}#[derive(Debug, Clone, PartialEq, Eq, {serialize}, {deserialize})]\npub struct {name} {{\n{fields}}}\n\nimpl {name} {{\n    /// For the {} with this ID.\n    pub fn new({}) -> Self {{\n        Self {{ {} }}\n    }}\n}}\n\n",
        if params.len() > 1 { "pipeline of the share link" } else { "one" },
        args.join(", "),
        inits.join(", ")
    )
}

const CURSOR: [&str; 3] = ["after_id", "before_id", "limit"];

/// A request with query parameters (and maybe path parameters), and its `query` function.
fn query_struct(
    cx: &Context<'_>,
    imports: &mut Imports<'_>,
    op: &Op<'_>,
    id: ShapeId,
    docs: &str,
) -> (String, String) {
    let shape = &cx.model.shapes[id];
    let name = &op.name;
    let paged = op.op.paginated;
    let mut fields = String::new();
    let mut args = Vec::new();
    let mut inits = Vec::new();
    let mut setters = String::new();
    let mut query = String::from(
        "\n    fn query(&self) -> Option<String> {\n        let mut query = form_urlencoded::Serializer::new(String::new());\n",
    );
    let (serialize, deserialize) = (imports.item("serde::Serialize"), imports.item("serde::Deserialize"));
    if paged {
        let cursor = imports.item("crate::pagination::CursorParams");
        fields.push_str(&format!("    #[serde(flatten)]\n    cursor: {cursor},\n"));
        inits.push("cursor: CursorParams::default()".to_owned());
        query.push_str("        self.cursor.append_to(&mut query);\n");
    }
    for (param, ident) in path_params(op.op) {
        fields.push_str(&format!("    {ident}: String,\n"));
        args.push(format!("{ident}: impl Into<String>"));
        inits.push(format!("{ident}: {ident}.into()"));
        let _ = param;
    }
    for field in shape.fields.iter().filter(|f| !(paged && CURSOR.contains(&f.name.as_str()))) {
        let ident = field_ident(&field.name);
        if ident != field.name && !ident.starts_with("r#") {
            fields.push_str(&format!("    #[serde(rename = \"{}\")]\n", field.name));
        }
        let ty = imports.ty(&field.ty);
        let text = |v: &str| match &field.ty {
            Type::Enum(_) => format!("{v}.as_str()"),
            Type::String => v.to_owned(),
            _ => format!("&{v}.to_string()"),
        };
        if field.required {
            fields.push_str(&format!("    {ident}: {ty},\n"));
            let (param, store) = argument(imports, &field.ty, &ident);
            args.push(format!("{ident}: {param}"));
            inits.push(if store == ident { ident.clone() } else { format!("{ident}: {store}") });
            query.push_str(&format!(
                "        query.append_pair(\"{}\", {});\n",
                field.name,
                text(&format!("self.{ident}"))
            ));
        } else {
            fields.push_str(&format!(
                "    #[serde(default, skip_serializing_if = \"Option::is_none\")]\n    {ident}: Option<{ty}>,\n"
            ));
            inits.push(format!("{ident}: None"));
            query.push_str(&format!("        if let Some(value) = &self.{ident} {{\n            query.append_pair(\"{}\", {});\n        }}\n", field.name, text("value")));
            setters.push('\n');
            setters.push_str(&field_doc(cx, field));
            if field.name == "ids" {
                // Comma-separated on the wire; a list in Rust.
                setters.push_str(
                    "    pub fn ids(mut self, ids: impl IntoIterator<Item = impl AsRef<str>>) -> Self {\n        self.ids = Some(ids.into_iter().map(|id| id.as_ref().to_owned()).collect::<Vec<_>>().join(\",\"));\n        self\n    }\n",
                );
            } else {
                let (param, store) = argument(imports, &field.ty, "value");
                setters.push_str(&format!("    pub fn {}(mut self, value: {param}) -> Self {{\n        self.{ident} = Some({store});\n        self\n    }}\n", ident.trim_start_matches("r#")));
            }
        }
    }
    query.push_str("        Some(query.finish())\n    }\n");
    let new_doc = if args.is_empty() {
        "The first page, with the defaults.".to_owned()
    } else {
        "With the required parameters.".to_owned()
    };
    let from_id = if by_id(cx, op) {
        format!(
            "impl From<&str> for {name} {{\n    fn from(id: &str) -> Self {{\n        Self::new(id)\n    }}\n}}\n\nimpl From<String> for {name} {{\n    fn from(id: String) -> Self {{\n        Self::new(id)\n    }}\n}}\n\n"
        )
    } else {
        String::new()
    };
    let text = format!(
        "{docs}#[derive(Debug, Clone, PartialEq, {serialize}, {deserialize})]\npub struct {name} {{\n{fields}}}\n\nimpl {name} {{\n    /// {new_doc}\n    pub fn new({}) -> Self {{\n        Self {{ {} }}\n    }}\n{setters}}}\n\n{}",
        args.join(", "),
        inits.join(", "),
        if args.is_empty() {
            format!(
                "impl Default for {name} {{\n    fn default() -> Self {{\n        Self::new()\n    }}\n}}\n\n"
            )
        } else {
            from_id
        }
    );
    (text, query)
}

/// A sample request, as a Rust expression built with the generated builders and the JSON it
/// must serialise to. `key`: set an idempotency key on the outermost struct that has one.
fn sample(cx: &Context<'_>, ty: &Type, key: bool) -> (String, Value) {
    match ty {
        Type::String | Type::Const(_) => ("\"x\"".to_owned(), json!("x")),
        Type::Integer => ("1".to_owned(), json!(1)),
        Type::Number => ("0.5".to_owned(), json!(0.5)),
        Type::Boolean | Type::ConstTrue => ("true".to_owned(), json!(true)),
        Type::Any => ("serde_json::json!({})".to_owned(), json!({})),
        Type::DateTime => (
            "\"2026-01-02T03:04:05Z\".parse::<chrono::DateTime<chrono::Utc>>().unwrap()".to_owned(),
            json!("2026-01-02T03:04:05Z"),
        ),
        Type::Enum(id) => {
            let place = &cx.names.enums[*id];
            let value = &cx.model.enums[*id].values[0];
            let path = format!("crate::models::{}::{}", place.module.join("::"), place.name);
            (format!("{path}::{}", super::rust::variant_ident(value)), json!(value))
        }
        Type::Array(inner) => {
            let (expr, value) = sample(cx, inner, false);
            let expr = if matches!(inner.as_ref(), Type::Integer | Type::Number) {
                format!("vec![{expr}]")
            } else {
                format!("[{expr}]")
            };
            (expr, json!([value]))
        }
        Type::Map(inner) => {
            let (expr, value) = sample(cx, inner, false);
            let expr = if matches!(inner.as_ref(), Type::Union(_)) { format!("{expr}.into()") } else { expr };
            (format!("std::collections::BTreeMap::from([(\"A\".to_owned(), {expr})])"), json!({ "A": value }))
        }
        Type::Union(id) => {
            let (_, arm) = variants(cx, *id)
                .into_iter()
                .find(|(_, t)| !matches!(t, Type::Const(_)))
                .expect("a non-constant arm");
            sample(cx, &arm, key)
        }
        Type::Struct(id) => sample_struct(cx, *id, None, key),
    }
}

/// A sample of a request struct: `new` with sample values, and its constants in the JSON.
fn sample_struct(cx: &Context<'_>, id: ShapeId, name: Option<&str>, key: bool) -> (String, Value) {
    let shape = &cx.model.shapes[id];
    let place = &cx.names.shapes[id];
    let path = name
        .map_or_else(|| format!("crate::models::{}::{}", place.module.join("::"), place.name), str::to_owned);
    let mut args = Vec::new();
    let mut object = serde_json::Map::new();
    for field in shape.fields.iter().filter(|f| f.required) {
        let (expr, value) = match &field.ty {
            Type::Const(value) => (None, json!(value)),
            ty => {
                let (expr, value) = sample(cx, ty, false);
                (Some(expr), value)
            }
        };
        args.extend(expr);
        object.insert(field.name.clone(), value);
    }
    let mut expr = format!("{path}::new({})", args.join(", "));
    if key && shape.fields.iter().any(|f| f.name == "idempotency_key") {
        expr.push_str(".idempotency_key(\"key_1\")");
        object.insert("idempotency_key".to_owned(), json!("key_1"));
    }
    (expr, Value::Object(object))
}

fn tests(cx: &Context<'_>, op: &Op<'_>) -> String {
    let name = &op.name;
    let ids: Vec<String> = op.op.path_params.iter().map(|_| "\"a/b c\"".to_owned()).collect();
    let encoded = op
        .op
        .path
        .replace(&format!("{{{}}}", op.op.path_params.first().map_or("", String::as_str)), "a%2Fb%20c");
    let encoded = op
        .op
        .path_params
        .iter()
        .skip(1)
        .fold(encoded, |p, param| p.replace(&format!("{{{param}}}"), "a%2Fb%20c"));
    let (construct, body, query) = match &op.params {
        Params::None => (format!("{name}::new({})", ids.join(", ")), None, None),
        Params::Query(id) => {
            let shape = &cx.model.shapes[*id];
            let mut args = ids.clone();
            let mut chained = String::new();
            let mut pairs = Vec::new();
            for field in &shape.fields {
                let (expr, value) = sample(cx, &field.ty, false);
                let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                if field.required {
                    args.push(expr);
                } else if field.name == "ids" {
                    chained.push_str(".ids([\"r1\", \"r2\"])");
                    pairs.push(("ids".to_owned(), "r1%2Cr2".to_owned()));
                    continue;
                } else {
                    chained
                        .push_str(&format!(".{}({expr})", field_ident(&field.name).trim_start_matches("r#")));
                }
                pairs.push((field.name.clone(), text));
            }
            // The cursor comes first, then the other parameters in the order they are declared.
            pairs.sort_by_key(|(k, _)| !CURSOR.contains(&k.as_str()));
            let query = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
            (format!("{name}::new({}){chained}", args.join(", ")), None, Some(query))
        }
        Params::Body(id) => {
            let (expr, value) = sample_struct(cx, *id, Some(name), true);
            (expr, Some(value), None)
        }
        Params::BodyUnion(ty) => {
            let (expr, value) = sample(cx, ty, true);
            (format!("{name}::new({expr})"), Some(value), None)
        }
        Params::Reuses(start, _, ty) => {
            let (expr, value) = match ty {
                Type::Struct(id) => sample_struct(cx, *id, Some(start), true),
                other => {
                    let (expr, value) = sample(cx, other, true);
                    (format!("{start}::new({expr})"), value)
                }
            };
            (format!("{name}::new({expr})"), Some(value), None)
        }
    };
    let body_check = match &body {
        Some(value) => format!(
            "        let body: serde_json::Value = serde_json::from_str(&crate::endpoint::body_text(&request)).unwrap();\n        assert_eq!(body, serde_json::json!({value}));\n"
        ),
        None => "        assert!(request.body().unwrap().is_none());\n".to_owned(),
    };
    let query_check = match query {
        Some(q) => format!("        assert_eq!(request.query().as_deref(), Some(\"{q}\"));\n"),
        None => "        assert_eq!(request.query(), None);\n".to_owned(),
    };
    let bad_ids = if op.op.path_params.is_empty() {
        String::new()
    } else {
        let mut args: Vec<String> = vec!["\"\"".to_owned()];
        args.extend(op.op.path_params.iter().skip(1).map(|_| "\"x\"".to_owned()));
        let bad = construct.replacen(
            &format!("{name}::new({})", ids.join(", ")),
            &format!("{name}::new({})", args.join(", ")),
            1,
        );
        format!("        assert!({bad}.path().is_err(), \"an empty ID is refused\");\n")
    };
    format!(
        "\n#[cfg(test)]\nmod tests {{\n    use super::*;\n\n    #[test]\n    fn request_shape() {{\n        let request = {construct};\n        assert_eq!({name}::META.method, Method::{});\n        assert_eq!(request.path().unwrap(), \"{encoded}\");\n{query_check}{body_check}{bad_ids}    }}\n}}\n",
        op.op.http_method
    )
}

/// Whether a query request is made from one ID alone, so that the facade also takes the ID.
fn by_id(cx: &Context<'_>, op: &Op<'_>) -> bool {
    match &op.params {
        Params::Query(id) => {
            op.op.path_params.len() == 1 && cx.model.shapes[*id].fields.iter().all(|f| !f.required)
        }
        _ => false,
    }
}

fn facade_type(resource: &str) -> String {
    camel(resource.rsplit('.').next().unwrap_or(resource))
}

fn facade(cx: &Context<'_>, resource: &str, ops: &[&Op<'_>]) -> String {
    let ty = facade_type(resource);
    let noun = ops.first().map_or_else(String::new, |op| noun(cx, op.op));
    let example = ops.iter().find(|op| op.op.method == "retrieve").map_or_else(String::new, |op| {
        let call = format!("client.{}().retrieve(\"id_123\")", resource.replace('.', "()."));
        let _ = op;
        format!("//!\n//! ```no_run\n//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {{\n//! let job = {call}.await?;\n//! println!(\"{{}}\", job.id);\n//! # Ok(()) }}\n//! ```\n")
    });
    let mut out = format!("{HEADER}\n//! The {noun} operations (`{resource}`).\n{example}\n");
    for op in ops {
        out.push_str(&format!("mod {};\n", op.op.method));
    }
    out.push('\n');
    for op in ops {
        out.push_str(&format!("pub use {}::{};\n", op.op.method, op.name));
    }
    out.push_str(&format!(
        "\nuse crate::client::{{Call, Client}};\n\n/// Facade over the {noun} operations, like `client.{resource}` in the official SDKs.\n#[derive(Debug, Clone, Copy)]\npub struct {ty}<'a> {{\n    client: &'a Client,\n}}\n\nimpl<'a> {ty}<'a> {{\n    pub(crate) fn new(client: &'a Client) -> Self {{\n        Self {{ client }}\n    }}\n"
    ));
    for op in ops {
        let summary = summary(cx, op.op);
        let first = summary.chars().next().map_or(String::new(), |c| c.to_uppercase().collect::<String>())
            + &summary[1..];
        let name = &op.name;
        let (params, build) = match &op.params {
            Params::None => {
                let ids = path_params(op.op);
                (
                    ids.iter().map(|(_, i)| format!("{i}: impl Into<String>")).collect::<Vec<_>>().join(", "),
                    format!(
                        "{name}::new({})",
                        ids.iter().map(|(_, i)| i.clone()).collect::<Vec<_>>().join(", ")
                    ),
                )
            }
            Params::Reuses(start, _, _) => (format!("request: {start}"), format!("{name}::new(request)")),
            _ if by_id(cx, op) => (format!("request: impl Into<{name}>"), "request.into()".to_owned()),
            _ => (format!("request: {name}"), "request".to_owned()),
        };
        let paged = if op.op.paginated { "; `.stream()` on the result gives every item" } else { "" };
        out.push_str(&format!(
            "\n    /// {first}{paged}.\n    pub fn {}(&self, {params}) -> Call<'a, {name}> {{\n        self.client.send({build})\n    }}\n",
            op.op.method
        ));
    }
    out.push_str("}\n");
    out
}

fn group_facade(cx: &Context<'_>, group: &str, resources: &[&str]) -> String {
    let ty = camel(group);
    let mut out = format!("{HEADER}\n//! The `{group}` operations, by resource.\n\n");
    for resource in resources {
        out.push_str(&format!("pub mod {};\n", resource.rsplit('.').next().unwrap_or(resource)));
    }
    out.push_str(&format!(
        "\nuse crate::client::Client;\n\n/// Facade over the `{group}` resources, like `client.{group}` in the official SDKs.\n#[derive(Debug, Clone, Copy)]\npub struct {ty}<'a> {{\n    client: &'a Client,\n}}\n\nimpl<'a> {ty}<'a> {{\n    pub(crate) fn new(client: &'a Client) -> Self {{\n        Self {{ client }}\n    }}\n"
    ));
    for resource in resources {
        let module = resource.rsplit('.').next().unwrap_or(resource);
        let noun = cx.overrides.nouns.get(*resource).cloned().unwrap_or_default();
        out.push_str(&format!(
            "\n    /// The {noun} operations.\n    pub fn {module}(&self) -> {module}::{}<'a> {{\n        {module}::{}::new(self.client)\n    }}\n",
            facade_type(resource),
            facade_type(resource)
        ));
    }
    out.push_str("}\n");
    out
}

fn client_facade(groups: &BTreeMap<&str, Vec<&str>>, share_links: bool, sdk_version: &str) -> String {
    let mut out = format!(
        "{HEADER}\n//! The compute-plane facades on [`Client`], typed from the official Python SDK {sdk_version}.\n\nuse crate::client::Client;\n\nimpl Client {{\n"
    );
    for group in groups.keys() {
        out.push_str(&format!(
            "    /// The `{group}` operations.\n    pub fn {group}(&self) -> super::{group}::{}<'_> {{\n        super::{group}::{}::new(self)\n    }}\n\n",
            camel(group),
            camel(group)
        ));
    }
    if share_links {
        out.push_str("    /// Share links: read-only access to pipelines and predictions.\n    pub fn share_links(&self) -> super::share_links::ShareLinks<'_> {\n        super::share_links::ShareLinks::new(self)\n    }\n");
    }
    out.push_str("}\n");
    out
}

/// The README's table of operations, between its `compute-operations` markers.
pub(crate) fn readme(cx: &Context<'_>, operations: &[Operation], readme: &str) -> Result<String, String> {
    const START: &str = "<!-- compute-operations: generated by boltz-api-codegen -->\n";
    const END: &str = "<!-- /compute-operations -->";
    let (before, rest) = readme.split_once(START).ok_or("README.md: no compute-operations marker")?;
    let (_, after) = rest.split_once(END).ok_or("README.md: no end of the compute-operations table")?;
    let mut table = String::from("| operation | Rust | official Python / Go |\n|---|---|---|\n");
    for op in ops(cx, operations)? {
        let facade = format!("client.{}()", op.op.resource.replace('.', "()."));
        let args = match &op.params {
            Params::None => op.op.path_params.join(", "),
            Params::Reuses(start, _, _) => format!("{start}::new(..)"),
            Params::Query(id)
                if op.op.path_params.is_empty()
                    && cx.model.shapes[*id].fields.iter().all(|f| !f.required) =>
            {
                format!("{}::new()", op.name)
            }
            _ if by_id(cx, &op) => op.op.path_params.join(", "),
            _ => format!("{}::new(..)", op.name),
        };
        let stream = if op.op.paginated { " (`.stream()`)" } else { "" };
        table.push_str(&format!(
            "| `{} {}` | `{facade}.{}({args})`{stream} | `{}.{}` / `{}` |\n",
            op.op.http_method, op.op.path, op.op.method, op.op.resource, op.op.method, op.op.go
        ));
    }
    Ok(format!("{before}{START}{table}{END}{after}"))
}

/// The table `tests/compute_plane.rs` checks against the snapshot.
fn table(ops: &[Op<'_>]) -> String {
    let mut out = format!(
        "{HEADER}\n//! Every compute-plane operation's typed request, for the coverage, decoding and round-trip\n//! tests.\n\nuse std::fmt::Debug;\n\nuse boltz_api::endpoint::Endpoint;\nuse boltz_api::pagination::Paginated;\nuse serde::Serialize;\nuse serde::de::DeserializeOwned;\n\n/// Decode JSON, write it back: what was written, and how the typed value reads in `Debug`.\npub(crate) type RoundTrip = fn(&str) -> Result<(serde_json::Value, String), String>;\n\n/// One typed operation.\npub(crate) struct Operation {{\n    pub(crate) name: &'static str,\n    pub(crate) method: http::Method,\n    pub(crate) path: &'static str,\n    pub(crate) paginated: bool,\n    /// A response (for a paginated operation, one item).\n    pub(crate) response: RoundTrip,\n    /// The request, for an operation with a JSON body.\n    pub(crate) request: Option<RoundTrip>,\n}}\n\nfn round_trip<T: DeserializeOwned + Serialize + Debug>(json: &str) -> Result<(serde_json::Value, String), String> {{\n    let value: T = serde_json::from_str(json).map_err(|e| e.to_string())?;\n    Ok((serde_json::to_value(&value).map_err(|e| e.to_string())?, format!(\"{{value:?}}\")))\n}}\n\nfn response<E: Endpoint>(json: &str) -> Result<(serde_json::Value, String), String>\nwhere\n    E::Response: Serialize + Debug,\n{{\n    round_trip::<E::Response>(json)\n}}\n\nfn item<E: Paginated>(json: &str) -> Result<(serde_json::Value, String), String>\nwhere\n    E::Item: Serialize + Debug,\n{{\n    round_trip::<E::Item>(json)\n}}\n\n/// Every operation, by name.\npub(crate) fn operations() -> Vec<Operation> {{\n    vec![\n"
    );
    for op in ops {
        let path = format!("boltz_api::api::{}::{}", op.op.resource.replace('.', "::"), op.name);
        let decode = if op.op.paginated { format!("item::<{path}>") } else { format!("response::<{path}>") };
        let request = match op.params {
            Params::Body(_) | Params::BodyUnion(_) | Params::Reuses(..) => {
                format!("Some(round_trip::<{path}>)")
            }
            Params::None | Params::Query(_) => "None".to_owned(),
        };
        out.push_str(&format!(
            "        Operation {{ name: \"{}.{}\", method: <{path} as Endpoint>::META.method, path: <{path} as Endpoint>::META.path_template, paginated: {}, response: {decode}, request: {request} }},\n",
            op.op.resource, op.op.method, op.op.paginated
        ));
    }
    out.push_str("    ]\n}\n");
    out
}
