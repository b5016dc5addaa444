//! The main job: create a key restricted to 127.0.0.1, list keys page by page, revoke the key,
//! see it refused, then watch `allowed_ips` at work from 127.0.0.1 and from 127.0.0.2; then run a
//! structure-and-binding prediction: start it, follow it live, download its archive and show its
//! metrics (`cargo run --example predict` runs that part alone).
//!
//! ```text
//! cargo run --example quickstart                      # against the embedded emulator
//! BOLTZ_BASE_URL=… BOLTZ_API_KEY=… cargo run --example quickstart   # against that server
//! ```
//!
//! Logs: one line per attempt with the local and remote socket address; `BOLTZ_LOG` takes a
//! `tracing` filter such as `boltz_api_layers=debug`.

#[path = "shared/prediction.rs"]
mod prediction;

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::time::Duration;

use boltz_api::Client;
use boltz_api::api::admin::api_keys::{CreateApiKey, ListApiKeys};
use boltz_api::models::{ApiKey, AuthMe, KeyMode};
use boltz_api_emulator::Emulator;
use futures_util::TryStreamExt;
use tracing_subscriber::EnvFilter;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Result<()> {
    let filter =
        EnvFilter::try_from_env("BOLTZ_LOG").unwrap_or_else(|_| EnvFilter::new("boltz_api_layers=debug"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_target(false)
        .without_time()
        .compact()
        .init();

    // With no BOLTZ_BASE_URL, run against an emulator inside this process, with jobs that take
    // about two seconds.
    let emulator = match std::env::var("BOLTZ_BASE_URL") {
        Ok(_) => None,
        Err(_) => Some(
            Emulator::builder()
                .pending_duration(Duration::from_millis(300))
                .job_duration(Duration::from_millis(1_500))
                .start()
                .await?,
        ),
    };
    let (base_url, admin_key) = match &emulator {
        Some(emulator) => (emulator.base_url().to_owned(), emulator.admin_key().to_owned()),
        None => (std::env::var("BOLTZ_BASE_URL")?, std::env::var("BOLTZ_API_KEY")?),
    };
    let connect = |key: &str| Client::builder().api_key(key).base_url(&base_url).build();
    println!(
        "boltz-api quickstart against {base_url}{}",
        if emulator.is_some() { " (embedded emulator)" } else { "" }
    );
    let admin = connect(&admin_key)?;

    let request = CreateApiKey::new("quickstart").allowed_ips(["127.0.0.1"]).mode(KeyMode::Test);
    let created = admin.admin().api_keys().create(request).await?;
    let id = created.key_details.id.clone();
    println!(
        "1. created {id} ({}…), allowed from {:?}",
        created.key_details.key_prefix, created.key_details.allowed_ips
    );

    let keys: Vec<ApiKey> =
        admin.admin().api_keys().list(ListApiKeys::new().limit(1)).stream().try_collect().await?;
    println!("2. listed {} keys, one page each", keys.len());

    let key = admin.admin().api_keys().revoke(&id).await?;
    println!(
        "3. revoked {}: name={} key_type={} is_active={} livemode={}",
        key.id, key.name, key.key_type, key.is_active, key.livemode
    );
    println!(
        "   key_prefix={} workspace_id={:?} allowed_ips={:?}",
        key.key_prefix, key.workspace_id, key.allowed_ips
    );
    println!(
        "   created_at={} expires_at={:?} last_used_at={:?}",
        key.created_at, key.expires_at, key.last_used_at
    );

    let err = connect(created.key.expose_secret())?.auth().me().await.expect_err("a revoked key is refused");
    println!("4. the revoked key is refused: {err}");

    match &emulator {
        Some(_) => pinned_key(&admin, &base_url).await?,
        None => println!("5. skipped: the allowed_ips demonstration needs the embedded emulator"),
    }

    println!("Part two: a structure-and-binding prediction");
    prediction::predict(&admin, Path::new("target/predict-output"), 7).await
}

/// A key pinned to 127.0.0.2 is refused from 127.0.0.1 and accepted from 127.0.0.2.
async fn pinned_key(admin: &Client, base_url: &str) -> Result<()> {
    let connect = |key: &str| Client::builder().api_key(key).base_url(base_url).build();
    let request = CreateApiKey::new("pinned").allowed_ips(["127.0.0.2"]).mode(KeyMode::Test);
    let pinned = admin.admin().api_keys().create(request).await?;
    let secret = pinned.key.expose_secret();
    let err = connect(secret)?.auth().me().await.expect_err("refused from 127.0.0.1");
    println!("5. a key pinned to 127.0.0.2, used from 127.0.0.1: {err}");
    let from_allowed = Client::builder()
        .api_key(secret)
        .base_url(base_url)
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .build()?;
    if let AuthMe::ApiKey(me) = from_allowed.auth().me().await? {
        println!("6. the same key from 127.0.0.2 is accepted: {} in {:?}", me.api_key_id, me.workspace_id);
    }
    admin.admin().api_keys().revoke(&pinned.key_details.id).await?;
    Ok(())
}
