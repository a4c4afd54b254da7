//! The demo (`minsheng demo`): a whole reporting month in a few seconds,
//! for a newcomer. Builds a workspace, issues the forms, fills realistic returns
//! for most departments (some lagging with their reasons, one that will be
//! sent back, two that never report), drops them into the inbox, lets the
//! daemon's intake take them, writes the report and queues the bulletin.

use crate::cycle;
use crate::form::{self, FormSpec, Prefill, PrefillRow, PrefillValue};
use crate::ledger::Ledger;
use crate::plan::Period;
use crate::plan::catalog::{Kind, STAGES};
use crate::report::ReportFiles;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};

/// The month the demo reports on, and its clock when none is set.
const DEMO_TODAY: &str = "2024-04-03";

/// Departments that do not report in the demo, and the one whose return is
/// sent back (a 累计完成 left empty).
pub(crate) const SILENT: [&str; 2] = ["县司法局", "国网平江供电公司"];
pub(crate) const REJECTED: &str = "县残联";
/// Departments some of whose indicators lag, with the reasons they give.
const LAGGING: [(&str, &str, &str); 3] = [
    (
        "县住建局",
        "部分小区居民意见尚未统一，施工队伍进场较晚",
        "逐户上门做好群众工作，4月中旬前全部进场施工",
    ),
    (
        "县水利局",
        "汛前施工窗口期短，部分项目招标推迟",
        "倒排工期、挂图作战，5月底前完成主体工程",
    ),
    (
        "县交通运输局",
        "雨季影响路面施工，材料价格上涨",
        "晴好天气集中施工，确保二季度追上序时进度",
    ),
];

/// What the demo made, for the newcomer to look at.
#[derive(Debug, Clone)]
pub struct Demo {
    pub(crate) root: PathBuf,
    pub(crate) today: NaiveDate,
    pub(crate) period: Period,
    pub(crate) forms: usize,
    /// Departments whose returns were dropped into the inbox.
    pub(crate) returns: usize,
    /// Files the daemon's intake took.
    pub(crate) processed: usize,
    pub(crate) report: ReportFiles,
    /// Messages waiting in the queue.
    pub(crate) queued: usize,
    /// No `[smtp]`: the mail stays queued.
    pub no_server: bool,
    pub seconds: f64,
}

pub fn run(dir: Option<&Path>) -> Result<Demo> {
    if std::env::var_os(crate::clock::TODAY_VAR).is_none() {
        // SAFETY: set before any other thread of this process starts.
        unsafe { std::env::set_var(crate::clock::TODAY_VAR, DEMO_TODAY) };
    }
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => free_dir(Path::new("minsheng-demo")),
    };
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(crate::error::UserError::usage(format!(
            "{} 已存在且不是空目录；演示需要一个新目录",
            dir.display()
        ))
        .into());
    }
    let started = std::time::Instant::now();
    Workspace::init(&dir)?;
    let config = std::fs::read_to_string(dir.join("minsheng.toml")).context("无法读取演示配置")?;
    crate::fsx::write_atomic(
        &dir.join("minsheng.toml"),
        format!("{config}{DEMO_CONFIG}").as_bytes(),
    )?;
    let ws = Workspace::open(Some(&dir))?;
    let period = ws.default_period();

    let ledger = Ledger::open(&ws.ledger_path())?;
    let departments: Vec<&str> = ws.catalog.departments.iter().map(String::as_str).collect();
    let forms = form::issue(
        &ws,
        period,
        &departments,
        |_, d, p| cycle::prefill_from(&ledger, d, p),
        |d| cycle::links::handed_out(&ws, d),
    )?;
    let returns = fill_returns(&ws, period)?;
    let processed = crate::daemon::drain_inbox(&ws)?;
    let report = crate::report::generate(&ws, &ledger, period)?;
    let mail = cycle::send_bulletin(&ws, period, &report)?;
    let queued = crate::mail::pending(&ws)?;
    Ok(Demo {
        root: ws.root.clone(),
        today: ws.clock.today(),
        period,
        forms: forms.len(),
        returns,
        processed,
        report,
        queued: queued.queued,
        no_server: mail.no_server,
        seconds: started.elapsed().as_secs_f64(),
    })
}

const DEMO_CONFIG: &str = r#"
# ---- 演示用的收件人（example.cn 为示例域名，不会真的发出） ----
[[leaders]]
name = "王县长"
title = "分管副县长"
email = "wang@example.cn"

[[leaders]]
name = "李主任"
title = "县政府办分管副主任"
email = "li@example.cn"

[departments."县住建局"]
email = "zjj@example.cn"

[departments."县司法局"]
email = "sfj@example.cn"

[departments."国网平江供电公司"]
email = "gdgs@example.cn"
"#;

fn free_dir(base: &Path) -> PathBuf {
    if !base.exists() {
        return base.to_path_buf();
    }
    (2..)
        .map(|n| PathBuf::from(format!("{}-{n}", base.display())))
        .find(|p| !p.exists())
        .expect("some numbered name is free")
}

/// Write a filled return for every reporting department but the silent ones
/// into the inbox; returns how many.
fn fill_returns(ws: &Workspace, period: Period) -> Result<usize> {
    let key = ws.signing_key()?;
    let issued_at = ws.clock.now().fixed_offset();
    let time = period.time_progress();
    let mut n = 0;
    for (d, dept) in ws.catalog.departments.iter().enumerate() {
        if SILENT.contains(&dept.as_str()) {
            continue;
        }
        let lag = LAGGING.iter().find(|(l, _, _)| l == dept);
        let rows = ws
            .catalog
            .indicators_of(dept)
            .enumerate()
            .map(|(i, ind)| {
                // On track: a little ahead of 序时进度; lagging: well behind.
                let share = match lag {
                    Some(_) if i % 2 == 0 => time * 0.3,
                    _ => (time + 0.02 * ((d + i) % 5) as f64).min(1.0),
                };
                let (done, said) = match ind.kind {
                    Kind::Milestone => {
                        let stage = if lag.is_some() { 1 } else { 2 };
                        (
                            PrefillValue::Stage(STAGES[stage].into()),
                            format!("目前处于{}阶段", STAGES[stage]),
                        )
                    }
                    Kind::Standard => (
                        PrefillValue::Number(ind.target),
                        format!("已按 {} {} 的新标准发放", ind.target_text(), ind.unit),
                    ),
                    _ => {
                        let v = round(ind.target * share, ind.target);
                        let unit = if ind.kind == Kind::Percent {
                            "%"
                        } else {
                            ind.unit.as_str()
                        };
                        (
                            PrefillValue::Number(v),
                            format!("累计完成 {}{}，正按计划推进", crate::text::number(v), unit),
                        )
                    }
                };
                let (problems, measures) = match lag {
                    Some((_, p, m)) if i % 2 == 0 => (p.to_string(), m.to_string()),
                    _ => (String::new(), String::new()),
                };
                let done = (dept != REJECTED || i != 0).then_some(done);
                (
                    ind.code.clone(),
                    PrefillRow {
                        done,
                        progress: said,
                        problems,
                        measures,
                    },
                )
            })
            .collect();
        let contact = Some((
            format!("{}联络员", dept.trim_start_matches('县')),
            format!("0730-62{:05}", 10000 + d * 37),
        ));
        let spec = FormSpec {
            catalog: &ws.catalog,
            department: dept,
            period,
            deadline: period.deadline(ws.config.plan.deadline_day),
            issued_at,
            key: &key,
            link: None,
        };
        let bytes = form::build(&spec, Some(&Prefill { rows, contact }))?;
        crate::fsx::write_atomic(&ws.inbox().join(format!("{period}-{dept}.xlsx")), &bytes)?;
        n += 1;
    }
    Ok(n)
}

/// Whole numbers for whole targets (nobody reports 0.52 个; of a handful,
/// the first is usually under way by March), two decimals otherwise.
fn round(v: f64, target: f64) -> f64 {
    if target.fract() == 0.0 && target < 10.0 {
        v.ceil()
    } else if target.fract() == 0.0 {
        v.round()
    } else {
        (v * 100.0).round() / 100.0
    }
}
