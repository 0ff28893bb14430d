//! The background service's structured log: JSON lines in `<data dir>/logs/daemon.YYYY-MM-DD.jsonl`, a new file
//! each UTC day, the newest [`KEEP`] kept. Rotation and pruning are `tracing-appender`'s (a maintained part of the
//! tracing project) rather than ours.

use std::path::Path;

use tracing_appender::rolling::{RollingFileAppender, Rotation};

/// Daily files kept.
pub const KEEP: usize = 14;

/// The daily log in `dir`, created when missing.
///
/// # Errors
/// When the folder cannot be created or the first file cannot be opened.
pub fn daily(dir: &Path) -> Result<RollingFileAppender, tracing_appender::rolling::InitError> {
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("daemon")
        .filename_suffix("jsonl")
        .max_log_files(KEEP)
        .build(dir)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn writes_today_and_keeps_the_newest_fourteen() {
        let dir = tempfile::tempdir().unwrap();
        for d in 1..=20 {
            std::fs::write(
                dir.path().join(format!("daemon.2020-01-{d:02}.jsonl")),
                "{}\n",
            )
            .unwrap();
        }
        let mut log = daily(dir.path()).unwrap();
        log.write_all(b"{\"msg\":\"hi\"}\n").unwrap();
        log.flush().unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let today = format!(
            "daemon.{}.jsonl",
            &studio_core::production::today_start_utc()[..10]
        );
        assert!(names.contains(&today), "{names:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&today)).unwrap(),
            "{\"msg\":\"hi\"}\n"
        );
        // The oldest files beyond the fourteen are gone (today's counts as one).
        assert!(names.len() <= KEEP, "{names:?}");
        assert!(!names.contains(&"daemon.2020-01-01.jsonl".to_string()));
    }
}
