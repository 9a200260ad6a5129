//! The views of the central area, one file each.

pub mod integrity;
pub mod overview;
