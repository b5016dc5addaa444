//! Shorthands for the inputs most requests start from: entities by chain and sequence, and
//! structures from a URL or a local mmCIF file.
//!
//! ```
//! use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
//! use boltz_api::models::predictions::structure_and_binding::params::{Entity, Input};
//!
//! let request = StartStructureAndBinding::new(Input::new([
//!     Entity::protein("A", "MKTAYIAKQRQISFVKSHFSRQ"),
//!     Entity::ligand_smiles("B", "CC(=O)Oc1ccccc1C(=O)O"),
//! ]));
//! # drop(request);
//! ```

use std::io;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::models::common::params::{DnaEntity, LigandCcdEntity, LigandSmilesEntity, RnaEntity, URLSource};
use crate::models::predictions::structure_and_binding::params::{
    Boltz2ProteinEntity, Entity, MediaType, TemplateStructure, TemplateStructureBase64Source,
};
use crate::models::protein::params::{CifBase64Source, Structure};

impl Entity {
    /// A protein chain from its amino-acid sequence (one-letter codes).
    pub fn protein(chain_id: impl Into<String>, sequence: impl Into<String>) -> Self {
        Boltz2ProteinEntity::new([chain_id], sequence).into()
    }

    /// An RNA chain from its nucleotide sequence.
    pub fn rna(chain_id: impl Into<String>, sequence: impl Into<String>) -> Self {
        RnaEntity::new([chain_id], sequence).into()
    }

    /// A DNA chain from its nucleotide sequence.
    pub fn dna(chain_id: impl Into<String>, sequence: impl Into<String>) -> Self {
        DnaEntity::new([chain_id], sequence).into()
    }

    /// A ligand from its SMILES string.
    pub fn ligand_smiles(chain_id: impl Into<String>, smiles: impl Into<String>) -> Self {
        LigandSmilesEntity::new([chain_id], smiles).into()
    }

    /// A ligand by its code in the Chemical Component Dictionary (`ATP`, `HEM`, …).
    pub fn ligand_ccd(chain_id: impl Into<String>, code: impl Into<String>) -> Self {
        LigandCcdEntity::new([chain_id], code).into()
    }
}

/// A local structure file's contents in base64; only mmCIF (`.cif`, `.mmcif`) is accepted, as
/// by the API (and the official SDK, which refuses `.pdb` paths too).
fn cif_base64(path: &Path) -> io::Result<String> {
    let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !matches!(extension.as_deref(), Some("cif" | "mmcif")) {
        let message = format!("{} is not an mmCIF file (.cif or .mmcif)", path.display());
        return Err(io::Error::new(io::ErrorKind::InvalidInput, message));
    }
    Ok(STANDARD.encode(std::fs::read(path)?))
}

impl TemplateStructure {
    /// A template structure the API downloads from `url`.
    pub fn url(url: impl Into<String>) -> Self {
        URLSource::new(url).into()
    }

    /// A template structure from a local mmCIF file, sent inline in base64.
    pub fn cif_file(path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(TemplateStructureBase64Source::new(cif_base64(path.as_ref())?, MediaType::ChemicalXCif).into())
    }
}

impl Structure {
    /// A structure the API downloads from `url`.
    pub fn url(url: impl Into<String>) -> Self {
        URLSource::new(url).into()
    }

    /// A structure from a local mmCIF file, sent inline in base64.
    pub fn cif_file(path: impl AsRef<Path>) -> io::Result<Self> {
        Ok(CifBase64Source::new(cif_base64(path.as_ref())?).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entities_serialise_as_the_api_expects() {
        let cases = [
            (Entity::protein("A", "MKT"), json!({"type": "protein", "chain_ids": ["A"], "value": "MKT"})),
            (Entity::rna("B", "ACGU"), json!({"type": "rna", "chain_ids": ["B"], "value": "ACGU"})),
            (Entity::dna("C", "ACGT"), json!({"type": "dna", "chain_ids": ["C"], "value": "ACGT"})),
            (
                Entity::ligand_smiles("D", "CCO"),
                json!({"type": "ligand_smiles", "chain_ids": ["D"], "value": "CCO"}),
            ),
            (
                Entity::ligand_ccd("E", "ATP"),
                json!({"type": "ligand_ccd", "chain_ids": ["E"], "value": "ATP"}),
            ),
        ];
        for (entity, want) in cases {
            assert_eq!(serde_json::to_value(&entity).unwrap(), want);
        }
    }

    #[test]
    fn structures_from_a_url_or_an_mmcif_file() {
        assert_eq!(
            serde_json::to_value(Structure::url("https://x/s.cif")).unwrap(),
            json!({"type": "url", "url": "https://x/s.cif"})
        );
        let dir = std::env::temp_dir().join(format!("boltz-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cif = dir.join("target.cif");
        std::fs::write(&cif, "data_x\n").unwrap();
        assert_eq!(
            serde_json::to_value(Structure::cif_file(&cif).unwrap()).unwrap(),
            json!({"type": "base64", "media_type": "chemical/x-cif", "data": "ZGF0YV94Cg=="})
        );
        assert_eq!(
            serde_json::to_value(TemplateStructure::cif_file(&cif).unwrap()).unwrap(),
            json!({"type": "base64", "media_type": "chemical/x-cif", "data": "ZGF0YV94Cg=="})
        );
        let pdb = dir.join("target.pdb");
        std::fs::write(&pdb, "ATOM").unwrap();
        assert_eq!(Structure::cif_file(&pdb).unwrap_err().kind(), io::ErrorKind::InvalidInput);
        assert_eq!(Structure::cif_file(dir.join("missing.cif")).unwrap_err().kind(), io::ErrorKind::NotFound);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
