//! The names of run directories made from a run's ID, as the official SDK and CLI make them, so
//! that all three download an existing run into the same directory.

use sha2::{Digest, Sha256};

use super::fingerprint::hex;

const ADJECTIVES: [&str; 10] =
    ["amber", "brisk", "calm", "clear", "keen", "lively", "lucid", "quiet", "rapid", "steady"];
const NOUNS: [&str; 10] =
    ["atom", "binder", "cluster", "enzyme", "helix", "ligand", "motif", "pocket", "sample", "target"];
const VERBS: [&str; 10] =
    ["aligns", "builds", "checks", "drifts", "folds", "guides", "mixes", "screens", "shifts", "tracks"];

/// `adjective-noun-verb-hex` from `sha256(run_id)` (the ID trimmed): `lucid-atom-checks-2f7148`.
pub fn deterministic_name(run_id: &str) -> String {
    let digest = Sha256::digest(run_id.trim().as_bytes());
    let word = |words: &[&'static str; 10], byte: u8| words[usize::from(byte) % words.len()];
    format!(
        "{}-{}-{}-{}",
        word(&ADJECTIVES, digest[0]),
        word(&NOUNS, digest[1]),
        word(&VERBS, digest[2]),
        hex(&digest[3..6])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by the SDK's `deterministic_name` (boltz-api 0.50.0, `experiments/_addressing.py`).
    #[test]
    fn the_names_the_sdk_makes() {
        assert_eq!(deterministic_name("sm_scr_01j8k2"), "amber-binder-screens-6d084b");
        assert_eq!(deterministic_name("sab_pred_abc"), "calm-enzyme-mixes-937dee");
        assert_eq!(deterministic_name("  prot_des_x  "), "steady-ligand-checks-b6e693");
        assert_eq!(deterministic_name("é"), "keen-enzyme-guides-7e4033");
    }
}
