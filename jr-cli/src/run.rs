//! One invocation from argv to exit code: parse, prepare, send (following
//! pages), print the result on stdout and diagnostics on stderr.

use crate::args::{BodySource, Invocation, RawArgs};
use crate::{cli, commands};
use jr_core::http::HttpClient;
use jr_core::request::RequestPlan;
use jr_core::{Error, ops, output, paginate};
use serde_json::{Value, json};
use std::io::Write;

/// What to do after a successful parse: print help or version, or run.
pub enum Parsed {
    /// Help or version text for stdout.
    Text(String),
    /// A command to run.
    Run(Box<RawArgs>),
}

/// Parses argv (stage 1). Errors: exit 4 for flags clap rejects.
pub fn parse(argv: &[String]) -> Result<Parsed, Error> {
    let command = cli::command(argv);
    match command.try_get_matches_from(argv) {
        Ok(matches) => match commands::run_builtin(&matches)? {
            Some(text) => Ok(Parsed::Text(text)),
            None => Ok(Parsed::Run(Box::new(RawArgs::from_matches(&matches)?))),
        },
        Err(e) => match e.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                Ok(Parsed::Text(e.render().to_string()))
            }
            clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                Err(missing_command(argv))
            }
            _ => Err(clap_error(&e)),
        },
    }
}

/// `jr` or `jr <group>` alone: name what can follow.
fn missing_command(argv: &[String]) -> Error {
    match cli::peek_group(argv) {
        Some(group) => {
            let commands: Vec<&str> = ops::in_group(&group).map(|op| op.command).collect();
            Error::validation(format!("no command given for group `{group}`")).with_hint(format!(
                "commands: {}; see jr {group} --help",
                commands.join(", ")
            ))
        }
        None => Error::validation("no group given").with_hint("run jr --help to list the groups"),
    }
}

fn clap_error(error: &clap::Error) -> Error {
    let text = error.render().to_string();
    let main = text.split("\n\nUsage:").next().unwrap_or_default();
    let message = main
        .trim_start_matches("error: ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let message = if message.is_empty() {
        "a command is needed".to_owned()
    } else {
        message
    };
    Error::validation(message)
        .with_hint("run jr --help, or jr <group> --help, to list commands and flags")
}

/// Runs a parsed command: prints the result and returns the error, if any,
/// that decides the exit code (a rejected registration item prints its result
/// and still fails).
pub fn run(raw: RawArgs, stdout: &mut impl Write, stderr: &mut impl Write) -> Result<(), Error> {
    let invocation = Invocation::prepare(raw)?;
    let op = invocation.op;
    if invocation.globals.dry_run {
        let plan = dry_run_plan(&invocation)?;
        return print(
            stdout,
            &dry_run_json(&invocation, &plan),
            invocation.globals.style,
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::general(format!("cannot start the async runtime: {e}")))?;
    let body = runtime
        .block_on(send(&invocation))
        .map_err(|e| commands::explain(op, e))?;
    check_is_json(op, &body)?;
    print(stdout, &body, invocation.globals.style)?;
    let checked = commands::check(op, &body);
    for warning in &checked.warnings {
        let _ = writeln!(stderr, "{warning}");
    }
    checked.error.map_or(Ok(()), Err)
}

async fn send(invocation: &Invocation) -> Result<Vec<u8>, Error> {
    let client = HttpClient::new(invocation.settings.clone(), invocation.globals.timeout);
    let body = match &invocation.body {
        Some(BodySource::AllOwnWebhookIds) => Some(all_own_webhook_ids(&client, invocation).await?),
        Some(BodySource::Inline(bytes)) => Some(bytes.clone()),
        Some(BodySource::File(_) | BodySource::Stdin) | None => None,
    };
    let plan = invocation.plan(body)?;
    let style = if invocation.globals.paginate {
        invocation.op.pagination
    } else {
        ops::Pagination::None
    };
    paginate::fetch_all(&client, &plan, style, invocation.globals.max_pages).await
}

/// Lists every page of the calling app's webhooks and returns
/// `{"webhookIds": [...]}` for `webhook refresh --all`.
async fn all_own_webhook_ids(
    client: &HttpClient,
    invocation: &Invocation,
) -> Result<Vec<u8>, Error> {
    let list = ops::by_operation_id("getDynamicWebhooksForApp")
        .ok_or_else(|| Error::general("the operation table has no getDynamicWebhooksForApp"))?;
    let plan = RequestPlan::build(list, &[], None)?;
    let body =
        paginate::fetch_all(client, &plan, list.pagination, invocation.globals.max_pages).await?;
    let page: Value = serde_json::from_slice(&body)
        .map_err(|e| Error::general(format!("the webhook list was not JSON: {e}")))?;
    let ids: Vec<i64> = page["values"]
        .as_array()
        .map(|values| values.iter().filter_map(|w| w["id"].as_i64()).collect())
        .unwrap_or_default();
    Ok(json!({ "webhookIds": ids }).to_string().into_bytes())
}

/// A 2xx answer that should be JSON but is not (an HTML login page, a cut
/// body) is an error, never printed as a result.
fn check_is_json(op: &ops::Operation, body: &[u8]) -> Result<(), Error> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() || serde_json::from_slice::<Value>(trimmed).is_ok() {
        return Ok(());
    }
    Err(Error::general(format!(
        "Jira answered `{} {}` with a body that is not JSON",
        op.method.as_str(),
        op.path
    ))
    .with_hint("check the base URL: it should be the site (https://your-domain.atlassian.net) or the API gateway"))
}

fn dry_run_plan(invocation: &Invocation) -> Result<RequestPlan, Error> {
    let body = match &invocation.body {
        Some(BodySource::Inline(bytes)) => Some(bytes.clone()),
        Some(BodySource::AllOwnWebhookIds) => Some(
            br#"{"webhookIds":"<every webhook ID of the calling app, listed first>"}"#.to_vec(),
        ),
        _ => None,
    };
    invocation.plan(body)
}

/// `{"method", "url", "headers", "body"}` with the credentials redacted.
fn dry_run_json(invocation: &Invocation, plan: &RequestPlan) -> Vec<u8> {
    let mut headers = serde_json::Map::new();
    if let Some(auth) = invocation.settings.auth.redacted_header_value() {
        headers.insert("Authorization".into(), json!(auth));
    }
    if let Some((_, content_type)) = &plan.body {
        headers.insert("Content-Type".into(), json!(content_type));
    }
    for (name, value) in &plan.headers {
        headers.insert(name.clone(), json!(value));
    }
    let body = plan.body.as_ref().map(|(bytes, _)| {
        serde_json::from_slice::<Value>(bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(bytes).into_owned()))
    });
    json!({
        "method": plan.method.as_str(),
        "url": plan.url(&invocation.settings.base_url),
        "headers": headers,
        "body": body,
    })
    .to_string()
    .into_bytes()
}

/// Prints one result. A closed pipe (`jr ... | head -1`) is not a failure:
/// the reader has what it wanted, so the write ends quietly.
fn print(stdout: &mut impl Write, body: &[u8], style: output::Style) -> Result<(), Error> {
    match output::write_body(stdout, body, style).and_then(|_| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::general(format!("cannot write the result: {e}")))
        }
        _ => Ok(()),
    }
}
