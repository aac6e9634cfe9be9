//! The config file as the `configure` and `auth` commands see it: where it
//! is, which profile a command means, a profile shown without secrets, and
//! a secret read from a flag or stdin.

use crate::keychain;
use jr_core::Error;
use jr_core::config::{self, ConfigFile, Profile};
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::PathBuf;

/// Reads one environment variable of the process.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The profile used when none is named and the file has no `default_profile`.
pub const DEFAULT_PROFILE: &str = "default";

/// The config file's path. Errors (exit 1): no home directory and no `JR_CONFIG_PATH`.
pub fn path() -> Result<PathBuf, Error> {
    config::config_path(&process_env).ok_or_else(|| {
        Error::general("cannot find a place for the config file: no home directory is known")
            .with_hint("set JR_CONFIG_PATH to the file to use")
    })
}

/// Reads the config file; a missing file is empty (even when `JR_CONFIG_PATH` names it,
/// since these commands create it).
pub fn load() -> Result<(PathBuf, ConfigFile), Error> {
    let path = path()?;
    let file = config::load_config_at(&path)?;
    Ok((path, file))
}

/// [`load`] for a command that will write the file: the config lock is taken
/// first and must be held until the write is done (see [`config::ConfigLock`]).
pub fn load_for_update() -> Result<(config::ConfigLock, PathBuf, ConfigFile), Error> {
    let path = path()?;
    let lock = config::lock_config(&path)?;
    let file = config::load_config_at(&path)?;
    Ok((lock, path, file))
}

/// The profile a command means: `-p`, else `JR_PROFILE`, else the file's
/// `default_profile`, else [`DEFAULT_PROFILE`].
pub fn chosen(flag: Option<&str>, file: &ConfigFile) -> String {
    flag.map(str::to_owned)
        .or_else(|| process_env("JR_PROFILE").filter(|p| !p.is_empty()))
        .or_else(|| file.default_profile.clone())
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned())
}

/// A profile as JSON with every secret replaced by `"<redacted>"`.
pub fn redacted(name: &str, profile: &Profile, file: &ConfigFile) -> Value {
    let mut shown = serde_json::to_value(profile).unwrap_or(Value::Null);
    if let Some(auth) = shown.get_mut("auth").and_then(Value::as_object_mut) {
        for (key, value) in auth.iter_mut() {
            if is_secret(key) {
                *value = json!("<redacted>");
            }
        }
    }
    json!({
        "name": name,
        "default": file.default_profile.as_deref() == Some(name),
        "profile": shown,
    })
}

/// Fields of a profile's `auth` that are secrets.
pub fn is_secret(key: &str) -> bool {
    matches!(
        key,
        "token" | "shared_secret" | "client_secret" | "refresh_token" | "access_token"
    )
}

/// Where a profile's secrets live, said plainly.
pub fn secrets_statement(path: &std::path::Path, profile: Option<&Profile>) -> String {
    match profile.and_then(|p| p.auth.secret_store.as_deref()) {
        Some(keychain::KEYRING) => format!(
            "secrets are stored in the OS keychain (service `{}`); other settings in {}",
            keychain::SERVICE,
            path.display()
        ),
        _ => format!(
            "secrets are stored in plain text in {} (mode 0600)",
            path.display()
        ),
    }
}

/// Reads the config file and fills in the secrets of profile `name` from the
/// OS keychain when it keeps them there (in memory only).
pub fn load_with_secrets(name: Option<&str>) -> Result<(PathBuf, ConfigFile), Error> {
    let (path, mut file) = load()?;
    if let Some(name) = name {
        keychain::fill_in(&keychain::OsKeychain, &mut file, name)?;
    }
    Ok((path, file))
}

/// Sets a field from a flag; `-` reads one line of stdin, so a secret need
/// not appear in the shell history or the process list.
///
/// Errors: exit 4 when stdin gives an empty line; exit 1 when it cannot be read.
pub fn set_field(field: &mut Option<String>, value: Option<&str>) -> Result<(), Error> {
    match value {
        None => Ok(()),
        Some("-") => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Error::general(format!("cannot read stdin: {e}")))?;
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                return Err(Error::validation("expected a value on stdin, got nothing"));
            }
            *field = Some(line.to_owned());
            Ok(())
        }
        Some(value) => {
            *field = Some(value.to_owned());
            Ok(())
        }
    }
}
