//! `jr configure`: create or update a profile of the config file from flags,
//! list, delete or test profiles. Fields not named on the command line are
//! kept; the file is written atomically with mode 0600.

use crate::context::Ctx;
use crate::entry::{Entry, Own};
use crate::keychain::{self, OsKeychain};
use crate::profiles::{self, process_env, redacted, secrets_statement, set_field as set};
use clap::{Arg, ArgAction, ArgMatches, Command};
use jr_core::auth::AUTH_TYPES;
use jr_core::config::{self, ConfigFile, Overrides, Profile};
use jr_core::request::RequestPlan;
use jr_core::{Error, ops};
use serde_json::{Value, json};

/// `jr configure ...`.
pub const ENTRY: Entry = Entry::TopLevel(Own {
    name: NAME,
    command,
    run,
});

const NAME: &str = "configure";

fn command() -> Command {
    let switch = |name: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .action(ArgAction::SetTrue)
            .help(help)
    };
    Command::new(NAME)
        .about("Create, update, list, delete or test profiles of the config file")
        .long_about(
            "Create or update the profile named by -p (default: JR_PROFILE, the file's default_profile, \
             else `default`) from the global flags --base-url, --auth-type, --auth-user, --auth-token \
             (`-` reads it from stdin) and --cloud-id, and from --connect-key/--connect-secret. \
             Fields not given are kept. The first profile becomes default_profile.\n\n\
             The file is JR_CONFIG_PATH, else $XDG_CONFIG_HOME/jr/config.json, else \
             ~/.config/jr/config.json; it is written atomically with mode 0600, and secrets are \
             stored in it in plain text. Output: the profile as JSON, secrets redacted.",
        )
        .arg(
            Arg::new("connect-key")
                .long("connect-key")
                .value_name("KEY")
                .help("The Connect app key (for --auth-type connect)"),
        )
        .arg(
            Arg::new("connect-secret")
                .long("connect-secret")
                .value_name("SECRET")
                .help("The Connect app's shared secret; `-` reads it from stdin"),
        )
        .arg(switch("default", "Make this profile the default_profile"))
        .arg(
            switch(
                "no-keyring",
                "Move the profile's secrets from the OS keychain back into the file",
            )
            .conflicts_with("keyring"),
        )
        .arg(switch(
            "keyring",
            "Keep the profile's secrets in the OS keychain instead of the file (where no keychain service exists, they stay in the file and jr says so)",
        ))
        .arg(switch("list", "List every profile, secrets redacted").conflicts_with_all(["delete", "test"]))
        .arg(
            switch("delete", "Delete the profile")
                .conflicts_with_all(["test", "keyring", "no-keyring", "default"]),
        )
        .arg(switch(
            "test",
            "Call Jira with the profile: GET /rest/api/3/myself for people, GET /rest/api/3/webhook for apps",
        ))
        .after_help(
            "Examples:\n  jr configure -p site --base-url https://your-domain.atlassian.net --auth-type basic --auth-user you@example.com --auth-token -\n  jr configure -p app --base-url http://127.0.0.1:8080 --auth-type bearer --auth-token oauth-app-token --test\n  jr configure --list",
        )
}

fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let overrides = ctx.globals.overrides.clone();
    // Held until the command ends: no other jr reads the file half-changed or
    // writes back what this one replaces (issue 12: parallel configures lost
    // profiles, and a configure racing a renewal restored a spent token).
    let (_lock, path, mut file) = profiles::load_for_update()?;
    let name = profiles::chosen(overrides.profile.as_deref(), &file);
    check_profile_name(&name)?;
    let result = if matches.get_flag("list") {
        list(&path, &file)
    } else if matches.get_flag("delete") {
        delete(&path, &mut file, &name)?
    } else {
        let changed = update(matches, &overrides, &mut file, &name)?;
        // Tested before anything is written: a profile that fails is not saved.
        let tested = if matches.get_flag("test") {
            let mut with_secrets = file.clone();
            keychain::fill_in(&OsKeychain, &mut with_secrets, &name)?;
            let outcome = test(ctx, &with_secrets, &name).map_err(|e| {
                let hint = e.hint().map(|h| format!("{h}; ")).unwrap_or_default();
                e.with_hint(format!("{hint}the profile was not saved"))
            })?;
            Some(outcome)
        } else {
            None
        };
        let moving_out = matches.get_flag("no-keyring");
        if moving_out && let Some(profile) = file.profiles.get_mut(&name) {
            keychain::move_out(&OsKeychain, &name, &mut profile.auth);
        }
        let warning = store_secrets(matches.get_flag("keyring"), &mut file, &name)?;
        if changed || warning.is_some() || matches.get_flag("keyring") || moving_out {
            config::save_config(&path, &file)?;
        }
        let mut shown = redacted(&name, &file.profiles[&name], &file);
        shown["path"] = json!(path.display().to_string());
        shown["secrets"] = json!(secrets_statement(&path, file.profiles.get(&name)));
        if let Some(warning) = warning {
            shown["warning"] = json!(warning);
        }
        if let Some(tested) = tested {
            shown["test"] = tested;
        }
        shown
    };
    ctx.out.value(&result)
}

/// Profile names are keys of the file and parts of keychain account names:
/// letters, digits, `.`, `_` and `-`. Errors (exit 4) otherwise.
fn check_profile_name(name: &str) -> Result<(), Error> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid {
        Ok(())
    } else {
        Err(Error::validation(format!(
            "invalid profile name `{name}`: use letters, digits, `.`, `_` and `-`"
        )))
    }
}

fn list(path: &std::path::Path, file: &ConfigFile) -> Value {
    let profiles: Vec<Value> = file
        .profiles
        .iter()
        .map(|(name, profile)| {
            let mut shown = redacted(name, profile, file);
            shown["secrets"] = json!(secrets_statement(path, Some(profile)));
            shown
        })
        .collect();
    json!({
        "path": path.display().to_string(),
        "default_profile": file.default_profile,
        "profiles": profiles,
    })
}

/// Sends the profile's secrets to the OS keychain when it keeps them there or
/// `--keyring` asks for it. Returns a plain statement when the keychain is
/// not available and the secrets stay in the file.
fn store_secrets(wanted: bool, file: &mut ConfigFile, name: &str) -> Result<Option<String>, Error> {
    let Some(profile) = file.profiles.get_mut(name) else {
        return Ok(None);
    };
    if profile.auth.secret_store.as_deref() == Some(keychain::KEYRING) {
        keychain::write_back(&OsKeychain, name, &mut profile.auth)?;
        return Ok(None);
    }
    if !wanted {
        return Ok(None);
    }
    Ok(keychain::move_into(&OsKeychain, name, &mut profile.auth)
        .err()
        .map(|why| {
            format!("no OS keychain is available ({why}): the secrets stay in the config file, in plain text with mode 0600")
        }))
}

fn delete(path: &std::path::Path, file: &mut ConfigFile, name: &str) -> Result<Value, Error> {
    if let Some(profile) = file.profiles.get(name)
        && profile.auth.secret_store.as_deref() == Some(keychain::KEYRING)
    {
        keychain::forget(&OsKeychain, name, keychain::SECRET_FIELDS);
    }
    if file.profiles.remove(name).is_none() {
        return Err(Error::general(format!("no profile named `{name}`"))
            .with_hint("jr configure --list shows the profiles"));
    }
    if file.default_profile.as_deref() == Some(name) {
        file.default_profile = None;
    }
    config::save_config(path, file)?;
    Ok(json!({"deleted": name, "path": path.display().to_string()}))
}

/// Applies the flags to the profile `name` (created when missing); true when
/// anything changed. Errors (exit 4): a bad base URL, auth type or cloud ID.
fn update(
    matches: &ArgMatches,
    flags: &Overrides,
    file: &mut ConfigFile,
    name: &str,
) -> Result<bool, Error> {
    let mut profile: Profile = file.profiles.get(name).cloned().unwrap_or_default();
    let before = serde_json::to_value(&profile).ok();
    if let Some(url) = &flags.base_url {
        let parsed = config::parse_base_url(Some(url)).map_err(as_validation)?;
        profile.base_url = Some(parsed.as_str().trim_end_matches('/').to_owned());
    }
    if let Some(kind) = &flags.auth_type {
        let kind = kind.to_ascii_lowercase();
        if !AUTH_TYPES.contains(&kind.as_str()) {
            return Err(Error::validation(format!(
                "unknown auth type `{kind}`; expected one of: {}",
                AUTH_TYPES.join(", ")
            )));
        }
        profile.auth.kind = Some(kind);
    }
    // An empty --cloud-id or --api-url clears the field.
    match flags.cloud_id.as_deref() {
        Some("") => profile.cloud_id = None,
        Some(cloud_id) => {
            config::gateway_base_url(config::DEFAULT_API_GATEWAY, cloud_id)
                .map_err(as_validation)?;
            profile.cloud_id = Some(cloud_id.to_owned());
        }
        None => {}
    }
    match flags.api_url.as_deref() {
        Some("") => profile.api_url = None,
        Some(url) => {
            let parsed = config::parse_base_url(Some(url)).map_err(as_validation)?;
            profile.api_url = Some(parsed.as_str().trim_end_matches('/').to_owned());
        }
        None => {}
    }
    let from_stdin = [
        flags.auth_token.as_deref(),
        matches
            .get_one::<String>("connect-secret")
            .map(String::as_str),
    ];
    if from_stdin.iter().filter(|v| **v == Some("-")).count() > 1 {
        return Err(Error::validation(
            "only one value can be read from stdin (`-`); give the other one in a second jr configure",
        ));
    }
    set(&mut profile.auth.user, flags.auth_user.as_deref())?;
    set(&mut profile.auth.token, flags.auth_token.as_deref())?;
    let text = |name: &str| matches.get_one::<String>(name).map(String::as_str);
    set(&mut profile.auth.app_key, text("connect-key"))?;
    set(&mut profile.auth.shared_secret, text("connect-secret"))?;
    let changed = before != serde_json::to_value(&profile).ok();
    file.profiles.insert(name.to_owned(), profile);
    let make_default = matches.get_flag("default") || file.default_profile.is_none();
    let default_changed = make_default && file.default_profile.as_deref() != Some(name);
    if make_default {
        file.default_profile = Some(name.to_owned());
    }
    Ok(changed || default_changed)
}

fn as_validation(error: Error) -> Error {
    let hint = error.hint().map(str::to_owned);
    let converted = Error::validation(error.message().to_owned());
    match hint {
        Some(hint) => converted.with_hint(hint),
        None => converted,
    }
}

/// Calls Jira as the profile and says who answered.
fn test(ctx: &mut Ctx, file: &ConfigFile, name: &str) -> Result<Value, Error> {
    let overrides = Overrides {
        profile: Some(name.to_owned()),
        allow_insecure_http: ctx.globals.overrides.allow_insecure_http,
        api_url: ctx.globals.overrides.api_url.clone(),
        ..Overrides::default()
    };
    let settings = config::resolve(&overrides, &process_env, file)?;
    let person = settings.auth.is_user() || !settings.auth.has_credentials();
    let operation_id = if person {
        "getCurrentUser"
    } else {
        "getDynamicWebhooksForApp"
    };
    let op = ops::by_operation_id(operation_id)
        .ok_or_else(|| Error::general(format!("the operation table has no {operation_id}")))?;
    let plan = RequestPlan::build(op, &[], None)?;
    let response = ctx.exec.send_as(settings, &plan)?;
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    let checked = format!("{} {}", op.method.as_str(), op.path());
    Ok(if person {
        json!({"ok": true, "checked": checked, "who": {
            "accountId": body["accountId"], "displayName": body["displayName"],
            "emailAddress": body["emailAddress"]}})
    } else {
        json!({"ok": true, "checked": checked, "app": "the webhook API answered", "webhooks": body["total"]})
    })
}
