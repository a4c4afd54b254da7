//! `minsheng status [--period P] [--json]`: who has reported for a period
//! and where each indicator stands, as a table a person reads at a glance
//! or as JSON.

use super::output::{print_json, print_text};
use crate::ledger::Ledger;
use crate::model::Verdict;
use crate::plan::catalog::Kind;
use crate::report::consolidate::{PeriodView, Status};
use crate::text::{pad, pad_left, percent, truncate};
use crate::workspace::Workspace;
use anyhow::Result;

pub(super) fn run(ws: &Workspace, period: Option<&str>, json: bool) -> Result<()> {
    let period = super::period_arg(ws, period)?;
    let ledger = Ledger::open(&ws.ledger_path())?;
    let v = crate::report::view(ws, &ledger, period)?;
    if json {
        print_json(&crate::cycle::status_document(ws, &v)?)
    } else {
        let mail = crate::mail::pending(ws)?;
        let paused = crate::mail::pause_state(ws);
        let mut out = table(ws, &v);
        if let Some(p) = &paused {
            out.push_str(&format!(
                "\n{}",
                super::mail::pause_text(p, mail.queued, ws.catalog.tz)
            ));
        }
        if mail.queued + mail.uncertain + mail.failed_recipients > 0 {
            out.push_str(&format!(
                "\n邮件：待发送 {} 封，待确认 {} 封，发送失败 {} 封，被拒收或放弃的收件人 {} 个（minsheng mail list 查看）\n",
                mail.queued, mail.uncertain, mail.failed, mail.failed_recipients
            ));
        }
        print_text(&out)
    }
}

fn table(ws: &Workspace, v: &PeriodView) -> String {
    let mut out = String::new();
    let total = v.departments.len();
    out.push_str(&format!(
        "{} {} 报送情况（报送截止 {}，序时进度 {}）\n",
        ws.catalog.plan.name,
        v.period.chinese(),
        v.deadline.format("%Y年%-m月%-d日"),
        percent(v.time_progress)
    ));
    out.push_str(&format!(
        "已报送 {} / {} 个单位。指标 {} 个：",
        v.reported_departments(),
        total,
        v.indicators.len()
    ));
    let counts: Vec<String> = Status::ALL
        .iter()
        .map(|s| format!("{} {}", s.name(), v.count(None, *s)))
        .collect();
    out.push_str(&counts.join("，"));
    out.push_str("\n\n");
    out.push_str(&format!(
        "{}{}{}{}{}{}\n",
        pad("单位", 30),
        pad("状态", 16),
        pad("采用时间", 18),
        pad_left("版本", 5),
        pad_left("提醒", 6),
        pad_left("退回", 6)
    ));
    out.push_str(&format!("{}\n", "-".repeat(81)));
    for d in &v.departments {
        let state = d.state();
        let at = if d.submitted {
            d.received_at
                .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{}{}{}{}{}{}\n",
            pad(&truncate(&d.name, 29), 30),
            pad(state, 16),
            pad(&at, 18),
            pad_left(&d.version.map(|x| x.to_string()).unwrap_or_default(), 5),
            pad_left(&d.findings.map(|x| x.to_string()).unwrap_or_default(), 6),
            pad_left(
                &if d.rejected > 0 {
                    d.rejected.to_string()
                } else {
                    String::new()
                },
                6
            ),
        ));
    }
    let reasons: Vec<String> = v
        .departments
        .iter()
        .filter(|d| d.verdict == Some(Verdict::Rejected))
        .filter_map(|d| d.reason.as_ref().map(|r| format!("  {}：{r}\n", d.name)))
        .collect();
    if !reasons.is_empty() {
        out.push_str("\n退回原因（最近一次报送的第一个问题，详见回执）：\n");
        out.push_str(&reasons.concat());
    }
    let behind: Vec<_> = v
        .indicators
        .iter()
        .filter(|i| i.status.is_behind())
        .collect();
    if !behind.is_empty() {
        out.push_str(&format!("\n滞后指标（{} 个）：\n", behind.len()));
        for i in behind {
            out.push_str(&format!(
                "  {} {}  {}  完成 {} / 目标 {}{}，完成率 {}（{}）\n",
                i.indicator.code,
                truncate(&i.indicator.name, 30),
                i.indicator.department,
                i.value.map(|x| x.display(i.indicator)).unwrap_or_default(),
                i.indicator.target_text(),
                if i.indicator.kind == Kind::Percent {
                    "%".to_string()
                } else {
                    i.indicator.unit.clone()
                },
                i.progress.map(percent).unwrap_or_default(),
                i.status.name()
            ));
        }
    }
    out
}
