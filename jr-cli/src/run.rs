//! One invocation from argv to exit code: parse, prepare, send (following
//! pages), print the result on stdout and diagnostics on stderr.

use crate::args::{BodySource, Globals, Invocation, RawArgs};
use crate::{cli, commands, session, tools};
use jr_core::config::Settings;
use jr_core::http::HttpClient;
use jr_core::request::RequestPlan;
use jr_core::retry::RetryPolicy;
use jr_core::{Error, ErrorKind, ops, output, paginate};
use serde_json::{Value, json};
use std::io::Write;
use std::ops::ControlFlow;
use std::sync::Arc;

/// What to do after a successful parse: print help or version, or run.
pub enum Parsed {
    /// Help or version text for stdout.
    Text(String),
    /// A command to run.
    Run(Box<RawArgs>),
    /// A command of jr's own (`configure`, `auth`) with its matches.
    Tool(&'static tools::Tool, Box<clap::ArgMatches>, Box<Globals>),
}

/// Parses argv (stage 1). Errors: exit 4 for flags clap rejects.
pub fn parse(argv: &[String]) -> Result<Parsed, Error> {
    let command = cli::command(argv);
    match command.try_get_matches_from(argv) {
        Ok(matches) => match matches
            .subcommand()
            .and_then(|(name, sub)| Some((tools::find(name)?, sub)))
        {
            Some((tool, sub)) => Ok(Parsed::Tool(
                tool,
                Box::new(sub.clone()),
                Box::new(Globals::from_matches(&matches)?),
            )),
            None => match commands::run_builtin(&matches)? {
                Some(text) => Ok(Parsed::Text(text)),
                None => Ok(Parsed::Run(Box::new(RawArgs::from_matches(&matches)?))),
            },
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
        Some(group) if tools::find(&group).is_some() => {
            let names: Vec<String> = tools::find(&group)
                .map(|tool| {
                    (tool.command)()
                        .get_subcommands()
                        .map(|c| c.get_name().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            Error::validation(format!("no command given for `{group}`")).with_hint(format!(
                "commands: {}; see jr {group} --help",
                names.join(", ")
            ))
        }
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
/// and still fails). Ctrl-C stops the work at once with exit 130; in
/// `--stream` mode the lines already printed are complete.
pub fn run(raw: RawArgs, stdout: &mut impl Write, stderr: &mut impl Write) -> Result<(), Error> {
    let invocation = Invocation::prepare(raw)?;
    let op = invocation.op;
    if invocation.globals.dry_run {
        let plan = dry_run_plan(&invocation)?;
        if let Some(note) = invocation.settings.auth.dry_run_note() {
            let _ = writeln!(stderr, "{note}");
        }
        return print(
            stdout,
            &dry_run_json(&invocation, &plan),
            &invocation.globals,
        );
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::general(format!("cannot start the async runtime: {e}")))?;
    let body = runtime
        .block_on(until_interrupted(with_session(&invocation, stdout)))
        .map_err(|e| explain_unauthorized(&invocation, e))
        .map_err(|e| commands::explain(op, e))?;
    let Some(body) = body else {
        return Ok(());
    };
    check_is_json(op, &body)?;
    print(stdout, &body, &invocation.globals)?;
    let checked = commands::check(op, &body);
    for warning in &checked.warnings {
        let _ = writeln!(stderr, "{warning}");
    }
    // Per-item failures the spec declares for this operation (bulk answers).
    let partial = jr_core::partial::check(op, &body);
    for line in &partial.lines {
        let _ = writeln!(stderr, "{line}");
    }
    checked.error.or(partial.error).map_or(Ok(()), Err)
}

/// Runs `work` unless Ctrl-C comes first: then the work is dropped where it
/// waits (a request, a retry's sleep) and the answer is exit 130.
async fn until_interrupted<T>(
    work: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => Err(Error::new(ErrorKind::Interrupted, "interrupted")),
    }
}

/// Sends (or streams) with an OAuth 2.0 profile's token renewed when it is
/// about to expire, and renewed once more after a 401 (a 401 means Jira did
/// nothing, so sending again is safe for every method).
async fn with_session(
    invocation: &Invocation,
    stdout: &mut impl Write,
) -> Result<Option<Vec<u8>>, Error> {
    let timeout = invocation.globals.timeout;
    let settings = session::fresh(&invocation.settings, timeout).await?;
    match send_or_stream(invocation, &settings, stdout).await {
        Err(e) if e.status() == Some(401) && settings.oauth.is_some() => {
            let renewed = session::renew(&settings, timeout).await?;
            send_or_stream(invocation, &renewed, stdout).await
        }
        result => result,
    }
}

async fn send_or_stream(
    invocation: &Invocation,
    settings: &Settings,
    stdout: &mut impl Write,
) -> Result<Option<Vec<u8>>, Error> {
    let client = client(invocation, settings);
    if invocation.globals.stream {
        stream(invocation, &client, stdout).await.map(|()| None)
    } else {
        send(invocation, &client).await.map(Some)
    }
}

/// A 401 to basic auth on a site URL may be a scoped API token, which only
/// works through the API gateway: say so, naming `--cloud-id`.
fn explain_unauthorized(invocation: &Invocation, error: Error) -> Error {
    if error.status() != Some(401) {
        return error;
    }
    let settings = &invocation.settings;
    let hint = match &settings.auth {
        jr_core::auth::Auth::Connect { .. } => Some(
            "check the Connect app key and shared secret: JR_CONNECT_KEY and JR_CONNECT_SECRET, or the profile's app_key and shared_secret".to_owned(),
        ),
        jr_core::auth::Auth::Bearer { .. } if settings.oauth.is_none() => Some(
            "the access token is unknown or expired: get a new one, or use jr auth login so jr renews it".to_owned(),
        ),
        _ => jr_core::config::scoped_token_hint(settings),
    };
    match hint {
        Some(hint) => error.with_hint(hint),
        None => error,
    }
}

fn client(invocation: &Invocation, settings: &Settings) -> HttpClient {
    let globals = &invocation.globals;
    let client = HttpClient::new(settings.clone(), globals.timeout)
        .with_retry(RetryPolicy {
            max_retries: globals.retries,
            retry_unsafe: globals.retry_unsafe,
            ..RetryPolicy::default()
        })
        .with_max_response_bytes(globals.max_response_bytes);
    if globals.verbose {
        // stderr is line-buffered per call; each event is one line.
        client.with_events(Arc::new(|event| {
            let _ = writeln!(std::io::stderr(), "{event}");
        }))
    } else {
        client
    }
}

async fn plan(invocation: &Invocation, client: &HttpClient) -> Result<RequestPlan, Error> {
    let body = match &invocation.body {
        Some(BodySource::AllOwnWebhookIds) => Some(all_own_webhook_ids(client, invocation).await?),
        Some(BodySource::Inline(bytes)) => Some(bytes.clone()),
        Some(BodySource::File(_) | BodySource::Stdin) | None => None,
    };
    invocation.plan(body)
}

fn pagination(invocation: &Invocation) -> ops::Pagination {
    if invocation.globals.paginate {
        invocation.op.pagination
    } else {
        ops::Pagination::None
    }
}

async fn send(invocation: &Invocation, client: &HttpClient) -> Result<Vec<u8>, Error> {
    let plan = plan(invocation, client).await?;
    paginate::fetch_all(
        client,
        &plan,
        pagination(invocation),
        invocation.globals.max_pages,
    )
    .await
}

/// `--stream`: every item of every page as one compact line (through `--jq`
/// when given), written as each page arrives; memory stays one page. An
/// operation that does not page prints its answer as one line. A closed
/// stdout ends the listing quietly.
async fn stream(
    invocation: &Invocation,
    client: &HttpClient,
    stdout: &mut impl Write,
) -> Result<(), Error> {
    let plan = plan(invocation, client).await?;
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout);
    let style = pagination(invocation);
    if style == ops::Pagination::None {
        let body = client.send(&plan).await?.body;
        check_is_json(invocation.op, &body)?;
        if write_line(&mut out, &body, &invocation.globals)?.is_continue() {
            let _ = flush(&mut out)?;
        }
        return Ok(());
    }
    let globals = &invocation.globals;
    paginate::for_each_page(client, &plan, style, globals.max_pages, &mut |page| {
        for item in page.items() {
            if write_line(&mut out, item.get().as_bytes(), globals)?.is_break() {
                return Ok(ControlFlow::Break(()));
            }
        }
        flush(&mut out)
    })
    .await
}

/// Writes one document (or its `--jq` results) as compact lines.
fn write_line(
    out: &mut impl Write,
    json: &[u8],
    globals: &Globals,
) -> Result<ControlFlow<()>, Error> {
    let written = match &globals.jq {
        Some(filter) => filter.run(json)?.iter().try_for_each(|result| {
            output::write_json(out, result.as_bytes(), output::Style::Compact, false)
        }),
        None => output::write_json(out, json, output::Style::Compact, false),
    };
    write_result(written)
}

fn flush(out: &mut impl Write) -> Result<ControlFlow<()>, Error> {
    write_result(out.flush())
}

/// A closed pipe (`jr ... | head -1`) is not a failure: the reader has what
/// it wanted, so writing stops quietly.
fn write_result(result: std::io::Result<()>) -> Result<ControlFlow<()>, Error> {
    match result {
        Ok(()) => Ok(ControlFlow::Continue(())),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ControlFlow::Break(())),
        Err(e) => Err(Error::general(format!("cannot write the result: {e}"))),
    }
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
    if trimmed.is_empty() || serde_json::from_slice::<serde::de::IgnoredAny>(trimmed).is_ok() {
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
        headers.insert(
            name.clone(),
            json!(jr_core::http::shown_header_value(name, value)),
        );
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

/// Prints one result, or each of its `--jq` results, in the chosen style.
/// A closed pipe ends quietly (see [`write_result`]).
fn print(stdout: &mut impl Write, body: &[u8], globals: &Globals) -> Result<(), Error> {
    let style = globals.style;
    let written = match &globals.jq {
        Some(filter) => filter.run(body)?.iter().try_for_each(|result| {
            output::write_json(stdout, result.as_bytes(), style, globals.colour)
        }),
        None => output::write_json(stdout, body, style, globals.colour),
    };
    write_result(written.and_then(|()| stdout.flush())).map(|_| ())
}
