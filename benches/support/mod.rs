//! What the benchmarks and the load example share: the revoke response, a plain struct to decode
//! it into, and the raw hyper client the stack is compared with.
#![allow(dead_code, unreachable_pub, missing_docs)]

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

/// The revoke response from the endpoint's documentation page.
pub const SEED: &str = r#"{"id":"id","allowed_ips":["string"],"created_at":"2019-12-27T18:11:19.117Z","expires_at":"2019-12-27T18:11:19.117Z","is_active":true,"key_prefix":"key_prefix","key_type":"admin","last_used_at":"2019-12-27T18:11:19.117Z","livemode":true,"name":"name","workspace_id":"workspace_id"}"#;

pub const KEY: &str = "sk_bc_admin_live_benchmark_0123456789";

/// The same fields as `boltz_api::models::ApiKey`, with a plain `String` for the enum.
#[derive(Debug, Deserialize)]
pub struct PlainApiKey {
    pub id: String,
    pub allowed_ips: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub is_active: bool,
    pub key_prefix: String,
    pub key_type: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub livemode: bool,
    pub name: String,
    pub workspace_id: Option<String>,
}

pub type Raw = HyperClient<HttpConnector, Full<Bytes>>;

/// A bare hyper-util client, configured like the default transport's TCP side.
pub fn raw_client() -> Raw {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    HyperClient::builder(TokioExecutor::new()).build(http)
}

/// One revoke with the bare client, sending the same headers as the stack: build, send,
/// collect, decode.
pub async fn raw_revoke(
    client: &Raw,
    base_url: &str,
    key: &str,
) -> Result<PlainApiKey, Box<dyn std::error::Error + Send + Sync>> {
    let request = Request::post(format!("{base_url}/compute/v1/admin/api-keys/key_123/revoke"))
        .header("accept", "application/json")
        .header("user-agent", concat!("boltz-api-rust/", env!("CARGO_PKG_VERSION")))
        .header("x-stainless-retry-count", "0")
        .header("x-api-key", key)
        .body(Full::default())?;
    let response: Response<_> = client.request(request).await?;
    let body = response.into_body().collect().await?.to_bytes();
    Ok(serde_json::from_slice(&body)?)
}

/// The crate's client with the default stack, against `base_url`.
pub fn stack_client(base_url: &str, key: &str) -> boltz_api::Client {
    boltz_api::Client::builder().api_key(key).base_url(base_url).build().expect("a valid configuration")
}
