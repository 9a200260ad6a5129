//! The headless front end: one file per subcommand. Every command prints its result to stdout
//! (a table for people, JSON for pipelines) and exits 0 when all is well, 1 for a finding
//! (used by check commands), 2 for a usage or input error.

pub mod inspect;
pub mod integrity;
pub mod json;
pub mod sample_data;
pub mod table;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use crate::data::{Dataset, LoadOptions};
use crate::jobs::{Job, Poll, Progress};

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the command ran and found what it was asked to fail on.
pub const EXIT_FINDING: u8 = 1;
/// Exit code: bad usage or unreadable input.
pub const EXIT_ERROR: u8 = 2;

/// Sextant: see what changed between the data a model was trained on and the data it sees now.
///
/// With no command, opens the window: on the bundled sample data, or on TRAINING [PRODUCTION].
#[derive(Debug, Parser)]
#[command(name = "sextant", version, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Training (reference) file and, optionally, production (current) file to open in the window.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Column to select when the window opens.
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,

    /// Save a PNG of the window after it has drawn a few frames, then quit (for smoke tests and
    /// screenshots).
    #[arg(long, value_name = "PNG", hide = true)]
    pub screenshot: Option<PathBuf>,

    /// Tab to show when the window opens (e.g. overview, integrity).
    #[arg(long, value_name = "NAME")]
    pub tab: Option<String>,
}

/// The headless commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the schema and a per-column summary of a data file.
    Inspect(inspect::InspectArgs),
    /// Write the bundled sample data (credit-risk training and production files).
    SampleData(sample_data::SampleDataArgs),
    /// Check whether the production data is intact: schema, missing values, unseen values,
    /// ranges, duplicates, timestamps, training-serving skew.
    Integrity(integrity::IntegrityArgs),
    /// Time all integrity checks on generated data (a benchmark).
    #[command(hide = true)]
    IntegrityBench(integrity::IntegrityBenchArgs),
}

/// Output format of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Aligned text for people.
    #[default]
    Table,
    /// JSON for pipelines (the keys are a stable contract).
    Json,
}

/// An error that ends a command with exit code 2; the message is one sentence.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

/// Run a parsed command; returns the process exit code.
pub fn run(command: Command) -> u8 {
    let result = match command {
        Command::Inspect(args) => inspect::run(&args),
        Command::SampleData(args) => sample_data::run(&args),
        Command::Integrity(args) => integrity::run(&args),
        Command::IntegrityBench(args) => integrity::bench(&args),
    };
    match result {
        Ok(code) => code,
        Err(CliError(message)) => {
            eprintln!("error: {message}");
            EXIT_ERROR
        }
    }
}

/// Load a dataset for a command, with a progress line on stderr when it is a terminal.
pub fn load_dataset(path: &std::path::Path) -> Result<Dataset, CliError> {
    let path = path.to_path_buf();
    if !std::io::stderr().is_terminal() {
        return Dataset::load(&path, &LoadOptions::default(), &Progress::silent())
            .map_err(CliError::from);
    }
    let label = format!("Loading {}", path.display());
    let job = Job::spawn(label, None, move |p| {
        Dataset::load(&path, &LoadOptions::default(), p)
    })?;
    let result = loop {
        match job.poll() {
            Poll::Running => {
                let p = job.progress();
                let pct = p.fraction().map(|f| format!(" {:3.0}%", f * 100.0));
                eprint!("\r\x1b[2K{}{}", p.stage(), pct.unwrap_or_default());
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Poll::Done(r) => break r,
            Poll::Gone => {
                break Err(crate::data::DataError::Cancelled {
                    path: PathBuf::new(),
                });
            }
        }
    };
    eprint!("\r\x1b[2K");
    result.map_err(CliError::from)
}

/// A no-op waker, for jobs whose observer polls.
pub fn no_waker() -> Option<crate::jobs::Waker> {
    Some(Arc::new(|| {}))
}
