//! A reporting period is one month of the plan year. Everything that talks
//! about "which month" goes through this type, so the `YYYY-MM` spelling and
//! the 序时进度 arithmetic live in one place.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub(crate) year: i32,
    pub month: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("报送期次“{0}”格式不对，应写成 年-月，如 2024-03")]
pub struct BadPeriod(pub String);

impl Period {
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1..=12).contains(&month) && (1900..=9999).contains(&year))
            .then_some(Period { year, month })
    }

    pub(crate) fn of_date(d: NaiveDate) -> Self {
        Period {
            year: d.year(),
            month: d.month(),
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("a Period is always a valid month")
    }

    pub(crate) fn last_day(self) -> NaiveDate {
        self.next()
            .first_day()
            .pred_opt()
            .expect("the day before a month start exists")
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Period {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Period {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub(crate) fn prev(self) -> Self {
        if self.month == 1 {
            Period {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Period {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// 序时进度: days elapsed at the period's end over the days of its year
    /// (2024-03 → 91/366).
    pub fn time_progress(self) -> f64 {
        let start = NaiveDate::from_ymd_opt(self.year, 1, 1).expect("January 1st exists");
        let next_year = NaiveDate::from_ymd_opt(self.year + 1, 1, 1).expect("January 1st exists");
        let elapsed = (self.last_day() - start).num_days() + 1;
        let total = (next_year - start).num_days();
        elapsed as f64 / total as f64
    }

    /// Months between two periods, positive when `later` is after `self`.
    pub(crate) fn months_until(self, later: Period) -> i32 {
        (later.year - self.year) * 12 + later.month as i32 - self.month as i32
    }

    /// The day returns for this period are due: `day` of the next month,
    /// or that month's last day when it is shorter.
    pub fn deadline(self, day: u32) -> NaiveDate {
        let next = self.next();
        let last = next.last_day();
        last.with_day(day.clamp(1, last.day())).unwrap_or(last)
    }

    /// How the period reads in Chinese text: 2024年3月.
    pub fn chinese(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }

    /// Periods of one plan year, January to December.
    pub fn months_of(year: i32) -> impl Iterator<Item = Period> {
        (1..=12).map(move |month| Period { year, month })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Period {
    type Err = BadPeriod;

    /// Accepts `2024-03`, `2024-3`, `2024/03`, `2024年3月` and full-width digits,
    /// since the same parser reads what clerks type into 报送期次.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadPeriod(s.trim().to_string());
        let norm: String = crate::text::nfkc(s)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let norm = norm.trim_end_matches('份');
        let (y, m) = if let Some(rest) = norm.strip_suffix('月') {
            rest.split_once('年').ok_or_else(bad)?
        } else {
            norm.split_once(['-', '/', '.']).ok_or_else(bad)?
        };
        if y.len() != 4 || m.is_empty() || m.len() > 2 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u32 = m.parse().map_err(|_| bad())?;
        Period::new(year, month).ok_or_else(bad)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ways_people_write_a_month() {
        let want = Period::new(2024, 3).unwrap();
        for s in [
            "2024-03",
            "2024-3",
            " 2024/03 ",
            "2024年3月",
            "2024年03月份",
            "２０２４－０３",
        ] {
            assert_eq!(s.parse::<Period>(), Ok(want), "{s}");
        }
        for s in ["2024-13", "2024", "24-03", "march", "2024-00", ""] {
            assert!(s.parse::<Period>().is_err(), "{s}");
        }
    }

    #[test]
    fn time_progress_counts_days_of_a_leap_year() {
        assert_eq!(Period::new(2024, 3).unwrap().time_progress(), 91.0 / 366.0);
        assert_eq!(Period::new(2024, 12).unwrap().time_progress(), 1.0);
        assert_eq!(Period::new(2023, 1).unwrap().time_progress(), 31.0 / 365.0);
    }

    #[test]
    fn deadlines_fall_in_the_next_month() {
        let p = |y, m| Period::new(y, m).unwrap();
        assert_eq!(p(2024, 3).deadline(5).to_string(), "2024-04-05");
        assert_eq!(p(2024, 1).deadline(31).to_string(), "2024-02-29");
        assert_eq!(p(2024, 12).deadline(0).to_string(), "2025-01-01");
    }

    #[test]
    fn neighbours_wrap_across_years() {
        let dec = Period::new(2023, 12).unwrap();
        assert_eq!(dec.next(), Period::new(2024, 1).unwrap());
        assert_eq!(dec.next().prev(), dec);
        assert_eq!(dec.months_until(Period::new(2024, 3).unwrap()), 3);
        assert_eq!(
            Period::new(2024, 2).unwrap().last_day().to_string(),
            "2024-02-29"
        );
    }
}
