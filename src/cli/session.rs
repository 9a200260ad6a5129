//! `sextant session …`: write a starting session without the window, show what a session names;
//! and the loading every session-driven command shares (`report`, `check`).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{CliError, EXIT_OK, load_dataset};
use crate::data::Dataset;
use crate::session::open::{changed_since_saved, named_datasets, starting_session};
use crate::session::{self, Session, paths};

#[derive(Debug, Args)]
pub struct SessionArgs {
    #[command(subcommand)]
    pub command: SessionCommand,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Write a starting session for a training and a production file (roles inferred, default
    /// settings), to open in the window or to run with `sextant report` / `sextant check`.
    New(NewArgs),
    /// List the files a session names and whether they are there; reads no data.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Training (reference) data file.
    #[arg(long, value_name = "FILE")]
    pub reference: PathBuf,
    /// Production (current) data file.
    #[arg(long, value_name = "FILE")]
    pub current: Option<PathBuf>,
    /// An experiment (A/B) log for the Experiments tab; its variant, control, unit, metrics
    /// and covariates are chosen from the column names (edit them in the window).
    #[arg(long, value_name = "FILE")]
    pub experiment: Option<PathBuf>,
    /// The session file to write (*.sextant).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace the session file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The session file.
    #[arg(value_name = "FILE")]
    pub session: PathBuf,
}

pub fn run(args: &SessionArgs) -> Result<u8, CliError> {
    match &args.command {
        SessionCommand::New(a) => new(a),
        SessionCommand::Show(a) => show(a),
    }
}

fn new(args: &NewArgs) -> Result<u8, CliError> {
    if args.out.exists() && !args.force {
        return Err(CliError(format!(
            "{} exists; pass --force to replace it",
            args.out.display()
        )));
    }
    if args.out.extension().and_then(|e| e.to_str()) != Some(session::EXTENSION) {
        eprintln!(
            "warning: {} does not end in .{}; the window's file dialogs look for that extension",
            args.out.display(),
            session::EXTENSION
        );
    }
    let reference = load_dataset(&args.reference)?;
    let current = args.current.as_deref().map(load_dataset).transpose()?;
    let mut session = starting_session(&reference, current.as_ref(), &args.out);
    if let Some(path) = &args.experiment {
        let log = load_dataset(path)?;
        let columns = crate::engine::experiment_columns::log_columns(&log);
        session.views.experiment.ab =
            crate::engine::experiment_columns::infer_settings(&columns, &log);
        // A label and two scores: champion against challenger (the report's `compare`).
        if let Some(compare) = crate::engine::experiment_columns::infer_compare(&columns) {
            session.views.experiment.compare = compare;
            if session.views.experiment.ab.variant.is_empty() {
                session.views.experiment.mode = crate::session::v1::ExperimentMode::Compare;
            }
        } else if session.views.experiment.ab.variant.is_empty() {
            eprintln!(
                "warning: {} has no column named like a variant (variant, arm, group, bucket); choose it in the Experiments tab",
                log.name()
            );
        }
        let dir = crate::session::open::base_dir(&args.out);
        session.datasets.experiment = Some(crate::session::open::dataset_ref(&log, &dir));
    }
    session::write(&args.out, &session)?;
    println!(
        "Wrote {} ({} and {})",
        args.out.display(),
        reference.name(),
        current
            .as_ref()
            .map_or("no production file".into(), |c| c.name())
    );
    Ok(EXIT_OK)
}

fn show(args: &ShowArgs) -> Result<u8, CliError> {
    let session = session::read(&args.session)?;
    let named = named_datasets(&session, &args.session);
    print!(
        "{}",
        crate::present::session::show_text(&args.session, &session, &named)
    );
    Ok(EXIT_OK)
}

/// A session and its loaded datasets, for the commands that run one.
pub struct LoadedSession {
    pub session: Session,
    /// Where the session came from (`None`: built from --reference/--current).
    pub path: Option<PathBuf>,
    pub reference: Option<Dataset>,
    pub current: Option<Dataset>,
    /// The experiment log the session names (only from --session).
    pub experiment: Option<Dataset>,
}

/// Load `--session S`, or build a session in memory from `--reference A --current B`.
/// A dataset the session names that is missing is an error naming both files; one whose content
/// changed since the session was saved is a warning on stderr.
pub fn load(
    session_path: Option<&Path>,
    reference: Option<&Path>,
    current: Option<&Path>,
) -> Result<LoadedSession, CliError> {
    match (session_path, reference, current) {
        (Some(path), None, None) => {
            let session = session::read(path)?;
            let mut loaded = [None, None, None];
            for d in named_datasets(&session, path) {
                if !d.exists {
                    return Err(CliError(format!(
                        "{} names the {} file {}, which does not exist; open the session in the window to locate it, or edit the path",
                        path.display(),
                        d.slot.short().to_lowercase(),
                        d.path.display()
                    )));
                }
                let ds = load_dataset(&d.path)?;
                if let Some(entry) = session.dataset(d.slot)
                    && let Some(warning) = changed_since_saved(entry, &ds, d.slot)
                {
                    eprintln!("warning: {warning}");
                }
                loaded[d.slot.index()] = Some(ds);
            }
            let [reference, current, experiment] = loaded;
            let mut session = session;
            // The model is read from where the session's folder says it is.
            if let Some((model, exists)) = crate::session::open::named_model(&session, path) {
                if !exists {
                    return Err(CliError(format!(
                        "{} names the model {}, which does not exist",
                        path.display(),
                        model.display()
                    )));
                }
                session.views.compression.model_path = Some(model);
            }
            Ok(LoadedSession {
                session,
                path: Some(path.to_path_buf()),
                reference,
                current,
                experiment,
            })
        }
        (None, Some(r), c) => {
            let reference = load_dataset(r)?;
            let current = c.map(load_dataset).transpose()?;
            let here = paths::absolute(Path::new("report.sextant"));
            let session = starting_session(&reference, current.as_ref(), &here);
            Ok(LoadedSession {
                session,
                path: None,
                reference: Some(reference),
                current,
                experiment: None,
            })
        }
        (Some(_), _, _) => Err(CliError(
            "give either --session or --reference/--current, not both".into(),
        )),
        (None, None, _) => Err(CliError(
            "name a session with --session FILE, or data with --reference FILE [--current FILE]"
                .into(),
        )),
    }
}

impl LoadedSession {
    /// The loaded datasets, as the analyses take them.
    pub fn data(&self) -> crate::session::analyses::SessionData<'_> {
        crate::session::analyses::SessionData {
            reference: self.reference.as_ref(),
            current: self.current.as_ref(),
            experiment: self.experiment.as_ref(),
        }
    }

    /// A name for titles: the session's file name, else the two data files'.
    pub fn title(&self) -> String {
        match &self.path {
            Some(p) => session::display_name(p),
            None => [&self.reference, &self.current]
                .into_iter()
                .flatten()
                .map(|d| d.name())
                .collect::<Vec<_>>()
                .join(" vs "),
        }
    }
}
