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
//! | `GET /_mock/switches` | 200 `{"duplicateDeliveries": bool}` |
//! | `POST /_mock/switches` `{"duplicateDeliveries": bool}` (fields optional) | 200 the switches after the change |
//! | `GET /_mock/faults` | 200 `{"rules": [rule]}`, the active fault rules with their remaining `times` |
//! | `POST /_mock/faults` `{"rules": [rule]}` | 200 `{"rules": [rule]}` after appending them (see [`crate::faults`]) |
//! | `DELETE /_mock/faults` | 200 `{"rules": []}` |
//!
//! Reset keeps the clock because time never goes backwards: a receiver
//! checking JWT `iat`/`exp`, or a client holding a `failedAfter` cursor,
//! never sees time reverse; tests that want a fixed start use `nowMs`
//! (forward) or a fresh fake.
//!
//! The three calls that wait for deliveries (`POST` clock, events, reset)
//! are answered by the front door (module `front`) on the delivery
//! runtime, never on wiremock's thread, so a receiver may call any Jira
//! operation or `GET` control route of the fake while handling a delivery.
//! (A receiver that itself calls one of these three waits for the running
//! one, at most the delivery timeout.) Fault rules never apply to the
//! control API.
//!
//! An attempt is `{"deliveryId", "app", "url", "webhookIds", "attempt",
//! "timeMs", "status", "error", "outcome", "nextAttemptMs", "headers",
//! "body"}` (see [`crate::AttemptRecord`]). Times are ms since the UNIX
//! epoch. Malformed bodies get 400 with an `ErrorCollection`.

use std::sync::Arc;

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::api::{Ctx, mount_one};
use crate::delivery::{ClockMove, Engine};
use crate::faults::{FaultRule, FaultStore};
use crate::wire::{ApiError, json_body, json_bytes, json_response, reply};

/// Mounts every control endpoint on `server`.
pub(crate) async fn mount(server: &MockServer, ctx: &Ctx) {
    let c = || ctx.clone();
    mount_one(server, "GET", "^/_mock/health/?$", "mockHealth", Health).await;
    mount_one(
        server,
        "GET",
        "^/_mock/clock/?$",
        "mockGetClock",
        GetClock(c()),
    )
    .await;
    mount_one(
        server,
        "GET",
        "^/_mock/deliveries/?$",
        "mockListDeliveries",
        ListDeliveries(c()),
    )
    .await;
    mount_one(
        server,
        "GET",
        "^/_mock/switches/?$",
        "mockGetSwitches",
        GetSwitches(c()),
    )
    .await;
    mount_one(
        server,
        "POST",
        "^/_mock/switches/?$",
        "mockSetSwitches",
        SetSwitches(c()),
    )
    .await;
    mount_faults(server, ctx).await;
}

/// `GET /_mock/health`: 200 `{"status": "ok"}`.
pub struct Health;

impl Respond for Health {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        json_response(200, &json!({"status": "ok"}))
    }
}

/// `GET /_mock/clock`: 200 `{"nowMs": T}`.
pub struct GetClock(Ctx);

impl Respond for GetClock {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let now = self.0.engine.model().now_ms();
        json_response(200, &json!({"nowMs": now}))
    }
}

/// The body of `POST /_mock/clock`: exactly one of the two fields.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClockBody {
    advance_ms: Option<i64>,
    now_ms: Option<i64>,
}

/// A control call that waits for deliveries. The front door
/// ([`crate::front`]) answers these itself, off wiremock's thread, so a
/// receiver may call the fake while they wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settling {
    /// `POST /_mock/clock`.
    Clock,
    /// `POST /_mock/events`.
    Events,
    /// `POST /_mock/reset`.
    Reset,
}

/// The settling control call `method path` names, if any (a trailing
/// slash is allowed, as on every route).
pub(crate) fn settling_route(method: &str, path: &str) -> Option<Settling> {
    if method != "POST" {
        return None;
    }
    match path.strip_suffix('/').unwrap_or(path) {
        "/_mock/clock" => Some(Settling::Clock),
        "/_mock/events" => Some(Settling::Events),
        "/_mock/reset" => Some(Settling::Reset),
        _ => None,
    }
}

/// Performs a settling control call; returns the status and JSON body.
/// `body` is the request body, or why it could not be read.
pub(crate) async fn settle(
    engine: Arc<Engine>,
    route: Settling,
    body: Result<Bytes, String>,
) -> (u16, Value) {
    let result = match route {
        Settling::Clock => set_clock(engine, body).await,
        Settling::Events => emit_event(engine, body).await,
        Settling::Reset => Ok(json!({"nowMs": engine.reset().await})),
    };
    match result {
        Ok(v) => (200, v),
        Err(e) => (e.status(), e.body()),
    }
}

/// `POST /_mock/clock` `{"advanceMs": N}` (N ≥ 0) or `{"nowMs": T}` (T not
/// before the current time): moves the clock, runs every delivery attempt
/// due by then, answers `{"nowMs": T}`. 400 for a malformed body, a move
/// backwards, or a time outside year 1970–9998.
async fn set_clock(engine: Arc<Engine>, body: Result<Bytes, String>) -> Result<Value, ApiError> {
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
    let now = engine
        .move_clock(to)
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(json!({"nowMs": now}))
}

/// `POST /_mock/events`: matches the event against live webhooks, performs
/// attempt 1 of each delivery, answers `{"timestamp", "deliveries"}`.
/// 400 unless the body is a JSON object with a string `webhookEvent`.
async fn emit_event(engine: Arc<Engine>, body: Result<Bytes, String>) -> Result<Value, ApiError> {
    let event: Value = json_bytes(&body.map_err(ApiError::BadRequest)?)?;
    let report = engine
        .emit(event)
        .await
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    Ok(json!(report))
}

/// `GET /_mock/deliveries`: 200 `{"deliveries": [attempt]}`, oldest first.
pub struct ListDeliveries(Ctx);

impl Respond for ListDeliveries {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let model = self.0.engine.model();
        let all: Vec<Value> = model.deliveries.attempts().map(|a| json!(a)).collect();
        json_response(200, &json!({"deliveries": all}))
    }
}

/// `GET /_mock/switches`: 200 the switches ([`crate::Switches`] as JSON).
pub struct GetSwitches(Ctx);

impl Respond for GetSwitches {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        json_response(200, &json!(self.0.engine.model().rules.switches))
    }
}

/// `POST /_mock/switches` with some switches (`{"duplicateDeliveries":
/// bool}`; absent ones keep their value): changes them for requests and
/// deliveries from now on; 200 with all the switches, 400 for a malformed
/// body, an unknown switch or a non-boolean.
pub struct SetSwitches(Ctx);

impl Respond for SetSwitches {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let changes: Value = match json_body(req) {
            Ok(b) => b,
            Err(e) => return e.template(),
        };
        let mut model = self.0.engine.model();
        match model.rules.switches.apply(&changes) {
            Ok(()) => json_response(200, &json!(model.rules.switches)),
            Err(e) => ApiError::BadRequest(e.to_string()).template(),
        }
    }
}

/// Mounts `GET`, `POST` and `DELETE /_mock/faults`.
async fn mount_faults(server: &MockServer, ctx: &Ctx) {
    let faults = || Faults(ctx.faults.clone());
    mount_one(server, "GET", FAULTS, "mockGetFaults", faults()).await;
    mount_one(server, "POST", FAULTS, "mockAddFaults", faults()).await;
    mount_one(server, "DELETE", FAULTS, "mockClearFaults", faults()).await;
}

const FAULTS: &str = "^/_mock/faults/?$";

/// The body of `POST /_mock/faults`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultsBody {
    rules: Vec<FaultRule>,
}

/// `/_mock/faults`: `GET` lists the rules, `POST {"rules": [...]}` appends,
/// `DELETE` clears; each answers 200 `{"rules": [...]}` (400 for a bad body).
pub struct Faults(Arc<FaultStore>);

impl Respond for Faults {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        reply(self.handle(req))
    }
}

impl Faults {
    fn handle(&self, req: &Request) -> Result<ResponseTemplate, ApiError> {
        match req.method.as_str() {
            "POST" => {
                let body: FaultsBody = json_body(req)?;
                self.0.add(body.rules);
            }
            "DELETE" => self.0.clear(),
            _ => {}
        }
        Ok(json_response(200, &json!({"rules": self.0.rules()})))
    }
}
