//! The loopback front door: a small HTTP/1.1 proxy on the fake's public
//! port that passes every request to the wiremock server behind it, and
//! applies the one fault wiremock cannot: a body cut off mid-way.
//!
//! wiremock always sends whole bodies with an exact `Content-Length` (and
//! hyper asserts the header matches the body), so a truncated response is
//! marked by the fault responder with [`TRUNCATE_HEADER`]; here the marker
//! is removed, the headers (with the full `Content-Length`) and the first
//! half of the body go out, and the connection is aborted. A request that
//! wiremock answers by closing the connection is closed here too, without
//! a response. Everything else passes through unchanged, `Host` included,
//! so links still name the front.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// Marks a response for truncation; never reaches the client.
pub(crate) const TRUNCATE_HEADER: &str = "x-jr-mock-truncate";

type Answer = Response<BoxBody<Bytes, std::io::Error>>;

/// Serves `listener`, forwarding to `backend`, until the runtime stops.
pub(crate) async fn serve(listener: tokio::net::TcpListener, backend: SocketAddr) {
    // No Nagle: headers and body go out in separate writes, and waiting for
    // delayed ACKs would add milliseconds to every request on loopback.
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Client<HttpConnector, Incoming> =
        Client::builder(TokioExecutor::new()).build(connector);
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors and the like: let it pass, without spinning.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let client = client.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| forward(req, client.clone(), backend));
            // A connection error is the client's or a fault's business.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Forwards one request. `Err` makes hyper close the connection unanswered.
async fn forward(
    mut req: Request<Incoming>,
    client: Client<HttpConnector, Incoming>,
    backend: SocketAddr,
) -> Result<Answer, ClosedByFault> {
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let uri = format!("http://{backend}{path}");
    match uri.parse() {
        Ok(uri) => *req.uri_mut() = uri,
        Err(_) => return Ok(plain(StatusCode::BAD_REQUEST)),
    }
    let resp = match client.request(req).await {
        Ok(resp) => resp,
        // wiremock closed the connection: the closeConnection fault.
        Err(e) if e.is_connect() => return Ok(plain(StatusCode::BAD_GATEWAY)),
        Err(_) => return Err(ClosedByFault),
    };
    let (mut parts, body) = resp.into_parts();
    if parts.headers.remove(TRUNCATE_HEADER).is_none() {
        let body = body.map_err(std::io::Error::other).boxed();
        return Ok(Response::from_parts(parts, body));
    }
    let whole = body.collect().await.map_err(|_| ClosedByFault)?.to_bytes();
    let half = whole.slice(..whole.len() / 2);
    Ok(Response::from_parts(parts, CutOff::new(half).boxed()))
}

fn plain(status: StatusCode) -> Answer {
    let mut resp = Response::new(
        http_body_util::Empty::new()
            .map_err(|e: Infallible| match e {})
            .boxed(),
    );
    *resp.status_mut() = status;
    resp
}

/// The connection is closed without a response (a fault, not a failure of the fake).
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

/// Long enough for hyper to write what it holds; short enough for tests.
const FLUSH_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

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
