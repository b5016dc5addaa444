//! A run directory's data read back as typed values: the job from `run.json`, each result from
//! `results/index.jsonl`. Neither keeps presigned links, nor the index a result's `artifacts`;
//! the models take those as absent (a file's [`has_link`](crate::models::common::PresignedFile::has_link)
//! is false) and write them back absent.

use std::fs::File;
use std::io::{BufRead, BufReader, Lines};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::state::{self, RunState};
use super::{RunDir, RunError};
use crate::data::{self, DataError};
use crate::error::Error;
use crate::jobs::JobState;

impl RunDir {
    /// A run directory as it is on disk, without a call: finished or not, by this crate, the
    /// official SDK or the CLI. Fails if no run was started in it yet.
    pub async fn open(dir: impl AsRef<Path>) -> Result<RunDir, Error> {
        let dir = dir.as_ref();
        let state = RunState::load(dir).await?;
        let invalid = |reason: String| RunError::Invalid { path: dir.join(state::FILE), reason };
        let run_type = state.run_type().map_err(invalid)?;
        let run_id = state.remote.run_id.clone().ok_or_else(|| invalid("no run was started".to_owned()))?;
        let state = JobState::from_status(state.remote.status.as_deref().unwrap_or("pending"));
        Ok(RunDir { path: dir.to_owned(), run_type, run_id, state })
    }

    /// Where the directory stands, from its files alone (the CLI's `download-status`).
    pub async fn status(&self) -> Result<super::RunStatus, Error> {
        super::status(&self.path).await
    }

    /// The job as last fetched (`run.json`), typed: `run_dir.job::<Prediction>()` for a
    /// structure-and-binding prediction, `protein::design::Run` for a protein design, and so on.
    pub fn job<J: DeserializeOwned>(&self) -> Result<J, DataError> {
        data::read_json(self.path.join("run.json"))
    }

    /// A pipeline's results in the order they were collected (`results/index.jsonl`), typed
    /// (`small_molecule::design::DesignedMolecule`, …), with where each one's files are. Read a
    /// line at a time, so memory stays flat for any number of results; it is plain file reading,
    /// so call it from `spawn_blocking` in an async service for a large run.
    pub fn results<T: DeserializeOwned>(&self) -> Result<Results<T>, DataError> {
        let path = self.path.join("results").join("index.jsonl");
        let lines = match File::open(&path) {
            Ok(file) => Some(BufReader::new(file).lines()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(DataError::io(&path, e)),
        };
        Ok(Results { lines, dir: self.path.clone(), index: path, line: 0, item: PhantomData })
    }
}

/// One result of a pipeline's run directory.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RunResult<T> {
    /// The result, without its `artifacts` (the index leaves them out).
    pub result: T,
    /// Its downloaded archive, when the directory keeps archives.
    pub archive: Option<PathBuf>,
    /// Its unpacked files, when the directory keeps archives.
    pub files: Option<PathBuf>,
    /// Its structure among the files (`<id>_predicted.cif`).
    pub structure: Option<PathBuf>,
    /// Its `metrics.json` among the files.
    pub metrics: Option<PathBuf>,
    /// Its `pae.npz` among the files.
    pub pae: Option<PathBuf>,
}

/// The results of a run directory, from [`RunDir::results`].
#[derive(Debug)]
pub struct Results<T> {
    lines: Option<Lines<BufReader<File>>>,
    dir: PathBuf,
    index: PathBuf,
    line: usize,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Iterator for Results<T> {
    type Item = Result<RunResult<T>, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let text = match self.lines.as_mut()?.next()? {
                Ok(text) => text,
                Err(e) => return Some(Err(DataError::io(&self.index, e))),
            };
            self.line += 1;
            if text.trim().is_empty() {
                continue;
            }
            return Some(self.entry(&text));
        }
    }
}

impl<T: DeserializeOwned> Results<T> {
    fn entry(&self, text: &str) -> Result<RunResult<T>, DataError> {
        let at_line = |e: DataError| e.at(&self.index, self.line);
        let mut value: Value = data::from_json(text).map_err(at_line)?;
        // `paths` is the index's, not the result's.
        let paths = value.as_object_mut().and_then(|line| line.remove("paths"));
        let path = |key: &str| {
            paths.as_ref().and_then(|p| p.get(key)).and_then(Value::as_str).map(|p| self.dir.join(p))
        };
        let result = data::from_json_value(value).map_err(at_line)?;
        Ok(RunResult {
            result,
            archive: path("archive"),
            files: path("files"),
            structure: path("structure"),
            metrics: path("metrics"),
            pae: path("pae"),
        })
    }
}
