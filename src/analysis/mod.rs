//! The analysis core: pure statistics over slices. No egui, threads, files or clocks here;
//! `*Params` in, `*Report` out, typed `*Error`s for invalid input.

pub mod alerts;
pub mod compression;
pub mod drift;
pub mod erf;
pub mod experiment;
pub mod feedback;
pub mod health;
pub mod integrity;
pub mod json;
pub mod metrics;
pub mod multivariate;
pub mod retrain;
pub mod seasonality;
pub mod serving;
pub mod text;
pub mod windows;
