//! `sextant inspect FILE`: the schema and a per-column summary, as a table or JSON.
//!
//! JSON contract: `{"path", "format", "rows", "columns": [{"name", "dtype", "kind", "role",
//! "nulls", "unique", "min", "max", "mean"}]}`; `min`/`max`/`mean` are null where they do not
//! apply; datetime `min`/`max` are ISO-8601 strings (UTC). Extra keys may be added, never removed.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};

use super::{CliError, EXIT_OK, OutputFormat, load_dataset};
use crate::data::{ColumnSummary, Dataset};
use crate::format::fmt_bytes;
use crate::format::fmt_num;
use crate::present::json::{number, opt_number, to_text};
use crate::present::table::TextTable;
use crate::vocab::ColumnKind;
use crate::vocab::time::format_iso;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The data file (CSV, Parquet, Arrow IPC or NDJSON).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

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

/// The JSON document of `inspect`.
pub fn to_json(ds: &Dataset) -> Value {
    let columns: Vec<Value> = ds.columns.iter().map(column_json).collect();
    json!({
        "path": ds.path.display().to_string(),
        "format": ds.format.name(),
        "rows": ds.rows(),
        "file_bytes": ds.file_bytes,
        "memory_bytes": ds.memory_bytes(),
        "columns": columns,
        "warnings": ds.warnings,
    })
}

fn column_json(c: &ColumnSummary) -> Value {
    let (min, max, mean) = match c.kind {
        ColumnKind::Datetime => (
            c.min
                .map_or(Value::Null, |v| Value::String(format_iso(v as i64))),
            c.max
                .map_or(Value::Null, |v| Value::String(format_iso(v as i64))),
            Value::Null,
        ),
        ColumnKind::Numeric | ColumnKind::Boolean => {
            (opt_number(c.min), opt_number(c.max), opt_number(c.mean))
        }
        ColumnKind::Categorical | ColumnKind::Text => (Value::Null, Value::Null, Value::Null),
    };
    let top: Vec<Value> = c
        .top
        .iter()
        .map(|(v, n)| json!({"value": v, "count": n}))
        .collect();
    json!({
        "name": c.name,
        "dtype": c.dtype,
        "kind": c.kind.name(),
        "role": c.role.name(),
        "nulls": c.nulls,
        "null_share": number(c.null_share()),
        "nan": c.nan,
        "infinite": c.infinite,
        "unique": c.unique,
        "min": min,
        "max": max,
        "mean": mean,
        "top": top,
    })
}

fn to_table(ds: &Dataset) -> String {
    let mut out = format!(
        "{}  {}  {} rows × {} columns  {} on disk, {} in memory\n\n",
        ds.path.display(),
        ds.format,
        ds.rows(),
        ds.columns.len(),
        fmt_bytes(ds.file_bytes),
        fmt_bytes(ds.memory_bytes() as u64),
    );
    let mut t = TextTable::new(
        &[
            "column",
            "dtype",
            "kind",
            "role",
            "nulls",
            "null %",
            "unique",
            "min",
            "mean",
            "max / top",
        ],
        &[
            false, false, false, false, true, true, true, true, true, false,
        ],
    );
    for c in &ds.columns {
        let (min, mean, max) = match c.kind {
            ColumnKind::Datetime => (
                c.min.map(|v| format_iso(v as i64)).unwrap_or_default(),
                String::new(),
                c.max.map(|v| format_iso(v as i64)).unwrap_or_default(),
            ),
            ColumnKind::Numeric => (
                c.min.map(fmt_num).unwrap_or_default(),
                c.mean.map(fmt_num).unwrap_or_default(),
                c.max.map(fmt_num).unwrap_or_default(),
            ),
            _ => (
                String::new(),
                String::new(),
                c.top
                    .iter()
                    .take(3)
                    .map(|(v, n)| format!("{v} ({n})"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        };
        t.row(vec![
            c.name.clone(),
            c.dtype.clone(),
            c.kind.name().into(),
            c.role.name().into(),
            c.nulls.to_string(),
            format!("{:.1}", c.null_share() * 100.0),
            c.unique.to_string(),
            min,
            mean,
            max,
        ]);
    }
    out.push_str(&t.render());
    out
}
