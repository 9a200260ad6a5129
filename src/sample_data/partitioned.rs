//! The production sample as a folder of monthly partitions
//! (`credit_production_by_month/month=2025-09/part-0.parquet`, …): the same 10 450 rows as
//! `credit_production.parquet`, for opening a folder or a glob as one dataset. The month is in
//! the folder name only, so it comes back as a partition column.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::vocab::time::{MICROS_PER_DAY, civil_from_days};

/// The folder, under the sample data folder.
pub const PRODUCTION_BY_MONTH: &str = "credit_production_by_month";

/// Write `production` split by the month of `applied_at`; returns the written files.
pub fn write_by_month(dir: &Path, production: &DataFrame) -> anyhow::Result<Vec<PathBuf>> {
    let micros = production
        .column("applied_at")?
        .cast(&DataType::Int64)?
        .i64()?
        .clone();
    let months: Vec<Option<String>> = micros
        .iter()
        .map(|t| {
            t.map(|t| {
                let (y, m, _) = civil_from_days(t.div_euclid(MICROS_PER_DAY));
                format!("{y:04}-{m:02}")
            })
        })
        .collect();
    let mut distinct: Vec<String> = months.iter().flatten().cloned().collect();
    distinct.sort();
    distinct.dedup();
    let mut written = Vec::new();
    for month in distinct {
        let mask: BooleanChunked = months
            .iter()
            .map(|m| Some(m.as_deref() == Some(month.as_str())))
            .collect();
        let mut part = production.filter(&mask)?;
        let path = dir
            .join(PRODUCTION_BY_MONTH)
            .join(format!("month={month}"))
            .join("part-0.parquet");
        std::fs::create_dir_all(path.parent().unwrap_or(dir))?;
        crate::data::write::write_frame(&mut part, &path)?;
        written.push(path);
    }
    Ok(written)
}
