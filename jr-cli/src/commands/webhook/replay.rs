//! `jr webhook replay`: re-deliver the webhooks Jira gave up on. Reads every
//! page of `getFailedWebhooks` and POSTs each record's `body` to
//! `--forward-to` (or the record's own `url`) with `Content-Type:
//! application/json` and the record's `id` as `X-Atlassian-Webhook-Identifier`,
//! so the app's de-duplication still works (docs/jira-semantics.md §7, §8.3).
//!
//! One JSON line per record: `{"id", "url", "status", "ok"}` (`"error"` when
//! no answer came, `"skipped"` for a record without a body, `"dryRun": true`
//! with `--dry-run`, which sends nothing). Exit 0 when every replay got a
//! 2xx, else exit 1 naming the failures.

use super::{api, site};
use crate::args::list_values;
use crate::context::Ctx;
use crate::entry::{Entry, Own};
use clap::{Arg, ArgAction, ArgMatches, Command};
use jr_core::Error;
use serde_json::{Value, json};

/// `jr webhook replay`.
pub const ENTRY: Entry = Entry::InGroup(
    "webhook",
    Own {
        name: "replay",
        command,
        run,
    },
);

fn command() -> Command {
    Command::new("replay")
        .about("Re-deliver failed webhooks to the app, keeping their identifiers")
        .long_about(
            "Re-deliver failed webhooks: reads every page of get-failed (Jira lets only Connect apps read them) and POSTs \
             each record's body to --forward-to, or to the record's own url, with Content-Type: application/json and the \
             record's id as X-Atlassian-Webhook-Identifier, so the app's de-duplication still works.\n\n\
             Prints one JSON line per record: {\"id\", \"url\", \"status\", \"ok\"}; a record without a body is reported as \
             skipped. Exit 0 when every replay got a 2xx answer, otherwise exit 1 naming the failures. With --dry-run the \
             reads are made and the re-deliveries printed, none sent.",
        )
        .arg(
            Arg::new("after")
                .long("after")
                .value_name("MS")
                .value_parser(clap::value_parser!(i64))
                .help("Only failures after this time (ms since the UNIX epoch)"),
        )
        .arg(
            Arg::new("id")
                .long("id")
                .value_name("ID")
                .action(ArgAction::Append)
                .help("Only these failed deliveries (their X-Atlassian-Webhook-Identifier); repeatable or comma-separated"),
        )
        .arg(
            Arg::new("forward-to")
                .long("forward-to")
                .value_name("URL")
                .help("Send every replay here instead of each record's own url"),
        )
        .after_help("Example:\n  jr webhook replay --after 1700000000000 --forward-to http://127.0.0.1:8080/hook")
}

fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let wanted = list_values(matches, "id");
    let forward = matches.get_one::<String>("forward-to").cloned();
    if let Some(url) = &forward
        && url::Url::parse(url).map_or(true, |u| !matches!(u.scheme(), "http" | "https"))
    {
        return Err(Error::validation(format!(
            "--forward-to {url:?} is not an http(s) URL"
        )));
    }
    let after = matches.get_one::<i64>("after").copied();
    let records: Vec<Value> = api::failed_all(ctx, after)?
        .into_iter()
        .filter(|r| wanted.is_empty() || wanted.iter().any(|id| r["id"].as_str() == Some(id)))
        .collect();
    // An --id that names no failed delivery in the window is a mistake worth
    // an exit code, not an empty success.
    let unknown: Vec<&String> = wanted
        .iter()
        .filter(|id| {
            !records
                .iter()
                .any(|r| r["id"].as_str() == Some(id.as_str()))
        })
        .collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = unknown.iter().map(|id| id.as_str()).collect();
        return Err(Error::new(
            jr_core::ErrorKind::NotFound,
            format!("no failed delivery with the ID {}", names.join(", ")),
        )
        .with_hint(
            "jr webhook get-failed lists the failed deliveries Jira still keeps (72 hours)",
        ));
    }
    let client = site::outbound(ctx)?;
    let mut failures = Vec::new();
    for record in &records {
        let id = record["id"].as_str().unwrap_or_default().to_owned();
        let url = forward
            .clone()
            .or_else(|| record["url"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let Some(body) = record["body"].as_str() else {
            ctx.out.value(
                &json!({"id": id, "url": url, "skipped": "Jira kept no body for this failure"}),
            )?;
            continue;
        };
        if ctx.globals.dry_run {
            ctx.out
                .value(&json!({"id": id, "url": url, "dryRun": true}))?;
            continue;
        }
        let headers = [
            ("Content-Type".to_owned(), "application/json".to_owned()),
            ("X-Atlassian-Webhook-Identifier".to_owned(), id.clone()),
        ];
        let sent = ctx
            .exec
            .block_on(async { Ok(client.post(&url, &headers, body.as_bytes()).await) })?;
        let line = match sent {
            Ok(answer) => {
                let ok = (200..300).contains(&answer.status);
                if !ok {
                    failures.push(format!("{id} (HTTP {})", answer.status));
                }
                json!({"id": id, "url": url, "status": answer.status, "ok": ok})
            }
            Err(reason) => {
                failures.push(format!("{id} ({reason})"));
                json!({"id": id, "url": url, "status": null, "ok": false, "error": reason})
            }
        };
        ctx.out.value(&line)?;
    }
    if failures.is_empty() {
        return Ok(());
    }
    Err(Error::general(format!(
        "{} of {} replays failed: {}",
        failures.len(),
        records.len(),
        failures.join(", ")
    ))
    .with_hint("check that the app is up at that URL and answers 2xx; replay again with --id"))
}
