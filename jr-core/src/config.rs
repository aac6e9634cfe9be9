//! Where `jr` sends requests and with which credentials: flags, environment
//! variables and the profiles of the config file, merged by the precedence of
//! docs/architecture.md §3.
//!
//! Precedence (README "Where jr sends requests, and as whom"): flags (and the
//! profile `-p/--profile` names), then the environment, then the profile
//! `JR_PROFILE` names, then the file's `default_profile`.
//!
//! Credentials are merged field by field in that order. The target (site
//! base URL, cloud ID, API gateway) is not: it comes whole from the first
//! source that names a site (a base URL or a cloud ID), so `JR_BASE_URL`
//! never goes out through a profile's gateway with a profile's cloud ID.
//! A profile's `api_url` applies only when that profile is the target.
//!
//! A run never fails for a config file it does not need: see
//! [`load_config_for_run`] and [`resolve_for_run`].

use crate::auth::{Auth, AuthParts};
use crate::error::Error;
use crate::oauth::{DEFAULT_AUTH_URL, OAuthClient};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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
    /// `--cloud-id`: send requests through the API gateway for this site
    /// (needed by scoped API tokens and OAuth 2.0 access tokens).
    pub cloud_id: Option<String>,
    /// `--api-url`: the API gateway, default [`DEFAULT_API_GATEWAY`].
    pub api_url: Option<String>,
    /// `--allow-insecure-http`: send credentials over plain `http://` to a
    /// host other than loopback.
    pub allow_insecure_http: bool,
}

/// Atlassian's API gateway; `JR_API_GATEWAY_URL` or `--api-url` replace it.
pub const DEFAULT_API_GATEWAY: &str = "https://api.atlassian.com";

/// The resolved target of a request.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The site or gateway base, e.g. `https://your-domain.atlassian.net`, with no trailing `/`.
    pub base_url: Url,
    /// The credentials sent with every request.
    pub auth: Auth,
    /// The site's cloud ID when requests go through the API gateway
    /// (`{gateway}/ex/jira/{cloudId}`).
    pub cloud_id: Option<String>,
    /// The site itself (`--base-url`, `JR_BASE_URL` or the profile's
    /// `base_url`, from the same source as the cloud ID): equal to `base_url`
    /// unless requests go through the gateway, where it is the configured
    /// site if any (`None` when only a cloud ID was given). Used for what is
    /// not the REST API: `/_edge/tenant_info`, a jr-mock's `/_mock` control API.
    pub site_url: Option<Url>,
    /// How to renew the access token, when it came from an OAuth 2.0 profile
    /// with a refresh token.
    pub oauth: Option<OAuthSession>,
}

/// An OAuth 2.0 profile's renewable session.
#[derive(Debug, Clone)]
pub struct OAuthSession {
    /// The profile the tokens are stored in.
    pub profile: String,
    /// The app's credentials and authorization server.
    pub client: OAuthClient,
    /// The current refresh token.
    pub refresh_token: String,
    /// When the access token expires, ms since the UNIX epoch (`None`: unknown).
    pub expires_at_ms: Option<i64>,
}

/// The config file: `{"default_profile": "...", "profiles": {"name": {"base_url", "auth": {"type", ...}}}}`.
///
/// Fields jr does not know are kept, so rewriting the file never drops them.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The profile used when none is named.
    pub default_profile: Option<String>,
    #[serde(default)]
    /// Profiles by name.
    pub profiles: BTreeMap<String, Profile>,
    #[serde(flatten)]
    /// Fields of other tools or later versions, written back unchanged.
    pub other: Map<String, Value>,
}

/// One profile of the config file.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct Profile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The site base URL, e.g. `https://your-domain.atlassian.net`.
    pub base_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The site's cloud ID: requests then go through the API gateway.
    pub cloud_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The API gateway used with `cloud_id` (default [`DEFAULT_API_GATEWAY`]).
    pub api_url: Option<String>,
    #[serde(default)]
    /// The profile's credentials.
    pub auth: ProfileAuth,
    #[serde(flatten)]
    /// Unknown fields, kept.
    pub other: Map<String, Value>,
}

/// A profile's credentials: `{"type": "basic", "user": "...", "token": "..."}`,
/// or for a Connect app `{"type": "connect", "app_key": "...", "shared_secret": "..."}`.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ProfileAuth {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    /// `basic`, `bearer`, `oauth2` or `connect`.
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The account email (basic).
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The API token or access token.
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The Connect app key.
    pub app_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The Connect app's shared secret.
    pub shared_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// OAuth 2.0: the app's client ID.
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// OAuth 2.0: the app's client secret.
    pub client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// OAuth 2.0: the current (rotating) refresh token.
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// OAuth 2.0: when `token` expires, ms since the UNIX epoch.
    pub expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// OAuth 2.0: the authorization server that issued the tokens.
    pub auth_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Where the secret fields live: absent = in this file; `"keyring"` =
    /// the OS keychain (service `jr`, account `<profile>:<field>`).
    pub secret_store: Option<String>,
    #[serde(flatten)]
    /// Unknown fields (such as OAuth 2.0 refresh tokens of later versions), kept.
    pub other: Map<String, Value>,
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

/// The largest config file jr reads: 1 MiB (a file of profiles is a few KB).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Loads the config file; a missing file is an empty config. A UTF-8 byte
/// order mark at its start (as some Windows editors write) is skipped.
///
/// Errors (exit 1): the file exists but is not a regular file (a FIFO would
/// block the read, a device like `/dev/zero` never ends), is larger than
/// [`MAX_CONFIG_BYTES`], cannot be read, or is not valid JSON of the
/// documented shape; the message names the file.
pub fn load_config(env: EnvLookup) -> Result<ConfigFile, Error> {
    let Some(path) = config_path(env) else {
        return Ok(ConfigFile::default());
    };
    match read_config_bytes(&path) {
        Ok(bytes) => {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            serde_json::from_slice(text).map_err(|e| {
                Error::general(format!("config file {} is not valid: {e}", path.display()))
                    .with_hint("fix the file or point JR_CONFIG_PATH at another one")
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && env("JR_CONFIG_PATH").is_none() => {
            Ok(ConfigFile::default())
        }
        Err(e) => Err(
            Error::general(format!("cannot read config file {}: {e}", path.display()))
                .with_hint("JR_CONFIG_PATH must name a regular file of profiles"),
        ),
    }
}

/// Loads the config file at `path` for a command that writes it (`jr
/// configure`, `jr auth login|logout`): a missing file is an empty config,
/// whatever named it. The same guards as [`load_config`].
/// Errors (exit 1): as [`load_config`].
pub fn load_config_at(path: &std::path::Path) -> Result<ConfigFile, Error> {
    match read_config_bytes(path) {
        Ok(bytes) => {
            let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            serde_json::from_slice(text).map_err(|e| {
                Error::general(format!("config file {} is not valid: {e}", path.display()))
                    .with_hint("fix the file or point JR_CONFIG_PATH at another one")
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(
            Error::general(format!("cannot read config file {}: {e}", path.display()))
                .with_hint("JR_CONFIG_PATH must name a regular file of profiles"),
        ),
    }
}

/// An exclusive lock on `<config file>.lock`, released when dropped. Every
/// read-modify-write of the config file (configure, login, logout, token
/// renewal) holds it from before it reads until after it writes, so parallel
/// `jr` processes take turns and none writes back what another replaced
/// (a spent refresh token, a profile added meanwhile).
#[derive(Debug)]
pub struct ConfigLock {
    _file: std::fs::File,
}

/// Takes the config file's lock, waiting for another process to release it.
/// Errors (exit 1): the lock file cannot be created or locked, naming it.
pub fn lock_config(path: &std::path::Path) -> Result<ConfigLock, Error> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    let fail = |e: std::io::Error| {
        Error::general(format!(
            "cannot lock the config file with {}: {e}",
            lock_path.display()
        ))
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(fail)?;
    file.lock().map_err(fail)?;
    Ok(ConfigLock { _file: file })
}

/// Reads a regular file of at most [`MAX_CONFIG_BYTES`]; anything else is an
/// error, checked before opening (opening a FIFO would wait for a writer).
fn read_config_bytes(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "it is not a regular file",
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("it is larger than {MAX_CONFIG_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// The config file as a command that sends requests reads it: a file that
/// is missing, unreadable or not valid is not fatal by itself, because the
/// target and credentials may come entirely from flags and environment.
#[derive(Debug, Clone, Default)]
pub struct LoadedConfig {
    /// The profiles (empty when the file could not be used).
    pub file: ConfigFile,
    /// Why the file could not be used: the error [`resolve_for_run`] gives
    /// when a profile is needed after all. `None` when it was read, or is
    /// simply absent from the default location.
    pub problem: Option<Error>,
    /// A line for stderr when the file exists but is not valid (it is ignored).
    pub warning: Option<String>,
}

/// Reads the config file like [`load_config`], but keeps a failure for
/// later instead of returning it (see [`LoadedConfig`]).
pub fn load_config_for_run(env: EnvLookup) -> LoadedConfig {
    match load_config(env) {
        Ok(file) => LoadedConfig {
            file,
            ..LoadedConfig::default()
        },
        Err(problem) => {
            let exists = config_path(env).is_some_and(|path| path.exists());
            LoadedConfig {
                warning: exists.then(|| {
                    format!(
                        "warning: {}; it is ignored, so no profile applies",
                        problem.message()
                    )
                }),
                problem: Some(problem),
                file: ConfigFile::default(),
            }
        }
    }
}

/// [`resolve`] for a run: a config file that could not be used matters only
/// when a profile is needed: one is named (`-p`, `JR_PROFILE`), or flags and
/// environment leave the target or the credentials unset. Then the error
/// names the file's problem (exit 1).
pub fn resolve_for_run(
    flags: &Overrides,
    env: EnvLookup,
    loaded: &LoadedConfig,
) -> Result<Settings, Error> {
    let Some(problem) = &loaded.problem else {
        return resolve(flags, env, &loaded.file);
    };
    if flags.profile.is_some() || env("JR_PROFILE").is_some_and(|p| !p.is_empty()) {
        return Err(problem.clone());
    }
    let needed = |why: &str| {
        let hint = problem.hint().unwrap_or("fix the file");
        problem.clone().with_hint(format!(
            "{why} comes from no flag or environment variable, so a profile is needed; {hint}"
        ))
    };
    let named_target = flags.base_url.is_some()
        || flags.cloud_id.is_some()
        || env("JR_BASE_URL").is_some_and(|u| !u.is_empty())
        || env("JR_CLOUD_ID").is_some_and(|c| !c.is_empty());
    let settings = match resolve(flags, env, &ConfigFile::default()) {
        Ok(settings) => settings,
        // The flags or the environment name a target: their own fault
        // (a bad URL, credentials in it) is the error, not the file's.
        Err(error) if named_target => return Err(error),
        Err(_) => return Err(needed("the base URL")),
    };
    if settings.auth == Auth::Missing {
        return Err(needed("no credential"));
    }
    Ok(settings)
}

/// Writes the config file atomically with mode 0600: a temporary file in the
/// same directory, synced, then renamed over `path` (parent directories are
/// created). A crash leaves either the old file or the new one, never half.
///
/// Errors (exit 1): the directory cannot be created or written, or the path's
/// symbolic links loop, naming the path.
pub fn save_config(path: &std::path::Path, file: &ConfigFile) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::general(format!("cannot write config file {}: {e}", path.display()))
    };
    let dir = crate::links::folder(path);
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    // A symlinked config file is updated where it points, not replaced, also
    // when it points at a file that does not exist yet.
    let target = crate::links::follow(path, |_| false).map_err(|e| fail(&e))?;
    let (path, dir) = (target.as_path(), crate::links::folder(&target));
    let mut text = serde_json::to_vec_pretty(file).map_err(|e| fail(&e))?;
    text.push(b'\n');
    // tempfile creates the file with mode 0600 on Unix, before any secret is written.
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
    std::io::Write::write_all(&mut temp, &text).map_err(|e| fail(&e))?;
    temp.as_file().sync_all().map_err(|e| fail(&e))?;
    temp.persist(path).map_err(|e| fail(&e.error))?;
    // The rename is durable only once the directory entry is synced.
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    Ok(())
}

/// Merges flags, environment and config file into [`Settings`].
///
/// With a cloud ID (`--cloud-id`, `JR_CLOUD_ID` or the profile's `cloud_id`),
/// the base URL is the API gateway's `{gateway}/ex/jira/{cloudId}`.
///
/// Errors (exit 1): no base URL anywhere, a base URL that is not `http(s)://`,
/// a named profile that does not exist, no default profile (none set, or the
/// one set was deleted) while the file has profiles and the target or the
/// credentials are missing, credentials that do not fit the auth type (see
/// [`Auth::from_parts`]), a cloud ID that is not one path segment of letters,
/// digits and `-`, or credentials over plain `http://` to a host other than
/// loopback without `--allow-insecure-http`.
pub fn resolve(flags: &Overrides, env: EnvLookup, file: &ConfigFile) -> Result<Settings, Error> {
    let explicit = flags.profile.is_some();
    let named = explicit || env("JR_PROFILE").is_some_and(|p| !p.is_empty());
    let profile_name = chosen_profile(flags, env, file);
    let profile = match &profile_name {
        Some(name) => match file.profiles.get(name) {
            Some(profile) => profile.clone(),
            None if named => {
                return Err(
                    Error::general(format!("no profile named `{name}`")).with_hint(format!(
                        "list the profiles with jr configure --list{}",
                        profile_names(file)
                    )),
                );
            }
            // A default_profile that names no profile: checked below, once
            // it is known whether a profile is needed at all.
            None => Profile::default(),
        },
        None => Profile::default(),
    };
    let found = profile_name
        .as_ref()
        .is_some_and(|name| file.profiles.contains_key(name));
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
    let target = Target::choose(flags, env, &profile, explicit);
    let auth_type = pick(&flags.auth_type, "JR_AUTH_TYPE", &profile.auth.kind);
    let user = pick(&flags.auth_user, "JR_AUTH_USER", &profile.auth.user);
    let token = pick(&flags.auth_token, "JR_AUTH_TOKEN", &profile.auth.token);
    let app_key = pick(&None, "JR_CONNECT_KEY", &profile.auth.app_key);
    let shared_secret = pick(&None, "JR_CONNECT_SECRET", &profile.auth.shared_secret);
    let oauth = oauth_session(profile_name.as_deref(), &profile, token.as_deref(), env);
    if auth_type.as_deref() == Some("oauth2")
        && token.is_none()
        && let Some(name) = &profile_name
    {
        return Err(Error::new(
            crate::ErrorKind::Auth,
            format!("profile `{name}` has no access token (logged out?)"),
        )
        .with_hint(format!("log in again with jr auth login -p {name}")));
    }
    let auth = Auth::from_parts(AuthParts {
        kind: auth_type,
        user,
        token,
        app_key,
        shared_secret,
    })?;
    let unnamed_target = target.site.is_none() && target.cloud_id.is_none();
    if !found && !file.profiles.is_empty() && (unnamed_target || auth == Auth::Missing) {
        return Err(no_default_profile(profile_name.as_deref(), file));
    }
    let Target {
        site,
        cloud_id,
        gateway,
    } = target;
    let base_url = match &cloud_id {
        Some(cloud_id) => {
            gateway_base_url(gateway.as_deref().unwrap_or(DEFAULT_API_GATEWAY), cloud_id)?
        }
        None => parse_base_url(site.as_deref())?,
    };
    let site_url = match &cloud_id {
        Some(_) => site.and_then(|site| parse_base_url(Some(&site)).ok()),
        None => Some(base_url.clone()),
    };
    if !flags.allow_insecure_http && auth.has_credentials() {
        refuse_plain_http_off_loopback(&base_url)?;
        if let Some(session) = &oauth {
            let auth_url = parse_base_url(Some(&session.client.auth_url))?;
            refuse_plain_http_off_loopback(&auth_url)?;
        }
    }
    Ok(Settings {
        base_url,
        site_url,
        auth,
        cloud_id,
        oauth,
    })
}

/// Where requests go: the site, the cloud ID and the API gateway, taken as
/// one from the first source that names a site (see the module docs).
struct Target {
    site: Option<String>,
    cloud_id: Option<String>,
    gateway: Option<String>,
}

/// One source of a target: flags, environment or a profile.
struct TargetSource {
    site: Option<String>,
    cloud_id: Option<String>,
    gateway: Option<String>,
    is_profile: bool,
}

impl TargetSource {
    fn names_a_site(&self) -> bool {
        self.site.is_some() || self.cloud_id.is_some()
    }
}

impl Target {
    /// Sources in precedence order: flags, then (with `-p`) the profile, the
    /// environment, then (without `-p`) the profile.
    fn choose(flags: &Overrides, env: EnvLookup, profile: &Profile, explicit: bool) -> Target {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let from_flags = TargetSource {
            site: flags.base_url.clone(),
            cloud_id: flags.cloud_id.clone(),
            gateway: flags.api_url.clone(),
            is_profile: false,
        };
        let from_env = TargetSource {
            site: var("JR_BASE_URL"),
            cloud_id: var("JR_CLOUD_ID"),
            gateway: var("JR_API_GATEWAY_URL"),
            is_profile: false,
        };
        let from_profile = TargetSource {
            site: profile.base_url.clone(),
            cloud_id: profile.cloud_id.clone(),
            gateway: profile.api_url.clone(),
            is_profile: true,
        };
        let sources = if explicit {
            [from_flags, from_profile, from_env]
        } else {
            [from_flags, from_env, from_profile]
        };
        let chosen = sources.iter().position(TargetSource::names_a_site);
        // A gateway is not a site: the flag's or the environment's applies
        // whatever the target; a profile's only with that profile's target.
        let gateway = sources
            .iter()
            .enumerate()
            .filter(|(i, source)| !source.is_profile || Some(*i) == chosen)
            .find_map(|(_, source)| source.gateway.clone());
        let [first, second, third] = sources;
        let target = match chosen {
            Some(0) => first,
            Some(1) => second,
            Some(_) => third,
            None => {
                return Target {
                    site: None,
                    cloud_id: None,
                    gateway,
                };
            }
        };
        Target {
            site: target.site,
            cloud_id: target.cloud_id,
            gateway,
        }
    }
}

/// No profile applies although the file has some and one is needed.
fn no_default_profile(dangling: Option<&str>, file: &ConfigFile) -> Error {
    let message = match dangling {
        Some(name) => format!("the default profile `{name}` does not exist (deleted?)"),
        None => "there is no default profile, and no base URL or credentials were given".to_owned(),
    };
    Error::general(message).with_hint(format!(
        "choose a profile with -p NAME or JR_PROFILE=NAME, or make one the default with jr configure -p NAME --default{}",
        profile_names(file)
    ))
}

/// `" (profiles: a, b)"`, or nothing for a file without profiles.
fn profile_names(file: &ConfigFile) -> String {
    if file.profiles.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = file.profiles.keys().map(String::as_str).collect();
    format!(" (profiles: {})", names.join(", "))
}

/// The profile's OAuth 2.0 session, when the access token in use is the
/// profile's own and it holds a refresh token and client credentials.
fn oauth_session(
    name: Option<&str>,
    profile: &Profile,
    token_in_use: Option<&str>,
    env: EnvLookup,
) -> Option<OAuthSession> {
    let auth = &profile.auth;
    if auth.kind.as_deref() != Some("oauth2") || token_in_use != auth.token.as_deref() {
        return None;
    }
    // The server that issued the tokens renews them; the environment only
    // fills in for profiles written before jr stored it.
    let auth_url = auth
        .auth_url
        .clone()
        .or_else(|| env("JR_OAUTH_AUTH_URL").filter(|u| !u.is_empty()))
        .unwrap_or_else(|| DEFAULT_AUTH_URL.to_owned());
    Some(OAuthSession {
        profile: name?.to_owned(),
        client: OAuthClient {
            auth_url,
            client_id: auth.client_id.clone()?,
            client_secret: auth.client_secret.clone()?,
        },
        refresh_token: auth.refresh_token.clone()?,
        expires_at_ms: auth.expires_at,
    })
}

/// The profile a request uses: `--profile`, else `JR_PROFILE`, else the
/// file's `default_profile`.
pub fn chosen_profile(flags: &Overrides, env: EnvLookup, file: &ConfigFile) -> Option<String> {
    flags
        .profile
        .clone()
        .or_else(|| env("JR_PROFILE").filter(|p| !p.is_empty()))
        .or_else(|| file.default_profile.clone())
}

/// `{gateway}/ex/jira/{cloudId}`: where scoped API tokens and OAuth 2.0
/// access tokens must send their requests (Atlassian, "Making calls to the API").
pub fn gateway_base_url(gateway: &str, cloud_id: &str) -> Result<Url, Error> {
    let valid = !cloud_id.is_empty()
        && cloud_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !valid {
        return Err(Error::general(format!(
            "cloud ID `{cloud_id}` is not valid: expected letters, digits and `-` (a UUID)"
        ))
        .with_hint("find it at https://your-domain.atlassian.net/_edge/tenant_info"));
    }
    let gateway = parse_base_url(Some(gateway))?;
    parse_base_url(Some(&format!(
        "{}/ex/jira/{cloud_id}",
        gateway.as_str().trim_end_matches('/')
    )))
}

/// Refuses a plain `http://` URL to a host other than loopback: credentials
/// or OAuth 2.0 secrets sent there could be read on the way.
/// Errors (exit 1), with a hint naming `--allow-insecure-http`.
pub fn refuse_plain_http_off_loopback(url: &Url) -> Result<(), Error> {
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    if url.scheme() == "http" && !loopback {
        return Err(Error::general(format!(
            "refusing to send credentials over plain http:// to {}",
            url.host_str().unwrap_or_default()
        ))
        .with_hint("use https://, or pass --allow-insecure-http if the network is trusted"));
    }
    Ok(())
}

/// A hint for a 401 answered to basic auth on a site URL: a scoped API token
/// is refused there and must go through the API gateway with a cloud ID
/// (docs/jira-semantics.md §10.3).
pub fn scoped_token_hint(settings: &Settings) -> Option<String> {
    (settings.auth.is_user() && settings.cloud_id.is_none()).then(|| {
        let site = settings.base_url.as_str().trim_end_matches('/');
        format!(
            "check the email and API token; a scoped API token only works through the API gateway: \
             pass --cloud-id (or set JR_CLOUD_ID or the profile's cloud_id; the site's cloud ID is at {site}/_edge/tenant_info)"
        )
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
        let shown = crate::redact::url(text);
        Error::general(format!("base URL `{shown}` is not a valid URL: {e}"))
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

    fn load_from(path: &std::path::Path) -> Result<ConfigFile, Error> {
        let text = path.to_string_lossy().into_owned();
        load_config(&move |name| (name == "JR_CONFIG_PATH").then(|| text.clone()))
    }

    /// Issue 12: a config file with a UTF-8 byte order mark was rejected.
    #[test]
    fn a_byte_order_mark_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            b"\xEF\xBB\xBF{\"default_profile\":\"a\",\"profiles\":{}}",
        )
        .unwrap();
        assert_eq!(
            load_from(&path).unwrap().default_profile.as_deref(),
            Some("a")
        );
    }

    /// Issue 12: JR_CONFIG_PATH at a FIFO hung, at /dev/zero read until out of
    /// memory; only regular files of at most 1 MiB are read.
    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let err = load_from(std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(
            err.message().contains("not a regular file"),
            "{}",
            err.message()
        );
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let err = load_from(&fifo).unwrap_err();
            assert!(
                err.message().contains("not a regular file"),
                "{}",
                err.message()
            );
        }
        let big = dir.path().join("big.json");
        std::fs::write(&big, vec![b' '; MAX_CONFIG_BYTES as usize + 1]).unwrap();
        let err = load_from(&big).unwrap_err();
        assert!(err.message().contains("larger than"), "{}", err.message());
    }

    /// Issue 12: saving through a dangling symlink replaced the link by a file.
    #[cfg(unix)]
    #[test]
    fn saving_through_a_dangling_symlink_creates_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real").join("config.json");
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let link = dir.path().join("config.json");
        std::os::unix::fs::symlink("real/config.json", &link).unwrap();
        save_config(&link, &ConfigFile::default()).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(target.is_file());
    }

    /// Issue 12: a password in a base URL that does not parse was echoed.
    #[test]
    fn an_unparsable_base_url_is_reported_without_its_password() {
        let err = parse_base_url(Some("http://admin:hunter2@host:99999")).unwrap_err();
        assert!(!err.message().contains("hunter2"), "{}", err.message());
        assert!(
            err.message().contains("<redacted>@host:99999"),
            "{}",
            err.message()
        );
    }

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

    /// A default profile as `jr auth login` writes it: site, cloud ID, gateway.
    fn gateway_file() -> ConfigFile {
        serde_json::from_str(
            r#"{"default_profile":"work","profiles":{
                "work":{"base_url":"https://work.example","cloud_id":"work-cloud","api_url":"https://gw.example",
                        "auth":{"type":"bearer","token":"profile-token"}},
                "other":{"base_url":"https://other.example","cloud_id":"other-cloud",
                        "auth":{"type":"bearer","token":"other-token"}}}}"#,
        )
        .unwrap()
    }

    fn resolve_gw(flags: Overrides, vars: &[(&str, &str)]) -> Result<Settings, Error> {
        let vars = env_of(vars);
        resolve(&flags, &|k| vars.get(k).cloned(), &gateway_file())
    }

    fn bearer(token: &str) -> Auth {
        Auth::Bearer {
            token: token.into(),
        }
    }

    /// README row: environment base URL and credentials, no profile named →
    /// the environment's site, not the default profile's gateway.
    #[test]
    fn an_environment_base_url_is_a_whole_target_the_default_profiles_cloud_id_does_not_apply() {
        let s = resolve_gw(
            Overrides::default(),
            &[
                ("JR_BASE_URL", "http://127.0.0.1:9"),
                ("JR_AUTH_TOKEN", "env-token"),
            ],
        )
        .unwrap();
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:9/");
        assert_eq!(s.cloud_id, None);
        assert_eq!(s.auth, bearer("env-token"));
    }

    /// README row: environment base URL and cloud ID → the environment's
    /// gateway; the base URL stays the site.
    #[test]
    fn an_environment_cloud_id_goes_through_the_environment_gateway_and_the_base_url_stays_the_site()
     {
        let s = resolve_gw(
            Overrides::default(),
            &[
                ("JR_BASE_URL", "http://127.0.0.1:9"),
                ("JR_CLOUD_ID", "env-cloud"),
                ("JR_API_GATEWAY_URL", "http://127.0.0.1:8"),
                ("JR_AUTH_TOKEN", "env-token"),
            ],
        )
        .unwrap();
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:8/ex/jira/env-cloud");
        assert_eq!(
            s.site_url.as_ref().map(Url::as_str),
            Some("http://127.0.0.1:9/")
        );
        assert_eq!(s.cloud_id.as_deref(), Some("env-cloud"));
        let s = resolve_gw(
            Overrides::default(),
            &[
                ("JR_BASE_URL", "http://127.0.0.1:9"),
                ("JR_CLOUD_ID", "env-cloud"),
            ],
        )
        .unwrap();
        assert_eq!(
            s.base_url.as_str(),
            "https://api.atlassian.com/ex/jira/env-cloud",
            "the default profile's api_url is not the environment's gateway"
        );
    }

    /// README row: nothing in flags or environment → the default profile whole.
    #[test]
    fn the_default_profile_applies_whole_when_nothing_else_names_a_site() {
        let s = resolve_gw(Overrides::default(), &[]).unwrap();
        assert_eq!(s.base_url.as_str(), "https://gw.example/ex/jira/work-cloud");
        assert_eq!(
            s.site_url.as_ref().map(Url::as_str),
            Some("https://work.example/")
        );
        assert_eq!(s.auth, bearer("profile-token"));
        let s = resolve_gw(
            Overrides::default(),
            &[("JR_API_GATEWAY_URL", "http://127.0.0.1:8")],
        )
        .unwrap();
        assert_eq!(
            s.base_url.as_str(),
            "http://127.0.0.1:8/ex/jira/work-cloud",
            "the environment's gateway wins over the profile's"
        );
    }

    /// README rows: JR_PROFILE names a profile below the environment; `-p`
    /// names one above it; flags win over both.
    #[test]
    fn named_profiles_and_flags_take_their_rows() {
        let s = resolve_gw(Overrides::default(), &[("JR_PROFILE", "other")]).unwrap();
        assert_eq!(
            s.base_url.as_str(),
            "https://api.atlassian.com/ex/jira/other-cloud",
            "JR_PROFILE's own target, without the default profile's gateway"
        );
        assert_eq!(s.auth, bearer("other-token"));
        let s = resolve_gw(
            Overrides::default(),
            &[
                ("JR_PROFILE", "other"),
                ("JR_BASE_URL", "http://127.0.0.1:9"),
                ("JR_AUTH_TOKEN", "env-token"),
            ],
        )
        .unwrap();
        assert_eq!(s.base_url.as_str(), "http://127.0.0.1:9/");
        assert_eq!(s.auth, bearer("env-token"));
        let p_other = Overrides {
            profile: Some("other".into()),
            ..Default::default()
        };
        let s = resolve_gw(
            p_other.clone(),
            &[
                ("JR_BASE_URL", "http://127.0.0.1:9"),
                ("JR_AUTH_TOKEN", "env-token"),
            ],
        )
        .unwrap();
        assert_eq!(
            s.base_url.as_str(),
            "https://api.atlassian.com/ex/jira/other-cloud"
        );
        assert_eq!(s.auth, bearer("other-token"));
        let s = resolve_gw(
            Overrides {
                base_url: Some("http://localhost:7".into()),
                auth_token: Some("flag-token".into()),
                ..p_other
            },
            &[("JR_CLOUD_ID", "env-cloud")],
        )
        .unwrap();
        assert_eq!(
            s.base_url.as_str(),
            "http://localhost:7/",
            "a --base-url is a whole target too: no cloud ID from elsewhere"
        );
        assert_eq!(s.auth, bearer("flag-token"));
    }

    #[test]
    fn without_a_default_profile_a_run_that_needs_one_says_how_to_choose() {
        let mut file = gateway_file();
        file.default_profile = None;
        let err = resolve(&Overrides::default(), &|_| None, &file).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(
            err.message().contains("no default profile"),
            "{}",
            err.message()
        );
        let hint = err.hint().unwrap();
        for part in [
            "-p NAME",
            "JR_PROFILE",
            "jr configure -p NAME --default",
            "other, work",
        ] {
            assert!(hint.contains(part), "{part}: {hint}");
        }
        file.default_profile = Some("gone".into());
        let err = resolve(&Overrides::default(), &|_| None, &file).unwrap_err();
        assert!(
            err.message()
                .contains("default profile `gone` does not exist"),
            "{}",
            err.message()
        );
        let vars = env_of(&[
            ("JR_BASE_URL", "http://127.0.0.1:9"),
            ("JR_AUTH_TOKEN", "t"),
        ]);
        assert!(
            resolve(&Overrides::default(), &|k| vars.get(k).cloned(), &file).is_ok(),
            "not needed when the environment gives target and credentials"
        );
    }

    #[test]
    fn a_config_file_that_cannot_be_used_matters_only_when_a_profile_is_needed() {
        let dir = tempfile::tempdir().unwrap();
        let corrupt = dir.path().join("corrupt.json");
        std::fs::write(&corrupt, "{not json").unwrap();
        let missing = dir.path().join("missing.json");
        for (path, warns) in [(&corrupt, true), (&missing, false)] {
            let path = path.to_str().unwrap().to_owned();
            let with = |extra: &[(&str, &str)]| {
                let mut vars = env_of(extra);
                vars.insert("JR_CONFIG_PATH".into(), path.clone());
                vars
            };
            let vars = with(&[]);
            let loaded = load_config_for_run(&|k| vars.get(k).cloned());
            assert!(loaded.problem.is_some(), "{path}");
            assert_eq!(loaded.warning.is_some(), warns, "{path}");
            let vars = with(&[
                ("JR_BASE_URL", "http://127.0.0.1:9"),
                ("JR_AUTH_TOKEN", "t"),
            ]);
            let ok = resolve_for_run(&Overrides::default(), &|k| vars.get(k).cloned(), &loaded);
            assert_eq!(ok.map(|s| s.auth).ok(), Some(bearer("t")), "{path}");
            for extra in [
                vec![("JR_BASE_URL", "http://127.0.0.1:9")],
                vec![("JR_AUTH_TOKEN", "t")],
                vec![
                    ("JR_BASE_URL", "http://127.0.0.1:9"),
                    ("JR_AUTH_TOKEN", "t"),
                    ("JR_PROFILE", "work"),
                ],
            ] {
                let vars = with(&extra);
                let err =
                    resolve_for_run(&Overrides::default(), &|k| vars.get(k).cloned(), &loaded)
                        .unwrap_err();
                assert_eq!(err.exit_code(), 1);
                assert!(
                    err.message().contains(&path),
                    "{extra:?}: {}",
                    err.message()
                );
            }
            // A target the environment names but that is bad is its own
            // error, not the file's (review of issue 12).
            let vars = with(&[
                ("JR_BASE_URL", "http://admin:hunter2@host:99999"),
                ("JR_AUTH_TOKEN", "t"),
            ]);
            let err = resolve_for_run(&Overrides::default(), &|k| vars.get(k).cloned(), &loaded)
                .unwrap_err();
            assert!(
                err.message().contains("<redacted>@host:99999"),
                "{}",
                err.message()
            );
            assert!(!err.message().contains(&path), "{}", err.message());
        }
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

    #[test]
    fn a_cloud_id_sends_requests_through_the_gateway() {
        let flags = Overrides {
            cloud_id: Some("11223344-a1b2-3b33-c444-def123456789".into()),
            ..Default::default()
        };
        let s = resolve_with(flags.clone(), &[]).unwrap();
        assert_eq!(
            s.base_url.as_str(),
            "https://api.atlassian.com/ex/jira/11223344-a1b2-3b33-c444-def123456789"
        );
        let s = resolve_with(flags, &[("JR_API_GATEWAY_URL", "http://127.0.0.1:9")]).unwrap();
        assert_eq!(
            s.base_url.path(),
            "/ex/jira/11223344-a1b2-3b33-c444-def123456789"
        );
        assert_eq!(s.base_url.port(), Some(9));
        for bad in ["", "a/b", "x?y", "../up"] {
            let flags = Overrides {
                cloud_id: Some(bad.into()),
                ..Default::default()
            };
            let err = resolve_with(flags, &[]).unwrap_err();
            assert!(
                err.message().contains("cloud ID"),
                "{bad}: {}",
                err.message()
            );
        }
    }

    #[test]
    fn credentials_are_refused_over_plain_http_off_loopback() {
        let err = resolve_with(
            Overrides::default(),
            &[("JR_BASE_URL", "http://jira.example")],
        )
        .unwrap_err();
        assert!(err.message().contains("plain http://"), "{}", err.message());
        assert!(
            err.hint()
                .unwrap_or_default()
                .contains("--allow-insecure-http")
        );
        let allowed = Overrides {
            allow_insecure_http: true,
            ..Default::default()
        };
        assert!(resolve_with(allowed, &[("JR_BASE_URL", "http://jira.example")]).is_ok());
        for loopback in ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"] {
            assert!(
                resolve_with(Overrides::default(), &[("JR_BASE_URL", loopback)]).is_ok(),
                "{loopback}"
            );
        }
        let empty = ConfigFile::default();
        let anonymous = resolve(
            &Overrides::default(),
            &|k| (k == "JR_BASE_URL").then(|| "http://jira.example".to_owned()),
            &empty,
        );
        assert!(anonymous.is_ok(), "no credentials, nothing to protect");
    }

    #[test]
    fn a_scoped_token_hint_names_cloud_id_for_basic_auth_on_a_site() {
        let s = resolve_with(Overrides::default(), &[]).unwrap();
        let hint = scoped_token_hint(&s).unwrap();
        assert!(
            hint.contains("--cloud-id") && hint.contains("https://site.example/_edge/tenant_info")
        );
        let app = Overrides {
            profile: Some("app".into()),
            ..Default::default()
        };
        assert_eq!(scoped_token_hint(&resolve_with(app, &[]).unwrap()), None);
    }

    #[test]
    fn saving_keeps_unknown_fields_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested").join("config.json");
        let mut file: ConfigFile = serde_json::from_str(
            r#"{"theme":"dark","profiles":{"a":{"base_url":"https://a.example","x":1,"auth":{"type":"bearer","token":"t","refresh":"r"}}}}"#,
        )
        .unwrap();
        file.default_profile = Some("a".into());
        save_config(&path, &file).unwrap();
        let back: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(back["theme"], "dark");
        assert_eq!(back["profiles"]["a"]["x"], 1);
        assert_eq!(back["profiles"]["a"]["auth"]["refresh"], "r");
        assert_eq!(back["default_profile"], "a");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn an_oauth_profile_never_renews_over_plain_http_off_loopback() {
        let file: ConfigFile = serde_json::from_str(
            r#"{"default_profile":"o","profiles":{"o":{"base_url":"https://o.example","auth":{
                "type":"oauth2","token":"t","refresh_token":"r","client_id":"c","client_secret":"s",
                "auth_url":"http://auth.example.com"}}}}"#,
        )
        .unwrap();
        let err = resolve(&Overrides::default(), &|_| None, &file).unwrap_err();
        assert!(err.message().contains("plain http://"), "{}", err.message());
        let s = resolve(
            &Overrides::default(),
            &|k| (k == "JR_OAUTH_AUTH_URL").then(|| "https://elsewhere.example".into()),
            &{
                let mut f = file.clone();
                f.profiles.get_mut("o").unwrap().auth.auth_url =
                    Some("https://auth.example.com".into());
                f
            },
        )
        .unwrap();
        assert_eq!(
            s.oauth.unwrap().client.auth_url,
            "https://auth.example.com",
            "the server that issued the tokens renews them, whatever the environment says"
        );
    }
}
