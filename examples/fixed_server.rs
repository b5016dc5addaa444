//! The load example's fixed-response server in a process of its own: it answers every request
//! with the revoke response (`SEED`) on 127.0.0.1, on one thread, and serves until killed. The
//! `scripts/` measurements use it when nginx is not installed, so that the client is measured
//! without the server's cost.
//!
//! ```text
//! cargo run --release --example fixed_server      # prints http://127.0.0.1:PORT
//! ```

#[path = "../benches/support/mod.rs"]
mod support;

use boltz_api_emulator::fixed::FixedServer;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let server = FixedServer::start(support::SEED).await?;
    println!("{}", server.base_url());
    std::future::pending::<()>().await;
    Ok(())
}
