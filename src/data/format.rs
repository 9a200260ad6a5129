//! File formats Sextant reads, chosen by extension with content sniffing as a fallback.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A tabular file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Csv,
    Parquet,
    /// Arrow IPC file format (also called Feather v2).
    Ipc,
    /// Newline-delimited JSON, one object per line.
    Ndjson,
}

impl FileFormat {
    /// The short name used in JSON output and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Parquet => "parquet",
            Self::Ipc => "ipc",
            Self::Ndjson => "ndjson",
        }
    }

    /// A format from a file extension, case-insensitive.
    pub fn from_extension(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "csv" | "tsv" | "tab" | "txt" => Self::Csv,
            "parquet" | "pq" => Self::Parquet,
            "arrow" | "ipc" | "feather" => Self::Ipc,
            "ndjson" | "jsonl" | "json" => Self::Ndjson,
            _ => return None,
        })
    }

    /// A format from the first bytes of a file (magic numbers, then text heuristics).
    pub fn sniff(head: &[u8]) -> Option<Self> {
        if head.starts_with(b"PAR1") {
            return Some(Self::Parquet);
        }
        if head.starts_with(b"ARROW1") {
            return Some(Self::Ipc);
        }
        // Text formats: refuse anything with NUL bytes (binary).
        if head.contains(&0) {
            return None;
        }
        let text = String::from_utf8_lossy(head);
        let first = text.trim_start();
        if first.starts_with('{') {
            return Some(Self::Ndjson);
        }
        // Something line-oriented and printable: treat as delimited text.
        let printable = text
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
            .count();
        let total = text.chars().count().max(1);
        (text.contains('\n') || total < 4096)
            .then_some(())
            .filter(|_| printable * 100 >= total * 99)
            .map(|_| Self::Csv)
    }
}

impl fmt::Display for FileFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Csv => "CSV",
            Self::Parquet => "Parquet",
            Self::Ipc => "Arrow IPC",
            Self::Ndjson => "NDJSON",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions() {
        assert_eq!(
            FileFormat::from_extension(Path::new("a/B.PARQUET")),
            Some(FileFormat::Parquet)
        );
        assert_eq!(
            FileFormat::from_extension(Path::new("x.feather")),
            Some(FileFormat::Ipc)
        );
        assert_eq!(
            FileFormat::from_extension(Path::new("x.jsonl")),
            Some(FileFormat::Ndjson)
        );
        assert_eq!(FileFormat::from_extension(Path::new("x.xlsx")), None);
    }

    #[test]
    fn sniffing() {
        assert_eq!(FileFormat::sniff(b"PAR1...."), Some(FileFormat::Parquet));
        assert_eq!(FileFormat::sniff(b"ARROW1\0\0"), Some(FileFormat::Ipc));
        assert_eq!(
            FileFormat::sniff(b"  {\"a\": 1}\n{\"a\": 2}\n"),
            Some(FileFormat::Ndjson)
        );
        assert_eq!(FileFormat::sniff(b"a,b\n1,2\n"), Some(FileFormat::Csv));
        assert_eq!(FileFormat::sniff(b"\x89PNG\r\n\x1a\n\0\0\0"), None);
    }
}
