//! Write-then-rename files: the real name appears only once the content is
//! complete and on disk (fsynced), so a crash or power loss cannot leave a
//! real name on a short file. Every result file, charts included, is
//! written through here.
//!
//! A file written into a folder that nobody reads until its owner has
//! synced it (a run's staging folder) can skip the wait for the disk
//! ([`AtomicFile::sync_later`]): `meshsim run` syncs all its files side by
//! side before the swap, instead of waiting for each in turn.

use anyhow::Context;
use std::fs::File;
use std::path::{Path, PathBuf};

/// A file being written under a temporary name next to its final path.
/// Dropping it without [`AtomicFile::commit`] removes the temporary file.
#[derive(Debug)]
pub struct AtomicFile {
    file: Option<File>,
    temp: PathBuf,
    dest: PathBuf,
    /// Whether [`AtomicFile::commit`] waits for the disk.
    sync: bool,
}

impl AtomicFile {
    /// Starts writing what will become `dest`.
    pub fn create(dest: &Path) -> anyhow::Result<Self> {
        let name = dest
            .file_name()
            .with_context(|| format!("{} is not a file path", dest.display()))?
            .to_string_lossy();
        // The real name last, so the extension stays.
        let temp = dest.with_file_name(format!(".tmp-{}-{name}", std::process::id()));
        let file =
            // create_new: never write through a file or link already there.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)
                .with_context(|| format!("cannot create {}", temp.display()))?;
        Ok(AtomicFile {
            file: Some(file),
            temp,
            dest: dest.to_path_buf(),
            sync: true,
        })
    }

    /// Makes [`AtomicFile::commit`] rename without waiting for the disk:
    /// whoever owns the folder must sync the file before relying on it.
    pub fn sync_later(mut self) -> Self {
        self.sync = false;
        self
    }

    /// The path the file will have.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// The open temporary file.
    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("open until commit")
    }

    /// Flushes to disk (unless [`AtomicFile::sync_later`]) and renames into
    /// place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let file = self.file.take().expect("open until commit");
        if self.sync {
            file.sync_all()
                .with_context(|| format!("cannot write {}", self.temp.display()))?;
        }
        drop(file);
        std::fs::rename(&self.temp, &self.dest)
            .with_context(|| format!("cannot move {} into place", self.dest.display()))
    }

    /// Writes `bytes` to `dest` atomically.
    pub fn write(dest: &Path, bytes: &[u8]) -> anyhow::Result<()> {
        use std::io::Write;
        let mut f = AtomicFile::create(dest)?;
        f.file()
            .write_all(bytes)
            .with_context(|| format!("cannot write {}", dest.display()))?;
        f.commit()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_appears_until_commit_and_an_abandoned_file_vanishes() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("a.csv");
        let mut f = AtomicFile::create(&dest).unwrap();
        std::io::Write::write_all(f.file(), b"x").unwrap();
        assert!(!dest.exists());
        f.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"x");
        let g = AtomicFile::create(&dir.path().join("b.csv")).unwrap();
        drop(g);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.csv")]);
    }
}
