//! The routing table: every one of the 74 operations (13 admin, 61 compute), by method and path
//! template, matched with `matchit`. A path that matches with another method answers 405.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use http::Method;
use percent_encoding::percent_decode_str;

use crate::compute::family::Family;
use crate::error::ApiError;

/// An operation of the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AdminOp {
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
    CreateWorkspace,
    ListWorkspaces,
    RetrieveWorkspace,
    UpdateWorkspace,
    ArchiveWorkspace,
    RetrieveSpendingLimit,
    SetSpendingLimit,
    ListUsage,
    AuthMe,
    CliVersion,
}

/// An operation on jobs of one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobOp {
    Start,
    EstimateCost,
    Retrieve,
    List,
    ListResults,
    Stop,
    Resume,
    DeleteData,
}

/// An operation of the compute plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ComputeOp {
    Job(Family, JobOp),
    ListCuratedSpecifications,
    CreateShareLink,
    RetrieveShareLink,
    ArchiveShareLink,
    ReadShareLink,
    ListSharedPipelineResults,
}

/// Any operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Admin(AdminOp),
    Compute(ComputeOp),
}

/// Path parameters, percent-decoded.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// A parameter the route template names (present whenever the route matched).
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
}

/// Every operation: method, path template, operation.
pub(crate) fn table() -> Vec<(Method, String, Op)> {
    use AdminOp::*;
    let admin = |method: Method, path: &str, op: AdminOp| (method, path.to_owned(), Op::Admin(op));
    let mut routes = vec![
        admin(Method::POST, "/compute/v1/admin/api-keys", CreateApiKey),
        admin(Method::GET, "/compute/v1/admin/api-keys", ListApiKeys),
        admin(Method::POST, "/compute/v1/admin/api-keys/{api_key_id}/revoke", RevokeApiKey),
        admin(Method::POST, "/compute/v1/admin/workspaces", CreateWorkspace),
        admin(Method::GET, "/compute/v1/admin/workspaces", ListWorkspaces),
        admin(Method::GET, "/compute/v1/admin/workspaces/{workspace_id}", RetrieveWorkspace),
        admin(Method::POST, "/compute/v1/admin/workspaces/{workspace_id}", UpdateWorkspace),
        admin(Method::POST, "/compute/v1/admin/workspaces/{workspace_id}/archive", ArchiveWorkspace),
        admin(
            Method::GET,
            "/compute/v1/admin/workspaces/{workspace_id}/spending-limit",
            RetrieveSpendingLimit,
        ),
        admin(Method::PUT, "/compute/v1/admin/workspaces/{workspace_id}/spending-limit", SetSpendingLimit),
        admin(Method::GET, "/compute/v1/admin/usage", ListUsage),
        admin(Method::GET, "/compute/v1/auth/me", AuthMe),
        admin(Method::GET, "/compute/v1/cli/version", CliVersion),
    ];
    let compute = |method: Method, path: String, op: ComputeOp| (method, path, Op::Compute(op));
    for family in Family::ALL {
        let base = format!("/compute/v1/{}", family.path());
        let job = |op: JobOp| ComputeOp::Job(family, op);
        routes.push(compute(Method::POST, base.clone(), job(JobOp::Start)));
        routes.push(compute(Method::GET, format!("{base}/{{id}}"), job(JobOp::Retrieve)));
        if family.has_list() {
            routes.push(compute(Method::GET, base.clone(), job(JobOp::List)));
            routes.push(compute(Method::POST, format!("{base}/estimate-cost"), job(JobOp::EstimateCost)));
            routes.push(compute(Method::POST, format!("{base}/{{id}}/delete-data"), job(JobOp::DeleteData)));
        }
        if !family.is_prediction() {
            routes.push(compute(Method::GET, format!("{base}/{{id}}/results"), job(JobOp::ListResults)));
            routes.push(compute(Method::POST, format!("{base}/{{id}}/stop"), job(JobOp::Stop)));
            routes.push(compute(Method::POST, format!("{base}/{{id}}/resume"), job(JobOp::Resume)));
        }
    }
    let more = [
        (
            Method::GET,
            "/compute/v1/protein/design/curated-specifications",
            ComputeOp::ListCuratedSpecifications,
        ),
        (Method::POST, "/compute/v1/share-links", ComputeOp::CreateShareLink),
        (Method::GET, "/compute/v1/share-links/{id}", ComputeOp::RetrieveShareLink),
        (Method::POST, "/compute/v1/share-links/{id}/archive", ComputeOp::ArchiveShareLink),
        (Method::GET, "/compute/v1/share/{id}", ComputeOp::ReadShareLink),
        (
            Method::GET,
            "/compute/v1/share/{id}/pipelines/{pipeline_id}/results",
            ComputeOp::ListSharedPipelineResults,
        ),
    ];
    routes.extend(more.into_iter().map(|(method, path, op)| compute(method, path.to_owned(), op)));
    routes
}

/// The operations at one path, by method.
type Methods = Vec<(Method, Op)>;

static ROUTER: LazyLock<matchit::Router<Methods>> = LazyLock::new(|| {
    let mut by_path: BTreeMap<String, Methods> = BTreeMap::new();
    for (method, path, op) in table() {
        by_path.entry(path).or_default().push((method, op));
    }
    let mut router = matchit::Router::new();
    for (path, methods) in by_path {
        router.insert(path, methods).expect("the route table has no conflicts");
    }
    router
});

/// The operation for a request, with its path parameters, or 404 / 405.
pub(crate) fn route(method: &Method, path: &str) -> Result<(Op, Params), ApiError> {
    let trimmed = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    let no_route = || ApiError::not_found(format!("no route for {method} {path}"));
    let matched = ROUTER.at(trimmed).map_err(|_| no_route())?;
    let op = matched
        .value
        .iter()
        .find(|(m, _)| m == method)
        .map(|(_, op)| *op)
        .ok_or_else(|| ApiError::method_not_allowed(format!("{method} is not allowed on {path}")))?;
    let params = matched
        .params
        .iter()
        .map(|(name, value)| (name.to_owned(), percent_decode_str(value).decode_utf8_lossy().into_owned()))
        .collect();
    Ok((op, Params(params)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_74_operations() {
        let table = table();
        assert_eq!(table.len(), 74);
        let compute = table.iter().filter(|(_, _, op)| matches!(op, Op::Compute(_))).count();
        assert_eq!(compute, 61);
    }

    #[test]
    fn static_segments_win_and_parameters_are_decoded() {
        let (op, _) = route(&Method::GET, "/compute/v1/protein/design/curated-specifications").unwrap();
        assert_eq!(op, Op::Compute(ComputeOp::ListCuratedSpecifications));
        let (op, _) = route(&Method::POST, "/compute/v1/protein/design/estimate-cost").unwrap();
        assert_eq!(op, Op::Compute(ComputeOp::Job(Family::ProteinDesign, JobOp::EstimateCost)));
        let (op, params) = route(&Method::GET, "/compute/v1/protein/design/a%2Fb%20c/").unwrap();
        assert_eq!(op, Op::Compute(ComputeOp::Job(Family::ProteinDesign, JobOp::Retrieve)));
        assert_eq!(params.get("id"), "a/b c");
        let (_, params) = route(&Method::GET, "/compute/v1/share/s1/pipelines/p1/results").unwrap();
        assert_eq!((params.get("id"), params.get("pipeline_id")), ("s1", "p1"));
    }

    #[test]
    fn unknown_paths_and_methods() {
        assert_eq!(route(&Method::GET, "/compute/v1/nope").unwrap_err().status, 404);
        assert_eq!(route(&Method::DELETE, "/compute/v1/admin/api-keys").unwrap_err().status, 405);
        assert_eq!(route(&Method::GET, "/compute/v1/small-molecule/explore").unwrap_err().status, 405);
        assert_eq!(route(&Method::POST, "/compute/v1/predictions/adme/p1/stop").unwrap_err().status, 404);
    }
}
