//! Runs analyses over loaded datasets: pulls columns out of polars frames, splits rows into
//! windows, fans work out over the cores, and hands slices to the pure `analysis` core.
//! Shared by the CLI and the GUI (which calls it from background jobs); knows nothing of egui.

pub mod columns;
