//! The 61 compute-plane operations: who may call them, which workspace they act in, and the
//! calls into the store, the engine and the shapes.
//!
//! Keys: workspace keys and admin keys both may call the compute plane. A workspace key acts in
//! its own workspace; a `workspace_id` it sends must be that workspace (UNCONFIRMED: the SDK
//! says "ignored (or validated)"; the emulator validates, 403). An admin key acts in the
//! `workspace_id` it names, or the default workspace when it starts something without one; it
//! can read, stop, resume and delete any job of the organisation (those calls take no
//! `workspace_id`), and a `workspace_id` on a read narrows it.
//!
//! `share_links.read` and `share_links.list_pipeline_results` need no key: the share link ID is
//! the bearer credential (UNCONFIRMED; the SDK still sends its key, which is ignored).

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::engine::{Status, Timeline};
use super::family::Family;
use super::files::Links;
use super::shapes::{self, View};
use super::store::{JobRecord, ShareLinkRecord, fingerprint};
use crate::error::ApiError;
use crate::pagination::{Cursor, Page, select};
use crate::router::{ComputeOp, JobOp, Params};
use crate::server::{Call, Shared};
use crate::store::{DEFAULT_WORKSPACE, Principal};

/// The page size of compute-plane lists when `limit` is absent.
const DEFAULT_LIMIT: usize = 100;
/// The most IDs `list_results` filters by.
const MAX_IDS: usize = 200;
/// The most jobs of each kind a share link holds.
const MAX_SHARED: usize = 100;

/// Which workspaces a caller sees.
enum Scope {
    One(String),
    All,
}

impl Scope {
    fn allows(&self, workspace: &str) -> bool {
        match self {
            Scope::One(ws) => ws == workspace,
            Scope::All => true,
        }
    }
}

/// The caller's scope for a request naming `requested` (or not).
fn scope(caller: &Principal, requested: Option<&str>) -> Result<Scope, ApiError> {
    match &caller.workspace_id {
        Some(own) if caller.key_type != "admin" => {
            if requested.is_some_and(|ws| ws != own) {
                return Err(ApiError::forbidden(format!("this API key can only act in workspace `{own}`")));
            }
            Ok(Scope::One(own.clone()))
        }
        _ => Ok(requested.map_or(Scope::All, |ws| Scope::One(ws.to_owned()))),
    }
}

/// The workspace a new job or share link goes in: it must exist and not be archived.
fn home(shared: &Shared, caller: &Principal, requested: Option<&str>) -> Result<String, ApiError> {
    let workspace = match scope(caller, requested)? {
        Scope::One(ws) => ws,
        Scope::All => DEFAULT_WORKSPACE.to_owned(),
    };
    let store = shared.store.lock().expect("store lock");
    if store.workspace(&workspace)?.archived_at.is_some() {
        return Err(ApiError::bad_request(format!("workspace `{workspace}` is archived")));
    }
    Ok(workspace)
}

fn query_value<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
}

fn not_found(family: Family, id: &str) -> ApiError {
    ApiError::not_found(format!("{} `{id}` not found", family.noun()))
}

/// Answer one compute-plane operation.
pub(crate) fn handle(
    shared: &Shared,
    op: ComputeOp,
    params: &Params,
    call: &Call<'_>,
) -> Result<Value, ApiError> {
    let query = call.query_pairs();
    match op {
        ComputeOp::ReadShareLink => return read_share_link(shared, params.get("id")),
        ComputeOp::ListSharedPipelineResults => {
            return shared_results(shared, params.get("id"), params.get("pipeline_id"), &query);
        }
        _ => {}
    }
    let caller = shared.store.lock().expect("store lock").authenticate(call.api_key(), call.peer.ip())?;
    let id = params.get("id");
    let workspace_id = query_value(&query, "workspace_id");
    match op {
        ComputeOp::Job(family, JobOp::Start) => start(shared, &caller, family, call.body),
        ComputeOp::Job(family, JobOp::EstimateCost) => {
            let request = parse_body(call.body)?;
            family.validate(&request)?;
            home(shared, &caller, request.get("workspace_id").and_then(Value::as_str))?;
            Ok(shapes::estimate(family, &request))
        }
        ComputeOp::Job(family, JobOp::Retrieve) => {
            let scope = scope(&caller, workspace_id)?;
            let state = shared.compute.lock();
            let links = shared.compute.links(&state);
            let job = find(&state.jobs, family, id, &scope)?;
            Ok(shapes::job(job, &links, View::Full))
        }
        ComputeOp::Job(family, JobOp::List) => {
            let scope = scope(&caller, workspace_id)?;
            let cursor = Cursor::with_default_limit(&query, DEFAULT_LIMIT)?;
            let state = shared.compute.lock();
            let links = shared.compute.links(&state);
            // UNCONFIRMED: the order of lists; oldest first here, like the admin lists.
            let jobs: Vec<&JobRecord> =
                state.jobs.jobs().filter(|j| j.family == family && scope.allows(&j.workspace_id)).collect();
            let ids: Vec<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
            let (range, has_more) = select(&ids, &cursor)?;
            let data = jobs[range.clone()].iter().map(|j| shapes::job(j, &links, View::Summary)).collect();
            Ok(to_json(Page::new(data, &ids[range], has_more)))
        }
        ComputeOp::Job(family, JobOp::ListResults) => {
            let scope = scope(&caller, workspace_id)?;
            let state = shared.compute.lock();
            let links = shared.compute.links(&state);
            let job = find(&state.jobs, family, id, &scope)?;
            results_page(job, &links, &query)
        }
        ComputeOp::Job(family, op @ (JobOp::Stop | JobOp::Resume)) => {
            let scope = scope(&caller, None)?;
            let mut state = shared.compute.lock();
            let now = state.clock.now();
            find(&state.jobs, family, id, &scope)?;
            let job = state.jobs.get_mut(id).expect("found above");
            if op == JobOp::Stop {
                job.timeline.stop(now)?;
            } else {
                if job.data_deleted_at.is_some() {
                    return Err(ApiError::conflict("the run's data has been deleted; it cannot resume"));
                }
                job.timeline.resume(now)?;
            }
            let links = shared.compute.links(&state);
            Ok(shapes::job(state.jobs.get(id).expect("found above"), &links, View::Full))
        }
        ComputeOp::Job(family, JobOp::DeleteData) => {
            let scope = scope(&caller, None)?;
            let mut state = shared.compute.lock();
            let now = state.clock.now();
            find(&state.jobs, family, id, &scope)?;
            let job = state.jobs.get_mut(id).expect("found above");
            if matches!(job.timeline.at(now).status, Status::Pending | Status::Running) {
                // UNCONFIRMED: whether the service deletes the data of a job still in progress.
                return Err(ApiError::conflict(
                    "the job is still in progress; stop it or wait for it to finish",
                ));
            }
            let deleted_at = *job.data_deleted_at.get_or_insert(now);
            job.request = Value::Null;
            Ok(json!({ "id": job.id, "data_deleted": true, "data_deleted_at": shapes::ts(deleted_at) }))
        }
        // `type` is required, as in the SDK's params.
        ComputeOp::ListCuratedSpecifications => match query_value(&query, "type") {
            Some(kind @ ("nanobody" | "antibody")) => Ok(shapes::curated_specifications(kind)),
            _ => Err(ApiError::unprocessable("type is required: `nanobody` or `antibody`")),
        },
        ComputeOp::CreateShareLink => create_share_link(shared, &caller, call.body),
        ComputeOp::RetrieveShareLink | ComputeOp::ArchiveShareLink => {
            let scope = scope(&caller, None)?;
            let mut state = shared.compute.lock();
            let now = state.clock.now();
            let link = state
                .jobs
                .link_mut(id)
                .filter(|link| scope.allows(&link.workspace_id))
                .ok_or_else(|| ApiError::not_found(format!("share link `{id}` not found")))?;
            if op == ComputeOp::RetrieveShareLink {
                return Ok(shapes::share_link(link));
            }
            let archived_at = *link.archived_at.get_or_insert(now);
            Ok(json!({ "id": link.id, "archived": true, "archived_at": shapes::ts(archived_at) }))
        }
        ComputeOp::ReadShareLink | ComputeOp::ListSharedPipelineResults => unreachable!("answered above"),
    }
}

fn to_json(page: Page) -> Value {
    serde_json::to_value(page).expect("serialisable")
}

/// A job of `family` that the scope lets the caller see.
fn find<'s>(
    jobs: &'s super::store::JobStore,
    family: Family,
    id: &str,
    scope: &Scope,
) -> Result<&'s JobRecord, ApiError> {
    jobs.get(id)
        .filter(|j| j.family == family && scope.allows(&j.workspace_id))
        .ok_or_else(|| not_found(family, id))
}

/// `start`: a new job, or the one this idempotency key already started with the same body.
fn start(shared: &Shared, caller: &Principal, family: Family, body: &[u8]) -> Result<Value, ApiError> {
    let request = parse_body(body)?;
    let total = family.validate(&request)?;
    let workspace = home(shared, caller, request.get("workspace_id").and_then(Value::as_str))?;
    let key = request.get("idempotency_key").and_then(Value::as_str).map(str::to_owned);
    let print = fingerprint(&request);
    let mut state = shared.compute.lock();
    let links = shared.compute.links(&state);
    if let Some(key) = &key {
        if let Some(existing) = state.jobs.by_key(&workspace, family, key) {
            if existing.fingerprint == print {
                return Ok(shapes::job(existing, &links, View::Full));
            }
            // UNCONFIRMED: what the service answers when a key is reused with another body.
            return Err(ApiError::conflict(format!(
                "idempotency key `{key}` was already used with a different request body"
            )));
        }
    }
    let now = links.now;
    let config = state.config;
    let job = JobRecord {
        id: state.jobs.new_job_id(family),
        family,
        workspace_id: workspace,
        livemode: caller.livemode,
        idempotency_key: key,
        variant: request.get("type").and_then(Value::as_str).map(str::to_owned),
        request,
        fingerprint: print,
        created_at: now,
        timeline: Timeline::new(now, config.pending_ms, config.job_ms),
        total,
        data_deleted_at: None,
    };
    let job = state.jobs.insert(job);
    Ok(shapes::job(job, &links, View::Full))
}

/// Result positions to page over: all of `1..=n`, or a sorted list (an `ids` filter).
enum Candidates {
    All(u64),
    Some(Vec<u64>),
}

impl Candidates {
    fn len(&self) -> usize {
        match self {
            Candidates::All(n) => *n as usize,
            Candidates::Some(list) => list.len(),
        }
    }

    fn get(&self, position: usize) -> u64 {
        match self {
            Candidates::All(_) => position as u64 + 1,
            Candidates::Some(list) => list[position],
        }
    }

    /// How many candidates are below `k`.
    fn rank(&self, k: u64) -> usize {
        match self {
            Candidates::All(n) => k.saturating_sub(1).min(*n) as usize,
            Candidates::Some(list) => list.partition_point(|x| *x < k),
        }
    }
}

/// One page of a pipeline's results produced so far, with `ids`, `after_id`, `before_id` and
/// `limit` as for every CursorPage (the filter applies before paging).
fn results_page(job: &JobRecord, links: &Links<'_>, query: &[(String, String)]) -> Result<Value, ApiError> {
    let cursor = Cursor::with_default_limit(query, DEFAULT_LIMIT)?;
    // UNCONFIRMED: a run whose data was deleted lists no results.
    let produced =
        if job.data_deleted_at.is_some() { 0 } else { job.timeline.produced(links.now, job.total) };
    let candidates = match query_value(query, "ids") {
        Some(ids) => {
            let ids: Vec<&str> = ids.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            if ids.len() > MAX_IDS {
                return Err(ApiError::bad_request(format!("ids takes at most {MAX_IDS} IDs")));
            }
            let mut found: Vec<u64> = ids
                .iter()
                .filter_map(|id| shapes::result_index(job, id))
                .filter(|k| *k <= produced)
                .collect();
            found.sort_unstable();
            found.dedup();
            Candidates::Some(found)
        }
        None => Candidates::All(produced),
    };
    let index = |id: &str, name: &str| {
        shapes::result_index(job, id).ok_or_else(|| ApiError::bad_request(format!("unknown {name} `{id}`")))
    };
    let (start, end, has_more) = if let Some(before) = &cursor.before_id {
        let end = candidates.rank(index(before, "before_id")?);
        let start = end.saturating_sub(cursor.limit);
        (start, end, start > 0)
    } else {
        let start = match &cursor.after_id {
            Some(after) => candidates.rank(index(after, "after_id")?.saturating_add(1)),
            None => 0,
        };
        let end = (start + cursor.limit).min(candidates.len());
        (start, end, end < candidates.len())
    };
    let picked: Vec<u64> = (start..end).map(|p| candidates.get(p)).collect();
    let ids: Vec<String> = picked.iter().map(|&k| shapes::result_id(job, k)).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let data = picked.iter().map(|&k| shapes::result(job, k, links)).collect();
    Ok(to_json(Page::new(data, &ids, has_more)))
}

fn parse_time(value: Option<&Value>, name: &str) -> Result<DateTime<Utc>, ApiError> {
    value
        .and_then(Value::as_str)
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc))
        .ok_or_else(|| {
            ApiError::unprocessable(format!("{name} must be an RFC 3339 date-time with an offset"))
        })
}

fn id_list(value: Option<&Value>, name: &str) -> Result<Vec<String>, ApiError> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let ids: Option<Vec<String>> = value
        .as_array()
        .map(|items| items.iter().map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or(None);
    match ids {
        Some(ids) if ids.len() <= MAX_SHARED => Ok(ids),
        _ => Err(ApiError::unprocessable(format!("{name} must be a list of at most {MAX_SHARED} IDs"))),
    }
}

/// `share_links.create`: the jobs must be in the link's workspace, pipelines in `pipeline_ids`
/// and predictions in `prediction_ids`.
fn create_share_link(shared: &Shared, caller: &Principal, body: &[u8]) -> Result<Value, ApiError> {
    let request = parse_body(body)?;
    if !request.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    }
    let workspace = home(shared, caller, request.get("workspace_id").and_then(Value::as_str))?;
    let expires_at = parse_time(request.get("expires_at"), "expires_at")?;
    let access =
        request.get("access_parameters").cloned().unwrap_or_else(|| json!({ "access_mode": "public" }));
    match access["access_mode"].as_str() {
        Some("public") => {}
        Some("email") if access["allowed_emails"].as_array().is_some_and(|e| !e.is_empty()) => {}
        _ => {
            return Err(ApiError::unprocessable(
                "access_parameters must be {access_mode: public} or {access_mode: email, allowed_emails: [...]}",
            ));
        }
    }
    let pipeline_ids = id_list(request.get("pipeline_ids"), "pipeline_ids")?;
    let prediction_ids = id_list(request.get("prediction_ids"), "prediction_ids")?;
    let mut state = shared.compute.lock();
    let now = state.clock.now();
    // UNCONFIRMED: whether an `expires_at` in the past is refused (422 here).
    if expires_at <= now {
        return Err(ApiError::unprocessable("expires_at must be in the future"));
    }
    for (ids, predictions) in [(&pipeline_ids, false), (&prediction_ids, true)] {
        for id in ids {
            let fits = state.jobs.get(id).is_some_and(|job| {
                job.workspace_id == workspace && job.family.is_prediction() == predictions
            });
            if !fits {
                let kind = if predictions { "prediction" } else { "pipeline" };
                // UNCONFIRMED: the status for an unknown (or other-workspace) ID; 404 here.
                return Err(ApiError::not_found(format!(
                    "{kind} `{id}` not found in workspace `{workspace}`"
                )));
            }
        }
    }
    let link = ShareLinkRecord {
        id: state.jobs.new_link_id(),
        workspace_id: workspace,
        access_parameters: access,
        created_at: now,
        expires_at,
        pipeline_ids,
        prediction_ids,
        archived_at: None,
    };
    Ok(shapes::share_link(state.jobs.insert_link(link)))
}

/// A share link that still opens: not archived and not expired.
///
/// UNCONFIRMED: the status for an archived or expired link; 404 here, as for an unknown one.
/// Email-restricted links open like public ones: the API has no way to present an address.
fn open_link<'s>(state: &'s super::State, id: &str) -> Result<&'s ShareLinkRecord, ApiError> {
    let now = state.clock.now();
    state
        .jobs
        .link(id)
        .filter(|link| link.archived_at.is_none() && link.expires_at > now)
        .ok_or_else(|| ApiError::not_found(format!("share link `{id}` not found, archived or expired")))
}

/// `share_links.read`: the shared jobs, in the order they were registered.
fn read_share_link(shared: &Shared, id: &str) -> Result<Value, ApiError> {
    let state = shared.compute.lock();
    let links = shared.compute.links(&state);
    let link = open_link(&state, id)?;
    let jobs = |ids: &[String]| -> Vec<Value> {
        ids.iter()
            .filter_map(|id| state.jobs.get(id))
            .map(|job| shapes::job(job, &links, View::Full))
            .collect()
    };
    Ok(json!({
        "id": link.id,
        "created_at": shapes::ts(link.created_at),
        "expires_at": shapes::ts(link.expires_at),
        "workspace_id": link.workspace_id,
        "pipelines": jobs(&link.pipeline_ids),
        "predictions": jobs(&link.prediction_ids),
    }))
}

/// `share_links.list_pipeline_results`: the same items as the authenticated `list_results`.
fn shared_results(
    shared: &Shared,
    id: &str,
    pipeline_id: &str,
    query: &[(String, String)],
) -> Result<Value, ApiError> {
    let state = shared.compute.lock();
    let links = shared.compute.links(&state);
    let link = open_link(&state, id)?;
    let job =
        link.pipeline_ids.iter().find(|p| *p == pipeline_id).and_then(|p| state.jobs.get(p)).ok_or_else(
            || ApiError::not_found(format!("pipeline `{pipeline_id}` is not shared by this link")),
        )?;
    results_page(job, &links, query)
}
