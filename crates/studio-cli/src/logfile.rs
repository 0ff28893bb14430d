//! The daemon's structured log: JSON lines in `<data dir>/logs/daemon-YYYY-MM-DD.jsonl`, a new file each UTC day,
//! the newest 14 kept.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

pub struct DailyLog {
    dir: PathBuf,
    current: Mutex<Option<(String, File)>>,
}

const KEEP: usize = 14;

impl DailyLog {
    pub fn new(dir: PathBuf) -> std::io::Result<DailyLog> {
        std::fs::create_dir_all(&dir)?;
        // Rotation: drop the oldest daily files beyond KEEP.
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("daemon-") && n.ends_with(".jsonl"))
            })
            .collect();
        files.sort();
        if files.len() > KEEP {
            for old in &files[..files.len() - KEEP] {
                let _ = std::fs::remove_file(old);
            }
        }
        Ok(DailyLog {
            dir,
            current: Mutex::new(None),
        })
    }
}

pub struct DailyLogWriter<'a>(&'a DailyLog);

impl Write for DailyLogWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let day = studio_core::production::today_start_utc()[..10].to_string();
        let mut cur = self
            .0
            .current
            .lock()
            .map_err(|_| std::io::Error::other("log lock poisoned"))?;
        if cur.as_ref().is_none_or(|(d, _)| *d != day) {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.0.dir.join(format!("daemon-{day}.jsonl")))?;
            *cur = Some((day, f));
        }
        match cur.as_mut() {
            Some((_, f)) => f.write(buf),
            None => Ok(buf.len()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.current.lock() {
            Ok(mut c) => c.as_mut().map_or(Ok(()), |(_, f)| f.flush()),
            Err(_) => Ok(()),
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for DailyLog {
    type Writer = DailyLogWriter<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        DailyLogWriter(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_today_and_keeps_the_newest_fourteen() {
        let dir = tempfile::tempdir().unwrap();
        for d in 1..=20 {
            std::fs::write(
                dir.path().join(format!("daemon-2020-01-{d:02}.jsonl")),
                "{}\n",
            )
            .unwrap();
        }
        let log = DailyLog::new(dir.path().to_path_buf()).unwrap();
        let left = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(left, KEEP);
        assert!(!dir.path().join("daemon-2020-01-01.jsonl").exists());
        use tracing_subscriber::fmt::MakeWriter;
        log.make_writer().write_all(b"{\"msg\":\"hi\"}\n").unwrap();
        let today = studio_core::production::today_start_utc()[..10].to_string();
        let text =
            std::fs::read_to_string(dir.path().join(format!("daemon-{today}.jsonl"))).unwrap();
        assert_eq!(text, "{\"msg\":\"hi\"}\n");
    }
}
