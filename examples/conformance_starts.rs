//! Conformance with the official Python SDK for requests that carry a body: the 8 compute
//! `start` operations and `share_links.create`.
//!
//! Builds the same 9 requests as the fixtures in `tests/conformance/starts/`, with the crate's
//! typed builders (written out by hand, never read from the fixtures: the point is to test the
//! builders), and sends each once, in the fixtures' order, to `--base-url`.
//! `tests/conformance/starts.py` runs it against a recording server that answers `{}` and checks
//! that every request equals the one the official SDK sent for the same fixture.
//!
//! ```text
//! cargo build --example conformance_starts && target/conformance-venv/bin/python tests/conformance/starts.py
//! cargo run --example conformance_starts -- --base-url http://127.0.0.1:PORT   # by hand
//! ```
//!
//! A `{}` response does not decode into the typed responses, so decode errors are expected and
//! only printed. The exit status is 0 when all 9 requests were sent, 1 otherwise, and 2 for bad
//! arguments.

use std::collections::BTreeMap;
use std::process::ExitCode;

use boltz_api::api::predictions::adme::StartAdme;
use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
use boltz_api::api::protein::design::StartProteinDesign;
use boltz_api::api::protein::library_screen::StartProteinLibraryScreen;
use boltz_api::api::protein::sequence_redesign::StartSequenceRedesign;
use boltz_api::api::share_links::CreateShareLink;
use boltz_api::api::small_molecule::design::StartSmallMoleculeDesign;
use boltz_api::api::small_molecule::explore::StartExplore;
use boltz_api::api::small_molecule::library_screen::StartSmallMoleculeLibraryScreen;
use boltz_api::models::common::params as common;
use boltz_api::models::predictions::adme::params as adme;
use boltz_api::models::predictions::structure_and_binding::params as sab;
use boltz_api::models::protein::design::params as design;
use boltz_api::models::protein::library_screen::params as protein_screen;
use boltz_api::models::protein::params as protein;
use boltz_api::models::protein::sequence_redesign::params as redesign;
use boltz_api::models::share_links::params as share;
use boltz_api::models::small_molecule::design::params as molecule_design;
use boltz_api::models::small_molecule::explore::params as explore;
use boltz_api::models::small_molecule::params as molecule;
use boltz_api::{Client, Error};

const USAGE: &str = "usage: conformance_starts --base-url http://127.0.0.1:PORT";
const SEQUENCE: &str = "MKTAYIAKQRQISFVKSHFSRQ";
const ASPIRIN: &str = "CC(=O)Oc1ccccc1C(=O)O";

#[tokio::main]
async fn main() -> ExitCode {
    let base_url = match parse_args(std::env::args().skip(1)) {
        Ok(url) => url,
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let client =
        match Client::builder().api_key("sk_conformance_key").base_url(&base_url).max_retries(0).build() {
            Ok(client) => client,
            Err(err) => {
                eprintln!("cannot build the client for {base_url}: {err}");
                return ExitCode::FAILURE;
            }
        };

    // In the order of the fixtures, which starts.py pairs with the SDK's requests.
    let sent = [
        report("predictions.adme", client.predictions().adme().start(predictions_adme()).await),
        report(
            "predictions.structure_and_binding",
            client.predictions().structure_and_binding().start(predictions_structure_and_binding()).await,
        ),
        report("protein.design", client.protein().design().start(protein_design()).await),
        report(
            "protein.library_screen",
            client.protein().library_screen().start(protein_library_screen()).await,
        ),
        report(
            "protein.sequence_redesign",
            client.protein().sequence_redesign().start(protein_sequence_redesign()).await,
        ),
        report(
            "small_molecule.design",
            client.small_molecule().design().start(small_molecule_design()).await,
        ),
        report(
            "small_molecule.explore",
            client.small_molecule().explore().start(small_molecule_explore()).await,
        ),
        report(
            "small_molecule.library_screen",
            client.small_molecule().library_screen().start(small_molecule_library_screen()).await,
        ),
        report("share_links", client.share_links().create(share_links()).await),
    ];
    let count = sent.iter().filter(|&&sent| sent).count();
    println!("sent {count} of {} requests to {base_url}", sent.len());
    if count == sent.len() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// `--base-url URL` or `--base-url=URL`, and nothing else.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<String, String> {
    let mut base_url = None;
    while let Some(arg) = args.next() {
        let value = match arg.strip_prefix("--base-url=") {
            Some(value) => value.to_owned(),
            None if arg == "--base-url" => args.next().ok_or("--base-url needs a value")?,
            None => return Err(format!("unexpected argument {arg:?}")),
        };
        base_url = Some(value);
    }
    base_url.ok_or_else(|| "--base-url is required".to_owned())
}

/// Whether the request reached the server: a decoded response or a decode error (the recorder
/// answers `{}`) mean it did; anything else means it did not, or not for certain.
fn report<T>(family: &str, result: Result<T, Error>) -> bool {
    match result {
        Ok(_) => {
            println!("{family}: sent (the response decoded)");
            true
        }
        Err(Error::Decode(err)) => {
            println!("{family}: sent (decode error, expected: {err})");
            true
        }
        Err(err) => {
            eprintln!("{family}: NOT sent: {err}");
            false
        }
    }
}

/// `starts/predictions.adme.json`; `model` is the builder's default.
fn predictions_adme() -> StartAdme {
    StartAdme::new(adme::Input::new([
        common::Molecule::new(ASPIRIN).id("aspirin"),
        common::Molecule::new("CCO"),
    ]))
    .idempotency_key("conformance-predictions.adme")
    .workspace_id("ws_conformance")
}

/// `starts/predictions.structure_and_binding.json`; `model` is the builder's default.
fn predictions_structure_and_binding() -> StartStructureAndBinding {
    let protein = sab::Boltz2ProteinEntity::new(["A"], SEQUENCE)
        .cyclic(false)
        .modifications([common::Modification::new(4, "SEP")])
        .msa(sab::Boltz2EmptyMsa::new());
    let input = sab::Input::new([
        sab::Entity::from(protein),
        sab::Entity::ligand_smiles("B", ASPIRIN),
        sab::Entity::ligand_ccd("C", "ATP"),
    ])
    .binding(sab::LigandProteinBinding::new("B"))
    .bonds([common::Bond::new(common::PolymerAtom::new("SG", "A", 1), common::LigandAtom::new("PG", "C"))])
    .constraints([common::PocketConstraint::new("B", BTreeMap::from([("A".to_owned(), vec![5, 6, 7])]), 6.5)
        .force(true)])
    .model_options(sab::ModelOption::new().recycling_steps(3).sampling_steps(200).step_scale(1.5))
    .num_samples(2)
    .templates([sab::Template::new(
        [sab::TemplateChain::new("A", "X")],
        sab::TemplateStructure::url("https://example.com/template.cif"),
    )
    .force_threshold_angstroms(2.5)]);
    StartStructureAndBinding::new(input).idempotency_key("conformance-predictions.structure_and_binding")
}

/// `starts/protein.design.json`: the `binder` variant.
fn protein_design() -> StartProteinDesign {
    let binder = design::SingleProteinDesignBinder::new(
        [design::ProteinDesignNoTemplateEntity::new(
            design::DesignedProteinEntity::new(["B"], "MK8..12GS").cyclic(true),
        )],
        design::Modality::Peptide,
    );
    let target = design::Target::new([
        design::TargetEntity::from(
            design::ProteinDesignTargetFromTemplateEntity::new("A", protein::CropResidue::All, "target")
                .epitope_residues([10, 11, 12]),
        ),
        design::ProteinDesignTargetNoTemplateEntity::new(common::LigandCcdEntity::new(["L"], "HEM"))
            .is_epitope(true)
            .into(),
    ]);
    let templates = [design::ProteinDesignURLTemplate::new("target", "https://example.com/target.cif")];
    let run = design::BinderDesignRun::new(binder, 10, target, templates)
        .global_design_filters([
            protein::GlobalDesignFilter::from(protein::ExcludedAminoAcidsDesignFilter::new(["C"])),
            protein::MaxHydrophobicFractionDesignFilter::new(0.4).into(),
        ])
        .idempotency_key("conformance-protein.design");
    StartProteinDesign::new(run)
}

/// `starts/protein.library_screen.json`: a structure-template target.
fn protein_library_screen() -> StartProteinLibraryScreen {
    let proteins = [
        protein_screen::Protein::new([common::ProteinEntity::new(["B"], "EVQLVESGGGLVQ")]).id("vhh-1"),
        protein_screen::Protein::new([common::ProteinEntity::new(["B"], "QVQLQESGPGLVK").cyclic(false)]),
    ];
    let chain_selection = BTreeMap::from([
        (
            "A".to_owned(),
            protein::StructureTemplateTargetPolymerChainSpec::new(vec![0, 1, 2, 3, 4, 5])
                .epitope_residues([2, 3])
                .into(),
        ),
        ("L".to_owned(), protein::StructureTemplateLigandChainSpec::new().into()),
    ]);
    let target = protein::StructureTemplateTarget::new(
        chain_selection,
        protein::Structure::url("https://example.com/target.cif"),
    );
    StartProteinLibraryScreen::new(proteins, target).idempotency_key("conformance-protein.library_screen")
}

/// `starts/protein.sequence_redesign.json`: the `binder` variant; the structure's `media_type` is
/// the builder's default.
fn protein_sequence_redesign() -> StartSequenceRedesign {
    let motif =
        redesign::DesignMotif::new([protein::ExcludedSequenceMotifsDesignFilter::new(["NG"])], [10, 11, 12]);
    let entities = [
        redesign::RedesignEntity::from(redesign::BinderSequenceRedesignTargetEntity::new("A")),
        redesign::BinderSequenceRedesignBinderEntity::new("B").design_motifs([motif]).into(),
    ];
    let run = redesign::BinderRedesignRun::new(entities, 10, protein::CifBase64Source::new("ZGF0YV94Cg=="))
        .global_design_filters([protein::ExcludedAminoAcidsDesignFilter::new(["C", "M"])])
        .idempotency_key("conformance-protein.sequence_redesign");
    StartSequenceRedesign::new(run)
}

/// `starts/small_molecule.design.json`.
fn small_molecule_design() -> StartSmallMoleculeDesign {
    let target = molecule::Target::new([common::ProteinEntity::new(["A"], SEQUENCE)])
        .kind("no_template")
        .pocket_residues(BTreeMap::from([("A".to_owned(), vec![3, 4, 5])]))
        .reference_ligands([ASPIRIN]);
    let filters = molecule::MoleculeFilters::new()
        .boltz_smarts_catalog_filter_level(molecule::BoltzSmartsCatalogFilterLevel::Recommended)
        .custom_filters([molecule::LipinskiFilter::new(10.0, 5.0, 5.5, 500.0).allow_single_violation(true)]);
    StartSmallMoleculeDesign::new(100, target)
        .chemical_space(molecule_design::ChemicalSpace::EnamineReal)
        .molecule_filters(filters)
        .idempotency_key("conformance-small_molecule.design")
}

/// `starts/small_molecule.explore.json`: the target without its optional `type`.
fn small_molecule_explore() -> StartExplore {
    let library = explore::Library::new(
        explore::Format::Csv,
        common::URLSource::new("https://example.com/library.csv"),
    )
    .id_column("id")
    .smiles_column("smiles");
    let target = molecule::Target::new([common::ProteinEntity::new(["A"], SEQUENCE)]).constraints([
        common::ContactConstraint::new(
            8.0,
            common::PolymerContactToken::new("A", 3),
            common::PolymerContactToken::new("A", 17),
        ),
    ]);
    let filters = molecule::MoleculeFilters::new().custom_filters([
        molecule::CustomFilter::from(
            molecule::RdkitDescriptorFilter::new()
                .mol_wt(molecule::DescriptorRange::new().min(150.0).max(500.0))
                .tpsa(molecule::DescriptorRange::new().max(140.0)),
        ),
        molecule::SmartsCatalogFilter::new(molecule::Catalog::Pains).into(),
    ]);
    StartExplore::new(1000, library, target)
        .molecule_filters(filters)
        .idempotency_key("conformance-small_molecule.explore")
}

/// `starts/small_molecule.library_screen.json`: a glycan bonded to the protein.
fn small_molecule_library_screen() -> StartSmallMoleculeLibraryScreen {
    let molecules = [common::Molecule::new("CCO").id("ethanol"), common::Molecule::new("CCN")];
    let glycan = common::GlycanEntity::new(
        [common::GlycanEntityBond::new(common::Atom::new("O4", "1"), common::Atom::new("C1", "2"))],
        ["G"],
        [common::Residue::new("1", "NAG"), common::Residue::new("2", "NAG")],
    );
    let target = molecule::Target::new([
        molecule::Entity::from(common::ProteinEntity::new(["A"], "MKTANGTAYIAK")),
        glycan.into(),
    ])
    .kind("no_template")
    .bonds([common::Bond::new(
        common::PolymerAtom::new("ND2", "A", 4),
        common::CcdAtom::new("C1", "G", "1"),
    )]);
    let filters = molecule::MoleculeFilters::new()
        .boltz_smarts_catalog_filter_level(molecule::BoltzSmartsCatalogFilterLevel::Disabled)
        .custom_filters([
            molecule::CustomFilter::from(molecule::SmilesRegexFilter::new(["Br"])),
            molecule::SmartsCustomFilter::new(["[N+](=O)[O-]"]).into(),
        ]);
    StartSmallMoleculeLibraryScreen::new(molecules, target)
        .molecule_filters(filters)
        .idempotency_key("conformance-small_molecule.library_screen")
        .workspace_id("ws_conformance")
}

/// `starts/share_links.json`: no idempotency key (not a start).
fn share_links() -> CreateShareLink {
    CreateShareLink::new("2026-12-31T00:00:00Z")
        .access_parameters(share::EmailAccess::new(["reviewer@example.com"]))
        .prediction_ids(["pred_conformance"])
        .pipeline_ids(["pipe_conformance"])
}
