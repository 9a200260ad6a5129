//! The views of the central area, one file each.

pub mod drift;
pub mod overview;
pub mod seasonality;
