//! The emulator's compute plane through the typed client: every one of the 61 compute operations
//! is called with the `boltz_api::Client` facades against the emulator and decodes into the
//! generated models, and every response body (recorded by a layer under the typed adapter) also
//! validates against its operation's schema in `spec/compute.schema.json`, which the typed
//! decoding alone cannot prove: the models accept unknown enum values, union tags and fields.
//!
//! This is the cross-check that the emulator's JSON and the generated models agree with the
//! official SDK's schema, and each other.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use boltz_api::Client;
use boltz_api::api::predictions::adme::{ListAdmePredictions, StartAdme};
use boltz_api::api::predictions::structure_and_binding::{
    ListStructureAndBindingPredictions, StartStructureAndBinding,
};
use boltz_api::api::protein::design::{
    ListCuratedSpecifications, ListProteinDesignResults, ListProteinDesignRuns, StartProteinDesign,
};
use boltz_api::api::protein::library_screen::{ListProteinLibraryScreens, StartProteinLibraryScreen};
use boltz_api::api::protein::sequence_redesign::{ListSequenceRedesignRuns, StartSequenceRedesign};
use boltz_api::api::share_links::{CreateShareLink, ListSharedPipelineResults};
use boltz_api::api::small_molecule::design::{ListSmallMoleculeDesignRuns, StartSmallMoleculeDesign};
use boltz_api::api::small_molecule::explore::StartExplore;
use boltz_api::api::small_molecule::library_screen::{
    ListSmallMoleculeLibraryScreens, StartSmallMoleculeLibraryScreen,
};
use boltz_api::json::{HttpRequest, HttpResponse};
use boltz_api::models::common::params as common;
use boltz_api::models::predictions::adme::params as adme;
use boltz_api::models::predictions::structure_and_binding::params as sab;
use boltz_api::models::protein::design::DesignResult;
use boltz_api::models::protein::design::params as design;
use boltz_api::models::protein::library_screen::params as protein_screen;
use boltz_api::models::protein::params as protein;
use boltz_api::models::protein::sequence_redesign::params as redesign;
use boltz_api::models::share_links::{Pipeline, Prediction};
use boltz_api::models::small_molecule::design::params as molecule_design;
use boltz_api::models::small_molecule::explore::params as explore;
use boltz_api::models::small_molecule::params as molecule;
use boltz_api_emulator::{Emulator, Fault, FaultAction};
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use http::Method;
use serde_json::Value;
use tower::{Layer, Service};

const SEQUENCE: &str = "MKTAYIAKQRQISFVKSHFSRQ";
const ASPIRIN: &str = "CC(=O)Oc1ccccc1C(=O)O";

/// One response as it passed under the typed adapter: method, path, status, body.
type Exchange = (Method, String, u16, Bytes);

/// Every response that passes under the typed adapter.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Exchange>>>);

impl<S> Layer<S> for Recorder {
    type Service = Recording<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Recording { inner, log: self.clone() }
    }
}

#[derive(Clone)]
struct Recording<S> {
    inner: S,
    log: Recorder,
}

impl<S> Service<HttpRequest> for Recording<S>
where
    S: Service<HttpRequest, Response = HttpResponse>,
    S::Future: Send + 'static,
{
    type Response = HttpResponse;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<HttpResponse, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: HttpRequest) -> Self::Future {
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        let response = self.inner.call(req);
        let log = self.log.clone();
        Box::pin(async move {
            let response = response.await;
            if let Ok(response) = &response {
                let entry = (method, path, response.status().as_u16(), response.body().clone());
                log.0.lock().unwrap().push(entry);
            }
            response
        })
    }
}

fn snapshot() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/compute.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A small JSON Schema check (the subset the snapshot uses): `$ref`, `anyOf`, `const`, `enum`,
/// `type` (with `date-time` strings), `properties`, `required`, `items`, `additionalProperties`.
fn check(
    schema: &Value,
    value: &Value,
    defs: &serde_json::Map<String, Value>,
    at: &str,
) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return check(&defs[reference.trim_start_matches("#/definitions/")], value, defs, at);
    }
    if let Some(arms) = schema.get("anyOf").and_then(Value::as_array) {
        let errors: Vec<String> = arms.iter().filter_map(|arm| check(arm, value, defs, at).err()).collect();
        return if errors.len() < arms.len() {
            Ok(())
        } else {
            Err(format!("{at}: no arm of the union matches: [{}]", errors.join(" | ")))
        };
    }
    if let Some(constant) = schema.get("const") {
        return if constant == value { Ok(()) } else { Err(format!("{at}: {value} is not {constant}")) };
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return if values.contains(value) { Ok(()) } else { Err(format!("{at}: {value} not in {values:?}")) };
    }
    let wrong = |kind: &str| Err(format!("{at}: {value} is not {kind}"));
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let Some(object) = value.as_object() else { return wrong("an object") };
            for name in schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    return Err(format!("{at}: `{name}` is required"));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            for (name, field) in object {
                let at = format!("{at}.{name}");
                match properties.and_then(|p| p.get(name)) {
                    Some(property) => check(property, field, defs, &at)?,
                    None => match schema.get("additionalProperties") {
                        Some(Value::Bool(false)) => return Err(format!("{at}: not allowed")),
                        Some(extra @ Value::Object(_)) => check(extra, field, defs, &at)?,
                        _ => {}
                    },
                }
            }
            Ok(())
        }
        Some("array") => {
            let Some(items) = value.as_array() else { return wrong("an array") };
            for (i, item) in items.iter().enumerate() {
                check(&schema["items"], item, defs, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        Some("string") => match value.as_str() {
            Some(text) if schema.get("format").and_then(Value::as_str) == Some("date-time") => {
                match chrono::DateTime::parse_from_rfc3339(text) {
                    Ok(_) => Ok(()),
                    Err(_) => wrong("an RFC 3339 date-time"),
                }
            }
            Some(_) => Ok(()),
            None => wrong("a string"),
        },
        Some("integer") if value.is_i64() || value.is_u64() => Ok(()),
        Some("integer") => wrong("an integer"),
        Some("number") if value.is_number() => Ok(()),
        Some("number") => wrong("a number"),
        Some("boolean") if value.is_boolean() => Ok(()),
        Some("boolean") => wrong("a boolean"),
        Some("null") if value.is_null() => Ok(()),
        Some("null") => wrong("null"),
        _ => Ok(()),
    }
}

/// The snapshot operation a request was, by method and path (static segments preferred).
fn operation<'s>(ops: &'s [Value], method: &Method, path: &str) -> Option<&'s Value> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut candidates: Vec<&Value> = ops
        .iter()
        .filter(|op| op["http_method"] == method.as_str())
        .filter(|op| {
            let template: Vec<&str> = op["path"].as_str().unwrap().trim_matches('/').split('/').collect();
            template.len() == segments.len()
                && template.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s)
        })
        .collect();
    candidates.sort_by_key(|op| op["path"].as_str().unwrap().matches('{').count());
    candidates.first().copied()
}

/// Validate every recorded 2xx compute response against its schema; return the operations seen.
fn validate(recorder: &Recorder) -> BTreeSet<String> {
    let snapshot = snapshot();
    let defs = snapshot["definitions"].as_object().unwrap();
    let ops = snapshot["operations"].as_array().unwrap();
    let mut seen = BTreeSet::new();
    for (method, path, status, body) in recorder.0.lock().unwrap().iter() {
        assert!((200..300).contains(status), "{method} {path} answered {status}");
        let op = operation(ops, method, path).unwrap_or_else(|| panic!("no operation for {method} {path}"));
        let name = format!("{}.{}", op["resource"].as_str().unwrap(), op["method"].as_str().unwrap());
        let body: Value = serde_json::from_slice(body).unwrap();
        let schema = &op["response"]["schema"];
        let result = if op["response"]["page"] == "CursorPage" {
            for field in ["first_id", "last_id"] {
                assert!(body[field].is_string() || body[field].is_null(), "{name}: {field}");
            }
            assert!(body["has_more"].is_boolean(), "{name}: has_more");
            let items = body["data"].as_array().unwrap_or_else(|| panic!("{name}: data"));
            items
                .iter()
                .enumerate()
                .try_for_each(|(i, item)| check(schema, item, defs, &format!("data[{i}]")))
        } else {
            check(schema, &body, defs, "$")
        };
        if let Err(err) = result {
            panic!("{name} ({method} {path}) does not match the schema: {err}\n{body}");
        }
        seen.insert(name);
    }
    seen
}

fn adme_request() -> StartAdme {
    StartAdme::new(adme::Input::new([
        common::Molecule::new(ASPIRIN).id("aspirin"),
        common::Molecule::new("CCO"),
    ]))
    .idempotency_key("adme-1")
}

fn sab_request() -> StartStructureAndBinding {
    let protein = sab::Boltz2ProteinEntity::new(["A"], SEQUENCE)
        .modifications([common::Modification::new(4, "SEP")])
        .msa(sab::Boltz2EmptyMsa::new());
    let input = sab::Input::new([
        sab::Entity::from(protein),
        sab::Entity::ligand_smiles("B", ASPIRIN),
        sab::Entity::ligand_ccd("C", "ATP"),
    ])
    .binding(sab::LigandProteinBinding::new("B"))
    .bonds([common::Bond::new(common::PolymerAtom::new("SG", "A", 1), common::LigandAtom::new("PG", "C"))])
    .constraints([common::PocketConstraint::new("B", BTreeMap::from([("A".to_owned(), vec![5, 6, 7])]), 6.5)])
    .model_options(sab::ModelOption::new().recycling_steps(3).sampling_steps(200))
    .num_samples(2)
    .templates([sab::Template::new(
        [sab::TemplateChain::new("A", "X")],
        sab::TemplateStructure::url("https://example.com/template.cif"),
    )]);
    StartStructureAndBinding::new(input).idempotency_key("sab-1")
}

/// The legacy form (`binder_specification`), whose results are the ones share links list.
fn legacy_design_request() -> StartProteinDesign {
    let chain = |crop: Vec<i64>| design::StructureTemplatePolymerChainSpec::new(crop).into();
    let binder = design::StructureTemplateBinderSpec::new(
        BTreeMap::from([("H".to_owned(), chain(vec![0, 1, 2, 3]))]),
        design::Modality::Nanobody,
        common::URLSource::new("https://example.com/nanobody.cif"),
    );
    let target = protein::StructureTemplateTarget::new(
        BTreeMap::from([("A".to_owned(), protein::StructureTemplateLigandChainSpec::new().into())]),
        protein::CifBase64Source::new("ZGF0YV94Cg=="),
    );
    StartProteinDesign::new(design::LegacyDesignRun::new(binder, 4, target).idempotency_key("design-legacy"))
}

fn binder_design_request() -> StartProteinDesign {
    let binder = design::SingleProteinDesignBinder::new(
        [design::ProteinDesignNoTemplateEntity::new(design::DesignedProteinEntity::new(["B"], "MK8..12GS"))],
        design::Modality::Peptide,
    );
    let target = design::Target::new([design::TargetEntity::from(
        design::ProteinDesignTargetFromTemplateEntity::new("A", protein::CropResidue::All, "target")
            .epitope_residues([10, 11, 12]),
    )]);
    let templates = [design::ProteinDesignURLTemplate::new("target", "https://example.com/target.cif")];
    StartProteinDesign::new(
        design::BinderDesignRun::new(binder, 4, target, templates).idempotency_key("design-binder"),
    )
}

fn generic_design_request() -> StartProteinDesign {
    let entity =
        design::ProteinDesignNoTemplateEntity::new(design::DesignedProteinEntity::new(["A"], "MK20..30"));
    let templates = [design::ProteinDesignBase64Template::new("scaffold", "ZGF0YV94Cg==")];
    StartProteinDesign::new(
        design::GenericDesignRun::new([entity], 4, templates).idempotency_key("design-generic"),
    )
}

fn protein_screen_request() -> StartProteinLibraryScreen {
    let proteins = [
        protein_screen::Protein::new([common::ProteinEntity::new(["B"], "EVQLVESGGGLVQ")]).id("vhh-1"),
        protein_screen::Protein::new([common::ProteinEntity::new(["B"], "QVQLQESGPGLVK")]),
        protein_screen::Protein::new([common::ProteinEntity::new(["B"], "DVQLVESGGGSVQ")]).id("vhh-3"),
    ];
    let chain_selection = BTreeMap::from([(
        "A".to_owned(),
        protein::StructureTemplateTargetPolymerChainSpec::new(vec![0, 1, 2, 3, 4, 5])
            .epitope_residues([2, 3])
            .into(),
    )]);
    let target = protein::StructureTemplateTarget::new(
        chain_selection,
        protein::Structure::url("https://example.com/t.cif"),
    );
    StartProteinLibraryScreen::new(proteins, target).idempotency_key("protein-screen-1")
}

fn redesign_request() -> StartSequenceRedesign {
    let motif =
        redesign::DesignMotif::new([protein::ExcludedSequenceMotifsDesignFilter::new(["NG"])], [10, 11, 12]);
    let entities = [
        redesign::RedesignEntity::from(redesign::BinderSequenceRedesignTargetEntity::new("A")),
        redesign::BinderSequenceRedesignBinderEntity::new("B").design_motifs([motif]).into(),
    ];
    let run = redesign::BinderRedesignRun::new(entities, 4, protein::CifBase64Source::new("ZGF0YV94Cg=="))
        .idempotency_key("redesign-1");
    StartSequenceRedesign::new(run)
}

fn molecule_target() -> molecule::Target {
    molecule::Target::new([common::ProteinEntity::new(["A"], SEQUENCE)])
        .pocket_residues(BTreeMap::from([("A".to_owned(), vec![3, 4, 5])]))
}

fn molecule_design_request() -> StartSmallMoleculeDesign {
    StartSmallMoleculeDesign::new(10, molecule_target())
        .chemical_space(molecule_design::ChemicalSpace::EnamineReal)
        .molecule_filters(
            molecule::MoleculeFilters::new()
                .boltz_smarts_catalog_filter_level(molecule::BoltzSmartsCatalogFilterLevel::Recommended),
        )
        .idempotency_key("molecule-design-1")
}

fn explore_request() -> StartExplore {
    let csv = "aWQsc21pbGVzCm0xLENDTwo="; // "id,smiles\nm1,CCO\n"
    let library = explore::Library::new(explore::Format::Csv, common::Base64Source::new(csv, "text/csv"))
        .id_column("id");
    StartExplore::new(20, library, molecule_target()).idempotency_key("explore-1")
}

fn molecule_screen_request() -> StartSmallMoleculeLibraryScreen {
    let molecules = [
        common::Molecule::new("CCO").id("ethanol"),
        common::Molecule::new("CCN"),
        common::Molecule::new(ASPIRIN),
    ];
    StartSmallMoleculeLibraryScreen::new(molecules, molecule_target()).idempotency_key("molecule-screen-1")
}

#[tokio::test]
async fn every_compute_operation_decodes_and_matches_the_schema() {
    let emulator = Emulator::builder()
        .manual_clock()
        .pending_duration(Duration::from_secs(1))
        .job_duration(Duration::from_secs(10))
        .start()
        .await
        .unwrap();
    let recorder = Recorder::default();
    let client = Client::builder()
        .api_key(emulator.admin_key())
        .base_url(emulator.base_url())
        .max_retries(0)
        .layer(recorder.clone())
        .build()
        .unwrap();
    let predictions = client.predictions();
    let protein = client.protein();
    let small = client.small_molecule();

    // Starts: every job is pending, with its kind's ID prefix.
    let adme = predictions.adme().start(adme_request()).await.unwrap();
    let sab = predictions.structure_and_binding().start(sab_request()).await.unwrap();
    let legacy = protein.design().start(legacy_design_request()).await.unwrap();
    let binder = protein.design().start(binder_design_request()).await.unwrap();
    let generic = protein.design().start(generic_design_request()).await.unwrap();
    let protein_screen = protein.library_screen().start(protein_screen_request()).await.unwrap();
    let redesign = protein.sequence_redesign().start(redesign_request()).await.unwrap();
    let molecule_design = small.design().start(molecule_design_request()).await.unwrap();
    let explore = small.explore().start(explore_request()).await.unwrap();
    let molecule_screen = small.library_screen().start(molecule_screen_request()).await.unwrap();
    assert!(adme.id.starts_with("adme_pred_") && sab.id.starts_with("sab_pred_"));
    assert!(legacy.id.starts_with("prot_des_") && protein_screen.id.starts_with("prot_scr_"));
    assert!(molecule_design.id.starts_with("sm_des_") && molecule_screen.id.starts_with("sm_scr_"));
    let statuses = [
        adme.status.as_str(),
        sab.status.as_str(),
        legacy.status.as_str(),
        binder.status.as_str(),
        generic.status.as_str(),
        protein_screen.status.as_str(),
        redesign.status.as_str(),
        molecule_design.status.as_str(),
        explore.status.as_str(),
        molecule_screen.status.as_str(),
    ];
    assert!(statuses.iter().all(|s| *s == "pending"), "{statuses:?}");
    assert_eq!(sab.idempotency_key.as_deref(), Some("sab-1"));

    // The same start again is the same job.
    let again = protein.design().start(binder_design_request()).await.unwrap();
    assert_eq!(again.id, binder.id);

    // Estimates depend on the request only.
    let estimate = predictions.adme().estimate_cost(adme_request()).await.unwrap();
    assert_eq!(estimate.breakdown.num_units, 2);
    let again = predictions.adme().estimate_cost(adme_request()).await.unwrap();
    assert_eq!(
        (estimate.estimated_cost_usd, estimate.breakdown.application.as_str()),
        (again.estimated_cost_usd, "adme")
    );
    predictions.structure_and_binding().estimate_cost(sab_request()).await.unwrap();
    protein.design().estimate_cost(generic_design_request()).await.unwrap();
    protein.library_screen().estimate_cost(protein_screen_request()).await.unwrap();
    protein.sequence_redesign().estimate_cost(redesign_request()).await.unwrap();
    small.design().estimate_cost(molecule_design_request()).await.unwrap();
    small.library_screen().estimate_cost(molecule_screen_request()).await.unwrap();

    // Half-way through the running time: half the results, and stop / resume.
    emulator.advance(Duration::from_secs(6));
    let running = protein.design().retrieve(binder.id.as_str()).await.unwrap();
    assert_eq!(running.status.as_str(), "running");
    let page = protein.design().list_results(binder.id.as_str()).await.unwrap();
    assert_eq!(page.data.len(), 2, "2 of 4 results after half the running time");
    let page = small.explore().list_results(explore.id.as_str()).await.unwrap();
    assert_eq!(page.data.len(), 10);
    protein.library_screen().list_results(protein_screen.id.as_str()).await.unwrap();
    protein.sequence_redesign().list_results(redesign.id.as_str()).await.unwrap();
    small.design().list_results(molecule_design.id.as_str()).await.unwrap();
    small.library_screen().list_results(molecule_screen.id.as_str()).await.unwrap();

    assert_eq!(protein.design().stop(binder.id.as_str()).await.unwrap().status.as_str(), "stopped");
    assert_eq!(
        protein.library_screen().stop(protein_screen.id.as_str()).await.unwrap().status.as_str(),
        "stopped"
    );
    assert_eq!(
        protein.sequence_redesign().stop(redesign.id.as_str()).await.unwrap().status.as_str(),
        "stopped"
    );
    assert_eq!(small.design().stop(molecule_design.id.as_str()).await.unwrap().status.as_str(), "stopped");
    assert_eq!(small.explore().stop(explore.id.as_str()).await.unwrap().status.as_str(), "stopped");
    assert_eq!(
        small.library_screen().stop(molecule_screen.id.as_str()).await.unwrap().status.as_str(),
        "stopped"
    );
    emulator.advance(Duration::from_secs(60));
    let stopped = small.explore().retrieve(explore.id.as_str()).await.unwrap();
    assert_eq!((stopped.status.as_str(), stopped.stopped_at.is_some()), ("stopped", true));
    assert_eq!(protein.design().resume(binder.id.as_str()).await.unwrap().status.as_str(), "running");
    protein.library_screen().resume(protein_screen.id.as_str()).await.unwrap();
    protein.sequence_redesign().resume(redesign.id.as_str()).await.unwrap();
    small.design().resume(molecule_design.id.as_str()).await.unwrap();
    small.explore().resume(explore.id.as_str()).await.unwrap();
    small.library_screen().resume(molecule_screen.id.as_str()).await.unwrap();
    emulator.advance(Duration::from_secs(6));

    // Everything has finished.
    let sab = predictions.structure_and_binding().retrieve(sab.id.as_str()).await.unwrap();
    assert_eq!(sab.status.as_str(), "succeeded");
    let output = sab.output.as_ref().expect("a succeeded prediction has an output");
    assert_eq!(output.all_sample_results.len(), 2);
    assert!(output.best_sample.structure.url.starts_with(emulator.files_url()));
    assert!(sab.expires_at.is_some() && sab.completed_at.is_some());
    let adme = predictions.adme().retrieve(adme.id.as_str()).await.unwrap();
    assert_eq!(adme.status.as_str(), "succeeded");
    assert!(adme.output.is_some());
    for id in [&legacy.id, &binder.id, &generic.id] {
        assert_eq!(protein.design().retrieve(id.as_str()).await.unwrap().status.as_str(), "succeeded");
    }
    assert_eq!(
        protein.library_screen().retrieve(protein_screen.id.as_str()).await.unwrap().status.as_str(),
        "succeeded"
    );
    assert_eq!(
        protein.sequence_redesign().retrieve(redesign.id.as_str()).await.unwrap().status.as_str(),
        "succeeded"
    );
    assert_eq!(
        small.design().retrieve(molecule_design.id.as_str()).await.unwrap().status.as_str(),
        "succeeded"
    );
    assert_eq!(small.explore().retrieve(explore.id.as_str()).await.unwrap().status.as_str(), "succeeded");
    assert_eq!(
        small.library_screen().retrieve(molecule_screen.id.as_str()).await.unwrap().status.as_str(),
        "succeeded"
    );

    // Results, every page: the union arm follows the kind of design.
    let results =
        |id: &str| protein.design().list_results(ListProteinDesignResults::new(id).limit(3)).stream();
    let legacy_results: Vec<DesignResult> = results(&legacy.id).map(Result::unwrap).collect().await;
    assert_eq!(legacy_results.len(), 4);
    assert!(legacy_results.iter().all(|r| matches!(r, DesignResult::LegacyDesignResult(_))));
    let binder_results: Vec<DesignResult> = results(&binder.id).map(Result::unwrap).collect().await;
    assert!(binder_results.iter().all(|r| matches!(r, DesignResult::Binder(_))));
    let generic_results: Vec<DesignResult> = results(&generic.id).map(Result::unwrap).collect().await;
    assert!(generic_results.iter().all(|r| matches!(r, DesignResult::Generic(_))));
    let screened = small.library_screen().list_results(molecule_screen.id.as_str()).await.unwrap();
    assert_eq!(screened.data[0].external_id.as_deref(), Some("ethanol"));
    assert_eq!(screened.data[2].smiles, ASPIRIN);

    let curated =
        protein.design().list_curated_specifications(ListCuratedSpecifications::new(design::Type::Nanobody));
    assert_eq!(curated.await.unwrap().data.len(), 1);

    // Share links.
    let create =
        CreateShareLink::new("2099-01-01T00:00:00Z").pipeline_ids([&legacy.id]).prediction_ids([&sab.id]);
    let link = client.share_links().create(create).await.unwrap();
    assert_eq!(client.share_links().retrieve(link.id.as_str()).await.unwrap().id, link.id);
    let shared = client.share_links().read(link.id.as_str()).await.unwrap();
    assert!(matches!(shared.pipelines.as_slice(), [Pipeline::ProteinDesign(_)]), "{:?}", shared.pipelines);
    assert!(matches!(shared.predictions.as_slice(), [Prediction::StructureAndBinding(_)]));
    let shared_results = client
        .share_links()
        .list_pipeline_results(ListSharedPipelineResults::new(&link.id, &legacy.id))
        .await;
    assert_eq!(shared_results.unwrap().data.len(), 4);
    let archived = client.share_links().archive(link.id.as_str()).await.unwrap();
    assert!(archived.archived);

    // Lists, then deleting data.
    assert_eq!(predictions.adme().list(ListAdmePredictions::new()).await.unwrap().data.len(), 1);
    predictions.structure_and_binding().list(ListStructureAndBindingPredictions::new()).await.unwrap();
    let designs = protein.design().list(ListProteinDesignRuns::new().limit(2)).await.unwrap();
    assert_eq!((designs.data.len(), designs.has_more), (2, Some(true)));
    protein.library_screen().list(ListProteinLibraryScreens::new()).await.unwrap();
    protein.sequence_redesign().list(ListSequenceRedesignRuns::new()).await.unwrap();
    small.design().list(ListSmallMoleculeDesignRuns::new()).await.unwrap();
    small.library_screen().list(ListSmallMoleculeLibraryScreens::new()).await.unwrap();

    let deleted = predictions.structure_and_binding().delete_data(sab.id.as_str()).await.unwrap();
    assert!(deleted.data_deleted);
    let gone = predictions.structure_and_binding().retrieve(sab.id.as_str()).await.unwrap();
    assert!(gone.input.is_none() && gone.output.is_none() && gone.data_deleted_at.is_some());
    predictions.adme().delete_data(adme.id.as_str()).await.unwrap();
    protein.design().delete_data(generic.id.as_str()).await.unwrap();
    protein.library_screen().delete_data(protein_screen.id.as_str()).await.unwrap();
    protein.sequence_redesign().delete_data(redesign.id.as_str()).await.unwrap();
    small.design().delete_data(molecule_design.id.as_str()).await.unwrap();
    small.library_screen().delete_data(molecule_screen.id.as_str()).await.unwrap();
    let generic_after = protein.design().retrieve(generic.id.as_str()).await.unwrap();
    assert!(generic_after.input.is_none());

    // Every compute operation was called, and every response matches the official schema.
    let seen = validate(&recorder);
    let all: BTreeSet<String> = snapshot()["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|op| format!("{}.{}", op["resource"].as_str().unwrap(), op["method"].as_str().unwrap()))
        .collect();
    let missing: Vec<&String> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "operations never called: {missing:?}");
    assert_eq!(seen.len(), 61);
    assert!(emulator.file_requests().is_empty(), "nothing was downloaded");
}

#[test]
fn the_schema_check_refuses_what_does_not_match() {
    let snapshot = snapshot();
    let defs = snapshot["definitions"].as_object().unwrap();
    let ops = snapshot["operations"].as_array().unwrap();
    let schema =
        |method: Method, path: &str| operation(ops, &method, path).unwrap()["response"]["schema"].clone();
    let deletion = schema(Method::POST, "/compute/v1/protein/design/x/delete-data");
    let ok =
        serde_json::json!({"id": "x", "data_deleted": true, "data_deleted_at": "2026-01-02T03:04:05.000Z"});
    assert_eq!(check(&deletion, &ok, defs, "$"), Ok(()));
    for bad in [
        serde_json::json!({"id": "x", "data_deleted": false, "data_deleted_at": "2026-01-02T03:04:05Z"}),
        serde_json::json!({"id": "x", "data_deleted": true, "data_deleted_at": "yesterday"}),
        serde_json::json!({"id": 1, "data_deleted": true, "data_deleted_at": "2026-01-02T03:04:05Z"}),
        serde_json::json!({"data_deleted": true, "data_deleted_at": "2026-01-02T03:04:05Z"}),
    ] {
        assert!(check(&deletion, &bad, defs, "$").is_err(), "{bad}");
    }
    // Static segments win over parameters, and unions need one matching arm.
    let curated = operation(ops, &Method::GET, "/compute/v1/protein/design/curated-specifications").unwrap();
    assert_eq!(curated["method"], "list_curated_specifications");
    let results = schema(Method::GET, "/compute/v1/protein/design/x/results");
    assert!(check(&results, &serde_json::json!({"type": "binder"}), defs, "$").is_err());
}

/// A structure-and-binding start without an idempotency key of its own.
fn unkeyed_start(sequence: &str) -> StartStructureAndBinding {
    StartStructureAndBinding::new(sab::Input::new([sab::Entity::protein("A", sequence)]))
}

#[tokio::test]
async fn a_start_whose_response_is_lost_is_retried_into_the_same_job() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    // The job is made, then the response breaks off: the client cannot know it was processed.
    emulator.inject(Fault::new(
        "POST",
        "/compute/v1/predictions/structure-and-binding",
        FaultAction::TruncatedBody,
    ));
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    let job = client.predictions().structure_and_binding().start(unkeyed_start(SEQUENCE)).await.unwrap();
    let posts = emulator.received().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 2, "the start was sent again");
    let jobs = emulator.jobs();
    assert_eq!(jobs.len(), 1, "one job: the retry carried the same generated key");
    assert_eq!(jobs[0].id, job.id);
    assert!(job.idempotency_key.as_deref().is_some_and(|k| k.starts_with("boltz-rs-")));
}

#[tokio::test]
async fn a_key_reused_with_another_body_is_a_conflict_not_retried() {
    let emulator = Emulator::builder().manual_clock().start().await.unwrap();
    let client =
        Client::builder().api_key(emulator.admin_key()).base_url(emulator.base_url()).build().unwrap();
    let sab = client.predictions().structure_and_binding();
    sab.start(unkeyed_start(SEQUENCE).idempotency_key("mine")).await.unwrap();
    let err = sab.start(unkeyed_start("MKV").idempotency_key("mine")).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(409), "{err}");
    assert_eq!(emulator.received().len(), 2, "x-should-retry: false stops the retries");
    assert_eq!(emulator.jobs().len(), 1);
}
