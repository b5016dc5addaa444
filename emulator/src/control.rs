//! `/__emulator/…`: the control endpoints, for tests in other processes and languages. They
//! need no key, are not recorded and are never faulted.
//!
//! | method | path | does |
//! |---|---|---|
//! | `POST` / `GET` / `DELETE` | `faults` | queue a fault (or a list) / list the queue / clear it |
//! | `GET` | `clock` | `{mode, now}` |
//! | `PUT` | `clock` | `{"mode":"manual"\|"real_time"}`: switch, keeping the time |
//! | `POST` | `clock/advance` | `{"ms":N}`: move the clock forward |
//! | `GET` / `PUT` | `config` | `{pending_ms, job_ms, link_ttl_ms, file_latency_ms}`; `PUT` changes the fields given |
//! | `GET` | `jobs` | every job: `{id, resource, workspace_id, status, results, total}` |
//! | `GET` | `jobs/{id}` | one job |
//! | `POST` | `jobs/{id}/fail` | `{"code":…,"message":…}` (both optional): fail it now |
//! | `POST` | `jobs/{id}/finish` | make it succeed now |
//! | `GET` | `files/requests` | the file origin's requests: `{method, path, range, api_key_sent, status}` |
//! | `GET` | `counters` | `{api_requests, file_requests}`: how many each origin received |

use std::sync::LazyLock;

use bytes::Bytes;
use http::{Method, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::compute::clock::ClockMode;
use crate::compute::shapes::ts;
use crate::error::ApiError;
use crate::faults::Fault;
use crate::server::{Reply, Shared};

#[derive(Debug, Clone, Copy)]
enum Control {
    Faults,
    Clock,
    Advance,
    Config,
    Jobs,
    Job,
    FailJob,
    FinishJob,
    FileRequests,
    Counters,
}

static ROUTER: LazyLock<matchit::Router<Control>> = LazyLock::new(|| {
    let mut router = matchit::Router::new();
    let routes = [
        ("/faults", Control::Faults),
        ("/clock", Control::Clock),
        ("/clock/advance", Control::Advance),
        ("/config", Control::Config),
        ("/jobs", Control::Jobs),
        ("/counters", Control::Counters),
        ("/jobs/{id}", Control::Job),
        ("/jobs/{id}/fail", Control::FailJob),
        ("/jobs/{id}/finish", Control::FinishJob),
        ("/files/requests", Control::FileRequests),
    ];
    for (path, control) in routes {
        router.insert(path, control).expect("no conflicts");
    }
    router
});

/// Answer a control request; `path` is what follows `/__emulator/`.
pub(crate) fn handle(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Reply {
    let path = format!("/{}", path.trim_end_matches('/'));
    let Ok(matched) = ROUTER.at(&path) else {
        return Reply::error(&ApiError::not_found(format!("no control route /__emulator{path}")));
    };
    let id = matched.params.get("id").unwrap_or_default();
    match answer(shared, *matched.value, method, id, body) {
        Ok(value) => Reply::json(StatusCode::OK, Bytes::from(value.to_string())),
        Err(err) => Reply::error(&err),
    }
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) { &b"{}"[..] } else { body };
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

#[derive(Deserialize)]
struct ClockBody {
    mode: String,
}

#[derive(Deserialize)]
struct AdvanceBody {
    ms: u64,
}

#[derive(Deserialize)]
struct ConfigBody {
    pending_ms: Option<u64>,
    job_ms: Option<u64>,
    link_ttl_ms: Option<u64>,
    file_latency_ms: Option<u64>,
}

#[derive(Deserialize)]
struct FailBody {
    code: Option<String>,
    message: Option<String>,
}

fn clamp(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX / 4).min(i64::MAX / 4)
}

fn answer(
    shared: &Shared,
    control: Control,
    method: &Method,
    id: &str,
    body: &[u8],
) -> Result<Value, ApiError> {
    let compute = &shared.compute;
    let wrong_method = || ApiError::method_not_allowed(format!("{method} is not allowed here"));
    let clock = || {
        let state = compute.lock();
        json!({ "mode": state.clock.mode().as_str(), "now": ts(state.clock.now()) })
    };
    let config = |c: crate::compute::Config| json!({ "pending_ms": c.pending_ms, "job_ms": c.job_ms, "link_ttl_ms": c.link_ttl_ms, "file_latency_ms": c.file_latency_ms });
    match (control, method.clone()) {
        (Control::Faults, Method::POST) => {
            let faults = match serde_json::from_slice::<Value>(body) {
                Ok(Value::Array(items)) => items.into_iter().map(serde_json::from_value).collect(),
                Ok(item) => serde_json::from_value(item).map(|f: Fault| vec![f]),
                Err(e) => Err(e),
            };
            let faults = faults.map_err(|e| ApiError::bad_request(format!("invalid fault: {e}")))?;
            let queued = faults.len();
            faults.into_iter().for_each(|f| shared.faults.push(f));
            Ok(json!({ "queued": queued }))
        }
        (Control::Faults, Method::GET) => {
            Ok(serde_json::to_value(shared.faults.pending()).expect("serialisable"))
        }
        (Control::Faults, Method::DELETE) => {
            shared.faults.clear();
            Ok(json!({}))
        }
        (Control::Clock, Method::GET) => Ok(clock()),
        (Control::Clock, Method::PUT) => {
            let request: ClockBody = parse(body)?;
            let mode = ClockMode::parse(&request.mode)
                .ok_or_else(|| ApiError::bad_request("mode must be `manual` or `real_time`"))?;
            compute.set_clock_mode(mode);
            Ok(clock())
        }
        (Control::Advance, Method::POST) => {
            let request: AdvanceBody = parse(body)?;
            compute.advance(clamp(request.ms));
            Ok(clock())
        }
        (Control::Config, Method::GET) => Ok(config(compute.update_config(|_| {}))),
        (Control::Config, Method::PUT) => {
            let request: ConfigBody = parse(body)?;
            Ok(config(compute.update_config(|c| {
                if let Some(ms) = request.pending_ms {
                    c.pending_ms = clamp(ms);
                }
                if let Some(ms) = request.job_ms {
                    c.job_ms = clamp(ms);
                }
                if let Some(ms) = request.link_ttl_ms {
                    c.link_ttl_ms = clamp(ms);
                }
                if let Some(ms) = request.file_latency_ms {
                    c.file_latency_ms = clamp(ms);
                }
            })))
        }
        (Control::Jobs, Method::GET) => Ok(serde_json::to_value(compute.jobs()).expect("serialisable")),
        (Control::Job, Method::GET) => {
            let job = compute.jobs().into_iter().find(|j| j.id == id);
            let job = job.ok_or_else(|| ApiError::not_found(format!("no job `{id}`")))?;
            Ok(serde_json::to_value(job).expect("serialisable"))
        }
        (Control::FailJob, Method::POST) => {
            let request: FailBody = parse(body)?;
            let code = request.code.unwrap_or_else(|| "internal_error".to_owned());
            let message = request.message.unwrap_or_else(|| "failure injected by the emulator".to_owned());
            compute.fail_job(id, &code, &message)?;
            Ok(json!({ "id": id, "status": "failed" }))
        }
        (Control::FinishJob, Method::POST) => {
            compute.finish_job(id)?;
            Ok(json!({ "id": id, "status": "succeeded" }))
        }
        (Control::Counters, Method::GET) => Ok(json!({
            "api_requests": shared.requests.load(std::sync::atomic::Ordering::Relaxed),
            "file_requests": compute.files_served(),
        })),
        (Control::FileRequests, Method::GET) => {
            Ok(serde_json::to_value(compute.file_requests()).expect("serialisable"))
        }
        _ => Err(wrong_method()),
    }
}
