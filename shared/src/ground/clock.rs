//! The clock, in the two forms the table keeps time: API timestamps (RFC 3339,
//! UTC, milliseconds, fixed width, so they also sort as keys) and epoch
//! seconds (the unit of the table's time-to-live attribute).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Now, as the API writes times.
pub fn now() -> String {
    format_time(OffsetDateTime::now_utc())
}

/// Now, or a millisecond after `previous` if the clock has not moved past it,
/// so an edit always changes `updatedAt`.
pub fn later_than(previous: &str) -> String {
    let now = now();
    if now.as_str() > previous {
        return now;
    }
    OffsetDateTime::parse(previous, &Rfc3339)
        .map(|t| format_time(t + time::Duration::milliseconds(1)))
        .unwrap_or(now)
}

/// Whether the API timestamp `at` lies within `window` before now.
pub fn is_within(at: &str, window: Duration) -> bool {
    let Ok(at) = OffsetDateTime::parse(at, &Rfc3339) else {
        return false;
    };
    let age = OffsetDateTime::now_utc() - at;
    age >= time::Duration::ZERO && age <= window
}

pub fn format_time(t: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::FormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

/// Now, in epoch seconds.
pub fn epoch_seconds() -> u64 {
    since_epoch().as_secs()
}

/// Now, in epoch milliseconds: when sessions start and end.
pub fn epoch_millis() -> u64 {
    u64::try_from(since_epoch().as_millis()).unwrap_or(u64::MAX)
}

fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_fixed_width_utc_millis() {
        let t = time::macros::datetime!(2016-02-18 03:22:56.637 UTC);
        assert_eq!(super::format_time(t), "2016-02-18T03:22:56.637Z");
        let t = time::macros::datetime!(2016-02-18 03:22:56 UTC);
        assert_eq!(super::format_time(t), "2016-02-18T03:22:56.000Z");
        assert_eq!(super::now().len(), 24);
    }

    #[test]
    fn later_than_always_moves_forward() {
        let future = "2999-01-01T00:00:00.000Z";
        assert_eq!(super::later_than(future), "2999-01-01T00:00:00.001Z");
        let past = "2001-01-01T00:00:00.000Z";
        assert!(super::later_than(past).as_str() > past);
    }
}
