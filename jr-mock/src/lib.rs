//! jr-mock: a fake Jira Cloud for offline tests, built on `wiremock`.
//!
//! It checks credentials on every path as Jira does (OAuth 2.0 and scoped
//! tokens only through `/ex/jira/{cloudId}`), checks request bodies against
//! the spec, pages every paged operation to a real end, answers removed
//! operations with 410, and journals every request (`/_mock/requests`).
//! It models Jira's dynamic webhooks end to end: the five operations under
//! `/rest/api/3/webhook` (per-item registration results, the webhook JQL
//! subset, ownership, offset pages, 30-day expiry and refresh, failed
//! deliveries kept 72 hours), caller identification (OAuth bearer tokens,
//! Connect JWTs, basic-auth users), and outbound deliveries with Jira's
//! retry policy, all on a virtual clock that only moves when told.
//!
//! ```no_run
//! # async fn demo() {
//! use jr_mock::FakeJira;
//!
//! let jira = FakeJira::start().await;
//! let client = reqwest::Client::new();
//! // OAuth 2.0 tokens go through the gateway prefix /ex/jira/{cloudId}, as on Atlassian's cloud.
//! let gateway = format!("{}/ex/jira/{}", jira.base_url(), jr_mock::model::DEFAULT_CLOUD_ID);
//! let page: serde_json::Value = client
//!     .get(format!("{gateway}/rest/api/3/webhook"))
//!     .bearer_auth("oauth-app-token")
//!     .send()
//!     .await
//!     .unwrap()
//!     .json()
//!     .await
//!     .unwrap();
//! assert_eq!(page["total"], 0);
//! jira.advance_ms(31 * 86_400_000).await.unwrap(); // 31 virtual days, instantly
//! # }
//! ```
//!
//! Default identities ([`Identities::default`]): OAuth 2.0 apps `oauth-app`
//! (secret `oauth-app-secret`, token `oauth-app-token`) and `other-app`
//! (`other-app-secret`, `other-app-token`); Connect app
//! `com.example.connect-app` (shared secret `connect-app-secret`, base URL
//! `https://connect-app.example.com`, loopback http URLs allowed); user
//! `user@example.com` / `user-token`. The JSON shape that replaces them
//! (`jr-mock --config FILE`) is documented on [`model::apps`].
//!
//! Tests may mount their own mocks on [`FakeJira::server`] with a priority
//! below [`api::PRIORITY`] (for example wiremock's default 5) to inject
//! faults; the fake's mocks are named after their operationIds.
//! The control API is described in [`control`].
//!
//! The modules, each importing only those listed after it (no circles):
//! - [`model`] (pure rules with an explicit `now`, → [`jql`],
//!   [`switches`]), [`jql`], [`jwt`], [`switches`] and [`wire`] (the
//!   ErrorCollection, JSON answers, query and body parsing) and
//!   [`journal`] (the request journal) import no other module;
//! - [`state`] (the `--state FILE` format) → `model`;
//! - [`store`] (the one owner of the model; persists every change; holds
//!   the request journal) → `model`, `state`, `wire`, `journal`;
//! - [`faults`] (latency, 429s, 503s, HTML pages, truncated bodies, closed
//!   connections) → `store`, `wire`;
//! - `delivery` (outbound webhooks on the virtual clock, concurrent chains)
//!   → `model`, `store`, `jwt`;
//! - [`routes`] (the table of the fake's responders behind the fault rules,
//!   mounted on wiremock or answering directly) → `faults`, `store`, `wire`,
//!   `journal` (the source marker);
//! - [`fixtures`] (the recorded answers of `--fixtures DIR`, their URL
//!   rewriting and drift from the spec; `--check-fixtures`) → `api` (auth),
//!   `journal`, `routes`, `store`, `wire`;
//! - [`api`] (the webhook operations and OAuth 2.0) → `model`, `store`,
//!   `routes`, `wire`, `jwt`;
//! - [`stateful`] (the operations answered from the model: issues and
//!   their transitions) → `api` (auth texts), `model`, `store`, `wire`;
//! - [`catalog`] (every other operation of the spec: authentication,
//!   paging, body checks, `/myself`, removed operations; it routes the
//!   stateful ones too, after the same checks) → `api`, `model`,
//!   `routes`, `stateful`, `store`, `wire`;
//! - [`inspector`] (the web page at `/_mock/ui`, its event stream and the
//!   state it shows) → `model`, `store`, `wire`;
//! - [`control`] (`/_mock`) → `delivery`, `store`, `faults`, `wire`,
//!   `inspector`, `fixtures` (reset starts their sequences over);
//! - `front` (the public listener) → `control`, `inspector`, `routes`, `faults`, `wire`,
//!   `store`, `journal`: it refuses oversized and malformed requests, closes
//!   slow connections (`front::watch`), serves the whole control API
//!   itself (so that a receiver may call the fake while it handles a
//!   delivery), records every other request in the journal, and has it
//!   answered by the routes directly (the binary) or by wiremock (the
//!   embedded fake, where tests may mount their own mocks), carrying out
//!   the two faults a response template cannot (a body cut short, a
//!   connection closed without an answer);
//! - [`config`] ([`MockConfig`], the `--config` file) → `model`,
//!   `switches`, `faults`;
//! - this crate root ([`FakeJira`]) wires them together.

#![warn(missing_docs)]

pub mod api;
pub mod catalog;
pub mod config;
pub mod control;
mod delivery;
pub mod faults;
pub mod fixtures;
mod front;
pub mod inspector;
pub mod journal;
pub mod jql;
pub mod jwt;
pub mod model;
pub mod routes;
pub mod state;
pub mod stateful;
pub mod store;
pub mod switches;
pub mod wire;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;
use wiremock::MockServer;

pub use api::{AppCallerMatcher, app_caller};
pub use config::{DEFAULT_DELIVERY_TIMEOUT, MockConfig};
pub use delivery::{ClockMove, EventReport};
pub use model::apps::Identities;
pub use model::clock::ClockError;
pub use model::deliveries::{AttemptRecord, Outcome};
pub use model::{EventError, Model, Rules};
pub use switches::Switches;

use control::Control;
use delivery::Engine;
use store::Store;

/// Why a fake could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The identities are inconsistent (duplicate app keys or tokens).
    #[error("invalid identities: {0}")]
    Identities(#[from] model::apps::IdentitiesError),
    /// The seed (users and projects) is inconsistent.
    #[error("invalid seed: {0}")]
    Seed(#[from] model::seed::SeedError),
    /// `start_ms` is outside the clock's range.
    #[error("invalid start time: {0}")]
    Clock(#[from] ClockError),
    /// The delivery runtime could not be created.
    #[error("cannot start the delivery runtime: {0}")]
    Runtime(#[from] std::io::Error),
    /// The state file could not be read or written.
    #[error("{0}")]
    State(#[from] state::StateError),
    /// A port on 127.0.0.1 could not be bound or served (the front door or wiremock's).
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    /// A file of the fixtures directory is not a recording (the message
    /// names the file and the problem), or the directory cannot be read.
    #[error("invalid recordings: {0}")]
    Fixtures(String),
}

/// A running fake Jira: a wiremock server on 127.0.0.1 with the webhook
/// operations, the control API and a delivery runtime of its own.
/// Dropping it stops the server and abandons pending deliveries.
pub struct FakeJira {
    server: MockServer,
    engine: Arc<Engine>,
    store: Arc<Store>,
    base_url: String,
    runtime: Option<tokio::runtime::Runtime>,
    faults: Arc<faults::FaultStore>,
    fixtures: Arc<fixtures::Fixtures>,
    fixture_warnings: Vec<String>,
}

impl std::fmt::Debug for FakeJira {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeJira")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl FakeJira {
    /// Starts a fake with [`MockConfig::default`] on a free port.
    ///
    /// Panics when it cannot start (see [`FakeJira::try_start_with`]).
    pub async fn start() -> Self {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a fake with `config` on a free port, recording requests
    /// (`server().received_requests()`).
    ///
    /// Panics when it cannot start (see [`FakeJira::try_start_with`]).
    pub async fn start_with(config: MockConfig) -> Self {
        match Self::try_start_with(config).await {
            Ok(fake) => fake,
            Err(e) => panic!("jr-mock could not start: {e}"),
        }
    }

    /// Starts a fake with `config` on a free port.
    /// Errors: [`StartError`].
    pub async fn try_start_with(config: MockConfig) -> Result<Self, StartError> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(StartError::Listen)?;
        Self::launch(config, listener, Mode::Embedded).await
    }

    /// Starts a fake with `config` on `listener`, the long-running binary's
    /// mode: the front door answers every request itself with the fake's
    /// routes ([`routes`]), concurrently and keeping nothing but the
    /// bounded journal. [`FakeJira::server`] is then an idle wiremock
    /// server that never sees a request: mocks mounted on it have no effect.
    /// Errors: [`StartError`].
    pub async fn serve(config: MockConfig, listener: TcpListener) -> Result<Self, StartError> {
        Self::launch(config, listener, Mode::Standalone).await
    }

    /// Starts the front door ([`front`]) on the public `listener` once
    /// everything it needs is ready; embedded, wiremock answers behind it on
    /// a loopback port of its own with every route mounted.
    async fn launch(
        config: MockConfig,
        listener: TcpListener,
        mode: Mode,
    ) -> Result<Self, StartError> {
        config.identities.validate()?;
        config.site.validate()?;
        let (fixtures, fixture_warnings) = load_fixtures(&config)?;
        let base_url = format!(
            "http://{}",
            listener.local_addr().map_err(StartError::Listen)?
        );
        // reqwest is built without a crypto provider (no aws-lc, docs/architecture.md):
        // install ring process-wide so deliveries and embedding tests can build clients.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let start_ms = config.start_ms.unwrap_or_else(wall_now_ms);
        let mut model = Model::new(
            config.identities.clone(),
            config.rules(),
            start_ms,
            config.seed,
        )?;
        if let Some(lifetime) = config.token_lifetime_ms {
            model.oauth.token_lifetime_ms = lifetime;
        }
        model.cloud_id = config.cloud_id.clone();
        model.seed = config.site.clone();
        if let Some(dir) = &config.seed_from {
            let from = seed_from(dir, start_ms)?;
            from.install_issues(&mut model.issues);
            model.seed = from.seed;
        }
        model.site_url = base_url.clone();
        let store = Arc::new(match &config.state_file {
            Some(path) => Store::open(model, path.clone())?,
            None => Store::in_memory(model),
        });
        store.set_logging(config.log);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("jr-mock-delivery")
            .enable_all()
            .build()?;
        let engine = Arc::new(Engine::new(
            store.clone(),
            runtime.handle().clone(),
            config.delivery_timeout,
            config.external_deliveries,
        ));
        // A weak link: the engine owns the store, so the store must not own the engine.
        let weak = Arc::downgrade(&engine);
        store.on_queued(move || {
            if let Some(engine) = weak.upgrade() {
                engine.deliver_queued();
            }
        });
        let internal = TcpListener::bind(("127.0.0.1", 0)).map_err(StartError::Listen)?;
        let server = match mode {
            Mode::Embedded => MockServer::builder(),
            Mode::Standalone => MockServer::builder().disable_request_recording(),
        }
        .listener(internal)
        .start()
        .await;
        let faults = Arc::new(faults::FaultStore::new(config.faults.clone()));
        let ctx = api::Ctx {
            store: store.clone(),
            base_url: base_url.clone(),
        };
        let mut table = api::routes(&ctx);
        if !fixtures.is_empty() {
            table.push(fixtures::route(
                fixtures.clone(),
                store.clone(),
                base_url.clone(),
            ));
        }
        table.push(catalog::route(&ctx));
        let routes = Arc::new(routes::Routes::new(table, faults.clone(), store.clone()));
        let backend = match mode {
            Mode::Embedded => {
                routes.mount(&server).await;
                front::Backend::Wiremock(*server.address())
            }
            Mode::Standalone => front::Backend::Direct(routes),
        };
        let control = Control::new(
            engine.clone(),
            store.clone(),
            faults.clone(),
            fixtures.clone(),
        );
        let limits = front::Limits {
            max_body: config.max_body_size,
            timeouts: front::watch::Timeouts {
                header: config.header_timeout,
                idle: config.idle_timeout,
            },
        };
        front::spawn(
            listener,
            backend,
            control,
            store.clone(),
            limits,
            runtime.handle(),
        )
        .map_err(StartError::Listen)?;
        Ok(Self {
            server,
            engine,
            store,
            base_url,
            runtime: Some(runtime),
            faults,
            fixtures,
            fixture_warnings,
        })
    }

    /// One line per deviation of the loaded recordings from the spec's
    /// response schemas (file, operationId, JSON pointer, problem), known
    /// ones marked; the binary prints them at start.
    pub fn fixture_warnings(&self) -> &[String] {
        &self.fixture_warnings
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The underlying wiremock server, for mounting higher-priority mocks
    /// and reading recorded requests. Send requests to [`FakeJira::base_url`]
    /// (the front door), not to this server's own `uri()`: only the front
    /// door answers the control API (`/_mock`, never seen nor recorded by
    /// wiremock) and cuts truncated bodies.
    pub fn server(&self) -> &MockServer {
        &self.server
    }

    /// The virtual time, ms since the UNIX epoch.
    pub fn now_ms(&self) -> i64 {
        self.store.read(Model::now_ms)
    }

    /// Moves the virtual clock forward by `delta_ms` (≥ 0) and performs
    /// every delivery attempt due by then; returns the new time once they
    /// are recorded. Errors: [`ClockError::Backwards`] for a negative delta,
    /// [`ClockError::OutOfRange`] beyond 1970–9998 (nothing moves).
    pub async fn advance_ms(&self, delta_ms: i64) -> Result<i64, ClockError> {
        self.move_clock(ClockMove::By(delta_ms)).await
    }

    /// Sets the virtual clock to `t_ms` (not before the current time) and
    /// performs every attempt due by then.
    /// Errors: [`ClockError::Backwards`], [`ClockError::OutOfRange`].
    pub async fn set_now_ms(&self, t_ms: i64) -> Result<i64, ClockError> {
        self.move_clock(ClockMove::To(t_ms)).await
    }

    async fn move_clock(&self, to: ClockMove) -> Result<i64, ClockError> {
        let engine = self.engine.clone();
        // `run` fails only once the runtime is gone, which `self` prevents.
        let gone = ClockError::OutOfRange(0);
        self.engine
            .run(engine.move_clock(to))
            .await
            .unwrap_or(Err(gone))
    }

    /// Emits `event` like `POST /_mock/events` and returns what it caused.
    /// Errors: [`EventError::Malformed`].
    pub async fn emit_event(&self, event: Value) -> Result<EventReport, EventError> {
        let engine = self.engine.clone();
        // `run` fails only once the runtime is gone, which `self` prevents.
        self.engine
            .run(engine.emit(event))
            .await
            .unwrap_or(Err(EventError::Malformed))
    }

    /// Every delivery attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<AttemptRecord> {
        self.store
            .read(|m| m.deliveries.attempts().cloned().collect())
    }

    /// A copy of the whole state, for assertions.
    pub fn snapshot(&self) -> Model {
        self.store.read(Model::clone)
    }

    /// Clears webhooks, failures, pending deliveries and the log (the clock stays).
    pub async fn reset(&self) {
        self.fixtures.reset();
        let engine = self.engine.clone();
        self.engine.run(engine.reset()).await;
    }

    /// Adds fault rules after the active ones (like `POST /_mock/faults`).
    pub fn add_faults(&self, rules: Vec<faults::FaultRule>) {
        self.faults.add(rules);
    }

    /// Removes every fault rule (like `DELETE /_mock/faults`).
    pub fn clear_faults(&self) {
        self.faults.clear();
    }

    /// A matcher for requests made by `app` (by this fake's identities).
    pub fn app_caller(&self, app: &str) -> AppCallerMatcher {
        let identities = self.store.read(|m| m.identities.clone());
        AppCallerMatcher::new(app, identities)
    }
}

impl Drop for FakeJira {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// How a fake answers Jira requests (see [`front::Backend`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Through wiremock, so tests can mount their own mocks.
    Embedded,
    /// From the front door directly (the binary).
    Standalone,
}

/// The state recorded answers in `dir` describe ([`model::seed_from`]).
/// Errors: [`StartError::Fixtures`] for a file that is not a recording,
/// [`StartError::Seed`] when the seed they give is inconsistent.
fn seed_from(dir: &std::path::Path, now_ms: i64) -> Result<model::seed_from::SeedFrom, StartError> {
    let loaded = fixtures::Fixtures::load(dir)
        .map_err(|e| StartError::Fixtures(format!("--seed-from {e}")))?;
    let recordings: Vec<_> = loaded.all().iter().map(|f| f.recording.clone()).collect();
    let from = model::seed_from::from_recordings(&recordings, now_ms);
    from.seed.validate()?;
    Ok(from)
}

/// The recordings of `config.fixtures` (none without it) and their drift
/// warnings. Errors: [`StartError::Fixtures`].
fn load_fixtures(
    config: &MockConfig,
) -> Result<(Arc<fixtures::Fixtures>, Vec<String>), StartError> {
    let Some(dir) = &config.fixtures else {
        return Ok((Arc::default(), Vec::new()));
    };
    let loaded = fixtures::Fixtures::load(dir)
        .map_err(|e| StartError::Fixtures(format!("--fixtures {e}")))?;
    let warnings = fixtures::drift::check(loaded.all())
        .map_err(StartError::Fixtures)?
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok((Arc::new(loaded), warnings))
}

fn wall_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
