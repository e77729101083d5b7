//! The clock, injected so that tests can put "today" anywhere (ARCHITECTURE.md: "Randomness and
//! the clock are injected").

use std::sync::Mutex;

use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::Serializer;

/// Where the time comes from.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to (tests, replays).
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    /// A clock stopped at `at`.
    pub fn new(at: Timestamp) -> Self {
        Self(Mutex::new(at))
    }

    /// Sets the time.
    pub fn set(&self, at: Timestamp) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }

    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: SignedDuration) {
        if let Ok(mut t) = self.0.lock() {
            *t = t.saturating_add(by).unwrap_or(*t);
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map_or_else(|p| *p.into_inner(), |t| *t)
    }
}

/// Vietnam's time zone, `Asia/Ho_Chi_Minh`. The visit date is the date there, wherever the
/// machine's clock is set. Without a time-zone database the fixed UTC+7 is used: Vietnam has had
/// no other offset and no daylight saving since 1975.
pub fn vietnam_time_zone() -> TimeZone {
    TimeZone::get("Asia/Ho_Chi_Minh").unwrap_or_else(|_| TimeZone::fixed(Offset::constant(7)))
}

/// The date in Vietnam at `at`.
pub fn vietnam_date(at: Timestamp) -> Date {
    at.to_zoned(vietnam_time_zone()).date()
}

/// Midnight at the start of `date` in Vietnam (tests use it to place a clock on a given day).
pub fn vietnam_start_of(date: Date) -> Timestamp {
    date.to_zoned(vietnam_time_zone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Serialises a time as RFC 3339 UTC text (`2026-03-10T02:00:00Z`).
pub(crate) fn serialize_timestamp<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_string())
}

/// [`serialize_timestamp`] for an optional time (`null` when absent).
pub(crate) fn serialize_opt_timestamp<S: Serializer>(
    t: &Option<Timestamp>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize_timestamp(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnam_date_is_utc_plus_7() {
        let t: Timestamp = "2025-12-31T17:30:00Z".parse().unwrap();
        assert_eq!(vietnam_date(t), jiff::civil::date(2026, 1, 1));
        let t: Timestamp = "2025-12-31T16:59:59Z".parse().unwrap();
        assert_eq!(vietnam_date(t), jiff::civil::date(2025, 12, 31));
        let start = vietnam_start_of(jiff::civil::date(2026, 1, 1));
        assert_eq!(start, "2025-12-31T17:00:00Z".parse::<Timestamp>().unwrap());
        let c = ManualClock::new(start);
        c.advance(SignedDuration::from_hours(24));
        assert_eq!(vietnam_date(c.now()), jiff::civil::date(2026, 1, 2));
    }
}
