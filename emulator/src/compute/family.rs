//! The eight kinds of compute job ("families"), what distinguishes them, and the checks a start
//! request passes before a job is made.

use serde_json::Value;

use crate::error::ApiError;

/// A kind of job, named like the SDK resource that starts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Family {
    Adme,
    StructureAndBinding,
    ProteinDesign,
    ProteinLibraryScreen,
    SequenceRedesign,
    SmallMoleculeDesign,
    SmallMoleculeLibraryScreen,
    Explore,
}

impl Family {
    pub(crate) const ALL: [Family; 8] = [
        Family::Adme,
        Family::StructureAndBinding,
        Family::ProteinDesign,
        Family::ProteinLibraryScreen,
        Family::SequenceRedesign,
        Family::SmallMoleculeDesign,
        Family::SmallMoleculeLibraryScreen,
        Family::Explore,
    ];

    /// The path under `/compute/v1/`.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Family::Adme => "predictions/adme",
            Family::StructureAndBinding => "predictions/structure-and-binding",
            Family::ProteinDesign => "protein/design",
            Family::ProteinLibraryScreen => "protein/library-screen",
            Family::SequenceRedesign => "protein/sequence-redesign",
            Family::SmallMoleculeDesign => "small-molecule/design",
            Family::SmallMoleculeLibraryScreen => "small-molecule/library-screen",
            Family::Explore => "small-molecule/explore",
        }
    }

    /// The SDK resource name, e.g. `protein.design`.
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Family::Adme => "predictions.adme",
            Family::StructureAndBinding => "predictions.structure_and_binding",
            Family::ProteinDesign => "protein.design",
            Family::ProteinLibraryScreen => "protein.library_screen",
            Family::SequenceRedesign => "protein.sequence_redesign",
            Family::SmallMoleculeDesign => "small_molecule.design",
            Family::SmallMoleculeLibraryScreen => "small_molecule.library_screen",
            Family::Explore => "small_molecule.explore",
        }
    }

    /// The ID prefix (compute-plane.md §1.10).
    pub(crate) fn id_prefix(self) -> &'static str {
        match self {
            Family::Adme => "adme_pred_",
            Family::StructureAndBinding => "sab_pred_",
            Family::ProteinDesign => "prot_des_",
            Family::ProteinLibraryScreen => "prot_scr_",
            // UNCONFIRMED: the SDK knows no prefix for sequence redesign or explore runs.
            Family::SequenceRedesign => "prot_red_",
            Family::SmallMoleculeDesign => "sm_des_",
            Family::SmallMoleculeLibraryScreen => "sm_scr_",
            Family::Explore => "sm_exp_",
        }
    }

    /// A prediction (no stop, resume or results) rather than a pipeline.
    pub(crate) fn is_prediction(self) -> bool {
        matches!(self, Family::Adme | Family::StructureAndBinding)
    }

    /// Whether `list`, `estimate_cost` and `delete_data` exist (explore has none of them).
    pub(crate) fn has_list(self) -> bool {
        self != Family::Explore
    }

    /// `breakdown.application` of a cost estimate, and the price of one unit in micro-USD.
    pub(crate) fn application(self) -> (&'static str, u64) {
        match self {
            Family::Adme => ("adme", 10_000),
            Family::StructureAndBinding => ("structure_and_binding", 500_000),
            Family::ProteinDesign => ("protein_design", 2_000_000),
            Family::ProteinLibraryScreen => ("protein_library_screen", 400_000),
            Family::SequenceRedesign => ("protein_redesign", 750_000),
            Family::SmallMoleculeDesign => ("small_molecule_design", 20_000),
            Family::SmallMoleculeLibraryScreen | Family::Explore => ("small_molecule_library_screen", 10_000),
        }
    }

    /// `pipeline` and `pipeline_version` (and the deprecated `engine`, `engine_version`).
    pub(crate) fn pipeline(self) -> (&'static str, &'static str) {
        match self {
            Family::ProteinDesign | Family::ProteinLibraryScreen => ("boltzprot", "1.0"),
            Family::SequenceRedesign => ("boltz-protein-redesign", "v2026-07-14"),
            Family::SmallMoleculeDesign | Family::SmallMoleculeLibraryScreen | Family::Explore => {
                ("boltzmol", "1.0")
            }
            Family::Adme | Family::StructureAndBinding => ("", ""),
        }
    }

    /// `model` of a prediction.
    pub(crate) fn model(self) -> &'static str {
        match self {
            Family::Adme => "adme-v1",
            _ => "boltz-2.1",
        }
    }

    /// In messages: "protein design run".
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Family::Adme => "ADME prediction",
            Family::StructureAndBinding => "structure and binding prediction",
            Family::ProteinDesign => "protein design run",
            Family::ProteinLibraryScreen => "protein library screen",
            Family::SequenceRedesign => "sequence redesign run",
            Family::SmallMoleculeDesign => "small molecule design run",
            Family::SmallMoleculeLibraryScreen => "small molecule library screen",
            Family::Explore => "explore run",
        }
    }

    /// Check a start (or estimate) body and return how many results or units it asks for.
    ///
    /// Only what the emulator needs to run the job is checked, with the limits the SDK documents.
    /// UNCONFIRMED: the service's status for a body that is JSON but breaks the schema; 422 here,
    /// as FastAPI-style services answer, and 400 for a body that is not a JSON object.
    pub(crate) fn validate(self, body: &Value) -> Result<u64, ApiError> {
        let object =
            body.as_object().ok_or_else(|| ApiError::bad_request("the body must be a JSON object"))?;
        let invalid = |message: &str| Err(ApiError::unprocessable(message.to_owned()));
        if object.get("idempotency_key").is_some_and(|key| !key.is_string()) {
            return invalid("idempotency_key must be a string");
        }
        if object.get("workspace_id").is_some_and(|ws| !ws.is_string()) {
            return invalid("workspace_id must be a string");
        }
        let count = |value: Option<&Value>, name: &str, min: u64, max: u64| -> Result<u64, ApiError> {
            match value.and_then(Value::as_u64) {
                Some(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(ApiError::unprocessable(format!("{name} must be an integer from {min} to {max}"))),
            }
        };
        let list = |value: Option<&Value>, name: &str, max: usize| -> Result<u64, ApiError> {
            match value.and_then(Value::as_array) {
                Some(items) if !items.is_empty() && items.len() <= max => Ok(items.len() as u64),
                _ => Err(ApiError::unprocessable(format!("{name} must be a list of 1 to {max} items"))),
            }
        };
        let object_field = |name: &str| -> Result<(), ApiError> {
            if object.get(name).is_some_and(Value::is_object) {
                Ok(())
            } else {
                Err(ApiError::unprocessable(format!("{name} is required and must be an object")))
            }
        };
        let model = |expected: &str| -> Result<(), ApiError> {
            match object.get("model") {
                None => Ok(()),
                Some(Value::String(m)) if m == expected => Ok(()),
                Some(_) => Err(ApiError::unprocessable(format!("model must be `{expected}`"))),
            }
        };
        match self {
            Family::Adme => {
                model("adme-v1")?;
                let molecules = body.pointer("/input/molecules");
                list(molecules, "input.molecules", 128)?;
                if molecules
                    .into_iter()
                    .flat_map(|m| m.as_array().into_iter().flatten())
                    .any(|m| !m["smiles"].is_string())
                {
                    return invalid("every molecule needs a smiles string");
                }
                Ok(1)
            }
            Family::StructureAndBinding => {
                model("boltz-2.1")?;
                list(body.pointer("/input/entities"), "input.entities", 1_000)?;
                if let Some(samples) = body.pointer("/input/num_samples") {
                    count(Some(samples), "input.num_samples", 1, 100)?;
                }
                Ok(1)
            }
            Family::ProteinDesign => {
                let n = count(object.get("num_proteins"), "num_proteins", 1, 100_000)?;
                match object.get("type").and_then(Value::as_str) {
                    None => {
                        object_field("binder_specification")?;
                        object_field("target")?;
                    }
                    Some("binder") => {
                        object_field("binder")?;
                        object_field("target")?;
                    }
                    Some("generic") => {
                        list(object.get("entities"), "entities", 1_000)?;
                    }
                    Some(other) => return invalid(&format!("unknown protein design type `{other}`")),
                }
                Ok(n)
            }
            Family::ProteinLibraryScreen => {
                object_field("target")?;
                list(object.get("proteins"), "proteins", 100_000)
            }
            Family::SequenceRedesign => {
                if !matches!(object.get("type").and_then(Value::as_str), Some("binder" | "generic")) {
                    return invalid("type must be `binder` or `generic`");
                }
                object_field("structure")?;
                list(object.get("entities"), "entities", 1_000)?;
                count(object.get("num_proteins"), "num_proteins", 1, 100_000)
            }
            Family::SmallMoleculeDesign => {
                object_field("target")?;
                count(object.get("num_molecules"), "num_molecules", 10, 1_000_000)
            }
            Family::SmallMoleculeLibraryScreen => {
                object_field("target")?;
                let n = list(object.get("molecules"), "molecules", 1_000_000)?;
                if object["molecules"].as_array().into_iter().flatten().any(|m| !m["smiles"].is_string()) {
                    return invalid("every molecule needs a smiles string");
                }
                Ok(n)
            }
            Family::Explore => {
                object_field("target")?;
                object_field("library")?;
                if !matches!(body.pointer("/library/format").and_then(Value::as_str), Some("csv" | "tsv")) {
                    return invalid("library.format must be `csv` or `tsv`");
                }
                if !body.pointer("/library/source").is_some_and(Value::is_object) {
                    return invalid("library.source is required");
                }
                count(object.get("budget"), "budget", 1, 5_000_000)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn id_prefixes_tell_families_apart() {
        for a in Family::ALL {
            for b in Family::ALL {
                assert_eq!(a == b, a.id_prefix().starts_with(b.id_prefix()), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn bodies_are_checked() {
        let adme = json!({"input": {"molecules": [{"smiles": "CCO"}]}});
        assert_eq!(Family::Adme.validate(&adme).unwrap(), 1);
        assert_eq!(Family::Adme.validate(&json!([])).unwrap_err().status, 400);
        assert_eq!(Family::Adme.validate(&json!({"input": {"molecules": []}})).unwrap_err().status, 422);
        let design = json!({"num_molecules": 12, "target": {"entities": []}});
        assert_eq!(Family::SmallMoleculeDesign.validate(&design).unwrap(), 12);
        let too_few = json!({"num_molecules": 9, "target": {}});
        assert_eq!(Family::SmallMoleculeDesign.validate(&too_few).unwrap_err().status, 422);
        let generic = json!({"type": "generic", "num_proteins": 3, "entities": [{}], "templates": []});
        assert_eq!(Family::ProteinDesign.validate(&generic).unwrap(), 3);
        let key = json!({"type": "generic", "num_proteins": 3, "entities": [{}], "idempotency_key": 5});
        assert_eq!(Family::ProteinDesign.validate(&key).unwrap_err().status, 422);
    }
}
