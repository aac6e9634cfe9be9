//! `jr auth login | status | logout`: an OAuth 2.0 (3LO) login (see
//! [`login`]), which site and identity a profile uses without secrets,
//! and forgetting its tokens.

mod login;

use crate::context::Ctx;
use crate::entry::{Entry, Own};
use crate::keychain;
use crate::profiles::{self, process_env, secrets_statement};
use clap::{ArgMatches, Command};
use jr_core::Error;
use jr_core::auth::Auth;
use jr_core::config::{self, Overrides};
use serde_json::{Value, json};

/// `jr auth login | status | logout`.
pub const ENTRY: Entry = Entry::TopLevel(Own {
    name: NAME,
    command,
    run,
});

const NAME: &str = "auth";

fn command() -> Command {
    Command::new(NAME)
        .about("Show or forget the credentials of a profile")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(login::command())
        .subcommand(
            Command::new("status")
                .about("Which site, identity and auth type jr would use, without secrets")
                .long_about(
                    "Resolves flags, environment and profile as a request would and prints \
                     {\"profile\", \"base_url\", \"cloud_id\", \"auth_type\", \"identity\", \"secrets\"} \
                     without sending anything. No secret is ever printed.",
                ),
        )
        .subcommand(
            Command::new("logout")
                .about("Forget the profile's tokens (token, refresh_token, expires_at)")
                .long_about(
                    "Removes the access token, the refresh token and their expiry from the profile \
                     named by -p (default: JR_PROFILE, then default_profile); everything else stays. \
                     The config file is rewritten atomically with mode 0600.",
                ),
        )
}

fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let result = match matches.subcommand_name() {
        Some("login") => login::run(ctx, matches.subcommand_matches("login").unwrap_or(matches))?,
        Some("status") => status(&ctx.globals.overrides)?,
        Some("logout") => logout(ctx.globals.overrides.profile.as_deref())?,
        _ => {
            return Err(Error::validation(
                "expected `jr auth status` or `jr auth logout`",
            ));
        }
    };
    ctx.out.value(&result)
}

fn status(overrides: &Overrides) -> Result<Value, Error> {
    let profile = {
        let (_, file) = profiles::load()?;
        config::chosen_profile(overrides, &process_env, &file)
    };
    let (path, file) = profiles::load_with_secrets(profile.as_deref())?;
    let settings = config::resolve(overrides, &process_env, &file)?;
    let (auth_type, identity) = match (&settings.auth, &settings.oauth) {
        (_, Some(session)) => (
            "oauth2",
            json!({"client_id": session.client.client_id, "expires_at": session.expires_at_ms,
                "expired": session.expires_at_ms.is_some_and(|at| at <= crate::session::now_ms())}),
        ),
        (auth, None) => match auth {
            Auth::None | Auth::Missing => ("none", Value::Null),
            Auth::Basic { user, .. } => ("basic", json!({ "user": user })),
            Auth::Bearer { .. } => ("bearer", json!({ "token": "<redacted>" })),
            Auth::Connect { app_key, .. } => ("connect", json!({ "app_key": app_key })),
        },
    };
    Ok(json!({
        "profile": profile,
        "base_url": settings.base_url.as_str().trim_end_matches('/'),
        "cloud_id": settings.cloud_id,
        "auth_type": auth_type,
        "identity": identity,
        "secrets": secrets_statement(&path, profile.as_deref().and_then(|p| file.profiles.get(p))),
    }))
}

fn logout(flag: Option<&str>) -> Result<Value, Error> {
    let (_lock, path, mut file) = profiles::load_for_update()?;
    let name = profiles::chosen(flag, &file);
    let Some(profile) = file.profiles.get_mut(&name) else {
        return Err(Error::general(format!("no profile named `{name}`"))
            .with_hint("jr configure --list shows the profiles"));
    };
    profile.auth.token = None;
    profile.auth.refresh_token = None;
    profile.auth.expires_at = None;
    if profile.auth.secret_store.as_deref() == Some(keychain::KEYRING) {
        keychain::forget(&keychain::OsKeychain, &name, &["token", "refresh_token"]);
    }
    config::save_config(&path, &file)?;
    Ok(json!({"profile": name, "logged_out": true, "path": path.display().to_string()}))
}
