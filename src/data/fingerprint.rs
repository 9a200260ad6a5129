//! A file's content fingerprint: its size and a 64-bit XXH3 hash of every byte. A session stores
//! it to notice, when it is reopened, that a dataset file changed since the analysis was saved.
//! XXH3 reads at memory speed (several GB/s), so hashing a file costs a fraction of parsing it.

use std::io::Read;
use std::path::Path;

/// The fingerprint text of a file's bytes, `xxh3:<16 hex digits>`.
pub fn of_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format_hash(hasher.digest()))
}

/// The fingerprint text of bytes in memory (equal to [`of_file`] of a file holding them).
pub fn of_bytes(bytes: &[u8]) -> String {
    format_hash(xxhash_rust::xxh3::xxh3_64(bytes))
}

fn format_hash(h: u64) -> String {
    format!("xxh3:{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_bytes_agree_and_differ_on_change() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("a.csv");
        // Larger than the read buffer, so the streaming path joins chunks.
        let bytes: Vec<u8> = (0..(3 << 20)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &bytes).expect("write");
        assert_eq!(of_file(&p).expect("hash"), of_bytes(&bytes));
        let mut changed = bytes.clone();
        changed[2 << 20] ^= 1;
        assert_ne!(of_bytes(&changed), of_bytes(&bytes));
    }

    #[test]
    fn known_value() {
        // XXH3-64 of the empty input with seed 0, from the reference implementation.
        assert_eq!(of_bytes(b""), "xxh3:2d06800538d394c2");
    }
}
