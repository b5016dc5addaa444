//! Definitions de-duplicated by structure into shapes: one Rust type per distinct structure.
//!
//! Two definitions are the same shape when their fields have the same names, requiredness,
//! nullability and types, recursively; names, titles, descriptions and defaults do not count.
//! Request and response shapes are kept apart: a request type is built and serialised, a
//! response type is decoded, and the SDK never shares a definition between the two.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::schema::{Def, Location, Snapshot, Ty};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Side {
    Request,
    Response,
}

pub(crate) type ShapeId = usize;
pub(crate) type UnionId = usize;
pub(crate) type EnumId = usize;

/// A type after de-duplication.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Type {
    String,
    DateTime,
    Integer,
    Number,
    Boolean,
    Any,
    /// A constant string (a `Literal`), or `true` for the constant booleans.
    Const(String),
    ConstTrue,
    Enum(EnumId),
    Array(Box<Type>),
    Map(Box<Type>),
    Struct(ShapeId),
    Union(UnionId),
}

/// A field of a shape.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) ty: Type,
    pub(crate) required: bool,
    pub(crate) nullable: bool,
    pub(crate) description: Option<String>,
}

/// A response shape of `(name, type, required)` fields, for tests.
#[cfg(test)]
pub(crate) fn test_shape(fields: Vec<(&str, Type, bool)>) -> Shape {
    Shape {
        side: Side::Response,
        defs: vec!["X".into()],
        description: None,
        fields: fields
            .into_iter()
            .map(|(name, ty, required)| Field {
                name: name.into(),
                ty,
                required,
                nullable: false,
                description: None,
            })
            .collect(),
        sites: Default::default(),
        resources: Default::default(),
    }
}

impl Field {
    /// Whether the field may be missing or `null`.
    pub(crate) fn optional(&self) -> bool {
        !self.required || self.nullable
    }
}

/// Where a shape, union or enum is used from: the enclosing shape (or none at the top level of
/// an operation) and the field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Site {
    pub(crate) parent: Option<ShapeId>,
    pub(crate) field: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Shape {
    pub(crate) side: Side,
    /// The definitions merged into this shape, sorted.
    pub(crate) defs: Vec<String>,
    pub(crate) description: Option<String>,
    pub(crate) fields: Vec<Field>,
    pub(crate) sites: BTreeSet<Site>,
    /// The SDK resources whose operations reach this shape.
    pub(crate) resources: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Union {
    pub(crate) side: Side,
    /// The arms, de-duplicated and sorted.
    pub(crate) arms: Vec<Type>,
    pub(crate) sites: BTreeSet<Site>,
    pub(crate) resources: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Enum {
    pub(crate) side: Side,
    /// The values in the schema's order.
    pub(crate) values: Vec<String>,
    pub(crate) sites: BTreeSet<Site>,
    pub(crate) resources: BTreeSet<String>,
}

/// What is reachable from a shape: the shapes, unions and enums inside it.
#[derive(Default)]
struct Inner {
    shapes: BTreeSet<ShapeId>,
    unions: BTreeSet<UnionId>,
    enums: BTreeSet<EnumId>,
}

/// An operation's parameters and response in shape terms.
#[derive(Debug, Clone)]
pub(crate) struct OpTypes {
    pub(crate) params: Option<(Location, Type)>,
    pub(crate) response: Type,
}

/// Every shape, union and enum of the snapshot, and each operation's types.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) shapes: Vec<Shape>,
    pub(crate) unions: Vec<Union>,
    pub(crate) enums: Vec<Enum>,
    pub(crate) ops: Vec<OpTypes>,
}

#[derive(Default)]
struct Builder<'a> {
    defs: BTreeMap<&'a str, &'a Def>,
    model: Model,
    shape_of_def: BTreeMap<(Side, String), ShapeId>,
    shape_by_key: BTreeMap<(Side, String), ShapeId>,
    union_by_arms: BTreeMap<(Side, Vec<Type>), UnionId>,
    enum_by_values: BTreeMap<(Side, Vec<String>), EnumId>,
    /// Canonical keys of shapes, for the keys of the shapes that contain them.
    keys: Vec<String>,
    /// How many placeholder ids have been handed out.
    pending: usize,
}

/// Build the model of `snapshot`.
pub(crate) fn build(snapshot: &Snapshot) -> Result<Model, String> {
    let mut b =
        Builder { defs: snapshot.defs.iter().map(|(k, v)| (k.as_str(), v)).collect(), ..Default::default() };
    for op in &snapshot.operations {
        let resource = op.resource.clone();
        let params = match &op.params {
            Some((location, ty)) => {
                let (ty, nullable) =
                    b.ty(Side::Request, ty, &Site { parent: None, field: op.method.clone() }, &resource)?;
                if nullable {
                    return Err(format!("{resource}.{}: nullable params", op.method));
                }
                Some((*location, ty))
            }
            None => None,
        };
        let site = Site { parent: None, field: op.method.clone() };
        let (response, _) = b.ty(Side::Response, &op.response, &site, &resource)?;
        b.model.ops.push(OpTypes { params, response });
    }
    Ok(b.model)
}

impl<'a> Builder<'a> {
    /// The shape of `ty` on `side`, and whether it admits `null`.
    fn ty(&mut self, side: Side, ty: &Ty, site: &Site, resource: &str) -> Result<(Type, bool), String> {
        Ok(match ty {
            Ty::String => (Type::String, false),
            Ty::DateTime => (Type::DateTime, false),
            Ty::Integer => (Type::Integer, false),
            Ty::Number => (Type::Number, false),
            Ty::Boolean => (Type::Boolean, false),
            Ty::Any => (Type::Any, false),
            // A field that is always null carries nothing; it is dropped by the caller.
            Ty::Null => (Type::Any, true),
            Ty::Const(Value::String(s)) => (Type::Const(s.clone()), false),
            Ty::Const(Value::Bool(true)) => (Type::ConstTrue, false),
            Ty::Const(other) => return Err(format!("unsupported constant {other}")),
            Ty::Enum(values) => (Type::Enum(self.enumeration(side, values, site, resource)), false),
            Ty::Array(items) => (Type::Array(Box::new(self.ty(side, items, site, resource)?.0)), false),
            Ty::Map(values) => (Type::Map(Box::new(self.ty(side, values, site, resource)?.0)), false),
            Ty::Ref(name) => (Type::Struct(self.shape(side, name, site, resource)?), false),
            Ty::AnyOf(arms) => {
                let nullable = arms.contains(&Ty::Null);
                let mut types = BTreeSet::new();
                for arm in arms.iter().filter(|a| **a != Ty::Null) {
                    types.insert(self.ty(side, arm, site, resource)?.0);
                }
                let types: Vec<Type> = types.into_iter().collect();
                match types.len() {
                    0 => (Type::Any, true),
                    1 => (types.into_iter().next().expect("one arm"), nullable),
                    _ => (Type::Union(self.union(side, types, site, resource)), nullable),
                }
            }
        })
    }

    fn enumeration(&mut self, side: Side, values: &[String], site: &Site, resource: &str) -> EnumId {
        let mut key = values.to_vec();
        key.sort();
        let next = self.model.enums.len();
        let id = *self.enum_by_values.entry((side, key)).or_insert(next);
        if id == next {
            let e =
                Enum { side, values: values.to_vec(), sites: BTreeSet::new(), resources: BTreeSet::new() };
            self.model.enums.push(e);
        }
        let e = &mut self.model.enums[id];
        e.sites.insert(site.clone());
        e.resources.insert(resource.to_owned());
        id
    }

    fn union(&mut self, side: Side, arms: Vec<Type>, site: &Site, resource: &str) -> UnionId {
        let next = self.model.unions.len();
        let id = *self.union_by_arms.entry((side, arms.clone())).or_insert(next);
        if id == next {
            self.model.unions.push(Union { side, arms, sites: BTreeSet::new(), resources: BTreeSet::new() });
        }
        let u = &mut self.model.unions[id];
        u.sites.insert(site.clone());
        u.resources.insert(resource.to_owned());
        id
    }

    fn shape(&mut self, side: Side, name: &str, site: &Site, resource: &str) -> Result<ShapeId, String> {
        let id = match self.shape_of_def.get(&(side, name.to_owned())) {
            Some(&id) => id,
            None => self.new_def(side, name, resource)?,
        };
        let shape = &mut self.model.shapes[id];
        shape.sites.insert(site.clone());
        if shape.resources.insert(resource.to_owned()) {
            // A shape first reached from another resource: so is everything inside it.
            let inner = self.inner(id);
            let model = &mut self.model;
            for &s in &inner.shapes {
                model.shapes[s].resources.insert(resource.to_owned());
            }
            for &u in &inner.unions {
                model.unions[u].resources.insert(resource.to_owned());
            }
            for &e in &inner.enums {
                model.enums[e].resources.insert(resource.to_owned());
            }
        }
        Ok(id)
    }

    /// Everything reachable from `id`'s fields, through unions, arrays and maps.
    fn inner(&self, id: ShapeId) -> Inner {
        let mut found = Inner::default();
        let mut todo: Vec<&Type> = self.model.shapes[id].fields.iter().map(|f| &f.ty).collect();
        while let Some(ty) = todo.pop() {
            match ty {
                Type::Array(inner) | Type::Map(inner) => todo.push(inner),
                Type::Struct(s) if found.shapes.insert(*s) => {
                    todo.extend(self.model.shapes[*s].fields.iter().map(|f| &f.ty));
                }
                Type::Union(u) if found.unions.insert(*u) => todo.extend(self.model.unions[*u].arms.iter()),
                Type::Enum(e) => {
                    found.enums.insert(*e);
                }
                _ => {}
            }
        }
        found
    }

    /// Resolve a definition not seen yet on this side: its fields first (their shapes give its
    /// key), then merge it into the shape with the same key or make a new one.
    fn new_def(&mut self, side: Side, name: &str, resource: &str) -> Result<ShapeId, String> {
        let def = *self.defs.get(name).ok_or_else(|| format!("unknown definition {name}"))?;
        // A placeholder id for the sites inside this definition, fixed up once its id is known;
        // one per definition being resolved, nested ones included.
        self.pending += 1;
        let provisional = usize::MAX - self.pending;
        let mut fields = Vec::with_capacity(def.fields.len());
        for f in &def.fields {
            let site = Site { parent: Some(provisional), field: f.name.clone() };
            let (ty, nullable) =
                self.ty(side, &f.ty, &site, resource).map_err(|e| format!("{name}.{}: {e}", f.name))?;
            if f.ty == Ty::Null {
                continue;
            }
            fields.push(Field {
                name: f.name.clone(),
                ty,
                required: f.required,
                nullable,
                description: f.description.clone(),
            });
        }
        let key = self.key(&fields);
        let id = match self.shape_by_key.get(&(side, key.clone())) {
            Some(&id) => {
                let shape = &mut self.model.shapes[id];
                shape.defs.push(name.to_owned());
                shape.defs.sort();
                if shape.description.is_none() {
                    shape.description = def.description.clone();
                }
                id
            }
            None => {
                let id = self.model.shapes.len();
                self.model.shapes.push(Shape {
                    side,
                    defs: vec![name.to_owned()],
                    description: def.description.clone(),
                    fields,
                    sites: BTreeSet::new(),
                    resources: BTreeSet::new(),
                });
                self.keys.push(key.clone());
                self.shape_by_key.insert((side, key), id);
                id
            }
        };
        self.fix_sites(provisional, id);
        self.shape_of_def.insert((side, name.to_owned()), id);
        Ok(id)
    }

    /// Point the sites recorded under the placeholder id at the real one.
    fn fix_sites(&mut self, provisional: ShapeId, id: ShapeId) {
        let fix = |sites: &mut BTreeSet<Site>| {
            let moved: Vec<Site> = sites.iter().filter(|s| s.parent == Some(provisional)).cloned().collect();
            for mut site in moved {
                sites.remove(&site);
                site.parent = Some(id);
                sites.insert(site);
            }
        };
        self.model.shapes.iter_mut().for_each(|s| fix(&mut s.sites));
        self.model.unions.iter_mut().for_each(|u| fix(&mut u.sites));
        self.model.enums.iter_mut().for_each(|e| fix(&mut e.sites));
    }

    /// The canonical key of a list of fields: names, requiredness, nullability and types, with
    /// inner shapes by their own keys.
    fn key(&self, fields: &[Field]) -> String {
        let mut parts: Vec<String> = fields
            .iter()
            .map(|f| {
                format!(
                    "{}{}{}:{}",
                    f.name,
                    if f.required { "!" } else { "?" },
                    if f.nullable { "~" } else { "" },
                    self.type_key(&f.ty)
                )
            })
            .collect();
        parts.sort();
        format!("{{{}}}", parts.join(","))
    }

    fn type_key(&self, ty: &Type) -> String {
        match ty {
            Type::Struct(id) => self.keys[*id].clone(),
            Type::Union(id) => {
                let mut arms: Vec<String> =
                    self.model.unions[*id].arms.iter().map(|a| self.type_key(a)).collect();
                arms.sort();
                format!("anyOf({})", arms.join("|"))
            }
            Type::Enum(id) => {
                let mut values = self.model.enums[*id].values.clone();
                values.sort();
                format!("enum({})", values.join("|"))
            }
            Type::Array(inner) => format!("[{}]", self.type_key(inner)),
            Type::Map(inner) => format!("map({})", self.type_key(inner)),
            other => format!("{other:?}"),
        }
    }
}
