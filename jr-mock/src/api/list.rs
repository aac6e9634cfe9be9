//! `GET /rest/api/3/webhook` (getDynamicWebhooksForApp).

use serde_json::{Map, Value, json};
use wiremock::Request;

use crate::routes::Responder;
use crate::wire::Reply;

use super::Ctx;
use super::auth::require_app_in;
use crate::model::clock::format_jira_datetime;
use crate::model::webhooks::{Webhook, WebhookPage};
use crate::wire::{ApiError, json_response, links_base, query_int, reply};

/// `maxResults` when none is given.
pub const DEFAULT_MAX_RESULTS: i32 = 100;

/// Lists the calling app's webhooks, offset-paged (`startAt` int64 ≥ 0,
/// default 0; `maxResults` int32 ≥ 0, default 100): 200 `PageBeanWebhook`
/// `{"isLast", "maxResults", "nextPage" (when more remain), "self",
/// "startAt", "total", "values": [Webhook]}` with `expirationDate` as
/// `yyyy-MM-dd'T'HH:mm:ss.SSS+0000`. 400 for bad query values; 401; 403 for
/// non-apps. Source: Jira `getDynamicWebhooksForApp`.
pub struct GetDynamicWebhooksForApp(pub(crate) Ctx);

impl Responder for GetDynamicWebhooksForApp {
    fn respond(&self, req: &Request) -> Reply {
        reply(self.handle(req))
    }
}

impl GetDynamicWebhooksForApp {
    fn handle(&self, req: &Request) -> Result<Reply, ApiError> {
        let page = self.0.store.read(|model| {
            let caller = require_app_in(req, model)?;
            let start_at = query_int(&req.url, "startAt", 0, i64::MAX)?.unwrap_or(0);
            let max =
                query_int(&req.url, "maxResults", 0, i32::MAX)?.unwrap_or(DEFAULT_MAX_RESULTS);
            Ok::<_, ApiError>(model.list(
                &caller,
                start_at.unsigned_abs(),
                max.unsigned_abs(),
                model.now_ms(),
            ))
        })?;
        let base = format!("{}/rest/api/3/webhook", links_base(req, &self.0.base_url));
        Ok(json_response(200, &page_json(&page, &base)))
    }
}

fn page_json(page: &WebhookPage, base: &str) -> Value {
    let link = |start: u64| format!("{base}?maxResults={}&startAt={start}", page.max_results);
    let mut m = Map::new();
    m.insert("isLast".into(), page.is_last.into());
    m.insert("maxResults".into(), page.max_results.into());
    if !page.is_last && page.max_results > 0 {
        let next = page.start_at.saturating_add(u64::from(page.max_results));
        m.insert("nextPage".into(), link(next).into());
    }
    m.insert("self".into(), link(page.start_at).into());
    m.insert("startAt".into(), page.start_at.into());
    m.insert("total".into(), page.total.into());
    m.insert(
        "values".into(),
        page.values.iter().map(webhook_json).collect(),
    );
    Value::Object(m)
}

/// One `Webhook`, keys in the spec example's order.
fn webhook_json(h: &Webhook) -> Value {
    let mut m = Map::new();
    m.insert("events".into(), json!(h.spec.events));
    m.insert(
        "expirationDate".into(),
        format_jira_datetime(h.expires_at_ms).into(),
    );
    if let Some(f) = &h.spec.field_ids_filter {
        m.insert("fieldIdsFilter".into(), json!(f));
    }
    m.insert("id".into(), h.id.into());
    if let Some(f) = &h.spec.issue_property_keys_filter {
        m.insert("issuePropertyKeysFilter".into(), json!(f));
    }
    m.insert("jqlFilter".into(), h.spec.jql_filter.clone().into());
    m.insert("url".into(), h.url.clone().into());
    Value::Object(m)
}
