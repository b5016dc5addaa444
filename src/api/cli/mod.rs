//! CLI release metadata.
//!
//! ```no_run
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! let version = client.cli().version(Some("1.2.3"), Some("linux-x64")).await?;
//! if version.update_required {
//!     println!("please upgrade to {}", version.latest);
//! }
//! # Ok(()) }
//! ```

mod version;

pub use version::GetCliVersion;

use crate::client::{Call, Client};

/// Facade over the CLI operations.
#[derive(Debug, Clone, Copy)]
pub struct Cli<'a> {
    client: &'a Client,
}

impl<'a> Cli<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Compare an installed CLI version with the published and minimum supported ones.
    pub fn version(&self, current: Option<&str>, platform: Option<&str>) -> Call<'a, GetCliVersion> {
        let mut request = GetCliVersion::new();
        if let Some(current) = current {
            request = request.current(current);
        }
        if let Some(platform) = platform {
            request = request.platform(platform);
        }
        self.client.send(request)
    }
}
