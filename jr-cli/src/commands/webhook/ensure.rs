//! `jr webhook ensure`: keep the wanted webhooks registered and alive, the
//! job a Jira app otherwise does in a hand-written cron job. Compares the
//! desired webhooks with every page of the app's current ones: registers
//! the missing, refreshes those expired or expiring within
//! `--refresh-within` (by the server's clock, see `site`), deletes the
//! unwanted only with `--prune`.
//!
//! Two webhooks are the same when URL, JQL text, the set of events and the
//! sets of field IDs and issue property keys are equal; a listing without
//! `url` (docs/jira-semantics.md §4) stands for the app's single URL.
//! Prints `{"registered", "refreshed", "deleted", "unchanged", "errors"}`;
//! a second run changes nothing and sends no write. Expiry:
//! docs/jira-semantics.md §4, §6, §9.

use super::{api, site};
use crate::args::read_body_flag;
use crate::context::Ctx;
use crate::entry::{Entry, Own};
use clap::{Arg, ArgAction, ArgMatches, Command};
use jr_core::{Error, webhook};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// `jr webhook ensure`.
pub const ENTRY: Entry = Entry::InGroup(
    "webhook",
    Own {
        name: "ensure",
        command,
        run,
    },
);

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn command() -> Command {
    let repeatable = |name: &'static str, value: &'static str, help: &'static str| {
        Arg::new(name)
            .long(name)
            .value_name(value)
            .action(ArgAction::Append)
            .conflicts_with("file")
            .help(help)
    };
    Command::new("ensure")
        .about("Keep the wanted webhooks registered and refreshed")
        .long_about(
            "Keep the wanted webhooks registered and alive. The desired state is --url with one webhook per --jql, each \
             followed by its --event flags (and --field-id, --issue-property-key), or --file with the register body's shape \
             {\"url\", \"webhooks\": [{\"jqlFilter\", \"events\", \"fieldIdsFilter\", \"issuePropertyKeysFilter\"}]}.\n\n\
             Every page of the app's webhooks is compared with it: missing ones are registered, ones expired or expiring \
             within --refresh-within are refreshed, ones not wanted are deleted only with --prune. Two webhooks are the same \
             when URL, JQL text and the sets of events, field IDs and property keys are equal; without a URL the app's single \
             registered URL stands for it. Expiry is measured by jr-mock's clock when the server is a jr-mock, else by this \
             machine's.\n\n\
             Prints {\"registered\", \"refreshed\", \"deleted\", \"unchanged\", \"errors\"}. A second run changes nothing \
             and sends no write; --dry-run makes the reads and prints the writes it would make. A rejected item is exit 4 \
             with Jira's message.",
        )
        .arg(
            Arg::new("url")
                .long("url")
                .value_name("URL")
                .conflicts_with("file")
                .help("Where Jira delivers [default: the app's single registered URL]"),
        )
        .arg(repeatable("jql", "JQL", "Starts a webhook with this JQL filter; repeatable"))
        .arg(repeatable(
            "event",
            "EVENT",
            "An event of the webhook of the --jql before it; repeatable or comma-separated",
        ))
        .arg(repeatable(
            "field-id",
            "ID",
            "A field ID filter of the webhook of the --jql before it; repeatable",
        ))
        .arg(repeatable(
            "issue-property-key",
            "KEY",
            "An issue property key filter of the webhook of the --jql before it; repeatable",
        ))
        .arg(
            Arg::new("file")
                .long("file")
                .value_name("FILE")
                .help("The desired webhooks as a register body (JSON file, or - for stdin)"),
        )
        .arg(
            Arg::new("refresh-within")
                .long("refresh-within")
                .value_name("DURATION")
                .default_value("7d")
                .help("Refresh webhooks expiring within this (e.g. 7d, 36h, 90m)"),
        )
        .arg(
            Arg::new("prune")
                .long("prune")
                .action(ArgAction::SetTrue)
                .help("Delete the app's webhooks that are not wanted"),
        )
        .after_help(
            "Example:\n  jr webhook ensure --url https://your-app.example.com/webhook \\\n    --jql 'project = ABC' --event jira:issue_created,jira:issue_updated \\\n    --jql 'project = XYZ' --event comment_created --refresh-within 7d",
        )
}

/// One webhook as compared: every part that makes two the same.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    jql: String,
    events: BTreeSet<String>,
    field_ids: BTreeSet<String>,
    property_keys: BTreeSet<String>,
}

impl Wanted {
    fn from_json(item: &Value) -> Wanted {
        let set = |key: &str| -> BTreeSet<String> {
            item[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        Wanted {
            jql: item["jqlFilter"].as_str().unwrap_or_default().to_owned(),
            events: set("events"),
            field_ids: set("fieldIdsFilter"),
            property_keys: set("issuePropertyKeysFilter"),
        }
    }

    /// The item of a register body (`WebhookDetails`).
    fn to_json(&self) -> Value {
        let mut item = json!({"events": self.events, "jqlFilter": self.jql});
        if !self.field_ids.is_empty() {
            item["fieldIdsFilter"] = json!(self.field_ids);
        }
        if !self.property_keys.is_empty() {
            item["issuePropertyKeysFilter"] = json!(self.property_keys);
        }
        item
    }
}

/// What the run found and did (see the module docs).
#[derive(Default)]
struct Outcome {
    registered: Vec<Value>,
    refreshed: Vec<Value>,
    deleted: Vec<Value>,
    unchanged: Vec<Value>,
    errors: Vec<Value>,
}

fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let within = parse_duration_ms(
        matches
            .get_one::<String>("refresh-within")
            .map_or("7d", String::as_str),
    )?;
    let (url, wanted) = desired(matches)?;
    let current = api::list_all(ctx)?;
    let url = match url {
        Some(url) => url,
        None => app_url(&current)?,
    };
    let mock = site::mock(ctx)?;
    let now = site::now_ms(ctx, mock.as_ref())?;
    let mut outcome = Outcome::default();
    let mut taken = vec![false; current.len()];
    let mut missing = Vec::new();
    let mut to_refresh = Vec::new();
    for want in &wanted {
        let found = current.iter().enumerate().position(|(i, hook)| {
            !taken[i]
                && hook["url"].as_str().unwrap_or(&url) == url
                && Wanted::from_json(hook) == *want
        });
        match found {
            None => missing.push(want.clone()),
            Some(i) => {
                taken[i] = true;
                let expires = api::expires_ms(&current[i]).unwrap_or(i64::MIN);
                if expires.saturating_sub(now) <= within {
                    to_refresh.push(current[i].clone());
                } else {
                    outcome.unchanged.push(shown(&current[i]));
                }
            }
        }
    }
    let unwanted: Vec<Value> = if matches.get_flag("prune") {
        current
            .iter()
            .zip(&taken)
            .filter(|(_, taken)| !**taken)
            .map(|(hook, _)| hook.clone())
            .collect()
    } else {
        Vec::new()
    };
    let dry_run = ctx.globals.dry_run;
    register(ctx, &url, &missing, dry_run, &mut outcome)?;
    refresh(ctx, &to_refresh, dry_run, &mut outcome)?;
    delete(ctx, &unwanted, dry_run, &mut outcome)?;
    let errors = outcome.errors.clone();
    ctx.out.value(&json!({
        "registered": outcome.registered,
        "refreshed": outcome.refreshed,
        "deleted": outcome.deleted,
        "unchanged": outcome.unchanged,
        "errors": outcome.errors,
    }))?;
    rejection(&errors, missing.len())
}

/// `{"id", "jqlFilter", "events", "expirationDate"}` of a listed webhook.
fn shown(hook: &Value) -> Value {
    json!({"id": hook["id"], "jqlFilter": hook["jqlFilter"], "events": hook["events"],
           "expirationDate": hook["expirationDate"]})
}

fn register(
    ctx: &mut Ctx,
    url: &str,
    missing: &[Wanted],
    dry_run: bool,
    outcome: &mut Outcome,
) -> Result<(), Error> {
    if missing.is_empty() {
        return Ok(());
    }
    let items: Vec<Value> = missing.iter().map(Wanted::to_json).collect();
    if dry_run {
        outcome.registered.extend(items);
        return Ok(());
    }
    let results = api::register(ctx, &json!({"url": url, "webhooks": items}))?;
    for (position, (item, result)) in items.iter().zip(&results).enumerate() {
        match result.get("createdWebhookId") {
            Some(id) => outcome.registered.push(json!({"id": id, "jqlFilter": item["jqlFilter"],
                                                        "events": item["events"]})),
            None => outcome.errors.push(json!({"item": position + 1, "jqlFilter": item["jqlFilter"],
                                                "events": item["events"], "errors": result["errors"]})),
        }
    }
    Ok(())
}

fn refresh(
    ctx: &mut Ctx,
    hooks: &[Value],
    dry_run: bool,
    outcome: &mut Outcome,
) -> Result<(), Error> {
    if hooks.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = hooks.iter().filter_map(|h| h["id"].as_i64()).collect();
    let expiration = if dry_run {
        Value::Null
    } else {
        api::refresh(ctx, &ids)?
    };
    for hook in hooks {
        let mut item = shown(hook);
        item["previousExpirationDate"] = hook["expirationDate"].clone();
        item["expirationDate"] = expiration.clone();
        outcome.refreshed.push(item);
    }
    Ok(())
}

fn delete(
    ctx: &mut Ctx,
    hooks: &[Value],
    dry_run: bool,
    outcome: &mut Outcome,
) -> Result<(), Error> {
    if hooks.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = hooks.iter().filter_map(|h| h["id"].as_i64()).collect();
    if !dry_run {
        api::delete(ctx, &ids)?;
    }
    outcome.deleted.extend(hooks.iter().map(shown));
    Ok(())
}

/// Exit 4 naming each rejected item, as `register-dynamic` does.
fn rejection(errors: &[Value], total: usize) -> Result<(), Error> {
    if errors.is_empty() {
        return Ok(());
    }
    let rejected: Vec<webhook::RejectedItem> = errors
        .iter()
        .map(|e| webhook::RejectedItem {
            position: e["item"].as_u64().unwrap_or(0) as usize,
            errors: e["errors"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|m| m.as_str().map_or_else(|| m.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect();
    Err(webhook::rejection_error(&rejected, total))
}

/// The app's single registered URL, for a desired state without one.
///
/// Errors: exit 4 when the app has none (or several) to stand for it.
fn app_url(current: &[Value]) -> Result<String, Error> {
    let urls: BTreeSet<&str> = current.iter().filter_map(|h| h["url"].as_str()).collect();
    match urls.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => Ok((*one).to_owned()),
        _ => Err(Error::validation(
            "ensure needs --url (or \"url\" in --file): the app has no single registered URL to stand for it",
        )),
    }
}

/// The desired URL (if given) and webhooks, from `--file` or the flags.
///
/// Errors: exit 4 for a file that cannot be read or is not the register
/// shape, flags with no `--jql`, an `--event` before any `--jql`, or a
/// webhook without events.
fn desired(matches: &ArgMatches) -> Result<(Option<String>, Vec<Wanted>), Error> {
    let (url, wanted) = match matches.get_one::<String>("file") {
        Some(path) => from_file(path)?,
        None => (
            matches.get_one::<String>("url").cloned(),
            from_flags(matches)?,
        ),
    };
    if let Some(bad) = wanted
        .iter()
        .find(|w| w.events.is_empty() || w.jql.trim().is_empty())
    {
        return Err(Error::validation(format!(
            "the webhook with JQL {:?} needs a non-empty JQL filter and at least one event",
            bad.jql
        )));
    }
    let mut unique: Vec<Wanted> = Vec::new();
    for want in wanted {
        if !unique.contains(&want) {
            unique.push(want);
        }
    }
    Ok((url, unique))
}

fn from_file(path: &str) -> Result<(Option<String>, Vec<Wanted>), Error> {
    let source = if path == "-" {
        "-".to_owned()
    } else {
        format!("@{path}")
    };
    let bytes = read_body_flag(&source)?;
    let body: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::validation(format!("--file {path} is not JSON: {e}")))?;
    let Some(items) = body["webhooks"].as_array() else {
        return Err(Error::validation(format!(
            "--file {path} has no \"webhooks\" array (the register body's shape: {{\"url\", \"webhooks\": [...]}})"
        )));
    };
    let url = body["url"].as_str().map(str::to_owned);
    Ok((url, items.iter().map(Wanted::from_json).collect()))
}

/// Groups the flags by position: each `--event`, `--field-id` and
/// `--issue-property-key` belongs to the last `--jql` before it.
fn from_flags(matches: &ArgMatches) -> Result<Vec<Wanted>, Error> {
    let positioned = |name: &str| -> Vec<(usize, String)> {
        match (matches.indices_of(name), matches.get_many::<String>(name)) {
            (Some(indices), Some(values)) => indices.zip(values.cloned()).collect(),
            _ => Vec::new(),
        }
    };
    let jqls = positioned("jql");
    if jqls.is_empty() {
        return Err(Error::validation("ensure needs --jql JQL --event EVENT... (repeatable), or --file")
            .with_hint("e.g. jr webhook ensure --url https://app.example.com/hook --jql 'project = ABC' --event jira:issue_created"));
    }
    let mut wanted: Vec<Wanted> = jqls
        .iter()
        .map(|(_, jql)| Wanted {
            jql: jql.trim().to_owned(),
            events: BTreeSet::new(),
            field_ids: BTreeSet::new(),
            property_keys: BTreeSet::new(),
        })
        .collect();
    for (flag, pick) in [
        (
            "event",
            (|w: &mut Wanted| &mut w.events) as fn(&mut Wanted) -> &mut BTreeSet<String>,
        ),
        ("field-id", |w: &mut Wanted| &mut w.field_ids),
        ("issue-property-key", |w: &mut Wanted| &mut w.property_keys),
    ] {
        for (at, value) in positioned(flag) {
            let Some(owner) = jqls.iter().rposition(|(jql_at, _)| *jql_at < at) else {
                return Err(Error::validation(format!(
                    "--{flag} {value} comes before any --jql: each webhook starts with --jql"
                )));
            };
            let set = pick(&mut wanted[owner]);
            set.extend(
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned),
            );
        }
    }
    Ok(wanted)
}

/// `7d`, `36h`, `90m`, `30s`, `500ms` or a bare number of ms, in ms.
///
/// Errors: exit 4 for anything else.
fn parse_duration_ms(text: &str) -> Result<i64, Error> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_ms = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => DAY_MS,
        _ => 0,
    };
    number
        .parse::<i64>()
        .ok()
        .filter(|_| unit_ms > 0)
        .and_then(|n| n.checked_mul(unit_ms))
        .ok_or_else(|| {
            Error::validation(format!(
                "invalid --refresh-within {text:?}: expected a duration such as 7d, 36h, 90m or 30s"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(args: &[&str]) -> ArgMatches {
        command()
            .try_get_matches_from(std::iter::once("ensure").chain(args.iter().copied()))
            .expect("parses")
    }

    #[test]
    fn events_belong_to_the_jql_before_them() {
        let m = matches(&[
            "--url",
            "https://a.example/h",
            "--jql",
            "project = A",
            "--event",
            "jira:issue_created",
            "--jql",
            "project = B",
            "--event",
            "comment_created,comment_updated",
            "--field-id",
            "summary",
        ]);
        let (url, wanted) = desired(&m).expect("valid");
        assert_eq!(url.as_deref(), Some("https://a.example/h"));
        assert_eq!(wanted.len(), 2);
        assert_eq!(
            wanted[0].events,
            BTreeSet::from(["jira:issue_created".to_owned()])
        );
        assert_eq!(wanted[1].events.len(), 2);
        assert_eq!(wanted[1].field_ids, BTreeSet::from(["summary".to_owned()]));
        assert!(desired(&matches(&["--event", "x", "--jql", "project = A"])).is_err());
        assert!(
            desired(&matches(&["--jql", "project = A"])).is_err(),
            "no event"
        );
    }

    #[test]
    fn sameness_ignores_the_order_of_events() {
        let listed = json!({"id": 1, "jqlFilter": "project = A", "events": ["b", "a"]});
        let wanted = Wanted::from_json(&json!({"jqlFilter": "project = A", "events": ["a", "b"]}));
        assert_eq!(Wanted::from_json(&listed), wanted);
        let other = json!({"jqlFilter": "project = A", "events": ["a"], "fieldIdsFilter": ["x"]});
        assert_ne!(Wanted::from_json(&other), wanted);
    }

    #[test]
    fn durations_read_days_hours_and_minutes() {
        assert_eq!(parse_duration_ms("7d").ok(), Some(7 * DAY_MS));
        assert_eq!(parse_duration_ms("36h").ok(), Some(36 * 3_600_000));
        assert_eq!(parse_duration_ms("90m").ok(), Some(90 * 60_000));
        assert_eq!(parse_duration_ms("1500").ok(), Some(1500));
        assert!(parse_duration_ms("soon").is_err());
        assert!(parse_duration_ms("7w").is_err());
    }
}
