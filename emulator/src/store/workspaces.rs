//! Workspaces and their spending limits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Principal, Store, random_token};
use crate::error::ApiError;
use crate::pagination::{Cursor, Page, select};

/// The "no ceiling" sentinel, 2^53 − 1; amounts from half of it up are normalised to it.
const UNLIMITED: i64 = 9_007_199_254_740_991;
/// Every workspace reports this much accrued spend (milli-USD), so a lower limit is refused.
pub(crate) const SYNTHETIC_ACCRUED_USAGE: i64 = 2_500;

/// How long result data is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct DataRetention {
    unit: String,
    value: i64,
}

impl DataRetention {
    fn validate(self) -> Result<Self, ApiError> {
        let hours = match self.unit.as_str() {
            "hours" => self.value,
            "days" => self.value.saturating_mul(24),
            other => return Err(ApiError::unprocessable(format!("unknown data_retention unit `{other}`"))),
        };
        if !(1..=336).contains(&hours) {
            return Err(ApiError::unprocessable(
                "data_retention must be between 1 hour and 14 days (336 hours)",
            ));
        }
        Ok(self)
    }
}

/// A stored workspace.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct WorkspaceRecord {
    pub(crate) id: String,
    pub(crate) archived_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    data_retention: DataRetention,
    is_default: bool,
    name: Option<String>,
    updated_at: DateTime<Utc>,
    #[serde(skip)]
    spending_limit: Option<i64>,
}

impl WorkspaceRecord {
    pub(crate) fn new(id: String, name: Option<String>, is_default: bool) -> Self {
        let now = Utc::now();
        Self {
            id,
            archived_at: None,
            created_at: now,
            data_retention: DataRetention { unit: "days".into(), value: 7 },
            is_default,
            name,
            updated_at: now,
            spending_limit: None,
        }
    }

    fn limit_json(&self) -> Value {
        match self.spending_limit {
            None => Value::Null,
            Some(amount) => serde_json::json!({
                "accrued_usage": { "amount": SYNTHETIC_ACCRUED_USAGE, "currency": "MILLI_USD" },
                "limit": { "amount": amount, "currency": "MILLI_USD" },
                "type": "lifetime",
            }),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Money {
    amount: i64,
    currency: String,
}

#[derive(Debug, Deserialize)]
struct LimitRequest {
    limit: Money,
    #[serde(rename = "type")]
    kind: String,
}

impl LimitRequest {
    /// The amount to store, after the checks the service makes.
    fn amount(&self) -> Result<i64, ApiError> {
        if self.limit.currency != "MILLI_USD" {
            return Err(ApiError::unprocessable(format!("unknown currency `{}`", self.limit.currency)));
        }
        if self.kind != "lifetime" {
            return Err(ApiError::unprocessable(format!("unknown limit type `{}`", self.kind)));
        }
        if self.limit.amount < 0 {
            return Err(ApiError::unprocessable("the limit must not be negative"));
        }
        if self.limit.amount < SYNTHETIC_ACCRUED_USAGE {
            return Err(ApiError::bad_request(format!(
                "the limit {} is below the accrued usage and reserved spend of {SYNTHETIC_ACCRUED_USAGE} milli-USD",
                self.limit.amount
            )));
        }
        Ok(if self.limit.amount >= UNLIMITED / 2 { UNLIMITED } else { self.limit.amount })
    }
}

#[derive(Debug, Deserialize)]
struct CreateWorkspace {
    data_retention: Option<DataRetention>,
    name: Option<String>,
    spending_limit: Option<LimitRequest>,
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    let body = if body.is_empty() { b"{}" } else { body };
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))
}

fn to_json(workspace: &WorkspaceRecord) -> Value {
    serde_json::to_value(workspace).expect("serialisable")
}

impl Store {
    pub(crate) fn insert_workspace(&mut self, workspace: WorkspaceRecord) -> &WorkspaceRecord {
        let index = self.workspaces.len();
        self.workspace_index.insert(workspace.id.clone(), index);
        self.workspaces.push(workspace);
        &self.workspaces[index]
    }

    pub(crate) fn workspace(&self, id: &str) -> Result<&WorkspaceRecord, ApiError> {
        self.workspace_index
            .get(id)
            .map(|&i| &self.workspaces[i])
            .ok_or_else(|| ApiError::not_found(format!("workspace `{id}` not found")))
    }

    fn workspace_mut(&mut self, id: &str) -> Result<&mut WorkspaceRecord, ApiError> {
        let index = *self
            .workspace_index
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("workspace `{id}` not found")))?;
        Ok(&mut self.workspaces[index])
    }

    /// Every workspace id, in creation order.
    pub(crate) fn workspace_ids(&self) -> impl Iterator<Item = &str> {
        self.workspaces.iter().map(|w| w.id.as_str())
    }

    /// `POST /compute/v1/admin/workspaces`.
    pub(crate) fn create_workspace(&mut self, body: &[u8]) -> Result<Value, ApiError> {
        let request: CreateWorkspace = parse(body)?;
        let mut id = format!("ws_{}", random_token(20));
        while self.workspace_index.contains_key(&id) {
            id = format!("ws_{}", random_token(20));
        }
        let mut workspace = WorkspaceRecord::new(id, request.name, false);
        if let Some(retention) = request.data_retention {
            workspace.data_retention = retention.validate()?;
        }
        if let Some(limit) = &request.spending_limit {
            workspace.spending_limit = Some(limit.amount()?);
        }
        Ok(to_json(self.insert_workspace(workspace)))
    }

    /// `GET /compute/v1/admin/workspaces/{id}`.
    pub(crate) fn retrieve_workspace(&self, id: &str) -> Result<Value, ApiError> {
        self.workspace(id).map(to_json)
    }

    /// `POST /compute/v1/admin/workspaces/{id}`: a partial update; `"name": null` clears the name.
    pub(crate) fn update_workspace(&mut self, id: &str, body: &[u8]) -> Result<Value, ApiError> {
        let changes: serde_json::Map<String, Value> = parse(body)?;
        let retention = match changes.get("data_retention") {
            Some(value) => Some(
                serde_json::from_value::<DataRetention>(value.clone())
                    .map_err(|e| ApiError::bad_request(format!("invalid data_retention: {e}")))?
                    .validate()?,
            ),
            None => None,
        };
        let name = match changes.get("name") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(name)) => Some(Some(name.clone())),
            Some(_) => return Err(ApiError::bad_request("name must be a string or null")),
        };
        let workspace = self.workspace_mut(id)?;
        if workspace.archived_at.is_some() {
            return Err(ApiError::bad_request(format!("workspace `{id}` is archived")));
        }
        if let Some(retention) = retention {
            workspace.data_retention = retention;
        }
        if let Some(name) = name {
            workspace.name = name;
        }
        workspace.updated_at = Utc::now();
        Ok(to_json(workspace))
    }

    /// `GET /compute/v1/admin/workspaces`, with a case-insensitive name prefix filter.
    pub(crate) fn list_workspaces(&self, query: &[(String, String)]) -> Result<Page, ApiError> {
        let cursor = Cursor::from_query(query)?;
        let prefix = query.iter().find(|(k, _)| k == "name").map(|(_, v)| v.to_lowercase());
        let matching: Vec<&WorkspaceRecord> = self
            .workspaces
            .iter()
            .filter(|w| match &prefix {
                None => true,
                Some(prefix) => {
                    w.name.as_deref().is_some_and(|n| n.to_lowercase().starts_with(prefix.as_str()))
                }
            })
            .collect();
        let ids: Vec<&str> = matching.iter().map(|w| w.id.as_str()).collect();
        let (range, has_more) = select(&ids, &cursor)?;
        let data = matching[range.clone()].iter().map(|w| to_json(w)).collect();
        Ok(Page::new(data, &ids[range], has_more))
    }

    /// `POST /compute/v1/admin/workspaces/{id}/archive`: idempotent; deactivates the keys.
    pub(crate) fn archive_workspace(&mut self, id: &str) -> Result<Value, ApiError> {
        let workspace = self.workspace_mut(id)?;
        if workspace.is_default {
            return Err(ApiError::bad_request("the default workspace cannot be archived"));
        }
        if workspace.archived_at.is_none() {
            let now = Utc::now();
            workspace.archived_at = Some(now);
            workspace.updated_at = now;
        }
        let archived = to_json(workspace);
        for key in self.keys.iter_mut().filter(|k| k.workspace_id.as_deref() == Some(id)) {
            key.is_active = false;
        }
        Ok(archived)
    }

    /// `GET …/{id}/spending-limit`: admins, or a key of that workspace; `null` without a cap.
    pub(crate) fn retrieve_spending_limit(&self, caller: &Principal, id: &str) -> Result<Value, ApiError> {
        if caller.key_type != "admin" && caller.workspace_id.as_deref() != Some(id) {
            return Err(ApiError::forbidden("a workspace key may read only its own workspace's limit"));
        }
        self.workspace(id).map(WorkspaceRecord::limit_json)
    }

    /// `PUT …/{id}/spending-limit`.
    pub(crate) fn set_spending_limit(&mut self, id: &str, body: &[u8]) -> Result<Value, ApiError> {
        let request: LimitRequest = parse(body)?;
        let amount = request.amount()?;
        let workspace = self.workspace_mut(id)?;
        workspace.spending_limit = Some(amount);
        workspace.updated_at = Utc::now();
        Ok(workspace.limit_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked_and_normalised() {
        let mut store = Store::new();
        let created = store.create_workspace(br#"{"name":"r"}"#).unwrap();
        let id = created["id"].as_str().unwrap();
        assert_eq!(store.retrieve_workspace(id).unwrap()["name"], "r");
        let low = br#"{"limit":{"amount":1000,"currency":"MILLI_USD"},"type":"lifetime"}"#;
        assert_eq!(store.set_spending_limit(id, low).unwrap_err().status, 400);
        let huge = br#"{"limit":{"amount":5000000000000000,"currency":"MILLI_USD"},"type":"lifetime"}"#;
        assert_eq!(store.set_spending_limit(id, huge).unwrap()["limit"]["amount"], UNLIMITED);
        let euro = br#"{"limit":{"amount":5000,"currency":"EUR"},"type":"lifetime"}"#;
        assert_eq!(store.set_spending_limit(id, euro).unwrap_err().status, 422);
    }

    #[test]
    fn updates_distinguish_null_from_absent() {
        let mut store = Store::new();
        let id = store.create_workspace(br#"{"name":"r"}"#).unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(store.update_workspace(&id, b"{}").unwrap()["name"], "r");
        assert_eq!(store.update_workspace(&id, br#"{"name":null}"#).unwrap()["name"], Value::Null);
        let too_long = br#"{"data_retention":{"unit":"days","value":15}}"#;
        assert_eq!(store.update_workspace(&id, too_long).unwrap_err().status, 422);
        assert_eq!(store.archive_workspace(DEFAULT_WORKSPACE_ID).unwrap_err().status, 400);
    }

    const DEFAULT_WORKSPACE_ID: &str = super::super::DEFAULT_WORKSPACE;
}
