//! Outbound webhook deliveries: HTTP POSTs on the fake's own runtime,
//! scheduled on the virtual clock.
//!
//! The [`Engine`] drives attempts over the [`Store`] (which owns the model): an event queues one
//! delivery per app and performs attempt 1 at once; moving the clock
//! performs every attempt due by the new time, earliest first, each at its
//! due time. A call returns only when those attempts are finished and
//! recorded. Attempts run on a tokio runtime owned by the fake (never the
//! wiremock server's thread), so a blocked control responder never stalls
//! them. Bounded: at most 6 attempts per delivery, each within the delivery
//! timeout.
//!
//! Headers sent: `Content-Type: application/json; charset=utf-8`, `User-Agent: Atlassian
//! Webhook HTTP Client`, `X-Atlassian-Webhook-Identifier` (the delivery ID),
//! `X-Atlassian-Webhook-Flow: Primary`, `X-Atlassian-Webhook-Retry` (1–5,
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
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::runtime::Handle;
use tokio::task::JoinSet;

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

/// A delivery with the headers of its next attempt.
type Planned = (Delivery, Vec<(String, String)>);

/// The machinery that performs deliveries, over the store. Its changes
/// go through [`Store::write_best_effort`]: an attempt that was sent
/// cannot be refused afterwards.
pub struct Engine {
    store: Arc<Store>,
    handle: Handle,
    driver: tokio::sync::Mutex<()>,
    client: OnceLock<Result<reqwest::Client, String>>,
    timeout: Duration,
    external: bool,
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
            driver: tokio::sync::Mutex::new(()),
            client: OnceLock::new(),
            timeout,
            external,
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
    /// (and any retry already due). Errors: [`EventError`].
    pub(crate) async fn emit(self: Arc<Self>, event: Value) -> Result<EventReport, EventError> {
        let _driving = self.driver.lock().await;
        let (now, ids) = self
            .store
            .write_best_effort(|m, now| m.enqueue_event(&event, now).map(|ids| (now, ids)))?;
        let mut records = self.run_due(now).await;
        records.retain(|r| ids.contains(&r.delivery_id));
        Ok(EventReport {
            timestamp: now,
            deliveries: records,
        })
    }

    /// Moves the clock, then performs every attempt due by the new time.
    /// Returns the new time. Errors: [`ClockError`], nothing moved.
    pub(crate) async fn move_clock(self: Arc<Self>, to: ClockMove) -> Result<i64, ClockError> {
        let _driving = self.driver.lock().await;
        let now = self.store.write_best_effort(|m, _| match to {
            ClockMove::By(d) => m.clock.advance(d),
            ClockMove::To(t) => m.clock.set(t),
        })?;
        self.run_due(now).await;
        Ok(now)
    }

    /// Clears the state (see [`Model::reset`]); returns the virtual time.
    pub(crate) async fn reset(self: Arc<Self>) -> i64 {
        let _driving = self.driver.lock().await;
        self.store.clear_requests();
        self.store.write_best_effort(|m, now| {
            m.reset();
            now
        })
    }

    /// Performs, batch by batch in due order, every attempt due by `until_ms`.
    async fn run_due(&self, until_ms: i64) -> Vec<AttemptRecord> {
        let mut records = Vec::new();
        while let Some((at, batch)) = self.take_batch(until_ms) {
            let results = self.attempt_all(&batch).await;
            let duplicating = self.store.read(|m| m.rules.switches.duplicate_deliveries);
            let delivered: Vec<Planned> = batch
                .iter()
                .zip(&results)
                .filter(|(_, r)| duplicating && r.is_success())
                .map(|(p, _)| p.clone())
                .collect();
            self.store.write_best_effort(|m, _| {
                for ((delivery, headers), result) in batch.into_iter().zip(results) {
                    records.push(m.finish_attempt(delivery, at, &result, headers_map(&headers)));
                }
            });
            records.extend(self.send_duplicates(&delivered, at).await);
        }
        if self.store.logging() {
            for r in &records {
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
        records
    }

    /// Sends each of `delivered` once more, identical, and logs the copies.
    async fn send_duplicates(&self, delivered: &[Planned], at: i64) -> Vec<AttemptRecord> {
        if delivered.is_empty() {
            return Vec::new();
        }
        let results = self.attempt_all(delivered).await;
        self.store.write_best_effort(|m, _| {
            delivered
                .iter()
                .zip(results)
                .map(|((d, h), r)| m.log_duplicate(d, at, &r, headers_map(h)))
                .collect()
        })
    }

    fn take_batch(&self, until_ms: i64) -> Option<(i64, Vec<Planned>)> {
        self.store.write_best_effort(|m, _| {
            let (at, due) = m.deliveries.take_due(until_ms)?;
            let batch = due
                .into_iter()
                .map(|d| {
                    let h = headers(m, &d, at);
                    (d, h)
                })
                .collect();
            Some((at, batch))
        })
    }

    async fn attempt_all(&self, batch: &[Planned]) -> Vec<AttemptResult> {
        let client = self.client();
        let mut set = JoinSet::new();
        let mut results_external = Vec::new();
        for (i, (d, h)) in batch.iter().enumerate() {
            let (client, url, body, h) = (client.clone(), d.url.clone(), d.body.clone(), h.clone());
            if !self.external && !is_loopback_url(&url) {
                results_external.push((i, AttemptResult::ConnectFailed(EXTERNAL_REFUSED.into())));
                continue;
            }
            set.spawn(async move { (i, send(client, url, body, h).await) });
        }
        let mut results =
            vec![AttemptResult::Failed("the attempt was cancelled".into()); batch.len()];
        while let Some(joined) = set.join_next().await {
            if let Ok((i, r)) = joined {
                results[i] = r;
            }
        }
        for (i, r) in results_external {
            results[i] = r;
        }
        results
    }

    fn client(&self) -> Result<reqwest::Client, String> {
        self.client
            .get_or_init(|| build_client(self.timeout))
            .clone()
    }
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
        ("X-Atlassian-Webhook-Flow".to_owned(), "Primary".to_owned()),
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
