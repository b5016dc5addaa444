//! What can be wrong with a run directory, apart from the calls and the file system.

use std::path::PathBuf;

/// A run directory that cannot be used as asked, or a run that cannot be finished into one.
/// [`RunError::kind`] tells them apart without matching every field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A run name must be one directory name.
    #[error("invalid run name {name:?}: {reason}")]
    Name {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The path is a file, not a directory.
    #[error("{} is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// The directory does not exist (finishing a run needs one).
    #[error("run directory {} does not exist", .0.display())]
    Missing(PathBuf),
    /// The directory holds files but no `.boltz-run.json`: it is not a run's.
    #[error("{} already exists without run metadata; choose another name", .0.display())]
    NotARun(PathBuf),
    /// `.boltz-run.json` is from a newer format.
    #[error("{}: unsupported run metadata schema version {version}", path.display())]
    SchemaVersion {
        /// The metadata file.
        path: PathBuf,
        /// Its `schema_version`.
        version: serde_json::Value,
    },
    /// `.boltz-run.json` is not what the format says.
    #[error("{}: invalid run metadata: {reason}", path.display())]
    Invalid {
        /// The metadata file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The directory belongs to another kind of run.
    #[error("{} belongs to a {stored} run, not {requested}", path.display())]
    OtherRunType {
        /// The run directory.
        path: PathBuf,
        /// Its run type.
        stored: String,
        /// The run type asked for.
        requested: &'static str,
    },
    /// The directory belongs to a different request.
    #[error("{} belongs to a different request; choose another name", .0.display())]
    OtherRequest(PathBuf),
    /// The directory belongs to another workspace.
    #[error("{} belongs to workspace {stored}, not {requested}", path.display())]
    OtherWorkspace {
        /// The run directory.
        path: PathBuf,
        /// Its workspace.
        stored: String,
        /// The workspace asked for.
        requested: String,
    },
    /// The directory uses the other download mode, or a prediction was asked for metadata only.
    #[error("{} uses download mode {stored}, not {requested}", path.display())]
    DownloadMode {
        /// The run directory.
        path: PathBuf,
        /// Its download mode.
        stored: &'static str,
        /// The mode asked for.
        requested: &'static str,
    },
    /// The start was never confirmed, so only the original start can go on.
    #[error("{} has no confirmed run ID yet; start the same request under the same name again", .0.display())]
    NotStarted(PathBuf),
    /// A prediction succeeded without an output archive.
    #[error("prediction {0} succeeded without an archive")]
    NoArchive(String),
    /// An archive link whose file name is not `.tar.gz`, `.tgz`, `.tar` or `.zip`.
    #[error("the archive {file_name:?} is not a .tar.gz, .tgz, .tar or .zip")]
    ArchiveType {
        /// The last segment of the link's path (the query, which signs it, is left out).
        file_name: String,
    },
    /// An archive that cannot be unpacked, or holds a path outside its directory.
    #[error("cannot unpack {}: {reason}", path.display())]
    Archive {
        /// The archive.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A result recorded as in progress is no longer in its page.
    #[error("cannot resume the results page: result {0} is no longer listed")]
    ResultGone(String),
    /// The server has no run with the directory's ID (404): deleted, or in a workspace the key
    /// cannot see.
    #[error("run {run_id} is not found on the server; it was deleted or is in another workspace")]
    JobGone {
        /// The run's ID.
        run_id: String,
    },
    /// The ID is not one of a run of this kind (its prefix names another, or none).
    #[error("{run_id} is not the ID of a {expected} run")]
    OtherKind {
        /// The ID given or stored.
        run_id: String,
        /// The kind of run expected.
        expected: &'static str,
    },
    /// The directory holds another run than the one asked for.
    #[error("{} belongs to run {stored}, not {requested}", path.display())]
    OtherRun {
        /// The run directory.
        path: PathBuf,
        /// The run it holds.
        stored: String,
        /// The run asked for.
        requested: String,
    },
    /// Only a pipeline can be stopped.
    #[error("{} holds a {run_type}, which cannot be stopped; only pipelines can", path.display())]
    NotAPipeline {
        /// The run directory.
        path: PathBuf,
        /// Its run type.
        run_type: &'static str,
    },
    /// The run's input and output data were deleted, so what it made cannot be downloaded.
    #[error("the data of run {run_id} was deleted{}", at.as_deref().map(|at| format!(" at {at}")).unwrap_or_default())]
    DataDeleted {
        /// The run's ID.
        run_id: String,
        /// When, as the server said.
        at: Option<String>,
    },
}

/// What kind of [`RunError`] it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RunErrorKind {
    /// [`RunError::Name`]
    Name,
    /// [`RunError::NotADirectory`]
    NotADirectory,
    /// [`RunError::Missing`]
    Missing,
    /// [`RunError::NotARun`]
    NotARun,
    /// [`RunError::SchemaVersion`]
    SchemaVersion,
    /// [`RunError::Invalid`]
    Invalid,
    /// [`RunError::OtherRunType`]
    OtherRunType,
    /// [`RunError::OtherRequest`]
    OtherRequest,
    /// [`RunError::OtherWorkspace`]
    OtherWorkspace,
    /// [`RunError::DownloadMode`]
    DownloadMode,
    /// [`RunError::NotStarted`]
    NotStarted,
    /// [`RunError::NoArchive`]
    NoArchive,
    /// [`RunError::ArchiveType`]
    ArchiveType,
    /// [`RunError::Archive`]
    Archive,
    /// [`RunError::ResultGone`]
    ResultGone,
    /// [`RunError::JobGone`]
    JobGone,
    /// [`RunError::OtherKind`]
    OtherKind,
    /// [`RunError::DataDeleted`]
    DataDeleted,
    /// [`RunError::OtherRun`]
    OtherRun,
    /// [`RunError::NotAPipeline`]
    NotAPipeline,
}

impl RunError {
    /// What kind of error it is.
    pub fn kind(&self) -> RunErrorKind {
        match self {
            Self::Name { .. } => RunErrorKind::Name,
            Self::NotADirectory(_) => RunErrorKind::NotADirectory,
            Self::Missing(_) => RunErrorKind::Missing,
            Self::NotARun(_) => RunErrorKind::NotARun,
            Self::SchemaVersion { .. } => RunErrorKind::SchemaVersion,
            Self::Invalid { .. } => RunErrorKind::Invalid,
            Self::OtherRunType { .. } => RunErrorKind::OtherRunType,
            Self::OtherRequest(_) => RunErrorKind::OtherRequest,
            Self::OtherWorkspace { .. } => RunErrorKind::OtherWorkspace,
            Self::DownloadMode { .. } => RunErrorKind::DownloadMode,
            Self::NotStarted(_) => RunErrorKind::NotStarted,
            Self::NoArchive(_) => RunErrorKind::NoArchive,
            Self::ArchiveType { .. } => RunErrorKind::ArchiveType,
            Self::Archive { .. } => RunErrorKind::Archive,
            Self::ResultGone(_) => RunErrorKind::ResultGone,
            Self::JobGone { .. } => RunErrorKind::JobGone,
            Self::OtherKind { .. } => RunErrorKind::OtherKind,
            Self::DataDeleted { .. } => RunErrorKind::DataDeleted,
            Self::OtherRun { .. } => RunErrorKind::OtherRun,
            Self::NotAPipeline { .. } => RunErrorKind::NotAPipeline,
        }
    }
}
