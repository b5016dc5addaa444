//! The request fingerprint the official SDK stores in `.boltz-run.json`, so that a run started by
//! either client is recognised by the other: `sha256:` and the SHA-256 of the start body (without
//! `idempotency_key` and `workspace_id`) as Python's compact, key-sorted `json.dumps` writes it,
//! with every inline base64 payload replaced by the SHA-256 of its bytes.

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::pyjson;

/// `base64.b64decode(data, validate=True)`: the standard alphabet, padding required, stray bits
/// in the last character allowed.
const PYTHON_B64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
);

/// The fingerprint of a start request's JSON body.
pub(crate) fn fingerprint(body: &Value) -> String {
    let mut payload = body.clone();
    if let Some(map) = payload.as_object_mut() {
        map.remove("idempotency_key");
        map.remove("workspace_id");
    }
    let canonical = pyjson::to_string(&canon(payload), pyjson::CANONICAL);
    format!("sha256:{}", hex(&Sha256::digest(canonical.as_bytes())))
}

/// Objects `{"type": "base64", "data": "…"}` at any depth lose `data` and gain `data_sha256`.
fn canon(value: Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.into_iter().map(canon).collect()),
        Value::Object(map) => {
            let mut map: serde_json::Map<String, Value> =
                map.into_iter().map(|(k, v)| (k, canon(v))).collect();
            if map.get("type").and_then(Value::as_str) == Some("base64") {
                if let Some(Value::String(data)) = map.get("data") {
                    // Like the SDK: text that is not valid base64 is hashed as it is.
                    let bytes = PYTHON_B64.decode(data).unwrap_or_else(|_| data.as_bytes().to_vec());
                    map.remove("data");
                    map.insert("data_sha256".to_owned(), Value::String(hex(&Sha256::digest(&bytes))));
                }
            }
            Value::Object(map)
        }
        other => other,
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Digests computed with the official SDK's `fingerprint_payload` (boltz-api 0.50.0).
    #[test]
    fn matches_the_sdk() {
        let binding = json!({"input": {"entities": [
            {"type": "protein", "value": "MKTAYIAKQR", "chain_ids": ["A"]},
            {"type": "ligand_smiles", "value": "CCO", "chain_ids": ["B"]}],
            "binding": {"type": "ligand_protein_binding", "binder_chain_id": "B"}},
            "model": "boltz-2.1", "idempotency_key": "exp_1", "workspace_id": "ws_1"});
        assert_eq!(
            fingerprint(&binding),
            "sha256:7403f0c0b38887b553d199cdf19741ffedb639071a82e15f8cd9b78ecc25a1fe"
        );
        let msa = json!({"input": {"entities": [{"type": "protein", "value": "MKTAYIAKQR", "chain_ids": ["A"],
            "msa": {"type": "custom", "format": "a3m", "source": {"type": "base64", "data": "PnEKTUtUQVlJQUtRUgo=", "media_type": "text/plain"}}}],
            "model_options": {"sampling_steps": 200, "step_scale": 1.5}, "num_samples": 2}, "model": "boltz-2.1"});
        assert_eq!(
            fingerprint(&msa),
            "sha256:2a5a26beed3eed358a3b10e22c7974110ba725ebdf66d08936727014887d276e"
        );
        let invalid =
            json!({"x": {"type": "base64", "data": "not base64!!", "media_type": "chemical/x-cif"}});
        assert_eq!(
            fingerprint(&invalid),
            "sha256:37d04034ce6ea6ec55d300587cf16f0bce7a9bc35ba478afe731b4f935bd7e46"
        );
    }

    #[test]
    fn base64_decodes_like_python() {
        // Stray bits are accepted; missing padding, newlines and the URL alphabet are not.
        assert_eq!(PYTHON_B64.decode("QR==").unwrap(), b"A");
        for bad in ["QQ", "QUJD\n", "-_8="] {
            assert!(PYTHON_B64.decode(bad).is_err(), "{bad}");
        }
    }
}
