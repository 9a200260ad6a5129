//! The Datasets panel with a folder of partitions: opened through File → Open folder… (Sextant's
//! own prompt, as there is no desktop here) and by dropping the folder; the card shows the
//! files, the partition columns and the time range the footers gave.
#![cfg(feature = "gui")]

use std::path::Path;

mod common;

use common::{harness, settle};
use egui_kittest::kittest::Queryable;
use polars::prelude::*;
use sextant::gui::app::App;
use sextant::gui::command::Command;
use sextant::gui::file_dialog::DialogPurpose;
use sextant::vocab::{Side, Slot};

/// `dir/date=2025-11-0N/part-0.parquet`, three files of 20 rows with a timestamp.
fn partitioned(dir: &Path) {
    for day in 0..3i64 {
        let ts: Vec<i64> = (0..20)
            .map(|i| 1_761_955_200_000_000 + day * 86_400_000_000 + i * 3_600_000_000)
            .collect();
        let ts = Series::new("ts".into(), ts)
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .expect("datetime");
        let x: Vec<f64> = (0..20).map(|i| (i as f64) * 0.5 + day as f64).collect();
        let mut df =
            DataFrame::new(20, vec![ts.into(), Column::new("x".into(), x)]).expect("frame");
        let p = dir.join(format!("date=2025-11-0{}/part-0.parquet", day + 1));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        ParquetWriter::new(std::fs::File::create(&p).expect("create"))
            .finish(&mut df)
            .expect("write");
    }
}

#[test]
fn open_folder_through_the_prompt_shows_the_partitions() {
    let tmp = tempfile::tempdir().expect("tmp");
    let folder = tmp.path().join("nov");
    partitioned(&folder);
    let mut h = harness(App::with_datasets(None, None));
    settle(&mut h);
    h.state_mut()
        .push(Command::OpenDialog(DialogPurpose::OpenFolder(
            Slot::Current,
        )));
    h.run_steps(2);
    h.get_by_label("Path of the folder, or a glob (prod/date=*/part-*.parquet):")
        .click();
    h.run_steps(1);
    h.get_by_label("Path of the folder, or a glob (prod/date=*/part-*.parquet):")
        .type_text(&folder.join("date=*/*.parquet").display().to_string());
    h.run_steps(1);
    h.get_by_label("Open").click();
    settle(&mut h);
    let ds = h.state().dataset(Side::Current).expect("loaded");
    assert_eq!(ds.rows(), 60);
    assert_eq!(ds.parts.as_ref().map(|p| p.metadata.files), Some(3));
    // The card (with the size on disk) and the Overview's "Files" row.
    h.get_by_label_contains(" kB · 60 rows by the footers");
    h.get_by_label("3 Parquet files · 60 rows by the footers");
    h.get_by_label("Partitions: date (date)");
    h.get_by_label("ts: 2025-11-01 – 2025-11-03 19:00:00");
}

#[test]
fn a_dropped_folder_named_production_opens_as_production() {
    let tmp = tempfile::tempdir().expect("tmp");
    let folder = tmp.path().join("production");
    partitioned(&folder);
    let mut h = harness(App::with_datasets(None, None));
    settle(&mut h);
    h.state_mut().push(Command::Dropped(vec![folder]));
    settle(&mut h);
    let ds = h
        .state()
        .dataset(Side::Current)
        .expect("loaded as production");
    assert_eq!(ds.rows(), 60);
    h.get_by_label("Partitions: date (date)");
}
