//! Jobs after their start: waiting for them, and downloading their files.
//!
//! ```no_run
//! use futures_util::TryStreamExt;
//! use boltz_api::jobs::JobEvent;
//!
//! # async fn run(client: boltz_api::Client, id: &str) -> Result<(), boltz_api::Error> {
//! let run = client.protein().design().retrieve(id).await?;
//! let mut events = client.wait(&run).events();
//! while let Some(event) = events.try_next().await? {
//!     match event {
//!         JobEvent::Results(results) => println!("{} new results", results.len()),
//!         JobEvent::Finished(done) => println!("finished: {:?}", done.state()),
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```

mod download;
mod job;
mod pacing;
#[cfg(feature = "runs")]
pub mod run;
mod wait;

pub use download::{Download, DownloadProgress, Downloaded};
pub use job::{Job, JobState, NoResults};
pub use wait::{Finished, JobEvent, Wait};
