//! `minsheng report [--period P] [--send]`: consolidate a period into the
//! master workbook and the bulletin, and with `--send` mail the bulletin.

use super::mail::flush_text;
use super::output::print_text;
use crate::error::ItemsFailed;
use crate::ledger::Ledger;
use crate::report::consolidate::{PeriodView, Status};
use crate::report::{self, ReportFiles};
use crate::text::{chinese_date, percent};
use crate::workspace::Workspace;
use anyhow::Result;
use std::path::PathBuf;

pub(super) fn run(ws: &Workspace, period: Option<&str>, send: bool, draft: bool) -> Result<()> {
    if send {
        crate::cycle::gate::review_gate(ws, draft, crate::cycle::gate::Act::Bulletin)
            .map_err(crate::cycle::gate::Refused::usage)?;
    }
    let period = super::period_arg(ws, period)?;
    let ledger = Ledger::open(&ws.ledger_path())?;
    let view = report::view(ws, &ledger, period)?;
    let files = report::write(ws, &ledger, &view)?;
    print_text(&summary(ws, &view, &files))?;
    if send {
        let sent = crate::cycle::send_bulletin(ws, period, &files)?;
        print_text(&flush_text(&sent, ws.catalog.tz))?;
        if !sent.all_delivered() {
            // What failed stays queued; the exit code tells a script so.
            return Err(ItemsFailed.into());
        }
    }
    Ok(())
}

/// Where the files are and the period in one paragraph, for the office.
fn summary(ws: &Workspace, v: &PeriodView, f: &ReportFiles) -> String {
    let dir = ws.reports_dir(v.period);
    let name = |p: &PathBuf| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let t = &v.totals;
    let mut s = format!(
        "已生成{}调度汇总表和调度通报（{}），保存在 {}：\n",
        v.period.chinese(),
        f.subject,
        dir.display()
    );
    for (what, p) in [
        ("调度汇总表", &f.workbook),
        ("调度通报（网页）", &f.html),
        ("调度通报（文本）", &f.text),
        ("调度通报（Word）", &f.docx),
    ] {
        s.push_str(&format!("  {what}：{}\n", name(p)));
    }
    s.push_str(&format!(
        "\n截至{}，序时进度{}。指标 {} 项：已完成 {} 项，序时推进 {} 项，滞后 {} 项，严重滞后 {} 项，未报送 {} 项；已报送单位 {} / {} 个。\n",
        chinese_date(v.period.last_day()),
        percent(v.time_progress),
        t.total(),
        t.get(Status::Done),
        t.get(Status::OnTrack),
        t.get(Status::Lagging),
        t.get(Status::Severe),
        t.get(Status::NotReported),
        v.reported_departments(),
        v.departments.len()
    ));
    s
}
