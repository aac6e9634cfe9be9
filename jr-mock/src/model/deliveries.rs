//! Outbound deliveries as data: the queue of pending attempts on the
//! virtual clock, the retry rule, and the log of every attempt.
//!
//! Source: Jira's retry policy (docs/jira-semantics.md §8.4): attempt 1,
//! then up to 5 retries, only after 408, 409, 425, 429, 5xx, a connection
//! failure or a timeout. No HTTP here; `crate::delivery` performs attempts.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

/// Retries after the first attempt.
pub const MAX_RETRIES: u32 = 5;
/// Attempts per delivery, first included.
pub const MAX_ATTEMPTS: u32 = MAX_RETRIES + 1;
/// The attempt log keeps at most this many most recent entries.
pub const LOG_CAPACITY: usize = 10_000;
/// … and at most this many bytes of them (16 MiB, measured as each
/// record's JSON length), so large payloads cannot grow memory without bound.
pub const LOG_MAX_BYTES: usize = 16 * 1024 * 1024;
/// With the degradation switch on, a URL that has failed without a
/// success for this long (30 minutes, ms) gets a single attempt per
/// delivery (docs/jira-semantics.md §8.4).
pub const DEGRADE_AFTER_MS: i64 = 30 * 60_000;

/// One delivery: a payload for one app (one URL), retried as one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Creation order, used to order simultaneous attempts.
    pub seq: u64,
    /// The delivery ID (`X-Atlassian-Webhook-Identifier`), stable across retries.
    pub id: String,
    /// The app it is for.
    pub app: String,
    /// Where it goes.
    pub url: String,
    /// `matchedWebhookIds` of the payload.
    pub webhook_ids: Vec<i64>,
    /// The JSON payload, exactly as sent.
    pub body: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due, ms since the UNIX epoch.
    pub next_attempt_ms: i64,
    /// `X-Atlassian-Webhook-Flow` of every attempt.
    pub flow: Flow,
}

/// `X-Atlassian-Webhook-Flow` (docs/jira-semantics.md §8.3): the event
/// itself, or the fallout of a cascading change (the `comment_deleted`s of
/// a deleted issue).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    /// The change's own event.
    #[default]
    Primary,
    /// An event a cascading change caused.
    Secondary,
}

impl Flow {
    /// The header value: `Primary` or `Secondary`.
    pub fn header(self) -> &'static str {
        match self {
            Flow::Primary => "Primary",
            Flow::Secondary => "Secondary",
        }
    }
}

/// What one attempt produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// The receiver answered with this status.
    Status(u16),
    /// No connection could be made (refused, DNS, TLS…).
    ConnectFailed(String),
    /// No answer within the delivery timeout.
    TimedOut,
    /// Any other transport error.
    Failed(String),
}

impl AttemptResult {
    /// Whether the receiver accepted the delivery (2xx).
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Status(s) if (200..300).contains(s))
    }

    /// Whether Jira retries after this result: 408, 409, 425, 429, 5xx,
    /// connection failures and timeouts.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status(s) => matches!(s, 408 | 409 | 425 | 429 | 500..=599),
            Self::ConnectFailed(_) | Self::TimedOut | Self::Failed(_) => true,
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            Self::Status(s) => Some(*s),
            _ => None,
        }
    }

    fn error(&self) -> Option<String> {
        match self {
            Self::Status(_) => None,
            Self::ConnectFailed(e) => Some(format!("connection failed: {e}")),
            Self::TimedOut => Some("timed out".to_owned()),
            Self::Failed(e) => Some(e.clone()),
        }
    }
}

/// What became of a delivery after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 2xx: done.
    Delivered,
    /// A retryable failure with retries left: another attempt is scheduled.
    RetryScheduled,
    /// A retryable failure on the last attempt: recorded as a failed webhook.
    Failed,
    /// A non-retryable failure (other 4xx, 3xx…): dropped, not recorded.
    Rejected,
}

/// One attempt, as `GET /_mock/deliveries` and `POST /_mock/events` show it.
///
/// JSON: `{"deliveryId", "app", "url", "webhookIds", "attempt", "timeMs",
/// "status" (number or null), "error" (string or null), "outcome"
/// ("delivered" | "retry_scheduled" | "failed" | "rejected"), "nextAttemptMs"
/// (number or null), "headers" (object, in the order sent), "body" (the
/// payload as JSON)}`, plus `"duplicate": true` on the copies the
/// duplicate-delivery switch sends.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptRecord {
    /// The delivery ID.
    pub delivery_id: String,
    /// The app it was for.
    pub app: String,
    /// The destination.
    pub url: String,
    /// `matchedWebhookIds` of the payload.
    pub webhook_ids: Vec<i64>,
    /// 1 for the first attempt, up to 6.
    pub attempt: u32,
    /// Virtual time of the attempt, ms since the UNIX epoch.
    pub time_ms: i64,
    /// The receiver's status, if it answered.
    pub status: Option<u16>,
    /// The transport error, if it did not.
    pub error: Option<String>,
    /// What became of the delivery.
    pub outcome: Outcome,
    /// When the next attempt is due, if one is scheduled.
    pub next_attempt_ms: Option<i64>,
    /// The request headers sent.
    pub headers: Map<String, Value>,
    /// The payload sent.
    pub body: Value,
    /// Whether this was the extra copy the duplicate-delivery switch sends
    /// (serialised only when true, as `"duplicate": true`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

/// Pending deliveries and the attempt log.
#[derive(Debug, Clone, Default)]
pub struct DeliveryBook {
    next_seq: u64,
    pending: Vec<Delivery>,
    /// Shared records, so a listing copies pointers under the store's lock
    /// and serialises outside it.
    log: VecDeque<Arc<AttemptRecord>>,
    /// The JSON length of each record in `log`, in the same order, bytes.
    log_sizes: VecDeque<usize>,
    /// The sum of `log_sizes`, bytes.
    log_bytes: usize,
    /// Attempts ever logged, so the `n`-th (from 1) keeps its number for
    /// paging after older ones are dropped.
    logged: u64,
    /// Since when each URL has failed without a success, ms since the UNIX epoch.
    failing_since: HashMap<String, i64>,
    /// Bumped by [`DeliveryBook::next_epoch`] (reset): attempts taken in an
    /// earlier epoch are not recorded.
    epoch: u64,
}

/// What the book decided after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// What became of the delivery.
    pub outcome: Outcome,
    /// When the next attempt is due, if any.
    pub next_attempt_ms: Option<i64>,
}

impl DeliveryBook {
    /// Queues a new delivery whose first attempt is due at `due_ms`; returns its sequence number.
    pub fn enqueue(
        &mut self,
        id: String,
        app: String,
        url: String,
        webhook_ids: Vec<i64>,
        body: String,
        due_ms: i64,
    ) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.pending.push(Delivery {
            seq,
            id,
            app,
            url,
            webhook_ids,
            body,
            attempts: 0,
            next_attempt_ms: due_ms,
            flow: Flow::Primary,
        });
        seq
    }

    /// Sends the pending delivery `seq` with `flow` (new deliveries are
    /// [`Flow::Primary`]).
    pub fn set_flow(&mut self, seq: u64, flow: Flow) {
        if let Some(d) = self.pending.iter_mut().find(|d| d.seq == seq) {
            d.flow = flow;
        }
    }

    /// Removes and returns every delivery due by `until_ms`, earliest due
    /// first (creation order among equals): the chains a clock move starts.
    pub fn take_all_due(&mut self, until_ms: i64) -> Vec<Delivery> {
        let (mut due, rest): (Vec<_>, Vec<_>) = self
            .pending
            .drain(..)
            .partition(|d| d.next_attempt_ms <= until_ms);
        self.pending = rest;
        due.sort_by_key(|d| (d.next_attempt_ms, d.seq));
        due
    }

    /// Removes and returns the pending delivery `seq` if it is due by
    /// `until_ms`: the next link of a chain that is already running.
    pub fn take_if_due(&mut self, seq: u64, until_ms: i64) -> Option<Delivery> {
        let i = self
            .pending
            .iter()
            .position(|d| d.seq == seq && d.next_attempt_ms <= until_ms)?;
        Some(self.pending.remove(i))
    }

    /// The current epoch (see [`DeliveryBook::next_epoch`]).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// An empty book in the next epoch: what reset leaves, so attempts
    /// still in flight from before are dropped when they finish.
    pub fn next_epoch(&self) -> Self {
        Self {
            epoch: self.epoch + 1,
            ..Self::default()
        }
    }

    /// Removes and returns the deliveries due at the earliest due time that
    /// is `<= until_ms`, in creation order, with that time. `None` when
    /// nothing is due.
    pub fn take_due(&mut self, until_ms: i64) -> Option<(i64, Vec<Delivery>)> {
        let at = self
            .pending
            .iter()
            .map(|d| d.next_attempt_ms)
            .filter(|t| *t <= until_ms)
            .min()?;
        let (due, rest): (Vec<_>, Vec<_>) = self
            .pending
            .drain(..)
            .partition(|d| d.next_attempt_ms == at);
        self.pending = rest;
        Some((at, due))
    }

    /// Applies `result` of an attempt made at `at_ms`: reschedules the
    /// delivery `retry_delay_ms` later when it may be retried. With
    /// `degrade`, a delivery to a URL failing for [`DEGRADE_AFTER_MS`] or
    /// more is not retried (its failure is final).
    pub fn decide(
        &mut self,
        mut delivery: Delivery,
        result: &AttemptResult,
        at_ms: i64,
        retry_delay_ms: i64,
        degrade: bool,
    ) -> Decision {
        delivery.attempts += 1;
        let failing_for = self.track_failures(&delivery.url, result, at_ms);
        let degraded = degrade && failing_for >= DEGRADE_AFTER_MS;
        let outcome = if result.is_success() {
            Outcome::Delivered
        } else if !result.is_retryable() {
            Outcome::Rejected
        } else if delivery.attempts >= MAX_ATTEMPTS || degraded {
            Outcome::Failed
        } else {
            Outcome::RetryScheduled
        };
        let next_attempt_ms =
            (outcome == Outcome::RetryScheduled).then(|| at_ms.saturating_add(retry_delay_ms));
        if let Some(next) = next_attempt_ms {
            delivery.next_attempt_ms = next;
            self.pending.push(delivery);
        }
        Decision {
            outcome,
            next_attempt_ms,
        }
    }

    /// Notes `result` at `at_ms` for `url`; returns how long `url` has been
    /// failing without a success, ms (0 after a success).
    fn track_failures(&mut self, url: &str, result: &AttemptResult, at_ms: i64) -> i64 {
        if result.is_success() {
            self.failing_since.remove(url);
            return 0;
        }
        let since = *self.failing_since.entry(url.to_owned()).or_insert(at_ms);
        at_ms.saturating_sub(since)
    }

    /// Appends to the attempt log, dropping the oldest beyond
    /// [`LOG_CAPACITY`] entries or [`LOG_MAX_BYTES`] bytes (the newest
    /// record is always kept, whatever its size).
    pub fn log(&mut self, record: AttemptRecord) {
        let size = serde_json::to_vec(&record).map_or(0, |bytes| bytes.len());
        while !self.log.is_empty()
            && (self.log.len() >= LOG_CAPACITY || self.log_bytes + size > LOG_MAX_BYTES)
        {
            self.log.pop_front();
            self.log_bytes -= self.log_sizes.pop_front().unwrap_or(0);
        }
        self.log.push_back(Arc::new(record));
        self.log_sizes.push_back(size);
        self.log_bytes += size;
        self.logged += 1;
    }

    /// The bytes the kept attempt records take as JSON.
    pub fn log_bytes(&self) -> usize {
        self.log_bytes
    }

    /// Up to `limit` (all when `None`) logged attempts numbered after
    /// `after` (attempts are numbered 1, 2, … in log order), oldest first,
    /// and the number to pass as `after` for the next page when more remain.
    pub fn attempts_after(
        &self,
        after: Option<u64>,
        limit: Option<usize>,
    ) -> (Vec<Arc<AttemptRecord>>, Option<u64>) {
        let first = self.logged - self.log.len() as u64; // number of the oldest, minus 1
        let skip = after.map_or(0, |a| a.saturating_sub(first)) as usize;
        let rest = self.log.len().saturating_sub(skip);
        let take = limit.unwrap_or(rest).min(rest);
        let page = self.log.iter().skip(skip).take(take).cloned().collect();
        let next = (take < rest).then(|| first + (skip + take) as u64);
        (page, next)
    }

    /// How many attempts were ever logged (since the last reset); the kept
    /// ones are numbered consecutively up to it.
    pub fn logged(&self) -> u64 {
        self.logged
    }

    /// Every logged attempt, oldest first.
    pub fn attempts(&self) -> impl Iterator<Item = &AttemptRecord> {
        self.log.iter().map(|a| &**a)
    }

    /// Deliveries waiting for an attempt.
    pub fn pending(&self) -> &[Delivery] {
        &self.pending
    }
}

/// Builds the log record of an attempt.
pub fn record(
    delivery: &Delivery,
    attempt: u32,
    at_ms: i64,
    result: &AttemptResult,
    decision: Decision,
    headers: Map<String, Value>,
) -> AttemptRecord {
    AttemptRecord {
        delivery_id: delivery.id.clone(),
        app: delivery.app.clone(),
        url: delivery.url.clone(),
        webhook_ids: delivery.webhook_ids.clone(),
        attempt,
        time_ms: at_ms,
        status: result.status(),
        error: result.error(),
        outcome: decision.outcome,
        next_attempt_ms: decision.next_attempt_ms,
        headers,
        body: serde_json::from_str(&delivery.body).unwrap_or(Value::Null),
        duplicate: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book_with_one(due: i64) -> DeliveryBook {
        let mut b = DeliveryBook::default();
        b.enqueue(
            "d1".into(),
            "a".into(),
            "u".into(),
            vec![1],
            "{}".into(),
            due,
        );
        b
    }

    fn record_with_payload(bytes: usize) -> AttemptRecord {
        let delivery = book_with_one(0).pending()[0].clone();
        let mut record = record(
            &delivery,
            1,
            0,
            &AttemptResult::Status(204),
            Decision {
                outcome: Outcome::Delivered,
                next_attempt_ms: None,
            },
            Map::new(),
        );
        record.body = Value::String("x".repeat(bytes));
        record
    }

    #[test]
    fn the_attempt_log_is_bounded_by_bytes_as_well_as_by_count() {
        let mut b = DeliveryBook::default();
        // 40 records of 1 MiB each: only the newest 16 MiB stay.
        for _ in 0..40 {
            b.log(record_with_payload(1024 * 1024));
        }
        assert_eq!(b.logged(), 40);
        assert!(b.log_bytes() <= LOG_MAX_BYTES, "{}", b.log_bytes());
        let kept = b.attempts().count();
        assert!((14..=15).contains(&kept), "{kept}");
        // Paging still numbers the kept ones after the dropped ones.
        let (page, next) = b.attempts_after(Some(39), None);
        assert_eq!((page.len(), next), (1, None));
        // A record larger than the whole budget is still kept, alone.
        b.log(record_with_payload(LOG_MAX_BYTES + 1));
        assert_eq!(b.attempts().count(), 1);
    }

    #[test]
    fn retryable_statuses_follow_jiras_policy() {
        for s in [408, 409, 425, 429, 500, 503, 599] {
            assert!(AttemptResult::Status(s).is_retryable(), "{s}");
        }
        for s in [301, 400, 401, 404, 410, 422] {
            assert!(!AttemptResult::Status(s).is_retryable(), "{s}");
        }
        assert!(AttemptResult::TimedOut.is_retryable());
        assert!(AttemptResult::Status(204).is_success());
    }

    #[test]
    fn five_retries_then_failed() {
        let mut b = book_with_one(0);
        let mut now = 0;
        let mut outcomes = Vec::new();
        while let Some((at, mut due)) = b.take_due(i64::MAX) {
            now = at;
            let d = due.remove(0);
            outcomes.push(
                b.decide(d, &AttemptResult::Status(500), at, 1000, false)
                    .outcome,
            );
        }
        assert_eq!(outcomes.len(), MAX_ATTEMPTS as usize);
        assert_eq!(outcomes.last(), Some(&Outcome::Failed));
        assert_eq!(now, 5000);
    }

    #[test]
    fn non_retryable_failures_are_rejected_at_once() {
        let mut b = book_with_one(0);
        let (at, mut due) = b.take_due(0).unwrap();
        let d = b.decide(due.remove(0), &AttemptResult::Status(404), at, 1000, false);
        assert_eq!(d.outcome, Outcome::Rejected);
        assert!(b.take_due(i64::MAX).is_none());
    }

    #[test]
    fn nothing_is_taken_before_it_is_due() {
        let mut b = book_with_one(10);
        assert!(b.take_due(9).is_none());
        assert_eq!(b.take_due(10).map(|(t, d)| (t, d.len())), Some((10, 1)));
    }

    #[test]
    fn a_url_failing_for_30_minutes_degrades_to_one_attempt_when_asked() {
        let mut b = book_with_one(0);
        let mut attempts = Vec::new();
        while let Some((at, mut due)) = b.take_due(i64::MAX) {
            attempts.push(at);
            let d = due.remove(0);
            b.decide(d, &AttemptResult::TimedOut, at, 10 * 60_000, true);
        }
        assert_eq!(
            attempts,
            [0, 600_000, 1_200_000, 1_800_000],
            "no retry after 30 minutes"
        );
        b.enqueue(
            "d2".into(),
            "a".into(),
            "u".into(),
            vec![1],
            "{}".into(),
            1_900_000,
        );
        let mut due = b.take_all_due(i64::MAX);
        let d = b.decide(
            due.remove(0),
            &AttemptResult::Status(503),
            1_900_000,
            1,
            true,
        );
        assert_eq!(d.outcome, Outcome::Failed, "a single attempt");
        let d = b.decide(
            Delivery {
                seq: 9,
                id: "d3".into(),
                app: "a".into(),
                url: "u".into(),
                webhook_ids: vec![],
                body: "{}".into(),
                attempts: 0,
                next_attempt_ms: 2_000_000,
                flow: Flow::Primary,
            },
            &AttemptResult::Status(200),
            2_000_000,
            1,
            true,
        );
        assert_eq!(d.outcome, Outcome::Delivered);
        assert_eq!(
            b.track_failures("u", &AttemptResult::Status(500), 2_100_000),
            0,
            "a success ends the streak"
        );
    }

    #[test]
    fn a_running_chain_takes_back_only_its_own_due_retry() {
        let mut b = book_with_one(0);
        let (at, mut due) = b.take_due(0).unwrap();
        let d = due.remove(0);
        let seq = d.seq;
        b.decide(d, &AttemptResult::Status(500), at, 1000, false);
        assert!(b.take_if_due(seq, 999).is_none(), "not due yet");
        assert!(b.take_if_due(seq + 1, 1000).is_none(), "another delivery");
        assert_eq!(b.take_if_due(seq, 1000).map(|d| d.attempts), Some(1));
        assert!(b.pending().is_empty());
    }
}
