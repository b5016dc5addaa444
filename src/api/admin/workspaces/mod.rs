//! Workspaces: create, retrieve, update, list, archive, and their spending limits.
//!
//! ```no_run
//! # async fn run(client: boltz_api::Client) -> Result<(), boltz_api::Error> {
//! use boltz_api::api::admin::workspaces::CreateWorkspace;
//! use boltz_api::models::DataRetention;
//! let workspaces = client.admin().workspaces();
//! let ws = workspaces.create(CreateWorkspace::new().name("research").data_retention(DataRetention::days(3))).await?;
//! workspaces.set_spending_limit(&ws.id, 50_000).await?; // 50 USD, in milli-USD
//! let limit = workspaces.retrieve_spending_limit(&ws.id).await?; // None: no workspace cap
//! # Ok(()) }
//! ```

mod archive;
mod create;
mod list;
mod retrieve;
mod retrieve_spending_limit;
mod set_spending_limit;
mod update;

pub use archive::ArchiveWorkspace;
pub use create::CreateWorkspace;
pub use list::ListWorkspaces;
pub use retrieve::RetrieveWorkspace;
pub use retrieve_spending_limit::RetrieveSpendingLimit;
pub use set_spending_limit::SetSpendingLimit;
pub use update::UpdateWorkspace;

use crate::client::{Call, Client};
use crate::endpoint::path_segment;
use crate::error::BuildError;

/// `/compute/v1/admin/workspaces/{workspace_id}` followed by `suffix`.
fn workspace_path(workspace_id: &str, suffix: &str) -> Result<String, BuildError> {
    Ok(["/compute/v1/admin/workspaces/", &path_segment("workspace_id", workspace_id)?, suffix].concat())
}

/// Facade over the workspace operations.
#[derive(Debug, Clone, Copy)]
pub struct Workspaces<'a> {
    client: &'a Client,
}

impl<'a> Workspaces<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Create a workspace.
    pub fn create(&self, request: CreateWorkspace) -> Call<'a, CreateWorkspace> {
        self.client.send(request)
    }

    /// Fetch one workspace.
    pub fn retrieve(&self, workspace_id: impl Into<String>) -> Call<'a, RetrieveWorkspace> {
        self.client.send(RetrieveWorkspace::new(workspace_id))
    }

    /// Change a workspace's name or data retention.
    pub fn update(&self, request: UpdateWorkspace) -> Call<'a, UpdateWorkspace> {
        self.client.send(request)
    }

    /// One page of workspaces; call `.stream()` on the result for every workspace.
    pub fn list(&self, request: ListWorkspaces) -> Call<'a, ListWorkspaces> {
        self.client.send(request)
    }

    /// Archive a workspace and deactivate its keys; this cannot be undone.
    pub fn archive(&self, workspace_id: impl Into<String>) -> Call<'a, ArchiveWorkspace> {
        self.client.send(ArchiveWorkspace::new(workspace_id))
    }

    /// The workspace's spending limit; `None` when it has no workspace-level cap.
    pub fn retrieve_spending_limit(
        &self,
        workspace_id: impl Into<String>,
    ) -> Call<'a, RetrieveSpendingLimit> {
        self.client.send(RetrieveSpendingLimit::new(workspace_id))
    }

    /// Set the workspace's lifetime ceiling, in milli-USD.
    pub fn set_spending_limit(
        &self,
        workspace_id: impl Into<String>,
        amount: i64,
    ) -> Call<'a, SetSpendingLimit> {
        self.client.send(SetSpendingLimit::new(workspace_id, amount))
    }
}
