//! Sextant: a workbench for keeping machine-learning models healthy in production.
//!
//! The crate is layered, each layer importing only those before it (tests/architecture.rs
//! checks it): [`vocab`] and [`format`] (the shared words and how numbers read), `analysis`
//! (the statistics: pure functions over slices), [`data`] and [`model`] (files into columns,
//! ONNX models), [`engine`] and [`jobs`] (one entry point per analysis: settings in, outcome
//! out, off the UI thread), [`present`], [`report`] and [`session`] (outcomes into tables,
//! JSON, HTML; sessions on disk), and the front ends [`cli`] and `gui` (feature `gui`, the
//! only one that knows egui).

pub mod analysis;
pub mod cli;
pub mod data;
pub mod engine;
pub mod format;
pub mod jobs;
pub mod model;
pub mod present;
pub mod report;
pub mod sample_data;
pub mod session;
pub mod vocab;

#[cfg(feature = "gui")]
pub mod gui;
