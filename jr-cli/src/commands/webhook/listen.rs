//! `jr webhook listen`: a local receiver for Jira's webhook deliveries that
//! checks their signatures, answers as told (to watch Jira's retries), can
//! pass each delivery on to the app, and prints one JSON line per delivery.
//!
//! It binds 127.0.0.1 only. The first stderr line is
//! `{"listening": "http://127.0.0.1:PORT/PATH"}`. Each delivery is one line on
//! stdout (pretty on a terminal), written and flushed before the next is
//! taken: `{"received_at", "event", "identifier", "retry", "flow",
//! "matched_webhook_ids", "signature", "status", "forward", "body"}` with
//! `body` exactly the bytes received when they are JSON. The default answer
//! is 204 with an empty body, a success to Jira (docs/jira-semantics.md §8.4).
//!
//! Headers and signatures: docs/jira-semantics.md §8.3; the check itself is
//! `jr_core::webhook::delivery::verify`.

use super::site;
use crate::context::Ctx;
use crate::entry::{Entry, Own};
use bytes::Bytes;
use clap::{Arg, ArgAction, ArgMatches, Command};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};
use jr_core::Error;
use jr_core::webhook::delivery::{self, Verdict};
use jr_core::webhook::outbound::{self, MAX_BODY_BYTES, Outbound};
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// `jr webhook listen`.
pub const ENTRY: Entry = Entry::InGroup(
    "webhook",
    Own {
        name: "listen",
        command,
        run,
    },
);

/// How long in-flight answers may take to finish once `--max` is reached.
const DRAIN: Duration = Duration::from_secs(5);

/// Headers that belong to one connection, never passed on by `--forward-to`.
const HOP_BY_HOP: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
];

fn command() -> Command {
    Command::new("listen")
        .about("Receive webhook deliveries on 127.0.0.1 and check their signatures")
        .long_about(
            "Receive webhook deliveries on 127.0.0.1, check their signatures and print each as a JSON line.\n\n\
             The first stderr line is {\"listening\":\"http://127.0.0.1:PORT/hook\"}: register that URL (or a tunnel to it). \
             Each delivery is one JSON line on stdout (pretty on a terminal): received_at (ms), event, identifier \
             (X-Atlassian-Webhook-Identifier), retry (X-Atlassian-Webhook-Retry, absent on a first attempt), flow, \
             matched_webhook_ids, signature {scheme: oauth-bearer | connect-jwt | none, valid, reason}, status (the answer given), \
             forward (with --forward-to) and body (as received).\n\n\
             Signatures: an OAuth 2.0 app's delivery carries Authorization: Bearer <HS256 JWT> signed with the app's client secret \
             (signature and exp are checked); a Connect app's carries Authorization: JWT <HS256 token> signed with the shared \
             secret, whose qsh must be that of this POST. Without --secret the scheme is reported and valid is false.\n\n\
             The default answer is 204 with an empty body (a success to Jira). It ends after --max deliveries (exit 0) or on Ctrl-C (exit 130).",
        )
        .arg(
            Arg::new("port")
                .long("port")
                .value_name("N")
                .value_parser(clap::value_parser!(u16))
                .default_value("0")
                .help("Port on 127.0.0.1 (0 picks a free one)"),
        )
        .arg(
            Arg::new("path")
                .long("path")
                .value_name("PATH")
                .default_value("/hook")
                .help("The path deliveries are posted to; others get 404"),
        )
        .arg(
            Arg::new("secret")
                .long("secret")
                .value_name("SECRET")
                .env("JR_WEBHOOK_SECRET")
                .hide_env_values(true)
                .help("The OAuth 2.0 app's client secret or the Connect app's shared secret, to check signatures"),
        )
        .arg(
            Arg::new("reject-invalid")
                .long("reject-invalid")
                .action(ArgAction::SetTrue)
                .help("Answer 401 to a delivery whose signature does not check out"),
        )
        .arg(
            Arg::new("respond")
                .long("respond")
                .value_name("CODE[,CODE...]")
                .value_delimiter(',')
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(u16).range(200..=599))
                .help("Answer these statuses in turn, then 200 (e.g. 503,503,200 to watch Jira retry)"),
        )
        .arg(
            Arg::new("forward-to")
                .long("forward-to")
                .value_name("URL")
                .help("Pass each delivery on to the app (same body and headers) and answer with its status, unless --respond"),
        )
        .arg(
            Arg::new("allow-remote")
                .long("allow-remote")
                .action(ArgAction::SetTrue)
                .help("Let --forward-to name a host other than loopback"),
        )
        .arg(
            Arg::new("max")
                .long("max")
                .value_name("N")
                .value_parser(clap::value_parser!(u64).range(1..))
                .help("Exit 0 after N deliveries"),
        )
        .after_help(
            "Example:\n  jr webhook listen --port 8080 --secret \"$CLIENT_SECRET\" --respond 503,200 --max 2",
        )
}

/// What every request handler reads.
struct Receiver {
    path: String,
    secret: Option<String>,
    reject_invalid: bool,
    respond: Vec<u16>,
    forward: Option<(Outbound, String)>,
    max: Option<u64>,
    /// Deliveries taken so far (their slots, `--max` counts them).
    taken: AtomicU64,
    /// The next `--respond` status to use.
    next_answer: AtomicUsize,
    lines: mpsc::UnboundedSender<Line>,
}

/// What the handlers hand to the printing loop.
enum Line {
    /// One delivery's JSON line.
    Delivery(Vec<u8>),
    /// A request that is not a delivery (wrong path or method): a warning.
    Stray(Value),
}

fn run(ctx: &mut Ctx, matches: &ArgMatches) -> Result<(), Error> {
    let forward = forward_target(ctx, matches)?;
    let path = matches
        .get_one::<String>("path")
        .cloned()
        .unwrap_or_else(|| "/hook".into());
    if !path.starts_with('/') {
        return Err(Error::validation(format!(
            "--path {path:?} must start with /"
        )));
    }
    let port = matches.get_one::<u16>("port").copied().unwrap_or(0);
    let listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| Error::general(format!("cannot listen on 127.0.0.1:{port}: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::general(format!("cannot read the bound port: {e}")))?;
    let (lines, mut received) = mpsc::unbounded_channel();
    let receiver = Arc::new(Receiver {
        path: path.clone(),
        secret: matches.get_one::<String>("secret").cloned(),
        reject_invalid: matches.get_flag("reject-invalid"),
        respond: matches
            .get_many::<u16>("respond")
            .map(|codes| codes.copied().collect())
            .unwrap_or_default(),
        forward,
        max: matches.get_one::<u64>("max").copied(),
        taken: AtomicU64::new(0),
        next_answer: AtomicUsize::new(0),
        lines,
    });
    ctx.warn(&json!({"listening": format!("http://{bound}{path}")}));
    let _ = ctx.err.flush();
    let max = receiver.max;
    let Ctx { out, exec, err, .. } = ctx;
    exec.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::general(format!("cannot listen: {e}")))?;
        let mut connections = tokio::task::JoinSet::new();
        let mut printed = 0_u64;
        while max.is_none_or(|max| printed < max) {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        connections.spawn(serve(stream, receiver.clone()));
                    }
                }
                Some(line) = received.recv() => match line {
                    Line::Delivery(bytes) => {
                        out.json(&bytes)?;
                        printed += 1;
                    }
                    Line::Stray(warning) => {
                        let _ = writeln!(err, "{warning}");
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        // The last delivery's answer is still being written: let it finish.
        drop(listener);
        let _ = tokio::time::timeout(DRAIN, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        Ok(())
    })
}

use std::io::Write;

/// `--forward-to`, checked: an http(s) URL, loopback unless `--allow-remote`.
///
/// Errors: exit 4 for another URL.
fn forward_target(ctx: &Ctx, matches: &ArgMatches) -> Result<Option<(Outbound, String)>, Error> {
    let Some(url) = matches.get_one::<String>("forward-to") else {
        return Ok(None);
    };
    let parsed = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"));
    if parsed.is_none() {
        return Err(Error::validation(format!(
            "--forward-to {url:?} is not an http(s) URL"
        )));
    }
    if !matches.get_flag("allow-remote") && !outbound::is_loopback(url) {
        return Err(Error::validation(format!(
            "--forward-to {url} is not on this machine (127.0.0.1, localhost, [::1])"
        ))
        .with_hint("pass --allow-remote to forward deliveries to another host"));
    }
    Ok(Some((site::outbound(ctx)?, url.clone())))
}

/// Serves one connection (one request: keep-alive is off, so a finished
/// connection means its answer has been written).
async fn serve(stream: tokio::net::TcpStream, receiver: Arc<Receiver>) {
    let service = hyper::service::service_fn(move |request| {
        let receiver = receiver.clone();
        async move { Ok::<_, std::convert::Infallible>(receiver.answer(request).await) }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
        .await;
}

/// One delivery's line (see the module docs).
#[derive(Serialize)]
struct Record<'a> {
    received_at: i64,
    event: Option<&'a str>,
    identifier: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry: Option<Value>,
    flow: Option<&'a str>,
    matched_webhook_ids: Value,
    signature: Value,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    forward: Option<Value>,
    body: &'a RawValue,
}

impl Receiver {
    async fn answer(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let method = request.method().as_str().to_owned();
        let path_and_query = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        if method != "POST" || request.uri().path() != self.path {
            let status = if method == "POST" { 404 } else { 405 };
            let _ = self.lines.send(Line::Stray(json!({"warning": format!(
                "{method} {path_and_query} is not a delivery to POST {}; answered {status}", self.path)})));
            return reply(status, None, Bytes::new());
        }
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let body = match Limited::new(request.into_body(), MAX_BODY_BYTES)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                // Jira itself does not deliver over 25 MB; say why it was refused.
                let _ = self.lines.send(Line::Stray(json!({"warning": format!(
                    "a delivery to {path_and_query} was larger than {MAX_BODY_BYTES} bytes; answered 413")})));
                return reply(413, None, Bytes::new());
            }
        };
        let slot = self.taken.fetch_add(1, Ordering::SeqCst);
        if self.max.is_some_and(|max| slot >= max) {
            // Past --max: Jira will retry it; nothing is lost.
            return reply(503, None, Bytes::new());
        }
        let now = jiff::Timestamp::now();
        let verdict = delivery::verify(
            header(&headers, "authorization"),
            self.secret.as_deref(),
            &path_and_query,
            now.as_second(),
        );
        let (status, answer_type, answer, forward) = self.decide(&verdict, &headers, &body).await;
        self.record(
            &body,
            &headers,
            &verdict,
            status,
            forward,
            now.as_millisecond(),
        );
        reply(status, answer_type, answer)
    }

    /// The status to answer (and its body), after forwarding if asked.
    async fn decide(
        &self,
        verdict: &Verdict,
        headers: &[(String, String)],
        body: &Bytes,
    ) -> (u16, Option<String>, Bytes, Option<Value>) {
        if self.reject_invalid && !verdict.valid {
            return (401, None, Bytes::new(), None);
        }
        let mut answer = (204, None, Bytes::new(), None);
        if let Some((client, url)) = &self.forward {
            let passed: Vec<(String, String)> = headers
                .iter()
                .filter(|(n, _)| !HOP_BY_HOP.contains(&n.to_ascii_lowercase().as_str()))
                .cloned()
                .collect();
            answer = match client.post(url, &passed, body).await {
                Ok(app) => (
                    app.status,
                    app.content_type,
                    Bytes::from(app.body),
                    Some(json!({"url": url, "status": app.status})),
                ),
                Err(reason) => (
                    502,
                    None,
                    Bytes::new(),
                    Some(json!({"url": url, "error": reason})),
                ),
            };
        }
        if !self.respond.is_empty() {
            let turn = self.next_answer.fetch_add(1, Ordering::SeqCst);
            let status = self.respond.get(turn).copied().unwrap_or(200);
            answer = (status, None, Bytes::new(), answer.3);
        }
        answer
    }

    fn record(
        &self,
        body: &[u8],
        headers: &[(String, String)],
        verdict: &Verdict,
        status: u16,
        forward: Option<Value>,
        received_at: i64,
    ) {
        let header = |name: &str| header(headers, name);
        let text = String::from_utf8_lossy(body);
        let raw = RawValue::from_string(text.trim().to_owned())
            .or_else(|_| RawValue::from_string(Value::String(text.into_owned()).to_string()));
        let Ok(raw) = raw else {
            return;
        };
        let parsed: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
        let record = Record {
            received_at,
            event: parsed["webhookEvent"].as_str(),
            identifier: header("x-atlassian-webhook-identifier"),
            // A number, as the output's contract says; a header that is not
            // one is null.
            retry: header("x-atlassian-webhook-retry")
                .map(|r| r.trim().parse::<u64>().map_or(Value::Null, |n| json!(n))),
            flow: header("x-atlassian-webhook-flow"),
            matched_webhook_ids: parsed
                .get("matchedWebhookIds")
                .cloned()
                .unwrap_or(Value::Null),
            signature: verdict.to_json(),
            status,
            forward,
            body: &raw,
        };
        if let Ok(line) = serde_json::to_vec(&record) {
            let _ = self.lines.send(Line::Delivery(line));
        }
    }
}

/// The value of the header `name` (any case), if it came once or more.
fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn reply(status: u16, content_type: Option<String>, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    if let Some(value) = content_type.and_then(|c| hyper::header::HeaderValue::from_str(&c).ok()) {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}
