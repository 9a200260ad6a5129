//! `sextant report`: the report snapshot of a session (or of two data files) as one HTML file or
//! as JSON — the same document the window's File → Export report writes. The report itself
//! ([`ReportSource`], [`ReportFormat`], the HTML and the JSON snapshot) lives in
//! [`crate::report`].

use std::path::PathBuf;

use clap::Args;

use super::session::load;
use super::{CliError, EXIT_OK};
use crate::report::{ReportFormat, ReportSource, render};
use crate::session::analyses::{self, Overlays};
use crate::vocab::Progress;
use crate::vocab::time::format_iso;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The session to report on.
    #[arg(long, value_name = "FILE")]
    pub session: Option<PathBuf>,
    /// Training (reference) data, instead of a session.
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// Production (current) data, instead of a session.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,
    /// Where to write the report (written atomically).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Draw the distributions of every tested column, not only the drifted ones.
    #[arg(long)]
    pub all_columns: bool,
    /// Print each file's absolute path (session, data, model). Without it files are named by
    /// file name and content fingerprint, so that a shared report tells no local folders.
    #[arg(long)]
    pub paths: bool,
}

pub fn run(args: &ReportArgs) -> Result<u8, CliError> {
    let loaded = load(
        args.session.as_deref(),
        args.reference.as_deref(),
        args.current.as_deref(),
    )?;
    let overlays = if args.all_columns {
        Overlays::All
    } else {
        Overlays::Drifted
    };
    let now = crate::engine::clock::now_micros();
    let analyses = analyses::run(
        &loaded.session,
        loaded.data(),
        overlays,
        now,
        &Progress::silent(),
    )
    .map_err(|_| CliError("the report was cancelled".into()))?;
    let source = ReportSource {
        title: loaded.title(),
        session: &loaded.session,
        session_path: loaded.path.as_deref(),
        reference: loaded.reference.as_ref(),
        current: loaded.current.as_ref(),
        experiment: loaded.experiment.as_ref(),
        analyses: &analyses,
        generated: format_iso(now),
        include_paths: args.paths,
    };
    let text = render(args.format, &source);
    super::write_output(Some(&args.out), &text)?;
    eprintln!("Wrote {} ({} bytes)", args.out.display(), text.len());
    Ok(EXIT_OK)
}
