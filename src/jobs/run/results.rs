//! A pipeline's results into `results/`: pages listed 100 at a time, each result's archive
//! downloaded and unpacked by up to `workers` at once, and results committed to
//! `results/index.jsonl` and `.boltz-run.json` strictly in order, so the index is always an
//! ordered prefix of the results.
//!
//! On disk a page in progress is always one the official SDK can resume: its 20-result pages
//! (`pending` holds one, `cursor_after_id` the end of the one before), which it lists again 20 at
//! a time. A page the SDK or the CLI recorded (of any size) is resumed as it was recorded.
//! Downloads run ahead of the page on disk; a result downloaded but not committed when the
//! process dies is found on disk by the rerun and not fetched again.

use std::collections::VecDeque;
use std::path::PathBuf;

use futures_util::StreamExt;
use futures_util::stream;
use serde_json::Value;

use super::archive;
use super::calls::{Calls, Fresh, LIST_PAGE, presigned, result_id};
use super::engine::Engine;
use super::index::Index;
use super::progress::{Progress, RunEvent};
use super::pyjson;
use super::state::{Pending, write_atomic_blocking};
use super::status::RunStatus;
use super::summary::Summary;
use super::types::{DownloadMode, RunType};
use crate::error::Error;

/// The official SDK's page size, which it also lists a page in progress with.
const SDK_PAGE: usize = 20;

/// One page as `.boltz-run.json` records it.
#[derive(Debug, Clone, PartialEq)]
struct Page {
    after_id: Option<String>,
    page_last_id: Option<String>,
    /// Its results still to commit, in order.
    ids: VecDeque<String>,
}

impl Page {
    fn pending(&self) -> Pending {
        Pending::ResultPage {
            after_id: self.after_id.clone(),
            page_last_id: self.page_last_id.clone(),
            result_ids: self.ids.iter().cloned().collect(),
        }
    }
}

/// Cut the results listed after `after_id` into the SDK's pages.
fn sdk_pages(after_id: Option<String>, results: &[Value]) -> Vec<Page> {
    let ids: Vec<String> = results.iter().filter_map(result_id).map(str::to_owned).collect();
    let mut after = after_id;
    ids.chunks(SDK_PAGE)
        .map(|chunk| {
            let last = chunk.last().cloned();
            let page = Page {
                after_id: after.take(),
                page_last_id: last.clone(),
                ids: chunk.iter().cloned().collect(),
            };
            after = last;
            page
        })
        .collect()
}

/// What a worker needs, owned, to put one result in place.
#[derive(Clone)]
struct Worker {
    calls: Calls,
    dir: PathBuf,
    mode: DownloadMode,
    run_id: String,
    /// Where to report, with the status as the page began.
    progress: Option<(Progress, RunStatus)>,
}

impl Worker {
    fn report(&self, event: RunEvent, message: impl FnOnce() -> String) {
        if let Some((progress, status)) = &self.progress {
            progress.report(event, message(), status.clone());
        }
    }

    /// Download and unpack the result's archive, write its metadata: its index line. What is
    /// done on disk after the download is one blocking task.
    async fn materialize(self, after_id: Option<String>, result: Value) -> Result<(String, String), Error> {
        let id = result_id(&result).unwrap_or_default().to_owned();
        let mut metadata = result.clone();
        if let Some(map) = metadata.as_object_mut() {
            map.remove("artifacts");
        }
        let mut line = pyjson::to_string(&metadata, pyjson::LINE);
        if self.mode != DownloadMode::Everything {
            return Ok((id, line));
        }
        let dir = self.dir.join("results").join(&id);
        let mut unpack = None;
        match presigned(result.pointer("/artifacts/archive")) {
            Some(file) => {
                let (archive, files) = archive::locations(&dir, archive::suffix(&file.url)?);
                if !archive::is_materialized(&archive, &files) {
                    if !archive.is_file() {
                        let event = RunEvent::ArchiveDownload {
                            result_id: Some(id.clone()),
                            archive_path: archive.clone(),
                        };
                        self.report(event, || format!("downloading the archive of result {id}"));
                        let fresh =
                            Fresh::Result { id: self.run_id.clone(), after_id, result_id: id.clone() };
                        self.calls.fetch(&file, &archive, fresh).await?;
                    }
                    let event = RunEvent::ArchiveExtract {
                        result_id: Some(id.clone()),
                        extracted_dir: files.clone(),
                    };
                    self.report(event, || format!("unpacking the archive of result {id}"));
                    unpack = Some(archive);
                }
            }
            None => tracing::warn!(result_id = %id, "result has no archive"),
        }
        let run_dir = self.dir.clone();
        tokio::task::spawn_blocking(move || {
            let files = dir.join("files");
            if let Some(archive) = unpack {
                archive::unpack_blocking(&archive, &files)?;
            }
            archive::rename_structure_blocking(&files, &id)?;
            write_atomic_blocking(&dir.join("metadata.json"), pyjson::to_string(&metadata, pyjson::PRETTY))?;
            super::engine::append_paths(&mut line, &archive::result_paths(&run_dir, &id));
            Ok((id, line))
        })
        .await
        .expect("writing a result does not panic")
    }
}

impl Engine {
    /// Finish the page in progress, then list, record and finish each new page until an empty
    /// one. Whether anything was done.
    pub(super) async fn collect_results(&mut self, id: &str) -> Result<bool, Error> {
        let pending = match &self.state.pending {
            Some(Pending::ResultPage { result_ids, .. }) => result_ids.len(),
            _ => 0,
        };
        let mut index = Index::open(&self.dir, pending.max(LIST_PAGE) + SDK_PAGE).await?;
        // Small-molecule pipelines keep a CSV of their results too, as the CLI does.
        let mut summary = match self.run_type {
            RunType::SmallMoleculeDesign | RunType::SmallMoleculeLibraryScreen => {
                Some(Summary::open(&self.dir).await?)
            }
            _ => None,
        };
        let mut progressed = false;
        loop {
            let calls = self.calls();
            let (pages, results) = match self.state.pending.clone() {
                Some(Pending::ResultPage { after_id, page_last_id, result_ids }) => {
                    // Listed again with the same cursor, for fresh links.
                    let results = calls.listed(id, after_id.as_deref(), &result_ids).await?;
                    (vec![Page { after_id, page_last_id, ids: result_ids.into() }], results)
                }
                _ => {
                    let after_id = self.state.cursor_after_id.clone();
                    let mut results = calls.page(id, after_id.as_deref(), LIST_PAGE).await?;
                    // A result without an ID cannot be tracked or named on disk.
                    results.retain(|r| result_id(r).is_some());
                    if results.is_empty() {
                        return Ok(progressed);
                    }
                    let count = results.len();
                    self.report(RunEvent::PageDiscovered { results: count }, || {
                        format!("{count} results listed")
                    });
                    (sdk_pages(after_id, &results), results)
                }
            };
            self.commit_pages(id, pages, results, &mut index, summary.as_mut()).await?;
            progressed = true;
        }
    }

    /// Put every result of `pages` in place, `workers` at a time, committing them in order.
    async fn commit_pages(
        &mut self,
        id: &str,
        pages: Vec<Page>,
        results: Vec<Value>,
        index: &mut Index,
        mut summary: Option<&mut Summary>,
    ) -> Result<(), Error> {
        let mut pages: VecDeque<Page> = pages.into();
        // The first page is on disk before anything of it is downloaded.
        self.state.pending = pages.front().map(Page::pending);
        self.save().await?;
        let progress = self.progress.clone().map(|p| (p, RunStatus::of(&self.dir, &self.state)));
        let worker = Worker {
            calls: self.calls(),
            dir: self.dir.clone(),
            mode: self.mode,
            run_id: id.to_owned(),
            progress,
        };
        // Each result with the cursor of its page, for a fresh link.
        let mut work = Vec::with_capacity(results.len());
        let mut results = results.into_iter();
        for page in &pages {
            for _ in 0..page.ids.len() {
                if let Some(result) = results.next() {
                    work.push((page.after_id.clone(), result));
                }
            }
        }
        let workers = self.workers.max(1);
        let mut done = stream::iter(work)
            .map(|(after_id, result)| worker.clone().materialize(after_id, result))
            .buffered(workers)
            .ready_chunks(workers);
        while let Some(batch) = done.next().await {
            // In order: an error ends the batch here, and what came before it is committed.
            let mut lines = Vec::with_capacity(batch.len());
            let mut failed = None;
            for item in batch {
                match item {
                    Ok(line) => lines.push(line),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let written = index.append(&lines).await?;
            if let Some(summary) = summary.as_deref_mut() {
                summary.append(&written).await?;
            }
            for (result_id, _) in &lines {
                tracing::info!(run_id = %id, result_id = %result_id, "result collected");
                advance(&mut pages, result_id, &mut self.state.cursor_after_id);
            }
            self.state.pending = pages.front().map(Page::pending);
            self.save().await?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
        Ok(())
    }
}

/// `result_id` is committed: off its page, and a page left empty moves the cursor to its end.
fn advance(pages: &mut VecDeque<Page>, result_id: &str, cursor: &mut Option<String>) {
    if let Some(page) = pages.front_mut() {
        page.ids.retain(|id| id != result_id);
    }
    while pages.front().is_some_and(|page| page.ids.is_empty()) {
        let page = pages.pop_front().expect("a page");
        *cursor = page.page_last_id.or_else(|| Some(result_id.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pages_of_the_sdk_and_an_ordered_cursor() {
        let results: Vec<Value> = (0..45).map(|i| json!({"id": format!("r{i:02}")})).collect();
        let pages = sdk_pages(Some("r_before".into()), &results);
        assert_eq!(pages.len(), 3);
        assert_eq!(
            (pages[0].after_id.as_deref(), pages[0].page_last_id.as_deref()),
            (Some("r_before"), Some("r19"))
        );
        assert_eq!(
            (pages[1].after_id.as_deref(), pages[1].page_last_id.as_deref()),
            (Some("r19"), Some("r39"))
        );
        assert_eq!((pages[2].ids.len(), pages[2].page_last_id.as_deref()), (5, Some("r44")));
        let mut pages: VecDeque<Page> = pages.into();
        let mut cursor = Some("r_before".to_owned());
        for i in 0..19 {
            advance(&mut pages, &format!("r{i:02}"), &mut cursor);
        }
        assert_eq!((pages.len(), cursor.as_deref()), (3, Some("r_before")), "the page is not done");
        advance(&mut pages, "r19", &mut cursor);
        assert_eq!((pages.len(), cursor.as_deref()), (2, Some("r19")));
        assert_eq!(
            pages[0].pending(),
            Pending::ResultPage {
                after_id: Some("r19".into()),
                page_last_id: Some("r39".into()),
                result_ids: (20..40).map(|i| format!("r{i}")).collect(),
            }
        );
    }
}
