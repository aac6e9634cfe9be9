//! The fake's own routes: every responder of `api` and `catalog` (which
//! build their [`Route`]s; this module imports neither) with its method and
//! path, in the order they are tried, and the fault rules
//! ([`crate::faults`]) in front of them. One
//! table serves both ways a request can arrive (docs/architecture.md §4):
//!
//! - the embedded [`crate::FakeJira`] mounts each route on its wiremock
//!   server ([`Routes::mount`]), so a test may mount its own mocks at a
//!   higher priority and read wiremock's recorded requests;
//! - the standalone binary answers from the front door with
//!   [`Routes::answer`], without wiremock: wiremock keeps every matched
//!   request in each mounted mock (memory that only grows) and serves every
//!   request under one lock (queueing under concurrency).
//!
//! Fault rules apply the same way in both: a `closeConnection` rule first,
//! then a reply rule (429, 503, HTML, truncated), then the route's answer,
//! made late by a latency rule.

use std::sync::Arc;

use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::{self, FaultStore};
use crate::store::Store;
use crate::wire::{ApiError, Reply};

/// Priority of the fake's modelled operations on wiremock (lower wins;
/// tests mounting with the default 5 or less take precedence).
pub const PRIORITY: u8 = 10;

/// One of the fake's responders: the answer to a request, computed
/// synchronously without waiting on the network (a responder may read and
/// change the store, never hold its lock across an `.await`).
pub trait Responder: Send + Sync + 'static {
    /// The answer to `req` (its `url` is `http://localhost` + the path and
    /// query as sent; `Host` is among its headers).
    fn respond(&self, req: &Request) -> Reply;
}

/// Which paths a route answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// A Jira REST path, also under the gateway prefix `/ex/jira/<cloudId>`,
    /// with or without a trailing slash.
    Api(&'static str),
    /// A path of the site only (`/authorize`), with or without a trailing slash.
    Site(&'static str),
    /// Every path (the catalog, which routes by itself).
    Any,
}

impl Path {
    /// Whether `path` (the request's, undecoded) is one of these.
    pub fn matches(self, path: &str) -> bool {
        let (want, path) = match self {
            Path::Any => return true,
            Path::Api(want) => (want, without_gateway(path)),
            Path::Site(want) => (want, path),
        };
        path.strip_suffix('/').unwrap_or(path) == want
    }
}

/// `path` without a leading `/ex/jira/<cloudId>` (a non-empty segment).
fn without_gateway(path: &str) -> &str {
    path.strip_prefix("/ex/jira/")
        .and_then(|rest| rest.find('/').filter(|i| *i > 0).map(|i| &rest[i..]))
        .unwrap_or(path)
}

/// One responder with the requests it answers.
pub struct Route {
    method: Option<&'static str>,
    path: Path,
    name: &'static str,
    priority: u8,
    responder: Arc<dyn Responder>,
}

impl Route {
    /// `responder` for `method` on `path`, named `name` (its operationId),
    /// at [`PRIORITY`].
    pub fn new(
        method: &'static str,
        path: Path,
        name: &'static str,
        responder: impl Responder,
    ) -> Self {
        Self {
            method: Some(method),
            path,
            name,
            priority: PRIORITY,
            responder: Arc::new(responder),
        }
    }

    /// `responder` for every request, at `priority` (after the others: the
    /// catalog's is 100).
    pub fn any(name: &'static str, priority: u8, responder: impl Responder) -> Self {
        Self {
            method: None,
            path: Path::Any,
            name,
            priority,
            responder: Arc::new(responder),
        }
    }

    fn covers(&self, method: &str, path: &str) -> bool {
        self.method.is_none_or(|m| m == method) && self.path.matches(path)
    }
}

/// The routes in the order they are tried, and the fault rules.
pub struct Routes {
    routes: Vec<Route>,
    faults: Arc<FaultStore>,
    store: Arc<Store>,
}

/// The connection is to be closed without a response (a
/// `closeConnection` fault rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseConnection;

impl Routes {
    /// `routes` (tried in order, highest priority first), behind the rules
    /// of `faults`; `store` gives the virtual time for rate-limit headers.
    pub fn new(mut routes: Vec<Route>, faults: Arc<FaultStore>, store: Arc<Store>) -> Self {
        routes.sort_by_key(|r| r.priority);
        Self {
            routes,
            faults,
            store,
        }
    }

    /// The answer to `req` (the binary's front door): a fault rule's, or
    /// the first covering route's, with a latency rule's delay in
    /// [`Reply::delay`]; `Err` when a rule closes the connection.
    pub fn answer(&self, req: &Request) -> Result<Reply, CloseConnection> {
        if self.faults.closes(req) {
            return Err(CloseConnection);
        }
        if let Some(reply) = self.faults.reply(req, || self.now_ms()) {
            return Ok(reply);
        }
        let (method, path) = (req.method.as_str(), req.url.path());
        let mut reply = match self.routes.iter().find(|r| r.covers(method, path)) {
            Some(route) => route.responder.respond(req),
            None => ApiError::no_operation(method, path).template(),
        };
        if let Some(delay) = self.faults.latency(req) {
            reply.delay = Some(delay);
        }
        Ok(reply)
    }

    fn now_ms(&self) -> i64 {
        self.store.read(crate::model::Model::now_ms)
    }

    /// Mounts the fault rules and every route on `server` (the embedded
    /// fake), each route named after its operationId.
    pub async fn mount(&self, server: &MockServer) {
        faults::mount(server, &self.faults, self.store.clone()).await;
        for route in &self.routes {
            Mock::given(Covers {
                method: route.method,
                path: route.path,
            })
            .respond_with(Wired {
                responder: route.responder.clone(),
                faults: self.faults.clone(),
            })
            .with_priority(route.priority)
            .named(route.name)
            .mount(server)
            .await;
        }
    }
}

/// wiremock's matcher for a route's method and path.
struct Covers {
    method: Option<&'static str>,
    path: Path,
}

impl Match for Covers {
    fn matches(&self, req: &Request) -> bool {
        self.method.is_none_or(|m| m == req.method.as_str()) && self.path.matches(req.url.path())
    }
}

/// A responder answering through wiremock, delayed by the latency rules.
struct Wired {
    responder: Arc<dyn Responder>,
    faults: Arc<FaultStore>,
}

impl Respond for Wired {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut reply = self.responder.respond(req);
        if let Some(delay) = self.faults.latency(req) {
            reply.delay = Some(delay);
        }
        reply.template()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_paths_answer_under_the_gateway_and_with_a_trailing_slash() {
        let hook = Path::Api("/rest/api/3/webhook");
        assert!(hook.matches("/rest/api/3/webhook"));
        assert!(hook.matches("/rest/api/3/webhook/"));
        assert!(hook.matches("/ex/jira/c-1/rest/api/3/webhook"));
        assert!(!hook.matches("/ex/jira//rest/api/3/webhook"));
        assert!(!hook.matches("/rest/api/3/webhook/failed"));
        assert!(!hook.matches("/rest/api/3/webhook//"));
        let site = Path::Site("/authorize");
        assert!(site.matches("/authorize/"));
        assert!(!site.matches("/ex/jira/c-1/authorize"));
    }
}
