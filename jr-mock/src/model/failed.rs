//! Failed deliveries: kept 72 hours, listed oldest first, paged by failure
//! time without ever splitting records of equal `failureTime`.
//!
//! Source: Jira REST v3 `getFailedWebhooks` and the algorithm in
//! docs/jira-semantics.md §7. Times are ms since the UNIX epoch.

use super::clock::MS_PER_HOUR;

/// How long a failure stays listed.
pub const RETENTION_MS: i64 = 72 * MS_PER_HOUR;
/// `maxResults` when the caller gives none.
pub const DEFAULT_MAX_RESULTS: usize = 100;

/// One delivery that failed after its last retry (`FailedWebhook`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedRecord {
    /// The app the delivery was for.
    pub app: String,
    /// The delivery ID (`X-Atlassian-Webhook-Identifier`), the wire `id`.
    pub id: String,
    /// The JSON payload as sent, as a string.
    pub body: String,
    /// The original destination.
    pub url: String,
    /// Virtual time of the last failed attempt, ms since the UNIX epoch.
    pub failure_time_ms: i64,
}

impl FailedRecord {
    /// Whether it is still listed at `now_ms` (younger than 72 hours).
    pub fn is_kept(&self, now_ms: i64) -> bool {
        now_ms.saturating_sub(self.failure_time_ms) < RETENTION_MS
    }
}

/// One page of failures (`FailedWebhooks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedPage {
    /// Oldest first; equal failure times are never split across pages.
    pub values: Vec<FailedRecord>,
    /// The `maxResults` that was applied.
    pub max_results: usize,
    /// The `failedAfter` of the next page: the last value's failure time;
    /// `None` when `values` is empty.
    pub next_after: Option<i64>,
}

/// Every app's failed deliveries.
#[derive(Debug, Clone, Default)]
pub struct FailedStore {
    records: Vec<FailedRecord>,
}

impl FailedStore {
    /// Adds a failure and drops those older than 72 hours at `now_ms`.
    pub fn add(&mut self, record: FailedRecord, now_ms: i64) {
        self.records.retain(|r| r.is_kept(now_ms));
        self.records.push(record);
    }

    /// The page of `app`'s failures with `failureTime > after`, oldest first
    /// (ties ordered by ID). Takes `max_results` (at least 1) records, then
    /// every further record sharing the last one's failure time.
    pub fn page(
        &self,
        app: &str,
        after: Option<i64>,
        max_results: usize,
        now_ms: i64,
    ) -> FailedPage {
        let mut own: Vec<&FailedRecord> = self
            .records
            .iter()
            .filter(|r| r.app == app && r.is_kept(now_ms))
            .filter(|r| after.is_none_or(|a| r.failure_time_ms > a))
            .collect();
        own.sort_by(|a, b| (a.failure_time_ms, &a.id).cmp(&(b.failure_time_ms, &b.id)));
        let mut end = max_results.max(1).min(own.len());
        while end > 0 && end < own.len() && own[end].failure_time_ms == own[end - 1].failure_time_ms
        {
            end += 1;
        }
        let values: Vec<FailedRecord> = own[..end].iter().map(|r| (*r).clone()).collect();
        FailedPage {
            next_after: values.last().map(|r| r.failure_time_ms),
            values,
            max_results,
        }
    }

    /// Every stored failure (for inspection).
    pub fn all(&self) -> &[FailedRecord] {
        &self.records
    }

    /// A store holding `records` (as saved).
    pub fn restore(records: Vec<FailedRecord>) -> Self {
        Self { records }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(app: &str, id: &str, t: i64) -> FailedRecord {
        FailedRecord {
            app: app.into(),
            id: id.into(),
            body: "{}".into(),
            url: "https://x.test".into(),
            failure_time_ms: t,
        }
    }

    fn store(recs: &[(&str, &str, i64)]) -> FailedStore {
        let mut s = FailedStore::default();
        for (app, id, t) in recs {
            s.add(rec(app, id, *t), 0);
        }
        s
    }

    fn ids(p: &FailedPage) -> Vec<&str> {
        p.values.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn pages_are_oldest_first_and_never_split_ties() {
        let s = store(&[
            ("a", "3", 20),
            ("a", "1", 10),
            ("a", "2", 20),
            ("a", "4", 30),
        ]);
        let p = s.page("a", None, 2, 30);
        assert_eq!(ids(&p), ["1", "2", "3"]);
        assert_eq!(p.next_after, Some(20));
        let p = s.page("a", Some(20), 2, 30);
        assert_eq!(ids(&p), ["4"]);
        let p = s.page("a", Some(30), 2, 30);
        assert!(p.values.is_empty());
        assert_eq!(p.next_after, None);
    }

    #[test]
    fn only_the_callers_records_younger_than_72_hours_are_listed() {
        let s = store(&[("a", "1", 0), ("b", "2", 5), ("a", "3", RETENTION_MS)]);
        assert_eq!(ids(&s.page("a", None, 100, RETENTION_MS - 1)), ["1", "3"]);
        assert_eq!(ids(&s.page("a", None, 100, RETENTION_MS)), ["3"]);
        assert_eq!(ids(&s.page("b", None, 100, 5)), ["2"]);
    }
}
