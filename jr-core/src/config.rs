//! Where `jr` sends requests and with which credentials: flags, environment
//! variables and the profiles of the config file, merged by the precedence of
//! DESIGN.md §3.
//!
//! Precedence, field by field: a flag always wins; then, when a profile was
//! named with `--profile`, that profile, then the environment; otherwise the
//! environment, then the profile named by `JR_PROFILE` or the file's
//! `default_profile`.

use crate::auth::Auth;
use crate::error::Error;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use url::Url;

/// Values given on the command line (`--base-url`, `--auth-type`, ...).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--base-url`.
    pub base_url: Option<String>,
    /// `--auth-type` (one of `basic`, `bearer`, `oauth2`, `connect`).
    pub auth_type: Option<String>,
    /// `--auth-user`: the Atlassian account email for basic auth.
    pub auth_user: Option<String>,
    /// `--auth-token`: an API token (basic) or access token (bearer).
    pub auth_token: Option<String>,
    /// `-p/--profile`.
    pub profile: Option<String>,
}

/// The resolved target of a request.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The site or gateway base, e.g. `https://your-domain.atlassian.net`, with no trailing `/`.
    pub base_url: Url,
    /// The credentials sent with every request.
    pub auth: Auth,
}

/// The config file: `{"default_profile": "...", "profiles": {"name": {"base_url", "auth": {"type", ...}}}}`.
#[derive(Debug, Default, Deserialize)]
pub struct ConfigFile {
    #[serde(default)]
    /// The profile used when none is named.
    pub default_profile: Option<String>,
    #[serde(default)]
    /// Profiles by name.
    pub profiles: BTreeMap<String, Profile>,
}

/// One profile of the config file.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Profile {
    #[serde(default)]
    /// The site or gateway base URL.
    pub base_url: Option<String>,
    #[serde(default)]
    /// The profile's credentials.
    pub auth: ProfileAuth,
}

/// A profile's credentials: `{"type": "basic", "user": "...", "token": "..."}`.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ProfileAuth {
    #[serde(default, rename = "type")]
    /// `basic`, `bearer`, `oauth2` or `connect`.
    pub kind: Option<String>,
    #[serde(default)]
    /// The account email (basic).
    pub user: Option<String>,
    #[serde(default)]
    /// The API token or access token.
    pub token: Option<String>,
}

/// Reads one environment variable; injected so tests do not touch the process environment.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The config file's path: `$JR_CONFIG_PATH`, else `$XDG_CONFIG_HOME/jr/config.json`,
/// else `~/.config/jr/config.json`. `None` when no home directory is known.
pub fn config_path(env: EnvLookup) -> Option<PathBuf> {
    if let Some(path) = env("JR_CONFIG_PATH").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    if let Some(xdg) = env("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(xdg).join("jr").join("config.json"));
    }
    etcetera::home_dir()
        .ok()
        .map(|home| home.join(".config").join("jr").join("config.json"))
}

/// Loads the config file; a missing file is an empty config.
///
/// Errors (exit 1): the file exists but cannot be read or is not valid JSON
/// of the documented shape; the message names the file.
pub fn load_config(env: EnvLookup) -> Result<ConfigFile, Error> {
    let Some(path) = config_path(env) else {
        return Ok(ConfigFile::default());
    };
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::general(format!("config file {} is not valid: {e}", path.display()))
                .with_hint("fix the file or point JR_CONFIG_PATH at another one")
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && env("JR_CONFIG_PATH").is_none() => {
            Ok(ConfigFile::default())
        }
        Err(e) => Err(Error::general(format!(
            "cannot read config file {}: {e}",
            path.display()
        ))),
    }
}

/// Merges flags, environment and config file into [`Settings`].
///
/// Errors (exit 1): no base URL anywhere, a base URL that is not `http(s)://`,
/// a named profile that does not exist, or credentials that do not fit the
/// auth type (see [`Auth::from_parts`]).
pub fn resolve(flags: &Overrides, env: EnvLookup, file: &ConfigFile) -> Result<Settings, Error> {
    let explicit = flags.profile.is_some();
    let profile_name = flags
        .profile
        .clone()
        .or_else(|| env("JR_PROFILE").filter(|p| !p.is_empty()))
        .or_else(|| file.default_profile.clone());
    let profile = match &profile_name {
        Some(name) => match file.profiles.get(name) {
            Some(profile) => profile.clone(),
            None if explicit || env("JR_PROFILE").is_some() || !file.profiles.is_empty() => {
                return Err(Error::general(format!("no profile named `{name}`")).with_hint(
                    "list the profiles in the config file (JR_CONFIG_PATH or ~/.config/jr/config.json)",
                ));
            }
            None => Profile::default(),
        },
        None => Profile::default(),
    };
    let pick = |flag: &Option<String>, var: &str, from_profile: &Option<String>| {
        let from_env = env(var).filter(|v| !v.is_empty());
        flag.clone().or_else(|| {
            if explicit {
                from_profile.clone().or(from_env)
            } else {
                from_env.or_else(|| from_profile.clone())
            }
        })
    };
    let base = pick(&flags.base_url, "JR_BASE_URL", &profile.base_url);
    let auth_type = pick(&flags.auth_type, "JR_AUTH_TYPE", &profile.auth.kind);
    let user = pick(&flags.auth_user, "JR_AUTH_USER", &profile.auth.user);
    let token = pick(&flags.auth_token, "JR_AUTH_TOKEN", &profile.auth.token);
    Ok(Settings {
        base_url: parse_base_url(base.as_deref())?,
        auth: Auth::from_parts(auth_type.as_deref(), user, token)?,
    })
}

/// Parses a site or gateway base URL; a trailing `/` is dropped.
pub fn parse_base_url(text: Option<&str>) -> Result<Url, Error> {
    let text = text.ok_or_else(|| {
        Error::general("no Jira base URL is set").with_hint(
            "set JR_BASE_URL (e.g. https://your-domain.atlassian.net), pass --base-url, or use a profile",
        )
    })?;
    let url = Url::parse(text.trim_end_matches('/')).map_err(|e| {
        Error::general(format!("base URL `{text}` is not a valid URL: {e}"))
            .with_hint("use the form https://your-domain.atlassian.net")
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            Error::general("the base URL must not carry credentials (user:password@)")
                .with_hint("put them in JR_AUTH_USER and JR_AUTH_TOKEN, or in a profile"),
        );
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::general(format!(
            "base URL `{text}` must not have a query (?...) or fragment (#...)"
        ))
        .with_hint("use the form https://your-domain.atlassian.net"));
    }
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(
            Error::general(format!("base URL `{text}` must be http:// or https://"))
                .with_hint("use the form https://your-domain.atlassian.net"),
        );
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn file() -> ConfigFile {
        serde_json::from_str(
            r#"{"default_profile":"site","profiles":{
                "site":{"base_url":"https://site.example","auth":{"type":"basic","user":"u@x","token":"t1"}},
                "app":{"base_url":"https://app.example","auth":{"type":"bearer","token":"t2"}}}}"#,
        )
        .unwrap()
    }

    fn resolve_with(flags: Overrides, vars: &[(&str, &str)]) -> Result<Settings, Error> {
        let vars = env_of(vars);
        resolve(&flags, &|k| vars.get(k).cloned(), &file())
    }

    #[test]
    fn environment_wins_over_the_default_profile() {
        let s = resolve_with(
            Overrides::default(),
            &[("JR_BASE_URL", "http://127.0.0.1:9")],
        )
        .unwrap();
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:9/");
        assert!(s.auth.is_user());
    }

    #[test]
    fn an_explicit_profile_wins_over_the_environment() {
        let flags = Overrides {
            profile: Some("app".into()),
            ..Default::default()
        };
        let s = resolve_with(flags, &[("JR_BASE_URL", "http://127.0.0.1:9")]).unwrap();
        assert_eq!(s.base_url.host_str(), Some("app.example"));
        assert_eq!(s.auth, Auth::Bearer { token: "t2".into() });
    }

    #[test]
    fn a_flag_wins_over_everything() {
        let flags = Overrides {
            profile: Some("app".into()),
            base_url: Some("http://localhost:1".into()),
            ..Default::default()
        };
        let s = resolve_with(flags, &[]).unwrap();
        assert_eq!(s.base_url.host_str(), Some("localhost"));
    }

    #[test]
    fn an_unknown_profile_or_missing_base_url_is_a_config_error() {
        let flags = Overrides {
            profile: Some("nope".into()),
            ..Default::default()
        };
        assert_eq!(resolve_with(flags, &[]).unwrap_err().exit_code(), 1);
        let empty = ConfigFile::default();
        let err = resolve(&Overrides::default(), &|_| None, &empty).unwrap_err();
        assert!(err.message().contains("no Jira base URL"));
    }

    #[test]
    fn base_url_must_be_http_or_https() {
        for bad in [
            "ftp://x.example",
            "not a url",
            "site.atlassian.net",
            "http://user:secret@127.0.0.1:1",
            "http://127.0.0.1:1?x=1",
            "http://127.0.0.1:1#frag",
        ] {
            assert!(parse_base_url(Some(bad)).is_err(), "{bad}");
        }
    }
}
