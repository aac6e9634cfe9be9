//! The webhook group's hand-written parts. Here: extensions of the
//! dynamic-webhook operations: helper flags, so the common case needs no
//! hand-written JSON; `refresh --all` and `delete-by-id --all`, which list
//! the calling app's webhooks first; `list` as a second name of the
//! listing; and the checks Jira's answers need: rejected registration items
//! (Jira answers 200 even then) and expiring webhooks, measured by the
//! server's clock (see `site`). The developer's loop (`listen`, `trigger`,
//! `replay`, `ensure`, `status`) is one child module per command.
//! Source: Jira REST v3 `registerDynamicWebhooks`, `getDynamicWebhooksForApp`,
//! `getFailedWebhooks`, `refreshWebhooks`, `deleteWebhookById`.

pub mod api;
pub mod ensure;
pub mod listen;
pub mod replay;
pub mod site;
pub mod status;
pub mod trigger;

use crate::args::{Invocation, list_values};
use crate::context::Ctx;
use crate::entry::{Checked, Entry, Extension};
use api::{explain_app_only, ids_json};
use clap::{Arg, ArgAction, ArgMatches};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use jr_core::webhook::events::EVENTS;
use jr_core::{Error, webhook};
use serde_json::{Value, json};

use site::EXPIRY_WARNING_MS;

/// `jr webhook register-dynamic`: `--url`, `--jql`, `--event`, ...
pub const REGISTER: Entry = Entry::Extends(
    "registerDynamicWebhooks",
    Extension {
        example: Some(
            "jr webhook register-dynamic --url https://your-app.example.com/webhook-received \\\n    --jql 'project = PROJ' --event jira:issue_created,jira:issue_updated",
        ),
        args: register_args,
        body: register_body,
        check: register_check,
        explain: explain_app_only,
        ..Extension::NONE
    },
);

/// `jr webhook get-dynamic-webhooks-for-app` (also `jr webhook list`):
/// warns of expiring webhooks.
pub const LIST: Entry = Entry::Extends(
    "getDynamicWebhooksForApp",
    Extension {
        example: Some("jr webhook list --maxResults 50"),
        alias: Some("list"),
        check: list_check,
        explain: explain_app_only,
        ..Extension::NONE
    },
);

/// `jr webhook get-failed`.
pub const FAILED: Entry = Entry::Extends(
    "getFailedWebhooks",
    Extension {
        example: Some("jr webhook get-failed --maxResults 50 --after 1700000000000"),
        // Failed deliveries are for Connect apps: an OAuth app's 403 says so.
        explain: api::explain_failed,
        ..Extension::NONE
    },
);

/// `jr webhook refresh`: `--id`, or `--all` of the calling app's webhooks.
pub const REFRESH: Entry = Entry::Extends(
    "refreshWebhooks",
    Extension {
        example: Some("jr webhook refresh --id 10000,10001"),
        args: refresh_args,
        body: refresh_body,
        before_send: all_ids,
        explain: explain_app_only,
        ..Extension::NONE
    },
);

/// `jr webhook delete-by-id`: `--id`, or `--all` of the calling app's webhooks.
pub const DELETE: Entry = Entry::Extends(
    "deleteWebhookById",
    Extension {
        example: Some("jr webhook delete-by-id --id 10000 --id 10001"),
        args: delete_args,
        body: delete_body,
        before_send: all_ids,
        explain: explain_app_only,
        ..Extension::NONE
    },
);

fn repeatable(name: &'static str, value_name: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .value_name(value_name)
        .action(ArgAction::Append)
        .help(help)
}

fn register_args() -> Vec<Arg> {
    vec![
        Arg::new("url")
            .long("url")
            .value_name("URL")
            .help("Where Jira delivers events (https://; Connect apps: under the app's base URL)"),
        Arg::new("jql").long("jql").value_name("JQL").help(
            "JQL filter (subset: issueKey, project, issuetype, status, assignee, reporter, issue.property, cf[id]; =, !=, IN, NOT IN). Required: Jira rejects an empty filter; use 'project != null' to match everything",
        ),
        repeatable("event", "EVENT", "Event to deliver, e.g. jira:issue_created; repeatable or comma-separated")
            .add(ArgValueCandidates::new(|| EVENTS.iter().map(CompletionCandidate::new).collect())),
        repeatable("field-id", "ID", "Only send jira:issue_updated when one of these fields changed; repeatable or comma-separated"),
        repeatable("issue-property-key", "KEY", "Only send issue property events for these keys; repeatable or comma-separated"),
    ]
}

fn register_body(matches: &ArgMatches) -> Result<Option<Vec<u8>>, Error> {
    let url = matches.get_one::<String>("url");
    let jql = matches.get_one::<String>("jql");
    let events = list_values(matches, "event");
    let field_ids = list_values(matches, "field-id");
    let property_keys = list_values(matches, "issue-property-key");
    if url.is_none()
        && jql.is_none()
        && events.is_empty()
        && field_ids.is_empty()
        && property_keys.is_empty()
    {
        return Ok(None);
    }
    let missing: Vec<&str> = [
        ("--url", url.is_none()),
        ("--jql", jql.is_none()),
        ("--event", events.is_empty()),
    ]
    .into_iter()
    .filter_map(|(flag, absent)| absent.then_some(flag))
    .collect();
    if !missing.is_empty() {
        return Err(Error::validation(format!(
            "register-dynamic needs {} with the helper flags",
            missing.join(", ")
        ))
        .with_hint(
            "give --url, --jql and at least one --event, or the whole request with --body",
        ));
    }
    check_events(&events)?;
    let jql = jql.map(|j| j.trim()).unwrap_or_default();
    if jql.is_empty() {
        return Err(
            Error::validation("--jql is empty: Jira rejects an empty JQL filter")
                .with_hint("to match every issue, pass --jql 'project != null'"),
        );
    }
    let mut item = json!({"events": events, "jqlFilter": jql});
    if !field_ids.is_empty() {
        item["fieldIdsFilter"] = json!(field_ids);
    }
    if !property_keys.is_empty() {
        item["issuePropertyKeysFilter"] = json!(property_keys);
    }
    let body = json!({"url": url, "webhooks": [item]});
    Ok(Some(body.to_string().into_bytes()))
}

/// A helper flag's bad value is reported against the flag, with the
/// values Jira accepts (the spec's `WebhookDetails.events` enum), not as a
/// schema error of the body built from it.
///
/// Errors: exit 4 naming `--event`, the bad value and the valid events.
fn check_events(events: &[String]) -> Result<(), Error> {
    let Some(bad) = events.iter().find(|e| !EVENTS.contains(&e.as_str())) else {
        return Ok(());
    };
    let closest = EVENTS
        .iter()
        .map(|known| (strsim::jaro_winkler(bad, known), *known))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .filter(|(score, _)| *score > 0.8)
        .map(|(_, known)| known);
    let error = Error::validation(format!(
        "invalid value `{bad}` for --event: expected one of {}",
        EVENTS.join(", ")
    ));
    Err(match closest {
        Some(known) => error.with_hint(format!("did you mean --event {known}?")),
        None => error.with_hint("repeat --event, or separate events with commas"),
    })
}

fn register_check(_: &mut Ctx, body: &[u8]) -> Checked {
    let rejected = webhook::rejected_items(body);
    Checked {
        error: (!rejected.is_empty())
            .then(|| webhook::rejection_error(&rejected, webhook::result_count(body))),
        warnings: Vec::new(),
    }
}

fn id_args() -> Vec<Arg> {
    vec![repeatable(
        "id",
        "ID",
        "Webhook ID; repeatable or comma-separated",
    )]
}

fn all_arg(what: &'static str) -> Arg {
    Arg::new("all")
        .long("all")
        .action(ArgAction::SetTrue)
        .conflicts_with("id")
        .help(what)
}

fn refresh_args() -> Vec<Arg> {
    let mut args = id_args();
    args.push(all_arg(
        "Refresh every webhook of the calling app (lists all pages first)",
    ));
    args
}

fn delete_args() -> Vec<Arg> {
    let mut args = id_args();
    args.push(all_arg(
        "Delete every webhook of the calling app (lists all pages first)",
    ));
    args
}

/// `--all`: the body becomes every webhook ID of the calling app, listed
/// (every page) just before the request is sent; a dry run shows a
/// placeholder and lists nothing.
fn all_ids(ctx: &mut Ctx, matches: &ArgMatches, invocation: &mut Invocation) -> Result<(), Error> {
    if !matches.get_flag("all") {
        return Ok(());
    }
    invocation.body = Some(if ctx.globals.dry_run {
        br#"{"webhookIds":"<every webhook ID of the calling app, listed first>"}"#.to_vec()
    } else {
        let listed = api::list_all(ctx)?;
        let (ids, odd): (Vec<_>, Vec<_>) = listed
            .iter()
            .map(|w| w["id"].as_i64().ok_or_else(|| w["id"].to_string()))
            .partition(Result::is_ok);
        if !odd.is_empty() {
            // The spec says int64: refusing is better than silently leaving some out.
            let odd: Vec<String> = odd.into_iter().filter_map(Result::err).collect();
            return Err(Error::general(format!(
                "the webhook list has IDs that are not 64-bit integers: {}; --all sends none of them",
                odd.join(", ")
            ))
            .with_hint("pass the IDs you mean with --id"));
        }
        let ids: Vec<i64> = ids.into_iter().filter_map(Result::ok).collect();
        ids_json(&ids)
    });
    Ok(())
}

fn refresh_body(matches: &ArgMatches) -> Result<Option<Vec<u8>>, Error> {
    ids_or_all_body(matches, "refresh")
}

fn delete_body(matches: &ArgMatches) -> Result<Option<Vec<u8>>, Error> {
    ids_or_all_body(matches, "delete-by-id")
}

/// The body of `--id`; nothing yet for `--all` (see [`all_ids`]).
///
/// Errors: exit 4 without `--id` or `--all` (`--body` never gets here), or
/// for an ID that is not an integer.
fn ids_or_all_body(matches: &ArgMatches, command: &str) -> Result<Option<Vec<u8>>, Error> {
    let ids = list_values(matches, "id");
    if ids.is_empty() {
        if matches.get_flag("all") {
            return Ok(None);
        }
        return Err(Error::validation(format!(
            "{command} needs --id ID (repeatable) or --all"
        ))
        .with_hint(format!(
            "name the webhooks with --id 10000,10001, or pass --all for every webhook of the calling app (jr webhook {command} --all)"
        )));
    }
    let ids = ids
        .iter()
        .map(|id| {
            id.parse::<i64>().map_err(|_| {
                Error::validation(format!(
                    "invalid value `{id}` for --id: expected a webhook ID (an integer)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(ids_json(&ids)))
}

/// Warns of expired and expiring webhooks by the server's clock (jr-mock's
/// virtual clock when the server is one); asks for the time only when some
/// webhook has an `expirationDate`.
fn list_check(ctx: &mut Ctx, body: &[u8]) -> Checked {
    // At the end of time every dated webhook has expired: none means none is dated.
    let dated = !expiry_warnings(body, i64::MAX).is_empty();
    if dated {
        let now =
            site::server_now_ms(ctx).unwrap_or_else(|_| jiff::Timestamp::now().as_millisecond());
        return Checked {
            error: None,
            warnings: expiry_warnings(body, now),
        };
    }
    Checked::NOTHING
}

/// Warnings for webhooks that have expired (they deliver nothing) or expire
/// within 7 days of `now` (ms since the UNIX epoch).
fn expiry_warnings(body: &[u8], now: i64) -> Vec<Value> {
    // Only `id` and `expirationDate` are read, so a listing of thousands of
    // webhooks is not built into a whole JSON tree a second time.
    #[derive(serde::Deserialize)]
    struct Hook {
        id: Option<Value>,
        #[serde(rename = "expirationDate")]
        expiration_date: Option<Value>,
    }
    #[derive(serde::Deserialize)]
    struct Listing {
        #[serde(default)]
        values: Vec<Hook>,
    }
    let Ok(page) = serde_json::from_slice::<Listing>(body) else {
        return Vec::new();
    };
    page.values
        .into_iter()
        .filter_map(|hook| {
            let expiration = hook.expiration_date?;
            let expires = webhook::expiration_ms(&expiration)?;
            let id = hook.id.unwrap_or(Value::Null);
            let text = if expires <= now {
                "expired: Jira delivers nothing for it; renew it with jr webhook refresh"
            } else if expires - now <= EXPIRY_WARNING_MS {
                "expires within 7 days; renew it with jr webhook refresh"
            } else {
                return None;
            };
            Some(json!({"warning": format!("webhook {id} {text}"), "webhookId": id, "expirationDate": expiration}))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expired_and_expiring_webhooks_are_flagged() {
        let day = 24 * 60 * 60 * 1000;
        let now = 1_700_000_000_000_i64;
        let body = json!({"values": [
            {"id": 1, "expirationDate": now - 1},
            {"id": 2, "expirationDate": now + 3 * day},
            {"id": 3, "expirationDate": now + 20 * day},
            {"id": 4, "expirationDate": "2019-06-01T12:42:30.000+0000"},
        ]});
        let warnings = expiry_warnings(body.to_string().as_bytes(), now);
        let ids: Vec<_> = warnings.iter().map(|w| w["webhookId"].clone()).collect();
        assert_eq!(ids, vec![json!(1), json!(2), json!(4)]);
        assert!(warnings[0]["warning"].as_str().unwrap().contains("expired"));
    }
}
