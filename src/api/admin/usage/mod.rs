//! Usage: aggregated organisation usage, paged by an opaque token.
//!
//! ```no_run
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! use chrono::{Duration, Utc};
//! use futures_util::TryStreamExt;
//! use boltz_api::api::admin::usage::ListUsage;
//! use boltz_api::models::{UsageGroupBy, WindowSize};
//! let request = ListUsage::new(Utc::now() - Duration::days(7), Utc::now(), WindowSize::Day)
//!     .group_by([UsageGroupBy::WorkspaceId]);
//! let buckets: Vec<_> = client.admin().usage().list(request).stream().try_collect().await?;
//! # Ok(()) }
//! ```

mod list;

pub use list::ListUsage;

use crate::client::{Call, Client};

/// Facade over the usage operations.
#[derive(Debug, Clone, Copy)]
pub struct Usage<'a> {
    client: &'a Client,
}

impl<'a> Usage<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// One page of usage buckets; call `.stream()` on the result for every bucket.
    pub fn list(&self, request: ListUsage) -> Call<'a, ListUsage> {
        self.client.send(request)
    }
}
