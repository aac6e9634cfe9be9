//! `jr webhook trigger EVENT`: make a jr-mock send a realistic event to
//! every live webhook it matches, and print what happened: the matched
//! webhook IDs and each delivery attempt's URL and status.
//!
//! The payload comes from `jr_core::webhook::events` (the shapes of
//! docs/jira-semantics.md §8.2), or from `--body`. Jira Cloud itself cannot
//! be told to send an event, so against a server that is not a jr-mock this
//! is exit 4. Flags that do not apply to the event (e.g. `--issue` on a
//! sprint event) are accepted and ignored.

use super::site;
use crate::args::read_body_flag;
use crate::body::check_json;
use crate::context::Ctx;
use crate::entry::{Entry, Own};
use clap::{Arg, ArgAction, ArgMatches, Command};
use jr_core::Error;
use jr_core::webhook::events::{self, Change, EVENTS, Subject};
use serde_json::{Value, json};

/// `jr webhook trigger`.
pub const ENTRY: Entry = Entry::InGroup(
    "webhook",
    Own {
        name: "trigger",
        command,
        run,
    },
);

fn command() -> Command {
    let text = |name: &'static str, value: &'static str, help: &'static str| {
        Arg::new(name).long(name).value_name(value).help(help)
    };
    Command::new("trigger")
        .about("Make jr-mock send a realistic event to the webhooks it matches")
        .long_about(format!(
            "Make jr-mock send a realistic event to every live webhook it matches, and print the matched webhook IDs \
             and each delivery attempt's URL and status.\n\n\
             jr recognises a jr-mock by GET <site>/_mock/health at the site base URL (--base-url, JR_BASE_URL, the profile's \
             base_url) and posts the event to its control API (POST /_mock/events). Jira Cloud cannot be told to send an \
             event: against a real site this is exit 4.\n\n\
             Events: {}.",
            EVENTS.join(", ")
        ))
        .arg(
            Arg::new("event")
                .value_name("EVENT")
                .required(true)
                .help("The webhookEvent, e.g. jira:issue_created"),
        )
        .arg(text("issue", "KEY", "The issue key [default: ABC-1]"))
        .arg(text("project", "KEY", "The project key [default: the issue key's prefix]"))
        .arg(text("issuetype", "NAME", "The issue type's name [default: Task]"))
        .arg(text("status", "NAME", "The issue's status [default: To Do]"))
        .arg(
            text("changelog", "FIELD:FROM:TO", "A changelog item of jira:issue_updated; repeatable")
                .action(ArgAction::Append),
        )
        .arg(text("comment", "TEXT", "The comment's text, for comment events"))
        .arg(text("user", "ACCOUNT_ID", "The account ID of the user who made the change"))
        .arg(text(
            "body",
            "JSON|@FILE|-",
            "The whole event instead of the template (a JSON object; webhookEvent defaults to EVENT)",
        ))
        .after_help(
            "Example:\n  jr webhook trigger jira:issue_updated --issue ABC-7 --changelog 'status:To Do:In Progress'",
        )
}

fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let event = matches
        .get_one::<String>("event")
        .map(String::as_str)
        .unwrap_or_default();
    let subject = subject(matches)?;
    let given = matches
        .get_one::<String>("body")
        .map(|text| given_body(text, event))
        .transpose()?;
    ctx.settings()?;
    let Some(mock) = site::mock(ctx)? else {
        return Err(not_a_mock());
    };
    let now = site::now_ms(ctx, Some(&mock))?;
    let payload = match given {
        Some(body) => body,
        None => events::payload(event, &subject, now).map_err(unknown_event)?,
    };
    let bytes = payload.to_string().into_bytes();
    if ctx.globals.dry_run {
        let url = format!("{}/_mock/events", mock.base_url());
        return ctx
            .out
            .value(&json!({"method": "POST", "url": url, "body": payload}));
    }
    let answer = ctx.exec.block_on(mock.emit(&bytes))?;
    ctx.out.value(&report(event, &answer))
}

/// Stage 1 (no I/O): the event is known and the flags read.
///
/// Errors: exit 4 for an unknown event (listing the valid ones) or a
/// changelog item that is not `FIELD:FROM:TO`.
fn subject(matches: &ArgMatches) -> Result<Subject, Error> {
    let event = matches
        .get_one::<String>("event")
        .map(String::as_str)
        .unwrap_or_default();
    if !EVENTS.contains(&event) {
        return Err(unknown_event(format!(
            "unknown webhook event {event:?}; the events are: {}",
            EVENTS.join(", ")
        )));
    }
    let defaults = Subject::default();
    let text = |name: &str, default: &String| {
        matches
            .get_one::<String>(name)
            .cloned()
            .unwrap_or_else(|| default.clone())
    };
    let changelog = matches
        .get_many::<String>("changelog")
        .map(|items| {
            items
                .map(|item| Change::parse(item).map_err(Error::validation))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Subject {
        issue: text("issue", &defaults.issue),
        project: matches.get_one::<String>("project").cloned(),
        issuetype: text("issuetype", &defaults.issuetype),
        status: text("status", &defaults.status),
        changelog,
        comment: text("comment", &defaults.comment),
        user: text("user", &defaults.user),
    })
}

/// `--body`: a JSON object; `webhookEvent` is EVENT unless it says otherwise.
///
/// Errors: exit 4 when it cannot be read, is not JSON or not an object.
fn given_body(text: &str, event: &str) -> Result<Value, Error> {
    let bytes = read_body_flag(text)?;
    check_json(&bytes)?;
    let mut body: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::validation(format!("--body is not valid JSON: {e}")))?;
    let Some(object) = body.as_object_mut() else {
        return Err(Error::validation(
            "--body must be a JSON object (an event as Jira delivers it)",
        ));
    };
    object.entry("webhookEvent").or_insert_with(|| json!(event));
    Ok(body)
}

fn unknown_event(message: String) -> Error {
    Error::validation(message)
        .with_hint("pick one of the events listed; see jr webhook trigger --help")
}

fn not_a_mock() -> Error {
    Error::validation(
        "the server is not a jr-mock (GET <site>/_mock/health did not answer): Jira Cloud cannot be told to send an event",
    )
    .with_hint(
        "point --base-url (or JR_BASE_URL) at a jr-mock; on a real site, make the change in Jira itself (create or edit an issue) to cause the event",
    )
}

/// `{"event", "timestamp", "matchedWebhookIds", "deliveries": [{"url",
/// "status", "attempt", "outcome", "deliveryId", "error"?}]}` from jr-mock's
/// answer.
fn report(event: &str, answer: &Value) -> Value {
    let attempts = answer["deliveries"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    let mut matched: Vec<i64> = attempts
        .iter()
        .flat_map(|a| a["webhookIds"].as_array().cloned().unwrap_or_default())
        .filter_map(|id| id.as_i64())
        .collect();
    matched.sort_unstable();
    matched.dedup();
    let deliveries: Vec<Value> = attempts
        .iter()
        .map(|a| {
            let mut d = json!({"url": a["url"], "status": a["status"], "attempt": a["attempt"],
                               "outcome": a["outcome"], "deliveryId": a["deliveryId"]});
            if !a["error"].is_null() {
                d["error"] = a["error"].clone();
            }
            d
        })
        .collect();
    json!({"event": event, "timestamp": answer["timestamp"], "matchedWebhookIds": matched,
           "deliveries": deliveries})
}
