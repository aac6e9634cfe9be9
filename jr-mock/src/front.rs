//! The front door: the fake's public listener, on the delivery runtime.
//!
//! wiremock answers through synchronous responders on one current-thread
//! runtime while holding a lock on its whole mock set, so a responder that
//! waited for deliveries would stall the server: a receiver calling back
//! into the fake during a delivery (to list webhooks, read the clock…)
//! would wait for the very call that waits for it. DESIGN.md §6 asks that
//! deliveries never wait for the server. So the public address is this
//! small hyper server: it answers the control calls that wait for
//! deliveries (`POST /_mock/events`, `POST /_mock/clock`, `POST
//! /_mock/reset`, see [`crate::control::settling_route`]) itself, with
//! async handlers, and forwards every other request unchanged (method,
//! path, query, headers including `Host`, body) to the wiremock server on
//! its internal loopback port, where the Jira operations, the other control
//! routes and any fault mocks a test mounts are answered.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri, Version};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::runtime::Handle;

use crate::api::error::ApiError;
use crate::control;
use crate::delivery::Engine;

/// The largest control request body read, in bytes.
pub const MAX_CONTROL_BODY: usize = 32 * 1024 * 1024;

type Body = Either<Incoming, Full<Bytes>>;

struct Front {
    engine: Arc<Engine>,
    upstream: SocketAddr,
    client: Client<HttpConnector, Incoming>,
}

/// Serves `listener` on `handle` until the runtime shuts down, answering
/// settling control calls itself and forwarding the rest to `upstream`.
/// Errors: the listener cannot be made non-blocking or registered.
pub(crate) fn spawn(
    listener: std::net::TcpListener,
    upstream: SocketAddr,
    engine: Arc<Engine>,
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
        engine,
        upstream,
        client,
    });
    handle.spawn(accept(listener, front));
    Ok(())
}

async fn accept(listener: tokio::net::TcpListener, front: Arc<Front>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: give the system a moment
            // instead of spinning on the same error.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let front = front.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let front = front.clone();
                async move { Ok::<_, Infallible>(front.answer(req).await) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Front {
    async fn answer(&self, req: Request<Incoming>) -> Response<Body> {
        match control::settling_route(req.method().as_str(), req.uri().path()) {
            Some(route) => {
                let body = read_body(req).await;
                let (status, json) = control::settle(self.engine.clone(), route, body).await;
                json_reply(status, &json)
            }
            None => self.forward(req).await,
        }
    }

    async fn forward(&self, mut req: Request<Incoming>) -> Response<Body> {
        if !req.headers().contains_key(HOST)
            && let Some(host) = req.uri().authority().map(|a| a.as_str().to_owned())
            && let Ok(value) = HeaderValue::from_str(&host)
        {
            req.headers_mut().insert(HOST, value);
        }
        let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let Ok(uri) = format!("http://{}{path}", self.upstream).parse::<Uri>() else {
            return error_reply(&ApiError::BadRequest("The request URI is invalid".into()));
        };
        *req.uri_mut() = uri;
        // The internal hop is HTTP/1.1 whatever the client spoke.
        *req.version_mut() = Version::HTTP_11;
        match self.client.request(req).await {
            Ok(resp) => resp.map(Either::Left),
            Err(e) => error_reply(&ApiError::Unavailable(format!(
                "jr-mock could not reach its wiremock server: {e}"
            ))),
        }
    }
}

async fn read_body(req: Request<Incoming>) -> Result<Bytes, String> {
    Limited::new(req.into_body(), MAX_CONTROL_BODY)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| format!("The request body could not be read: {e}"))
}

fn json_reply(status: u16, json: &Value) -> Response<Body> {
    let mut resp = Response::new(Either::Right(Full::new(Bytes::from(json.to_string()))));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

fn error_reply(e: &ApiError) -> Response<Body> {
    json_reply(e.status(), &e.body())
}
