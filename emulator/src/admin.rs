//! The 13 admin-plane operations (API keys, workspaces, spending limits, usage, `auth/me`,
//! `cli/version`): authentication and the calls into the store.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::router::{AdminOp, Params};
use crate::server::{Call, Shared};
use crate::store::{ORGANIZATION_ID, ORGANIZATION_NAME, Principal, Store};

fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("serialisable")
}

/// Answer one admin-plane operation.
pub(crate) fn handle(
    shared: &Shared,
    op: AdminOp,
    params: &Params,
    call: &Call<'_>,
) -> Result<Value, ApiError> {
    let query = call.query_pairs();
    let secret = call.api_key();
    let peer = call.peer.ip();
    let admin = |store: &mut Store| -> Result<Principal, ApiError> {
        let caller = store.authenticate(secret, peer)?;
        caller.require_admin()?;
        Ok(caller)
    };
    let mut store = shared.store.lock().expect("store lock");
    let store = &mut *store;
    match op {
        AdminOp::CreateApiKey => {
            let caller = admin(store)?;
            store.create_key(&caller, call.body)
        }
        AdminOp::ListApiKeys => {
            admin(store)?;
            Ok(to_json(store.list_keys(&query)?))
        }
        AdminOp::RevokeApiKey => {
            admin(store)?;
            Ok(to_json(store.revoke_key(params.get("api_key_id"))?))
        }
        AdminOp::CreateWorkspace => {
            admin(store)?;
            store.create_workspace(call.body)
        }
        AdminOp::ListWorkspaces => {
            admin(store)?;
            Ok(to_json(store.list_workspaces(&query)?))
        }
        AdminOp::RetrieveWorkspace => {
            admin(store)?;
            store.retrieve_workspace(params.get("workspace_id"))
        }
        AdminOp::UpdateWorkspace => {
            admin(store)?;
            store.update_workspace(params.get("workspace_id"), call.body)
        }
        AdminOp::ArchiveWorkspace => {
            admin(store)?;
            store.archive_workspace(params.get("workspace_id"))
        }
        AdminOp::RetrieveSpendingLimit => {
            // A workspace key may read its own workspace's limit.
            let caller = store.authenticate(secret, peer)?;
            store.retrieve_spending_limit(&caller, params.get("workspace_id"))
        }
        AdminOp::SetSpendingLimit => {
            admin(store)?;
            store.set_spending_limit(params.get("workspace_id"), call.body)
        }
        AdminOp::ListUsage => {
            admin(store)?;
            store.usage(&query)
        }
        AdminOp::AuthMe => {
            let caller = store.authenticate(secret, peer)?;
            Ok(json!({
                "principal_type": "api_key",
                "api_key_id": caller.key_id,
                "key_type": caller.key_type,
                "mode": caller.mode(),
                "organization_id": ORGANIZATION_ID,
                "organization_name": ORGANIZATION_NAME,
                "selected_organization_id": ORGANIZATION_ID,
                "workspace_id": caller.workspace_id,
            }))
        }
        AdminOp::CliVersion => {
            store.authenticate(secret, peer)?;
            Ok(cli_version(query.iter().find(|(k, _)| k == "current").map(|(_, v)| v.as_str())))
        }
    }
}

/// The emulator's CLI release metadata.
fn cli_version(current: Option<&str>) -> Value {
    const LATEST: &str = "1.0.0";
    const MINIMUM: &str = "0.5.0";
    let parse = |v: &str| v.split('.').map(|p| p.parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    let (update_available, update_required) = match current {
        Some(current) => (parse(current) < parse(LATEST), parse(current) < parse(MINIMUM)),
        None => (false, false),
    };
    json!({
        "install": {
            "macos_linux": "curl -fsSL https://example.invalid/install.sh | sh",
            "windows": "irm https://example.invalid/install.ps1 | iex",
        },
        "latest": LATEST,
        "message": null,
        "minimum_supported": MINIMUM,
        "update_available": update_available,
        "update_required": update_required,
    })
}
