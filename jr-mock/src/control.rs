//! The control API under `/_mock` (not Jira): health, the virtual clock,
//! emitting events, the delivery log, reset, fault switches and rules.
//!
//! | Request | Answer |
//! |---|---|
//! | `GET /_mock/health` | 200 `{"status": "ok"}` |
//! | `GET /_mock/clock` | 200 `{"nowMs": T}` |
//! | `POST /_mock/clock` `{"advanceMs": N}` or `{"nowMs": T}` | 200 `{"nowMs": T}` after every attempt due by `T` has run; 400 when `N` < 0 or `T` is before the current time (virtual time never goes backwards) |
//! | `POST /_mock/events` (a Jira event body with `webhookEvent`) | 200 `{"timestamp": T, "deliveries": [attempt]}` after attempt 1 of each delivery |
//! | `GET /_mock/deliveries` | 200 `{"deliveries": [attempt]}`, every attempt, oldest first |
//! | `POST /_mock/reset` | 200 `{"nowMs": T}`; webhooks, failures, pending deliveries and the log are cleared, the clock kept |
//! | `GET /_mock/switches` | 200 `{"duplicateDeliveries": bool, "allowSecondUrl": bool, "failedConnectOnly": bool}` ([`crate::Switches`]) |
//! | `POST /_mock/switches` `{"duplicateDeliveries": bool, …}` (any subset) | 200 every switch after the change; 400 for an unknown switch or a non-boolean |
//! | `GET /_mock/faults` | 200 `{"rules": [rule]}`, the active fault rules with their remaining `times` |
//! | `POST /_mock/faults` `{"rules": [rule]}` | 200 `{"rules": [rule]}` after appending them (see [`crate::faults`]) |
//! | `DELETE /_mock/faults` | 200 `{"rules": []}` |
//!
//! Reset keeps the clock because time never goes backwards: a receiver
//! checking JWT `iat`/`exp`, or a client holding a `failedAfter` cursor,
//! never sees time reverse; tests that want a fixed start use `nowMs`
//! (forward) or a fresh fake.
//!
//! The whole control API is answered by the front door (module `front`)
//! on the delivery runtime, with async handlers, never by wiremock: the
//! three calls that wait for deliveries (`POST` clock, events, reset) must
//! not hold wiremock's thread, so a receiver may call any Jira operation or
//! other control route of the fake while handling a delivery. (A receiver
//! that itself calls one of these three waits for the running one, at most
//! the delivery timeout.) Fault rules never apply to the control API, and
//! mocks a test mounts on wiremock never see it. Any other method or path
//! under `/_mock` gets the Jira-shaped 404 of [`crate::wire::ApiError::no_operation`].
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
use crate::store::Store;
use crate::wire::{ApiError, json_bytes};

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
}

/// The request body, or why it could not be read.
pub(crate) type Body = Result<Bytes, String>;

impl Control {
    /// The control API over `engine` (deliveries), `store` (the model) and
    /// `faults` (the rules).
    pub(crate) fn new(engine: Arc<Engine>, store: Arc<Store>, faults: Arc<FaultStore>) -> Self {
        Self {
            engine,
            store,
            faults,
        }
    }

    /// Answers `method path` (a path [`owns`]); returns the status and the
    /// JSON body (an `ErrorCollection` for errors).
    pub(crate) async fn answer(&self, method: &str, path: &str, body: Body) -> (u16, Value) {
        let route = path.strip_suffix('/').unwrap_or(path);
        let result = match (method, route.strip_prefix(PREFIX).unwrap_or(route)) {
            ("GET", "/health") => Ok(json!({"status": "ok"})),
            ("GET", "/clock") => Ok(json!({"nowMs": self.store.read(|m| m.now_ms())})),
            ("POST", "/clock") => self.set_clock(body).await,
            ("POST", "/events") => self.emit_event(body).await,
            ("GET", "/deliveries") => Ok(self.deliveries()),
            ("POST", "/reset") => Ok(json!({"nowMs": self.engine.clone().reset().await})),
            ("GET", "/switches") => Ok(self.store.read(|m| json!(m.rules.switches))),
            ("POST", "/switches") => self.set_switches(body),
            ("GET" | "POST" | "DELETE", "/faults") => self.faults(method, body),
            _ => Err(ApiError::no_operation(method, path)),
        };
        match result {
            Ok(v) => (200, v),
            Err(e) => (e.status(), e.body()),
        }
    }

    /// `POST /_mock/clock` `{"advanceMs": N}` (N ≥ 0) or `{"nowMs": T}` (T
    /// not before the current time): moves the clock, runs every delivery
    /// attempt due by then, answers `{"nowMs": T}`. 400 for a malformed
    /// body, a move backwards, or a time outside year 1970–9998.
    async fn set_clock(&self, body: Body) -> Result<Value, ApiError> {
        let body: ClockBody = json_bytes(&body.map_err(ApiError::BadRequest)?)?;
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
        let event: Value = json_bytes(&body.map_err(ApiError::BadRequest)?)?;
        let report = self
            .engine
            .clone()
            .emit(event)
            .await
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(json!(report))
    }

    /// `GET /_mock/deliveries`: `{"deliveries": [attempt]}`, oldest first.
    fn deliveries(&self) -> Value {
        self.store.read(|m| {
            let all: Vec<Value> = m.deliveries.attempts().map(|a| json!(a)).collect();
            json!({"deliveries": all})
        })
    }

    /// `POST /_mock/switches` with some switches (absent ones keep their
    /// value): changes them for requests and deliveries from now on;
    /// answers every switch. 400 for a malformed body, an unknown switch or
    /// a non-boolean (nothing changes).
    fn set_switches(&self, body: Body) -> Result<Value, ApiError> {
        let changes: Value = json_bytes(&body.map_err(ApiError::BadRequest)?)?;
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
                let body: FaultsBody = json_bytes(&body.map_err(ApiError::BadRequest)?)?;
                self.faults.add(body.rules);
            }
            "DELETE" => self.faults.clear(),
            _ => {}
        }
        Ok(json!({"rules": self.faults.rules()}))
    }
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
