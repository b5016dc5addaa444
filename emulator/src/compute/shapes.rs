//! The JSON the compute plane answers with, in the shapes of `spec/compute.schema.json`: jobs
//! (full and summary), outputs, results, progress, cost estimates, share links.
//!
//! Numbers are drawn from a hash of the job ID and the item, so the same job always reports the
//! same metrics, and its files (see `files.rs`) agree with them.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::engine::{Snapshot, Status};
use super::family::Family;
use super::files::Links;
use super::store::{JobRecord, ShareLinkRecord};

/// An RFC 3339 timestamp with milliseconds and `Z`.
pub(crate) fn ts(at: DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::Millis, true))
}

fn opt_ts(at: Option<DateTime<Utc>>) -> Value {
    at.map_or(Value::Null, ts)
}

/// A number in `[lo, hi)` drawn from `(seed, index, salt)`, rounded to 4 decimals.
pub(crate) fn draw(seed: &str, index: u64, salt: &str, lo: f64, hi: f64) -> f64 {
    let digest =
        Sha256::new().chain_update(seed).chain_update(index.to_le_bytes()).chain_update(salt).finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    let unit = (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64;
    ((lo + unit * (hi - lo)) * 10_000.0).round() / 10_000.0
}

/// With or without `input` (and a prediction's `output`): `retrieve` versus `list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum View {
    Full,
    Summary,
}

/// How long a finished prediction's data is kept before `expires_at`.
///
/// UNCONFIRMED: the service derives it from the workspace's data retention; 7 days here (the
/// emulator's default retention).
const RETENTION_DAYS: i64 = 7;

/// A job as `start`, `retrieve`, `stop` and `resume` return it (`View::Full`), or as `list`
/// returns it (`View::Summary`).
pub(crate) fn job(job: &JobRecord, links: &Links<'_>, view: View) -> Value {
    let snapshot = job.timeline.at(links.now);
    let deleted = job.data_deleted_at.is_some();
    let mut m = Map::new();
    m.insert("id".into(), json!(job.id));
    m.insert("created_at".into(), ts(job.created_at));
    m.insert("livemode".into(), json!(job.livemode));
    m.insert("workspace_id".into(), json!(job.workspace_id));
    m.insert("idempotency_key".into(), json!(job.idempotency_key));
    m.insert("status".into(), json!(snapshot.status.as_str()));
    m.insert("started_at".into(), opt_ts(snapshot.started_at));
    m.insert("completed_at".into(), opt_ts(snapshot.completed_at));
    m.insert("data_deleted_at".into(), opt_ts(job.data_deleted_at));
    let error = job
        .timeline
        .failure()
        .map_or(Value::Null, |f| json!({ "code": f.code, "message": f.message, "details": null }));
    m.insert("error".into(), error);
    if job.family.is_prediction() {
        m.insert("model".into(), json!(job.family.model()));
        // UNCONFIRMED: the value of a prediction's `version`.
        m.insert("version".into(), json!("1.0.0"));
        let expires = snapshot.completed_at.map(|at| at + TimeDelta::days(RETENTION_DAYS));
        m.insert("expires_at".into(), opt_ts(expires));
        if view == View::Full {
            let input = if deleted { Value::Null } else { echo_input(job, links) };
            m.insert("input".into(), input);
            let output = if !deleted && snapshot.status == Status::Succeeded {
                match job.family {
                    Family::Adme => adme_output(job),
                    _ => sab_output(job, links),
                }
            } else {
                Value::Null
            };
            m.insert("output".into(), output);
        }
    } else {
        let (pipeline, version) = job.family.pipeline();
        m.insert("engine".into(), json!(pipeline));
        m.insert("engine_version".into(), json!(version));
        m.insert("pipeline".into(), json!(pipeline));
        m.insert("pipeline_version".into(), json!(version));
        m.insert("stopped_at".into(), opt_ts(snapshot.stopped_at));
        m.insert("progress".into(), progress(job, &snapshot, links.now));
        if view == View::Full {
            let input = if deleted { Value::Null } else { echo_input(job, links) };
            m.insert("input".into(), input);
        }
    }
    Value::Object(m)
}

/// `progress` of a pipeline; the counters follow the results produced so far.
fn progress(job: &JobRecord, snapshot: &Snapshot, now: DateTime<Utc>) -> Value {
    let done = job.timeline.produced(now, job.total);
    let latest = if done > 0 { json!(result_id(job, done)) } else { Value::Null };
    let total = job.total;
    match job.family {
        Family::ProteinDesign | Family::SequenceRedesign => json!({
            "num_proteins_generated": done,
            "total_proteins_to_generate": total,
            "latest_result_id": latest,
        }),
        Family::ProteinLibraryScreen => json!({
            "num_proteins_screened": done,
            "num_proteins_failed": 0,
            "total_proteins_to_screen": total,
            "latest_result_id": latest,
        }),
        Family::SmallMoleculeDesign => json!({
            "num_molecules_generated": done,
            "total_molecules_to_generate": total,
            "latest_result_id": latest,
        }),
        Family::SmallMoleculeLibraryScreen => json!({
            "num_molecules_screened": done,
            "num_molecules_failed": 0,
            "total_molecules_to_screen": total,
            "rejection_summary": { "filtered_count": 0, "invalid_count": 0 },
            "latest_result_id": latest,
        }),
        Family::Explore => {
            // Before the first result: preparing the library for the first half of the time
            // the first result takes, then building the graph. UNCONFIRMED: the real phases'
            // lengths; `library_size` is omitted while preparing and then reported as the budget.
            let first = job.timeline.work_for_item(1, total);
            let phase = if done > 0 || snapshot.status == Status::Succeeded {
                "scoring"
            } else if snapshot.work_ms * 2 < first {
                "preparing_library"
            } else {
                "building_graph"
            };
            let mut progress = json!({
                "num_molecules_scored": done,
                "num_molecules_failed": 0,
                "total_molecules_to_score": total,
                "phase": phase,
                "rejection_summary": { "duplicate_count": 0, "filtered_count": 0, "invalid_count": 0 },
                "latest_result_id": latest,
            });
            if phase != "preparing_library" {
                progress["library_size"] = json!(total);
            }
            progress
        }
        Family::Adme | Family::StructureAndBinding => Value::Null,
    }
}

/// The ID of result `k` (1-based) of a pipeline: `res_<job token>_<k>`.
pub(crate) fn result_id(job: &JobRecord, k: u64) -> String {
    format!("res_{}_{k}", job.token())
}

/// The index of a result ID of this job, if it is one (whether or not it exists yet).
pub(crate) fn result_index(job: &JobRecord, id: &str) -> Option<u64> {
    let rest = id.strip_prefix("res_")?.strip_prefix(job.token())?.strip_prefix('_')?;
    if rest.starts_with('0') {
        return None;
    }
    rest.parse().ok().filter(|k| *k >= 1)
}

/// Result `k` of a pipeline, as `list_results` returns it.
pub(crate) fn result(job: &JobRecord, k: u64, links: &Links<'_>) -> Value {
    let id = result_id(job, k);
    let created_at = ts(job.timeline.time_of_work(job.timeline.work_for_item(k, job.total)));
    let file = |name: &str| links.file(&job.id, &format!("results/{id}/{name}"));
    let seed = job.id.as_str();
    match job.family {
        Family::ProteinDesign | Family::SequenceRedesign => {
            let generic = job.variant.as_deref() == Some("generic");
            let mut item = json!({
                "id": id,
                "created_at": created_at,
                "entities": [{ "type": "protein", "chain_ids": ["B"], "value": protein_sequence(seed, k) }],
                "metrics": protein_metrics(seed, k, !generic),
                "artifacts": { "archive": file("archive.tar.gz"), "structure": file("structure.cif") },
                "warnings": [],
            });
            if let Some(variant) = &job.variant {
                item["type"] = json!(variant);
            }
            item
        }
        Family::ProteinLibraryScreen => {
            let protein = job.request["proteins"].get((k - 1) as usize).cloned().unwrap_or(Value::Null);
            json!({
                "id": id,
                "created_at": created_at,
                "entities": protein.get("entities").cloned().unwrap_or_else(|| json!([])),
                "external_id": protein.get("id").cloned().unwrap_or(Value::Null),
                "metrics": protein_metrics(seed, k, true),
                "artifacts": { "archive": file("archive.tar.gz"), "structure": file("structure.cif") },
                "warnings": [],
            })
        }
        Family::SmallMoleculeDesign | Family::SmallMoleculeLibraryScreen | Family::Explore => {
            let mut item = json!({
                "id": id,
                "created_at": created_at,
                "smiles": molecule_smiles(job, k),
                "metrics": molecule_metrics(seed, k),
                "artifacts": {
                    "archive": file("archive.tar.gz"),
                    "structure": file("structure.cif"),
                    "ligand_structure": file("ligand.cif"),
                },
                "warnings": [],
            });
            if job.family != Family::Explore {
                item["adme"] = adme_properties(seed, k);
            }
            if job.family == Family::SmallMoleculeLibraryScreen {
                let molecule = &job.request["molecules"][(k - 1) as usize];
                item["external_id"] = molecule.get("id").cloned().unwrap_or(Value::Null);
            }
            if job.family == Family::Explore {
                // The library is not read: IDs stand in for its `id_column`, or are the
                // zero-based record index, as the SDK documents for a library without IDs.
                let has_ids = job.request.pointer("/library/id_column").is_some();
                item["external_id"] =
                    if has_ids { json!(format!("mol-{k}")) } else { json!((k - 1).to_string()) };
            }
            item
        }
        Family::Adme | Family::StructureAndBinding => Value::Null,
    }
}

/// The metrics a result's `result/metrics.json` holds: the same as its JSON `metrics`.
pub(crate) fn result_metrics(job: &JobRecord, k: u64) -> Value {
    match job.family {
        Family::ProteinDesign | Family::SequenceRedesign => {
            protein_metrics(&job.id, k, job.variant.as_deref() != Some("generic"))
        }
        Family::ProteinLibraryScreen => protein_metrics(&job.id, k, true),
        _ => molecule_metrics(&job.id, k),
    }
}

fn protein_metrics(seed: &str, k: u64, binder: bool) -> Value {
    let helix = draw(seed, k, "helix", 0.2, 0.7);
    let sheet = ((1.0 - helix) * draw(seed, k, "sheet", 0.1, 0.6) * 10_000.0).round() / 10_000.0;
    let loop_fraction = ((1.0 - helix - sheet) * 10_000.0).round() / 10_000.0;
    let mut metrics = json!({
        "structure_confidence": draw(seed, k, "structure_confidence", 0.55, 0.95),
        "helix_fraction": helix,
        "sheet_fraction": sheet,
        "loop_fraction": loop_fraction,
    });
    if binder {
        metrics["binding_confidence"] = json!(draw(seed, k, "binding_confidence", 0.3, 0.95));
        metrics["iptm"] = json!(draw(seed, k, "iptm", 0.3, 0.9));
        metrics["min_interaction_pae"] = json!(draw(seed, k, "min_interaction_pae", 1.0, 12.0));
        metrics["ipsae_min"] = json!(draw(seed, k, "ipsae_min", 0.1, 0.8));
    }
    metrics
}

fn molecule_metrics(seed: &str, k: u64) -> Value {
    json!({
        "binding_confidence": draw(seed, k, "binding_confidence", 0.3, 0.95),
        "optimization_score": draw(seed, k, "optimization_score", -2.0, 2.0),
        "structure_confidence": draw(seed, k, "structure_confidence", 0.55, 0.95),
        "iptm": draw(seed, k, "iptm", 0.3, 0.9),
        "ptm": draw(seed, k, "ptm", 0.4, 0.95),
        "complex_plddt": draw(seed, k, "complex_plddt", 0.5, 0.95),
        "complex_iplddt": draw(seed, k, "complex_iplddt", 0.4, 0.9),
    })
}

fn adme_properties(seed: &str, k: u64) -> Value {
    let solubility = ["high-confidence", "medium-confidence", "high-risk"]
        [(draw(seed, k, "solubility", 0.0, 2.9999) as usize).min(2)];
    json!({
        "lipophilicity": draw(seed, k, "lipophilicity", -1.0, 5.0),
        "permeability": draw(seed, k, "permeability", -7.0, -4.0),
        "solubility": solubility,
    })
}

/// A protein sequence of 40 to 79 residues.
pub(crate) fn protein_sequence(seed: &str, k: u64) -> String {
    const AMINO_ACIDS: &[u8] = b"ACDEFGHIKLMNPQRSTVWY";
    let len = 40 + (draw(seed, k, "length", 0.0, 39.999) as usize);
    let mut sequence = String::with_capacity(len);
    let mut block = Vec::new();
    for i in 0..len {
        if i % 32 == 0 {
            block = Sha256::new()
                .chain_update(seed)
                .chain_update(k.to_le_bytes())
                .chain_update(i.to_le_bytes())
                .finalize()
                .to_vec();
        }
        sequence.push(AMINO_ACIDS[usize::from(block[i % 32]) % AMINO_ACIDS.len()] as char);
    }
    sequence
}

/// A result's SMILES: the screened molecule's, or one of a few real molecules, lengthened to
/// tell them apart.
pub(crate) fn molecule_smiles(job: &JobRecord, k: u64) -> String {
    if job.family == Family::SmallMoleculeLibraryScreen {
        if let Some(smiles) = job.request["molecules"][(k - 1) as usize]["smiles"].as_str() {
            return smiles.to_owned();
        }
    }
    const BASES: [&str; 8] = [
        "CC(=O)Oc1ccccc1C(=O)O",
        "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
        "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
        "c1ccc2c(c1)cc[nH]2",
        "CC(=O)Nc1ccc(O)cc1",
        "OC(=O)c1ccccc1O",
        "c1ccncc1",
        "CCN(CC)CCOC(=O)c1ccc(N)cc1",
    ];
    let base = BASES[(k as usize - 1) % BASES.len()];
    format!("{base}{}", "C".repeat((k as usize - 1) / BASES.len() % 6))
}

/// ADME `output`: one entry per molecule; an empty or blank SMILES fails.
fn adme_output(job: &JobRecord) -> Value {
    let molecules =
        job.request.pointer("/input/molecules").and_then(Value::as_array).cloned().unwrap_or_default();
    let entries: Vec<Value> = molecules
        .iter()
        .enumerate()
        .map(|(i, molecule)| {
            let smiles = molecule["smiles"].as_str().unwrap_or_default();
            let external_id = molecule.get("id").cloned().unwrap_or(Value::Null);
            let id = format!("mol_{}_{}", job.token(), i + 1);
            if smiles.trim().is_empty() || smiles.contains(char::is_whitespace) {
                json!({
                    "id": id, "smiles": smiles, "external_id": external_id, "status": "failed",
                    "adme": null,
                    "error": { "code": "invalid_smiles", "message": format!("`{smiles}` is not a valid SMILES string"), "details": null },
                })
            } else {
                json!({
                    "id": id, "smiles": smiles, "external_id": external_id, "status": "succeeded",
                    "adme": adme_properties(&job.id, i as u64 + 1), "error": null,
                })
            }
        })
        .collect();
    json!({ "molecules": entries })
}

/// A structure-and-binding sample's metrics.
pub(crate) fn sample_metrics(job: &JobRecord, sample: u64) -> Value {
    let seed = job.id.as_str();
    json!({
        "structure_confidence": draw(seed, sample, "structure_confidence", 0.55, 0.95),
        "ptm": draw(seed, sample, "ptm", 0.4, 0.95),
        "iptm": draw(seed, sample, "iptm", 0.3, 0.9),
        "ligand_iptm": draw(seed, sample, "ligand_iptm", 0.3, 0.9),
        "protein_iptm": draw(seed, sample, "protein_iptm", 0.3, 0.9),
        "complex_plddt": draw(seed, sample, "complex_plddt", 0.5, 0.95),
        "complex_iplddt": draw(seed, sample, "complex_iplddt", 0.4, 0.9),
        "complex_pde": draw(seed, sample, "complex_pde", 0.5, 3.0),
        "complex_ipde": draw(seed, sample, "complex_ipde", 0.5, 5.0),
    })
}

/// How many samples a structure-and-binding prediction makes (`num_samples`, default 1).
///
/// UNCONFIRMED: the service's default `num_samples`.
pub(crate) fn sample_count(job: &JobRecord) -> u64 {
    job.request.pointer("/input/num_samples").and_then(Value::as_u64).unwrap_or(1).max(1)
}

/// Whether a structure-and-binding prediction has a ligand, and so a ligand structure file.
pub(crate) fn has_ligand(job: &JobRecord) -> bool {
    job.request.pointer("/input/entities").and_then(Value::as_array).is_some_and(|entities| {
        entities.iter().any(|e| e["type"].as_str().is_some_and(|t| t.starts_with("ligand")))
    })
}

/// The sample with the highest `structure_confidence`.
pub(crate) fn best_sample(job: &JobRecord) -> u64 {
    (0..sample_count(job))
        .max_by(|a, b| {
            let score = |s: u64| sample_metrics(job, s)["structure_confidence"].as_f64().unwrap_or(0.0);
            score(*a).total_cmp(&score(*b)).then(b.cmp(a))
        })
        .unwrap_or(0)
}

/// `binding_metrics`, when the request asked for a binding.
pub(crate) fn binding_metrics(job: &JobRecord) -> Value {
    let seed = job.id.as_str();
    match job.request.pointer("/input/binding/type").and_then(Value::as_str) {
        Some("ligand_protein_binding") => json!({
            "type": "ligand_protein_binding_metrics",
            "binding_confidence": draw(seed, 0, "binding_confidence", 0.3, 0.95),
            "optimization_score": draw(seed, 0, "optimization_score", -2.0, 2.0),
        }),
        Some("protein_protein_binding") => json!({
            "type": "protein_protein_binding_metrics",
            "binding_confidence": draw(seed, 0, "binding_confidence", 0.3, 0.95),
        }),
        _ => Value::Null,
    }
}

fn sab_output(job: &JobRecord, links: &Links<'_>) -> Value {
    let ligand = has_ligand(job);
    let sample = |i: u64| {
        let ligand_structure =
            if ligand { links.file(&job.id, &format!("samples/{i}/ligand.cif")) } else { Value::Null };
        json!({
            "structure": links.file(&job.id, &format!("samples/{i}/structure.cif")),
            "ligand_structure": ligand_structure,
            "metrics": sample_metrics(job, i),
        })
    };
    json!({
        "archive": links.file(&job.id, "archive.tar.gz"),
        "best_sample": sample(best_sample(job)),
        "all_sample_results": (0..sample_count(job)).map(sample).collect::<Vec<_>>(),
        "binding_metrics": binding_metrics(job),
    })
}

/// The part of the start body a job echoes as `input`, before files are swapped for links, and
/// the parts that become one file each (library-screen lists, the explore library).
fn echo_base(job: &JobRecord) -> (Value, Option<Value>) {
    if job.family.is_prediction() {
        return (job.request.get("input").cloned().unwrap_or(Value::Null), None);
    }
    let mut input = job.request.clone();
    if let Some(object) = input.as_object_mut() {
        if matches!(
            job.family,
            Family::ProteinLibraryScreen | Family::SmallMoleculeLibraryScreen | Family::Explore
        ) {
            object.remove("idempotency_key");
            object.remove("workspace_id");
        }
        let library = if job.family == Family::Explore { object.remove("library") } else { None };
        return (input, library);
    }
    (input, None)
}

/// The file name an input source is served under: `input/<n>.cif` or `.pdb`.
fn source_name(n: usize, source: &Map<String, Value>) -> String {
    let pdb = source.get("media_type").and_then(Value::as_str) == Some("chemical/x-pdb")
        || source
            .get("url")
            .and_then(Value::as_str)
            .is_some_and(|u| u.to_ascii_lowercase().ends_with(".pdb"));
    format!("input/{n}.{}", if pdb { "pdb" } else { "cif" })
}

fn is_source(map: &Map<String, Value>) -> bool {
    match map.get("type").and_then(Value::as_str) {
        Some("url") => map.get("url").is_some_and(Value::is_string),
        Some("base64") => map.get("data").is_some_and(Value::is_string),
        _ => false,
    }
}

/// Visit every inline file (`{type: url|base64, …}`) in document order, replacing it with
/// whatever `replace` returns.
fn rewrite_sources(
    value: &mut Value,
    next: &mut usize,
    replace: &mut dyn FnMut(usize, &Map<String, Value>) -> Value,
) {
    match value {
        Value::Object(map) if is_source(map) => {
            let replacement = replace(*next, map);
            *next += 1;
            *value = replacement;
        }
        Value::Object(map) => map.values_mut().for_each(|v| rewrite_sources(v, next, replace)),
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_sources(v, next, replace)),
        _ => {}
    }
}

/// The job's `input` as the API echoes it: inline files become presigned links (keeping an
/// `id`), library-screen lists become one file, and the explore library's base64 source too.
///
/// UNCONFIRMED: the format of the file a library-screen list becomes (JSON Lines here, one
/// request item per line), and that an explore library given by URL is echoed as sent.
fn echo_input(job: &JobRecord, links: &Links<'_>) -> Value {
    let (mut input, library) = echo_base(job);
    let mut next = 0;
    rewrite_sources(&mut input, &mut next, &mut |n, source| {
        let mut file = links.file(&job.id, &source_name(n, source));
        if let Some(id) = source.get("id") {
            file["id"] = id.clone();
        }
        file
    });
    match job.family {
        Family::ProteinLibraryScreen => input["proteins"] = links.file(&job.id, "input/proteins.jsonl"),
        Family::SmallMoleculeLibraryScreen => {
            input["molecules"] = links.file(&job.id, "input/molecules.jsonl")
        }
        Family::Explore => {
            let mut library = library.unwrap_or_else(|| json!({}));
            if library.get("smiles_column").is_none() {
                // UNCONFIRMED: the default SMILES column name.
                library["smiles_column"] = json!("smiles");
            }
            if library.pointer("/source/type").and_then(Value::as_str) == Some("base64") {
                let format = library["format"].as_str().unwrap_or("csv").to_owned();
                library["source"] = links.file(&job.id, &format!("input/library.{format}"));
            }
            input["library"] = library;
        }
        _ => {}
    }
    input
}

/// The inline file a job's `input/<n>.<ext>` link stands for.
pub(crate) fn input_source(job: &JobRecord, name: &str) -> Option<Map<String, Value>> {
    let (mut input, _) = echo_base(job);
    let mut found = None;
    let mut next = 0;
    rewrite_sources(&mut input, &mut next, &mut |n, source| {
        if source_name(n, source) == name {
            found = Some(source.clone());
        }
        Value::Null
    });
    found
}

/// `estimate_cost`: the same request always gets the same estimate.
pub(crate) fn estimate(family: Family, body: &Value) -> Value {
    let len = |pointer: &str| body.pointer(pointer).and_then(Value::as_array).map_or(0, Vec::len) as u64;
    let number = |pointer: &str| body.pointer(pointer).and_then(Value::as_u64);
    let units = match family {
        Family::Adme => len("/input/molecules"),
        Family::StructureAndBinding => number("/input/num_samples").unwrap_or(1),
        Family::ProteinDesign | Family::SequenceRedesign => number("/num_proteins").unwrap_or(0),
        Family::ProteinLibraryScreen => len("/proteins"),
        Family::SmallMoleculeDesign => number("/num_molecules").unwrap_or(0),
        Family::SmallMoleculeLibraryScreen => len("/molecules"),
        Family::Explore => number("/budget").unwrap_or(0),
    };
    let (application, unit_micro_usd) = family.application();
    json!({
        "breakdown": {
            "application": application,
            "cost_per_unit_usd": usd(unit_micro_usd, 4),
            "num_units": units,
        },
        "disclaimer": "Estimated by the Boltz API emulator from the request alone; it is not a quote.",
        "estimated_cost_usd": usd(units.saturating_mul(unit_micro_usd), 2),
    })
}

/// Micro-USD as a decimal string with `decimals` places (truncated).
fn usd(micro: u64, decimals: u32) -> String {
    let fraction = (micro % 1_000_000) / 10u64.pow(6 - decimals);
    format!("{}.{fraction:0width$}", micro / 1_000_000, width = decimals as usize)
}

/// `list_curated_specifications` for `nanobody` or `antibody`.
pub(crate) fn curated_specifications(kind: &str) -> Value {
    let all = [
        ("nanobody", "Boltz curated nanobody scaffolds", "boltz_nanobody"),
        ("antibody", "Boltz curated antibody scaffolds", "boltz_antibody"),
    ];
    let data: Vec<Value> = all
        .iter()
        .filter(|(k, _, _)| kind == *k)
        .map(|(_, name, binder)| {
            json!({ "name": name, "binder_specification": { "type": "boltz_curated", "binder": binder } })
        })
        .collect();
    json!({ "data": data })
}

/// A share link as `create` and `retrieve` return it.
///
/// `url` is null: the emulator has no app host (the field is documented as present only then).
pub(crate) fn share_link(link: &ShareLinkRecord) -> Value {
    json!({
        "id": link.id,
        "access_parameters": link.access_parameters,
        "archived_at": opt_ts(link.archived_at),
        "created_at": ts(link.created_at),
        "expires_at": ts(link.expires_at),
        "pipeline_ids": link.pipeline_ids,
        "prediction_ids": link.prediction_ids,
        "url": null,
        "workspace_id": link.workspace_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_and_in_range() {
        let a = draw("job", 3, "iptm", 0.3, 0.9);
        assert_eq!(a, draw("job", 3, "iptm", 0.3, 0.9));
        assert_ne!(a, draw("job", 4, "iptm", 0.3, 0.9));
        for k in 0..200 {
            let x = draw("job", k, "x", -1.0, 1.0);
            assert!((-1.0..=1.0).contains(&x));
        }
    }

    #[test]
    fn money_is_written_in_dollars() {
        assert_eq!(usd(10_000, 4), "0.0100");
        assert_eq!(usd(2_500_000, 2), "2.50");
        assert_eq!(usd(123_456_789, 2), "123.45");
    }

    #[test]
    fn sequences_and_helix_fractions_are_plausible() {
        let sequence = protein_sequence("job", 1);
        assert!((40..80).contains(&sequence.len()));
        assert_eq!(sequence, protein_sequence("job", 1));
        let metrics = protein_metrics("job", 1, false);
        let sum = ["helix_fraction", "sheet_fraction", "loop_fraction"]
            .iter()
            .map(|k| metrics[k].as_f64().unwrap())
            .sum::<f64>();
        assert!((sum - 1.0).abs() < 1e-3, "{sum}");
        assert!(metrics.get("iptm").is_none());
    }
}
