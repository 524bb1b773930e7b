//! Removing or syncing every file of a folder, the files side by side:
//! both wait on the device, not the CPU, and the waits of files handled
//! from several threads overlap.
//!
//! - Removing: on a filesystem mounted with `discard` (ext4 on many cloud
//!   VMs, the development VM included) unlinking a file waits until the
//!   device has discarded the file's blocks: about 4 ms a file there, so
//!   70 ms for the 18 files of a results folder, paid after every run that
//!   replaces a previous one (a third of a short run's fixed cost,
//!   BENCHMARKS.md). The wait comes after the folder's lock is released,
//!   so the 18 take 5–15 ms from six threads.
//! - Syncing: a run's files are written into its staging folder without
//!   waiting for the disk, and synced here, all at once, just before the
//!   swap: the folder is whole on disk before anyone can see it, as when
//!   each file waited for its own sync in turn on the thread that drew it.
//!
//! Elsewhere the threads cost a fraction of a millisecond.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Threads at once (more gained nothing measurable).
const THREADS: usize = 6;

/// Removes `dir` and everything in it, like [`std::fs::remove_dir_all`]
/// (which it calls last, for subfolders and for the error if anything
/// stays), with the files at its top unlinked side by side first.
pub fn remove_folder(dir: &Path) -> std::io::Result<()> {
    // An error here is reported by remove_dir_all below, which tries again
    // and cannot remove a folder that is not empty.
    let _ = each_file(&top_files(dir)?, |f| std::fs::remove_file(f));
    std::fs::remove_dir_all(dir)
}

/// Flushes every file at the top of `dir` to disk (links are not
/// followed); the first error names its file.
pub fn sync_files(dir: &Path) -> anyhow::Result<()> {
    let files = top_files(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    each_file(&files, |f| std::fs::File::open(f)?.sync_all()).map_err(|(file, e)| {
        anyhow::Error::new(e).context(format!("cannot write {}", file.display()))
    })
}

/// The files (not folders, nor links to them) at the top of `dir`.
fn top_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            files.push(entry.path());
        }
    }
    Ok(files)
}

/// Runs `op` on every file, side by side on up to [`THREADS`] threads;
/// the first error in the list's order, with its file.
fn each_file(
    files: &[PathBuf],
    op: impl Fn(&Path) -> std::io::Result<()> + Sync,
) -> Result<(), (&Path, std::io::Error)> {
    if files.len() <= 1 {
        return files
            .iter()
            .try_for_each(|f| op(f).map_err(|e| (f.as_path(), e)));
    }
    let per_thread = files.len().div_ceil(THREADS);
    let op = &op;
    let errors: Vec<_> = std::thread::scope(|scope| {
        let threads: Vec<_> = files
            .chunks(per_thread)
            .map(|part| {
                scope.spawn(move || {
                    // Each file is tried, whatever happened to the others.
                    let mut first = None;
                    for f in part {
                        if let Err(e) = op(f) {
                            first.get_or_insert((f.as_path(), e));
                        }
                    }
                    first.map_or(Ok(()), Err)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join()).collect()
    });
    for outcome in errors {
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_files_links_and_subfolders() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        std::fs::create_dir_all(dir.join("notes/deep")).unwrap();
        for i in 0..20 {
            std::fs::write(dir.join(format!("f{i}.csv")), "x").unwrap();
        }
        std::fs::write(dir.join("notes/deep/a.txt"), "mine").unwrap();
        std::fs::write(tmp.path().join("kept"), "k").unwrap();
        std::fs::hard_link(tmp.path().join("kept"), dir.join("linked")).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("kept"), dir.join("sym")).unwrap();
        remove_folder(&dir).unwrap();
        assert!(!dir.exists());
        // Links are removed, not what they point at.
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("kept")).unwrap(),
            "k"
        );
    }

    #[test]
    fn every_file_is_synced_and_a_failure_names_its_file() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("r");
        std::fs::create_dir_all(dir.join("notes")).unwrap();
        for i in 0..20 {
            std::fs::write(dir.join(format!("f{i}.csv")), "x").unwrap();
        }
        // A dangling link is not followed.
        std::os::unix::fs::symlink(tmp.path().join("none"), dir.join("sym")).unwrap();
        sync_files(&dir).unwrap();
        let seen = std::sync::Mutex::new(Vec::new());
        let files = top_files(&dir).unwrap();
        assert_eq!(files.len(), 20);
        let (file, err) = each_file(&files, |f| {
            seen.lock().unwrap().push(f.to_path_buf());
            match f.file_name().unwrap().to_str().unwrap() {
                "f3.csv" | "f17.csv" => Err(std::io::Error::other("no")),
                _ => Ok(()),
            }
        })
        .unwrap_err();
        // The first failure in the list's order, after every file was tried.
        let first = files
            .iter()
            .find(|f| f.ends_with("f3.csv") || f.ends_with("f17.csv"))
            .unwrap();
        assert_eq!(file, first);
        assert_eq!(err.to_string(), "no");
        assert_eq!(seen.into_inner().unwrap().len(), 20);
        let err = sync_files(&tmp.path().join("none")).unwrap_err();
        assert!(format!("{err:#}").starts_with("cannot read "), "{err:#}");
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = remove_folder(&tmp.path().join("none")).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
