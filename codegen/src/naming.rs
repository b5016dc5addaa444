//! Where each generated type goes and what it is called.
//!
//! A type lives in the module of the SDK resource that uses it (`protein::design`), in the group's
//! module when several resources of one group share it (`protein`), or in `common`. `share_links`
//! embeds every job model, so it only owns what nothing else uses. Request types go to a `params`
//! module beside the response types.
//!
//! Names come from the SDK's class names, which concatenate the path to a class
//! (`InputConstraintContactConstraintToken1PolymerContactToken`): the name of the enclosing class
//! and the field are cut off (`PolymerContactToken`). Unions take their field's name in the
//! singular (`entities` → `Entity`), enums their field's name. Where names collide within a module,
//! or come out too long, `spec/overrides.json` decides; the generator refuses to guess.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::shapes::{Model, Side, Site};

/// The longest type name the generator accepts.
pub(crate) const MAX_NAME: usize = 40;

/// A type's module (path segments under `models`) and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Place {
    pub(crate) module: Vec<String>,
    pub(crate) name: String,
}

/// The hand-kept decisions of `spec/overrides.json`.
#[derive(Debug, Default)]
pub(crate) struct Overrides {
    /// Shape names by any of their definitions' names.
    pub(crate) shapes: BTreeMap<String, String>,
    /// Union names by their variants' names joined with `|`, sorted.
    pub(crate) unions: BTreeMap<String, String>,
    /// Enum names by their values joined with `|`, sorted.
    pub(crate) enums: BTreeMap<String, String>,
    /// Each resource's stem in operation names (`protein.design` → `ProteinDesign`).
    pub(crate) resources: BTreeMap<String, String>,
    /// Response fields known to be nullable although the schema marks them required, as
    /// `<definition>.<field>`.
    pub(crate) nullable: BTreeSet<String>,
    /// Each resource's noun in doc comments (`protein.design` → `protein design run`).
    pub(crate) nouns: BTreeMap<String, String>,
    /// Doc comments for fields the schema leaves undocumented, by field name.
    pub(crate) docs: BTreeMap<String, String>,
    /// Request constants a caller may change, by field name (`model`); others are fixed.
    pub(crate) settable: BTreeSet<String>,
}

impl Overrides {
    /// Read the overrides file.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let root: Value = serde_json::from_str(text).map_err(|e| format!("overrides: {e}"))?;
        let map = |key: &str| -> Result<BTreeMap<String, String>, String> {
            root.get(key)
                .and_then(Value::as_object)
                .ok_or_else(|| format!("overrides: `{key}` is missing"))?
                .iter()
                .filter(|(k, _)| !k.starts_with("//"))
                .map(|(k, v)| {
                    Ok((k.clone(), v.as_str().ok_or_else(|| format!("overrides: {key}.{k}"))?.to_owned()))
                })
                .collect()
        };
        let list = |key: &str| -> Result<BTreeSet<String>, String> {
            root.get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| format!("overrides: `{key}` is missing"))?
                .iter()
                .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| format!("overrides: {key}")))
                .collect()
        };
        let nullable = list("nullable")?;
        Ok(Self {
            shapes: map("shapes")?,
            unions: map("unions")?,
            enums: map("enums")?,
            resources: map("resources")?,
            nullable,
            nouns: map("nouns")?,
            docs: map("docs")?,
            settable: list("settable")?,
        })
    }
}

/// Every type's place.
#[derive(Debug, Default)]
pub(crate) struct Names {
    pub(crate) shapes: Vec<Place>,
    pub(crate) unions: Vec<Place>,
    pub(crate) enums: Vec<Place>,
}

/// `snake_case` → `CamelCase`.
pub(crate) fn camel(snake: &str) -> String {
    snake
        .split(['_', '-', '.', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or(String::new(), |c| c.to_ascii_uppercase().to_string() + chars.as_str())
        })
        .collect()
}

/// The singular of an English plural, for the field names of this API.
pub(crate) fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if word.ends_with("ss") || word.ends_with("us") || word.ends_with("metrics") {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

/// A definition's own name: pydantic qualifies clashing names with their module
/// (`boltz_api__types__…__Input`); the last part is the class name.
fn unqualified(def: &str) -> &str {
    def.rsplit("__").next().unwrap_or(def)
}

/// The name a definition has below its parent: the parent's name and the field cut off, and a
/// `Response` suffix. `None` when the definition's name does not start with its parent's.
fn local_name(def: &str, parent: &str, field: &str) -> Option<String> {
    let def = unqualified(def);
    let def = def.strip_suffix("Response").filter(|d| !d.is_empty()).unwrap_or(def);
    let parent = unqualified(parent);
    let parent = parent.strip_suffix("Response").filter(|p| def.starts_with(*p)).unwrap_or(parent);
    let rest = def.strip_prefix(parent).filter(|r| !r.is_empty())?;
    let rest = rest
        .strip_prefix("Response")
        .filter(|r| r.starts_with(|c: char| c.is_ascii_uppercase()))
        .unwrap_or(rest);
    let field_name = camel(field.trim_end_matches(|c: char| c.is_ascii_digit()));
    let field_one = camel(&singular(field.trim_end_matches(|c: char| c.is_ascii_digit())));
    for stem in [camel(field), field_name, field_one.clone()] {
        if rest == stem {
            return Some(field_one);
        }
        if let Some(tail) = rest.strip_prefix(&stem) {
            if tail.starts_with(|c: char| c.is_ascii_uppercase()) {
                return Some(tail.to_owned());
            }
        }
    }
    Some(rest.to_owned())
}

/// The module that owns a type used by `resources`.
fn module_of(resources: &BTreeSet<String>, side: Side) -> Vec<String> {
    let owners: BTreeSet<&String> = resources.iter().filter(|r| *r != "share_links").collect();
    let owners = if owners.is_empty() { resources.iter().collect() } else { owners };
    let mut module: Vec<String> = match owners.iter().next() {
        Some(first) if owners.len() == 1 => first.split('.').map(str::to_owned).collect(),
        Some(first) => {
            let group = first.split('.').next().unwrap_or_default();
            if owners.iter().all(|r| r.split('.').next() == Some(group)) && first.contains('.') {
                vec![group.to_owned()]
            } else {
                vec!["common".to_owned()]
            }
        }
        None => vec!["common".to_owned()],
    };
    if side == Side::Request {
        module.push("params".to_owned());
    }
    module
}

/// The most frequent candidate, then the shortest, then the first alphabetically.
fn pick(candidates: &[String]) -> Option<String> {
    let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
    for c in candidates.iter().filter(|c| c.starts_with(|ch: char| ch.is_ascii_uppercase())) {
        *counts.entry(c).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.len().cmp(&a.0.len())).then(b.0.cmp(a.0)))
        .map(|(c, _)| c.clone())
}

/// Name every shape, union and enum of `model`; `top` names the shapes an operation uses directly
/// (its params or response), which have no enclosing class to be named against.
pub(crate) fn name(
    model: &Model,
    overrides: &Overrides,
    top: &BTreeMap<usize, String>,
) -> (Names, Vec<String>) {
    let mut names = Names::default();
    for (id, shape) in model.shapes.iter().enumerate() {
        let overridden = shape.defs.iter().find_map(|d| overrides.shapes.get(d)).cloned();
        let derived = || {
            let mut candidates = Vec::new();
            for Site { parent, field } in &shape.sites {
                let Some(parent) = parent else { continue };
                for def in &shape.defs {
                    for parent_def in &model.shapes[*parent].defs {
                        candidates.extend(local_name(def, parent_def, field));
                    }
                }
            }
            pick(&candidates)
                .or_else(|| shape.defs.iter().map(|d| unqualified(d).to_owned()).min_by_key(String::len))
        };
        let name = overridden.or_else(|| top.get(&id).cloned()).or_else(derived).unwrap_or_default();
        names.shapes.push(Place { module: module_of(&shape.resources, shape.side), name });
    }
    for union in &model.unions {
        let mut variants: Vec<&str> = union
            .arms
            .iter()
            .filter_map(|arm| match arm {
                crate::shapes::Type::Struct(id) => Some(names.shapes[*id].name.as_str()),
                _ => None,
            })
            .collect();
        variants.sort();
        let fields: Vec<String> = union
            .sites
            .iter()
            .map(|s| camel(&singular(s.field.trim_end_matches(|c: char| c.is_ascii_digit()))))
            .collect();
        let name =
            overrides.unions.get(&variants.join("|")).cloned().or_else(|| pick(&fields)).unwrap_or_default();
        names.unions.push(Place { module: module_of(&union.resources, union.side), name });
    }
    for e in &model.enums {
        let mut values = e.values.clone();
        values.sort();
        let fields: Vec<String> = e.sites.iter().map(|s| camel(&s.field)).collect();
        let name =
            overrides.enums.get(&values.join("|")).cloned().or_else(|| pick(&fields)).unwrap_or_default();
        names.enums.push(Place { module: module_of(&e.resources, e.side), name });
    }
    disambiguate(model, &mut names);
    let problems = check(&names);
    (names, problems)
}

/// Which list of [`Names`] a type is in.
#[derive(Clone, Copy)]
enum Kind {
    Shape,
    Union,
    Enum,
}

/// Where a name is taken twice in a module, the type used at the most sites keeps it and the
/// others are prefixed with the name of the type they first appear in (`Bond` in a
/// `GlycanEntity` becomes `GlycanEntityBond`).
fn disambiguate(model: &Model, names: &mut Names) {
    type Users = Vec<(usize, Kind, usize)>;
    let mut taken: BTreeMap<(Vec<String>, String), Users> = BTreeMap::new();
    let entries = [
        (Kind::Shape, names.shapes.clone(), model.shapes.iter().map(|s| &s.sites).collect::<Vec<_>>()),
        (Kind::Union, names.unions.clone(), model.unions.iter().map(|u| &u.sites).collect()),
        (Kind::Enum, names.enums.clone(), model.enums.iter().map(|e| &e.sites).collect()),
    ];
    for (kind, places, sites) in entries {
        for (id, (place, sites)) in places.into_iter().zip(sites).enumerate() {
            taken.entry((place.module, place.name)).or_default().push((sites.len(), kind, id));
        }
    }
    for ((_, name), mut users) in taken {
        if users.len() < 2 {
            continue;
        }
        users.sort_by_key(|u| std::cmp::Reverse(u.0));
        for (_, kind, id) in users.into_iter().skip(1) {
            let sites = match kind {
                Kind::Shape => &model.shapes[id].sites,
                Kind::Union => &model.unions[id].sites,
                Kind::Enum => &model.enums[id].sites,
            };
            let Some(parent) = sites.iter().find_map(|s| s.parent) else { continue };
            let prefix = names.shapes[parent].name.clone();
            let place = match kind {
                Kind::Shape => &mut names.shapes[id],
                Kind::Union => &mut names.unions[id],
                Kind::Enum => &mut names.enums[id],
            };
            place.name = if name.starts_with(&prefix) { name.clone() } else { format!("{prefix}{name}") };
        }
    }
}

/// Every name must be usable and unique within its module.
fn check(names: &Names) -> Vec<String> {
    let mut seen: BTreeMap<(&[String], &str), usize> = BTreeMap::new();
    let all = names.shapes.iter().chain(&names.unions).chain(&names.enums);
    let mut problems = Vec::new();
    for place in all.clone() {
        *seen.entry((&place.module, &place.name)).or_default() += 1;
        if place.name.is_empty() || place.name.len() > MAX_NAME {
            problems.push(format!("{}::{}: no usable name", place.module.join("::"), place.name));
        }
    }
    for ((module, name), count) in seen {
        if count > 1 {
            problems.push(format!("{}::{name}: {count} types", module.join("::")));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_lose_their_parent_and_field() {
        let cases = [
            (
                "InputConstraintContactConstraintToken1PolymerContactToken",
                "InputConstraintContactConstraint",
                "token1",
                "PolymerContactToken",
            ),
            ("InputEntityDnaEntityModification", "InputEntityDnaEntity", "modifications", "Modification"),
            (
                "BinderProteinDesignRunInputGlobalDesignFilterExcludedAminoAcidsDesignFilter",
                "BinderProteinDesignRunInput",
                "global_design_filters",
                "ExcludedAminoAcidsDesignFilter",
            ),
            (
                "InputConstraintContactConstraintResponseToken1PolymerContactTokenResponse",
                "InputConstraintContactConstraintResponse",
                "token1",
                "PolymerContactToken",
            ),
        ];
        // No parent prefix to cut: the name is the class's own (module qualification removed).
        assert_eq!(local_name("Target", "LibraryScreenStartParams", "target"), None);
        assert_eq!(
            local_name("boltz_api__types__predictions__adme_start_params__Input", "AdmeStartParams", "input"),
            None
        );
        assert_eq!(unqualified("boltz_api__types__predictions__adme_start_params__Input"), "Input");
        for (def, parent, field, want) in cases {
            assert_eq!(local_name(def, parent, field).as_deref(), Some(want), "{def}");
        }
    }

    #[test]
    fn words() {
        assert_eq!(camel("global_design_filters"), "GlobalDesignFilters");
        assert_eq!(singular("entities"), "entity");
        assert_eq!(singular("binding_metrics"), "binding_metrics");
        assert_eq!(singular("constraints"), "constraint");
    }

    #[test]
    fn a_shared_type_goes_to_the_group_or_common() {
        let set = |rs: &[&str]| rs.iter().map(|r| r.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(module_of(&set(&["protein.design"]), Side::Response), ["protein", "design"]);
        assert_eq!(
            module_of(&set(&["protein.design", "protein.library_screen"]), Side::Request),
            ["protein", "params"]
        );
        assert_eq!(module_of(&set(&["protein.design", "small_molecule.design"]), Side::Response), ["common"]);
        assert_eq!(
            module_of(&set(&["protein.design", "share_links"]), Side::Response),
            ["protein", "design"]
        );
        assert_eq!(module_of(&set(&["share_links"]), Side::Response), ["share_links"]);
    }
}
