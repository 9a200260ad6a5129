//! Sextant: a workbench for keeping machine-learning models healthy in production.
//!
//! The crate is layered: [`data`] turns files into columns, `analysis` holds the statistics
//! (pure functions, no I/O), [`jobs`] runs work off the UI thread, [`cli`] is the headless
//! front end and `gui` (feature `gui`) the window. Only `gui` knows about egui.

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

#[cfg(feature = "gui")]
pub mod gui;
