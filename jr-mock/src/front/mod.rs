//! The front door: the fake's public listener, a small hyper server on the
//! delivery runtime. Every request arrives here.
//!
//! 1. It refuses what no route can answer: `CONNECT` (the fake tunnels
//!    nothing) and a target that is not a path (`OPTIONS *`) get 400; a
//!    body larger than the limit (`--max-body-size`,
//!    [`crate::MockConfig::max_body_size`]) is refused unread (a
//!    `Content-Length` over it) or as soon as it passes the limit: 400 with
//!    an `ErrorCollection` on the webhook paths (as Jira answers a bad
//!    registration), 413 elsewhere; a body shorter than its
//!    `Content-Length` gets 400, one that does not arrive within the idle
//!    timeout 408. Connections are closed by the header and idle timeouts
//!    ([`watch`]).
//! 2. It serves the control API (`/_mock`, [`crate::control`]), all of it,
//!    with async handlers: `POST /_mock/events`, `/_mock/clock` and
//!    `/_mock/reset` wait for deliveries, and a receiver may call the fake
//!    back while it handles one.
//! 3. It records every other request in the request journal with the
//!    status answered ([`crate::journal`], credentials redacted), logs it on
//!    stderr with `jr-mock -v`, and has it answered by the backend:
//!    - [`Backend::Direct`] (the binary): the fake's routes
//!      ([`crate::routes::Routes::answer`]) answer here, concurrently, and
//!      nothing of the request is kept beyond the journal;
//!    - [`Backend::Wiremock`] (the embedded fake): the request is forwarded
//!      unchanged (method, path, query, headers including `Host`, so links
//!      still name the front door; body) to the wiremock server on its
//!      internal loopback port, where the same routes, the fault rules and
//!      any mocks a test mounts answer.
//! 4. It carries out the two faults a response template cannot: a body cut
//!    short ([`TRUNCATE_HEADER`]: the headers with the full
//!    `Content-Length` and the first half of the body go out, then the
//!    connection is aborted) and a connection closed without a response.
//!
//! Both hops set TCP_NODELAY: headers and body go out in separate writes,
//! and Nagle with delayed ACKs would add milliseconds to every call.

pub mod watch;

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{CONTENT_LENGTH, HOST, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, Uri, Version};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::runtime::Handle;

use crate::control::{self, Control};
use crate::faults::TRUNCATE_HEADER;
use crate::inspector;
use crate::journal::{Entry, Raw, SOURCE_HEADER, Source};
use crate::routes::{Path, Routes};
use crate::store::Store;
use crate::wire::{Answer, ApiError, Reply};
use watch::{Busy, Timeouts, Watch, Watched};

/// The default limit on a request body, in bytes (`--max-body-size`, 25 MB).
pub const DEFAULT_MAX_BODY: usize = 25_000_000;

/// Long enough for hyper to write what a cut-off body holds; short enough
/// for tests.
const FLUSH_PAUSE: Duration = Duration::from_millis(20);

/// Who answers the Jira requests (everything outside `/_mock`).
pub(crate) enum Backend {
    /// The wiremock server at this address (the embedded fake).
    Wiremock(SocketAddr),
    /// The fake's routes, right here (the binary).
    Direct(Arc<Routes>),
}

/// The front door's limits: the largest request body in bytes, and the
/// connection timeouts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) max_body: usize,
    pub(crate) timeouts: Timeouts,
}

enum Upstream {
    Wiremock {
        address: SocketAddr,
        client: Box<Client<HttpConnector, Full<Bytes>>>,
    },
    Direct(Arc<Routes>),
}

struct Front {
    control: Control,
    store: Arc<Store>,
    upstream: Upstream,
    limits: Limits,
}

/// Serves `listener` on `handle` until the runtime shuts down, answering
/// the control API itself and the rest through `backend`. Errors: the
/// listener cannot be made non-blocking or registered with the runtime.
pub(crate) fn spawn(
    listener: std::net::TcpListener,
    backend: Backend,
    control: Control,
    store: Arc<Store>,
    limits: Limits,
    handle: &Handle,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = {
        let _entered = handle.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let upstream = match backend {
        Backend::Direct(routes) => Upstream::Direct(routes),
        Backend::Wiremock(address) => {
            let mut connector = HttpConnector::new();
            connector.set_nodelay(true);
            let client = Box::new(Client::builder(TokioExecutor::new()).build(connector));
            Upstream::Wiremock { address, client }
        }
    };
    let front = Arc::new(Front {
        control,
        store,
        upstream,
        limits,
    });
    handle.spawn(accept(listener, front));
    Ok(())
}

async fn accept(listener: tokio::net::TcpListener, front: Arc<Front>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors and the like: give the system a moment
            // instead of spinning on the same error.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(stream, front.clone()));
    }
}

/// Serves one connection until the client closes it, a fault closes it, or
/// a timeout of [`watch`] passes.
async fn serve_connection(stream: tokio::net::TcpStream, front: Arc<Front>) {
    let watch = Watch::new(front.limits.timeouts);
    let io = TokioIo::new(Watched::new(stream, watch.clone()));
    let requests = watch.clone();
    let service = service_fn(move |req| {
        let front = front.clone();
        let busy = requests.request_started();
        async move {
            let answer = front.answer(req).await?;
            Ok::<_, ClosedByFault>(answer.map(|body| BusyBody { body, busy }.boxed()))
        }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // A connection error is the client's or a fault's business.
    tokio::select! {
        _ = builder.serve_connection(io, service) => {}
        () = watch.expired() => {}
    }
}

impl Front {
    /// Answers one request. `Err` makes hyper close the connection unanswered.
    async fn answer(&self, req: Request<Incoming>) -> Result<Answer, ClosedByFault> {
        if let Some(refusal) = unroutable(&req) {
            return Ok(refusal.answer());
        }
        if !control::owns(req.uri().path()) {
            return self.jira(req).await;
        }
        if let Some(answer) = inspector::serve(req.method().as_str(), req.uri().path(), &self.store)
        {
            return Ok(answer);
        }
        let method = req.method().as_str().to_owned();
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        let (parts, body) = req.into_parts();
        let body = self.read_body(&parts, body).await;
        Ok(self.control.answer(&method, &path, &query, body).await)
    }

    /// A Jira request: read, answered by the backend, journaled.
    async fn jira(&self, req: Request<Incoming>) -> Result<Answer, ClosedByFault> {
        let (parts, body) = req.into_parts();
        let seen = Seen::of(&parts);
        let (body, mut answer) = match self.read_body(&parts, body).await {
            Err(refusal) => {
                let mut answer = refusal.answer();
                let control = HeaderValue::from_static(Source::Control.as_str());
                answer.headers_mut().insert(SOURCE_HEADER, control);
                (Bytes::new(), Ok(answer))
            }
            Ok(body) => {
                let answer = match &self.upstream {
                    Upstream::Direct(routes) => direct(routes, parts, body.clone()).await,
                    Upstream::Wiremock { address, client } => {
                        forward(client, *address, parts, body.clone()).await
                    }
                };
                (body, answer)
            }
        };
        let status = answer.as_ref().map_or(0, |a| a.status().as_u16());
        let source = match &mut answer {
            Ok(answer) => answer
                .headers_mut()
                .remove(SOURCE_HEADER)
                .and_then(|v| Source::parse(v.to_str().ok()?)),
            Err(ClosedByFault) => Some((Source::Control, None)),
        };
        self.journal(&seen, &body, status, source);
        answer
    }

    /// The request body, read whole within the limits.
    /// Errors: the refusal to answer (see the module docs).
    async fn read_body(
        &self,
        parts: &hyper::http::request::Parts,
        body: Incoming,
    ) -> Result<Bytes, ApiError> {
        let max = self.limits.max_body;
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > max as u64) {
            return Err(too_large(parts.uri.path(), max));
        }
        let reading = Limited::new(body, max).collect();
        match tokio::time::timeout(self.limits.timeouts.idle, reading).await {
            Err(_) => Err(ApiError::RequestTimeout(
                "The request body did not arrive in time".into(),
            )),
            Ok(Ok(collected)) => Ok(collected.to_bytes()),
            Ok(Err(e)) if e.is::<LengthLimitError>() => Err(too_large(parts.uri.path(), max)),
            Ok(Err(e)) => Err(ApiError::BadRequest(format!(
                "The request body could not be read: {e}"
            ))),
        }
    }

    /// Records the request `seen` with `body` (answered `status`, 0 when
    /// closed unanswered) in the journal, and on stderr with `-v`.
    fn journal(
        &self,
        seen: &Seen,
        body: &[u8],
        status: u16,
        source: Option<(Source, Option<String>)>,
    ) {
        let raw = Raw {
            method: &seen.method,
            path: &seen.path,
            query: &seen.query,
            headers: &seen.headers,
            body,
        };
        let now = self.store.read(crate::model::Model::now_ms);
        let entry = Entry::redacted(now, raw, status).with_source(source);
        if self.store.logging() {
            let q = match entry.query.is_empty() {
                true => String::new(),
                false => format!("?{}", entry.query),
            };
            eprintln!("jr-mock: {} {}{q} -> {status}", entry.method, entry.path);
        }
        self.store.record_request(entry);
    }
}

/// The 400 for a request no route can answer: `CONNECT`, or a target that
/// is not an absolute path (`OPTIONS *`, an authority).
fn unroutable<B>(req: &Request<B>) -> Option<ApiError> {
    if req.method() == Method::CONNECT {
        return Some(ApiError::BadRequest(
            "jr-mock does not tunnel: CONNECT is not supported".into(),
        ));
    }
    let is_path = req
        .uri()
        .path_and_query()
        .is_some_and(|p| p.as_str().starts_with('/'));
    (!is_path).then(|| {
        ApiError::BadRequest(format!(
            "The request target {:?} is not a path",
            req.uri().to_string()
        ))
    })
}

/// The refusal of a body over `max` bytes sent to `path`.
fn too_large(path: &str, max: usize) -> ApiError {
    let message = format!("The request body is larger than jr-mock's limit of {max} bytes");
    let webhook_paths = [crate::api::WEBHOOK, crate::api::FAILED, crate::api::REFRESH];
    if webhook_paths.iter().any(|p| Path::Api(p).matches(path)) {
        ApiError::BadRequest(message)
    } else {
        ApiError::PayloadTooLarge(message)
    }
}

/// Answers with the fake's routes, here: waits out a latency fault, cuts a
/// truncated body.
async fn direct(
    routes: &Routes,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Answer, ClosedByFault> {
    let mut headers = parts.headers;
    if !headers.contains_key(HOST)
        && let Some(host) = parts.uri.authority().map(|a| a.as_str().to_owned())
        && let Ok(value) = HeaderValue::from_str(&host)
    {
        headers.insert(HOST, value);
    }
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(url) = format!("http://localhost{target}").parse() else {
        return Ok(ApiError::BadRequest("The request URI is invalid".into()).answer());
    };
    let req = wiremock::Request {
        url,
        method: parts.method,
        headers,
        body: body.to_vec(),
    };
    let mut reply = routes.answer(&req).map_err(|_| ClosedByFault)?;
    if let Some(delay) = reply.delay.take() {
        tokio::time::sleep(delay).await;
    }
    Ok(cut_if_marked(reply))
}

/// `reply`, or when it carries [`TRUNCATE_HEADER`], its head with the full
/// `Content-Length` and the first half of its body, then an abort.
fn cut_if_marked(mut reply: Reply) -> Answer {
    let before = reply.headers.len();
    reply
        .headers
        .retain(|(n, _)| !n.eq_ignore_ascii_case(TRUNCATE_HEADER));
    if reply.headers.len() == before {
        return reply.answer();
    }
    let whole = Bytes::from(std::mem::take(&mut reply.body));
    let half = whole.slice(..whole.len() / 2);
    let mut answer = reply
        .insert_header("content-length", whole.len().to_string())
        .answer();
    *answer.body_mut() = CutOff::new(half).boxed();
    answer
}

/// Forwards the request to wiremock at `address` (the embedded fake).
async fn forward(
    client: &Client<HttpConnector, Full<Bytes>>,
    address: SocketAddr,
    parts: hyper::http::request::Parts,
    body: Bytes,
) -> Result<Answer, ClosedByFault> {
    let mut upstream = Request::from_parts(parts, Full::new(body));
    if let Err(e) = aim_upstream(address, &mut upstream) {
        return Ok(e.answer());
    }
    let resp = match client.request(upstream).await {
        Ok(resp) => resp,
        Err(e) if e.is_connect() => {
            return Ok(ApiError::Unavailable(format!(
                "jr-mock could not reach its wiremock server: {e}"
            ))
            .answer());
        }
        // wiremock closed the connection: the closeConnection fault.
        Err(_) => return Err(ClosedByFault),
    };
    pass_on(resp).await
}

/// Points `req` at wiremock, keeping its `Host` (taken from an HTTP/2
/// `:authority` when there is no header). The internal hop is HTTP/1.1
/// whatever the client spoke.
fn aim_upstream<B>(address: SocketAddr, req: &mut Request<B>) -> Result<(), ApiError> {
    if !req.headers().contains_key(HOST)
        && let Some(host) = req.uri().authority().map(|a| a.as_str().to_owned())
        && let Ok(value) = HeaderValue::from_str(&host)
    {
        req.headers_mut().insert(HOST, value);
    }
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let uri = format!("http://{address}{path}")
        .parse::<Uri>()
        .map_err(|_| ApiError::BadRequest("The request URI is invalid".into()))?;
    *req.uri_mut() = uri;
    *req.version_mut() = Version::HTTP_11;
    Ok(())
}

/// What the journal keeps of a request's head, taken before it is answered.
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
}

impl Seen {
    fn of(parts: &hyper::http::request::Parts) -> Self {
        Self {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    (n.as_str().to_owned(), value)
                })
                .collect(),
        }
    }
}

/// wiremock's answer as it is, or cut short when it carries [`TRUNCATE_HEADER`].
async fn pass_on(resp: Response<Incoming>) -> Result<Answer, ClosedByFault> {
    let (mut parts, body) = resp.into_parts();
    if parts.headers.remove(TRUNCATE_HEADER).is_none() {
        let body = body.map_err(std::io::Error::other).boxed();
        return Ok(Response::from_parts(parts, body));
    }
    let whole = body.collect().await.map_err(|_| ClosedByFault)?.to_bytes();
    let half = whole.slice(..whole.len() / 2);
    Ok(Response::from_parts(parts, CutOff::new(half).boxed()))
}

/// The connection is closed without a response (a fault, not a failure of
/// the fake).
#[derive(Debug)]
pub(crate) struct ClosedByFault;

impl std::fmt::Display for ClosedByFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("jr-mock fault: connection closed")
    }
}

impl std::error::Error for ClosedByFault {}

/// A response body that keeps its request in progress ([`Busy`]) until it
/// has been sent whole or dropped.
struct BusyBody {
    body: http_body_util::combinators::BoxBody<Bytes, std::io::Error>,
    #[allow(dead_code)] // held for its Drop
    busy: Busy,
}

impl Body for BusyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A body that yields its bytes, pauses so hyper flushes them, then fails,
/// so hyper aborts the connection short of the promised `Content-Length`.
struct CutOff {
    head: Option<Bytes>,
    pause: Pin<Box<tokio::time::Sleep>>,
}

impl CutOff {
    fn new(head: Bytes) -> Self {
        Self {
            head: Some(head),
            pause: Box::pin(tokio::time::sleep(FLUSH_PAUSE)),
        }
    }
}

impl Body for CutOff {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(bytes) = self.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(bytes))));
        }
        match self.pause.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::other(
                "jr-mock fault: truncated body",
            )))),
        }
    }
}
