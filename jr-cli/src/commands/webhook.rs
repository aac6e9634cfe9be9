//! Helper flags for the dynamic-webhook operations, so the common case needs
//! no hand-written JSON, and the checks Jira's answers need: rejected
//! registration items (Jira answers 200 even then) and expiring webhooks.
//! Source: Jira REST v3 `registerDynamicWebhooks`, `getDynamicWebhooksForApp`,
//! `getFailedWebhooks`, `refreshWebhooks`, `deleteWebhookById`.

use super::{Checked, Extension, list_values};
use crate::args::BodySource;
use clap::{Arg, ArgAction, ArgMatches};
use jr_core::{Error, ErrorKind, webhook};
use serde_json::{Value, json};

/// A webhook this close to its `expirationDate` gets a warning on stderr.
const EXPIRY_WARNING_MS: i64 = 7 * 24 * 60 * 60 * 1000;

pub const REGISTER: Extension = Extension {
    operation_id: "registerDynamicWebhooks",
    example: "jr webhook register-dynamic --url https://your-app.example.com/webhook-received \\\n    --jql 'project = PROJ' --event jira:issue_created,jira:issue_updated",
    args: register_args,
    body: register_body,
    check: register_check,
    explain: explain_app_only,
};

pub const LIST: Extension = Extension {
    operation_id: "getDynamicWebhooksForApp",
    example: "jr webhook get-dynamic-webhooks-for-app --maxResults 50",
    args: Vec::new,
    body: no_body,
    check: list_check,
    explain: explain_app_only,
};

pub const FAILED: Extension = Extension {
    operation_id: "getFailedWebhooks",
    example: "jr webhook get-failed --maxResults 50 --after 1700000000000",
    args: Vec::new,
    body: no_body,
    check: nothing_to_check,
    explain: explain_app_only,
};

pub const REFRESH: Extension = Extension {
    operation_id: "refreshWebhooks",
    example: "jr webhook refresh --id 10000,10001",
    args: refresh_args,
    body: refresh_body,
    check: nothing_to_check,
    explain: explain_app_only,
};

pub const DELETE: Extension = Extension {
    operation_id: "deleteWebhookById",
    example: "jr webhook delete-by-id --id 10000 --id 10001",
    args: id_args,
    body: ids_body,
    check: nothing_to_check,
    explain: explain_app_only,
};

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
        repeatable("event", "EVENT", "Event to deliver, e.g. jira:issue_created; repeatable or comma-separated"),
        repeatable("field-id", "ID", "Only send jira:issue_updated when one of these fields changed; repeatable or comma-separated"),
        repeatable("issue-property-key", "KEY", "Only send issue property events for these keys; repeatable or comma-separated"),
    ]
}

fn register_body(matches: &ArgMatches) -> Result<Option<BodySource>, Error> {
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
    Ok(Some(BodySource::Inline(body.to_string().into_bytes())))
}

fn register_check(body: &[u8]) -> Checked {
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

fn refresh_args() -> Vec<Arg> {
    let mut args = id_args();
    args.push(
        Arg::new("all")
            .long("all")
            .action(ArgAction::SetTrue)
            .conflicts_with("id")
            .help("Refresh every webhook of the calling app (lists all pages first)"),
    );
    args
}

fn refresh_body(matches: &ArgMatches) -> Result<Option<BodySource>, Error> {
    if matches.get_flag("all") {
        return Ok(Some(BodySource::AllOwnWebhookIds));
    }
    ids_body(matches)
}

fn ids_body(matches: &ArgMatches) -> Result<Option<BodySource>, Error> {
    let ids = list_values(matches, "id");
    if ids.is_empty() {
        return Ok(None);
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
    Ok(Some(BodySource::Inline(ids_json(&ids))))
}

/// `{"webhookIds": [...]}`, Jira's `ContainerForWebhookIDs`.
pub fn ids_json(ids: &[i64]) -> Vec<u8> {
    json!({ "webhookIds": ids }).to_string().into_bytes()
}

fn no_body(_: &ArgMatches) -> Result<Option<BodySource>, Error> {
    Ok(None)
}

fn nothing_to_check(_: &[u8]) -> Checked {
    Checked::default()
}

fn list_check(body: &[u8]) -> Checked {
    let now = jiff::Timestamp::now().as_millisecond();
    Checked {
        error: None,
        warnings: expiry_warnings(body, now),
    }
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

/// A 403 on the webhook API means the caller is not an app (semantics §2.2).
fn explain_app_only(error: Error) -> Error {
    if error.kind() == ErrorKind::Auth && error.status() == Some(403) {
        error.with_hint(
            "dynamic webhooks are for Connect and OAuth 2.0 apps: use an app's credentials (e.g. JR_AUTH_TYPE=bearer with the app's access token); a person can use admin webhooks or Automation rules instead",
        )
    } else {
        error
    }
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
