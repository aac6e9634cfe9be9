//! The virtual clock: milliseconds since the UNIX epoch, frozen between moves.
//!
//! The clock never reads wall time; it starts where the configuration says
//! and only moves forward, when asked (`POST /_mock/clock`, `FakeJira::advance_ms`).
//! Its range is bounded so that every derived date (expiry + retention) can
//! still be formatted as a year-9999-or-earlier timestamp.

/// Milliseconds in one hour.
pub const MS_PER_HOUR: i64 = 3_600_000;
/// Milliseconds in one day.
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;
/// The latest instant the clock accepts, in ms since the UNIX epoch: one
/// year before the end of 9999, so that expiry and retention dates stay
/// printable.
pub const MAX_MS: i64 = 253_402_300_799_999 - 366 * MS_PER_DAY;

/// Why the clock refused to move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The requested instant lies outside `0..=MAX_MS`.
    #[error("the clock must stay between 0 and {MAX_MS} ms since the UNIX epoch, not {0}")]
    OutOfRange(i128),
    /// The move would turn time back: a negative advance, or an instant
    /// before the current time. Virtual time never goes backwards, so
    /// expiry, retention and `failedAfter` cursors stay consistent.
    #[error("the clock never goes backwards: it shows {now_ms}, and {requested} is earlier")]
    Backwards {
        /// The current time, ms since the UNIX epoch.
        now_ms: i64,
        /// The requested time, ms since the UNIX epoch.
        requested: i128,
    },
}

/// A virtual clock in milliseconds since the UNIX epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    now_ms: i64,
}

impl Clock {
    /// A clock showing `start_ms`. Errors: [`ClockError::OutOfRange`].
    pub fn new(start_ms: i64) -> Result<Self, ClockError> {
        check(i128::from(start_ms)).map(|now_ms| Self { now_ms })
    }

    /// The current virtual time, ms since the UNIX epoch.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }

    /// Moves the clock to `t_ms` (the current time or later) and returns it.
    /// Errors: [`ClockError::Backwards`] for an earlier instant,
    /// [`ClockError::OutOfRange`]; either leaves the clock unchanged.
    pub fn set(&mut self, t_ms: i64) -> Result<i64, ClockError> {
        self.move_to(i128::from(t_ms))
    }

    /// Moves the clock forward by `delta_ms` (0 or more) and returns the new time.
    /// Errors: [`ClockError::Backwards`] for a negative delta,
    /// [`ClockError::OutOfRange`]; either leaves the clock unchanged.
    pub fn advance(&mut self, delta_ms: i64) -> Result<i64, ClockError> {
        self.move_to(i128::from(self.now_ms) + i128::from(delta_ms))
    }

    /// Moves the clock to `t_ms` if that is later, keeping it otherwise
    /// (restoring saved state never turns time back). Returns the time.
    /// Errors: [`ClockError::OutOfRange`].
    pub fn catch_up(&mut self, t_ms: i64) -> Result<i64, ClockError> {
        self.move_to(i128::from(t_ms.max(self.now_ms)))
    }

    fn move_to(&mut self, t: i128) -> Result<i64, ClockError> {
        if t < i128::from(self.now_ms) {
            return Err(ClockError::Backwards {
                now_ms: self.now_ms,
                requested: t,
            });
        }
        self.now_ms = check(t)?;
        Ok(self.now_ms)
    }
}

fn check(t: i128) -> Result<i64, ClockError> {
    match i64::try_from(t) {
        Ok(ms) if (0..=MAX_MS).contains(&ms) => Ok(ms),
        _ => Err(ClockError::OutOfRange(t)),
    }
}

/// Formats `ms` (since the UNIX epoch) the way Jira prints webhook dates:
/// `yyyy-MM-dd'T'HH:mm:ss.SSS+0000`, always UTC. Out-of-range input (never
/// produced by a [`Clock`]) is clamped to the epoch.
pub fn format_jira_datetime(ms: i64) -> String {
    let ts = jiff::Timestamp::from_millisecond(ms).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    ts.strftime("%Y-%m-%dT%H:%M:%S.%3f+0000").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_and_set_move_the_clock_forward() {
        let mut c = Clock::new(1_000).unwrap();
        assert_eq!(c.advance(500), Ok(1_500));
        assert_eq!(c.advance(0), Ok(1_500));
        assert_eq!(c.set(1_500), Ok(1_500));
        assert_eq!(c.set(2_000), Ok(2_000));
        assert_eq!(c.catch_up(10), Ok(2_000));
        assert_eq!(c.catch_up(3_000), Ok(3_000));
    }

    #[test]
    fn backward_and_out_of_range_moves_are_refused_and_change_nothing() {
        let mut c = Clock::new(1_000).unwrap();
        assert!(matches!(c.advance(-1), Err(ClockError::Backwards { .. })));
        assert!(matches!(c.set(999), Err(ClockError::Backwards { .. })));
        assert!(c.advance(i64::MAX).is_err());
        assert!(c.set(MAX_MS + 1).is_err());
        assert_eq!(c.now_ms(), 1_000);
    }

    #[test]
    fn dates_print_with_millis_and_utc_offset() {
        assert_eq!(
            format_jira_datetime(1_559_392_950_000),
            "2019-06-01T12:42:30.000+0000"
        );
        assert_eq!(
            format_jira_datetime(1_573_118_132_007),
            "2019-11-07T09:15:32.007+0000"
        );
        assert!(format_jira_datetime(MAX_MS + 120 * MS_PER_DAY).starts_with("9999-"));
    }
}
