//! What waiting needs to know about a job: how to fetch it again, its state, its error, whether
//! its progress moved, and, for pipelines, how to list its results.

use serde::de::DeserializeOwned;

use crate::endpoint::Endpoint;
use crate::models::common::Error as JobError;
use crate::pagination::{CursorPage, Paginated};

/// Where a job is in its lifecycle, the same for predictions and pipelines.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobState {
    /// Accepted, not started.
    Pending,
    /// Running.
    Running,
    /// Finished with its outputs.
    Succeeded,
    /// Finished with an error.
    Failed,
    /// Stopped on request (pipelines); the results so far are kept.
    Stopped,
    /// A state this version of the crate does not know; waiting goes on.
    Unknown(String),
}

impl JobState {
    /// The state a job's `status` field names.
    pub fn from_status(status: &str) -> Self {
        match status {
            "pending" => Self::Pending,
            "running" => Self::Running,
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            "stopped" => Self::Stopped,
            other => Self::Unknown(other.to_owned()),
        }
    }

    /// Whether the job will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Stopped)
    }
}

/// A prediction or a pipeline run that can be waited for: implemented for every job model the
/// API returns (`models::predictions::structure_and_binding::Prediction`,
/// `models::protein::design::Run`, …).
pub trait Job: DeserializeOwned + Clone + Send + Sync + 'static {
    /// The request that fetches the job again.
    type Retrieve: Endpoint<Response = Self> + Send + 'static;
    /// The request for a page of its results; [`NoResults`] for predictions.
    type Results: Paginated<Response = CursorPage<Self::Item>, Item = Self::Item> + Send + 'static;
    /// One of its results.
    type Item: DeserializeOwned + Send + Sync + 'static;

    /// The request for the job with this ID.
    fn retrieve(id: &str) -> Self::Retrieve;
    /// The first page of results after `after_id` (all from the start without one), or `None`
    /// for a job without a results listing.
    fn results(id: &str, after_id: Option<&str>) -> Option<Self::Results>;
    /// Its ID.
    fn id(&self) -> &str;
    /// Its state.
    fn state(&self) -> JobState;
    /// What went wrong, once it failed.
    fn error(&self) -> Option<&JobError>;
    /// Whether its progress counters differ from `earlier`'s.
    fn progress_changed(&self, earlier: &Self) -> bool;
}

/// The results listing of a job that has none (predictions): never constructed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoResults {}

impl Endpoint for NoResults {
    type Response = CursorPage<serde_json::Value>;

    const META: crate::endpoint::EndpointMeta = crate::endpoint::EndpointMeta {
        method: http::Method::GET,
        operation: "none",
        path_template: "/",
        idempotency: crate::endpoint::Idempotency::Safe,
    };
}

impl Paginated for NoResults {
    type Item = serde_json::Value;

    fn split(&self, _page: Self::Response) -> (Vec<Self::Item>, Option<Self>) {
        match *self {}
    }
}

/// `Job` for a prediction: no results listing, no progress counters.
macro_rules! prediction {
    ($model:ty, $retrieve:ty) => {
        impl Job for $model {
            type Retrieve = $retrieve;
            type Results = NoResults;
            type Item = serde_json::Value;

            fn retrieve(id: &str) -> Self::Retrieve {
                <$retrieve>::new(id)
            }

            fn results(_id: &str, _after_id: Option<&str>) -> Option<NoResults> {
                None
            }

            fn id(&self) -> &str {
                &self.id
            }

            fn state(&self) -> JobState {
                JobState::from_status(self.status.as_str())
            }

            fn error(&self) -> Option<&JobError> {
                self.error.as_ref()
            }

            fn progress_changed(&self, _earlier: &Self) -> bool {
                false
            }
        }
    };
}

/// `Job` for a pipeline run: results listed page by page, progress counters compared.
macro_rules! pipeline {
    ($model:ty, $retrieve:ty, $results:ty, $item:ty) => {
        impl Job for $model {
            type Retrieve = $retrieve;
            type Results = $results;
            type Item = $item;

            fn retrieve(id: &str) -> Self::Retrieve {
                <$retrieve>::new(id)
            }

            fn results(id: &str, after_id: Option<&str>) -> Option<$results> {
                let request = <$results>::new(id).limit(100);
                Some(match after_id {
                    Some(after) => request.after_id(after),
                    None => request,
                })
            }

            fn id(&self) -> &str {
                &self.id
            }

            fn state(&self) -> JobState {
                JobState::from_status(self.status.as_str())
            }

            fn error(&self) -> Option<&JobError> {
                self.error.as_ref()
            }

            fn progress_changed(&self, earlier: &Self) -> bool {
                self.progress != earlier.progress
            }
        }
    };
}

mod impls {
    use super::{Job, JobError, JobState, NoResults};
    use crate::api::{predictions, protein, small_molecule};
    use crate::models::predictions::{adme, structure_and_binding};
    use crate::models::{protein as protein_models, small_molecule as molecule_models};

    prediction!(adme::Prediction, predictions::adme::RetrieveAdme);
    prediction!(
        structure_and_binding::Prediction,
        predictions::structure_and_binding::RetrieveStructureAndBinding
    );
    pipeline!(
        protein_models::design::Run,
        protein::design::RetrieveProteinDesign,
        protein::design::ListProteinDesignResults,
        protein_models::design::DesignResult
    );
    pipeline!(
        protein_models::library_screen::Run,
        protein::library_screen::RetrieveProteinLibraryScreen,
        protein::library_screen::ListProteinLibraryScreenResults,
        protein_models::library_screen::ScreenedProtein
    );
    pipeline!(
        protein_models::sequence_redesign::Run,
        protein::sequence_redesign::RetrieveSequenceRedesign,
        protein::sequence_redesign::ListSequenceRedesignResults,
        protein_models::sequence_redesign::RedesignResult
    );
    pipeline!(
        molecule_models::design::Run,
        small_molecule::design::RetrieveSmallMoleculeDesign,
        small_molecule::design::ListSmallMoleculeDesignResults,
        molecule_models::design::DesignedMolecule
    );
    pipeline!(
        molecule_models::library_screen::Run,
        small_molecule::library_screen::RetrieveSmallMoleculeLibraryScreen,
        small_molecule::library_screen::ListSmallMoleculeLibraryScreenResults,
        molecule_models::library_screen::ScreenedMolecule
    );
    pipeline!(
        molecule_models::explore::Run,
        small_molecule::explore::RetrieveExplore,
        small_molecule::explore::ListExploreResults,
        molecule_models::explore::ExploredMolecule
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_from_statuses() {
        assert_eq!(JobState::from_status("running"), JobState::Running);
        assert!(JobState::from_status("stopped").is_terminal());
        assert!(!JobState::from_status("queued").is_terminal());
        assert_eq!(JobState::from_status("queued"), JobState::Unknown("queued".into()));
    }
}
