//! The model files: structs, open enums and unions, one file per module.

use std::collections::{BTreeMap, BTreeSet};

use super::rust::{Imports, doc, field_ident, variant_ident};
use super::{Context, HEADER};
use crate::naming::camel;
use crate::shapes::{Field, ShapeId, Side, Type};
use crate::unions::Decision;

/// Every model module's file text, by module path.
pub(crate) fn files(cx: &Context<'_>) -> BTreeMap<Vec<String>, String> {
    let mut modules: BTreeMap<Vec<String>, Items> = BTreeMap::new();
    for (id, place) in cx.names.shapes.iter().enumerate() {
        if cx.emitted_shape(id) {
            modules.entry(place.module.clone()).or_default().shapes.push(id);
        }
    }
    for (id, place) in cx.names.unions.iter().enumerate() {
        modules.entry(place.module.clone()).or_default().unions.push(id);
    }
    for (id, place) in cx.names.enums.iter().enumerate() {
        if cx.emitted_enum(id) {
            modules.entry(place.module.clone()).or_default().enums.push(id);
        }
    }
    // Parents of every module, so that each is declared by the one above it.
    let paths: Vec<Vec<String>> = modules.keys().cloned().collect();
    for path in paths {
        for depth in 1..path.len() {
            modules.entry(path[..depth].to_vec()).or_default();
        }
    }
    let children: BTreeMap<Vec<String>, BTreeSet<String>> =
        modules.keys().filter(|m| m.len() > 1).fold(BTreeMap::new(), |mut acc, m| {
            acc.entry(m[..m.len() - 1].to_vec()).or_default().insert(m[m.len() - 1].clone());
            acc
        });
    modules
        .iter()
        .map(|(module, items)| (module.clone(), file(cx, module, items, children.get(module))))
        .collect()
}

#[derive(Default)]
struct Items {
    shapes: Vec<ShapeId>,
    unions: Vec<usize>,
    enums: Vec<usize>,
}

fn file(cx: &Context<'_>, module: &[String], items: &Items, children: Option<&BTreeSet<String>>) -> String {
    let local = items
        .shapes
        .iter()
        .map(|&id| cx.names.shapes[id].name.clone())
        .chain(items.unions.iter().map(|&id| cx.names.unions[id].name.clone()))
        .chain(items.enums.iter().map(|&id| cx.names.enums[id].name.clone()));
    let mut imports = Imports::new(module, cx.names, local).reexporting();
    let mut body = String::new();
    for &id in &items.enums {
        body.push_str(&open_enum(cx, id));
    }
    for &id in &items.shapes {
        body.push_str(&match cx.model.shapes[id].side {
            Side::Response => response_struct(cx, &mut imports, id),
            Side::Request => request_struct(cx, &mut imports, id),
        });
    }
    for &id in &items.unions {
        body.push_str(&match cx.model.unions[id].side {
            Side::Response => response_union(cx, &mut imports, id),
            Side::Request => request_union(cx, &mut imports, id),
        });
    }
    let what = match module.last().map(String::as_str) {
        Some("params") => "Request types",
        _ => "Response types",
    };
    let scope = module.iter().filter(|m| *m != "params").cloned().collect::<Vec<_>>().join(".");
    let mut out = format!("{HEADER}\n//! {what} of `{scope}`.\n");
    if module == ["common"] || module == ["common", "params"] {
        out = format!("{HEADER}\n//! {what} shared by the compute-plane families.\n");
    }
    out.push('\n');
    for child in children.into_iter().flatten() {
        out.push_str(&format!("pub mod {child};\n"));
    }
    if children.is_some() {
        out.push('\n');
    }
    out.push_str(&imports.render());
    out.push_str(&body);
    out
}

/// The doc comment of a type: its description, else where it is used (a link, not escaped).
fn type_doc(description: Option<&str>, fallback: String) -> String {
    match description {
        Some(text) => doc(text, ""),
        None => format!("/// {fallback}\n"),
    }
}

/// Where a type is used: a field of another type, or an operation's parameters or response.
fn site_field(
    cx: &Context<'_>,
    here: &[String],
    sites: &BTreeSet<crate::shapes::Site>,
    resources: &BTreeSet<String>,
) -> String {
    if let Some(site) = sites.iter().find(|s| s.parent.is_some()) {
        let parent = site.parent.expect("a parent");
        let place = &cx.names.shapes[parent];
        // A full path when the parent is in another module. An operation's own request type
        // is emitted with the operation, so it is named without a link.
        if cx.op_structs.contains(&parent) {
            return format!("`{}` of `{}`", site.field, place.name);
        }
        if place.module == here {
            return format!("`{}` of [`{}`]", site.field, place.name);
        }
        return format!(
            "`{}` of [`{}`](crate::models::{}::{})",
            site.field,
            place.name,
            place.module.join("::"),
            place.name
        );
    }
    let resource = resources.iter().find(|r| *r != "share_links").or(resources.iter().next());
    let method = sites.iter().next().map_or("", |s| s.field.as_str());
    format!("`{}.{method}`", resource.map_or("", String::as_str))
}

fn open_enum(cx: &Context<'_>, id: usize) -> String {
    let e = &cx.model.enums[id];
    let name = &cx.names.enums[id].name;
    let mut out = String::from("open_enum! {\n");
    out.push_str(
        &type_doc(
            None,
            format!("The values of {}.", site_field(cx, &cx.names.enums[id].module, &e.sites, &e.resources)),
        )
        .replace("///", "    ///"),
    );
    out.push_str(&format!("    pub enum {name} {{\n"));
    for value in &e.values {
        out.push_str(&format!("        /// `{value}`\n        {} = \"{value}\",\n", variant_ident(value)));
    }
    out.push_str("    }\n}\n\n");
    out
}

pub(crate) fn field_doc(cx: &Context<'_>, field: &Field) -> String {
    match (&field.description, cx.overrides.docs.get(&field.name)) {
        (Some(text), _) | (None, Some(text)) => doc(text, "    "),
        (None, None) => format!("    /// `{}`.\n", field.name),
    }
}

/// Amounts of money, sent as decimal strings: read as [`Usd`](crate::models::Usd).
fn money(field: &Field) -> bool {
    field.name.ends_with("_usd") && field.ty == Type::String
}

/// `#[model(...)]` for a field whose Rust name is not its wire name, and any other settings.
fn model_attr(field: &Field, ident: &str, more: &[String]) -> String {
    let mut settings: Vec<String> = Vec::new();
    if ident != field.name && !ident.starts_with("r#") {
        settings.push(format!("rename = \"{}\"", field.name));
    }
    settings.extend(more.iter().cloned());
    if settings.is_empty() { String::new() } else { format!("    #[model({})]\n", settings.join(", ")) }
}

const EXTRA_DOC: &str = "    /// Fields this version of the crate does not know, kept as they came.\n";

fn response_struct(cx: &Context<'_>, imports: &mut Imports<'_>, id: ShapeId) -> String {
    let shape = &cx.model.shapes[id];
    let name = &cx.names.shapes[id].name;
    let model = imports.item("crate::models::Model");
    let extra = imports.item("crate::models::Extra");
    let mut out = type_doc(shape.description.as_deref(), returned_or_found(cx, id));
    let default = if cx.defaulted.contains(&id) { ", Default" } else { "" };
    out.push_str(&format!(
        "#[derive(Debug, Clone{default}, PartialEq, {model})]\n#[non_exhaustive]\npub struct {name} {{\n"
    ));
    // Constants, union tags included, are plain strings: a new value on the server still decodes.
    for field in &shape.fields {
        out.push_str(&field_doc(cx, field));
        let ident = field_ident(&field.name);
        let optional = field.optional() || cx.nullable(id, &field.name);
        let defaulted = super::stripped(cx.model, shape, field) && !optional;
        out.push_str(&model_attr(
            field,
            &ident,
            &if defaulted { vec!["default".to_owned()] } else { vec![] },
        ));
        let ty = if money(field) { imports.item("crate::models::Usd") } else { imports.ty(&field.ty) };
        if optional {
            out.push_str(&format!("    pub {ident}: Option<{ty}>,\n"));
        } else {
            out.push_str(&format!("    pub {ident}: {ty},\n"));
        }
    }
    out.push_str(&format!("{EXTRA_DOC}    pub extra: {extra},\n}}\n\n"));
    out
}

/// How a request builder takes a value: the parameter type and the expression that stores it.
pub(crate) fn argument(imports: &mut Imports<'_>, ty: &Type, var: &str) -> (String, String) {
    match ty {
        Type::String | Type::Const(_) => ("impl Into<String>".to_owned(), format!("{var}.into()")),
        Type::Array(inner) => match inner.as_ref() {
            Type::String => (
                "impl IntoIterator<Item = impl Into<String>>".to_owned(),
                format!("{var}.into_iter().map(Into::into).collect()"),
            ),
            Type::Union(_) => {
                let item = imports.ty(inner);
                (
                    format!("impl IntoIterator<Item = impl Into<{item}>>"),
                    format!("{var}.into_iter().map(Into::into).collect()"),
                )
            }
            _ => {
                let item = imports.ty(inner);
                (format!("impl IntoIterator<Item = {item}>"), format!("{var}.into_iter().collect()"))
            }
        },
        Type::Union(_) => (format!("impl Into<{}>", imports.ty(ty)), format!("{var}.into()")),
        _ => (imports.ty(ty), var.to_owned()),
    }
}

fn request_struct(cx: &Context<'_>, imports: &mut Imports<'_>, id: ShapeId) -> String {
    let shape = &cx.model.shapes[id];
    let here = &cx.names.shapes[id].module;
    let fallback = format!("As sent in {}.", site_field(cx, here, &shape.sites, &shape.resources));
    request_struct_as(
        cx,
        imports,
        id,
        &cx.names.shapes[id].name,
        &type_doc(shape.description.as_deref(), fallback),
    )
}

/// A request type named `name` with the doc comment `docs`: private fields, `new` with the
/// required ones, a setter for each optional one; constants are filled in.
pub(crate) fn request_struct_as(
    cx: &Context<'_>,
    imports: &mut Imports<'_>,
    id: ShapeId,
    name: &str,
    docs: &str,
) -> String {
    let shape = &cx.model.shapes[id];
    let name = name.to_owned();
    let model = imports.item("crate::models::Model");
    let extra = imports.item("crate::models::Extra");
    let mut out = docs.to_owned();
    out.push_str(&format!("#[derive(Debug, Clone, PartialEq, {model})]\npub struct {name} {{\n"));
    let mut params = Vec::new();
    let mut inits = Vec::new();
    let mut setters = String::new();
    for field in &shape.fields {
        let ident = field_ident(&field.name);
        let settable = cx.overrides.settable.contains(&field.name);
        match &field.ty {
            // A constant the API may widen (a new `model`) starts at the schema's value and can be
            // changed; every other constant (a union's tag, a fixed `media_type`) is fixed.
            Type::Const(value) if settable && field.required => {
                out.push_str(&model_attr(field, &ident, &[]));
                out.push_str(&format!("    {ident}: String,\n"));
                inits.push(format!("{ident}: \"{value}\".to_owned()"));
                setters.push_str(&setter(cx, imports, field, &ident, &format!("Default `{value}`."), false));
                continue;
            }
            Type::Const(value) if field.required => {
                out.push_str(&model_attr(field, &ident, &[format!("constant = \"{value}\"")]));
                out.push_str(&format!("    {ident}: &'static str,\n"));
                inits.push(format!("{ident}: \"{value}\""));
                continue;
            }
            _ => {}
        }
        out.push_str(&model_attr(field, &ident, &[]));
        let ty = imports.ty(&field.ty);
        if field.required {
            out.push_str(&format!("    {ident}: {ty},\n"));
            let (param, store) = argument(imports, &field.ty, &ident);
            params.push(format!("{ident}: {param}"));
            inits.push(if store == ident { ident.clone() } else { format!("{ident}: {store}") });
        } else {
            out.push_str(&format!("    {ident}: Option<{ty}>,\n"));
            inits.push(format!("{ident}: None"));
            setters.push_str(&setter(cx, imports, field, &ident, "", true));
        }
    }
    out.push_str(&format!("{EXTRA_DOC}    extra: {extra},\n"));
    inits.push(format!("extra: {extra}::default()"));
    out.push_str("}\n\n");
    out.push_str(&format!("impl {name} {{\n    /// With its required fields; the optional ones are set with the methods below.\n"));
    if params.len() > 7 {
        out.push_str("    #[allow(clippy::too_many_arguments)] // one per required field of the API\n");
    }
    out.push_str(&format!(
        "    pub fn new({}) -> Self {{\n        Self {{ {} }}\n    }}\n",
        params.join(", "),
        inits.join(", ")
    ));
    out.push_str(&setters);
    out.push_str("}\n\n");
    if params.is_empty() {
        out.push_str(&format!(
            "impl Default for {name} {{\n    fn default() -> Self {{\n        Self::new()\n    }}\n}}\n\n"
        ));
    }
    out
}

fn setter(
    cx: &Context<'_>,
    imports: &mut Imports<'_>,
    field: &Field,
    ident: &str,
    note: &str,
    optional: bool,
) -> String {
    let (param, store) = argument(imports, &field.ty, "value");
    let store = if optional { format!("Some({store})") } else { store };
    let mut out = format!("\n{}", field_doc(cx, field));
    if !note.is_empty() {
        out.push_str(&format!("    ///\n    /// {note}\n"));
    }
    let method = ident.trim_start_matches("r#");
    let method = if method == "new" { "with_new" } else { method };
    out.push_str(&format!("    pub fn {method}(mut self, value: {param}) -> Self {{\n        self.{ident} = {store};\n        self\n    }}\n"));
    out
}

/// The variants of a union: the Rust name and the type of each arm.
pub(crate) fn variants(cx: &Context<'_>, id: usize) -> Vec<(String, Type)> {
    let union = &cx.model.unions[id];
    let decision = cx.decisions.get(&id);
    // A variant reached by one identifier-like tag value is named after it.
    let mut by_tag: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    if let Some(Decision::Tag { cases, .. }) = decision {
        for (value, next) in cases {
            if let Decision::Arm(arm) = next {
                by_tag.entry(*arm).or_default().push(value.clone());
            }
        }
    }
    let mut names: Vec<String> = union
        .arms
        .iter()
        .enumerate()
        .map(|(i, arm)| match (by_tag.get(&i).map(Vec::as_slice), arm) {
            (Some([value]), _)
                if value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
            {
                variant_ident(value)
            }
            (_, Type::Struct(s)) => cx.names.shapes[*s].name.clone(),
            (_, Type::Const(value)) => variant_ident(value),
            (_, Type::Array(_)) => "List".to_owned(),
            (_, other) => format!("{other:?}"),
        })
        .collect();
    // Arms with the same name (job models of several families) take their family's name.
    let counts = names.iter().fold(BTreeMap::new(), |mut acc: BTreeMap<String, usize>, n| {
        *acc.entry(n.clone()).or_default() += 1;
        acc
    });
    for (i, arm) in union.arms.iter().enumerate() {
        if counts[&names[i]] > 1 {
            if let Type::Struct(s) = arm {
                let module = &cx.names.shapes[*s].module;
                names[i] = cx.stem(&module.join(".")).unwrap_or_else(|| camel(&module.join("_")));
            }
        }
    }
    strip_common_suffix(&mut names);
    names.into_iter().zip(union.arms.iter().cloned()).collect()
}

/// A rough size in bytes of a type's Rust value, enough to spot union arms far larger than
/// their siblings (clippy's `large_enum_variant`), which are boxed.
fn size(cx: &Context<'_>, ty: &Type, optional: bool) -> usize {
    let inner = match ty {
        Type::String | Type::Const(_) | Type::Array(_) | Type::Map(_) | Type::Enum(_) => 24,
        Type::Integer | Type::Number | Type::ConstTrue | Type::Boolean => 8,
        Type::DateTime => 16,
        Type::Any => 32,
        // The fields, and `extra` (a map and its flags).
        Type::Struct(id) => {
            cx.model.shapes[*id].fields.iter().map(|f| size(cx, &f.ty, f.optional())).sum::<usize>() + 16
        }
        Type::Union(id) => {
            let boxed = boxed_arms(cx, *id);
            let arms = cx.model.unions[*id].arms.iter().enumerate();
            8 + arms.map(|(i, a)| if boxed.contains(&i) { 8 } else { size(cx, a, false) }).max().unwrap_or(0)
        }
    };
    if optional { inner + 8 } else { inner }
}

/// The arms of a union stored in a `Box`: those over 256 bytes when a sibling is much smaller.
pub(crate) fn boxed_arms(cx: &Context<'_>, id: usize) -> BTreeSet<usize> {
    let union = &cx.model.unions[id];
    let sizes: Vec<usize> = union.arms.iter().map(|a| size(cx, a, false)).collect();
    // A response union also has its `Unknown(Value)` arm.
    let unknown = if union.side == Side::Response { 32 } else { usize::MAX };
    let smallest = sizes.iter().copied().min().unwrap_or(0).min(unknown);
    sizes.iter().enumerate().filter(|(_, s)| **s > 256 && **s > smallest + 128).map(|(i, _)| i).collect()
}

/// `PolymerAtom`, `CcdAtom` → `Polymer`, `Ccd`: the shared last word says nothing.
fn strip_common_suffix(names: &mut [String]) {
    let words = |s: &str| -> Vec<String> {
        let mut out = Vec::new();
        for c in s.chars() {
            if c.is_ascii_uppercase() || out.is_empty() {
                out.push(String::new());
            }
            out.last_mut().expect("a word").push(c);
        }
        out
    };
    let split: Vec<Vec<String>> = names.iter().map(|n| words(n)).collect();
    let Some(last) = split.first().and_then(|w| w.last()).cloned() else { return };
    if split.iter().all(|w| w.len() > 1 && w.last() == Some(&last)) {
        let stripped: Vec<String> = split.iter().map(|w| w[..w.len() - 1].concat()).collect();
        if stripped.iter().collect::<BTreeSet<_>>().len() == stripped.len() {
            names.iter_mut().zip(stripped).for_each(|(n, s)| *n = s);
        }
    }
}

fn union_doc(cx: &Context<'_>, id: usize) -> String {
    let union = &cx.model.unions[id];
    format!(
        "/// One of the kinds of {}.\n",
        site_field(cx, &cx.names.unions[id].module, &union.sites, &union.resources)
    )
}

/// A response type's fallback doc: what returns it, or where it is found.
fn returned_or_found(cx: &Context<'_>, id: ShapeId) -> String {
    let shape = &cx.model.shapes[id];
    let place = site_field(cx, &cx.names.shapes[id].module, &shape.sites, &shape.resources);
    if shape.sites.iter().any(|s| s.parent.is_none()) {
        format!("Returned by {place}.")
    } else {
        format!("As found in {place}.")
    }
}

fn arm_doc(cx: &Context<'_>, ty: &Type) -> String {
    match ty {
        Type::Struct(s) => format!("    /// A [`{}`].\n", cx.names.shapes[*s].name),
        Type::Const(value) => format!("    /// `\"{value}\"`.\n"),
        _ => "    /// A list.\n".to_owned(),
    }
}

/// The arms of a union and which of them are boxed, as the emitters below need them.
struct Arms {
    variants: Vec<(String, Type)>,
    /// Each arm's Rust type, as the file names it (empty for a constant).
    types: Vec<String>,
    boxed: BTreeSet<usize>,
}

impl Arms {
    fn new(cx: &Context<'_>, imports: &mut Imports<'_>, id: usize) -> Self {
        let variants = variants(cx, id);
        let types = variants
            .iter()
            .map(|(_, ty)| if matches!(ty, Type::Const(_)) { String::new() } else { imports.ty(ty) })
            .collect();
        Self { variants, types, boxed: boxed_arms(cx, id) }
    }
}

fn response_union(cx: &Context<'_>, imports: &mut Imports<'_>, id: usize) -> String {
    let name = cx.names.unions[id].name.clone();
    let value = imports.item("serde_json::Value");
    let arms = Arms::new(cx, imports, id);
    let mut out = union_doc(cx, id);
    out.push_str(&format!("#[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum {name} {{\n"));
    out.push_str(&union_variants(cx, &arms));
    out.push_str(&format!(
        "    /// A kind this version of the crate does not know, kept as JSON.\n    Unknown({value}),\n}}\n\n"
    ));
    out.push_str(&union_serialize(imports, &name, &arms, true));
    if let Some(&arm) = cx.defaulted_unions.get(&id) {
        // What a run directory left of the union (nothing): its emptied arm, as `Default` makes it.
        let variant = &arms.variants[arm].0;
        let value = if arms.boxed.contains(&arm) { "Box::default()" } else { "Default::default()" };
        out.push_str(&format!(
            "impl Default for {name} {{\n    fn default() -> Self {{\n        Self::{variant}({value})\n    }}\n}}\n\n"
        ));
    }
    let decision = cx.decisions.get(&id).expect("every response union has a decision");
    out.push_str(&union_deserialize(imports, &name, &arms, decision, true));
    out
}

fn request_union(cx: &Context<'_>, imports: &mut Imports<'_>, id: usize) -> String {
    let name = cx.names.unions[id].name.clone();
    let arms = Arms::new(cx, imports, id);
    let mut out = union_doc(cx, id);
    out.push_str(&format!("#[derive(Debug, Clone, PartialEq)]\npub enum {name} {{\n"));
    out.push_str(&union_variants(cx, &arms));
    out.push_str("}\n\n");
    for (i, (variant, ty)) in arms.variants.iter().enumerate() {
        if matches!(ty, Type::Const(_)) {
            continue;
        }
        let inner = &arms.types[i];
        let value = if arms.boxed.contains(&i) { "Box::new(value)" } else { "value" };
        out.push_str(&format!(
            "impl From<{inner}> for {name} {{\n    fn from(value: {inner}) -> Self {{\n        Self::{variant}({value})\n    }}\n}}\n\n"
        ));
    }
    out.push_str(&union_serialize(imports, &name, &arms, false));
    let decision = cx.decisions.get(&id).expect("every request union has a decision");
    out.push_str(&union_deserialize(imports, &name, &arms, decision, false));
    out
}

fn union_variants(cx: &Context<'_>, arms: &Arms) -> String {
    let mut out = String::new();
    for (i, (variant, ty)) in arms.variants.iter().enumerate() {
        out.push_str(&arm_doc(cx, ty));
        let inner = &arms.types[i];
        out.push_str(&match ty {
            Type::Const(_) => format!("    {variant},\n"),
            _ if arms.boxed.contains(&i) => format!("    {variant}(Box<{inner}>),\n"),
            _ => format!("    {variant}({inner}),\n"),
        });
    }
    out
}

/// A union is written as its arm: every arm carries its own tag.
fn union_serialize(imports: &mut Imports<'_>, name: &str, arms: &Arms, unknown: bool) -> String {
    let serialize = imports.item("serde::Serialize");
    let serializer = imports.item("serde::Serializer");
    let mut cases = String::new();
    for (variant, ty) in &arms.variants {
        cases.push_str(&match ty {
            Type::Const(value) => {
                format!("            Self::{variant} => serializer.serialize_str(\"{value}\"),\n")
            }
            _ => format!("            Self::{variant}(value) => value.serialize(serializer),\n"),
        });
    }
    if unknown {
        cases.push_str("            Self::Unknown(value) => value.serialize(serializer),\n");
    }
    format!(
        "impl {serialize} for {name} {{\n    fn serialize<S: {serializer}>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n        match self {{\n{cases}        }}\n    }}\n}}\n\n"
    )
}

/// Read the JSON once, pick the arm by the decision, decode it from the same value. A response
/// keeps a kind it does not know; a request refuses it, naming the tag.
fn union_deserialize(
    imports: &mut Imports<'_>,
    name: &str,
    arms: &Arms,
    decision: &Decision,
    response: bool,
) -> String {
    let value = imports.item("serde_json::Value");
    let deserialize = imports.item("serde::Deserialize");
    let deserializer = imports.item("serde::Deserializer");
    let emit = Emit { arms, response };
    let expr = emit.decision(decision, "        ");
    for helper in ["tag", "Tag", "has", "arm", "fits", "refuse_tag", "refuse"] {
        let used = match helper {
            "Tag" => expr.contains("Tag::"),
            "tag" => expr.contains("tag(&value"),
            other => expr.contains(&format!("{other}(")) || expr.contains(&format!("{other}::<")),
        };
        if used {
            imports.item(&format!("crate::models::union::{helper}"));
        }
    }
    format!(
        "impl<'de> {deserialize}<'de> for {name} {{\n    fn deserialize<D: {deserializer}<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n        let value = {value}::deserialize(deserializer)?;\n        Ok({expr})\n    }}\n}}\n\n"
    )
}

struct Emit<'a> {
    arms: &'a Arms,
    response: bool,
}

impl Emit<'_> {
    fn construct(&self, arm: usize) -> String {
        let (variant, ty) = &self.arms.variants[arm];
        match ty {
            Type::Const(_) => format!("Self::{variant}"),
            _ if self.arms.boxed.contains(&arm) => format!("Self::{variant}(Box::new(arm(value)?))"),
            _ => format!("Self::{variant}(arm(value)?)"),
        }
    }

    /// What is left when nothing matched: a response keeps the JSON, a request is refused.
    fn otherwise(&self, refusal: String) -> String {
        if self.response { "Self::Unknown(value)".to_owned() } else { format!("return Err({refusal})") }
    }

    fn decision(&self, decision: &Decision, indent: &str) -> String {
        let inner = format!("{indent}    ");
        match decision {
            Decision::Arm(arm) => self.construct(*arm),
            Decision::Tag { field, cases, absent } => {
                let mut out = format!("match tag(&value, \"{field}\") {{\n");
                for (tag_value, next) in cases {
                    out.push_str(&format!(
                        "{inner}Tag::Is(\"{tag_value}\") => {},\n",
                        self.decision(next, &inner)
                    ));
                }
                if let Some(absent) = absent {
                    out.push_str(&format!("{inner}Tag::Absent => {},\n", self.decision(absent, &inner)));
                }
                let expected: Vec<String> = cases.iter().map(|(v, _)| format!("\"{v}\"")).collect();
                let refusal = format!("refuse_tag(other, \"{field}\", &[{}])", expected.join(", "));
                let binding = if self.response { "_" } else { "other" };
                out.push_str(&format!("{inner}{binding} => {},\n{indent}}}", self.otherwise(refusal)));
                out
            }
            Decision::Presence { checks, otherwise } => {
                let mut out = String::new();
                for (paths, arm) in checks {
                    let test = paths
                        .iter()
                        .map(|p| {
                            let keys = p.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ");
                            format!("has(&value, &[{keys}])")
                        })
                        .collect::<Vec<_>>()
                        .join(" || ");
                    out.push_str(&format!("if {test} {{\n{inner}{}\n{indent}}} else ", self.construct(*arm)));
                }
                let last = match otherwise {
                    Some(arm) => self.construct(*arm),
                    None => self.fitting(checks.iter().map(|(_, arm)| *arm).collect(), &inner),
                };
                out.push_str(&format!("{{\n{inner}{last}\n{indent}}}"));
                out
            }
            Decision::Json { constants, array } => {
                let mut out = "match &value {\n".to_owned();
                for (constant, arm) in constants {
                    out.push_str(&format!(
                        "{inner}Value::String(s) if s == \"{constant}\" => {},\n",
                        self.construct(*arm)
                    ));
                }
                if let Some(arm) = array {
                    out.push_str(&format!("{inner}Value::Array(_) => {},\n", self.construct(*arm)));
                }
                let mut expected: Vec<String> = constants.iter().map(|(c, _)| format!("`{c}`")).collect();
                if array.is_some() {
                    expected.push("a list".to_owned());
                }
                let refusal = format!("refuse(&value, \"{}\")", expected.join(" or "));
                out.push_str(&format!("{inner}_ => {},\n{indent}}}", self.otherwise(refusal)));
                out
            }
        }
    }

    /// None of the fields that tell the arms apart is there (a `null` progress, say): the one
    /// arm the JSON decodes as, if there is exactly one.
    fn fitting(&self, candidates: Vec<usize>, indent: &str) -> String {
        let tests = |strict: bool| -> String {
            let tests: Vec<String> = candidates
                .iter()
                .map(|&arm| format!("fits::<{}>(&value, {strict})", self.arms.types[arm]))
                .collect();
            tests.join(", ")
        };
        let inner = format!("{indent}    ");
        let deeper = format!("{inner}    ");
        let mut cases = String::new();
        for (position, &arm) in candidates.iter().enumerate() {
            let pattern: Vec<&str> =
                (0..candidates.len()).map(|i| if i == position { "true" } else { "false" }).collect();
            cases.push_str(&format!("{inner}[{}] => {},\n", pattern.join(", "), self.construct(arm)));
        }
        let lenient = cases.replace(&format!("\n{inner}["), &format!("\n{deeper}["));
        let refusal = self.otherwise("refuse(&value, \"exactly one kind\")".to_owned());
        // Strictly first (every field there), then allowing what run directories leave out.
        format!(
            "match [{}] {{\n{cases}{inner}_ => match [{}] {{\n{deeper}{}{deeper}_ => {refusal},\n{inner}}},\n{indent}}}",
            tests(true),
            tests(false),
            lenient.trim_start()
        )
    }
}
