//! What `sextant session show` prints: the files a session names and whether they are there.

use std::fmt::Write;
use std::path::Path;

use crate::session::Session;
use crate::session::open::NamedDataset;

/// The session's file, format, named datasets (missing ones marked) and note, one per line.
pub fn show_text(path: &Path, session: &Session, named: &[NamedDataset]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (session format {})",
        path.display(),
        session.version
    );
    for d in named {
        let _ = writeln!(
            out,
            "  {:<10} {}{}",
            d.slot.short().to_lowercase(),
            d.path.display(),
            if d.exists { "" } else { "  (missing)" }
        );
    }
    if !session.notes.session.is_empty() {
        let _ = writeln!(out, "  note: {}", session.notes.session);
    }
    out
}
