//! The prediction part of the main job, shared by `quickstart` and `predict`: start a
//! structure-and-binding prediction of a protein with a ligand bound, follow it until it ends,
//! download its archive, and show its confidence metrics.
//!
//! Progress is drawn with indicatif when stdout is a terminal, and printed as plain lines
//! otherwise. The archive is not extracted here (`client.run` does that, in a run directory).

use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use boltz_api::Client;
use boltz_api::api::predictions::structure_and_binding::StartStructureAndBinding;
use boltz_api::jobs::{DownloadProgress, JobEvent};
use boltz_api::models::common::PresignedFile;
use boltz_api::models::predictions::structure_and_binding::BindingMetrics;
use boltz_api::models::predictions::structure_and_binding::params::{Entity, Input, LigandProteinBinding};
use futures_util::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const SEQUENCE: &str = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG"; // ubiquitin
const ASPIRIN: &str = "CC(=O)Oc1ccccc1C(=O)O";

/// Run the prediction, numbering its four steps from `step`; the archive goes to `out/<id>/`.
pub(crate) async fn predict(client: &Client, out: &Path, step: usize) -> Result<()> {
    let clock = Instant::now();

    // 1. Start: chain A is the protein, chain B the ligand whose binding is scored.
    let input = Input::new([Entity::protein("A", SEQUENCE), Entity::ligand_smiles("B", ASPIRIN)])
        .binding(LigandProteinBinding::new("B"));
    let predictions = client.predictions().structure_and_binding();
    let prediction = predictions.start(StartStructureAndBinding::new(input)).await?;
    println!("{step}. started {} ({})", prediction.id, prediction.status);

    // 2. Follow it: a state event per change, then how it ended (a failure is an error).
    let show = Show::spinner();
    let mut events = client.wait(&prediction).events();
    let mut done = None;
    while let Some(event) = events.try_next().await? {
        match event {
            JobEvent::State(now) => show.line(format!("{} after {:.1?}", now.status, clock.elapsed())),
            JobEvent::Finished(finished) => done = Some(finished.into_job()),
            _ => {}
        }
    }
    let prediction = done.expect("the events end with Finished or an error");
    show.finish(format!("{}. {} after {:.1?}", step + 1, prediction.status, clock.elapsed()));
    let output = prediction.output.as_ref().ok_or("a succeeded prediction has an output")?;
    let archive = output.archive.clone().ok_or("the prediction has no archive")?;

    // 3. Download the archive: streamed to a .part file, resumed after a cut, and its link
    //    refreshed (the prediction fetched again) if it has expired.
    let dir = out.join(&prediction.id);
    std::fs::create_dir_all(&dir)?;
    let (again, id) = (client.clone(), prediction.id.clone());
    let bar = Show::byte_bar();
    let (shown, mut quarters) = (bar.clone(), 0);
    let downloaded = client
        .download(&archive, dir.join("archive.tar.gz"))
        .refresh(move || fresh_archive(again.clone(), id.clone(), archive.clone()))
        .on_progress(move |progress| shown.progress(progress, &mut quarters))
        .await?;
    bar.finish(format!(
        "{}. downloaded {} ({} bytes, {} attempt(s))",
        step + 2,
        downloaded.path.display(),
        downloaded.bytes,
        downloaded.attempts
    ));

    // 4. What the model says about it.
    let best = &output.best_sample.metrics;
    println!("{}. {} sample(s); the best one:", step + 3, output.all_sample_results.len());
    println!(
        "   structure confidence {:.3}, pTM {:.3}, ipTM {:.3}",
        best.structure_confidence, best.ptm, best.iptm
    );
    println!("   ligand ipTM {:.3}, complex pLDDT {:.3}", best.ligand_iptm, best.complex_plddt);
    if let Some(BindingMetrics::LigandProteinBinding(binding)) = &output.binding_metrics {
        println!(
            "   binding confidence {:.3}, optimization score {:.3}",
            binding.binding_confidence, binding.optimization_score
        );
    }
    println!("   the prediction took {:.1?} in all", clock.elapsed());
    Ok(())
}

/// The archive's link as the prediction has it now; the old one when it has none any more (its
/// data deleted), which storage then refuses.
async fn fresh_archive(
    client: Client,
    id: String,
    old: PresignedFile,
) -> std::result::Result<PresignedFile, boltz_api::Error> {
    let prediction = client.predictions().structure_and_binding().retrieve(id).await?;
    Ok(prediction.output.and_then(|output| output.archive).unwrap_or(old))
}

/// Progress drawn with indicatif on a terminal, or as plain lines.
#[derive(Clone)]
struct Show {
    bar: Option<ProgressBar>,
}

impl Show {
    fn new(bar: impl FnOnce() -> ProgressBar, template: &str) -> Self {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = bar().with_style(ProgressStyle::with_template(template).expect("a valid template"));
            bar.set_draw_target(ProgressDrawTarget::stdout());
            bar
        });
        Self { bar }
    }

    /// A spinner with the latest line.
    fn spinner() -> Self {
        let show = Self::new(ProgressBar::new_spinner, "   {spinner} {msg}");
        if let Some(bar) = &show.bar {
            bar.enable_steady_tick(Duration::from_millis(100));
        }
        show
    }

    /// A bar of bytes.
    fn byte_bar() -> Self {
        Self::new(|| ProgressBar::new(0), "   [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}")
    }

    fn line(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.set_message(line),
            None => println!("   {line}"),
        }
    }

    /// Move the bar, or print a line each time another quarter has arrived.
    fn progress(&self, progress: DownloadProgress, quarters: &mut u64) {
        match (&self.bar, progress.total.filter(|total| *total > 0)) {
            (Some(bar), total) => {
                bar.set_length(total.unwrap_or(progress.done));
                bar.set_position(progress.done);
            }
            (None, Some(total)) if progress.done * 4 / total > *quarters => {
                *quarters = progress.done * 4 / total;
                println!("   {}%: {} of {total} bytes", *quarters * 25, progress.done);
            }
            (None, _) => {}
        }
    }

    fn finish(&self, line: String) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        println!("{line}");
    }
}
