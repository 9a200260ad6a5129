//! The frame around the views: menu bar, dataset browser, tab bar, status bar, dialogs.

pub mod datasets;
pub mod dialogs;
pub mod menu;
pub mod status;
pub mod tabs;
