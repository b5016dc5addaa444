//! The calls a run directory makes, owned so that many downloads can run at once: the run, its
//! results pages, and its archives, each with a way to a fresh link when its link expires.

use std::collections::HashSet;
use std::path::Path;

use http::Method;
use serde_json::Value;

use super::DownloadOptions;
use super::error::RunError;
use super::types::{Call, RunType};
use crate::client::Client;
use crate::endpoint::path_segment;
use crate::error::Error;
use crate::json::ApiResponse;
use crate::models::common::PresignedFile;

/// Results listed per page (the API's default page size; its maximum is not documented).
pub(crate) const LIST_PAGE: usize = 100;

/// How far past a page in progress its results are looked for when it is resumed: the official
/// CLI records pages of up to 1 000.
const RESUME_REACH: usize = 1_000 + LIST_PAGE;

#[derive(Clone)]
pub(crate) struct Calls {
    client: Client,
    run_type: RunType,
    workspace_id: Option<String>,
    download: DownloadOptions,
}

/// Where a fresh link for an archive comes from.
#[derive(Clone)]
pub(crate) enum Fresh {
    /// The run's own output archive: retrieve the run again.
    Output { id: String },
    /// A result's archive: list its page again.
    Result { id: String, after_id: Option<String>, result_id: String },
}

impl Calls {
    pub(crate) fn new(
        client: Client,
        run_type: RunType,
        workspace_id: Option<String>,
        download: DownloadOptions,
    ) -> Self {
        Self { client, run_type, workspace_id, download }
    }

    pub(crate) async fn call(
        &self,
        call: Call,
        id: &str,
        mut query: Vec<(&str, String)>,
    ) -> Result<ApiResponse<Value>, Error> {
        let mut path = format!("{}/{}", self.run_type.path(), path_segment("id", id)?);
        if let Call::ListResults = call {
            path.push_str("/results");
        }
        if let Some(workspace) = &self.workspace_id {
            query.push(("workspace_id", workspace.clone()));
        }
        let (name, template) = self.run_type.operation(call);
        self.client
            .request(Method::GET, &path)
            .operation(name, template)
            .query(query)
            .send_with_response()
            .await
    }

    /// Stop the run (a pipeline); stopping a stopped run changes nothing, so it is retried.
    pub(crate) async fn stop(&self, id: &str) -> Result<Value, Error> {
        let path = format!("{}/{}/stop", self.run_type.path(), path_segment("id", id)?);
        let (name, template) = self.run_type.operation(Call::Stop);
        self.client
            .request(Method::POST, &path)
            .operation(name, template)
            .idempotency(crate::endpoint::Idempotency::Idempotent)
            .send()
            .await
            .map_err(|e| match e.status() {
                Some(http::StatusCode::NOT_FOUND) => RunError::JobGone { run_id: id.to_owned() }.into(),
                _ => e,
            })
    }

    /// The run; a 404 says the server no longer has it.
    pub(crate) async fn retrieve(&self, id: &str) -> Result<ApiResponse<Value>, Error> {
        self.call(Call::Retrieve, id, Vec::new()).await.map_err(|e| match e.status() {
            Some(http::StatusCode::NOT_FOUND) => RunError::JobGone { run_id: id.to_owned() }.into(),
            _ => e,
        })
    }

    /// At most `limit` results after `after_id`, in the server's order.
    pub(crate) async fn page(
        &self,
        id: &str,
        after_id: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Value>, Error> {
        let mut query = vec![("limit", limit.to_string())];
        if let Some(after_id) = after_id {
            query.push(("after_id", after_id.to_owned()));
        }
        let mut page = self.call(Call::ListResults, id, query).await?.value;
        Ok(match page.get_mut("data").map(Value::take) {
            Some(Value::Array(data)) => data,
            _ => Vec::new(),
        })
    }

    /// The results `ids` of a page in progress, listed again after `after_id` for fresh links, in
    /// the server's order; pages are followed until all are found, whatever page size recorded
    /// them.
    pub(crate) async fn listed(
        &self,
        id: &str,
        after_id: Option<&str>,
        ids: &[String],
    ) -> Result<Vec<Value>, Error> {
        let mut wanted: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let (mut found, mut seen, mut cursor) =
            (Vec::with_capacity(ids.len()), 0, after_id.map(str::to_owned));
        while !wanted.is_empty() && seen < RESUME_REACH {
            let page = self.page(id, cursor.as_deref(), LIST_PAGE).await?;
            let Some(last) = page.last().and_then(result_id) else { break };
            cursor = Some(last.to_owned());
            seen += page.len();
            found.extend(page.into_iter().filter(|r| result_id(r).is_some_and(|rid| wanted.remove(rid))));
        }
        match ids.iter().find(|rid| wanted.contains(rid.as_str())) {
            Some(gone) => Err(RunError::ResultGone(gone.clone()).into()),
            None => Ok(found),
        }
    }

    /// Download `file` into `archive`, with a fresh link from `fresh` when it expires.
    pub(crate) async fn fetch(
        &self,
        file: &PresignedFile,
        archive: &Path,
        fresh: Fresh,
    ) -> Result<(), Error> {
        let parent = archive.parent().expect("an archive lies in a directory");
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|source| Error::File { path: parent.to_owned(), source })?;
        let calls = self.clone();
        let refresh = move || {
            let (calls, fresh) = (calls.clone(), fresh.clone());
            async move { calls.fresh_link(fresh).await }
        };
        let mut download = self.client.download(file, archive).refresh(refresh);
        if let Some(retries) = self.download.retries {
            download = download.max_retries(retries);
        }
        if let Some(stall) = self.download.stall {
            download = download.stall_timeout(stall);
        }
        if let Some(limit) = self.download.attempt {
            download = download.attempt_timeout(limit);
        }
        let downloaded = download.await?;
        tracing::info!(path = %archive.display(), bytes = downloaded.bytes, "archive downloaded");
        Ok(())
    }

    async fn fresh_link(&self, fresh: Fresh) -> Result<PresignedFile, Error> {
        match fresh {
            Fresh::Output { id } => {
                let job = self.retrieve(&id).await?.value;
                presigned(job.pointer("/output/archive")).ok_or_else(|| RunError::NoArchive(id).into())
            }
            Fresh::Result { id, after_id, result_id } => self
                .page(&id, after_id.as_deref(), LIST_PAGE)
                .await?
                .into_iter()
                .find(|r| result_id_is(r, &result_id))
                .and_then(|r| presigned(r.pointer("/artifacts/archive")))
                .ok_or_else(|| RunError::ResultGone(result_id).into()),
        }
    }
}

/// A result's `id`.
pub(crate) fn result_id(result: &Value) -> Option<&str> {
    result.get("id").and_then(Value::as_str)
}

fn result_id_is(result: &Value, id: &str) -> bool {
    result_id(result) == Some(id)
}

/// The presigned file at `value`, if it has a link.
pub(crate) fn presigned(value: Option<&Value>) -> Option<PresignedFile> {
    value
        .and_then(|v| serde_json::from_value::<PresignedFile>(v.clone()).ok())
        .filter(PresignedFile::has_link)
}
