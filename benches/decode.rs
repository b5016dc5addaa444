//! Decoding: the revoke response into `ApiKey` against bare `serde_json` into a plain struct, and
//! two compute-plane bodies: a finished structure prediction and a page of 100 small-molecule
//! design results.

mod support;

use boltz_api::models::ApiKey;
use boltz_api::models::predictions::structure_and_binding::Prediction;
use boltz_api::models::small_molecule::design::DesignedMolecule;
use boltz_api::pagination::CursorPage;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::hint::black_box;
use support::{PlainApiKey, SEED};

fn file(name: &str) -> Value {
    json!({"url": format!("https://files.example/{name}?sig=abc123"), "url_expires_at": "2026-01-02T04:04:05Z"})
}

fn sample(i: usize) -> Value {
    json!({
        "metrics": {"complex_ipde": 0.31 + i as f64, "complex_iplddt": 0.82, "complex_pde": 0.44, "complex_plddt": 0.87,
                    "iptm": 0.79, "ligand_iptm": 0.71, "protein_iptm": 0.66, "ptm": 0.88, "structure_confidence": 0.84},
        "structure": file(&format!("sample_{i}.cif")),
    })
}

/// A succeeded prediction of a protein and a ligand with five samples.
fn prediction() -> String {
    json!({
        "id": "sab_pred_01hzzzzzzzzzzzzzzzzzzzzzzz", "created_at": "2026-01-02T03:04:05Z", "livemode": false,
        "model": "boltz-2.1", "status": "succeeded", "version": "2.1.0", "workspace_id": "ws_01hzzzzzz",
        "completed_at": "2026-01-02T03:09:05Z", "data_deleted_at": null, "error": null,
        "expires_at": "2026-01-16T03:09:05Z", "idempotency_key": "boltz-rs-0123456789abcdef",
        "started_at": "2026-01-02T03:04:06Z",
        "input": {"entities": [
            {"type": "protein", "chain_ids": ["A"], "value": "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWSTPSELGHAGLNGDILVWNPVLEDAFELSSMGIRVDADTLKHQLALTGDEDRLELEWHQALLRGEMPQTIGGGIGQSRLTMLLLQLPHIGQVQAGVWPAACRESVPALL"},
            {"type": "ligand_smiles", "chain_ids": ["B"], "value": "CC(=O)Oc1ccccc1C(=O)O"}
        ], "binding": {"type": "ligand_protein_binding", "binder_chain_id": "B"}, "num_samples": 5},
        "output": {
            "all_sample_results": (0..5).map(sample).collect::<Vec<_>>(),
            "best_sample": sample(0),
            "archive": file("archive.tar.gz"),
            "binding_metrics": {"type": "ligand_protein_binding_metrics", "binding_confidence": 0.77, "optimization_score": 1.25},
        },
    })
    .to_string()
}

/// One page of 100 designed molecules.
fn results_page() -> String {
    let molecule = |i: usize| {
        json!({
            "id": format!("sm_res_{i:06}"), "created_at": "2026-01-02T03:04:05Z",
            "smiles": "CC(=O)Oc1ccccc1C(=O)O",
            "artifacts": {"archive": file(&format!("{i}.tar.gz")), "structure": file(&format!("{i}.cif"))},
            "metrics": {"binding_confidence": 0.61, "complex_iplddt": 0.81, "complex_plddt": 0.86, "iptm": 0.77,
                        "optimization_score": 0.93, "ptm": 0.88, "structure_confidence": 0.85},
            "adme": null, "warnings": [],
        })
    };
    json!({"data": (0..100).map(molecule).collect::<Vec<_>>(), "first_id": "sm_res_000000",
           "last_id": "sm_res_000099", "has_more": true})
    .to_string()
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.bench_function("serde_json plain struct", |b| {
        b.iter(|| serde_json::from_slice::<PlainApiKey>(black_box(SEED.as_bytes())).unwrap())
    });
    group.bench_function("boltz_api ApiKey", |b| {
        b.iter(|| serde_json::from_slice::<ApiKey>(black_box(SEED.as_bytes())).unwrap())
    });
    let prediction = prediction();
    group.bench_function("boltz_api Prediction", |b| {
        b.iter(|| serde_json::from_slice::<Prediction>(black_box(prediction.as_bytes())).unwrap())
    });
    let page = results_page();
    group.bench_function("boltz_api 100 designed molecules", |b| {
        b.iter(|| serde_json::from_slice::<CursorPage<DesignedMolecule>>(black_box(page.as_bytes())).unwrap())
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
