//! From the ledger's current accepted values to the picture of a period:
//! each indicator's progress against 序时进度 and its status, each
//! department's submission. Pure: plain values in, plain values out.

use crate::catalog::{Catalog, Indicator, Level};
use crate::ledger::{CurrentValue, Submission};
use crate::period::Period;
use crate::value::Value;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Status {
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
    pub const ALL: [Status; 5] = [
        Status::Done,
        Status::OnTrack,
        Status::Lagging,
        Status::Severe,
        Status::NotReported,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Status::Done => "已完成",
            Status::OnTrack => "序时推进",
            Status::Lagging => "滞后",
            Status::Severe => "严重滞后",
            Status::NotReported => "未报送",
        }
    }

    pub fn is_behind(self) -> bool {
        matches!(self, Status::Lagging | Status::Severe)
    }
}

/// Thresholds in percentage points below 序时进度.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub tolerance: f64,
    pub severe: f64,
}

/// The status of a reported indicator with `progress` (done/target) at
/// `time` (序时进度), both fractions.
pub fn status_of(progress: f64, time: f64, t: Thresholds) -> Status {
    const EPS: f64 = 1e-9;
    if progress >= 1.0 - EPS {
        Status::Done
    } else if progress + EPS >= time - t.tolerance / 100.0 {
        Status::OnTrack
    } else if progress + EPS >= time - t.severe / 100.0 {
        Status::Lagging
    } else {
        Status::Severe
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorView<'a> {
    pub indicator: &'a Indicator,
    pub level: Level,
    pub task_title: &'a str,
    pub value: Option<Value>,
    pub progress: Option<f64>,
    pub status: Status,
    /// Points by which progress trails 序时进度 (positive = behind).
    pub gap: Option<f64>,
    /// Progress in the previous period, if reported then.
    pub previous_progress: Option<f64>,
    pub work: String,
    pub problems: String,
    pub measures: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentView {
    pub name: String,
    pub submitted: bool,
    /// Verdict of the latest file for this period (accepted or rejected).
    pub verdict: Option<String>,
    pub received_at: Option<String>,
    pub late: bool,
    pub version: Option<i64>,
    pub findings: Option<i64>,
    pub rejected: i64,
    pub indicators: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PeriodView<'a> {
    pub period: Period,
    pub time_progress: f64,
    pub deadline: NaiveDate,
    pub indicators: Vec<IndicatorView<'a>>,
    pub departments: Vec<DepartmentView>,
}

impl PeriodView<'_> {
    pub fn count(&self, level: Option<Level>, status: Status) -> usize {
        self.indicators
            .iter()
            .filter(|i| level.is_none_or(|l| i.level == l) && i.status == status)
            .count()
    }

    pub fn reported_departments(&self) -> usize {
        self.departments.iter().filter(|d| d.submitted).count()
    }
}

pub struct Inputs<'c, 'd> {
    pub catalog: &'c Catalog,
    pub period: Period,
    pub current: &'d [CurrentValue],
    pub previous: &'d [CurrentValue],
    pub submissions: &'d HashMap<String, Submission>,
    pub thresholds: Thresholds,
    pub deadline_day: u32,
    pub today: NaiveDate,
}

pub fn consolidate<'c>(x: &Inputs<'c, '_>) -> PeriodView<'c> {
    let time = x.period.time_progress();
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
    let indicators = x
        .catalog
        .tasks
        .iter()
        .flat_map(|t| t.indicators.iter().map(move |i| (t, i)))
        .map(|(task, ind)| {
            let cur = now
                .get(ind.code.as_str())
                .filter(|v| v.department == ind.department);
            let value = cur.map(|v| v.value);
            let progress = value.map(|v| v.progress(ind));
            let status = match progress {
                Some(p) => status_of(p, time, x.thresholds),
                None => Status::NotReported,
            };
            IndicatorView {
                indicator: ind,
                level: task.level,
                task_title: &task.title,
                value,
                progress,
                status,
                gap: progress.map(|p| ((time - p) * 100.0).max(0.0)),
                previous_progress: before.get(ind.code.as_str()).map(|v| v.value.progress(ind)),
                work: cur.map(|v| v.progress.clone()).unwrap_or_default(),
                problems: cur.map(|v| v.problems.clone()).unwrap_or_default(),
                measures: cur.map(|v| v.measures.clone()).unwrap_or_default(),
            }
        })
        .collect();
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
                .map(|c| c.0.clone())
                .or_else(|| sub.latest.as_ref().map(|l| l.1.clone()));
            let late = match &sub.current {
                Some((at, _, _)) => day_of(at).is_some_and(|d| d > due),
                None => x.today > due,
            };
            DepartmentView {
                name: name.clone(),
                submitted: sub.current.is_some(),
                verdict: sub.latest.as_ref().map(|l| l.0.clone()),
                received_at,
                late,
                version: sub.current.as_ref().map(|c| c.1),
                findings: sub.current.as_ref().map(|c| c.2),
                rejected: sub.rejected,
                indicators: x.catalog.indicators_of(name).count(),
            }
        })
        .collect();
    PeriodView {
        period: x.period,
        time_progress: time,
        deadline: due,
        indicators,
        departments,
    }
}

fn day_of(rfc3339: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(rfc3339.get(..10)?, "%Y-%m-%d").ok()
}

/// The `status --json` document of DESIGN.md.
pub fn status_json(v: &PeriodView) -> serde_json::Value {
    use crate::text::json_number;
    use serde_json::json;
    let indicators: Vec<_> = v
        .indicators
        .iter()
        .map(|i| {
            let value = match i.value {
                Some(Value::Stage(s)) => json!(crate::catalog::STAGES[s]),
                Some(Value::Number(n)) => json_number(n),
                None => serde_json::Value::Null,
            };
            json!({
                "code": i.indicator.code,
                "name": i.indicator.name,
                "level": i.level,
                "department": i.indicator.department,
                "kind": i.indicator.kind,
                "target": crate::catalog::target_json(i.indicator),
                "unit": i.indicator.unit,
                "value": value,
                "progress": i.progress,
                "status": i.status,
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
                "received_at": d.received_at,
                "late": d.late,
                "version": d.version,
                "rejected": d.rejected,
            })
        })
        .collect();
    json!({
        "period": v.period.to_string(),
        "time_progress": v.time_progress,
        "deadline": v.deadline.to_string(),
        "indicators": indicators,
        "departments": departments,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
            cv("县民政局", "P05-2", Value::Number(5000.0)),     // 92.6 % of 5400 → on track
            cv("县人社局", "P11-2", Value::Number(10.0)),       // percent, 10 of 100 → lagging
            cv("天岳投资集团", "C01-1", Value::Stage(0)),       // milestone 未启动 → severe
        ];
        let mut subs = HashMap::new();
        subs.insert(
            "县民政局".to_string(),
            Submission {
                current: Some(("2024-04-08T09:00:00+08:00".into(), 1, 0)),
                latest: Some(("accepted".into(), "2024-04-08T09:00:00+08:00".into())),
                rejected: 0,
            },
        );
        subs.insert(
            "县卫生健康局".to_string(),
            Submission {
                current: Some(("2024-04-03T09:00:00+08:00".into(), 1, 0)),
                latest: Some(("accepted".into(), "2024-04-03T09:00:00+08:00".into())),
                rejected: 1,
            },
        );
        let v = consolidate(&Inputs {
            catalog: &c,
            period,
            current: &current,
            previous: &[],
            submissions: &subs,
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
}
