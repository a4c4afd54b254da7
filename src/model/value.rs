//! A reported value, as validation hands it to the ledger and the ledger to
//! consolidation; its progress toward the target (the one place progress is
//! computed); and a percentage as every output prints it.

use crate::plan::catalog::{Indicator, Kind, STAGES};
use std::fmt;

/// A number in the indicator's unit (percent: points), or a milestone's
/// stage index (0 = 未启动 … 4 = 完成).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Number(f64),
    Stage(usize),
}

impl Value {
    /// Done as a fraction of the target: a milestone by its stage; a
    /// standard with a baseline from the old standard to the new, clamped
    /// to 0…1 (raised from 780 to 820, a current 800 is half way); any
    /// other value / target.
    pub fn progress(self, ind: &Indicator) -> f64 {
        match self {
            Value::Stage(i) => i as f64 / 4.0,
            Value::Number(v) => match (ind.kind, ind.baseline) {
                (Kind::Standard, Some(b)) if ind.target > b => {
                    ((v - b) / (ind.target - b)).clamp(0.0, 1.0)
                }
                _ => v / ind.target,
            },
        }
    }

    /// The number stored in the ledger: the value, or for a stage its percent.
    pub(crate) fn amount(self) -> f64 {
        match self {
            Value::Stage(i) => i as f64 * 25.0,
            Value::Number(v) => v,
        }
    }

    pub fn display(self, ind: &Indicator) -> String {
        match self {
            Value::Stage(i) => STAGES[i].to_string(),
            Value::Number(v) => format!(
                "{}{}",
                crate::text::number(v),
                if ind.kind == Kind::Percent { "%" } else { "" }
            ),
        }
    }
}

/// A percentage as the bulletin, the workbook and `status` show it: a
/// fraction rounded once, half-up, to a tenth of a percent. Everything
/// derived from it (a gap, a change) is computed from the rounded figure,
/// so what a reader adds up on the page adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent(i64);

impl Percent {
    pub(crate) fn of(fraction: f64) -> Percent {
        Percent(crate::text::permille(fraction))
    }

    /// The rounded figure as a fraction (0.249 for 24.9%): what a workbook
    /// cell under `0.0%` holds.
    pub(crate) fn fraction(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Percentage points (24.9).
    pub(crate) fn points(self) -> f64 {
        self.0 as f64 / 10.0
    }

    /// `self − other` in percentage points.
    pub(crate) fn minus(self, other: Percent) -> Points {
        Points(self.0 - other.0)
    }
}

impl fmt::Display for Percent {
    /// `24.9%`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", Points(self.0))
    }
}

/// A difference of two [`Percent`]s in percentage points, exact in tenths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(i64);

impl Points {
    pub(crate) fn value(self) -> f64 {
        self.0 as f64 / 10.0
    }

    /// Whether these points are more than `limit` points (a configured
    /// threshold such as 5 or 7.5).
    pub(crate) fn exceeds(self, limit: f64) -> bool {
        self.0 as f64 > limit * 10.0 + 1e-6
    }

    fn at_least_zero(self) -> Points {
        Points(self.0.max(0))
    }

    pub(crate) fn is_positive(self) -> bool {
        self.0 > 0
    }

    /// `+12.5`, `-3.0`, `0.0`.
    pub(crate) fn signed(self) -> String {
        if self.0 > 0 {
            format!("+{self}")
        } else {
            self.to_string()
        }
    }
}

impl fmt::Display for Points {
    /// `22.5`, `-3.0`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{}", self.0.abs() / 10, self.0.abs() % 10)
    }
}

/// How far `progress` trails `time` (序时进度), both fractions, in the
/// points the bulletin prints: the difference of the two rounded figures,
/// never negative. The lag check of a return and the status of an
/// indicator both compare this with their thresholds.
pub fn behind(progress: f64, time: f64) -> Points {
    Percent::of(time)
        .minus(Percent::of(progress))
        .at_least_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::catalog::Catalog;

    fn catalog() -> Catalog {
        crate::testutil::small_catalog()
    }

    #[test]
    fn a_standard_with_a_baseline_progresses_from_the_old_standard() {
        let c = catalog();
        // M01-1: 城市低保 650 → 700 元/月.
        let ind = c.indicator("M01-1").unwrap();
        assert_eq!(ind.baseline, Some(650.0));
        let p = |v: f64| Value::Number(v).progress(ind);
        assert_eq!(p(675.0), 0.5);
        assert_eq!(p(650.0), 0.0);
        assert_eq!(p(600.0), 0.0, "below the old standard is no progress");
        assert_eq!(p(700.0), 1.0);
        assert_eq!(p(760.0), 1.0, "above the new standard is reached, no more");
        // 780 → 820, now 800: half way, not 800/820.
        let mut raise = ind.clone();
        raise.baseline = Some(780.0);
        raise.target = 820.0;
        assert_eq!(Value::Number(800.0).progress(&raise), 0.5);
        // Without a baseline: value / target.
        raise.baseline = None;
        assert_eq!(Value::Number(800.0).progress(&raise), 800.0 / 820.0);
    }

    #[test]
    fn counts_percents_and_stages_progress_as_before() {
        let c = catalog();
        let count = c.indicator("P01-1").unwrap();
        assert_eq!(Value::Number(5.0).progress(count), 0.5);
        assert_eq!(
            Value::Number(12.0).progress(count),
            1.2,
            "over target shows"
        );
        let stage = c.indicator("M01-2").unwrap();
        assert_eq!(Value::Stage(2).progress(stage), 0.5);
    }

    #[test]
    fn percentages_are_rounded_once_and_differences_come_from_the_rounded() {
        let p = Percent::of(0.0625);
        assert_eq!(p.to_string(), "6.3%");
        assert_eq!(p.fraction(), 0.063);
        assert_eq!(p.points(), 6.3);
        let time = Percent::of(91.0 / 366.0);
        assert_eq!(time.to_string(), "24.9%");
        // 24.86 − 2.44 = 22.42 exactly, but the page says 24.9 and 2.4.
        assert_eq!(behind(0.0244, 91.0 / 366.0).to_string(), "22.5");
        assert_eq!(behind(0.5, 0.25), Points::default(), "ahead is not behind");
        assert_eq!(Percent::of(0.2).minus(Percent::of(0.325)).signed(), "-12.5");
        assert_eq!(Percent::of(0.325).minus(Percent::of(0.2)).signed(), "+12.5");
        assert!(behind(0.198, 0.249).exceeds(5.0), "5.1 points");
        assert!(!behind(0.199, 0.248).exceeds(5.0), "4.9 points");
        assert!(
            !behind(0.20, 0.25).exceeds(5.0),
            "exactly 5 points is within"
        );
        assert!(behind(0.174, 0.25).exceeds(7.5));
        assert!(!behind(0.175, 0.25).exceeds(7.5));
    }
}
