//! `jr auth login`: the OAuth 2.0 (3LO) authorization-code flow with a
//! loopback redirect (RFC 8252 §7.3), ending in a profile that holds the
//! tokens and the site's cloud ID.
//!
//! Steps: bind `127.0.0.1:PORT`, print the authorize URL alone on one line of
//! stderr (and open a browser unless `--no-browser`), wait for the one
//! redirect carrying `code` and the same `state`, exchange the code, find the
//! site through `accessible-resources`, store everything atomically.

use crate::context::Ctx;
use crate::globals::Globals;
use crate::session::now_ms;
use crate::{keychain, profiles};
use clap::{Arg, ArgAction, ArgMatches, Command};
use jr_core::config::{self, DEFAULT_API_GATEWAY};
use jr_core::oauth::{self, DEFAULT_AUTH_URL, DEFAULT_SCOPES, OAuthClient, Site, TokenSet};
use jr_core::{Error, ErrorKind, http};
use serde_json::{Value, json};
use std::io::Write;
use std::time::{Duration, Instant};

/// The loopback port when none is given; register
/// `http://127.0.0.1:8765/callback` as the app's callback URL.
const DEFAULT_CALLBACK_PORT: &str = "8765";
/// How long to wait for the person to approve the app.
const DEFAULT_WAIT: &str = "5m";
/// Requests the callback server answers before giving up (favicons, retries).
const MAX_CALLBACK_REQUESTS: usize = 20;

/// The `login` subcommand.
pub fn command() -> Command {
    let value = |name: &'static str, value_name: &'static str, help: &'static str| {
        Arg::new(name).long(name).value_name(value_name).help(help)
    };
    Command::new("login")
        .about("Log in as an OAuth 2.0 (3LO) app and store its tokens in a profile")
        .long_about(
            "Runs the OAuth 2.0 (3LO) authorization-code flow: prints the authorize URL alone on one \
             line of stderr (and opens a browser unless --no-browser), receives the code on \
             http://127.0.0.1:PORT/callback, exchanges it, finds the site's cloud ID and stores the \
             access and refresh tokens in the profile named by -p (default `default`), which becomes \
             default_profile when none is set. Later commands renew the access token before it \
             expires and write the rotated refresh token back.\n\n\
             Register http://127.0.0.1:PORT/callback as the app's callback URL in the Atlassian \
             developer console.",
        )
        .arg(value("client-id", "ID", "The app's client ID").required(true))
        .arg(
            value("client-secret", "SECRET", "The app's client secret; `-` reads it from stdin")
                .required(true),
        )
        .arg(
            value("scopes", "SCOPE", "Scopes to ask for, repeatable or comma-separated [default: read:jira-work,manage:jira-webhook,offline_access]")
                .action(ArgAction::Append),
        )
        .arg(value("site", "NAME", "The site to use when the app reaches several (name, URL or cloud ID)"))
        .arg(
            value("auth-url", "URL", "The authorization server [default: https://auth.atlassian.com]")
                .env("JR_OAUTH_AUTH_URL"),
        )
        .arg(
            value("callback-port", "PORT", "Loopback port of the redirect (0 = any free port)")
                .default_value(DEFAULT_CALLBACK_PORT)
                .value_parser(clap::value_parser!(u16)),
        )
        .arg(value("wait", "DURATION", "How long to wait for the approval").default_value(DEFAULT_WAIT))
        .arg(
            Arg::new("no-browser")
                .long("no-browser")
                .action(ArgAction::SetTrue)
                .help("Only print the URL; do not try to open a browser"),
        )
        .after_help(
            "Example:\n  jr auth login -p work --client-id YOUR_CLIENT_ID --client-secret - --site your-domain",
        )
}

/// Runs the flow and prints `{"profile", "site", "cloud_id", "scopes", "expires_at"}`.
pub fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<Value, Error> {
    // A copy, so that `ctx` stays free for the token exchange below.
    let globals = &ctx.globals.clone();
    let text = |name: &str| matches.get_one::<String>(name).cloned();
    let mut client_secret = None;
    profiles::set_field(&mut client_secret, text("client-secret").as_deref())?;
    let client = OAuthClient {
        auth_url: text("auth-url").unwrap_or_else(|| DEFAULT_AUTH_URL.to_owned()),
        client_id: text("client-id").unwrap_or_default(),
        client_secret: client_secret.unwrap_or_default(),
    };
    let scopes = scopes(matches);
    let wait_text = text("wait").unwrap_or_else(|| DEFAULT_WAIT.to_owned());
    let wait = http::parse_timeout(&wait_text)
        .ok()
        .filter(|w| !w.is_zero())
        .ok_or_else(|| {
            Error::validation(format!(
                "invalid value `{wait_text}` for --wait: expected a duration such as 5m, 90s or 300"
            ))
        })?;
    // Every input is checked before the person is asked to approve anything.
    let api_url = gateway(globals)?;
    checked_url(&client.auth_url, "--auth-url", globals)?;
    let profile = {
        let (_, file) = profiles::load()?;
        profiles::chosen(globals.overrides.profile.as_deref(), &file)
    };
    let port = matches
        .get_one::<u16>("callback-port")
        .copied()
        .unwrap_or(8765);
    let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| {
        Error::general(format!(
            "cannot listen on 127.0.0.1:{port} for the OAuth redirect: {e}"
        ))
        .with_hint("pass another --callback-port (and register that callback URL for the app)")
    })?;
    let port = server.server_addr().to_ip().map_or(port, |a| a.port());
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let state = oauth::random_state()?;
    let url = oauth::authorize_url(
        &client.auth_url,
        &client.client_id,
        &scopes,
        &redirect_uri,
        &state,
    )?;
    if globals.dry_run {
        return Ok(
            json!({"authorize_url": url.as_str(), "redirect_uri": redirect_uri,
            "profile": profile, "api_url": api_url}),
        );
    }
    announce(&url, matches.get_flag("no-browser"));
    let code = wait_for_code(&server, &state, wait, &mut *ctx.err)?;
    drop(server);

    let http_client = http::build_client(globals.timeout)?;
    let (tokens, site) = ctx.exec.block_on(async {
        let tokens = client
            .exchange_code(&http_client, &code, &redirect_uri)
            .await?;
        let sites =
            oauth::accessible_resources(&http_client, &api_url, &tokens.access_token).await?;
        Ok::<_, Error>((tokens, oauth::choose_site(sites, text("site").as_deref())?))
    })?;
    let profile = store(&profile, &client, &api_url, &tokens, &site)?;
    Ok(json!({
        "profile": profile,
        "site": {"name": site.name, "url": site.url},
        "cloud_id": site.id,
        "scopes": tokens.scope.split_whitespace().collect::<Vec<_>>(),
        "expires_at": tokens.expires_at_ms(now_ms()),
    }))
}

fn scopes(matches: &ArgMatches) -> Vec<String> {
    let given: Vec<String> = matches
        .get_many::<String>("scopes")
        .map(|v| {
            v.flat_map(|s| s.split([',', ' ']))
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if given.is_empty() {
        DEFAULT_SCOPES.iter().map(|s| (*s).to_owned()).collect()
    } else {
        given
    }
}

/// The API gateway: `--api-url`, `JR_API_GATEWAY_URL`, else Atlassian's; a
/// valid URL, and `https://` unless it is loopback or `--allow-insecure-http`.
fn gateway(globals: &Globals) -> Result<String, Error> {
    let url = globals
        .overrides
        .api_url
        .clone()
        .or_else(|| {
            std::env::var("JR_API_GATEWAY_URL")
                .ok()
                .filter(|u| !u.is_empty())
        })
        .unwrap_or_else(|| DEFAULT_API_GATEWAY.to_owned());
    checked_url(&url, "--api-url", globals)?;
    Ok(url)
}

/// Errors (exit 4): `url` is not an `http(s)://` URL, or (exit 1) it is plain
/// `http://` off loopback without `--allow-insecure-http`: the client secret
/// and tokens travel to it.
fn checked_url(url: &str, flag: &str, globals: &Globals) -> Result<(), Error> {
    let parsed = config::parse_base_url(Some(url))
        .map_err(|e| Error::validation(format!("invalid value for {flag}: {}", e.message())))?;
    if !globals.overrides.allow_insecure_http {
        config::refuse_plain_http_off_loopback(&parsed)?;
    }
    Ok(())
}

/// One JSON line saying what to do, then the URL alone on its own line.
fn announce(url: &url::Url, no_browser: bool) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(
        stderr,
        "{}",
        json!({"info": "open the URL on the next line in a browser and approve the app; jr waits for the redirect"})
    );
    let _ = writeln!(stderr, "{url}");
    let _ = stderr.flush();
    if !no_browser {
        // No browser (a server, CI) is fine: the printed URL is the way then.
        let _ = webbrowser::open(url.as_str());
    }
}

/// Serves the loopback redirect until it brings a code with our `state`.
///
/// A redirect with another `state` (or none) is not this login's: a stale
/// tab, or a page forging one to abort it. It gets a 400, a note on `err`,
/// and the wait goes on (RFC 6749 §10.12).
/// Errors: exit 2 when the person denies access (with our `state`); exit 1
/// when `wait` runs out or more than [`MAX_CALLBACK_REQUESTS`] requests came.
fn wait_for_code(
    server: &tiny_http::Server,
    state: &str,
    wait: Duration,
    err: &mut dyn std::io::Write,
) -> Result<String, Error> {
    let deadline = Instant::now() + wait;
    for _ in 0..MAX_CALLBACK_REQUESTS {
        let left = deadline.saturating_duration_since(Instant::now());
        let request = match server.recv_timeout(left) {
            Ok(Some(request)) => request,
            Ok(None) => break,
            Err(e) => {
                return Err(Error::general(format!(
                    "the OAuth redirect could not be read: {e}"
                )));
            }
        };
        let url = url::Url::parse(&format!("http://127.0.0.1{}", request.url()))
            .map_err(|e| Error::general(format!("unreadable redirect: {e}")))?;
        if url.path() != "/callback" {
            let _ = request.respond(tiny_http::Response::empty(404));
            continue;
        }
        let param = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        if param("state").as_deref() != Some(state) {
            let _ = writeln!(
                err,
                "{}",
                json!({"note": "ignored a redirect whose state is not this login's (a stale tab or a forged request); still waiting"})
            );
            let page = "jr: this redirect does not belong to the login in progress.";
            let _ = request.respond(tiny_http::Response::from_string(page).with_status_code(400));
            continue;
        }
        let outcome = match (param("code"), param("error")) {
            (_, Some(error)) => Err(Error::new(
                ErrorKind::Auth,
                format!("the authorization was refused: {error}"),
            )),
            (Some(code), None) => Ok(code),
            (None, None) => Err(Error::new(
                ErrorKind::Auth,
                "the redirect carries neither a code nor an error",
            )
            .with_hint("run jr auth login again")),
        };
        let page = match &outcome {
            Ok(_) => {
                "jr received the approval. You can close this tab; the terminal says how the login ended."
            }
            Err(_) => "jr: the login failed; see the terminal.",
        };
        let _ = request.respond(tiny_http::Response::from_string(page));
        return outcome;
    }
    Err(
        Error::general("no approval arrived on the OAuth redirect in time")
            .with_hint("run jr auth login again and open the printed URL; --wait gives more time"),
    )
}

/// Stores the tokens in the chosen profile; returns its name.
fn store(
    name: &str,
    client: &OAuthClient,
    api_url: &str,
    tokens: &TokenSet,
    site: &Site,
) -> Result<String, Error> {
    let (_lock, path, mut file) = profiles::load_for_update()?;
    let name = name.to_owned();
    let profile = file.profiles.entry(name.clone()).or_default();
    if !site.url.is_empty() {
        profile.base_url = Some(site.url.trim_end_matches('/').to_owned());
    }
    profile.cloud_id = Some(site.id.clone());
    profile.api_url = (api_url != DEFAULT_API_GATEWAY).then(|| api_url.to_owned());
    let auth = &mut profile.auth;
    auth.kind = Some("oauth2".to_owned());
    auth.token = Some(tokens.access_token.clone());
    auth.refresh_token = tokens.refresh_token.clone();
    auth.expires_at = Some(tokens.expires_at_ms(now_ms()));
    auth.client_id = Some(client.client_id.clone());
    auth.client_secret = Some(client.client_secret.clone());
    auth.auth_url = (client.auth_url != DEFAULT_AUTH_URL).then(|| client.auth_url.clone());
    keychain::write_back(&keychain::OsKeychain, &name, auth)?;
    if file.default_profile.is_none() {
        file.default_profile = Some(name.clone());
    }
    config::save_config(&path, &file)?;
    Ok(name)
}
