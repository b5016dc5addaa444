//! Compute-plane records: jobs, the idempotency index and share links. Nothing here knows about
//! time or HTTP; the engine says what state a job is in and the routes say who may see it.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::engine::Timeline;
use super::family::Family;
use crate::store::random_token;

/// A started job.
#[derive(Debug)]
pub(crate) struct JobRecord {
    pub(crate) id: String,
    pub(crate) family: Family,
    pub(crate) workspace_id: String,
    pub(crate) livemode: bool,
    pub(crate) idempotency_key: Option<String>,
    /// The start body; `Value::Null` once its data is deleted.
    pub(crate) request: Value,
    /// SHA-256 of the start body in canonical form, kept after deletion for idempotency checks.
    pub(crate) fingerprint: [u8; 32],
    /// The request's `type` (`binder`, `generic`, or none for the legacy design form), kept after
    /// deletion because it decides the shape of the results.
    pub(crate) variant: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) timeline: Timeline,
    /// How many results a pipeline makes in all (1 for a prediction).
    pub(crate) total: u64,
    pub(crate) data_deleted_at: Option<DateTime<Utc>>,
}

impl JobRecord {
    /// The random part of the ID, which result IDs repeat.
    pub(crate) fn token(&self) -> &str {
        self.id.strip_prefix(self.family.id_prefix()).unwrap_or(&self.id)
    }
}

/// A share link.
#[derive(Debug, Clone)]
pub(crate) struct ShareLinkRecord {
    pub(crate) id: String,
    pub(crate) workspace_id: String,
    pub(crate) access_parameters: Value,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) expires_at: DateTime<Utc>,
    pub(crate) pipeline_ids: Vec<String>,
    pub(crate) prediction_ids: Vec<String>,
    pub(crate) archived_at: Option<DateTime<Utc>>,
}

/// Where an idempotency key is looked up: per workspace and per kind of job.
///
/// UNCONFIRMED: the key's scope is not documented.
type KeyScope = (String, Family, String);

/// Every job and share link, in creation order.
#[derive(Debug, Default)]
pub(crate) struct JobStore {
    jobs: Vec<JobRecord>,
    by_id: HashMap<String, usize>,
    by_key: HashMap<KeyScope, usize>,
    links: Vec<ShareLinkRecord>,
    links_by_id: HashMap<String, usize>,
}

impl JobStore {
    /// A fresh, unused job ID for `family`.
    pub(crate) fn new_job_id(&self, family: Family) -> String {
        loop {
            let id = format!("{}{}", family.id_prefix(), random_token(20));
            if !self.by_id.contains_key(&id) {
                return id;
            }
        }
    }

    /// A fresh, unused share link ID (the link's bearer secret, so it is long).
    pub(crate) fn new_link_id(&self) -> String {
        loop {
            let id = format!("share_{}", random_token(32));
            if !self.links_by_id.contains_key(&id) {
                return id;
            }
        }
    }

    pub(crate) fn insert(&mut self, job: JobRecord) -> &JobRecord {
        let index = self.jobs.len();
        if let Some(key) = &job.idempotency_key {
            self.by_key.insert((job.workspace_id.clone(), job.family, key.clone()), index);
        }
        self.by_id.insert(job.id.clone(), index);
        self.jobs.push(job);
        &self.jobs[index]
    }

    pub(crate) fn get(&self, id: &str) -> Option<&JobRecord> {
        self.by_id.get(id).map(|&i| &self.jobs[i])
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut JobRecord> {
        self.by_id.get(id).map(|&i| &mut self.jobs[i])
    }

    /// The job started earlier in `workspace` with this idempotency key, if any.
    pub(crate) fn by_key(&self, workspace: &str, family: Family, key: &str) -> Option<&JobRecord> {
        self.by_key.get(&(workspace.to_owned(), family, key.to_owned())).map(|&i| &self.jobs[i])
    }

    /// Every job, oldest first.
    pub(crate) fn jobs(&self) -> impl Iterator<Item = &JobRecord> {
        self.jobs.iter()
    }

    pub(crate) fn insert_link(&mut self, link: ShareLinkRecord) -> &ShareLinkRecord {
        let index = self.links.len();
        self.links_by_id.insert(link.id.clone(), index);
        self.links.push(link);
        &self.links[index]
    }

    pub(crate) fn link(&self, id: &str) -> Option<&ShareLinkRecord> {
        self.links_by_id.get(id).map(|&i| &self.links[i])
    }

    pub(crate) fn link_mut(&mut self, id: &str) -> Option<&mut ShareLinkRecord> {
        self.links_by_id.get(id).map(|&i| &mut self.links[i])
    }
}

/// SHA-256 of `value` written as JSON with sorted keys, so key order does not matter.
pub(crate) fn fingerprint(value: &Value) -> [u8; 32] {
    fn write(value: &Value, out: &mut String) {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                out.push('{');
                for (i, key) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push(':');
                    write(&map[key], out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut text = String::new();
    write(value, &mut text);
    Sha256::digest(text.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fingerprints_ignore_key_order_only() {
        let a = json!({"a": 1, "b": [1, {"x": "y", "z": null}]});
        let b: Value = serde_json::from_str(r#"{"b":[1,{"z":null,"x":"y"}],"a":1}"#).unwrap();
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&a), fingerprint(&json!({"a": 2, "b": [1, {"x": "y", "z": null}]})));
    }

    #[test]
    fn jobs_are_found_by_id_and_key() {
        let mut store = JobStore::default();
        let id = store.new_job_id(Family::Adme);
        assert!(id.starts_with("adme_pred_"));
        let now = Utc::now();
        store.insert(JobRecord {
            id: id.clone(),
            family: Family::Adme,
            workspace_id: "ws_1".into(),
            livemode: false,
            idempotency_key: Some("k".into()),
            request: json!({}),
            fingerprint: fingerprint(&json!({})),
            variant: None,
            created_at: now,
            timeline: Timeline::new(now, 0, 10),
            total: 1,
            data_deleted_at: None,
        });
        assert_eq!(store.get(&id).unwrap().token().len(), 20);
        assert!(store.by_key("ws_1", Family::Adme, "k").is_some());
        assert!(store.by_key("ws_2", Family::Adme, "k").is_none());
        assert!(store.by_key("ws_1", Family::StructureAndBinding, "k").is_none());
    }
}
