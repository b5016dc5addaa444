use super::{Extra, Model};
use chrono::{DateTime, Utc};

open_enum! {
    /// A product application that accrues usage.
    pub enum Application {
        /// Structure and binding prediction.
        StructureAndBinding = "structure_and_binding",
        /// Small-molecule design.
        SmallMoleculeDesign = "small_molecule_design",
        /// Small-molecule library screening.
        SmallMoleculeLibraryScreen = "small_molecule_library_screen",
        /// Protein design.
        ProteinDesign = "protein_design",
        /// Protein redesign.
        ProteinRedesign = "protein_redesign",
        /// Protein library screening.
        ProteinLibraryScreen = "protein_library_screen",
        /// ADME prediction.
        Adme = "adme",
    }
}

open_enum! {
    /// The width of a usage bucket.
    pub enum WindowSize {
        /// One hour (ranges up to 31 days).
        Hour = "HOUR",
        /// One day (ranges up to 365 days).
        Day = "DAY",
    }
}

open_enum! {
    /// A dimension usage can be grouped by.
    pub enum UsageGroupBy {
        /// One bucket per workspace.
        WorkspaceId = "workspace_id",
        /// One bucket per application.
        Application = "application",
    }
}

/// Aggregated usage for one window (and group).
#[derive(Debug, Clone, PartialEq, Eq, Model)]
#[non_exhaustive]
pub struct UsageBucket {
    /// Window start.
    pub start_time: DateTime<Utc>,
    /// Window end.
    pub end_time: DateTime<Utc>,
    /// Billed quantity in the window.
    pub quantity: i64,
    /// The application, when grouped by application.
    pub application: Option<Application>,
    /// The workspace, when grouped by workspace.
    pub workspace_id: Option<String>,
    /// Fields this version of the crate does not know, kept as they came.
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping_fields_may_be_absent() {
        let bucket: UsageBucket = serde_json::from_str(
            r#"{"start_time":"2026-04-01T00:00:00Z","end_time":"2026-04-02T00:00:00Z","quantity":42}"#,
        )
        .unwrap();
        assert_eq!((bucket.quantity, bucket.application, bucket.workspace_id), (42, None, None));
        let grouped: UsageBucket = serde_json::from_str(
            r#"{"start_time":"2026-04-01T00:00:00Z","end_time":"2026-04-02T00:00:00Z","quantity":1,
                "application":"adme","workspace_id":"ws_1"}"#,
        )
        .unwrap();
        assert_eq!(grouped.application, Some(Application::Adme));
    }
}
