//! How a response union tells its variants apart.
//!
//! The SDK's unions are plain `Union[...]` without a declared discriminator (compute-plane.md
//! §1.5). Most have a constant field (`type`, `status`, `chain_type`, …) whose value names the
//! variant; some leave it out of one variant (the legacy protein-design input); a few have no
//! tag at all and differ only in which fields they carry, sometimes one level down
//! (`share_links.read`'s pipelines). [`decide`] finds, for each union, a decision made of tag
//! lookups and field-presence checks that picks exactly one variant for every variant's JSON,
//! and reports a union it cannot split instead of falling back to trial and error.

use std::collections::{BTreeMap, BTreeSet};

use crate::shapes::{Field, Model, ShapeId, Type};

/// How to pick among some of a union's arms (indices into its arm list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// This arm.
    Arm(usize),
    /// By the string at `field`: each value leads to a decision; `absent` when the field is not
    /// there. Any other value is unknown.
    Tag { field: String, cases: Vec<(String, Decision)>, absent: Option<Box<Decision>> },
    /// The first arm one of whose paths is present; `otherwise` when none is.
    Presence { checks: Vec<(Vec<Vec<String>>, usize)>, otherwise: Option<usize> },
    /// Non-object arms, by the JSON value's kind: a constant string, or an array.
    Json { constants: Vec<(String, usize)>, array: Option<usize> },
}

/// The constant values a field takes in a shape: one for a `Literal`, all for an enum.
fn tag_values(model: &Model, field: &Field) -> Option<BTreeSet<String>> {
    match &field.ty {
        Type::Const(value) => Some([value.clone()].into()),
        Type::Enum(id) => Some(model.enums[*id].values.iter().cloned().collect()),
        _ => None,
    }
}

fn struct_of(arm: &Type) -> Option<ShapeId> {
    match arm {
        Type::Struct(id) => Some(*id),
        _ => None,
    }
}

/// Decide among `arms` of a union.
pub(crate) fn decide(model: &Model, arms: &[Type]) -> Result<Decision, String> {
    if arms.iter().all(|a| struct_of(a).is_none()) {
        return json_kind(arms);
    }
    let shapes: Vec<ShapeId> = arms
        .iter()
        .map(|a| struct_of(a).ok_or("a union mixing objects and other types"))
        .collect::<Result<_, _>>()?;
    split(model, &shapes, &(0..arms.len()).collect::<Vec<_>>(), &BTreeSet::new())
}

fn json_kind(arms: &[Type]) -> Result<Decision, String> {
    let mut constants = Vec::new();
    let mut array = None;
    for (i, arm) in arms.iter().enumerate() {
        match arm {
            Type::Const(value) => constants.push((value.clone(), i)),
            Type::Array(_) if array.is_none() => array = Some(i),
            other => return Err(format!("a non-object union arm {other:?}")),
        }
    }
    Ok(Decision::Json { constants, array })
}

/// Split `members` (arm indices) by a tag field not used yet, else by presence.
fn split(
    model: &Model,
    shapes: &[ShapeId],
    members: &[usize],
    used: &BTreeSet<String>,
) -> Result<Decision, String> {
    if let [only] = members {
        return Ok(Decision::Arm(*only));
    }
    if let Some(decision) = by_tag(model, shapes, members, used)? {
        return Ok(decision);
    }
    by_presence(model, shapes, members)
}

/// The best tag field: one whose values never point at two groups, present in the most
/// members, then `type` before other names.
fn by_tag(
    model: &Model,
    shapes: &[ShapeId],
    members: &[usize],
    used: &BTreeSet<String>,
) -> Result<Option<Decision>, String> {
    let mut candidates: BTreeSet<&str> = BTreeSet::new();
    for &m in members {
        for f in &model.shapes[shapes[m]].fields {
            if tag_values(model, f).is_some() && !used.contains(&f.name) {
                candidates.insert(&f.name);
            }
        }
    }
    type Best<'a> = ((usize, bool, bool), &'a str, BTreeMap<String, Vec<usize>>, Vec<usize>);
    let mut best: Option<Best<'_>> = None;
    for field in candidates {
        let mut by_value: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
        let mut absent = Vec::new();
        for &m in members {
            match model.shapes[shapes[m]]
                .fields
                .iter()
                .find(|f| f.name == field)
                .and_then(|f| tag_values(model, f))
            {
                Some(values) => {
                    for v in values {
                        by_value.entry(v).or_default().insert(m);
                    }
                }
                None => absent.push(m),
            }
        }
        // Every value must lead to one group of members, and the groups must not overlap.
        let groups: BTreeSet<&BTreeSet<usize>> = by_value.values().collect();
        let overlap = groups.iter().flat_map(|g| g.iter()).count()
            != groups.iter().flat_map(|g| g.iter()).collect::<BTreeSet<_>>().len();
        let present = members.len() - absent.len();
        if overlap
            || groups.len() + usize::from(!absent.is_empty()) < 2
            || absent.len() > 1 && groups.is_empty()
        {
            continue;
        }
        // More members carrying it first; then `type`; then anything but the deprecated `engine*`.
        let score = (present, field == "type", !field.starts_with("engine"));
        if best.as_ref().is_none_or(|b| b.0 < score) {
            let cases = by_value.into_iter().map(|(v, g)| (v, g.into_iter().collect())).collect();
            best = Some((score, field, cases, absent));
        }
    }
    let Some((_, field, cases, absent)) = best else { return Ok(None) };
    let mut used = used.clone();
    used.insert(field.to_owned());
    let cases = cases
        .into_iter()
        .map(|(value, group)| Ok((value, split(model, shapes, &group, &used)?)))
        .collect::<Result<Vec<_>, String>>()?;
    let absent = if absent.is_empty() { None } else { Some(Box::new(split(model, shapes, &absent, &used)?)) };
    Ok(Some(Decision::Tag { field: field.to_owned(), cases, absent }))
}

/// The paths a shape's JSON carries whenever their parent is there: its required fields, and
/// the required fields of its object fields (those may be missing or null themselves).
fn required_paths(model: &Model, shape: ShapeId) -> BTreeSet<Vec<String>> {
    let mut paths = BTreeSet::new();
    for f in &model.shapes[shape].fields {
        if !f.optional() {
            paths.insert(vec![f.name.clone()]);
        }
        if let Type::Struct(inner) = f.ty {
            for g in model.shapes[inner].fields.iter().filter(|g| !g.optional()) {
                paths.insert(vec![f.name.clone(), g.name.clone()]);
            }
        }
    }
    paths
}

/// Every path a shape may carry, required or not.
fn all_paths(model: &Model, shape: ShapeId) -> BTreeSet<Vec<String>> {
    let mut paths = BTreeSet::new();
    for f in &model.shapes[shape].fields {
        paths.insert(vec![f.name.clone()]);
        if let Type::Struct(inner) = f.ty {
            for g in &model.shapes[inner].fields {
                paths.insert(vec![f.name.clone(), g.name.clone()]);
            }
        }
    }
    paths
}

/// Each member is recognised by paths no other member can carry: a required field of its own,
/// else one required field inside each of its object fields (`input.budget`, `progress.phase`),
/// any of which is enough. A member with none is taken when no check matches, but only when every
/// check is on a required field, so that a missing object cannot send JSON to the wrong member;
/// otherwise such JSON is unknown.
fn by_presence(model: &Model, shapes: &[ShapeId], members: &[usize]) -> Result<Decision, String> {
    let mut checks = Vec::new();
    let mut rest = Vec::new();
    for &m in members {
        let others: BTreeSet<Vec<String>> =
            members.iter().filter(|&&o| o != m).flat_map(|&o| all_paths(model, shapes[o])).collect();
        let unique: Vec<Vec<String>> =
            required_paths(model, shapes[m]).into_iter().filter(|p| !others.contains(p)).collect();
        let own =
            model.shapes[shapes[m]].fields.iter().filter(|f| !f.optional()).map(|f| vec![f.name.clone()]);
        let paths = match own.clone().find(|p| unique.contains(p)) {
            Some(path) => vec![path],
            None => {
                let mut by_parent: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
                for path in unique.iter().filter(|p| p.len() == 2) {
                    by_parent.entry(&path[0]).or_insert(path);
                }
                by_parent.into_values().cloned().collect()
            }
        };
        if paths.is_empty() { rest.push(m) } else { checks.push((paths, m)) }
    }
    let names =
        || members.iter().map(|&m| model.shapes[shapes[m]].defs[0].clone()).collect::<Vec<_>>().join(", ");
    let all_required = checks.iter().all(|(paths, _)| paths.iter().all(|p| p.len() == 1));
    let otherwise = match rest.as_slice() {
        [] => None,
        [only] if all_required => Some(*only),
        _ => return Err(format!("no tag or field tells these apart: {}", names())),
    };
    Ok(Decision::Presence { checks, otherwise })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shapes::test_shape as shape;
    use crate::shapes::{Enum, Shape, Side, Union};

    fn model(shapes: Vec<Shape>) -> Model {
        Model {
            shapes,
            unions: Vec::<Union>::new(),
            enums: vec![Enum {
                side: Side::Response,
                values: vec!["ligand".into(), "rna".into()],
                sites: Default::default(),
                resources: Default::default(),
            }],
            ops: Vec::new(),
        }
    }

    fn konst(v: &str) -> Type {
        Type::Const(v.into())
    }

    #[test]
    fn a_tag_with_a_variant_that_lacks_it() {
        let m = model(vec![
            shape(vec![("type", konst("binder"), true), ("a", Type::String, true)]),
            shape(vec![("b", Type::String, true)]),
            shape(vec![("type", konst("generic"), true)]),
        ]);
        let arms = [Type::Struct(0), Type::Struct(1), Type::Struct(2)];
        assert_eq!(
            decide(&m, &arms).unwrap(),
            Decision::Tag {
                field: "type".into(),
                cases: vec![("binder".into(), Decision::Arm(0)), ("generic".into(), Decision::Arm(2))],
                absent: Some(Box::new(Decision::Arm(1))),
            }
        );
    }

    #[test]
    fn an_enum_valued_tag_and_presence() {
        let m = model(vec![
            shape(vec![("chain_type", konst("protein"), true)]),
            shape(vec![("chain_type", Type::Enum(0), true)]),
            shape(vec![("url", Type::String, true)]),
            shape(vec![("url", Type::String, true), ("url_expires_at", Type::DateTime, true)]),
        ]);
        let tagged = decide(&m, &[Type::Struct(0), Type::Struct(1)]).unwrap();
        let Decision::Tag { cases, .. } = tagged else { panic!("{tagged:?}") };
        assert_eq!(cases.len(), 3);
        assert_eq!(
            decide(&m, &[Type::Struct(2), Type::Struct(3)]).unwrap(),
            Decision::Presence { checks: vec![(vec![vec!["url_expires_at".into()]], 1)], otherwise: Some(0) }
        );
        let same =
            model(vec![shape(vec![("a", Type::String, true)]), shape(vec![("a", Type::String, true)])]);
        assert!(decide(&same, &[Type::Struct(0), Type::Struct(1)]).is_err());
    }

    #[test]
    fn non_object_arms_by_json_kind() {
        let m = model(Vec::new());
        assert_eq!(
            decide(&m, &[konst("all"), Type::Array(Box::new(Type::Integer))]).unwrap(),
            Decision::Json { constants: vec![("all".into(), 0)], array: Some(1) }
        );
    }
}
