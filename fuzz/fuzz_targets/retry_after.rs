//! Any `retry-after-ms` / `retry-after` header values give no delay or one within (0, 60 s].
#![no_main]

use std::time::{Duration, SystemTime};

use boltz_api_layers::retry::backoff::{MAX_SERVER_DELAY, server_delay};
use http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (ms, seconds) = data.split_at(data.len() / 2);
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_bytes(ms) {
        headers.insert("retry-after-ms", value);
    }
    if let Ok(value) = HeaderValue::from_bytes(seconds) {
        headers.insert(http::header::RETRY_AFTER, value);
    }
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    if let Some(delay) = server_delay(&headers, now) {
        assert!(delay > Duration::ZERO && delay <= MAX_SERVER_DELAY);
    }
});
