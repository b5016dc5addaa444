//! Every response model decodes arbitrary bytes into a value or an error, never a panic.
#![no_main]

use boltz_api::models::{ApiKey, AuthMe, CliVersion, CreatedApiKey, SpendingLimit, UsageBucket, Workspace};
use boltz_api::pagination::{CursorPage, OpaqueCursorPage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<ApiKey>(data);
    let _ = serde_json::from_slice::<CreatedApiKey>(data);
    let _ = serde_json::from_slice::<CursorPage<ApiKey>>(data);
    let _ = serde_json::from_slice::<Workspace>(data);
    let _ = serde_json::from_slice::<CursorPage<Workspace>>(data);
    let _ = serde_json::from_slice::<Option<SpendingLimit>>(data);
    let _ = serde_json::from_slice::<OpaqueCursorPage<UsageBucket>>(data);
    let _ = serde_json::from_slice::<AuthMe>(data);
    let _ = serde_json::from_slice::<CliVersion>(data);
});
