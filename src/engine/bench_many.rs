//! `sextant bench-many`: a generated dataset split into many Parquet partitions, timed as the
//! commands open it — the paths and footers alone (rows and time range before any value is
//! read), then the whole set — beside the same rows as one file.

use std::path::{Path, PathBuf};

use super::bench::{BenchError, bench_files, best, ensure_bench_pair, peak_rss_bytes};
use crate::data::{Dataset, LoadOptions, many};
use crate::vocab::Progress;

/// What `bench-many` measured (times in seconds, best of `repeat`).
#[derive(Debug, Clone)]
pub struct ManyBench {
    pub rows: usize,
    pub files: usize,
    pub repeat: usize,
    /// Listing the files and reading every footer, with the set's metadata.
    pub metadata_s: f64,
    pub footer_rows: Option<u64>,
    /// Loading the set as `sextant drift` does (types, kinds and roles only).
    pub load_many_s: f64,
    /// Loading the same rows from one file the same way.
    pub load_one_s: f64,
    pub peak_rss_bytes: Option<u64>,
}

/// The partitioned folder for `rows` rows in `files` files under `dir`.
pub fn many_dir(dir: &Path, rows: usize, files: usize) -> PathBuf {
    dir.join(format!("bench_many_{rows}_{files}"))
}

/// Split the generated current side into `files` partitions (`part=i/part-0.parquet`) unless
/// the folder is there.
pub fn ensure_many(dir: &Path, rows: usize, files: usize) -> Result<PathBuf, BenchError> {
    ensure_bench_pair(dir, rows)?;
    let out = many_dir(dir, rows, files);
    if out.join("_SUCCESS").is_file() {
        return Ok(out);
    }
    let (_, current) = bench_files(dir, rows);
    let frame = Dataset::load(
        &current,
        &LoadOptions {
            light: true,
            ..LoadOptions::default()
        },
        &Progress::silent(),
    )?
    .frame;
    let files = files.min(rows).max(1);
    let per = rows.div_ceil(files);
    for i in 0..files {
        let offset = i * per;
        if offset >= rows {
            break;
        }
        let mut part = frame.slice(offset as i64, per.min(rows - offset));
        let path = out.join(format!("part={i}")).join("part-0.parquet");
        std::fs::create_dir_all(path.parent().unwrap_or(&out))?;
        crate::data::write::write_frame(&mut part, &path)?;
    }
    // Written last, as Spark does, so that an interrupted split is redone rather than half
    // reused; a `_` name is skipped when the folder is opened.
    std::fs::write(out.join("_SUCCESS"), b"")?;
    Ok(out)
}

/// Time the metadata pass and the whole load of the partitioned set, and one file's load.
pub fn run(dir: &Path, rows: usize, files: usize, repeat: usize) -> Result<ManyBench, BenchError> {
    let folder = ensure_many(dir, rows, files)?;
    let glob = folder.join("part=*").join("*.parquet");
    let light = LoadOptions {
        light: true,
        ..LoadOptions::default()
    };
    let (metadata_s, meta) = best(repeat, || {
        let set = many::resolve(&glob, &Progress::silent())?;
        Ok(many::metadata(&set))
    })?;
    let (load_many_s, ds) = best(repeat, || {
        Ok(Dataset::load(&glob, &light, &Progress::silent())?)
    })?;
    let got_rows = ds.rows();
    drop(ds);
    let (_, one) = bench_files(dir, rows);
    let (load_one_s, _) = best(repeat, || {
        Ok(Dataset::load(&one, &light, &Progress::silent())?.rows())
    })?;
    if got_rows != rows {
        return Err(BenchError::Rule(format!(
            "the set loaded {got_rows} rows where {rows} were written"
        )));
    }
    Ok(ManyBench {
        rows,
        files: meta.files,
        repeat,
        metadata_s,
        footer_rows: meta.footer_rows,
        load_many_s,
        load_one_s,
        peak_rss_bytes: peak_rss_bytes(),
    })
}

/// The lines `bench-many` prints.
pub fn text(b: &ManyBench) -> String {
    let per_s = |s: f64| if s > 0.0 { b.rows as f64 / s } else { f64::NAN };
    format!(
        "bench-many: {} rows × 20 columns in {} Parquet files (best of {})\n\
         paths and footers:  {:.4} s ({} rows by the footers)\n\
         load the set:       {:.3} s ({:.0} rows/s)\n\
         load one file:      {:.3} s ({:.0} rows/s)\n\
         peak memory:        {}\n",
        b.rows,
        b.files,
        b.repeat,
        b.metadata_s,
        b.footer_rows.map_or("?".to_string(), |r| r.to_string()),
        b.load_many_s,
        per_s(b.load_many_s),
        b.load_one_s,
        per_s(b.load_one_s),
        b.peak_rss_bytes
            .map_or("unknown".to_string(), crate::format::fmt_bytes),
    )
}
