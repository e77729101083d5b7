//! A log file with size-based rotation, for the Windows service (no terminal, no journal).
//!
//! `cccd.log` is written until it passes `max_bytes`; then `cccd.log` becomes `cccd.1.log`, the
//! older `cccd.1.log` becomes `cccd.2.log`, and so on, the oldest beyond `keep` being deleted. A
//! size limit rather than a daily file keeps the disk use of a reception PC bounded whatever the
//! traffic, and the names sort the way a technician reads them (newest first after `cccd.log`).
//! Written here rather than taken from a crate: it is small and its naming is unit-tested on Linux.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A rotating log file; `Mutex<RotatingFile>` is a `tracing_subscriber` writer.
#[derive(Debug)]
pub struct RotatingFile {
    dir: PathBuf,
    stem: String,
    max_bytes: u64,
    keep: usize,
    file: File,
    written: u64,
}

/// The name of the `n`th file: `cccd.log` for 0, `cccd.<n>.log` for the rotated ones.
pub fn rotated_name(stem: &str, n: usize) -> String {
    if n == 0 {
        format!("{stem}.log")
    } else {
        format!("{stem}.{n}.log")
    }
}

impl RotatingFile {
    /// Opens (appending) `dir/<stem>.log`, creating `dir` owner-only when missing; rotates past
    /// `max_bytes`, keeping `keep` older files.
    pub fn open(dir: &Path, stem: &str, max_bytes: u64, keep: usize) -> std::io::Result<Self> {
        crate::private_dir::ensure(dir)?;
        let path = dir.join(rotated_name(stem, 0));
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let written = file.metadata()?.len();
        Ok(Self {
            dir: dir.to_owned(),
            stem: stem.to_owned(),
            max_bytes: max_bytes.max(1),
            keep,
            file,
            written,
        })
    }

    fn rotate(&mut self) -> std::io::Result<()> {
        let path = |n| self.dir.join(rotated_name(&self.stem, n));
        // Windows cannot rename an open file: reopen the current one only after the renames, and
        // point the handle at a scratch file meanwhile.
        self.file.flush()?;
        if self.keep == 0 {
            let _ = std::fs::remove_file(path(0));
        } else {
            let _ = std::fs::remove_file(path(self.keep));
            for n in (1..self.keep).rev() {
                if path(n).exists() {
                    std::fs::rename(path(n), path(n + 1))?;
                }
            }
            self.file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(self.dir.join(format!("{}.rotating", self.stem)))?;
            std::fs::rename(path(0), path(1))?;
        }
        self.file = OpenOptions::new().create(true).append(true).open(path(0))?;
        let _ = std::fs::remove_file(self.dir.join(format!("{}.rotating", self.stem)));
        self.written = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.written > 0 && self.written + buf.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let n = self.file.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(rotated_name("cccd", 0), "cccd.log");
        assert_eq!(rotated_name("cccd", 1), "cccd.1.log");
        assert_eq!(rotated_name("cccd", 12), "cccd.12.log");
    }

    #[test]
    fn rotates_and_keeps_the_newest() {
        let dir = std::env::temp_dir().join(format!("cccd-logfile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut f = RotatingFile::open(&dir, "cccd", 10, 2).unwrap();
        for line in ["aaaaaaaa\n", "bbbbbbbb\n", "cccccccc\n", "dddddddd\n"] {
            f.write_all(line.as_bytes()).unwrap();
        }
        f.flush().unwrap();
        let read = |n| std::fs::read_to_string(dir.join(rotated_name("cccd", n))).ok();
        assert_eq!(read(0).as_deref(), Some("dddddddd\n"));
        assert_eq!(read(1).as_deref(), Some("cccccccc\n"));
        assert_eq!(read(2).as_deref(), Some("bbbbbbbb\n"));
        assert_eq!(read(3), None, "only `keep` older files");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["cccd.1.log", "cccd.2.log", "cccd.log"]);
        // Reopening appends and counts what is there.
        drop(f);
        let mut f = RotatingFile::open(&dir, "cccd", 10, 2).unwrap();
        f.write_all(b"eeeeeeee\n").unwrap();
        assert_eq!(read(0).as_deref(), Some("eeeeeeee\n"));
        assert_eq!(read(1).as_deref(), Some("dddddddd\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
