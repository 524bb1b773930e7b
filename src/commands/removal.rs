//! Removing a folder of results quickly: its files are unlinked side by
//! side.
//!
//! On a filesystem mounted with `discard` (ext4 on many cloud VMs, the
//! development VM included) unlinking a file waits until the device has
//! discarded the file's blocks: about 4 ms a file there, so 70 ms for the
//! 18 files of a results folder, paid after every run that replaces a
//! previous one (a third of a short run's fixed cost, BENCHMARKS.md). The
//! wait is the device's, not the CPU's, and it comes after the folder's
//! lock is released, so files unlinked from several threads wait together:
//! the 18 take 5–15 ms from six threads. Elsewhere the threads cost a
//! fraction of a millisecond.

use std::path::{Path, PathBuf};

/// Threads unlinking at once (more gained nothing measurable).
const THREADS: usize = 6;

/// Removes `dir` and everything in it, like [`std::fs::remove_dir_all`]
/// (which it calls last, for subfolders and for the error if anything
/// stays), with the files at its top unlinked side by side first.
pub fn remove_folder(dir: &Path) -> std::io::Result<()> {
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if !entry.file_type()?.is_dir() {
            files.push(entry.path());
        }
    }
    if files.len() > 1 {
        let per_thread = files.len().div_ceil(THREADS);
        std::thread::scope(|scope| {
            for part in files.chunks(per_thread) {
                // An error here is reported by remove_dir_all below, which
                // tries again and cannot remove a folder that is not empty.
                scope.spawn(move || part.iter().for_each(|f| drop(std::fs::remove_file(f))));
            }
        });
    }
    std::fs::remove_dir_all(dir)
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
    fn a_missing_folder_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let err = remove_folder(&tmp.path().join("none")).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    }
}
