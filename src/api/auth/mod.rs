//! The calling credential's context.
//!
//! ```no_run
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! use boltz_api::models::AuthMe;
//! if let AuthMe::ApiKey(key) = client.auth().me().await? {
//!     println!("calling as {} in {:?} mode", key.api_key_id, key.mode);
//! }
//! # Ok(()) }
//! ```

mod me;

pub use me::GetAuthMe;

use crate::client::{Call, Client};

/// Facade over the auth operations.
#[derive(Debug, Clone, Copy)]
pub struct Auth<'a> {
    client: &'a Client,
}

impl<'a> Auth<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Who is calling: the key (or user) and its organisation.
    pub fn me(&self) -> Call<'a, GetAuthMe> {
        self.client.send(GetAuthMe)
    }
}
