//! `sextant inspect FILE`: the schema and a per-column summary, as a table or JSON. The
//! summary is the load's own; `present::inspect` writes it (its contract is documented there).

use std::path::PathBuf;

use clap::Args;

use super::{CliError, EXIT_OK, OutputFormat, load_dataset};
use crate::present::inspect::{to_json, to_table};
use crate::present::json::to_text;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The data file (CSV, Parquet, Arrow IPC or NDJSON), or a folder or quoted glob of them
    /// opened as one dataset.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// `sextant inspect`.
pub fn run(args: &InspectArgs) -> Result<u8, CliError> {
    let dataset = load_dataset(&args.file)?;
    for w in &dataset.warnings {
        eprintln!("warning: {w}");
    }
    let text = match args.format {
        OutputFormat::Json => to_text(&to_json(&dataset)),
        OutputFormat::Table => to_table(&dataset),
    };
    print!("{text}");
    Ok(EXIT_OK)
}
