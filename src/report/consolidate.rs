//! From the ledger's current accepted values to the picture of a period:
//! each indicator's progress against 序时进度, its status, warning colour and
//! change since last period; the same counted per task, level and
//! department; each department's submission. Pure: plain values in, plain
//! values out. The workbook, the bulletin and `status --json` all read one
//! `PeriodView`, so their numbers cannot disagree.

use crate::model::{CurrentValue, Percent, Points, Submission, Value, Verdict, behind};
use crate::plan::Period;
use crate::plan::catalog::{Catalog, Indicator, Level, Task};
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(crate) enum Status {
    #[serde(rename = "已完成")]
    Done,
    #[serde(rename = "序时推进")]
    OnTrack,
    #[serde(rename = "滞后")]
    Lagging,
    #[serde(rename = "严重滞后")]
    Severe,
    #[serde(rename = "未报送")]
    NotReported,
}

impl Status {
    pub(crate) const ALL: [Status; 5] = [
        Status::Done,
        Status::OnTrack,
        Status::Lagging,
        Status::Severe,
        Status::NotReported,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Status::Done => "已完成",
            Status::OnTrack => "序时推进",
            Status::Lagging => "滞后",
            Status::Severe => "严重滞后",
            Status::NotReported => "未报送",
        }
    }

    pub(crate) fn is_behind(self) -> bool {
        matches!(self, Status::Lagging | Status::Severe)
    }
}

/// Thresholds in percentage points below 序时进度.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Thresholds {
    pub(crate) tolerance: f64,
    pub(crate) severe: f64,
}

/// The status of a reported indicator with `progress` (done/target) at
/// `time` (序时进度), both fractions. How far it is behind is measured in the
/// points the bulletin prints ([`behind`]), so an item printed 5.0 points
/// behind is never called lagging at a tolerance of 5.
fn status_of(progress: f64, time: f64, t: Thresholds) -> Status {
    const EPS: f64 = 1e-9;
    let gap = behind(progress, time);
    if progress >= 1.0 - EPS {
        Status::Done
    } else if !gap.exceeds(t.tolerance) {
        Status::OnTrack
    } else if !gap.exceeds(t.severe) {
        Status::Lagging
    } else {
        Status::Severe
    }
}

/// The colour a county supervision office (督查室) hangs on a lagging item,
/// escalating with how far and how long it has lagged: blue is a reminder,
/// yellow a warning, red means 挂牌督办.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(crate) enum Warning {
    #[serde(rename = "")]
    None,
    #[serde(rename = "蓝色")]
    Blue,
    #[serde(rename = "黄色")]
    Yellow,
    #[serde(rename = "红色")]
    Red,
}

impl Warning {
    /// `蓝色预警` …; empty for no warning.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Warning::None => "",
            Warning::Blue => "蓝色预警",
            Warning::Yellow => "黄色预警",
            Warning::Red => "红色预警",
        }
    }

    /// Background colour (RGB) the workbook and the bulletin paint it with.
    pub(crate) fn rgb(self) -> u32 {
        match self {
            Warning::None => 0xFFFFFF,
            Warning::Blue => 0xBDD7EE,
            Warning::Yellow => 0xFFE699,
            Warning::Red => 0xF4B6B6,
        }
    }
}

/// Escalation: 严重滞后 is red at once; 滞后 is blue the first period and
/// yellow when it was already behind the period before (连续滞后), since a
/// repeat is what a supervision office follows up on.
fn warning_of(status: Status, previous: Option<Status>) -> Warning {
    match status {
        Status::Severe => Warning::Red,
        Status::Lagging if previous.is_some_and(Status::is_behind) => Warning::Yellow,
        Status::Lagging => Warning::Blue,
        _ => Warning::None,
    }
}

/// Indicators counted by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Counts([usize; 5]);

impl Counts {
    fn of(statuses: impl IntoIterator<Item = Status>) -> Counts {
        let mut c = Counts::default();
        for s in statuses {
            c.add(s);
        }
        c
    }

    fn add(&mut self, s: Status) {
        self.0[Counts::slot(s)] += 1;
    }

    pub(crate) fn get(&self, s: Status) -> usize {
        self.0[Counts::slot(s)]
    }

    pub(crate) fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// 滞后 and 严重滞后 together.
    pub fn behind(&self) -> usize {
        self.get(Status::Lagging) + self.get(Status::Severe)
    }

    /// Share of all indicators that reached their target (0 when there are
    /// none): 已完成指标占比 before rounding.
    fn reached_share(&self) -> f64 {
        match self.total() {
            0 => 0.0,
            n => self.get(Status::Done) as f64 / n as f64,
        }
    }

    fn slot(s: Status) -> usize {
        match s {
            Status::Done => 0,
            Status::OnTrack => 1,
            Status::Lagging => 2,
            Status::Severe => 3,
            Status::NotReported => 4,
        }
    }
}

/// The two rates of a set of indicators, each computed and rounded once;
/// every output prints these.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct Rates {
    /// 已完成指标占比: indicators that reached their target / all indicators.
    pub(crate) done_share: Percent,
    /// 平均完成率: mean progress of the reported indicators, each counted at
    /// most 100 %; `None` when none is reported.
    pub(crate) mean_progress: Option<Percent>,
}

impl Rates {
    fn of(counts: &Counts, mean: Option<f64>) -> Rates {
        Rates {
            done_share: Percent::of(counts.reached_share()),
            mean_progress: mean.map(Percent::of),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct IndicatorView<'a> {
    pub(crate) indicator: &'a Indicator,
    pub(crate) task: &'a Task,
    pub(crate) level: Level,
    /// The level as the plan names it (区级 in a district's plan).
    pub(crate) level_name: &'a str,
    pub(crate) task_title: &'a str,
    pub(crate) value: Option<Value>,
    /// Exact progress (done/target, a standard from its baseline), for JSON.
    pub(crate) progress: Option<f64>,
    /// The same, as every output prints it.
    pub(crate) rate: Option<Percent>,
    pub(crate) status: Status,
    /// Points by which the printed rate trails the printed 序时进度 (0 when
    /// ahead); `None` when not reported.
    pub(crate) gap: Option<Points>,
    /// Progress in the previous period of the plan year, if reported then.
    pub(crate) previous_progress: Option<f64>,
    pub(crate) previous_rate: Option<Percent>,
    /// Status in the previous period (against that period's 序时进度).
    pub(crate) previous_status: Option<Status>,
    pub(crate) warning: Warning,
    pub(crate) work: String,
    pub(crate) problems: String,
    pub(crate) measures: String,
}

impl IndicatorView<'_> {
    /// Change of the printed rate since the previous period, in points;
    /// `None` unless reported in both.
    pub(crate) fn change(&self) -> Option<Points> {
        Some(self.rate?.minus(self.previous_rate?))
    }
}

/// One key task (重点民生实事) over all its indicators.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TaskView<'a> {
    pub(crate) task: &'a Task,
    pub(crate) counts: Counts,
    /// 已完成 when every indicator is; otherwise its worst reported
    /// indicator's, with 未报送 ranked after lagging: a task half unreported
    /// but otherwise on track cannot be called on track.
    pub(crate) status: Status,
    /// Mean progress of its reported indicators, each capped at 100 %.
    pub(crate) progress: Option<f64>,
}

/// One level (省级/市级/县级) of the plan.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LevelView {
    pub(crate) level: Level,
    /// As the plan names it (区级 in a district's plan).
    pub(crate) name: String,
    pub(crate) tasks: usize,
    pub(crate) tasks_done: usize,
    pub(crate) counts: Counts,
    /// The same counts in the previous period, when there is one to compare with.
    pub(crate) previous: Option<Counts>,
    /// Mean progress of its reported indicators, each capped at 100 %.
    pub(crate) progress: Option<f64>,
    pub(crate) rates: Rates,
}

/// What the previous period looked like, for "compared with last period".
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PreviousView {
    pub(crate) period: Period,
    pub(crate) time_progress: f64,
    pub(crate) counts: Counts,
    pub(crate) reported_departments: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DepartmentView {
    pub(crate) name: String,
    pub(crate) submitted: bool,
    /// Verdict of the latest file for this period (accepted or rejected).
    pub(crate) verdict: Option<Verdict>,
    pub(crate) received_at: Option<DateTime<FixedOffset>>,
    pub(crate) late: bool,
    pub(crate) version: Option<i64>,
    pub(crate) findings: Option<i64>,
    pub(crate) rejected: i64,
    /// When the latest file was rejected: why, in the receipt's words.
    pub(crate) reason: Option<String>,
    pub(crate) indicators: usize,
    pub(crate) counts: Counts,
    pub(crate) rates: Rates,
}

impl DepartmentView {
    /// Where the department stands, as `status` and the web page word it.
    pub fn state(&self) -> &'static str {
        match (self.submitted, self.late) {
            (true, false) => "已报送",
            (true, true) => "已报送（逾期）",
            (false, _) if self.verdict == Some(Verdict::Rejected) => "被退回待重报",
            (false, true) => "未报送（逾期）",
            (false, false) => "未报送",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeriodView<'a> {
    pub(crate) period: Period,
    pub(crate) time_progress: f64,
    /// 序时进度 as printed.
    pub(crate) time: Percent,
    pub(crate) deadline: NaiveDate,
    pub(crate) indicators: Vec<IndicatorView<'a>>,
    pub(crate) departments: Vec<DepartmentView>,
    pub(crate) tasks: Vec<TaskView<'a>>,
    /// Always the three levels, in order, even one without tasks.
    pub(crate) levels: Vec<LevelView>,
    pub(crate) totals: Counts,
    /// Mean progress of every reported indicator, each capped at 100 %.
    pub(crate) progress: Option<f64>,
    pub(crate) rates: Rates,
    /// `None` in the first month of the plan year, and when the period
    /// before had neither a report nor an accepted return: nothing to
    /// compare with.
    pub(crate) previous: Option<PreviousView>,
}

impl<'a> PeriodView<'a> {
    pub(crate) fn count(&self, level: Option<Level>, status: Status) -> usize {
        self.indicators
            .iter()
            .filter(|i| level.is_none_or(|l| i.level == l) && i.status == status)
            .count()
    }

    pub(crate) fn reported_departments(&self) -> usize {
        self.departments.iter().filter(|d| d.submitted).count()
    }

    pub(crate) fn level(&self, level: Level) -> Option<&LevelView> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// 滞后 and 严重滞后 indicators, furthest behind first (ties in catalog order).
    pub(crate) fn lagging(&self) -> Vec<&IndicatorView<'a>> {
        let mut v: Vec<_> = self
            .indicators
            .iter()
            .filter(|i| i.status.is_behind())
            .collect();
        v.sort_by_key(|i| std::cmp::Reverse(i.gap.unwrap_or_default()));
        v
    }

    /// Up to `n` indicators that moved most since the previous period, the
    /// largest rise first; an indicator that did not move is no highlight.
    pub(crate) fn movers(&self, n: usize) -> Vec<&IndicatorView<'a>> {
        let mut v: Vec<_> = self
            .indicators
            .iter()
            .filter(|i| i.change().is_some_and(Points::is_positive))
            .collect();
        v.sort_by_key(|i| std::cmp::Reverse(i.change().unwrap_or_default()));
        v.truncate(n);
        v
    }
}

/// A task's status from its indicators' counts (see [`TaskView::status`]).
fn task_status(c: &Counts) -> Status {
    if c.total() > 0 && c.get(Status::Done) == c.total() {
        Status::Done
    } else if c.get(Status::Severe) > 0 {
        Status::Severe
    } else if c.get(Status::Lagging) > 0 {
        Status::Lagging
    } else if c.get(Status::NotReported) > 0 {
        Status::NotReported
    } else {
        Status::OnTrack
    }
}

/// Mean of progress values capped at 100 %, so one indicator far over its
/// target cannot hide another far behind.
fn mean_capped(progress: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = progress.fold((0.0, 0usize), |(s, n), p| (s + p.min(1.0), n + 1));
    (n > 0).then(|| sum / n as f64)
}

pub(crate) struct Inputs<'c, 'd> {
    pub(crate) catalog: &'c Catalog,
    pub(crate) period: Period,
    pub(crate) current: &'d [CurrentValue],
    pub(crate) previous: &'d [CurrentValue],
    pub(crate) submissions: &'d HashMap<String, Submission>,
    /// Whether the period before had a report made: then it is compared
    /// with even if nobody had reported for it.
    pub(crate) previous_reported: bool,
    pub(crate) thresholds: Thresholds,
    pub(crate) deadline_day: u32,
    pub(crate) today: NaiveDate,
}

pub(crate) fn consolidate<'c>(x: &Inputs<'c, '_>) -> PeriodView<'c> {
    let time = x.period.time_progress();
    // The previous period counts only within the plan year: January starts
    // afresh, as the forms do.
    let prev_period = Some(x.period.prev()).filter(|p| p.year == x.period.year);
    let prev_time = prev_period.map(Period::time_progress);
    let now: HashMap<&str, &CurrentValue> = x
        .current
        .iter()
        .map(|v| (v.indicator.as_str(), v))
        .collect();
    let before: HashMap<&str, &CurrentValue> = x
        .previous
        .iter()
        .map(|v| (v.indicator.as_str(), v))
        .collect();
    let indicators: Vec<IndicatorView<'c>> = x
        .catalog
        .tasks
        .iter()
        .flat_map(|t| t.indicators.iter().map(move |i| (t, i)))
        .map(|(task, ind)| {
            // A value filed by a department that no longer reports the
            // indicator (a catalog change) is not counted.
            let cur = now
                .get(ind.code.as_str())
                .filter(|v| v.department == ind.department);
            let value = cur.map(|v| v.value);
            let progress = value.map(|v| v.progress(ind));
            let rate = progress.map(Percent::of);
            let status = match progress {
                Some(p) => status_of(p, time, x.thresholds),
                None => Status::NotReported,
            };
            let previous_progress = prev_time.and_then(|_| {
                before
                    .get(ind.code.as_str())
                    .filter(|v| v.department == ind.department)
                    .map(|v| v.value.progress(ind))
            });
            let previous_status = previous_progress
                .zip(prev_time)
                .map(|(p, t)| status_of(p, t, x.thresholds));
            IndicatorView {
                indicator: ind,
                task,
                level: task.level,
                level_name: x.catalog.level_name(task.level),
                task_title: &task.title,
                value,
                progress,
                rate,
                status,
                gap: progress.map(|p| behind(p, time)),
                previous_progress,
                previous_rate: previous_progress.map(Percent::of),
                previous_status,
                warning: warning_of(status, previous_status),
                work: cur.map(|v| v.progress.clone()).unwrap_or_default(),
                problems: cur.map(|v| v.problems.clone()).unwrap_or_default(),
                measures: cur.map(|v| v.measures.clone()).unwrap_or_default(),
            }
        })
        .collect();

    let mut tasks = Vec::with_capacity(x.catalog.tasks.len());
    let mut rest = indicators.as_slice();
    for task in &x.catalog.tasks {
        let (mine, later) = rest.split_at(task.indicators.len().min(rest.len()));
        rest = later;
        let counts = Counts::of(mine.iter().map(|i| i.status));
        tasks.push(TaskView {
            task,
            counts,
            status: task_status(&counts),
            progress: mean_capped(mine.iter().filter_map(|i| i.progress)),
        });
    }

    // Last period is compared with only when it was reported for or had a
    // report made: a month nobody touched is no base.
    let previous = prev_period
        .zip(prev_time)
        .and_then(|(period, time_progress)| {
            let reporting: HashSet<&str> = x
                .previous
                .iter()
                .filter(|v| {
                    x.catalog
                        .indicator(&v.indicator)
                        .is_some_and(|i| i.department == v.department)
                })
                .map(|v| v.department.as_str())
                .collect();
            (x.previous_reported || !reporting.is_empty()).then(|| PreviousView {
                period,
                time_progress,
                counts: Counts::of(
                    indicators
                        .iter()
                        .map(|i| i.previous_status.unwrap_or(Status::NotReported)),
                ),
                reported_departments: reporting.len(),
            })
        });
    let levels = Level::ALL
        .iter()
        .map(|&level| {
            let of_level = || indicators.iter().filter(move |i| i.level == level);
            let level_tasks = || tasks.iter().filter(move |t| t.task.level == level);
            let counts = Counts::of(of_level().map(|i| i.status));
            let progress = mean_capped(of_level().filter_map(|i| i.progress));
            LevelView {
                level,
                name: x.catalog.level_name(level).to_string(),
                tasks: level_tasks().count(),
                tasks_done: level_tasks().filter(|t| t.status == Status::Done).count(),
                counts,
                previous: previous.as_ref().map(|_| {
                    Counts::of(of_level().map(|i| i.previous_status.unwrap_or(Status::NotReported)))
                }),
                progress,
                rates: Rates::of(&counts, progress),
            }
        })
        .collect();
    let totals = Counts::of(indicators.iter().map(|i| i.status));
    let progress = mean_capped(indicators.iter().filter_map(|i| i.progress));

    let mut by_department: HashMap<&str, (Counts, Vec<f64>)> = HashMap::new();
    for i in &indicators {
        let (counts, done) = by_department
            .entry(i.indicator.department.as_str())
            .or_default();
        counts.add(i.status);
        done.extend(i.progress);
    }
    let due = x.period.deadline(x.deadline_day);
    let departments = x
        .catalog
        .departments
        .iter()
        .map(|name| {
            let sub = x.submissions.get(name).cloned().unwrap_or_default();
            let received_at = sub
                .current
                .as_ref()
                .map(|c| c.received_at)
                .or_else(|| sub.latest.map(|l| l.1));
            let late = match &sub.current {
                Some(c) => c.received_at.date_naive() > due,
                None => x.today > due,
            };
            let (counts, done) = by_department
                .get(name.as_str())
                .cloned()
                .unwrap_or_default();
            DepartmentView {
                name: name.clone(),
                submitted: sub.current.is_some(),
                verdict: sub.latest.map(|l| l.0),
                received_at,
                late,
                version: sub.current.as_ref().map(|c| c.version),
                findings: sub.current.as_ref().map(|c| c.findings),
                rejected: sub.rejected,
                reason: sub.reason.clone(),
                indicators: counts.total(),
                counts,
                rates: Rates::of(&counts, mean_capped(done.into_iter())),
            }
        })
        .collect();
    PeriodView {
        period: x.period,
        time_progress: time,
        time: Percent::of(time),
        deadline: due,
        indicators,
        departments,
        tasks,
        levels,
        totals,
        progress,
        rates: Rates::of(&totals, progress),
        previous,
    }
}

/// The `status --json` document of DESIGN.md.
pub(crate) fn status_json(v: &PeriodView) -> serde_json::Value {
    use crate::text::json_number;
    use serde_json::json;
    let indicators: Vec<_> = v
        .indicators
        .iter()
        .map(|i| {
            let value = match i.value {
                Some(Value::Stage(s)) => json!(crate::plan::catalog::STAGES[s]),
                Some(Value::Number(n)) => json_number(n),
                None => serde_json::Value::Null,
            };
            json!({
                "code": i.indicator.code.as_str(),
                "name": i.indicator.name,
                "level": i.level_name,
                "department": i.indicator.department,
                "kind": i.indicator.kind,
                "target": crate::plan::catalog::target_json(i.indicator),
                "unit": i.indicator.unit,
                "baseline": i.indicator.baseline.map(json_number),
                "value": value,
                "progress": i.progress,
                "status": i.status,
                "gap": i.gap.map(Points::value),
                "previous_progress": i.previous_progress,
                "change": i.change().map(|c| c.value() / 100.0),
                "warning": i.warning,
                "work": i.work,
                "problems": i.problems,
                "measures": i.measures,
            })
        })
        .collect();
    let departments: Vec<_> = v
        .departments
        .iter()
        .map(|d| {
            json!({
                "name": d.name,
                "submitted": d.submitted,
                "verdict": d.verdict,
                "received_at": d.received_at.map(|t| t.to_rfc3339()),
                "late": d.late,
                "version": d.version,
                "rejected": d.rejected,
                "reason": d.reason,
            })
        })
        .collect();
    let counts = |c: &Counts| {
        Status::ALL
            .iter()
            .map(|s| (s.name().to_string(), json!(c.get(*s))))
            .collect::<serde_json::Map<_, _>>()
    };
    let levels: Vec<_> = v
        .levels
        .iter()
        .map(|l| {
            json!({
                "level": l.name,
                "tasks": l.tasks,
                "tasks_done": l.tasks_done,
                "indicators": l.counts.total(),
                "counts": counts(&l.counts),
                "done_share": l.counts.reached_share(),
                "mean_progress": l.progress,
            })
        })
        .collect();
    json!({
        "period": v.period.to_string(),
        "time_progress": v.time_progress,
        "deadline": v.deadline.to_string(),
        "summary": {
            "indicators": v.totals.total(),
            "counts": counts(&v.totals),
            "done_share": v.totals.reached_share(),
            "mean_progress": v.progress,
            "departments": v.departments.len(),
            "reported_departments": v.reported_departments(),
            "levels": levels,
        },
        "indicators": indicators,
        "departments": departments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CurrentReturn;

    fn at(rfc3339: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(rfc3339).unwrap()
    }

    const T: Thresholds = Thresholds {
        tolerance: 5.0,
        severe: 20.0,
    };

    #[test]
    fn statuses_by_hand() {
        // 2024-03: 91/366 = 24.86 %.
        let time = Period::new(2024, 3).unwrap().time_progress();
        assert_eq!(status_of(1.0, time, T), Status::Done);
        assert_eq!(status_of(1.2, time, T), Status::Done);
        assert_eq!(status_of(0.25, time, T), Status::OnTrack);
        assert_eq!(
            status_of(0.20, time, T),
            Status::OnTrack,
            "4.86 points behind is within tolerance"
        );
        assert_eq!(
            status_of(0.19, time, T),
            Status::Lagging,
            "5.86 points behind"
        );
        assert_eq!(
            status_of(0.05, time, T),
            Status::Lagging,
            "19.86 points behind"
        );
        assert_eq!(
            status_of(0.04, time, T),
            Status::Severe,
            "20.86 points behind"
        );
        // December: time progress is 100 %; anything short of the target lags.
        let dec = Period::new(2024, 12).unwrap().time_progress();
        assert_eq!(dec, 1.0);
        assert_eq!(status_of(0.96, dec, T), Status::OnTrack);
        assert_eq!(status_of(0.90, dec, T), Status::Lagging);
        assert_eq!(status_of(0.5, dec, T), Status::Severe);
    }

    fn cv(dept: &str, code: &str, value: Value) -> CurrentValue {
        CurrentValue {
            department: dept.into(),
            indicator: code.into(),
            value,
            progress: "进展".into(),
            problems: String::new(),
            measures: String::new(),
        }
    }

    #[test]
    fn a_period_by_hand() {
        let c = crate::testutil::catalog();
        let period: Period = "2024-03".parse().unwrap();
        let current = vec![
            cv("县卫生健康局", "P03-1", Value::Number(1050.0)), // 25 % → on track
            cv("县民政局", "P05-1", Value::Number(700.0)),      // standard reached
            cv("县民政局", "P05-2", Value::Number(5200.0)), // 5000 → 5400, at 5200: 50 % → on track
            cv("县人社局", "P11-2", Value::Number(10.0)),   // percent, 10 of 100 → lagging
            cv("天岳投资集团", "C01-1", Value::Stage(0)),   // milestone 未启动 → severe
        ];
        let mut subs = HashMap::new();
        subs.insert(
            "县民政局".to_string(),
            Submission {
                current: Some(CurrentReturn {
                    received_at: at("2024-04-08T09:00:00+08:00"),
                    version: 1,
                    findings: 0,
                }),
                latest: Some((Verdict::Accepted, at("2024-04-08T09:00:00+08:00"))),
                rejected: 0,
                reason: None,
            },
        );
        subs.insert(
            "县卫生健康局".to_string(),
            Submission {
                current: Some(CurrentReturn {
                    received_at: at("2024-04-03T09:00:00+08:00"),
                    version: 1,
                    findings: 0,
                }),
                latest: Some((Verdict::Accepted, at("2024-04-03T09:00:00+08:00"))),
                rejected: 1,
                reason: None,
            },
        );
        let v = consolidate(&Inputs {
            catalog: &c,
            period,
            current: &current,
            previous: &[],
            submissions: &subs,
            previous_reported: false,
            thresholds: T,
            deadline_day: 5,
            today: NaiveDate::from_ymd_opt(2024, 4, 10).unwrap(),
        });
        let st = |code: &str| {
            v.indicators
                .iter()
                .find(|i| i.indicator.code == code)
                .unwrap()
                .status
        };
        assert_eq!(st("P03-1"), Status::OnTrack);
        assert_eq!(st("P05-1"), Status::Done);
        assert_eq!(st("P05-2"), Status::OnTrack);
        assert_eq!(st("P11-2"), Status::Lagging);
        assert_eq!(st("C01-1"), Status::Severe);
        assert_eq!(st("P01-1"), Status::NotReported);
        assert_eq!(v.count(None, Status::Done), 1);
        assert_eq!(v.count(Some(Level::County), Status::Severe), 1);
        let d = |n: &str| v.departments.iter().find(|d| d.name == n).unwrap();
        assert!(
            d("县民政局").late,
            "received 04-08 after the 04-05 deadline"
        );
        assert!(!d("县卫生健康局").late);
        assert!(
            d("县教育局").late && !d("县教育局").submitted,
            "not reported after the deadline"
        );
        assert_eq!(v.reported_departments(), 2);
        let json = status_json(&v);
        assert_eq!(json["time_progress"], 91.0 / 366.0);
        let c01 = json["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "C01-1")
            .unwrap();
        assert_eq!(c01["value"], "未启动");
        assert_eq!(c01["progress"], 0.0);
        let p03 = json["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "P03-1")
            .unwrap();
        assert_eq!(p03["value"], 1050);
        assert_eq!(p03["progress"], 0.25);
    }

    fn small() -> Catalog {
        crate::testutil::small_catalog()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn warning_colours_escalate() {
        use Status::*;
        assert_eq!(
            warning_of(Lagging, None),
            Warning::Blue,
            "first time behind"
        );
        assert_eq!(warning_of(Lagging, Some(OnTrack)), Warning::Blue);
        assert_eq!(
            warning_of(Lagging, Some(Lagging)),
            Warning::Yellow,
            "连续滞后"
        );
        assert_eq!(warning_of(Lagging, Some(Severe)), Warning::Yellow);
        assert_eq!(warning_of(Severe, None), Warning::Red);
        assert_eq!(warning_of(Severe, Some(Done)), Warning::Red);
        assert_eq!(warning_of(Done, Some(Severe)), Warning::None);
        assert_eq!(warning_of(OnTrack, Some(Severe)), Warning::None);
        assert_eq!(warning_of(NotReported, Some(Severe)), Warning::None);
    }

    #[test]
    fn task_status_is_the_worst_of_its_indicators() {
        use Status::*;
        assert_eq!(task_status(&Counts::of([Done, Done])), Done);
        assert_eq!(task_status(&Counts::of([Done, OnTrack])), OnTrack);
        assert_eq!(task_status(&Counts::of([Done, NotReported])), NotReported);
        assert_eq!(task_status(&Counts::of([NotReported, Lagging])), Lagging);
        assert_eq!(task_status(&Counts::of([Lagging, Severe, Done])), Severe);
        let c = Counts::of([Done, Done, Lagging, NotReported]);
        assert_eq!((c.total(), c.behind(), c.get(NotReported)), (4, 1, 1));
        assert!(close(c.reached_share(), 0.5));
        assert_eq!(Counts::default().reached_share(), 0.0);
    }

    #[test]
    fn december_against_november_by_hand() {
        let c = small();
        let dec = Period::new(2024, 12).unwrap();
        // 序时进度: December 366/366 = 100 %; November 335/366 = 91.53 %.
        let nov_time = 335.0 / 366.0;
        let current = vec![
            cv("甲局", "P01-1", Value::Number(12.0)), // 12/10 = 120 % → 已完成
            cv("甲局", "P01-2", Value::Number(81.0)), // 81/90 = 90 %, 10 points behind → 滞后
            cv("乙局", "M01-1", Value::Number(698.0)), // 650 → 700, at 698: 96 %, 4 behind → 序时推进
            cv("乙局", "M01-2", Value::Stage(2)),      // 开工建设 = 50 %, 50 behind → 严重滞后
            cv("乙局", "M01-3", Value::Number(95.0)),  // 80 → 90, at 95: reached → 已完成
        ];
        let previous = vec![
            cv("甲局", "P01-1", Value::Number(8.0)), // 80 % vs 91.5 %: 滞后
            cv("甲局", "P01-2", Value::Number(72.0)), // 80 %: 滞后
            cv("乙局", "M01-1", Value::Number(696.0)), // 92 %: 序时推进
            cv("乙局", "M01-2", Value::Stage(2)),    // 50 %: 严重滞后
            cv("乙局", "M01-3", Value::Number(90.0)), // 100 %: 已完成
        ];
        let subs: HashMap<String, Submission> = ["甲局", "乙局"]
            .iter()
            .map(|d| {
                (
                    d.to_string(),
                    Submission {
                        current: Some(CurrentReturn {
                            received_at: at("2025-01-03T09:00:00+08:00"),
                            version: 1,
                            findings: 0,
                        }),
                        latest: Some((Verdict::Accepted, at("2025-01-03T09:00:00+08:00"))),
                        rejected: 0,
                        reason: None,
                    },
                )
            })
            .collect();
        let v = consolidate(&Inputs {
            catalog: &c,
            period: dec,
            current: &current,
            previous: &previous,
            submissions: &subs,
            previous_reported: false,
            thresholds: T,
            deadline_day: 5,
            today: NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
        });
        assert_eq!(v.time_progress, 1.0);
        let i = |code: &str| {
            v.indicators
                .iter()
                .find(|i| i.indicator.code == code)
                .unwrap()
        };

        let p1 = i("P01-1");
        assert_eq!(
            (p1.status, p1.previous_status),
            (Status::Done, Some(Status::Lagging))
        );
        assert_eq!(p1.warning, Warning::None);
        assert!(close(p1.gap.unwrap().value(), 0.0));
        assert!(
            close(p1.progress.unwrap(), 1.2),
            "a count shows over its target"
        );
        assert!(close(p1.change().unwrap().value(), 40.0));

        let p2 = i("P01-2");
        assert_eq!(p2.status, Status::Lagging);
        assert!(close(p2.progress.unwrap(), 0.9));
        assert!(close(p2.gap.unwrap().value(), 10.0));
        assert_eq!(p2.warning, Warning::Yellow, "behind in November too");
        assert!(close(p2.change().unwrap().value(), 10.0));

        let m1 = i("M01-1");
        assert_eq!(m1.status, Status::OnTrack);
        assert!(close(m1.progress.unwrap(), 0.96), "from the old standard");
        assert!(close(m1.gap.unwrap().value(), 4.0));
        assert!(close(m1.previous_progress.unwrap(), 0.92));
        assert!(0.92 > nov_time, "on track in November as well");

        let m2 = i("M01-2");
        assert_eq!((m2.status, m2.warning), (Status::Severe, Warning::Red));
        assert!(close(m2.gap.unwrap().value(), 50.0));
        assert!(close(m2.change().unwrap().value(), 0.0));

        let m3 = i("M01-3");
        assert_eq!(m3.status, Status::Done);
        assert!(
            close(m3.progress.unwrap(), 1.0),
            "a standard stops at 100 %"
        );
        assert!(close(m3.change().unwrap().value(), 0.0));

        let c1 = i("C01-1");
        assert_eq!(c1.status, Status::NotReported);
        assert_eq!(
            (c1.gap, c1.change(), c1.warning),
            (None, None, Warning::None)
        );

        // Tasks.
        let t = |code: &str| v.tasks.iter().find(|t| t.task.code == code).unwrap();
        assert_eq!(t("P01").status, Status::Lagging);
        assert_eq!(t("M01").status, Status::Severe);
        assert!(close(t("M01").progress.unwrap(), (0.96 + 0.5 + 1.0) / 3.0));
        assert!(
            close(t("P01").progress.unwrap(), (1.0 + 0.9) / 2.0),
            "12/10 counts as 100 %"
        );
        assert_eq!(
            (t("C01").status, t("C01").progress),
            (Status::NotReported, None)
        );

        // Levels, now and in November.
        use Status::*;
        let l = |level| v.level(level).unwrap();
        assert_eq!(v.levels.len(), 3);
        assert_eq!(
            (l(Level::Province).tasks, l(Level::Province).tasks_done),
            (1, 0)
        );
        assert_eq!(l(Level::Province).counts, Counts::of([Done, Lagging]));
        assert_eq!(
            l(Level::Province).previous,
            Some(Counts::of([Lagging, Lagging]))
        );
        assert_eq!(l(Level::City).counts, Counts::of([OnTrack, Severe, Done]));
        assert_eq!(
            l(Level::City).previous,
            Some(Counts::of([OnTrack, Severe, Done]))
        );
        assert_eq!(l(Level::County).counts, Counts::of([NotReported]));
        assert_eq!(l(Level::County).progress, None);
        assert_eq!(
            v.totals,
            Counts::of([Done, Done, OnTrack, Lagging, Severe, NotReported])
        );
        let prev = v.previous.as_ref().unwrap();
        assert_eq!(prev.period.to_string(), "2024-11");
        assert!(close(prev.time_progress, nov_time));
        assert_eq!(
            prev.counts,
            Counts::of([Done, OnTrack, Lagging, Lagging, Severe, NotReported])
        );
        assert_eq!(prev.reported_departments, 2);

        // Departments: 丙局 never reported and is late after 5 January.
        let d = |n: &str| v.departments.iter().find(|d| d.name == n).unwrap();
        assert!(!d("丙局").submitted && d("丙局").late);
        assert_eq!(d("丙局").counts, Counts::of([NotReported]));
        assert_eq!(d("乙局").counts, Counts::of([OnTrack, Severe, Done]));
        assert_eq!(d("甲局").indicators, 2);

        // Lists the bulletin draws on.
        let lagging: Vec<_> = v
            .lagging()
            .iter()
            .map(|i| i.indicator.code.as_str())
            .collect();
        assert_eq!(lagging, ["M01-2", "P01-2"], "furthest behind first");
        let movers: Vec<_> = v
            .movers(3)
            .iter()
            .map(|i| i.indicator.code.as_str())
            .collect();
        assert_eq!(movers, ["P01-1", "P01-2", "M01-1"], "M01-3 did not move");

        // The rates, each once: 2 of 6 done; mean of 100, 90, 96, 50, 100 %.
        assert_eq!(v.rates.done_share.to_string(), "33.3%");
        assert_eq!(v.rates.mean_progress.unwrap().to_string(), "87.2%", "436/5");
        assert_eq!(l(Level::County).rates.mean_progress, None);
        assert_eq!(l(Level::City).rates.done_share.to_string(), "33.3%");
        assert_eq!(d("乙局").rates.mean_progress.unwrap().to_string(), "82.0%");

        let json = status_json(&v);
        assert_eq!(json["summary"]["counts"]["已完成"], 2);
        assert_eq!(json["summary"]["reported_departments"], 2);
        let p2 = json["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["code"] == "P01-2")
            .unwrap();
        assert_eq!(p2["warning"], "黄色");
    }

    #[test]
    fn january_has_no_previous_period() {
        let c = small();
        let jan = Period::new(2024, 1).unwrap();
        let current = vec![cv("甲局", "P01-1", Value::Number(0.0))];
        // Even if handed December's values, January does not compare with them.
        let previous = vec![cv("甲局", "P01-1", Value::Number(9.0))];
        let v = consolidate(&Inputs {
            catalog: &c,
            period: jan,
            current: &current,
            previous: &previous,
            submissions: &HashMap::new(),
            previous_reported: true,
            thresholds: T,
            deadline_day: 5,
            today: NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
        });
        assert!(v.previous.is_none());
        assert!(v.levels.iter().all(|l| l.previous.is_none()));
        let p1 = &v.indicators[0];
        // 0 of 10 at 31/366 = 8.47 %: 8.47 points behind → 滞后, first time → blue.
        assert_eq!((p1.status, p1.warning), (Status::Lagging, Warning::Blue));
        assert_eq!((p1.previous_progress, p1.change()), (None, None));
        assert!(v.movers(5).is_empty());
    }

    fn march<'c>(
        c: &'c Catalog,
        previous: &[CurrentValue],
        previous_reported: bool,
    ) -> PeriodView<'c> {
        let current = vec![cv("甲局", "P01-1", Value::Number(3.0))];
        consolidate(&Inputs {
            catalog: c,
            period: Period::new(2024, 3).unwrap(),
            current: &current,
            previous,
            submissions: &HashMap::new(),
            previous_reported,
            thresholds: T,
            deadline_day: 5,
            today: NaiveDate::from_ymd_opt(2024, 4, 10).unwrap(),
        })
    }

    #[test]
    fn last_period_is_compared_with_only_when_it_was_reported_or_had_a_report() {
        let c = small();
        // February: nothing reported, no report made.
        let v = march(&c, &[], false);
        assert!(v.previous.is_none());
        assert!(v.levels.iter().all(|l| l.previous.is_none()));
        // A report was made for February though nobody reported: leaders saw it.
        let v = march(&c, &[], true);
        let p = v.previous.as_ref().unwrap();
        assert_eq!(
            (p.reported_departments, p.counts.get(Status::NotReported)),
            (0, 6)
        );
        assert!(v.levels.iter().all(|l| l.previous.is_some()));
        // One department reported for February.
        let v = march(&c, &[cv("甲局", "P01-1", Value::Number(1.0))], false);
        assert_eq!(v.previous.as_ref().unwrap().reported_departments, 1);
        assert!(close(v.indicators[0].change().unwrap().value(), 20.0));
    }

    #[test]
    fn gaps_and_statuses_follow_the_printed_figures() {
        // 序时进度 24.9 %; 0.0244 prints 2.4 %, so the gap printed is 22.5, not 22.4.
        let time = Period::new(2024, 3).unwrap().time_progress();
        assert_eq!(behind(0.0244, time).to_string(), "22.5");
        // 19.9 % is 5.0 points behind 24.9 %: within a tolerance of 5.
        assert_eq!(status_of(0.1994, time, T), Status::OnTrack);
        assert_eq!(status_of(0.1984, time, T), Status::Lagging, "5.1 points");
        assert_eq!(status_of(0.049, time, T), Status::Lagging, "20.0 points");
        assert_eq!(status_of(0.048, time, T), Status::Severe, "20.1 points");
        // Reached means reached: 99.96 % prints 100.0 % but is not done.
        assert_eq!(status_of(0.9996, 0.5, T), Status::OnTrack);
    }
}
