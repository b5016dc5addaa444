use super::{Extra, Model};

/// The CLI's published release, from `GET /compute/v1/cli/version`.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct CliVersion {
    /// Install commands per platform.
    pub install: CliInstall,
    /// The newest release.
    pub latest: String,
    /// A notice for users, if any.
    pub message: Option<String>,
    /// The oldest release the API still supports.
    pub minimum_supported: String,
    /// Whether `current` is older than `latest`.
    pub update_available: bool,
    /// Whether `current` is older than `minimum_supported`.
    pub update_required: bool,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

/// Install commands for the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct CliInstall {
    /// For macOS and Linux shells.
    pub macos_linux: String,
    /// For Windows PowerShell.
    pub windows: String,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}
