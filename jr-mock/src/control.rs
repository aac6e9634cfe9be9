//! The control API under `/_mock` (not Jira): health, the virtual clock,
//! emitting events, the delivery log, reset, fault switches and rules.
//!
//! | Request | Answer |
//! |---|---|
//! | `GET /_mock/health` | 200 `{"status": "ok"}` |
//! | `GET /_mock/clock` | 200 `{"nowMs": T}` |
//! | `POST /_mock/clock` `{"advanceMs": N}` or `{"nowMs": T}` | 200 `{"nowMs": T}` after every attempt due by `T` has run (`GET /_mock/clock` answers `T` meanwhile); 400 when `N` < 0 or `T` is before the current time (virtual time never goes backwards) |
//! | `GET /_mock/settle` | 200 `{"nowMs": T}` once every delivery running or queued by a Jira operation (create, edit, transition, delete an issue) has finished its due attempts and been recorded; the clock does not move |
//! | `POST /_mock/events` (a Jira event body with `webhookEvent`) | 200 `{"timestamp": T, "deliveries": [attempt]}` after attempt 1 of each delivery; 400 naming the 20 valid names when `webhookEvent` is none of the spec's `WebhookDetails.events` |
//! | `GET /_mock/deliveries[?after=N&limit=M]` | 200 `{"deliveries": [attempt]}`, oldest first: every attempt kept (the last 10 000 or 16 MiB, streamed), or the `M` after the `N`-th, with `"nextAfter": N'` when more remain |
//! | `GET /_mock/failed` | 200 `{"failed": [record]}`, the failed-delivery store of every app, oldest first: `{"id", "body", "url", "failureTime", "app"}` (the values of `GET /rest/api/3/webhook/failed` plus the owning app), those still kept (72 hours) |
//! | `GET /_mock/requests[?after=SEQ&limit=M]` | 200 `{"requests": [request], "dropped": N}`, the request journal ([`crate::journal`]), oldest first, each with the `"source"` of its answer (and the recording's `"fixture"` file), with `"nextAfter": SEQ` when more remain |
//! | `GET /_mock/state` | 200 what the inspector shows besides the listings: the clock, every app with its webhooks (expiry, `expired`), the numbers of the newest attempt and journal entry, the switches ([`crate::inspector::state`]) |
//! | `GET /_mock/ui` | 200 the inspector, an HTML page ([`crate::inspector`]) |
//! | `GET /_mock/ui/events` | 200 `text/event-stream`: `event: change` when the state changes, a heartbeat comment at least every 10 s ([`crate::inspector`]) |
//! | `POST /_mock/ui/send` `{"event": NAME, "issue"?: KEY, "project"?: KEY}` | like `POST /_mock/events` with jr-core's realistic payload of `NAME` (one of the 20) about that issue; 400 for an unknown name ([`crate::inspector::sample_event`]) |
//! | `POST /_mock/reset` | 200 `{"nowMs": T}`; webhooks, issues, failures, pending deliveries, the attempt log and the request journal are cleared, the clock kept, the recorded answers' sequences start over (`--fixtures`); chains still running are abandoned, not waited for |
//! | `GET /_mock/switches` | 200 `{"duplicateDeliveries": bool, "allowSecondUrl": bool, "oauthReadsFailed": bool, "lenientAuth": bool, "degradeFailingUrls": bool}` ([`crate::Switches`]) |
//! | `POST /_mock/switches` `{"duplicateDeliveries": bool, …}` (any subset) | 200 every switch after the change; 400 for an unknown switch or a non-boolean |
//! | `GET /_mock/faults` | 200 `{"rules": [rule]}`, the active fault rules with their remaining `times` |
//! | `POST /_mock/faults` `{"rules": [rule]}` | 200 `{"rules": [rule]}` after appending them (see [`crate::faults`]); 400 naming the field for a malformed rule (a `path` not starting with `/`, a `retryAfter` that is neither seconds nor an HTTP date), nothing added |
//! | `DELETE /_mock/faults` | 200 `{"rules": []}` |
//!
//! Reset keeps the clock because time never goes backwards: a receiver
//! checking JWT `iat`/`exp`, or a client holding a `failedAfter` cursor,
//! never sees time reverse; tests that want a fixed start use `nowMs`
//! (forward) or a fresh fake.
//!
//! The whole control API is answered by the front door (module `front`)
//! on the delivery runtime, with async handlers, never by wiremock: the
//! calls that wait for deliveries (`POST` clock and events) must not hold
//! wiremock's thread, so a receiver may call any Jira operation or control
//! route of the fake while handling a delivery. No control call waits for
//! another's deliveries, except that a clock move waits for every chain
//! still running (each bounded by the delivery timeout). Fault rules never apply to the control API, and
//! mocks a test mounts on wiremock never see it. Any other method or path
//! under `/_mock` gets the Jira-shaped 404 of [`crate::wire::ApiError::no_operation`].
//!
//! A request is `{"seq", "timeMs", "method", "path", "query", "headers",
//! "body", "bodyTruncated"?, "status"}` (see [`crate::journal::Entry`]):
//! every request outside `/_mock`, credentials redacted by jr-core's one
//! rule, the journal bounded to about 4 MB (the oldest dropped first and
//! counted in `dropped`).
//!
//! An attempt is `{"deliveryId", "app", "url", "webhookIds", "attempt",
//! "timeMs", "status", "error", "outcome", "nextAttemptMs", "headers",
//! "body"}` (see [`crate::AttemptRecord`]). Times are ms since the UNIX
//! epoch. Malformed bodies get 400 with an `ErrorCollection`.

use std::sync::Arc;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::delivery::{ClockMove, Engine};
use crate::faults::{FaultRule, FaultStore};
use crate::fixtures::Fixtures;
use crate::inspector;
use crate::store::Store;
use crate::wire::{Answer, ApiError, json_answer, json_bytes, json_stream};

/// The prefix every control route starts with.
pub const PREFIX: &str = "/_mock";

/// Whether `path` belongs to the control API (`/_mock` or below).
pub fn owns(path: &str) -> bool {
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// What the control API acts on.
pub(crate) struct Control {
    engine: Arc<Engine>,
    store: Arc<Store>,
    faults: Arc<FaultStore>,
    fixtures: Arc<Fixtures>,
}

/// The request body, or why it could not be read.
pub(crate) type Body = Result<Bytes, ApiError>;

impl Control {
    /// The control API over `engine` (deliveries), `store` (the model),
    /// `faults` (the rules) and `fixtures` (the recorded answers, whose
    /// sequences reset starts over).
    pub(crate) fn new(
        engine: Arc<Engine>,
        store: Arc<Store>,
        faults: Arc<FaultStore>,
        fixtures: Arc<Fixtures>,
    ) -> Self {
        Self {
            engine,
            store,
            faults,
            fixtures,
        }
    }

    /// Answers `method path` (a path [`owns`]): JSON, an `ErrorCollection`
    /// for errors.
    pub(crate) async fn answer(&self, method: &str, path: &str, query: &str, body: Body) -> Answer {
        let route = path.strip_suffix('/').unwrap_or(path);
        let route = route.strip_prefix(PREFIX).unwrap_or(route);
        if (method, route) == ("GET", "/deliveries") {
            return self.deliveries(query).unwrap_or_else(|e| e.answer());
        }
        let result = match (method, route) {
            ("GET", "/health") => Ok(json!({"status": "ok"})),
            ("GET", "/clock") => Ok(json!({"nowMs": self.store.read(|m| m.now_ms())})),
            ("POST", "/clock") => self.set_clock(body).await,
            ("GET", "/settle") => Ok(json!({"nowMs": self.engine.clone().settle().await})),
            ("POST", "/events") => self.emit_event(body).await,
            ("GET", "/requests") => self.requests(query),
            ("GET", "/failed") => Ok(self.failed()),
            ("GET", "/state") => Ok(self.state()),
            ("POST", "/ui/send") => self.send_sample(body).await,
            ("POST", "/reset") => {
                self.fixtures.reset();
                Ok(json!({"nowMs": self.engine.clone().reset().await}))
            }
            ("GET", "/switches") => Ok(self.store.read(|m| json!(m.rules.switches))),
            ("POST", "/switches") => self.set_switches(body),
            ("GET" | "POST" | "DELETE", "/faults") => self.faults(method, body),
            _ => Err(ApiError::no_operation(method, path)),
        };
        match result {
            Ok(v) => json_answer(200, &v),
            Err(e) => e.answer(),
        }
    }

    /// `POST /_mock/clock` `{"advanceMs": N}` (N ≥ 0) or `{"nowMs": T}` (T
    /// not before the current time): moves the clock, runs every delivery
    /// attempt due by then, answers `{"nowMs": T}`. 400 for a malformed
    /// body, a move backwards, or a time outside year 1970–9998.
    async fn set_clock(&self, body: Body) -> Result<Value, ApiError> {
        let body: ClockBody = json_bytes(&body?)?;
        let to = match (body.advance_ms, body.now_ms) {
            (Some(d), None) => ClockMove::By(d),
            (None, Some(t)) => ClockMove::To(t),
            _ => {
                return Err(ApiError::BadRequest(
                    "Give exactly one of \"advanceMs\" and \"nowMs\"".into(),
                ));
            }
        };
        let now = self
            .engine
            .clone()
            .move_clock(to)
            .await
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(json!({"nowMs": now}))
    }

    /// `POST /_mock/events`: matches the event against live webhooks,
    /// performs attempt 1 of each delivery, answers `{"timestamp",
    /// "deliveries"}`. 400 unless the body is a JSON object with a string
    /// `webhookEvent` (and the object its kind needs).
    async fn emit_event(&self, body: Body) -> Result<Value, ApiError> {
        let event: Value = json_bytes(&body?)?;
        let report = self
            .engine
            .clone()
            .emit(event)
            .await
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(json!(report))
    }

    /// `GET /_mock/state`: see [`inspector::state`].
    fn state(&self) -> Value {
        let last_seq = self.store.last_request_seq();
        self.store.read(|m| inspector::state(m, last_seq))
    }

    /// `POST /_mock/ui/send`: emits jr-core's payload of the named event
    /// ([`inspector::sample_event`]) like `POST /_mock/events`.
    async fn send_sample(&self, body: Body) -> Result<Value, ApiError> {
        let body = body?;
        let event = inspector::sample_event(&body, self.store.read(|m| m.now_ms()))?;
        self.emit_event(Ok(Bytes::from(event.to_string()))).await
    }

    /// `GET /_mock/deliveries[?after=N&limit=M]`: `{"deliveries": [attempt],
    /// "nextAfter"?}`, oldest first, streamed: the store's lock is held only
    /// to copy pointers to the records, which are serialised as the client
    /// reads. 400 for a bad `after` or `limit`.
    fn deliveries(&self, query: &str) -> Result<Answer, ApiError> {
        let (after, limit) = paging(query)?;
        let (page, next) = self
            .store
            .read(|m| m.deliveries.attempts_after(after, limit));
        let rest = next.map_or_else(String::new, |n| format!(",\"nextAfter\":{n}"));
        Ok(json_stream("deliveries", page, rest))
    }

    /// `GET /_mock/requests[?after=SEQ&limit=M]`: `{"requests": [request],
    /// "dropped": N, "nextAfter"?}`, oldest first. 400 for a bad `after` or
    /// `limit`.
    fn requests(&self, query: &str) -> Result<Value, ApiError> {
        let (after, limit) = paging(query)?;
        let page = self.store.requests(after, limit);
        let mut answer = json!({"requests": page.entries, "dropped": page.dropped});
        if let Some(next) = page.next_after {
            answer["nextAfter"] = next.into();
        }
        Ok(answer)
    }

    /// `GET /_mock/failed`: `{"failed": [record]}`, every app's kept
    /// failures, oldest first.
    fn failed(&self) -> Value {
        self.store.read(|m| {
            let now = m.now_ms();
            let mut records: Vec<_> = m.failed.all().iter().filter(|r| r.is_kept(now)).collect();
            records.sort_by_key(|r| r.failure_time_ms);
            let failed: Vec<Value> = records
                .into_iter()
                .map(|r| {
                    json!({"id": r.id, "body": r.body, "url": r.url,
                        "failureTime": r.failure_time_ms, "app": r.app})
                })
                .collect();
            json!({"failed": failed})
        })
    }

    /// `POST /_mock/switches` with some switches (absent ones keep their
    /// value): changes them for requests and deliveries from now on;
    /// answers every switch. 400 for a malformed body, an unknown switch or
    /// a non-boolean (nothing changes).
    fn set_switches(&self, body: Body) -> Result<Value, ApiError> {
        let changes: Value = json_bytes(&body?)?;
        let switches = self.store.try_write(|m, _| {
            m.rules
                .switches
                .apply(&changes)
                .map_err(|e| ApiError::BadRequest(e.to_string()))?;
            Ok::<_, ApiError>(m.rules.switches)
        })?;
        Ok(json!(switches))
    }

    /// `/_mock/faults`: `GET` lists the rules, `POST {"rules": [...]}`
    /// appends, `DELETE` clears; each answers `{"rules": [...]}` (400 for a
    /// bad body).
    fn faults(&self, method: &str, body: Body) -> Result<Value, ApiError> {
        match method {
            "POST" => {
                let body: FaultsBody = json_bytes(&body?)?;
                for rule in &body.rules {
                    rule.check().map_err(|e| ApiError::BadField {
                        field: e.field.to_owned(),
                        message: e.message,
                    })?;
                }
                self.faults.add(body.rules);
            }
            "DELETE" => self.faults.clear(),
            _ => {}
        }
        Ok(json!({"rules": self.faults.rules()}))
    }
}

/// The `after` and `limit` query parameters of a paged control listing.
/// Errors: [`ApiError::BadField`] for a value that is not a non-negative
/// integer (or a zero `limit`).
fn paging(query: &str) -> Result<(Option<u64>, Option<usize>), ApiError> {
    let mut after = None;
    let mut limit = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let bad = |what: &str| ApiError::BadField {
            field: name.to_string(),
            message: format!("'{value}' is not {what}"),
        };
        match name.as_ref() {
            "after" => after = Some(value.parse::<u64>().map_err(|_| bad("a sequence number"))?),
            "limit" => {
                let n = value.parse::<usize>().ok().filter(|n| *n > 0);
                limit = Some(n.ok_or_else(|| bad("a positive integer"))?);
            }
            _ => {}
        }
    }
    Ok((after, limit))
}

/// The body of `POST /_mock/clock`: exactly one of the two fields.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockBody {
    advance_ms: Option<i64>,
    now_ms: Option<i64>,
}

/// The body of `POST /_mock/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    rules: Vec<FaultRule>,
}

#[cfg(test)]
mod tests {
    use super::owns;

    #[test]
    fn the_control_api_is_the_mock_prefix_and_nothing_else() {
        assert!(owns("/_mock"));
        assert!(owns("/_mock/clock/"));
        assert!(!owns("/_mockery"));
        assert!(!owns("/rest/api/3/_mock"));
    }
}
