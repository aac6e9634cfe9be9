//! `--output-file PATH`: an answer's body written to a file exactly as Jira
//! sent it, whole or not at all (a temporary file beside it, renamed over
//! it when complete), so an interrupted download never leaves half a file
//! under the name a script will read.
//!
//! A symbolic link is followed: the file it points to is replaced and the
//! link stays. A path that is not a regular file (a FIFO, `/dev/stdout`,
//! `/dev/null`) is written into as it is, since renaming over it would
//! replace the FIFO or the device node itself with a regular file.

use jr_core::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many symbolic links are followed, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// Writes `bytes` to `path`, creating or replacing it atomically; through a
/// symbolic link to its target; straight into anything that is not a regular
/// file or a folder.
///
/// Errors: exit 1 naming `path` when its folder does not exist or cannot
/// be written, the rename fails (nothing is left behind then), or the write
/// into a FIFO or device fails.
pub fn write(path: &str, bytes: &[u8]) -> Result<(), Error> {
    let failed = |e: &dyn std::fmt::Display| {
        Error::general(format!("cannot write --output-file {path}: {e}"))
            .with_hint("give a path in a folder that exists and that you can write to")
    };
    let target = followed(Path::new(path));
    let special = std::fs::metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir());
    if special {
        return std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .and_then(|mut file| file.write_all(bytes))
            .map_err(|e| failed(&e));
    }
    replace(&target, bytes).map_err(|e| failed(&e))
}

/// `path` with its symbolic links followed, up to [`MAX_LINKS`]; a link to
/// nothing yet gives the path it names.
fn followed(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let Ok(next) = std::fs::read_link(&path) else {
            break;
        };
        path = match path.parent() {
            Some(folder) if next.is_relative() => folder.join(next),
            _ => next,
        };
    }
    path
}

/// Writes a temporary file beside `target` and renames it over `target`.
fn replace(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".jr-output-")
        .tempfile_in(folder)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(target).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_names_a_missing_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        let path = path.to_str().unwrap();
        write(path, b"\x89PNG first").unwrap();
        write(path, b"\x89PNG").unwrap();
        assert_eq!(std::fs::read(path).unwrap(), b"\x89PNG");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left: {names:?}");

        let missing = dir.path().join("no/such/folder/a.png");
        let err = write(missing.to_str().unwrap(), b"x").unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err.to_string().contains("no/such/folder/a.png"), "{err}");
    }

    /// A review found `--output-file` renaming a regular file over a FIFO
    /// and over a symbolic link (and, run as root, over `/dev/full`).
    #[test]
    #[cfg(unix)]
    fn a_link_is_followed_and_a_fifo_is_written_into() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write(link.to_str().unwrap(), b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");

        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write(fifo.to_str().unwrap(), b"through").unwrap();
        // Checked before joining: a FIFO renamed over would leave the
        // reader waiting for a writer for ever.
        use std::os::unix::fs::FileTypeExt;
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
        assert_eq!(reader.join().unwrap(), b"through");
    }
}
