//! The dynamic-webhook operations as the hand-written webhook commands call
//! them: through the one execution path (`ctx`), so they get the session,
//! retries, paging, `--verbose` and Ctrl-C of every other request.
//! Source: Jira REST v3 `getDynamicWebhooksForApp`, `getFailedWebhooks`,
//! `registerDynamicWebhooks`, `refreshWebhooks`, `deleteWebhookById`.

use crate::context::Ctx;
use jr_core::request::RequestPlan;
use jr_core::{Error, ErrorKind, ops, webhook};
use serde_json::{Value, json};

/// The plan of the operation `operation_id` with query `values` and `body`.
///
/// Errors: exit 1 when the table lacks it; exit 4 for a bad value.
fn plan(
    operation_id: &str,
    values: &[(String, Vec<String>)],
    body: Option<Vec<u8>>,
) -> Result<(&'static ops::Operation, RequestPlan), Error> {
    let op = ops::by_operation_id(operation_id)
        .ok_or_else(|| Error::general(format!("the operation table has no {operation_id}")))?;
    Ok((op, RequestPlan::build(op, values, body)?))
}

fn parse(body: &[u8], what: &str) -> Result<Value, Error> {
    serde_json::from_slice(body)
        .map_err(|e| Error::general(format!("the {what} answer is not JSON: {e}")))
}

/// Every webhook of the calling app (every page of
/// `getDynamicWebhooksForApp`), as Jira lists them.
///
/// Errors: those of the request (a person's 403 explained), exit 1 for an
/// answer that is not JSON.
pub fn list_all(ctx: &mut Ctx) -> Result<Vec<Value>, Error> {
    let (op, plan) = plan("getDynamicWebhooksForApp", &[], None)?;
    let body = ctx
        .fetch_all(&plan, op.pagination)
        .map_err(explain_app_only)?;
    Ok(values(parse(&body, "webhook list")?))
}

/// Every failed delivery Jira still lists (every page of
/// `getFailedWebhooks`), oldest first; `after` is ms since the UNIX epoch.
///
/// Errors: as [`list_all`]; a 403 to an app that is not a Connect app is
/// explained.
pub fn failed_all(ctx: &mut Ctx, after: Option<i64>) -> Result<Vec<Value>, Error> {
    let values: Vec<(String, Vec<String>)> = after
        .map(|ms| vec![("after".to_owned(), vec![ms.to_string()])])
        .unwrap_or_default();
    let (op, plan) = plan("getFailedWebhooks", &values, None)?;
    let body = ctx
        .fetch_all(&plan, op.pagination)
        .map_err(explain_failed)?;
    Ok(self::values(parse(&body, "failed-webhook list")?))
}

/// Registers `body` (`WebhookRegistrationDetails`); returns Jira's
/// `webhookRegistrationResult` items, in request order.
///
/// Errors: those of the request.
pub fn register(ctx: &mut Ctx, body: &Value) -> Result<Vec<Value>, Error> {
    let (_, plan) = plan(
        "registerDynamicWebhooks",
        &[],
        Some(body.to_string().into_bytes()),
    )?;
    let answer = ctx.send(&plan).map_err(explain_app_only)?;
    let answer = parse(&answer.body, "registration")?;
    Ok(answer["webhookRegistrationResult"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// Extends the life of `ids`; returns the new `expirationDate` as Jira gave it.
///
/// Errors: those of the request.
pub fn refresh(ctx: &mut Ctx, ids: &[i64]) -> Result<Value, Error> {
    let (_, plan) = plan("refreshWebhooks", &[], Some(ids_json(ids)))?;
    let answer = ctx.send(&plan).map_err(explain_app_only)?;
    Ok(parse(&answer.body, "refresh")?["expirationDate"].clone())
}

/// Deletes `ids`.
///
/// Errors: those of the request.
pub fn delete(ctx: &mut Ctx, ids: &[i64]) -> Result<(), Error> {
    let (_, plan) = plan("deleteWebhookById", &[], Some(ids_json(ids)))?;
    ctx.send(&plan).map_err(explain_app_only).map(|_| ())
}

/// `{"webhookIds": [...]}`, Jira's `ContainerForWebhookIDs`.
pub fn ids_json(ids: &[i64]) -> Vec<u8> {
    json!({ "webhookIds": ids }).to_string().into_bytes()
}

fn values(page: Value) -> Vec<Value> {
    match page {
        Value::Object(mut map) => match map.remove("values") {
            Some(Value::Array(values)) => values,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// The expiry of a listed webhook in ms since the UNIX epoch, when it has
/// a readable `expirationDate` (docs/jira-semantics.md §9).
pub fn expires_ms(hook: &Value) -> Option<i64> {
    webhook::expiration_ms(&hook["expirationDate"])
}

/// A 403 on the webhook API means the caller is not an app (docs/jira-semantics.md §2.2).
pub fn explain_app_only(error: Error) -> Error {
    if error.kind() == ErrorKind::Auth && error.status() == Some(403) {
        error.with_hint(
            "dynamic webhooks are for Connect and OAuth 2.0 apps: use an app's credentials (e.g. JR_AUTH_TYPE=bearer with the app's access token); a person can use admin webhooks or Automation rules instead",
        )
    } else {
        error
    }
}

/// A 403 on `/webhook/failed`: only Connect apps may read failed deliveries
/// (docs/jira-semantics.md §7), or the caller is not an app at all.
pub fn explain_failed(error: Error) -> Error {
    // Jira's text is the only thing that tells the two 403s apart: a person
    // gets "Only Connect and OAuth 2.0 apps ...", an OAuth app "... not a
    // Connect app".
    let not_an_app = error.message().contains("Only Connect and OAuth 2.0 apps");
    if error.kind() == ErrorKind::Auth && error.status() == Some(403) && !not_an_app {
        error.with_hint(FAILED_403_HINT)
    } else {
        explain_app_only(error)
    }
}

/// Why an app may be refused the failed deliveries.
pub const FAILED_403_HINT: &str = "Jira lets only Connect apps read failed deliveries (GET /rest/api/3/webhook/failed); run this as the Connect app (JR_AUTH_TYPE=connect with JR_CONNECT_KEY and JR_CONNECT_SECRET)";
