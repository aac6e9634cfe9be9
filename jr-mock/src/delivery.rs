//! Outbound webhook deliveries: HTTP POSTs on the fake's own runtime,
//! scheduled on the virtual clock.
//!
//! The [`Engine`] drives attempts over the [`Store`] (which owns the model): an event queues one
//! delivery per app and performs attempt 1 at once; moving the clock
//! performs every attempt due by the new time, each stamped with its own
//! due time (its JWT `iat`/`exp`, its `failureTime`): a delivery's attempts
//! one after another, different deliveries concurrently (at most
//! [`MAX_IN_FLIGHT`] attempts at once). A call returns only when those
//! attempts are finished and recorded; reset abandons running chains
//! without waiting for them. Attempts run on a tokio runtime owned by the fake (never the
//! wiremock server's thread), so a blocked control responder never stalls
//! them. Bounded: at most 6 attempts per delivery, each within the delivery
//! timeout.
//!
//! Headers sent: `Content-Type: application/json; charset=utf-8`, `User-Agent: Atlassian
//! Webhook HTTP Client`, `X-Atlassian-Webhook-Identifier` (the delivery ID),
//! `X-Atlassian-Webhook-Flow` (`Primary`; `Secondary` for a cascade), `X-Atlassian-Webhook-Retry` (1–5,
//! absent on attempt 1), and `Authorization`: for OAuth 2.0 apps `Bearer` +
//! HS256 JWT `{iss: clientId, iat, exp: iat + 60}` under the client secret;
//! for Connect apps `JWT` + HS256 JWT `{iss: clientKey, iat, exp: iat + 180,
//! qsh}` under the shared secret. `iat` is the attempt's virtual time in seconds.
//!
//! With the duplicate-delivery switch on ([`crate::Switches::duplicate_deliveries`],
//! `--duplicate-deliveries`, `POST /_mock/switches`), every delivered attempt
//! is sent a second time with the same headers and logged with
//! `"duplicate": true`; a copy is never retried nor recorded as failed.

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::runtime::Handle;
use tokio::sync::{Semaphore, watch};
use tokio::task::{AbortHandle, JoinHandle};

use crate::jwt;
use crate::model::clock::ClockError;
use crate::model::deliveries::{AttemptRecord, AttemptResult, Delivery};
use crate::model::{EventError, Model};
use crate::store::Store;

/// How the clock should move (never backwards; see [`ClockError::Backwards`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMove {
    /// Forward by this many ms.
    By(i64),
    /// To this instant (now or later), ms since the UNIX epoch.
    To(i64),
}

/// What an emitted event caused (the answer of `POST /_mock/events`).
///
/// JSON: `{"timestamp": <ms>, "deliveries": [AttemptRecord]}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventReport {
    /// The `timestamp` added to the payload: the virtual time, ms since the UNIX epoch.
    pub timestamp: i64,
    /// Every attempt the event caused before the call returned.
    pub deliveries: Vec<AttemptRecord>,
}

/// Attempts in flight at once, at most: Jira's own limit on its Primary
/// flow (docs/jira-semantics.md §8).
pub const MAX_IN_FLIGHT: usize = 20;

/// The machinery that performs deliveries, over the store. Its changes
/// go through [`Store::write_best_effort`]: an attempt that was sent
/// cannot be refused afterwards.
///
/// Each delivery is a chain: attempt 1, then each retry once the previous
/// attempt has failed and the clock has reached its due time. Chains run
/// concurrently as tasks ("lanes"), at most [`MAX_IN_FLIGHT`] attempts at
/// once, so a clock move costs about the longest chain, not the sum of all
/// attempts; with the degradation switch, the chains to one URL share a
/// lane and run in due order. No lock is held while an attempt is in
/// flight: events, clock reads and reset go on meanwhile.
pub struct Engine {
    store: Arc<Store>,
    handle: Handle,
    client: OnceLock<Result<reqwest::Client, String>>,
    timeout: Duration,
    external: bool,
    /// Lanes running now; a clock move waits until none is.
    active: watch::Sender<usize>,
    /// Every running lane, so reset can abandon them.
    lanes: Mutex<Vec<AbortHandle>>,
    slots: Semaphore,
}

/// A running lane, counted in [`Engine::active`] until dropped (finished or aborted).
struct Active(watch::Sender<usize>);

impl Drop for Active {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Engine {
    /// An engine over `store`, running attempts on `handle`, each bounded by `timeout`.
    /// `external`: whether hosts other than loopback may be reached.
    pub(crate) fn new(
        store: Arc<Store>,
        handle: Handle,
        timeout: Duration,
        external: bool,
    ) -> Self {
        Self {
            store,
            handle,
            client: OnceLock::new(),
            timeout,
            external,
            active: watch::channel(0).0,
            lanes: Mutex::new(Vec::new()),
            slots: Semaphore::new(MAX_IN_FLIGHT),
        }
    }

    /// Runs `fut` on the engine's runtime and awaits it from any runtime.
    /// `None` when the runtime has shut down.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> Option<T> {
        self.handle.spawn(fut).await.ok()
    }

    /// Queues the deliveries `event` causes and performs attempt 1 of each
    /// (and any attempt already due). Errors: [`EventError`].
    pub(crate) async fn emit(self: Arc<Self>, event: Value) -> Result<EventReport, EventError> {
        let (now, ids, due, epoch) = self.store.write_best_effort(|m, now| {
            let ids = m.enqueue_event(&event, now)?;
            let due = m.deliveries.take_all_due(now);
            Ok::<_, EventError>((now, ids, due, m.deliveries.epoch()))
        })?;
        let mut records = self.clone().run_chains(due, epoch).await;
        records.retain(|r| ids.contains(&r.delivery_id));
        Ok(EventReport {
            timestamp: now,
            deliveries: records,
        })
    }

    /// Runs the deliveries due now in the background (a Jira operation
    /// queued them; its answer does not wait). The engine counts as busy
    /// from this call on, so [`Engine::settle`] and a clock move that
    /// start after it wait for these deliveries.
    pub(crate) fn deliver_queued(self: Arc<Self>) {
        self.active.send_modify(|n| *n += 1);
        let busy = Active(self.active.clone());
        let engine = self.clone();
        self.handle.spawn(async move {
            let _busy = busy;
            let (due, epoch) = engine
                .store
                .write_best_effort(|m, now| (m.deliveries.take_all_due(now), m.deliveries.epoch()));
            engine.run_chains(due, epoch).await;
        });
    }

    /// Waits until no delivery is running (`GET /_mock/settle`); returns
    /// the virtual time.
    pub(crate) async fn settle(self: Arc<Self>) -> i64 {
        let mut idle = self.active.subscribe();
        let _ = idle.wait_for(|n| *n == 0).await;
        self.store.read(Model::now_ms)
    }

    /// Moves the clock, then performs every attempt due by the new time
    /// (`GET /_mock/clock` answers the new time meanwhile) and waits for
    /// every chain still running. Returns the new time.
    /// Errors: [`ClockError`], nothing moved.
    pub(crate) async fn move_clock(self: Arc<Self>, to: ClockMove) -> Result<i64, ClockError> {
        let (now, due, epoch) = self.store.write_best_effort(|m, _| {
            let now = match to {
                ClockMove::By(d) => m.clock.advance(d),
                ClockMove::To(t) => m.clock.set(t),
            }?;
            Ok::<_, ClockError>((now, m.deliveries.take_all_due(now), m.deliveries.epoch()))
        })?;
        self.clone().run_chains(due, epoch).await;
        // Chains started by others (events) carry on up to the new time too.
        let mut idle = self.active.subscribe();
        let _ = idle.wait_for(|n| *n == 0).await;
        Ok(now)
    }

    /// Clears the state (see [`Model::reset`]) and abandons every running
    /// chain without waiting for it; returns the virtual time.
    pub(crate) async fn reset(self: Arc<Self>) -> i64 {
        let lanes = std::mem::take(&mut *self.lanes());
        for lane in lanes {
            lane.abort();
        }
        self.store.clear_requests();
        self.store.write_best_effort(|m, now| {
            m.reset();
            now
        })
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, Vec<AbortHandle>> {
        self.lanes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `due` (taken in `epoch`) as concurrent chains; returns their
    /// attempts once every chain is done.
    async fn run_chains(self: Arc<Self>, due: Vec<Delivery>, epoch: u64) -> Vec<AttemptRecord> {
        if due.is_empty() {
            return Vec::new();
        }
        let in_order = self.store.read(|m| m.rules.switches.degrade_failing_urls);
        let mut lanes: Vec<Vec<Delivery>> = Vec::new();
        for d in due {
            match lanes.iter_mut().find(|l| in_order && l[0].url == d.url) {
                Some(lane) => lane.push(d),
                None => lanes.push(vec![d]),
            }
        }
        let handles: Vec<JoinHandle<Vec<AttemptRecord>>> = lanes
            .into_iter()
            .map(|lane| self.clone().spawn_lane(lane, epoch))
            .collect();
        let mut records = Vec::new();
        for handle in handles {
            // An aborted lane (reset) has nothing to report.
            records.extend(handle.await.unwrap_or_default());
        }
        records.sort_by_key(|r| r.time_ms);
        records
    }

    fn spawn_lane(
        self: Arc<Self>,
        lane: Vec<Delivery>,
        epoch: u64,
    ) -> JoinHandle<Vec<AttemptRecord>> {
        self.active.send_modify(|n| *n += 1);
        let active = Active(self.active.clone());
        let engine = self.clone();
        let handle = self.handle.spawn(async move {
            let _active = active;
            engine.run_lane(lane, epoch).await
        });
        let mut lanes = self.lanes();
        lanes.retain(|l| !l.is_finished());
        lanes.push(handle.abort_handle());
        handle
    }

    /// Performs the attempts of `lane`, earliest due first, each at its due
    /// time, taking back each retry that falls due by the clock's time.
    async fn run_lane(&self, mut lane: Vec<Delivery>, epoch: u64) -> Vec<AttemptRecord> {
        let mut records = Vec::new();
        while let Some(d) = take_earliest(&mut lane) {
            let at = d.next_attempt_ms;
            let headers = self.store.read(|m| headers(m, &d, at));
            let result = self.attempt(&d.url, &d.body, &headers).await;
            let (seq, planned) = (d.seq, (d, headers));
            let step = self.store.write_best_effort(|m, _| {
                if m.deliveries.epoch() != epoch {
                    return None;
                }
                let (d, h) = &planned;
                let record = m.finish_attempt(d.clone(), at, &result, headers_map(h));
                let next = m.deliveries.take_if_due(seq, m.now_ms());
                let duplicate = m.rules.switches.duplicate_deliveries && result.is_success();
                Some((record, next, duplicate))
            });
            let Some((record, next, duplicate)) = step else {
                break;
            };
            self.log(&record);
            records.push(record);
            if duplicate {
                records.extend(self.send_duplicate(&planned, at, epoch).await);
            }
            lane.extend(next);
        }
        records
    }

    /// Sends the delivered attempt `planned` once more, identical, and logs the copy.
    async fn send_duplicate(
        &self,
        planned: &Planned,
        at: i64,
        epoch: u64,
    ) -> Option<AttemptRecord> {
        let (d, h) = planned;
        let result = self.attempt(&d.url, &d.body, h).await;
        let record = self.store.write_best_effort(|m, _| {
            (m.deliveries.epoch() == epoch).then(|| m.log_duplicate(d, at, &result, headers_map(h)))
        })?;
        self.log(&record);
        Some(record)
    }

    /// One attempt, within a slot of [`MAX_IN_FLIGHT`].
    async fn attempt(&self, url: &str, body: &str, headers: &[(String, String)]) -> AttemptResult {
        if !self.external && !is_loopback_url(url) {
            return AttemptResult::ConnectFailed(EXTERNAL_REFUSED.into());
        }
        let Ok(_slot) = self.slots.acquire().await else {
            return AttemptResult::Failed("the attempt was cancelled".into());
        };
        send(
            self.client(),
            url.to_owned(),
            body.to_owned(),
            headers.to_vec(),
        )
        .await
    }

    fn log(&self, r: &AttemptRecord) {
        if self.store.logging() {
            eprintln!(
                "jr-mock: delivery {} attempt {} to {} ({}): {} {:?}",
                r.delivery_id,
                r.attempt,
                r.url,
                r.app,
                r.status.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                r.outcome
            );
        }
    }

    fn client(&self) -> Result<reqwest::Client, String> {
        self.client
            .get_or_init(|| build_client(self.timeout))
            .clone()
    }
}

/// A delivery with the headers of its next attempt.
type Planned = (Delivery, Vec<(String, String)>);

/// Removes the delivery of `lane` due first (creation order among equals).
fn take_earliest(lane: &mut Vec<Delivery>) -> Option<Delivery> {
    let i = (0..lane.len()).min_by_key(|&i| (lane[i].next_attempt_ms, lane[i].seq))?;
    Some(lane.remove(i))
}

/// Why an attempt to a non-loopback host was not sent.
const EXTERNAL_REFUSED: &str = "not sent: jr-mock delivers only to loopback receivers (127.0.0.1, localhost, [::1]); start it with --external-deliveries to reach other hosts";

fn is_loopback_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| crate::model::webhooks::is_loopback(&u))
}

fn build_client(timeout: Duration) -> Result<reqwest::Client, String> {
    // reqwest is built without a crypto provider (no aws-lc); ring it is.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", chain(&e)))
}

async fn send(
    client: Result<reqwest::Client, String>,
    url: String,
    body: String,
    headers: Vec<(String, String)>,
) -> AttemptResult {
    let client = match client {
        Ok(c) => c,
        Err(e) => return AttemptResult::Failed(e),
    };
    let mut request = client.post(&url).body(body);
    for (k, v) in &headers {
        request = request.header(k, v);
    }
    match request.send().await {
        Ok(resp) => AttemptResult::Status(resp.status().as_u16()),
        Err(e) if e.is_timeout() => AttemptResult::TimedOut,
        Err(e) if e.is_connect() => AttemptResult::ConnectFailed(chain(&e)),
        Err(e) => AttemptResult::Failed(chain(&e)),
    }
}

/// The error and its sources, joined with ": ".
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// The request headers of the next attempt of `d`, made at `at_ms`.
fn headers(m: &Model, d: &Delivery, at_ms: i64) -> Vec<(String, String)> {
    let mut h = vec![
        (
            "Content-Type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        ),
        (
            "User-Agent".to_owned(),
            "Atlassian Webhook HTTP Client".to_owned(),
        ),
        ("X-Atlassian-Webhook-Identifier".to_owned(), d.id.clone()),
        (
            "X-Atlassian-Webhook-Flow".to_owned(),
            d.flow.header().to_owned(),
        ),
    ];
    if d.attempts > 0 {
        h.push((
            "X-Atlassian-Webhook-Retry".to_owned(),
            d.attempts.to_string(),
        ));
    }
    if let Some(auth) = authorization(m, d, at_ms) {
        h.push(("Authorization".to_owned(), auth));
    }
    h
}

fn authorization(m: &Model, d: &Delivery, at_ms: i64) -> Option<String> {
    let iat = at_ms.div_euclid(1000);
    if let Some(app) = m.identities.oauth_app(&d.app) {
        let claims = json!({"iss": app.client_id, "iat": iat, "exp": iat + 60});
        return Some(format!(
            "Bearer {}",
            jwt::sign(&claims, app.client_secret.as_bytes())
        ));
    }
    let app = m.identities.connect_app(&d.app)?;
    let qsh = delivery_qsh(&d.url, &app.base_url);
    let claims = json!({"iss": app.client_key, "iat": iat, "exp": iat + 180, "qsh": qsh});
    Some(format!(
        "JWT {}",
        jwt::sign(&claims, app.shared_secret.as_bytes())
    ))
}

/// `qsh` of `POST <url>`, the path taken relative to the app's base URL.
fn delivery_qsh(url: &str, base_url: &str) -> String {
    let Ok(u) = url::Url::parse(url) else {
        return jwt::qsh("POST", "/", &[], true);
    };
    let context = url::Url::parse(base_url)
        .ok()
        .filter(|_| url.starts_with(base_url.trim_end_matches('/')))
        .map(|b| b.path().trim_end_matches('/').to_owned())
        .unwrap_or_default();
    let path = u.path().strip_prefix(&context).unwrap_or(u.path());
    let query: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    jwt::qsh("POST", path, &query, true)
}

fn headers_map(h: &[(String, String)]) -> Map<String, Value> {
    h.iter()
        .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_qsh_strips_the_apps_context_path() {
        assert_eq!(
            delivery_qsh("https://app.test/ctx/hook?b=2&a=1", "https://app.test/ctx"),
            jwt::qsh(
                "POST",
                "/hook",
                &[("a".into(), "1".into()), ("b".into(), "2".into())],
                true
            )
        );
        assert_eq!(
            delivery_qsh("http://127.0.0.1:9/hook", "https://app.test/ctx"),
            jwt::qsh("POST", "/hook", &[], true)
        );
    }
}
