//! Small pieces of Rust text: identifiers, doc comments, type paths and a file's imports.

use std::collections::{BTreeMap, BTreeSet};

use crate::naming::{Names, Place, camel};
use crate::shapes::Type;

/// Rust keywords that the API uses as field names.
const KEYWORDS: [&str; 8] = ["type", "ref", "match", "mod", "move", "use", "loop", "self"];

/// The Rust name of a JSON field: `type` reads better as `kind`, other keywords are raw.
pub(crate) fn field_ident(name: &str) -> String {
    match name {
        "type" => "kind".to_owned(),
        k if KEYWORDS.contains(&k) => format!("r#{k}"),
        _ => name.to_owned(),
    }
}

/// A JSON value as a Rust variant name: `ligand_ccd` → `LigandCcd`, `chemical/x-cif` →
/// `ChemicalXCif`, `PAINS_A` → `PainsA`.
pub(crate) fn variant_ident(value: &str) -> String {
    let words: Vec<String> = value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let lower = if w.chars().all(|c| !c.is_ascii_lowercase()) {
                w.to_ascii_lowercase()
            } else {
                w.to_owned()
            };
            camel(&lower)
        })
        .collect();
    let ident = words.concat();
    if ident.starts_with(|c: char| c.is_ascii_digit()) { format!("V{ident}") } else { ident }
}

/// A description as doc-comment lines at `indent`, with brackets and angle brackets escaped so
/// rustdoc reads them as text.
pub(crate) fn doc(text: &str, indent: &str) -> String {
    let escaped = text.replace('[', "\\[").replace(']', "\\]").replace('<', "\\<").replace('>', "\\>");
    wrapped(&escaped, indent)
}

/// Text as doc-comment lines at `indent`, prose wrapped at 100 columns; list items and other
/// indented lines are kept as they are.
pub(crate) fn wrapped(text: &str, indent: &str) -> String {
    const WIDTH: usize = 100;
    let mut out = String::new();
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(&format!("{indent}///\n"));
            continue;
        }
        let numbered = line.split_once(". ").is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        if numbered || line.starts_with([' ', '-', '*', '|']) {
            out.push_str(&format!("{indent}/// {line}\n"));
            continue;
        }
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && indent.len() + 4 + current.len() + 1 + word.len() > WIDTH {
                out.push_str(&format!("{indent}/// {current}\n"));
                current.clear();
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(&format!("{indent}/// {current}\n"));
    }
    out
}

/// The Rust path of every type a file refers to, and the `use` lines that make them short.
pub(crate) struct Imports<'a> {
    module: &'a [String],
    names: &'a Names,
    /// Short names in scope: the file's own types and what it imports.
    taken: BTreeMap<String, Option<Vec<String>>>,
    uses: BTreeSet<String>,
    /// Re-export the generated types imported from other modules, so a family's module names
    /// every type its requests and responses use.
    reexport: bool,
}

impl<'a> Imports<'a> {
    /// Imports for the file of `module`, whose own types are `local`.
    pub(crate) fn new(
        module: &'a [String],
        names: &'a Names,
        local: impl IntoIterator<Item = String>,
    ) -> Self {
        let taken = local.into_iter().map(|n| (n, None)).collect();
        Self { module, names, taken, uses: BTreeSet::new(), reexport: false }
    }

    /// Imports that re-export the generated types they bring in.
    pub(crate) fn reexporting(mut self) -> Self {
        self.reexport = true;
        self
    }

    /// Bring in an item by path (`serde::Serialize`); returns its short name.
    pub(crate) fn item(&mut self, path: &str) -> String {
        let name = path.rsplit("::").next().unwrap_or(path).to_owned();
        self.uses.insert(path.to_owned());
        name
    }

    /// How this file names a generated type.
    pub(crate) fn place(&mut self, place: &Place) -> String {
        if place.module == self.module {
            return place.name.clone();
        }
        match self.taken.get(&place.name) {
            Some(Some(module)) if *module == place.module => place.name.clone(),
            Some(_) => format!("crate::models::{}::{}", place.module.join("::"), place.name),
            None => {
                self.taken.insert(place.name.clone(), Some(place.module.clone()));
                self.uses.insert(format!("crate::models::{}::{}", place.module.join("::"), place.name));
                place.name.clone()
            }
        }
    }

    /// The Rust type of `ty`; response types are owned, request types too.
    pub(crate) fn ty(&mut self, ty: &Type) -> String {
        match ty {
            Type::String | Type::Const(_) => "String".to_owned(),
            Type::ConstTrue | Type::Boolean => "bool".to_owned(),
            Type::DateTime => {
                let dt = self.item("chrono::DateTime");
                let utc = self.item("chrono::Utc");
                format!("{dt}<{utc}>")
            }
            Type::Integer => "i64".to_owned(),
            Type::Number => "f64".to_owned(),
            Type::Any => self.item("serde_json::Value"),
            Type::Array(inner) => format!("Vec<{}>", self.ty(inner)),
            Type::Map(inner) => {
                let map = self.item("std::collections::BTreeMap");
                format!("{map}<String, {}>", self.ty(inner))
            }
            Type::Struct(id) => self.place(&self.names.shapes[*id].clone()),
            Type::Union(id) => self.place(&self.names.unions[*id].clone()),
            Type::Enum(id) => self.place(&self.names.enums[*id].clone()),
        }
    }

    /// The `use` lines, one per module, then a blank line.
    pub(crate) fn render(&self) -> String {
        let mut by_module: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for path in &self.uses {
            let (module, item) = path.rsplit_once("::").unwrap_or(("", path));
            by_module.entry(module).or_default().push(item);
        }
        let mut out = String::new();
        for (module, items) in by_module {
            let generated = module.starts_with("crate::models::") && module != "crate::models::union";
            let keyword = if self.reexport && generated { "pub use" } else { "use" };
            match items.as_slice() {
                [one] => out.push_str(&format!("{keyword} {module}::{one};\n")),
                many => out.push_str(&format!("{keyword} {module}::{{{}}};\n", many.join(", "))),
            }
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(variant_ident("ligand_ccd"), "LigandCcd");
        assert_eq!(variant_ident("chemical/x-cif"), "ChemicalXCif");
        assert_eq!(variant_ident("PAINS_A"), "PainsA");
        assert_eq!(variant_ident("CHEMBL_Dundee"), "ChemblDundee");
        assert_eq!(variant_ident("high-confidence"), "HighConfidence");
        assert_eq!(variant_ident("a3m"), "A3m");
        assert_eq!(field_ident("type"), "kind");
        assert_eq!(field_ident("match"), "r#match");
    }

    #[test]
    fn docs_escape_brackets() {
        assert_eq!(doc("A [b] <c>\n\nd", "    "), "    /// A \\[b\\] \\<c\\>\n    ///\n    /// d\n");
        let long = "word ".repeat(30);
        let lines = wrapped(&long, "");
        assert!(lines.lines().count() > 1 && lines.lines().all(|l| l.len() <= 100), "{lines}");
        assert_eq!(wrapped("- a list item stays", ""), "/// - a list item stays\n");
    }
}
