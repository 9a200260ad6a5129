//! A loaded dataset's schema and per-column summary for pipelines (JSON) and people (a text
//! table); `sextant inspect` and the JSON report present datasets through these functions.
//!
//! JSON contract: `{"path", "format", "rows", "file_bytes", "memory_bytes", "columns":
//! [{"name", "dtype", "kind", "role", "nulls", "null_share", "nan", "infinite", "unique", "min",
//! "max", "mean", "top": [{"value", "count"}]}], "warnings"}`; `min`/`max`/`mean` are null where
//! they do not apply; datetime `min`/`max` are ISO-8601 strings (UTC). A folder or glob adds
//! `"files": {"count", "bytes", "footer_rows", "time_range": {"column", "min", "max",
//! "source"} | null, "partition_columns": [{"name", "dtype"}], "notes", "list": [{"path",
//! "bytes", "footer_rows", "partition": {key: value}}]}`. Extra keys may be added,
//! never removed; the field order of the structs below is the order of the keys.

use serde::Serialize;
use serde_json::Value;

use crate::data::{ColumnSummary, Dataset};
use crate::format::{fmt_bytes, fmt_num};
use crate::present::json::{number, opt_number};
use crate::present::table::TextTable;
use crate::vocab::ColumnKind;
use crate::vocab::time::format_iso;

/// The JSON document of `inspect`.
#[derive(Serialize)]
struct DatasetJson<'a> {
    path: String,
    format: &'static str,
    rows: usize,
    file_bytes: u64,
    memory_bytes: usize,
    columns: Vec<ColumnJson<'a>>,
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    files: Option<Value>,
}

/// The `files` object of a folder or glob dataset: what its paths and footers said.
fn files_json(parts: &crate::data::many::Parts) -> Value {
    use serde_json::json;
    let m = &parts.metadata;
    let list: Vec<Value> = parts
        .set
        .files
        .iter()
        .map(|f| {
            let partition: serde_json::Map<String, Value> = f
                .partition
                .iter()
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            json!({
                "path": f.path.display().to_string(),
                "bytes": f.bytes,
                "footer_rows": f.footer_rows,
                "partition": partition,
            })
        })
        .collect();
    json!({
        "count": m.files,
        "bytes": m.bytes,
        "footer_rows": m.footer_rows,
        "time_range": m.time_range.as_ref().map(|t| json!({
            "column": t.column,
            "min": format_iso(t.min_us),
            "max": format_iso(t.max_us),
            "source": t.source,
        })),
        "partition_columns": parts.set.partition_columns.iter().map(|(n, d)| json!({
            "name": n,
            "dtype": d.to_string(),
        })).collect::<Vec<_>>(),
        "notes": parts.notes,
        "list": list,
    })
}

/// One column's summary.
#[derive(Serialize)]
struct ColumnJson<'a> {
    name: &'a str,
    dtype: &'a str,
    kind: &'static str,
    role: &'static str,
    nulls: usize,
    null_share: Value,
    nan: usize,
    infinite: usize,
    unique: usize,
    min: Value,
    max: Value,
    mean: Value,
    top: Vec<TopJson<'a>>,
}

/// A frequent value and its count.
#[derive(Serialize)]
struct TopJson<'a> {
    value: &'a str,
    count: usize,
}

impl<'a> ColumnJson<'a> {
    fn new(c: &'a ColumnSummary) -> Self {
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
        Self {
            name: &c.name,
            dtype: &c.dtype,
            kind: c.kind.name(),
            role: c.role.name(),
            nulls: c.nulls,
            null_share: number(c.null_share()),
            nan: c.nan,
            infinite: c.infinite,
            unique: c.unique,
            min,
            max,
            mean,
            top: c
                .top
                .iter()
                .map(|(value, count)| TopJson {
                    value,
                    count: *count,
                })
                .collect(),
        }
    }
}

/// The JSON document of `inspect`. The structs hold strings and numbers only, so
/// serialisation cannot fail; `null` stands in should that ever change.
pub fn to_json(ds: &Dataset) -> Value {
    let doc = DatasetJson {
        path: ds.path.display().to_string(),
        format: ds.format.name(),
        rows: ds.rows(),
        file_bytes: ds.file_bytes,
        memory_bytes: ds.memory_bytes(),
        columns: ds.columns.iter().map(ColumnJson::new).collect(),
        warnings: &ds.warnings,
        files: ds.parts.as_ref().map(files_json),
    };
    serde_json::to_value(&doc).unwrap_or(Value::Null)
}

/// The dataset for people: a headline with the sizes, then one row per column.
pub fn to_table(ds: &Dataset) -> String {
    let mut out = format!(
        "{}  {}  {} rows × {} columns  {} on disk, {} in memory\n\n",
        ds.path.display(),
        ds.format,
        ds.rows(),
        ds.columns.len(),
        fmt_bytes(ds.file_bytes),
        fmt_bytes(ds.memory_bytes() as u64),
    );
    if let Some(parts) = &ds.parts {
        let m = &parts.metadata;
        out.push_str(&format!("{} files", m.files));
        if let Some(r) = m.footer_rows {
            out.push_str(&format!(", {r} rows by the footers"));
        }
        if let Some(t) = &m.time_range {
            out.push_str(&format!(
                ", {} from {} to {} ({})",
                t.column,
                format_iso(t.min_us),
                format_iso(t.max_us),
                t.source
            ));
        }
        for (n, d) in &parts.set.partition_columns {
            out.push_str(&format!("; partition column {n} ({d})"));
        }
        out.push('\n');
        for note in &parts.notes {
            out.push_str(&format!("  {note}\n"));
        }
        out.push('\n');
    }
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
