//! `boltz-api-codegen`: writes the compute-plane operations and models of `boltz-api` from the
//! schema snapshot.
//!
//! ```text
//! cargo run -p boltz-api-codegen            # rewrite the generated files
//! cargo run -p boltz-api-codegen -- --check # fail if any generated file is out of date
//! cargo run -p boltz-api-codegen -- --names # list every type's module and name
//! ```
//!
//! Inputs: `spec/compute.schema.json` (from `spec/extract.py`) and `spec/overrides.json`.

mod emit;
mod naming;
mod ops;
mod schema;
mod shapes;
mod unions;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use naming::Overrides;
use schema::{Location, Snapshot};
use shapes::Type;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root").to_owned()
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    match run(&mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            for problem in problems {
                eprintln!("codegen: {problem}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(mode: &str) -> Result<(), Vec<String>> {
    let root = root();
    let snapshot = Snapshot::parse(&read(&root.join("spec/compute.schema.json")).map_err(|e| vec![e])?)
        .map_err(|e| vec![e])?;
    let overrides = Overrides::parse(&read(&root.join("spec/overrides.json")).map_err(|e| vec![e])?)
        .map_err(|e| vec![e])?;
    let model = shapes::build(&snapshot).map_err(|e| vec![e])?;
    let mut top = BTreeMap::new();
    for (op, types) in snapshot.operations.iter().zip(&model.ops) {
        if let Some((Location::Body, Type::Struct(id))) = &types.params {
            let name = ops::struct_name(op, &overrides).map_err(|e| vec![e])?;
            // start and estimate_cost share their params: the type is named after start.
            if op.method != "estimate_cost" || !top.contains_key(id) {
                top.insert(*id, name);
            }
        }
    }
    let (names, problems) = naming::name(&model, &overrides, &top);
    if mode == "--names" {
        let mut lines: Vec<String> = Vec::new();
        for (place, shape) in names.shapes.iter().zip(&model.shapes) {
            lines.push(format!("{}::{}  <- {}", place.module.join("::"), place.name, shape.defs[0]));
        }
        for (place, union) in names.unions.iter().zip(&model.unions) {
            let arms: Vec<String> = union
                .arms
                .iter()
                .map(|arm| match arm {
                    Type::Struct(id) => names.shapes[*id].name.clone(),
                    other => format!("{other:?}"),
                })
                .collect();
            lines.push(format!("{}::{}  (union {})", place.module.join("::"), place.name, arms.join("|")));
        }
        for (place, e) in names.enums.iter().zip(&model.enums) {
            lines.push(format!("{}::{}  (enum {})", place.module.join("::"), place.name, e.values.join("|")));
        }
        lines.sort();
        println!("{}", lines.join("\n"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let cx = emit::Context::new(&model, &names, &overrides)?;
    if mode == "--unions" {
        for (id, decision) in &cx.decisions {
            let place = &names.unions[*id];
            println!("{}::{}: {decision:?}", place.module.join("::"), place.name);
        }
        return Ok(());
    }
    if mode == "--names" {
        return Ok(());
    }
    let mut files = BTreeMap::new();
    for (module, text) in emit::models::files(&cx) {
        files.insert(emit::model_path(&module), text);
    }
    files.extend(emit::ops::files(&cx, &snapshot.operations, &snapshot.sdk_version).map_err(|e| vec![e])?);
    let readme = read(&root.join("README.md")).map_err(|e| vec![e])?;
    let readme = emit::ops::readme(&cx, &snapshot.operations, &readme).map_err(|e| vec![e])?;
    let mut stale = Vec::new();
    let formatted: Result<Vec<(PathBuf, String)>, Vec<String>> = files
        .iter()
        .map(|(path, text)| Ok((path.clone(), emit::format(&root, text).map_err(|e| vec![e])?)))
        .collect();
    let mut formatted = formatted?;
    formatted.push((PathBuf::from("README.md"), readme));
    for (path, text) in &formatted {
        let full = root.join(path);
        let current = std::fs::read_to_string(&full).unwrap_or_default();
        if current == *text {
            continue;
        }
        if mode == "--check" {
            stale.push(format!("{} is out of date; run `cargo run -p boltz-api-codegen`", path.display()));
        } else {
            std::fs::create_dir_all(full.parent().expect("a parent")).map_err(|e| vec![e.to_string()])?;
            std::fs::write(&full, text).map_err(|e| vec![format!("{}: {e}", path.display())])?;
        }
    }
    if stale.is_empty() { Ok(()) } else { Err(stale) }
}
