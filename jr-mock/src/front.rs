//! The front door: the fake's public listener, a small hyper server on the
//! delivery runtime in front of the wiremock server. It has two jobs.
//!
//! 1. Serve the control API (`/_mock`, [`crate::control`]), all of it.
//!    wiremock answers through synchronous responders on one current-thread
//!    runtime while holding a lock on its whole mock set, so a responder
//!    that waited for deliveries would stall the server: a receiver calling
//!    back into the fake during a delivery (to list webhooks, read the
//!    clock…) would wait for the very call that waits for it. Deliveries
//!    must never wait for the server. So the control calls, including
//!    `POST /_mock/events`, `POST /_mock/clock` and `POST /_mock/reset`,
//!    which wait for deliveries, are answered here with async handlers, and
//!    one server owns the whole prefix.
//! 2. Carry out the faults wiremock cannot. wiremock always sends whole
//!    bodies with an exact `Content-Length` (and hyper asserts the header
//!    matches the body), so the `truncated` fault responder marks its
//!    response with [`TRUNCATE_HEADER`]; here the marker is removed, the
//!    headers (with the full `Content-Length`) and the first half of the
//!    body go out, and the connection is aborted. A request that wiremock
//!    answers by closing the connection (`closeConnection`) is closed here
//!    too, without a response.
//!
//! Every other request is read whole (at most [`MAX_CONTROL_BODY`] bytes),
//! recorded in the request journal with the status answered
//! ([`crate::journal`], credentials redacted), logged on stderr with
//! `jr-mock -v`, and forwarded unchanged (method, path, query, headers
//! including `Host`, so links still name the front door; body) to wiremock
//! on its internal loopback port, where the Jira operations, the other
//! control routes, the fault rules and any mocks a test mounts answer.
//! Both hops set TCP_NODELAY: headers and body go out in separate writes,
//! and Nagle with delayed ACKs would add milliseconds to every call.

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Body, Frame, Incoming};
use hyper::header::{HOST, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, Uri, Version};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::runtime::Handle;

use crate::control::{self, Control};
use crate::faults::TRUNCATE_HEADER;
use crate::inspector;
use crate::journal::{Entry, Raw};
use crate::store::Store;
use crate::wire::{Answer, ApiError, json_answer};

/// The largest control request body read, in bytes.
pub const MAX_CONTROL_BODY: usize = 32 * 1024 * 1024;

/// Long enough for hyper to write what a cut-off body holds; short enough
/// for tests.
const FLUSH_PAUSE: Duration = Duration::from_millis(20);

struct Front {
    control: Control,
    store: Arc<Store>,
    upstream: SocketAddr,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// Serves `listener` on `handle` until the runtime shuts down, answering
/// the control API itself and forwarding the rest to `upstream`
/// (wiremock). Errors: the listener cannot be made non-blocking or
/// registered with the runtime.
pub(crate) fn spawn(
    listener: std::net::TcpListener,
    upstream: SocketAddr,
    control: Control,
    store: Arc<Store>,
    handle: &Handle,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let listener = {
        let _entered = handle.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client = Client::builder(TokioExecutor::new()).build(connector);
    let front = Arc::new(Front {
        control,
        store,
        upstream,
        client,
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

async fn serve_connection(stream: tokio::net::TcpStream, front: Arc<Front>) {
    let service = service_fn(move |req| {
        let front = front.clone();
        async move { front.answer(req).await }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // A connection error is the client's or a fault's business.
    let _ = builder
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

impl Front {
    /// Answers one request. `Err` makes hyper close the connection unanswered.
    async fn answer(&self, req: Request<Incoming>) -> Result<Answer, ClosedByFault> {
        if !control::owns(req.uri().path()) {
            return self.forward(req).await;
        }
        if let Some(answer) = inspector::serve(req.method().as_str(), req.uri().path(), &self.store)
        {
            return Ok(answer);
        }
        let method = req.method().as_str().to_owned();
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        let body = read_body(req).await;
        let (status, json) = self.control.answer(&method, &path, &query, body).await;
        Ok(json_answer(status, &json))
    }

    async fn forward(&self, req: Request<Incoming>) -> Result<Answer, ClosedByFault> {
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, MAX_CONTROL_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                let e = format!("The request body could not be read: {e}");
                return Ok(ApiError::BadRequest(e).answer());
            }
        };
        let seen = Seen::of(&parts);
        let mut upstream = Request::from_parts(parts, Full::new(body.clone()));
        let answer = match self.aim_upstream(&mut upstream) {
            Err(e) => Ok(e.answer()),
            Ok(()) => self.send(upstream).await,
        };
        let status = answer.as_ref().map_or(0, |a| a.status().as_u16());
        self.journal(&seen, &body, status);
        answer
    }

    async fn send(&self, req: Request<Full<Bytes>>) -> Result<Answer, ClosedByFault> {
        let resp = match self.client.request(req).await {
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

    /// Records the request `seen` with `body` (answered `status`, 0 when
    /// closed unanswered) in the journal, and on stderr with `-v`.
    fn journal(&self, seen: &Seen, body: &[u8], status: u16) {
        let raw = Raw {
            method: &seen.method,
            path: &seen.path,
            query: &seen.query,
            headers: &seen.headers,
            body,
        };
        let now = self.store.read(crate::model::Model::now_ms);
        let entry = Entry::redacted(now, raw, status);
        if self.store.logging() {
            let q = match entry.query.is_empty() {
                true => String::new(),
                false => format!("?{}", entry.query),
            };
            eprintln!("jr-mock: {} {}{q} -> {status}", entry.method, entry.path);
        }
        self.store.record_request(entry);
    }

    /// Points `req` at wiremock, keeping its `Host` (taken from an HTTP/2
    /// `:authority` when there is no header). The internal hop is HTTP/1.1
    /// whatever the client spoke.
    fn aim_upstream<B>(&self, req: &mut Request<B>) -> Result<(), ApiError> {
        if !req.headers().contains_key(HOST)
            && let Some(host) = req.uri().authority().map(|a| a.as_str().to_owned())
            && let Ok(value) = HeaderValue::from_str(&host)
        {
            req.headers_mut().insert(HOST, value);
        }
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let uri = format!("http://{}{path}", self.upstream)
            .parse::<Uri>()
            .map_err(|_| ApiError::BadRequest("The request URI is invalid".into()))?;
        *req.uri_mut() = uri;
        *req.version_mut() = Version::HTTP_11;
        Ok(())
    }
}

/// What the journal keeps of a request's head, taken before it is forwarded.
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

async fn read_body(req: Request<Incoming>) -> Result<Bytes, String> {
    Limited::new(req.into_body(), MAX_CONTROL_BODY)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| format!("The request body could not be read: {e}"))
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
