//! Decoding the revoke response into `ApiKey` against bare `serde_json` into a plain struct.

mod support;

use boltz_api::models::ApiKey;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use support::{PlainApiKey, SEED};

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    group.bench_function("serde_json plain struct", |b| {
        b.iter(|| serde_json::from_slice::<PlainApiKey>(black_box(SEED.as_bytes())).unwrap())
    });
    group.bench_function("boltz_api ApiKey", |b| {
        b.iter(|| serde_json::from_slice::<ApiKey>(black_box(SEED.as_bytes())).unwrap())
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
