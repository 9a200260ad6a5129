//! The status-bar message: its own file so that views and panels can report without
//! importing the app.

/// How serious the status-bar message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Warning,
    Error,
}

/// The last message shown in the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}
