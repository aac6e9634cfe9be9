//! `GET /rest/api/3/webhook/failed` (getFailedWebhooks).

use serde_json::{Map, Value, json};
use wiremock::Request;

use crate::routes::Responder;
use crate::wire::Reply;

use super::Ctx;
use super::auth::require_app_in;
use crate::model::failed::{DEFAULT_MAX_RESULTS, FailedPage};
use crate::wire::{ApiError, json_response, links_base, query_int, reply};

/// Lists the calling app's failed deliveries of the last 72 hours, oldest
/// first: 200 `{"values": [{"id", "body", "url", "failureTime"}],
/// "maxResults", "next"}`. Query: `after` or `failedAfter` (int64 ms since
/// the UNIX epoch, exclusive; `after` wins), `maxResults` (int32 ≥ 1,
/// default 100; exceeded rather than split ties). `next` is
/// `<base>/rest/api/3/webhook/failed?failedAfter=<last failureTime>&maxResults=<n>`,
/// present only when `values` is not empty. 400 for bad query values; 401;
/// 403 for non-apps, and for OAuth apps under `--failed-connect-only`.
/// Source: Jira `getFailedWebhooks`.
pub struct GetFailedWebhooks(pub(crate) Ctx);

impl Responder for GetFailedWebhooks {
    fn respond(&self, req: &Request) -> Reply {
        reply(self.handle(req))
    }
}

impl GetFailedWebhooks {
    fn handle(&self, req: &Request) -> Result<Reply, ApiError> {
        let page = self.0.store.read(|model| {
            let caller = require_app_in(req, model)?;
            // Both are checked even when both are given: a malformed one is a 400
            // whichever wins (`after` does).
            let after = query_int(&req.url, "after", i64::MIN, i64::MAX)?;
            let failed_after = query_int(&req.url, "failedAfter", i64::MIN, i64::MAX)?;
            let after = after.or(failed_after);
            let max = query_int(&req.url, "maxResults", 1, i32::MAX)?
                .map_or(DEFAULT_MAX_RESULTS, |m| m.unsigned_abs() as usize);
            model
                .failed_page(&caller, after, max, model.now_ms())
                .map_err(|e| ApiError::Forbidden(e.to_string()))
        })?;
        let base = format!(
            "{}/rest/api/3/webhook/failed",
            links_base(req, &self.0.base_url)
        );
        Ok(json_response(200, &page_json(&page, &base)))
    }
}

fn page_json(page: &FailedPage, base: &str) -> Value {
    let values: Vec<Value> = page
        .values
        .iter()
        .map(
            |r| json!({"id": r.id, "body": r.body, "url": r.url, "failureTime": r.failure_time_ms}),
        )
        .collect();
    let mut m = Map::new();
    m.insert("values".into(), values.into());
    m.insert("maxResults".into(), page.max_results.into());
    if let Some(t) = page.next_after {
        let next = format!("{base}?failedAfter={t}&maxResults={}", page.max_results);
        m.insert("next".into(), next.into());
    }
    Value::Object(m)
}
