//! What presigned files can say about themselves.

use crate::models::common::PresignedFile;

impl PresignedFile {
    /// Whether it has a link to download from: a file read from a run directory has none
    /// (`run.json` and `results/` keep jobs without their short-lived links).
    pub fn has_link(&self) -> bool {
        !self.url.is_empty()
    }
}
