//! The control API under `/_mock` (not Jira): health, the virtual clock,
//! emitting events, the delivery log, reset.
//!
//! | Request | Answer |
//! |---|---|
//! | `GET /_mock/health` | 200 `{"status": "ok"}` |
//! | `GET /_mock/clock` | 200 `{"nowMs": T}` |
//! | `POST /_mock/clock` `{"advanceMs": N}` or `{"nowMs": T}` | 200 `{"nowMs": T}` after every attempt due by `T` has run |
//! | `POST /_mock/events` (a Jira event body with `webhookEvent`) | 200 `{"timestamp": T, "deliveries": [attempt]}` after attempt 1 of each delivery |
//! | `GET /_mock/deliveries` | 200 `{"deliveries": [attempt]}`, every attempt, oldest first |
//! | `POST /_mock/reset` | 200 `{"nowMs": T}`; webhooks, failures, pending deliveries and the log are cleared, the clock kept |
//! | `GET /_mock/faults` | 200 `{"rules": [rule]}`, the active fault rules with their remaining `times` |
//! | `POST /_mock/faults` `{"rules": [rule]}` | 200 `{"rules": [rule]}` after appending them (see [`crate::faults`]) |
//! | `DELETE /_mock/faults` | 200 `{"rules": []}` |
//!
//! An attempt is `{"deliveryId", "app", "url", "webhookIds", "attempt",
//! "timeMs", "status", "error", "outcome", "nextAttemptMs", "headers",
//! "body"}` (see [`crate::AttemptRecord`]). Times are ms since the UNIX
//! epoch. Malformed bodies get 400 with an `ErrorCollection`.

use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

use crate::api::error::{ApiError, json_response, reply};
use crate::api::params::json_body;
use crate::api::{Ctx, mount_one};
use crate::delivery::ClockMove;
use crate::faults::{FaultRule, FaultStore};

use std::sync::Arc;

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
        "POST",
        "^/_mock/clock/?$",
        "mockSetClock",
        SetClock(c()),
    )
    .await;
    mount_one(
        server,
        "POST",
        "^/_mock/events/?$",
        "mockEmitEvent",
        EmitEvent(c()),
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
    mount_one(server, "POST", "^/_mock/reset/?$", "mockReset", Reset(c())).await;
    mount_faults(server, ctx).await;
}

const SHUT_DOWN: &str = "jr-mock is shutting down";

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

/// `POST /_mock/clock` `{"advanceMs": N}` or `{"nowMs": T}`: moves the clock,
/// runs every delivery attempt due by then, answers 200 `{"nowMs": T}`.
/// 400 for a malformed body or a time outside year 1970–9998.
pub struct SetClock(Ctx);

impl Respond for SetClock {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        reply(self.handle(req))
    }
}

impl SetClock {
    fn handle(&self, req: &Request) -> Result<ResponseTemplate, ApiError> {
        let body: ClockBody = json_body(req)?;
        let to = match (body.advance_ms, body.now_ms) {
            (Some(d), None) => ClockMove::By(d),
            (None, Some(t)) => ClockMove::To(t),
            _ => {
                return Err(ApiError::BadRequest(
                    "Give exactly one of \"advanceMs\" and \"nowMs\"".into(),
                ));
            }
        };
        let engine = self.0.engine.clone();
        let now = self
            .0
            .engine
            .block_on(engine.move_clock(to))
            .ok_or_else(|| ApiError::Unavailable(SHUT_DOWN.into()))?
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(json_response(200, &json!({"nowMs": now})))
    }
}

/// `POST /_mock/events`: matches the event against live webhooks, performs
/// attempt 1 of each delivery, answers 200 `{"timestamp", "deliveries"}`.
/// 400 unless the body is a JSON object with a string `webhookEvent`.
pub struct EmitEvent(Ctx);

impl Respond for EmitEvent {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        reply(self.handle(req))
    }
}

impl EmitEvent {
    fn handle(&self, req: &Request) -> Result<ResponseTemplate, ApiError> {
        let event: Value = json_body(req)?;
        let engine = self.0.engine.clone();
        let report = self
            .0
            .engine
            .block_on(engine.emit(event))
            .ok_or_else(|| ApiError::Unavailable(SHUT_DOWN.into()))?
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        Ok(json_response(200, &json!(report)))
    }
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

/// `POST /_mock/reset`: clears webhooks, failures, pending deliveries and
/// the log (the clock stays); 200 `{"nowMs": T}`.
pub struct Reset(Ctx);

impl Respond for Reset {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let engine = self.0.engine.clone();
        match self.0.engine.block_on(engine.reset()) {
            Some(now) => json_response(200, &json!({"nowMs": now})),
            None => ApiError::Unavailable(SHUT_DOWN.into()).template(),
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
