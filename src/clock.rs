//! Today's date in the plan's time zone. `MINSHENG_TODAY` overrides it so
//! rehearsals and tests can live inside the plan year; every date rule asks
//! here, never the system clock directly.

use crate::plan::Period;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

pub(crate) const TODAY_VAR: &str = "MINSHENG_TODAY";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("环境变量 MINSHENG_TODAY 的值“{0}”不是日期，应写成 2024-04-05 或 2024-04-05T09:30:00")]
pub struct BadToday(pub String);

/// The clock of one run. With `MINSHENG_TODAY` it starts at that instant
/// (a bare date: that date at the real time of day) and runs on from there,
/// so timestamps inside one run still advance and receipts get distinct names.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    tz: Tz,
    /// The pretended instant and the real instant it was taken at.
    base: Option<(DateTime<Tz>, DateTime<Utc>)>,
}

impl Clock {
    pub(crate) fn from_env(tz: Tz) -> Result<Clock, BadToday> {
        match std::env::var(TODAY_VAR) {
            Ok(s) if !s.trim().is_empty() => {
                let real = Utc::now();
                let at = match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                    Ok(d) => {
                        let time = real.with_timezone(&tz).time();
                        tz.from_local_datetime(&d.and_time(time))
                            .earliest()
                            .ok_or_else(|| BadToday(s.clone()))?
                    }
                    Err(_) => parse_today(&s, tz)?,
                };
                Ok(Clock {
                    tz,
                    base: Some((at, real)),
                })
            }
            _ => Ok(Clock { tz, base: None }),
        }
    }

    /// A clock that starts at `at` and runs.
    pub fn starting_at(at: DateTime<Tz>) -> Clock {
        Clock {
            tz: at.timezone(),
            base: Some((at, Utc::now())),
        }
    }

    pub(crate) fn now(&self) -> DateTime<Tz> {
        let real = Utc::now();
        match self.base {
            Some((at, taken)) => at + (real - taken),
            None => real.with_timezone(&self.tz),
        }
    }

    pub(crate) fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    pub(crate) fn tz(&self) -> Tz {
        self.tz
    }
}

/// `2024-04-05` (start of that day), `2024-04-05T09:30:00`, `2024-04-05 09:30`
/// or an RFC 3339 timestamp with its own offset.
fn parse_today(s: &str, tz: Tz) -> Result<DateTime<Tz>, BadToday> {
    let s = s.trim();
    let bad = || BadToday(s.to_string());
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&tz));
    }
    let naive = if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        d.and_hms_opt(0, 0, 0).ok_or_else(bad)?
    } else {
        [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(bad)?
    };
    tz.from_local_datetime(&naive).earliest().ok_or_else(bad)
}

/// The period commands use when none is given: the latest that has ended by
/// `today`, kept within the plan year.
pub(crate) fn default_period(today: NaiveDate, plan_year: i32) -> Period {
    let last_ended = Period::of_date(today).prev();
    let first = Period {
        year: plan_year,
        month: 1,
    };
    let last = Period {
        year: plan_year,
        month: 12,
    };
    last_ended.clamp(first, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    const SH: Tz = chrono_tz::Asia::Shanghai;

    #[test]
    fn today_accepts_a_date_or_a_timestamp() {
        assert_eq!(
            parse_today("2024-04-05", SH)
                .unwrap()
                .date_naive()
                .to_string(),
            "2024-04-05"
        );
        let t = parse_today("2024-04-05T09:30:00", SH).unwrap();
        assert_eq!((t.hour(), t.minute()), (9, 30));
        // 2024-04-04T20:00Z is already the 5th in Beijing.
        let t = parse_today("2024-04-04T20:00:00Z", SH).unwrap();
        assert_eq!(t.date_naive().to_string(), "2024-04-05");
        assert!(parse_today("April 5", SH).is_err());
    }

    #[test]
    fn default_period_is_the_last_ended_month_within_the_plan_year() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(default_period(d("2024-04-05"), 2024).to_string(), "2024-03");
        assert_eq!(default_period(d("2024-01-10"), 2024).to_string(), "2024-01");
        assert_eq!(default_period(d("2025-01-03"), 2024).to_string(), "2024-12");
        assert_eq!(default_period(d("2026-11-29"), 2024).to_string(), "2024-12");
        assert_eq!(default_period(d("2023-06-01"), 2024).to_string(), "2024-01");
    }
}
