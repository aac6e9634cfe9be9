//! A jr-mock (the project's fake Jira Cloud) recognised behind the
//! configured site base URL, and the parts of its control API the webhook
//! commands use: its virtual clock (`GET /_mock/clock`) and emitting an event
//! (`POST /_mock/events`). A real Jira site has no `/_mock/health`, so the
//! probe tells the two apart. The contract is docs/architecture.md §4.

use super::outbound::{Answer, Outbound};
use crate::error::Error;
use serde_json::Value;

/// A jr-mock's control API.
#[derive(Clone)]
pub struct MockSite {
    /// The site base URL, no trailing `/`.
    base: String,
    outbound: Outbound,
}

impl MockSite {
    /// `GET {site}/_mock/health`: `Some` when it answers 200 with
    /// `{"status": "ok"}`; `None` for anything else (a real site's 404, no
    /// answer at all).
    pub async fn detect(outbound: &Outbound, site: &url::Url) -> Option<MockSite> {
        let base = site.as_str().trim_end_matches('/').to_owned();
        let answer = outbound.get(&format!("{base}/_mock/health")).await.ok()?;
        let health: Value = serde_json::from_slice(&answer.body).ok()?;
        (answer.status == 200 && health["status"] == "ok").then(|| MockSite {
            base,
            outbound: outbound.clone(),
        })
    }

    /// The site base URL this jr-mock answers at.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The virtual time: `GET /_mock/clock` → `{"nowMs": T}`, ms since the
    /// UNIX epoch.
    ///
    /// Errors (exit 1): no answer, or one without `nowMs`.
    pub async fn now_ms(&self) -> Result<i64, Error> {
        let url = format!("{}/_mock/clock", self.base);
        let answer = self.outbound.get(&url).await.map_err(Error::general)?;
        json(&answer, "GET /_mock/clock")?["nowMs"]
            .as_i64()
            .ok_or_else(|| Error::general("jr-mock's GET /_mock/clock answer has no nowMs"))
    }

    /// `POST /_mock/events` with `event` (a Jira event body); returns its
    /// answer `{"timestamp", "deliveries": [attempt]}` after attempt 1 of
    /// each delivery it caused.
    ///
    /// Errors: exit 4 with jr-mock's message when it refuses the event (400);
    /// exit 1 when it does not answer or answers something else.
    pub async fn emit(&self, event: &[u8]) -> Result<Value, Error> {
        let url = format!("{}/_mock/events", self.base);
        let headers = [("Content-Type".to_owned(), "application/json".to_owned())];
        let answer = self
            .outbound
            .post(&url, &headers, event)
            .await
            .map_err(Error::general)?;
        if answer.status == 400 {
            let jira = crate::error::ErrorCollection::parse(&answer.body);
            let message = jira
                .as_ref()
                .map(|j| j.summary())
                .unwrap_or_else(|| String::from_utf8_lossy(&answer.body).into_owned());
            let error =
                Error::validation(format!("jr-mock refused the event: {message}")).with_status(400);
            return Err(match jira {
                Some(jira) => error.with_jira(jira),
                None => error,
            });
        }
        json(&answer, "POST /_mock/events")
    }
}

fn json(answer: &Answer, call: &str) -> Result<Value, Error> {
    if answer.status != 200 {
        return Err(Error::general(format!(
            "jr-mock answered {call} with HTTP {}",
            answer.status
        )));
    }
    serde_json::from_slice(&answer.body)
        .map_err(|e| Error::general(format!("jr-mock's {call} answer is not JSON: {e}")))
}
