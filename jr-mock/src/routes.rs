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
//! made late by a latency rule. The first route is the recorded answers'
//! ([`crate::fixtures`], when any are loaded), which answers only the
//! requests a recording matches ([`Responder::accepts`]). Every answer
//! carries its source for the request journal ([`SOURCE_HEADER`]; the front
//! door takes it off).

use std::sync::Arc;

use wiremock::{Match, Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::faults::{self, FaultStore};
use crate::journal::{SOURCE_HEADER, Source};
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

    /// Whether this responder answers `req` at all, beyond its route's
    /// method and path (the fixtures answer only what a recording matches).
    fn accepts(&self, _req: &Request) -> bool {
        true
    }
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
    source: Source,
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
            source: Source::Model,
            responder: Arc::new(responder),
        }
    }

    /// `responder` for every request it accepts, at `priority` (after the
    /// others: the catalog's is 100), its answers journaled as the catalog's.
    pub fn any(name: &'static str, priority: u8, responder: impl Responder) -> Self {
        Self {
            method: None,
            path: Path::Any,
            name,
            priority,
            source: Source::Catalog,
            responder: Arc::new(responder),
        }
    }

    /// The same route, its answers journaled as coming from `source`
    /// unless the responder marks them itself ([`SOURCE_HEADER`]).
    pub fn with_source(mut self, source: Source) -> Self {
        self.source = source;
        self
    }

    fn covers(&self, req: &Request) -> bool {
        self.method.is_none_or(|m| m == req.method.as_str())
            && self.path.matches(req.url.path())
            && self.responder.accepts(req)
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
        let mut reply = match self.routes.iter().find(|r| r.covers(req)) {
            Some(route) => marked(route.responder.respond(req), route.source),
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
                responder: route.responder.clone(),
            })
            .respond_with(Wired {
                responder: route.responder.clone(),
                source: route.source,
                faults: self.faults.clone(),
            })
            .with_priority(route.priority)
            .named(route.name)
            .mount(server)
            .await;
        }
    }
}

/// `reply` marked as coming from `source`, unless its responder marked it.
fn marked(reply: Reply, source: Source) -> Reply {
    match reply.headers.iter().any(|(n, _)| n == SOURCE_HEADER) {
        true => reply,
        false => reply.insert_header(SOURCE_HEADER, source.as_str()),
    }
}

/// wiremock's matcher for a route's method and path (and what its
/// responder accepts).
struct Covers {
    method: Option<&'static str>,
    path: Path,
    responder: Arc<dyn Responder>,
}

impl Match for Covers {
    fn matches(&self, req: &Request) -> bool {
        self.method.is_none_or(|m| m == req.method.as_str())
            && self.path.matches(req.url.path())
            && self.responder.accepts(req)
    }
}

/// A responder answering through wiremock, delayed by the latency rules.
struct Wired {
    responder: Arc<dyn Responder>,
    source: Source,
    faults: Arc<FaultStore>,
}

impl Respond for Wired {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut reply = marked(self.responder.respond(req), self.source);
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
