//! Dates and times in PostgreSQL's binary form.
//!
//! `date` is an `i32` count of days since 2000-01-01, `timestamp[tz]` an `i64`
//! count of microseconds since 2000-01-01 00:00 (UTC for `timestamptz`), `time`
//! microseconds since midnight. The extreme values stand for `infinity` and
//! `-infinity`.

/// Days between 0001-01-01 (proleptic Gregorian, day 1 of Python's `date`) and 2000-01-01.
pub const PG_EPOCH_ORDINAL: i64 = 730_120;
pub const USECS_PER_DAY: i64 = 86_400_000_000;
pub const DATE_POS_INFINITY: i32 = i32::MAX;
pub const DATE_NEG_INFINITY: i32 = i32::MIN;
pub const TIMESTAMP_POS_INFINITY: i64 = i64::MAX;
pub const TIMESTAMP_NEG_INFINITY: i64 = i64::MIN;

/// A calendar date `(year, month, day)` from days since 2000-01-01.
#[must_use]
pub fn days_to_ymd(days: i64) -> (i64, u8, u8) {
    // Howard Hinnant's civil_from_days, shifted from the 1970 epoch.
    let z = days + 10_957 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    (
        y,
        u8::try_from(m).unwrap_or(1),
        u8::try_from(d).unwrap_or(1),
    )
}

/// Days since 2000-01-01 of a calendar date.
#[must_use]
pub fn ymd_to_days(year: i64, month: u8, day: u8) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 - 10_957
}

/// Split microseconds since the epoch into (days, microseconds of that day).
#[must_use]
pub fn split_timestamp(usecs: i64) -> (i64, i64) {
    (
        usecs.div_euclid(USECS_PER_DAY),
        usecs.rem_euclid(USECS_PER_DAY),
    )
}

/// `(hour, minute, second, microsecond)` of microseconds since midnight.
#[must_use]
pub fn time_parts(usecs: i64) -> (u8, u8, u8, u32) {
    let secs = usecs.div_euclid(1_000_000);
    let micro = u32::try_from(usecs.rem_euclid(1_000_000)).unwrap_or(0);
    let h = u8::try_from((secs / 3600).clamp(0, 23)).unwrap_or(0);
    let m = u8::try_from(secs / 60 % 60).unwrap_or(0);
    let s = u8::try_from(secs % 60).unwrap_or(0);
    (h, m, s, micro)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(days_to_ymd(0), (2000, 1, 1));
        assert_eq!(days_to_ymd(-1), (1999, 12, 31));
        assert_eq!(days_to_ymd(59), (2000, 2, 29));
        assert_eq!(ymd_to_days(1970, 1, 1), -10_957);
        assert_eq!(ymd_to_days(1, 1, 1), 1 - PG_EPOCH_ORDINAL);
        assert_eq!(ymd_to_days(9999, 12, 31), 2_921_939);
        for d in [-800_000, -1, 0, 1, 365, 10_000, 2_921_939] {
            let (y, m, dd) = days_to_ymd(d);
            assert_eq!(ymd_to_days(y, m, dd), d);
        }
    }

    #[test]
    fn timestamps_split_before_the_epoch() {
        assert_eq!(split_timestamp(-1), (-1, USECS_PER_DAY - 1));
        assert_eq!(time_parts(USECS_PER_DAY - 1), (23, 59, 59, 999_999));
        assert_eq!(time_parts(3_723_000_004), (1, 2, 3, 4));
    }
}
