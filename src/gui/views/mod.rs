//! The views of the central area, one file each.

pub mod ab_detail;
pub mod compare;
pub mod compression;
pub mod drift;
pub mod experiments;
pub mod feedback;
pub mod health;
pub mod integrity;
pub mod overview;
pub mod retraining;
pub mod rollout;
pub mod seasonality;
