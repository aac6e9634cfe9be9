//! The recording directory: created when missing, checked writable before
//! anything is sent, files written atomically under the next free number
//! and never over an existing file, and the pseudonymisation key kept in
//! it.
//!
//! Atomic: each file is written to a temporary file in the directory
//! (`.jr-record-*.tmp`) and then linked to its name with
//! [`tempfile::NamedTempFile::persist_noclobber`], which fails rather than
//! replace a file. Two processes that pick the same number both try; the
//! loser takes the next number. The same holds for the key file, so
//! processes starting together agree on one key.

use crate::error::Error;
use crate::record::pseudonym::KEY_BYTES;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

/// The file in the directory that holds the pseudonymisation key (64 hex
/// digits and a newline, mode 0600). Not a `.json` file: readers of
/// recordings skip it.
pub const KEY_FILE: &str = ".jr-record-key";

/// How many numbers a write tries before giving up (other processes
/// writing the same operation's files at the very same moment).
const MAX_TRIES: u32 = 1000;

/// A directory recordings go into.
pub struct Store {
    dir: PathBuf,
    /// The next number to try, per file-name prefix (`getIssue`, `raw.GET`).
    next: Mutex<HashMap<String, u32>>,
}

impl Store {
    /// Creates `dir` when missing and checks that a file can be written
    /// into it.
    ///
    /// Errors (exit 1): the directory cannot be created or written, naming
    /// the path.
    pub fn open(dir: &Path) -> Result<Store, Error> {
        std::fs::create_dir_all(dir).map_err(|e| unusable(dir, &e))?;
        let probe = temp_file(dir).map_err(|e| unusable(dir, &e))?;
        drop(probe);
        Ok(Store {
            dir: dir.to_owned(),
            next: Mutex::new(HashMap::new()),
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` as `<prefix>.<n>.json` with the next free `n` (from 1,
    /// above every number already used in the directory) and returns its
    /// path.
    ///
    /// Errors: the directory cannot be written (full, removed, no
    /// permission), or [`MAX_TRIES`] numbers were taken.
    pub fn write(&self, prefix: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let mut file = temp_file(&self.dir)?;
        file.write_all(bytes)?;
        file.flush()?;
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let mut n = match next.get(prefix) {
            Some(n) => *n,
            None => highest_number(&self.dir, prefix)? + 1,
        };
        for _ in 0..MAX_TRIES {
            let path = self.dir.join(format!("{prefix}.{n}.json"));
            match file.persist_noclobber(&path) {
                Ok(_) => {
                    next.insert(prefix.to_owned(), n + 1);
                    return Ok(path);
                }
                Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
                    file = e.file;
                    // Another process wrote this number: go on above its files.
                    n = (highest_number(&self.dir, prefix)? + 1).max(n + 1);
                }
                Err(e) => return Err(e.error),
            }
        }
        Err(std::io::Error::other(format!(
            "no free file name for {prefix} after {MAX_TRIES} tries"
        )))
    }

    /// The directory's pseudonymisation key: read from [`KEY_FILE`], or
    /// made from the OS's random source and stored there (0600) when there
    /// is none.
    ///
    /// Errors (exit 1): the random source fails, or the file cannot be
    /// written or does not hold a key, naming the path.
    pub fn key(&self) -> Result<[u8; KEY_BYTES], Error> {
        let path = self.dir.join(KEY_FILE);
        if !path.exists() {
            let mut key = [0u8; KEY_BYTES];
            getrandom::fill(&mut key).map_err(|e| {
                Error::general(format!(
                    "cannot get random bytes for {}: {e}",
                    path.display()
                ))
            })?;
            let mut file = temp_file(&self.dir).map_err(|e| unusable(&self.dir, &e))?;
            writeln!(file, "{}", hex(&key)).map_err(|e| unusable(&self.dir, &e))?;
            match file.persist_noclobber(&path) {
                Ok(_) => return Ok(key),
                // Another process stored its key first: use that one.
                Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(unusable(&self.dir, &e.error)),
            }
        }
        read_key(&path)
    }
}

/// A temporary file in `dir` that no reader of recordings takes for one
/// (mode 0600 on Unix, removed when dropped).
fn temp_file(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".jr-record-")
        .suffix(".tmp")
        .tempfile_in(dir)
}

/// The highest `n` of the files `<prefix>.<n>.json` in `dir`, 0 for none.
fn highest_number(dir: &Path, prefix: &str) -> std::io::Result<u32> {
    let mut highest = 0;
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let number = name
            .to_str()
            .and_then(|name| name.strip_prefix(prefix))
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| rest.strip_suffix(".json"))
            .and_then(|n| n.parse::<u32>().ok());
        if let Some(n) = number {
            highest = highest.max(n);
        }
    }
    Ok(highest)
}

fn read_key(path: &Path) -> Result<[u8; KEY_BYTES], Error> {
    let bad = |why: String| {
        Error::general(format!("the pseudonymisation key {} {why}", path.display()))
            .with_hint("restore the file, or record into a new directory (pseudonyms then differ)")
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
    let text = text.trim();
    let mut key = [0u8; KEY_BYTES];
    if text.len() != KEY_BYTES * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(format!("does not hold {} hex digits", KEY_BYTES * 2)));
    }
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16)
            .map_err(|e| bad(format!("is not hex: {e}")))?;
    }
    Ok(key)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The error for a directory jr cannot record into.
pub fn unusable(dir: &Path, error: &std::io::Error) -> Error {
    Error::general(format!(
        "cannot record into {}: {error}",
        dir.display()
    ))
    .with_hint("give --record (JR_RECORD_DIR) a directory you can create and write, or fix its permissions")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_take_the_next_free_number_and_never_replace_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("getIssue.7.json"), "old").unwrap();
        std::fs::write(dir.path().join("getIssues.9.json"), "other").unwrap();
        let store = Store::open(dir.path()).unwrap();
        let first = store.write("getIssue", b"a").unwrap();
        assert!(first.ends_with("getIssue.8.json"), "{first:?}");
        // Another process takes 9 behind this one's back.
        std::fs::write(dir.path().join("getIssue.9.json"), "theirs").unwrap();
        let second = store.write("getIssue", b"b").unwrap();
        assert!(second.ends_with("getIssue.10.json"), "{second:?}");
        assert_eq!(
            std::fs::read(dir.path().join("getIssue.9.json")).unwrap(),
            b"theirs"
        );
        assert_eq!(
            std::fs::read(dir.path().join("getIssue.7.json")).unwrap(),
            b"old"
        );
        let raw = store.write("raw.GET", b"c").unwrap();
        assert!(raw.ends_with("raw.GET.1.json"), "{raw:?}");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn the_key_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("new/deeper")).unwrap();
        let key = store.key().unwrap();
        assert_eq!(store.key().unwrap(), key);
        let path = store.dir().join(KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "zz").unwrap();
        assert_eq!(store.key().unwrap_err().exit_code(), 1);
    }

    #[test]
    fn a_directory_that_cannot_be_made_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "x").unwrap();
        let err = Store::open(&file.join("sub")).err().expect("refused");
        assert_eq!(err.exit_code(), 1);
        assert!(err.message().contains("a-file"), "{}", err.message());
    }
}
