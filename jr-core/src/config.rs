//! Where `jr` sends requests and with which credentials: flags, environment
//! variables and the profiles of the config file, merged by the precedence of
//! DESIGN.md §3.
//!
//! Precedence, field by field: a flag always wins; then, when a profile was
//! named with `--profile`, that profile, then the environment; otherwise the
//! environment, then the profile named by `JR_PROFILE` or the file's
//! `default_profile`.

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
    /// The site's own base URL as configured (`--base-url`, `JR_BASE_URL`,
    /// the profile's `base_url`): equal to `base_url` unless requests go
    /// through the gateway, where it is the configured site if any. Used
    /// for what is not the REST API (a jr-mock's `/_mock` control API).
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

/// Writes the config file atomically with mode 0600: a temporary file in the
/// same directory, synced, then renamed over `path` (parent directories are
/// created). A crash leaves either the old file or the new one, never half.
///
/// Errors (exit 1): the directory cannot be created or written, naming the path.
pub fn save_config(path: &std::path::Path, file: &ConfigFile) -> Result<(), Error> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::general(format!("cannot write config file {}: {e}", path.display()))
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    // A symlinked config file is updated where it points, not replaced.
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let (path, dir) = match target.parent() {
        Some(parent) if target != path => (target.as_path(), parent.to_path_buf()),
        _ => (path, dir.to_path_buf()),
    };
    let dir = dir.as_path();
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
/// a named profile that does not exist, credentials that do not fit the
/// auth type (see [`Auth::from_parts`]), a cloud ID that is not one path
/// segment of letters, digits and `-`, or credentials over plain `http://` to
/// a host other than loopback without `--allow-insecure-http`.
pub fn resolve(flags: &Overrides, env: EnvLookup, file: &ConfigFile) -> Result<Settings, Error> {
    let explicit = flags.profile.is_some();
    let profile_name = chosen_profile(flags, env, file);
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
    let app_key = pick(&None, "JR_CONNECT_KEY", &profile.auth.app_key);
    let shared_secret = pick(&None, "JR_CONNECT_SECRET", &profile.auth.shared_secret);
    let cloud_id = pick(&flags.cloud_id, "JR_CLOUD_ID", &profile.cloud_id);
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
    let (base_url, site_url) = match &cloud_id {
        Some(cloud_id) => {
            let gateway = pick(&flags.api_url, "JR_API_GATEWAY_URL", &profile.api_url);
            let site = base.as_deref().and_then(|b| parse_base_url(Some(b)).ok());
            let gateway =
                gateway_base_url(gateway.as_deref().unwrap_or(DEFAULT_API_GATEWAY), cloud_id)?;
            (gateway, site)
        }
        None => {
            let site = parse_base_url(base.as_deref())?;
            (site.clone(), Some(site))
        }
    };
    if !flags.allow_insecure_http && auth != Auth::None {
        refuse_plain_http_off_loopback(&base_url)?;
        if let Some(session) = &oauth {
            let auth_url = parse_base_url(Some(&session.client.auth_url))?;
            refuse_plain_http_off_loopback(&auth_url)?;
        }
    }
    Ok(Settings {
        base_url,
        auth,
        cloud_id,
        site_url,
        oauth,
    })
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
/// (`jira/webhook-semantics.md` §10.3).
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
