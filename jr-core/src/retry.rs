//! When and how long to wait before sending a request again, the way
//! Atlassian recommends for Jira Cloud (docs/jira-semantics.md
//! §11, field cases B15/B16):
//!
//! - 429 is retried for every method: Jira rejected the request before doing
//!   anything. 502, 503, 504, connection resets and timeouts are retried only
//!   for idempotent methods (GET, HEAD, PUT, DELETE), and for POST only when
//!   the user allows it (`--retry-unsafe`).
//! - `Retry-After` is honoured in seconds or as an HTTP date (measured against
//!   the response's `Date`), times a jitter of 1.0–1.3 (jitter only adds).
//!   A date that is already past (clocks differ, or the answer was slow)
//!   waits [`PAST_RETRY_AFTER`], 1 s (1.3 s at most with jitter), not 0:
//!   the server asked for a pause, and retrying at once would be refused again.
//!   Without it: 5 s doubling to a 30 s cap, times a jitter of 0.7–1.3.
//! - At most [`DEFAULT_RETRIES`] retries unless configured (`--retries N`).
//!
//! Waiting goes through a [`Sleeper`] and jitter through a [`Jitter`], so tests
//! can record the delays instead of sleeping.

use crate::ops::Method;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Retries after the first attempt unless `--retries` says otherwise
/// (Atlassian's `maxRetries = 4`).
pub const DEFAULT_RETRIES: u32 = 4;
/// The first computed delay when the server gives no `Retry-After`.
pub const FIRST_DELAY: Duration = Duration::from_secs(5);
/// The longest computed delay (a `Retry-After` may ask for more and is obeyed).
pub const MAX_DELAY: Duration = Duration::from_secs(30);
/// The longest `Retry-After` jr waits out (5 minutes). A server that asks
/// for more gets no retry: the command ends at once (exit 5 for a 429)
/// with `retry_after` in the error, so a script can decide, instead of
/// hanging for an hour.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// The wait for a `Retry-After` HTTP date that is already past (or now).
pub const PAST_RETRY_AFTER: Duration = Duration::from_secs(1);

/// Waits for a duration. The CLI uses tokio's timer; tests record the calls.
pub trait Sleeper: Send + Sync {
    /// Resolves after `duration` (or at once, for a fake).
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>>;
}

/// Sleeps on tokio's timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// A source of uniform random numbers in `[0, 1)` for the jitter.
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

/// Why a request is sent again; the `reason` of a `--verbose` retry line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The answer had this HTTP status (429, 502, 503, 504).
    Status(u16),
    /// The request timed out.
    Timeout,
    /// The connection was reset or closed before the answer was complete.
    ConnectionReset,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Status(status) => write!(f, "HTTP {status}"),
            Reason::Timeout => f.write_str("timeout"),
            Reason::ConnectionReset => f.write_str("connection reset"),
        }
    }
}

/// How many times to retry, what, and with which jitter.
#[derive(Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// Also retry POST on 5xx, resets and timeouts (`--retry-unsafe`).
    pub retry_unsafe: bool,
    /// Uniform `[0, 1)` numbers for the jitter.
    pub jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_retries: DEFAULT_RETRIES,
            retry_unsafe: false,
            jitter: Arc::new(fastrand::f64),
        }
    }
}

impl std::fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_retries", &self.max_retries)
            .field("retry_unsafe", &self.retry_unsafe)
            .finish_non_exhaustive()
    }
}

impl RetryPolicy {
    /// Whether a failure of `reason` on `method` may be retried at all
    /// (regardless of how many attempts remain).
    pub fn allows(&self, method: Method, reason: Reason) -> bool {
        match reason {
            Reason::Status(429) => true,
            Reason::Status(502..=504) | Reason::Timeout | Reason::ConnectionReset => {
                method != Method::Post || self.retry_unsafe
            }
            Reason::Status(_) => false,
        }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    ///
    /// With `retry_after` (from the server): that, times 1.0–1.3. Without:
    /// [`backoff`] times 0.7–1.3.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let u = (self.jitter)().clamp(0.0, 1.0);
        match retry_after {
            Some(wait) => wait.mul_f64(1.0 + 0.3 * u),
            None => backoff(retry).mul_f64(0.7 + 0.6 * u),
        }
    }
}

/// The wait before retry number `retry` without jitter: 5 s, 10 s, 20 s, then 30 s.
pub fn backoff(retry: u32) -> Duration {
    let doublings = retry.saturating_sub(1).min(16);
    FIRST_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY)
}

/// Reads a `Retry-After` header (RFC 9110 §10.2.3): whole seconds, or an HTTP
/// date measured against the response's `Date` header (or `now` without one).
/// A date that is not in the future gives [`PAST_RETRY_AFTER`]. `None` when
/// the value is neither.
pub fn parse_retry_after(value: &str, date: Option<&str>, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // More seconds than u64 holds is still a (very long) wait, never "absent".
        return Some(Duration::from_secs(
            value.parse::<u64>().unwrap_or(u64::MAX),
        ));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let sent = date
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .unwrap_or(now);
    Some(
        at.duration_since(sent)
            .ok()
            .filter(|wait| !wait.is_zero())
            .unwrap_or(PAST_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(u: f64) -> RetryPolicy {
        RetryPolicy {
            jitter: Arc::new(move || u),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn backoff_doubles_from_five_seconds_to_a_thirty_second_cap() {
        let waits: Vec<u64> = (1..=6).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 30, 30, 30]);
    }

    #[test]
    fn computed_delays_get_a_jitter_of_0_7_to_1_3() {
        assert_eq!(policy(0.0).delay(1, None), Duration::from_millis(3500));
        assert_eq!(policy(0.5).delay(2, None), Duration::from_secs(10));
        assert_eq!(policy(1.0).delay(4, None), Duration::from_secs(39));
    }

    #[test]
    fn a_retry_after_is_never_shortened_by_jitter() {
        let wait = Some(Duration::from_secs(10));
        assert_eq!(policy(0.0).delay(1, wait), Duration::from_secs(10));
        assert_eq!(policy(1.0).delay(1, wait), Duration::from_secs(13));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates_against_the_response_date() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            parse_retry_after(" 3 ", None, now),
            Some(Duration::from_secs(3))
        );
        // Issue 12: more seconds than u64 holds was read as no Retry-After at all.
        assert_eq!(
            parse_retry_after("99999999999999999999999", None, now),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(parse_retry_after("-5", None, now), None);
        assert_eq!(
            parse_retry_after(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                Some("Sun, 06 Nov 1994 08:49:30 GMT"),
                now
            ),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                Some("Sun, 06 Nov 1994 09:00:00 GMT"),
                now
            ),
            Some(PAST_RETRY_AFTER),
            "a date in the past waits 1 s, not 0"
        );
        assert_eq!(
            parse_retry_after(
                "Sun, 06 Nov 1994 08:49:37 GMT",
                Some("Sun, 06 Nov 1994 08:49:37 GMT"),
                now
            ),
            Some(PAST_RETRY_AFTER),
            "a date equal to the response's Date too"
        );
        let past = policy(1.0).delay(
            1,
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", None, SystemTime::now()),
        );
        assert!(
            past >= Duration::from_secs(1) && past <= Duration::from_secs(5),
            "{past:?}"
        );
        assert_eq!(parse_retry_after("soon", None, now), None);
        assert_eq!(parse_retry_after("-1", None, now), None);
    }

    #[test]
    fn post_is_retried_on_429_only_unless_unsafe_retries_are_allowed() {
        let safe = RetryPolicy::default();
        assert!(safe.allows(Method::Post, Reason::Status(429)));
        assert!(!safe.allows(Method::Post, Reason::Status(503)));
        assert!(!safe.allows(Method::Post, Reason::Timeout));
        assert!(safe.allows(Method::Get, Reason::Status(503)));
        assert!(safe.allows(Method::Delete, Reason::ConnectionReset));
        assert!(!safe.allows(Method::Get, Reason::Status(500)));
        let unsafe_too = RetryPolicy {
            retry_unsafe: true,
            ..RetryPolicy::default()
        };
        assert!(unsafe_too.allows(Method::Post, Reason::Status(503)));
    }
}
