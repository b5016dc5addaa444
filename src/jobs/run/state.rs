//! `.boltz-run.json`, the state of a run directory, in the official SDK's schema version 1: read
//! leniently (unknown keys are kept and written back), written as the SDK writes it (every key,
//! sorted, indent 2) and atomically (a `.tmp` file renamed over it).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::RunError;
use super::pyjson;
use super::types::{DownloadMode, RunType};
use crate::error::Error;

/// The metadata file's name.
pub(crate) const FILE: &str = ".boltz-run.json";

/// Its name while it is written, before the rename that puts it in place.
pub(crate) const TMP_FILE: &str = ".boltz-run.json.tmp";

/// The whole file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RunState {
    pub(crate) schema_version: u32,
    pub(crate) name: String,
    pub(crate) run_type: String,
    #[serde(default)]
    pub(crate) download_mode: Option<String>,
    pub(crate) request_fingerprint: String,
    pub(crate) idempotency_key: String,
    pub(crate) remote: Remote,
    pub(crate) pending: Option<Pending>,
    pub(crate) cursor_after_id: Option<String>,
    /// Keys this version does not know, kept as the SDK keeps them.
    #[serde(flatten)]
    pub(crate) extra: Map<String, Value>,
}

/// What the server said about the run last.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Remote {
    pub(crate) run_id: Option<String>,
    pub(crate) workspace_id: Option<String>,
    pub(crate) status: Option<String>,
    pub(crate) started_at: Option<String>,
    pub(crate) completed_at: Option<String>,
    pub(crate) stopped_at: Option<String>,
    pub(crate) latest_result_id: Option<String>,
    pub(crate) error_code: Option<String>,
    #[serde(flatten)]
    pub(crate) extra: Map<String, Value>,
}

/// Work begun and not finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Pending {
    /// A prediction's archive is being downloaded (informational).
    PredictionArchive,
    /// A results page is being processed: the cursor it was listed with, where it ends, and the
    /// results still to do.
    ResultPage { after_id: Option<String>, page_last_id: Option<String>, result_ids: Vec<String> },
}

impl RunState {
    /// A new run's state, before anything is sent.
    pub(crate) fn new(
        name: String,
        run_type: RunType,
        mode: DownloadMode,
        fingerprint: String,
        key: String,
    ) -> Self {
        Self {
            schema_version: 1,
            name,
            run_type: run_type.as_str().to_owned(),
            download_mode: Some(mode.as_str().to_owned()),
            request_fingerprint: fingerprint,
            idempotency_key: key,
            remote: Remote::default(),
            pending: None,
            cursor_after_id: None,
            extra: Map::new(),
        }
    }

    /// Read and check `dir/.boltz-run.json`.
    pub(crate) async fn load(dir: &Path) -> Result<Self, Error> {
        let path = dir.join(FILE);
        let text = match tokio::fs::read(&path).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(invalid(&path, "the file does not exist".to_owned()));
            }
            Err(source) => return Err(Error::File { path, source }),
        };
        let value: Value = serde_json::from_slice(&text).map_err(|e| invalid(&path, e.to_string()))?;
        // The version first, so that a newer format is named as such rather than as invalid.
        match value.get("schema_version") {
            Some(v) if v.as_u64() == Some(1) => {}
            Some(v) => return Err(RunError::SchemaVersion { path, version: v.clone() }.into()),
            None => return Err(invalid(&path, "schema_version: missing".to_owned())),
        }
        let state: Self = serde_path_to_error::deserialize(value)
            .map_err(|e| invalid(&path, format!("{}: {}", e.path(), e.inner())))?;
        state.run_type().map_err(|reason| invalid(&path, reason))?;
        state.download_mode().map_err(|reason| invalid(&path, reason))?;
        Ok(state)
    }

    /// Write it to `dir/.boltz-run.json` through a `.tmp` file.
    pub(crate) async fn save(&self, dir: &Path) -> Result<(), Error> {
        let value = serde_json::to_value(self).expect("the state serialises");
        write_atomic(&dir.join(FILE), pyjson::to_string(&value, pyjson::STATE)).await
    }

    pub(crate) fn run_type(&self) -> Result<RunType, String> {
        RunType::parse(&self.run_type).ok_or_else(|| format!("run_type: unknown value {:?}", self.run_type))
    }

    /// The stored mode; absent means everything, as in the SDK.
    pub(crate) fn download_mode(&self) -> Result<DownloadMode, String> {
        match self.download_mode.as_deref() {
            None => Ok(DownloadMode::Everything),
            Some(mode) => {
                DownloadMode::parse(mode).ok_or_else(|| format!("download_mode: unknown value {mode:?}"))
            }
        }
    }
}

fn invalid(path: &Path, reason: String) -> Error {
    RunError::Invalid { path: path.to_owned(), reason }.into()
}

/// Write `text` and a newline to `path` by way of `<path>.tmp`, so a reader never sees half.
pub(crate) async fn write_atomic(path: &Path, mut text: String) -> Result<(), Error> {
    text.push('\n');
    let tmp = tmp_path(path);
    let file_error = |source| Error::File { path: path.to_owned(), source };
    tokio::fs::write(&tmp, text).await.map_err(file_error)?;
    tokio::fs::rename(&tmp, path).await.map_err(file_error)
}

/// [`write_atomic`], on the calling thread.
pub(crate) fn write_atomic_blocking(path: &Path, mut text: String) -> Result<(), Error> {
    text.push('\n');
    let tmp = tmp_path(path);
    let file_error = |source| Error::File { path: path.to_owned(), source };
    std::fs::write(&tmp, text).map_err(file_error)?;
    std::fs::rename(&tmp, path).map_err(file_error)
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `.boltz-run.json` as the official SDK wrote it mid-page (its Appendix B), plus keys from a
    /// newer writer.
    const SDK_STATE: &str = r#"{
  "cursor_after_id": null,
  "download_mode": "everything",
  "idempotency_key": "exp_3ef8c03551cb49cab97f0cf3ef260978",
  "name": "screen-demo",
  "pending": {
    "after_id": null,
    "kind": "result_page",
    "page_last_id": "smr_003",
    "result_ids": [
      "smr_002",
      "smr_003"
    ]
  },
  "remote": {
    "completed_at": null,
    "error_code": null,
    "latest_result_id": "smr_003",
    "run_id": "sm_scr_1",
    "started_at": "2025-01-02T03:04:05+00:00",
    "status": "running",
    "stopped_at": null,
    "workspace_id": "ws_1",
    "x_r": 1
  },
  "request_fingerprint": "sha256:c9be310385a3a0e055de2f63ae218abbb59a133628ed5ac8eb0ea5b6e2c7ce30",
  "run_type": "small_molecule_library_screen",
  "schema_version": 1,
  "x_ext": {
    "a": 1
  }
}
"#;

    #[tokio::test]
    async fn an_sdk_state_round_trips_byte_for_byte() {
        let dir = tempdir("state-roundtrip");
        std::fs::write(dir.join(FILE), SDK_STATE).unwrap();
        let state = RunState::load(&dir).await.unwrap();
        assert_eq!(
            state.pending,
            Some(Pending::ResultPage {
                after_id: None,
                page_last_id: Some("smr_003".into()),
                result_ids: vec!["smr_002".into(), "smr_003".into()],
            })
        );
        assert_eq!(state.run_type(), Ok(RunType::SmallMoleculeLibraryScreen));
        state.save(&dir).await.unwrap();
        assert_eq!(std::fs::read_to_string(dir.join(FILE)).unwrap(), SDK_STATE);
        assert!(!dir.join(".boltz-run.json.tmp").exists());
    }

    #[tokio::test]
    async fn bad_files_are_named_errors() {
        let dir = tempdir("state-bad");
        let cases = [
            (SDK_STATE.replace("\"schema_version\": 1", "\"schema_version\": 2"), "schema version 2"),
            (SDK_STATE.replace("small_molecule_library_screen", "sm_explore"), "run_type: unknown value"),
            (SDK_STATE.replace("\"everything\"", "\"all\""), "download_mode: unknown value"),
            (SDK_STATE.replace("\"idempotency_key\"", "\"idem\""), "missing field `idempotency_key`"),
            (SDK_STATE.replace("\"result_page\"", "\"zzz\""), "pending"),
            ("{".to_owned(), "invalid run metadata"),
        ];
        for (text, expected) in cases {
            std::fs::write(dir.join(FILE), &text).unwrap();
            let err = RunState::load(&dir).await.unwrap_err();
            assert!(matches!(&err, Error::Run(_)), "{err:?}");
            assert!(err.to_string().contains(expected), "{expected}: {err}");
        }
    }

    fn tempdir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("boltz-api-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
