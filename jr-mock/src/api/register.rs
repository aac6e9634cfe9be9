//! `POST /rest/api/3/webhook` (registerDynamicWebhooks).

use serde_json::{Value, json};
use wiremock::Request;

use crate::routes::Responder;
use crate::wire::Reply;

use super::Ctx;
use super::auth::require_app_in;
use crate::model::webhooks::{ItemResult, Registration};
use crate::wire::{ApiError, json_body, json_response, reply};

/// Registers webhooks for the calling app: 200
/// `{"webhookRegistrationResult": [{"createdWebhookId": n} | {"errors": [..]}]}`,
/// one result per item in request order. 400 for a malformed body or a
/// second URL; 401; 403 for non-apps. Source: Jira `registerDynamicWebhooks`.
pub struct RegisterDynamicWebhooks(pub(crate) Ctx);

impl Responder for RegisterDynamicWebhooks {
    fn respond(&self, req: &Request) -> Reply {
        reply(self.handle(req))
    }
}

impl RegisterDynamicWebhooks {
    fn handle(&self, req: &Request) -> Result<Reply, ApiError> {
        let results = self.0.store.try_write(|model, now| {
            let caller = require_app_in(req, model)?;
            let reg: Registration = json_body(req)?;
            model
                .register(&caller, reg, now)
                .map_err(|e| ApiError::BadRequest(e.to_string()))
        })?;
        let items: Vec<Value> = results.iter().map(item).collect();
        Ok(json_response(
            200,
            &json!({"webhookRegistrationResult": items}),
        ))
    }
}

fn item(r: &ItemResult) -> Value {
    match r {
        ItemResult::Created(id) => json!({"createdWebhookId": id}),
        ItemResult::Rejected(errors) => json!({"errors": errors}),
    }
}
