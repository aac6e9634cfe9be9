//! `--output-file PATH`: an answer's body written to a file exactly as Jira
//! sent it, whole or not at all (a temporary file beside it, renamed over
//! it when complete), so an interrupted download never leaves half a file
//! under the name a script will read.
//!
//! A symbolic link is followed: the file it points to is replaced and the
//! link stays. A path that names an open stream rather than a file is
//! written into as it is, appending: a FIFO, a device, and the kernel's
//! links to open descriptors (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`),
//! which may stand for a pipe or for a file the shell opened with `>>`.
//! Renaming over those would replace the FIFO, the device node or the
//! shell's file with a new regular file.
//!
//! SIGINT and SIGTERM are checked between chunks of the write: the
//! temporary file is then removed and `jr` exits 130 or 143.

use crate::signals;
use jr_core::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many symbolic links are followed, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// Bytes written between two looks for SIGINT and SIGTERM.
const CHUNK_BYTES: usize = 1024 * 1024;

/// Writes `bytes` to `path`, creating or replacing it atomically; through a
/// symbolic link to its target; appending to an open stream (see the module
/// docs).
///
/// Errors: exit 1 naming `path` when its folder does not exist or cannot
/// be written, the rename fails (nothing is left behind then), its links
/// loop, or the write into a stream fails; exit 130 or 143 after SIGINT or
/// SIGTERM (nothing is left behind either).
pub fn write(path: &str, bytes: &[u8]) -> Result<(), Error> {
    let failed = |e: &dyn std::fmt::Display| {
        Error::general(format!("cannot write --output-file {path}: {e}"))
            .with_hint("give a path in a folder that exists and that you can write to")
    };
    match destination(Path::new(path)).map_err(|e| failed(&e))? {
        Destination::Stream => {
            let mut stream = std::fs::OpenOptions::new()
                .append(true)
                .open(path)
                .map_err(|e| failed(&e))?;
            write_in_chunks(&mut stream, bytes, &failed)
        }
        Destination::File(target) => replace(&target, bytes, &failed),
    }
}

/// Where the body goes.
#[derive(Debug, PartialEq)]
enum Destination {
    /// Into the open stream the path names, appending.
    Stream,
    /// A temporary file renamed over this path (links followed).
    File(PathBuf),
}

/// Follows `path`'s symbolic links (relative ones from their own folder) to
/// a [`Destination`]. A path in `/proc` names an open descriptor (where
/// `/dev/stdout` and `/dev/fd/N` lead), whose link text is not a path.
///
/// Errors: more than [`MAX_LINKS`] links (a loop).
fn destination(path: &Path) -> std::io::Result<Destination> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let folder = match current.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if std::fs::canonicalize(folder).is_ok_and(|dir| dir.starts_with("/proc")) {
            return Ok(Destination::Stream);
        }
        let Ok(next) = std::fs::read_link(&current) else {
            let stream = std::fs::metadata(&current).is_ok_and(|m| !m.is_file() && !m.is_dir());
            return Ok(if stream {
                Destination::Stream
            } else {
                Destination::File(current)
            });
        };
        current = if next.is_relative() {
            folder.join(next)
        } else {
            next
        };
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links (a loop?)"
    )))
}

/// Writes a temporary file beside `target` and renames it over `target`.
fn replace(
    target: &Path,
    bytes: &[u8],
    failed: &dyn Fn(&dyn std::fmt::Display) -> Error,
) -> Result<(), Error> {
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::Builder::new()
        .prefix(".jr-output-")
        .tempfile_in(folder)
        .map_err(|e| failed(&e))?;
    // On an error or a signal, `file` is dropped here and removed.
    write_in_chunks(file.as_file_mut(), bytes, failed)?;
    file.as_file().sync_all().map_err(|e| failed(&e))?;
    signals::check()?;
    file.persist(target).map_err(|e| failed(&e.error))?;
    Ok(())
}

/// Writes `bytes` in chunks of [`CHUNK_BYTES`], looking for SIGINT and
/// SIGTERM before each.
fn write_in_chunks(
    out: &mut dyn Write,
    bytes: &[u8],
    failed: &dyn Fn(&dyn std::fmt::Display) -> Error,
) -> Result<(), Error> {
    for chunk in bytes.chunks(CHUNK_BYTES) {
        signals::check()?;
        out.write_all(chunk).map_err(|e| failed(&e))?;
    }
    out.flush().map_err(|e| failed(&e))
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

    /// The second review: a link loop was replaced by a regular file, and
    /// `/dev/stdout` (a link into `/proc`) led to a file named after the
    /// link text (`pipe:[N]`) or replaced the shell's `>>` file.
    #[test]
    #[cfg(target_os = "linux")]
    fn a_loop_is_an_error_and_links_to_open_descriptors_are_streams() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("la"), dir.path().join("lb"));
        std::os::unix::fs::symlink("lb", &a).unwrap();
        std::os::unix::fs::symlink("la", &b).unwrap();
        let err = write(a.to_str().unwrap(), b"x").unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err.to_string().contains("symbolic links"), "{err}");
        assert!(std::fs::symlink_metadata(&a).unwrap().is_symlink());
        for stream in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/2", "/dev/null"] {
            assert_eq!(
                destination(Path::new(stream)).unwrap(),
                Destination::Stream,
                "{stream}"
            );
        }
        let plain = dir.path().join("plain.json");
        assert_eq!(
            destination(&plain).unwrap(),
            Destination::File(plain.clone())
        );
    }
}
