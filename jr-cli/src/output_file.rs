//! `--output-file PATH`: an answer's body written to a file exactly as Jira
//! sent it, whole or not at all (a temporary file beside it, renamed over
//! it when complete), so an interrupted download never leaves half a file
//! under the name a script will read.

use jr_core::Error;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path`, creating or replacing it atomically.
///
/// Errors: exit 1 naming `path` when its folder does not exist or cannot
/// be written, or the rename fails (nothing is left behind then).
pub fn write(path: &str, bytes: &[u8]) -> Result<(), Error> {
    let target = Path::new(path);
    let folder = match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let failed = |e: &dyn std::fmt::Display| {
        Error::general(format!("cannot write --output-file {path}: {e}"))
            .with_hint("give a path in a folder that exists and that you can write to")
    };
    let mut file = tempfile::Builder::new()
        .prefix(".jr-output-")
        .tempfile_in(folder)
        .map_err(|e| failed(&e))?;
    file.write_all(bytes)
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| failed(&e))?;
    file.persist(target).map_err(|e| failed(&e.error))?;
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
}
