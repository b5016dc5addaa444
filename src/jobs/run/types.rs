//! The kinds of run a run directory can hold, and the start requests that begin them.

use serde::Serialize;

use crate::api::predictions::adme::StartAdme;
use crate::api::predictions::structure_and_binding::StartStructureAndBinding;
use crate::api::protein::design::StartProteinDesign;
use crate::api::protein::library_screen::StartProteinLibraryScreen;
use crate::api::small_molecule::design::StartSmallMoleculeDesign;
use crate::api::small_molecule::library_screen::StartSmallMoleculeLibraryScreen;

/// The calls a run makes, for operation names and paths in traces.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Call {
    Start,
    Retrieve,
    ListResults,
    Stop,
}

macro_rules! run_types {
    ($($variant:ident = $tag:literal, $operation:literal, $path:literal, $pipeline:literal, $start:ty;)*) => {
        /// What a run directory holds, by the official SDK's `run_type` names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum RunType {
            $(
                #[doc = concat!("`", $tag, "`: runs started with `", $path, "`.")]
                $variant,
            )*
        }

        impl RunType {
            /// The name in `.boltz-run.json`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $tag,)*
                }
            }

            pub(crate) fn parse(tag: &str) -> Option<Self> {
                match tag {
                    $($tag => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// Whether runs of this type have results listed page by page.
            pub fn is_pipeline(self) -> bool {
                match self {
                    $(Self::$variant => $pipeline,)*
                }
            }

            /// The collection path the run is started at.
            pub(crate) fn path(self) -> &'static str {
                match self {
                    $(Self::$variant => $path,)*
                }
            }

            /// The operation name and path template of `call`, for traces.
            pub(crate) fn operation(self, call: Call) -> (&'static str, &'static str) {
                match (self, call) {
                    $(
                        (Self::$variant, Call::Start) => (concat!($operation, ".start"), $path),
                        (Self::$variant, Call::Retrieve) => (concat!($operation, ".retrieve"), concat!($path, "/{id}")),
                        (Self::$variant, Call::ListResults) => {
                            (concat!($operation, ".list_results"), concat!($path, "/{id}/results"))
                        }
                        (Self::$variant, Call::Stop) => (concat!($operation, ".stop"), concat!($path, "/{id}/stop")),
                    )*
                }
            }
        }

        $(
            impl sealed::Sealed for $start {}
            impl Runnable for $start {
                const RUN_TYPE: RunType = RunType::$variant;
            }
        )*
    };
}

run_types! {
    Prediction = "prediction", "predictions.structure_and_binding", "/compute/v1/predictions/structure-and-binding", false, StartStructureAndBinding;
    Adme = "adme", "predictions.adme", "/compute/v1/predictions/adme", false, StartAdme;
    ProteinDesign = "protein_design", "protein.design", "/compute/v1/protein/design", true, StartProteinDesign;
    ProteinLibraryScreen = "protein_library_screen", "protein.library_screen", "/compute/v1/protein/library-screen", true, StartProteinLibraryScreen;
    SmallMoleculeDesign = "small_molecule_design", "small_molecule.design", "/compute/v1/small-molecule/design", true, StartSmallMoleculeDesign;
    SmallMoleculeLibraryScreen = "small_molecule_library_screen", "small_molecule.library_screen", "/compute/v1/small-molecule/library-screen", true, StartSmallMoleculeLibraryScreen;
}

impl RunType {
    /// The kind of run an ID names, by its prefix, as the official CLI reads it: `sab_pred_`
    /// (and the older `pred_`), `adme_pred_`, `prot_des_`, `prot_scr_`, `sm_des_`, `sm_scr_`.
    pub fn of_id(id: &str) -> Option<Self> {
        const PREFIXES: [(&str, RunType); 7] = [
            ("sab_pred_", RunType::Prediction),
            ("adme_pred_", RunType::Adme),
            ("pred_", RunType::Prediction),
            ("prot_des_", RunType::ProteinDesign),
            ("prot_scr_", RunType::ProteinLibraryScreen),
            ("sm_des_", RunType::SmallMoleculeDesign),
            ("sm_scr_", RunType::SmallMoleculeLibraryScreen),
        ];
        PREFIXES.iter().find(|(prefix, _)| id.starts_with(prefix)).map(|(_, kind)| *kind)
    }

    /// Whether a finished run has an archive to download into `outputs/` (structure-and-binding
    /// predictions; ADME results are in `run.json`).
    pub(crate) fn has_output_archive(self) -> bool {
        self == Self::Prediction
    }
}

/// A start request [`Client::run`](crate::Client::run) can run in a directory: the six the
/// official SDK's `run()` covers.
pub trait Runnable: Serialize + sealed::Sealed {
    /// The run directory's `run_type`.
    const RUN_TYPE: RunType;
}

mod sealed {
    pub trait Sealed {}
}

/// What a pipeline run directory keeps of each result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DownloadMode {
    /// Each result's archive, unpacked, and its metadata (the default).
    #[default]
    Everything,
    /// Only a line per result in `results/index.jsonl` (pipelines only).
    MetadataOnly,
}

impl DownloadMode {
    /// The name in `.boltz-run.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Everything => "everything",
            Self::MetadataOnly => "metadata_only",
        }
    }

    pub(crate) fn parse(mode: &str) -> Option<Self> {
        match mode {
            "everything" => Some(Self::Everything),
            "metadata_only" => Some(Self::MetadataOnly),
            _ => None,
        }
    }
}
