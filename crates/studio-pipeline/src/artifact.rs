//! What identifies an artifact: a file's SHA-256 (voices, clips, renders and uploads are checked against it before
//! any work is redone) and the stable seed a piece of offline output is made from.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The SHA-256 of a file as lowercase hex, read in 1 MiB blocks (a rendered episode is large).
///
/// # Errors
/// When the file cannot be opened or read.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
    }
    Ok(format!("{:x}", h.finalize()))
}

/// A stable seed per series, episode and attempt, so offline output is reproducible and retries differ.
pub fn seed_for(series_id: &str, n: u32, attempt: u32) -> u64 {
    // FNV-1a: stable across builds and platforms (unlike std's hasher).
    let mut h: u64 = 0xcbf29ce484222325;
    for b in series_id
        .bytes()
        .chain(n.to_le_bytes())
        .chain(attempt.to_le_bytes())
    {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_of_a_file_read_in_blocks_is_its_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.bin");
        // Over one block, so the loop runs more than once.
        let bytes: Vec<u8> = (0..(3 << 19)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&p, &bytes).unwrap();
        assert_eq!(
            sha256_file(&p).unwrap(),
            format!("{:x}", Sha256::digest(&bytes))
        );
        assert_eq!(seed_for("s", 1, 0), seed_for("s", 1, 0));
        assert_ne!(seed_for("s", 1, 0), seed_for("s", 1, 1));
    }
}
