use serde::Deserialize;

/// The CLI's published release, from `GET /compute/v1/cli/version`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CliVersion {
    /// Install commands per platform.
    pub install: CliInstall,
    /// The newest release.
    pub latest: String,
    /// A notice for users, if any.
    #[serde(default)]
    pub message: Option<String>,
    /// The oldest release the API still supports.
    pub minimum_supported: String,
    /// Whether `current` is older than `latest`.
    pub update_available: bool,
    /// Whether `current` is older than `minimum_supported`.
    pub update_required: bool,
}

/// Install commands for the CLI.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct CliInstall {
    /// For macOS and Linux shells.
    pub macos_linux: String,
    /// For Windows PowerShell.
    pub windows: String,
}
