//! The staging folder: a run builds its results beside the target folder
//! and swaps them in only when every file is written and on disk, so the
//! previous complete set stays readable until that instant and a killed
//! run (Ctrl-C, SIGTERM, SIGKILL, a crash, a bad input found late) leaves
//! it untouched.
//!
//! The staging folder is `.<name>.meshsim-staging` in the target's parent:
//! the same filesystem, so the swap is a rename, and a name no one mistakes
//! for results. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`: the
//! target is never missing, and afterwards the staging name holds the old
//! set, which is then removed (its files side by side, `side_by_side.rs`).
//! Elsewhere (or on a filesystem without it) the old folder is renamed
//! aside first, leaving a moment without one.
//! A staging folder left by a killed run is removed by the next run.
//!
//! Files in the target that the run does not write (`blast.csv` from
//! `meshsim blast`, anything taken over with `--force`) are hard-linked
//! into the staging folder first, so the swap keeps them.

use super::side_by_side::{remove_folder, sync_files};
use anyhow::Context;
use meshsim::export::is_result_file;
use std::path::{Path, PathBuf};

/// A staging folder for the results folder `target`.
pub struct Staging {
    target: PathBuf,
    dir: PathBuf,
    swapped: bool,
}

impl Staging {
    /// Makes the staging folder of `target` (an existing folder), removing
    /// a leftover one, and carries over the files the run will not write.
    pub fn begin(target: &Path) -> anyhow::Result<Staging> {
        // Canonical, so `--out .` names a folder with a parent, and the swap
        // does not depend on the working directory.
        let target = std::fs::canonicalize(target)
            .with_context(|| format!("cannot find {}", target.display()))?;
        let dir = beside(&target, "meshsim-staging")?;
        remove_leftover(&dir)?;
        remove_leftover(&beside(&target, "meshsim-old")?)?;
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let staging = Staging {
            target,
            dir,
            swapped: false,
        };
        carry_over(&staging.target, &staging.dir, true)?;
        Ok(staging)
    }

    /// Where the run writes.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Puts the staged results in place of the target's (every file in the
    /// staging folder must be complete; they are synced here, side by
    /// side), then removes the old.
    pub fn commit(mut self) -> anyhow::Result<()> {
        // The folder swapped in keeps the old one's mode (set last: the
        // old one may be read-only).
        let mode = std::fs::metadata(&self.target)
            .with_context(|| format!("cannot read {}", self.target.display()))?
            .permissions();
        std::fs::set_permissions(&self.dir, mode)
            .with_context(|| format!("cannot set the mode of {}", self.dir.display()))?;
        sync_files(&self.dir)?;
        sync_dir(&self.dir)?;
        swap(&self.dir, &self.target)?;
        self.swapped = true;
        if let Some(parent) = self.target.parent() {
            sync_dir(parent)?;
        }
        // The old set now sits under the staging name; if it cannot be
        // removed, the next run removes it.
        let _ = remove_folder(&self.dir);
        Ok(())
    }
}

impl Drop for Staging {
    /// An abandoned run (error, Ctrl-C) leaves no staging folder behind.
    fn drop(&mut self) {
        if !self.swapped {
            let _ = remove_folder(&self.dir);
        }
    }
}

/// `.<name>.<suffix>` in the parent of `target`.
fn beside(target: &Path, suffix: &str) -> anyhow::Result<PathBuf> {
    match (target.parent(), target.file_name()) {
        (Some(parent), Some(name)) => {
            Ok(parent.join(format!(".{}.{suffix}", name.to_string_lossy())))
        }
        _ => anyhow::bail!(
            "{} has no parent folder to stage results in; give --out a folder below it",
            target.display()
        ),
    }
}

/// Removes what a killed run left at `path`, if anything.
fn remove_leftover(path: &Path) -> anyhow::Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if meta.is_dir() {
        remove_folder(path)
    } else {
        std::fs::remove_file(path)
    }
    .with_context(|| format!("cannot remove {} (left by a killed run)", path.display()))
}

/// Hard-links everything in `from` into `to`, folders recreated, except
/// (at the top) the result files the run writes and temporaries.
fn carry_over(from: &Path, to: &Path, top: bool) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", from.display()))?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if top && (is_result_file(&text) || (text.starts_with('.') && text.contains(".tmp-"))) {
            continue;
        }
        let (src, dest) = (entry.path(), to.join(&name));
        let kind = entry
            .file_type()
            .with_context(|| format!("cannot read {}", src.display()))?;
        if kind.is_dir() {
            std::fs::create_dir(&dest)
                .with_context(|| format!("cannot create {}", dest.display()))?;
            carry_over(&src, &dest, false)?;
            let mode = std::fs::metadata(&src)
                .with_context(|| format!("cannot read {}", src.display()))?
                .permissions();
            std::fs::set_permissions(&dest, mode)
                .with_context(|| format!("cannot set the mode of {}", dest.display()))?;
        } else if std::fs::hard_link(&src, &dest).is_err() {
            // Some filesystems refuse hard links; a link (not followed) or
            // a copy keeps the file all the same.
            if kind.is_symlink() {
                let points = std::fs::read_link(&src)
                    .with_context(|| format!("cannot read {}", src.display()))?;
                std::os::unix::fs::symlink(points, &dest)
            } else {
                std::fs::copy(&src, &dest).map(|_| ())
            }
            .with_context(|| format!("cannot keep {} in the new results", src.display()))?;
        }
    }
    Ok(())
}

/// Flushes a folder's entries (the names of the files in it) to disk.
pub(super) fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .with_context(|| format!("cannot sync {}", dir.display()))
}

/// Puts `staged` at `target` and the old `target` at `staged`.
fn swap(staged: &Path, target: &Path) -> anyhow::Result<()> {
    match exchange(staged, target) {
        Ok(()) => Ok(()),
        Err(e) if unsupported(&e) => swap_by_renames(staged, target),
        Err(e) => Err(e)
            .with_context(|| format!("cannot swap {} into {}", staged.display(), target.display())),
    }
}

/// The swap where no exchange exists: old aside, new in, old to `staged`.
/// Killed between the first two renames, the target is missing (its old
/// set is at `.<name>.meshsim-old`).
fn swap_by_renames(staged: &Path, target: &Path) -> anyhow::Result<()> {
    let aside = beside(target, "meshsim-old")?;
    std::fs::rename(target, &aside)
        .with_context(|| format!("cannot move {} aside", target.display()))?;
    std::fs::rename(staged, target)
        .with_context(|| format!("cannot move {} into place", target.display()))?;
    std::fs::rename(&aside, staged)
        .with_context(|| format!("cannot move {} to be removed", aside.display()))
}

/// Whether the exchange is not available here (so rename aside instead).
fn unsupported(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::Unsupported
        || matches!(e.raw_os_error(), Some(c) if c == libc::EINVAL || c == libc::ENOSYS)
}

/// Atomically exchanges two paths.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two valid NUL-terminated paths, relative to nothing (they are
    // absolute); renameat2 reads them and touches no memory of ours.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_commit_swaps_in_the_new_set_and_keeps_files_the_run_does_not_write() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("r");
        std::fs::create_dir_all(target.join("notes")).unwrap();
        std::fs::write(target.join("summary.csv"), "old").unwrap();
        std::fs::write(target.join("blast.csv"), "n-1").unwrap();
        std::fs::write(target.join("notes/a.txt"), "mine").unwrap();
        std::fs::write(target.join(".summary.csv.tmp-1"), "junk").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o750)).unwrap();
        // A leftover of a killed run is cleared first.
        std::fs::create_dir(tmp.path().join(".r.meshsim-staging")).unwrap();
        std::fs::write(tmp.path().join(".r.meshsim-staging/x"), "").unwrap();
        let staging = Staging::begin(&target).unwrap();
        assert_eq!(names(staging.dir()), ["blast.csv", "notes"]);
        std::fs::write(staging.dir().join("summary.csv"), "new").unwrap();
        // Until the commit the old set is whole.
        assert_eq!(
            std::fs::read_to_string(target.join("summary.csv")).unwrap(),
            "old"
        );
        staging.commit().unwrap();
        assert_eq!(names(&target), ["blast.csv", "notes", "summary.csv"]);
        assert_eq!(
            std::fs::read_to_string(target.join("summary.csv")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(target.join("notes/a.txt")).unwrap(),
            "mine"
        );
        assert_eq!(names(tmp.path()), ["r"]);
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o750);
    }

    #[test]
    fn an_abandoned_staging_folder_vanishes_and_the_target_is_untouched() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("r");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("summary.csv"), "old").unwrap();
        let staging = Staging::begin(&target).unwrap();
        std::fs::write(staging.dir().join("summary.csv"), "half").unwrap();
        drop(staging);
        assert_eq!(names(tmp.path()), ["r"]);
        assert_eq!(
            std::fs::read_to_string(target.join("summary.csv")).unwrap(),
            "old"
        );
    }

    #[test]
    fn the_fallback_swap_leaves_the_same_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("x"), "new").unwrap();
        std::fs::write(b.join("y"), "old").unwrap();
        assert!(unsupported(&std::io::Error::from_raw_os_error(
            libc::EINVAL
        )));
        swap_by_renames(&a, &b).unwrap();
        assert_eq!(names(&b), ["x"]);
        assert_eq!(names(&a), ["y"]);
        assert_eq!(names(tmp.path()), ["a", "b"]);
    }
}
