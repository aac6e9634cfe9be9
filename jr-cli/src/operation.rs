//! Running one operation of the table (or `jr raw`'s ad-hoc one) after its
//! arguments are read: settings, body, the extension's work before sending,
//! then `--dry-run`, `--stream` or one merged answer, printed through the
//! sink and checked by the extension.

use crate::args::{Invocation, RawArgs};
use crate::context::Ctx;
use crate::entry::Extension;
use crate::globals::OutputFormat;
use crate::output_file;
use clap::ArgMatches;
use jr_core::config::Settings;
use jr_core::ops::{Operation, Pagination};
use jr_core::paginate::{self, Page};
use jr_core::request::RequestPlan;
use jr_core::{Error, http};
use serde_json::{Value, json};

/// Runs `raw` (stage 1 done) with its command's `matches` and the
/// operation's `extension`, if any: prints the result and returns the
/// error, if any, that decides the exit code (a rejected registration item
/// prints its result and still fails).
///
/// Errors: exit 1 for configuration problems (before the body is read);
/// those of the body, the request and the sink; those of the extension.
pub fn run(
    ctx: &mut Ctx,
    raw: RawArgs,
    matches: &ArgMatches,
    extension: Option<&Extension>,
) -> Result<(), Error> {
    let extension = extension.unwrap_or(&Extension::NONE);
    // Configuration problems are reported before the body is read.
    ctx.settings()?;
    let mut invocation = Invocation::prepare(raw)?;
    (extension.before_send)(ctx, matches, &mut invocation).map_err(extension.explain)?;
    check_body_given(&invocation, extension)?;
    if ctx.globals.dry_run {
        let plan = invocation.plan()?;
        let settings = ctx.settings()?;
        let shown = dry_run_json(settings, &plan, invocation.shown_body.as_deref());
        if let Some(note) = settings.auth.dry_run_note() {
            let _ = writeln!(ctx.err, "{note}");
        }
        return ctx.out.json(&shown);
    }
    if invocation.op.deprecated {
        ctx.warn(&deprecation_warning(invocation.op));
    }
    let Some(answer) = send(ctx, &invocation).map_err(extension.explain)? else {
        return Ok(());
    };
    if !reads_as_json(&answer) {
        return write_unchanged(ctx, &answer);
    }
    let body = answer.body.as_slice();
    check_is_json(invocation.op, body)?;
    match ctx.globals.output_file.clone() {
        Some(path) => write_to_file(ctx, &path, &answer)?,
        None => ctx.out.json(body)?,
    }
    let checked = (extension.check)(ctx, body);
    for warning in &checked.warnings {
        ctx.warn(warning);
    }
    // Per-item failures the spec declares for this operation (bulk answers).
    let partial = jr_core::partial::check(invocation.op, body);
    for line in &partial.lines {
        let _ = writeln!(ctx.err, "{line}");
    }
    checked.error.or(partial.error).map_or(Ok(()), Err)
}

/// A required body that neither `--body` nor the helper flags gave: the
/// message names both (without helper flags, building the request plan
/// says so, naming `--body`).
///
/// Errors: exit 4.
fn check_body_given(invocation: &Invocation, extension: &Extension) -> Result<(), Error> {
    let op = invocation.op;
    if invocation.body.is_some() || !op.body.is_some_and(|body| body.required) {
        return Ok(());
    }
    let helpers: Vec<String> = (extension.args)()
        .iter()
        .filter_map(|arg| arg.get_long().map(|long| format!("--{long}")))
        .collect();
    if helpers.is_empty() {
        return Ok(());
    }
    Err(Error::validation(format!(
        "`{} {}` needs a request body: pass --body, or the helper flags {}",
        op.group(),
        op.command(),
        helpers.join(", ")
    ))
    .with_hint(format!(
        "see jr {} {} --help for the helper flags and an example",
        op.group(),
        op.command()
    )))
}

/// The stderr line jr writes before calling an operation the spec marks
/// deprecated: `{"warning": "…", "operation": "<operationId>"}`.
fn deprecation_warning(op: &jr_core::ops::Operation) -> serde_json::Value {
    serde_json::json!({
        "warning": format!(
            "`{} {}` ({} {}) is deprecated by Atlassian and may be removed; see `jr {} {} --help`",
            op.group(),
            op.command(),
            op.method.as_str(),
            op.path(),
            op.group(),
            op.command()
        ),
        "operation": op.operation_id(),
    })
}

/// Sends the invocation: the one answer, the merged answer of every page
/// (JSON, status 200), or `None` when `--stream` printed it already, item
/// by item.
fn send(ctx: &mut Ctx, invocation: &Invocation) -> Result<Option<http::Response>, Error> {
    let plan = invocation.plan()?;
    if invocation.paging_by_shape && ctx.globals.paginate {
        return send_paged_by_shape(ctx, invocation.op, plan);
    }
    let style = if ctx.globals.paginate {
        invocation.op.pagination
    } else {
        Pagination::None
    };
    if style == Pagination::None {
        let answer = ctx.send(&plan)?;
        return one_answer(ctx, invocation.op, answer);
    }
    if !streaming(ctx) {
        return ctx.fetch_listing(&plan, style).map(merged).map(Some);
    }
    ctx.stream_items(&plan, style).map(|()| None)
}

/// A merged listing as an answer: JSON by construction.
fn merged(body: Vec<u8>) -> http::Response {
    http::Response {
        status: 200,
        body,
        content_type: None,
    }
}

/// An answer that does not page: returned to be printed, or with
/// `--stream` printed here (one line, or a plain array's elements one per
/// line). An answer that is not JSON is returned either way, to be
/// written unchanged.
fn one_answer(
    ctx: &mut Ctx,
    op: &Operation,
    answer: http::Response,
) -> Result<Option<http::Response>, Error> {
    if streaming(ctx) && reads_as_json(&answer) {
        return stream_one(ctx, op, &answer.body).map(|()| None);
    }
    Ok(Some(answer))
}

/// Whether an answer is read as JSON (printed, filtered, checked): its
/// Content-Type says JSON or is absent (then it must be JSON, see
/// [`check_is_json`]); it is a web page (an error there too); or, whatever
/// type it names, its body is JSON (`text/plain` JSON is still JSON to a
/// script). Anything else (an image, an attachment, plain text) is written
/// unchanged.
fn reads_as_json(answer: &http::Response) -> bool {
    answer.is_json()
        || answer.is_web_page()
        || jr_core::json_scan::scan(answer.body.trim_ascii()).is_ok()
}

/// An answer whose Content-Type is not JSON (an avatar image, an
/// attachment, text): its bytes exactly as sent, to `--output-file` or to
/// stdout when that is not a terminal.
///
/// Errors: those of [`output_file::write`] and [`crate::sink::Sink::bytes`].
fn write_unchanged(ctx: &mut Ctx, answer: &http::Response) -> Result<(), Error> {
    match ctx.globals.output_file.clone() {
        Some(path) => write_to_file(ctx, &path, answer),
        None => {
            let content_type = answer.content_type.as_deref().unwrap_or("no Content-Type");
            ctx.out.bytes(&answer.body, content_type)
        }
    }
}

/// `--output-file PATH`: the body to the file, unchanged, and on stdout
/// `{"file": PATH, "bytes": N, "contentType": "image/png" | null,
/// "status": 200}` (through `--jq` like any result). `--output-file -` is
/// stdout itself, as with curl's `-o -`: the body unchanged, terminal or
/// not, and no summary; so is a path that names jr's stdout
/// (`/dev/stdout`, or the file the shell sent stdout to).
///
/// Errors: exit 4 for `--jq` with stdout as the file: there is no summary
/// for it to filter, and the body is not filtered (a review found `--jq`
/// silently ignored there).
fn write_to_file(ctx: &mut Ctx, path: &str, answer: &http::Response) -> Result<(), Error> {
    if path == "-" || output_file::is_stdout(path) {
        if ctx.globals.jq.is_some() {
            return Err(Error::validation(format!(
                "--jq has nothing to filter with --output-file {path}: the body goes to stdout unchanged, with no summary"
            ))
            .with_hint("drop --jq, or give --output-file a file: --jq then filters its summary"));
        }
        return ctx.out.unchanged(&answer.body);
    }
    output_file::write(path, &answer.body)?;
    let summary = json!({
        "file": path,
        "bytes": answer.body.len(),
        "contentType": answer.content_type,
        "status": answer.status,
    });
    ctx.out.json(summary.to_string().as_bytes())
}

/// `--stream` or `--output ndjson`: items are printed as the pages arrive.
fn streaming(ctx: &Ctx) -> bool {
    ctx.globals.stream || ctx.globals.output == OutputFormat::Ndjson
}

/// An answer that does not page, streamed: one line, or a plain array's
/// elements one per line.
fn stream_one(ctx: &mut Ctx, op: &Operation, body: &[u8]) -> Result<(), Error> {
    check_is_json(op, body)?;
    if ctx.out.items(body)?.is_continue() {
        let _ = ctx.out.flush()?;
    }
    Ok(())
}

/// `jr raw --paginate`: the first answer shows the paging style (see
/// [`paginate::detect`]); the walk goes on from it, merged or streamed, or
/// the answer is printed as it is when it has no known paging shape.
fn send_paged_by_shape(
    ctx: &mut Ctx,
    op: &Operation,
    plan: RequestPlan,
) -> Result<Option<http::Response>, Error> {
    let answer = ctx.send(&plan)?;
    let style = paginate::detect(&answer.body);
    if style == Pagination::None || !reads_as_json(&answer) {
        return one_answer(ctx, op, answer);
    }
    let first = Page::parse(&answer.body)?;
    let plan = open_to_paging(plan);
    if streaming(ctx) {
        return ctx
            .stream_items_from(&plan, style, Some(first))
            .map(|()| None);
    }
    ctx.exec
        .fetch_listing_from(&plan, style, Some(first))
        .map(merged)
        .map(Some)
}

/// An ad-hoc request may carry the paging parameters: in its JSON body when
/// it has one (Jira's POST searches), else in the query.
fn open_to_paging(mut plan: RequestPlan) -> RequestPlan {
    const PAGING: [&str; 2] = ["startAt", "nextPageToken"];
    let json_body = plan.body.as_ref().is_some_and(|(bytes, content_type)| {
        content_type.contains("json") && bytes.trim_ascii_start().starts_with(b"{")
    });
    let declared = if json_body {
        &mut plan.body_paging
    } else {
        &mut plan.query_params
    };
    for name in PAGING {
        if !declared.contains(&name) {
            declared.push(name);
        }
    }
    plan
}

/// A 2xx answer that should be JSON but is not (an HTML login page, a cut
/// body) is an error, never printed as a result.
fn check_is_json(op: &Operation, body: &[u8]) -> Result<(), Error> {
    let trimmed = body.trim_ascii();
    // Checked without recursion, so a deeply nested answer is still JSON.
    if trimmed.is_empty() || jr_core::json_scan::scan(trimmed).is_ok() {
        return Ok(());
    }
    Err(Error::general(format!(
        "Jira answered `{} {}` with a body that is not JSON",
        op.method.as_str(),
        op.path()
    ))
    .with_hint("check the base URL: it should be the site (https://your-domain.atlassian.net) or the API gateway"))
}

/// `{"method", "url", "headers", "body"}` with the credentials redacted by
/// the one rule of `jr_core::redact` (headers, query values, body members);
/// a file body is `shown` (`<file NAME, N bytes, TYPE>`), never its bytes.
fn dry_run_json(settings: &Settings, plan: &RequestPlan, shown: Option<&str>) -> Vec<u8> {
    let mut headers = serde_json::Map::new();
    if let Some(auth) = settings.auth.redacted_header_value() {
        headers.insert("Authorization".into(), json!(auth));
    }
    if let Some((_, content_type)) = &plan.body {
        headers.insert("Content-Type".into(), json!(content_type));
    }
    for (name, value) in &plan.headers {
        headers.insert(name.clone(), json!(http::shown_header_value(name, value)));
    }
    let body = plan.body.as_ref().map(|(bytes, content_type)| {
        if let Some(shown) = shown {
            return Value::String(shown.to_owned());
        }
        let shown = jr_core::redact::body(Some(content_type), bytes);
        serde_json::from_slice::<Value>(&shown)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&shown).into_owned()))
    });
    json!({
        "method": plan.method.as_str(),
        "url": jr_core::redact::url(&plan.url(&settings.base_url)),
        "headers": headers,
        "body": body,
    })
    .to_string()
    .into_bytes()
}
