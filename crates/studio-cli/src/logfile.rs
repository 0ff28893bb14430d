//! The background service's structured log: JSON lines in `<data dir>/logs/daemon.YYYY-MM-DD.jsonl`, a new file
//! each UTC day, the newest [`KEEP`] kept. Rotation and pruning are `tracing-appender`'s (a maintained part of the
//! tracing project) rather than ours.

use std::path::Path;

use tracing_appender::rolling::{RollingFileAppender, Rotation};

/// Daily files kept.
pub const KEEP: usize = 14;

/// The daily log in `dir`, created when missing. Files from before this naming (`daemon-YYYY-MM-DD.jsonl`) are
/// renamed to it once, so they are pruned with the rest.
///
/// # Errors
/// When the folder cannot be created or the first file cannot be opened.
pub fn daily(dir: &Path) -> Result<RollingFileAppender, tracing_appender::rolling::InitError> {
    // Made first: tracing-appender reads the folder to prune old files before it creates it, and prints "Error
    // reading the log directory" to the terminal on a fresh data folder otherwise.
    let _ = std::fs::create_dir_all(dir);
    adopt_legacy_names(dir);
    RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("daemon")
        .filename_suffix("jsonl")
        .max_log_files(KEEP)
        .build(dir)
}

fn adopt_legacy_names(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(date) = name
            .strip_prefix("daemon-")
            .and_then(|r| r.strip_suffix(".jsonl"))
        else {
            continue;
        };
        let target = dir.join(format!("daemon.{date}.jsonl"));
        if !target.exists() {
            let _ = std::fs::rename(e.path(), target);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn writes_today_keeps_fourteen_and_adopts_the_old_names() {
        let dir = tempfile::tempdir().unwrap();
        for d in 1..=20 {
            std::fs::write(
                dir.path().join(format!("daemon-2020-01-{d:02}.jsonl")),
                "{}\n",
            )
            .unwrap();
        }
        let mut log = daily(dir.path()).unwrap();
        log.write_all(b"{\"msg\":\"hi\"}\n").unwrap();
        log.flush().unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let today = format!(
            "daemon.{}.jsonl",
            &studio_core::clock::today_start_utc()[..10]
        );
        assert!(names.contains(&today), "{names:?}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join(&today)).unwrap(),
            "{\"msg\":\"hi\"}\n"
        );
        // The old names were adopted, so they count against the fourteen (which of them go first follows their
        // creation times, which in a real log are their days).
        assert!(names.iter().all(|n| !n.starts_with("daemon-")), "{names:?}");
        assert!(names.len() <= KEEP, "{names:?}");
    }

    #[test]
    fn a_fresh_data_folder_gets_its_log_folder() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("new/logs");
        let mut log = daily(&logs).unwrap();
        log.write_all(b"{}\n").unwrap();
        log.flush().unwrap();
        assert_eq!(std::fs::read_dir(&logs).unwrap().count(), 1);
    }
}
