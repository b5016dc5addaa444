//! The emulator's state: API keys (secrets kept only as SHA-256 hashes) and workspaces.

use std::collections::HashMap;
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

mod usage;
mod workspaces;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
pub(crate) use workspaces::WorkspaceRecord;

use crate::error::ApiError;
use crate::pagination::{Cursor, Page, select};

/// The organisation every emulated key belongs to.
pub(crate) const ORGANIZATION_ID: &str = "org_emulator";
pub(crate) const ORGANIZATION_NAME: &str = "Emulator Organization";
/// The workspace keys are created in when none is named.
pub(crate) const DEFAULT_WORKSPACE: &str = "ws_default";

/// A stored API key: its public description plus the hash of its secret.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KeyRecord {
    pub(crate) id: String,
    pub(crate) allowed_ips: Vec<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) is_active: bool,
    pub(crate) key_prefix: String,
    pub(crate) key_type: &'static str,
    pub(crate) last_used_at: Option<DateTime<Utc>>,
    pub(crate) livemode: bool,
    pub(crate) name: String,
    pub(crate) workspace_id: Option<String>,
    #[serde(skip)]
    secret_hash: [u8; 32],
}

/// Who is calling, after authentication.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub(crate) key_id: String,
    pub(crate) key_type: &'static str,
    pub(crate) livemode: bool,
    pub(crate) workspace_id: Option<String>,
}

impl Principal {
    pub(crate) fn require_admin(&self) -> Result<(), ApiError> {
        if self.key_type == "admin" {
            Ok(())
        } else {
            Err(ApiError::forbidden("this endpoint requires an admin API key"))
        }
    }

    pub(crate) fn mode(&self) -> &'static str {
        if self.livemode { "live" } else { "test" }
    }
}

/// The body of `POST /compute/v1/admin/api-keys`.
#[derive(Debug, Deserialize)]
pub(crate) struct CreateKey {
    name: Option<String>,
    #[serde(default)]
    allowed_ips: Vec<String>,
    expires_in_days: Option<i64>,
    mode: Option<String>,
    workspace_id: Option<String>,
}

/// What a new key is made from; a random secret is drawn when `secret` is `None`.
struct NewKey {
    name: String,
    key_type: &'static str,
    livemode: bool,
    workspace_id: Option<String>,
    allowed_ips: Vec<String>,
    expires_at: Option<DateTime<Utc>>,
    secret: Option<String>,
}

/// All state, behind one lock held only briefly.
#[derive(Debug, Default)]
pub(crate) struct Store {
    keys: Vec<KeyRecord>,
    by_id: HashMap<String, usize>,
    by_secret: HashMap<[u8; 32], usize>,
    workspaces: Vec<WorkspaceRecord>,
    workspace_index: HashMap<String, usize>,
}

fn hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// `len` random characters from `[a-z0-9]`, from the operating system's generator.
pub(crate) fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the OS random generator is available");
    bytes.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect()
}

impl Store {
    pub(crate) fn new() -> Self {
        let mut store = Self::default();
        store.insert_workspace(WorkspaceRecord::new(
            DEFAULT_WORKSPACE.to_owned(),
            Some("Default".into()),
            true,
        ));
        store
    }

    /// Store a new key and return its secret, which is not kept.
    fn insert_key(&mut self, new: NewKey) -> (String, &KeyRecord) {
        let NewKey { name, key_type, livemode, workspace_id, allowed_ips, expires_at, secret } = new;
        let mode = if livemode { "live" } else { "test" };
        let scope = if key_type == "admin" { "admin" } else { "ws" };
        let secret = secret.unwrap_or_else(|| format!("sk_bc_{scope}_{mode}_{}", random_token(32)));
        let mut id = format!("key_{}", random_token(20));
        while self.by_id.contains_key(&id) {
            id = format!("key_{}", random_token(20));
        }
        let record = KeyRecord {
            id: id.clone(),
            allowed_ips,
            created_at: Utc::now(),
            expires_at,
            is_active: true,
            key_prefix: secret.chars().take(12).collect(),
            key_type,
            last_used_at: None,
            livemode,
            name,
            workspace_id,
            secret_hash: hash(&secret),
        };
        let index = self.keys.len();
        self.by_id.insert(id, index);
        self.by_secret.insert(record.secret_hash, index);
        self.keys.push(record);
        (secret, &self.keys[index])
    }

    /// Create the bootstrap admin key, with a given or a random secret.
    pub(crate) fn bootstrap_admin(&mut self, secret: Option<String>) -> String {
        let admin = NewKey {
            name: "bootstrap admin".into(),
            key_type: "admin",
            livemode: true,
            workspace_id: None,
            allowed_ips: Vec::new(),
            expires_at: None,
            secret,
        };
        self.insert_key(admin).0
    }

    /// Check a presented secret against the key's state and its IP restriction.
    pub(crate) fn authenticate(&mut self, secret: Option<&str>, peer: IpAddr) -> Result<Principal, ApiError> {
        let secret = secret.ok_or_else(|| ApiError::unauthenticated("missing x-api-key header"))?;
        let index =
            *self.by_secret.get(&hash(secret)).ok_or_else(|| ApiError::unauthenticated("invalid API key"))?;
        let key = &mut self.keys[index];
        let now = Utc::now();
        if !key.is_active {
            return Err(ApiError::unauthenticated("this API key has been revoked"));
        }
        if key.expires_at.is_some_and(|at| at <= now) {
            return Err(ApiError::unauthenticated("this API key has expired"));
        }
        let peer = peer.to_canonical();
        if !key.allowed_ips.is_empty()
            && !key
                .allowed_ips
                .iter()
                .any(|ip| ip.parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical() == peer))
        {
            return Err(ApiError::forbidden(format!(
                "requests from IP address {peer} are not allowed for this API key"
            )));
        }
        key.last_used_at = Some(now);
        Ok(Principal {
            key_id: key.id.clone(),
            key_type: key.key_type,
            livemode: key.livemode,
            workspace_id: key.workspace_id.clone(),
        })
    }

    /// `POST /compute/v1/admin/api-keys`.
    pub(crate) fn create_key(&mut self, caller: &Principal, body: &[u8]) -> Result<Value, ApiError> {
        let request: CreateKey = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("invalid request body: {e}")))?;
        let name = request
            .name
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| ApiError::bad_request("name is required"))?;
        for ip in &request.allowed_ips {
            ip.parse::<IpAddr>()
                .map_err(|_| ApiError::unprocessable(format!("`{ip}` is not an IP address")))?;
        }
        let expires_at = match request.expires_in_days {
            Some(days) if days <= 0 => {
                return Err(ApiError::unprocessable("expires_in_days must be positive"));
            }
            Some(days) => Some(Utc::now() + Duration::days(days)),
            None => None,
        };
        // The server's default mode is not documented; the emulator uses the caller's.
        let livemode = match request.mode.as_deref() {
            None => caller.livemode,
            Some("live") => true,
            Some("test") => false,
            Some(other) => return Err(ApiError::unprocessable(format!("unknown mode `{other}`"))),
        };
        let workspace = request.workspace_id.unwrap_or_else(|| DEFAULT_WORKSPACE.to_owned());
        if self.workspace(&workspace)?.archived_at.is_some() {
            return Err(ApiError::bad_request(format!("workspace `{workspace}` is archived")));
        }
        let (secret, record) = self.insert_key(NewKey {
            name,
            key_type: "workspace",
            livemode,
            workspace_id: Some(workspace),
            allowed_ips: request.allowed_ips,
            expires_at,
            secret: None,
        });
        Ok(serde_json::json!({ "key": secret, "key_details": record }))
    }

    /// `GET /compute/v1/admin/api-keys`.
    pub(crate) fn list_keys(&self, query: &[(String, String)]) -> Result<Page, ApiError> {
        let cursor = Cursor::from_query(query)?;
        let workspace = query.iter().find(|(k, _)| k == "workspace_id").map(|(_, v)| v.as_str());
        let matching: Vec<&KeyRecord> = self
            .keys
            .iter()
            .filter(|k| workspace.is_none() || k.workspace_id.as_deref() == workspace)
            .collect();
        let ids: Vec<&str> = matching.iter().map(|k| k.id.as_str()).collect();
        let (range, has_more) = select(&ids, &cursor)?;
        let data =
            matching[range.clone()].iter().map(|k| serde_json::to_value(k).expect("serialisable")).collect();
        Ok(Page::new(data, &ids[range], has_more))
    }

    /// `POST /compute/v1/admin/api-keys/{id}/revoke`: idempotent.
    pub(crate) fn revoke_key(&mut self, id: &str) -> Result<&KeyRecord, ApiError> {
        let index =
            *self.by_id.get(id).ok_or_else(|| ApiError::not_found(format!("API key `{id}` not found")))?;
        let key = &mut self.keys[index];
        key.is_active = false;
        Ok(key)
    }

    /// Every key id, in creation order.
    pub(crate) fn key_ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn admin(store: &mut Store) -> Principal {
        let secret = store.bootstrap_admin(None);
        store.authenticate(Some(&secret), "127.0.0.1".parse().unwrap()).unwrap()
    }

    #[test]
    fn secrets_are_kept_only_as_hashes() {
        let mut store = Store::new();
        let caller = admin(&mut store);
        let created = store.create_key(&caller, br#"{"name":"k","mode":"test"}"#).unwrap();
        let secret = created["key"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("sk_bc_ws_test_"));
        assert_eq!(created["key_details"]["key_prefix"], &secret[..12]);
        assert_eq!(created["key_details"]["livemode"], false);
        assert!(!format!("{store:?}").contains(&secret));
    }

    #[test]
    fn authentication_checks_state_and_ip() {
        let mut store = Store::new();
        let caller = admin(&mut store);
        let created = store.create_key(&caller, br#"{"name":"k","allowed_ips":["127.0.0.2"]}"#).unwrap();
        let secret = created["key"].as_str().unwrap();
        let id = created["key_details"]["id"].as_str().unwrap().to_owned();
        let from = |ip: &str| ip.parse::<IpAddr>().unwrap();
        let err = store.authenticate(Some(secret), from("127.0.0.1")).unwrap_err();
        assert_eq!(err.status, 403);
        assert!(err.message.contains("127.0.0.1"));
        let ok = store.authenticate(Some(secret), from("::ffff:127.0.0.2")).unwrap();
        assert_eq!(ok.key_type, "workspace");
        assert!(ok.require_admin().is_err());
        store.revoke_key(&id).unwrap();
        assert_eq!(store.authenticate(Some(secret), from("127.0.0.2")).unwrap_err().status, 401);
        assert_eq!(store.authenticate(Some("nope"), from("127.0.0.2")).unwrap_err().status, 401);
        assert_eq!(store.authenticate(None, from("127.0.0.2")).unwrap_err().status, 401);
    }

    #[test]
    fn expired_keys_are_refused() {
        let mut store = Store::new();
        let (secret, _) = store.insert_key(NewKey {
            name: "old".into(),
            key_type: "workspace",
            livemode: false,
            workspace_id: Some(DEFAULT_WORKSPACE.into()),
            allowed_ips: Vec::new(),
            expires_at: Some(Utc::now() - Duration::seconds(1)),
            secret: None,
        });
        let err = store.authenticate(Some(&secret), "127.0.0.1".parse().unwrap()).unwrap_err();
        assert_eq!((err.status.as_u16(), err.message.as_str()), (401, "this API key has expired"));
    }

    #[test]
    fn bad_create_bodies_are_refused() {
        let mut store = Store::new();
        let caller = admin(&mut store);
        for body in
            [&b"{}"[..], b"not json", br#"{"name":"k","allowed_ips":["x"]}"#, br#"{"name":"k","mode":"x"}"#]
        {
            assert!(store.create_key(&caller, body).is_err());
        }
        let err = store.create_key(&caller, br#"{"name":"k","workspace_id":"ws_nope"}"#).unwrap_err();
        assert_eq!(err.status, 404);
    }
}
