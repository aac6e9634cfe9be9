//! Symbolic links followed by hand, for files written whole through a
//! temporary file and a rename (the config file, `--output-file`): renaming
//! over a link would replace the link, so the rename goes to where the
//! link chain ends, even when that file does not exist yet.

use std::path::{Path, PathBuf};

/// How many links are followed before the chain counts as a loop, as
/// Linux's `MAXSYMLINKS`.
pub const MAX_LINKS: usize = 40;

/// The folder `path`'s relative names resolve from: its parent, or `.` for
/// a bare file name.
pub fn folder(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Where the chain of symbolic links at `path` ends: the first path that is
/// not a link (it may not exist), or the first for which `stop` holds,
/// which is not read as a link. A relative link resolves from its own
/// folder. `path` itself when it is not a link.
///
/// Errors: more than [`MAX_LINKS`] links (a loop), as the kernel's `ELOOP`.
pub fn follow(path: &Path, stop: impl Fn(&Path) -> bool) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        if stop(&current) {
            return Ok(current);
        }
        // `read_link` fails on anything that is not a link.
        let Ok(next) = std::fs::read_link(&current) else {
            return Ok(current);
        };
        current = if next.is_relative() {
            folder(&current).join(next)
        } else {
            next
        };
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links (a loop?)"
    )))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_chain_ends_where_it_points_a_loop_is_an_error_and_stop_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        symlink("sub/b", dir.path().join("a")).unwrap();
        symlink("missing.json", dir.path().join("sub/b")).unwrap();
        let end = follow(&dir.path().join("a"), |_| false).unwrap();
        assert_eq!(end, dir.path().join("sub/missing.json"));

        symlink("lb", dir.path().join("la")).unwrap();
        symlink("la", dir.path().join("lb")).unwrap();
        let err = follow(&dir.path().join("la"), |_| false).unwrap_err();
        assert!(err.to_string().contains("symbolic links"), "{err}");

        let stopped = follow(&dir.path().join("a"), |p| p.ends_with("sub/b")).unwrap();
        assert_eq!(stopped, dir.path().join("sub/b"));
        assert_eq!(folder(Path::new("x.json")), Path::new("."));
    }
}
