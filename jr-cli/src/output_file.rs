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
//! A path that is jr's own stdout (`/dev/stdout`, `/dev/fd/1`, or the file
//! the shell sent stdout to) is stdout itself, as `-` is: see
//! [`is_stdout`]. A replaced file keeps its permission bits; a new one gets
//! 0666 less the umask, as the shell's `>` gives; a file jr may not write
//! is refused, though its folder would let jr replace it.
//!
//! SIGINT and SIGTERM are checked between chunks of the write: the
//! temporary file is then removed and `jr` exits 130 or 143.

use crate::signals;
use jr_core::{Error, links};
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Follows `path`'s symbolic links ([`links::follow`]) to a
/// [`Destination`]. A path in `/proc` names an open descriptor (where
/// `/dev/stdout` and `/dev/fd/N` lead), whose link text is not a path: the
/// chain stops there.
///
/// Errors: more than [`links::MAX_LINKS`] links (a loop).
fn destination(path: &Path) -> std::io::Result<Destination> {
    let target = links::follow(path, in_proc)?;
    let stream =
        in_proc(&target) || std::fs::metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir());
    Ok(if stream {
        Destination::Stream
    } else {
        Destination::File(target)
    })
}

/// Whether `path` is an entry of `/proc` (its folder, links resolved, is).
fn in_proc(path: &Path) -> bool {
    std::fs::canonicalize(links::folder(path)).is_ok_and(|dir| dir.starts_with("/proc"))
}

/// Whether `path` names what jr's stdout already writes to (the same file,
/// pipe or terminal: device and inode compared). Writing it through a new
/// descriptor would put the body at another offset than the summary line,
/// which then overwrote the body's start (a review found this with `>`).
#[cfg(unix)]
pub fn is_stdout(path: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    let (Ok(target), Ok(stdout)) = (
        std::fs::metadata(path),
        rustix::fs::fstat(std::io::stdout()),
    ) else {
        return false;
    };
    target.dev() == stdout.st_dev && target.ino() == stdout.st_ino
}

/// On other systems only `-` names stdout.
#[cfg(not(unix))]
pub fn is_stdout(_path: &str) -> bool {
    false
}

/// Writes a temporary file beside `target` and renames it over `target`,
/// with the permission bits `target` had, or those `>` would give.
fn replace(
    target: &Path,
    bytes: &[u8],
    failed: &dyn Fn(&dyn std::fmt::Display) -> Error,
) -> Result<(), Error> {
    let permissions = permissions_for(target).map_err(|e| failed(&e))?;
    let mut file = tempfile::Builder::new()
        .prefix(".jr-output-")
        .tempfile_in(links::folder(target))
        .map_err(|e| failed(&e))?;
    // On an error or a signal, `file` is dropped here and removed.
    write_in_chunks(file.as_file_mut(), bytes, failed)?;
    if let Some(permissions) = permissions {
        file.as_file()
            .set_permissions(permissions)
            .map_err(|e| failed(&e))?;
    }
    file.as_file().sync_all().map_err(|e| failed(&e))?;
    signals::check()?;
    file.persist(target).map_err(|e| failed(&e.error))?;
    Ok(())
}

/// The permissions the written file gets: an existing file's own (refused
/// when jr may not write to it: replacing it would bypass its read-only
/// bits), or 0666 less the umask for a new one. `None` where the system has
/// no such bits.
///
/// Errors: `target` exists and is not writable by jr (`EACCES`).
#[cfg(unix)]
fn permissions_for(target: &Path) -> std::io::Result<Option<std::fs::Permissions>> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(target) {
        Ok(existing) => {
            rustix::fs::access(target, rustix::fs::Access::WRITE_OK)?;
            Ok(Some(existing.permissions()))
        }
        Err(_) => Ok(Some(std::fs::Permissions::from_mode(0o666 & !umask()))),
    }
}

/// The process's file mode creation mask. It can only be read by setting
/// it, so it is set back at once (jr creates no file meanwhile).
#[cfg(unix)]
fn umask() -> u32 {
    let mask = rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    rustix::process::umask(mask);
    mask.as_raw_mode()
}

/// On other systems the temporary file's permissions stay.
#[cfg(not(unix))]
fn permissions_for(_target: &Path) -> std::io::Result<Option<std::fs::Permissions>> {
    Ok(None)
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

    /// The third review: every file came out 0600 (the temporary file's
    /// mode), whatever the umask, and a replaced file lost its mode.
    #[test]
    #[cfg(unix)]
    fn a_replaced_file_keeps_its_mode_and_a_new_one_follows_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let kept = dir.path().join("kept.bin");
        std::fs::write(&kept, b"old").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
        write(kept.to_str().unwrap(), b"new").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&kept), 0o640);

        let fresh = dir.path().join("fresh.bin");
        write(fresh.to_str().unwrap(), b"new").unwrap();
        assert_eq!(mode(&fresh), 0o666 & !umask());
    }
}
