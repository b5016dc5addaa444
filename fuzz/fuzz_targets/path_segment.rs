//! A path parameter is refused, or encoded as exactly one segment that decodes back to itself.
#![no_main]

use boltz_api::endpoint::path_segment;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(id) = std::str::from_utf8(data) else { return };
    match path_segment("id", id) {
        Ok(encoded) => {
            let encoded = encoded.to_string();
            assert!(encoded.is_ascii());
            assert!(!encoded.contains(['/', '?', '#']) && !encoded.chars().any(|c| c.is_control() || c == ' '));
            assert!(encoded != "." && encoded != "..");
            let decoded = percent_encoding::percent_decode_str(&encoded).decode_utf8().unwrap();
            assert_eq!(decoded, id);
        }
        Err(_) => assert!(id.is_empty() || id == "." || id == ".." || id.chars().any(char::is_control)),
    }
});
