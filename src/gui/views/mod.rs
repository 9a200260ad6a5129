//! The views of the central area, one file each.

pub mod overview;
pub mod seasonality;
