//! `minsheng report`: consolidate a period into the master workbook and the
//! dispatch bulletin (HTML, plain text, Word) under `outbox/reports/<period>/`.
//!
//! One `PeriodView` (the one `status` prints) feeds every file, so the
//! workbook, the bulletin and `status --json` cannot disagree.

use crate::bulletin::{self, Meta};
use crate::consolidate::{PeriodView, Status};
use crate::ledger::Ledger;
use crate::period::Period;
use crate::templates::Templates;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use std::path::PathBuf;

/// The files of one period's report and what the bulletin email needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFiles {
    pub workbook: PathBuf,
    pub html: PathBuf,
    pub text: PathBuf,
    pub docx: PathBuf,
    /// `平江县民生可感行动调度通报（2024年第3期）`
    pub subject: String,
    pub html_body: String,
    pub text_body: String,
    /// 第N期: the period's month in the plan year.
    pub issue_number: u32,
}

pub fn workbook_name(period: Period) -> String {
    format!("{period}-民生实事调度汇总表.xlsx")
}

/// `<period>-调度通报.<ext>`
pub fn bulletin_name(period: Period, ext: &str) -> String {
    format!("{period}-调度通报.{ext}")
}

/// Consolidate `period` from the ledger and write its report files. Each
/// file is built in memory and renamed into place, so a reader (or the mail
/// queue) never sees half a file and a failure leaves the previous report.
pub fn generate(ws: &Workspace, ledger: &Ledger, period: Period) -> Result<ReportFiles> {
    let view = crate::status::view(ws, ledger, period)?;
    write(ws, &view)
}

/// Write the report of a consolidated period.
pub fn write(ws: &Workspace, view: &PeriodView) -> Result<ReportFiles> {
    let period = view.period;
    let templates = Templates::load(&ws.root)?;
    let meta = Meta {
        catalog: &ws.catalog,
        today: ws.clock.today(),
        tolerance: ws.config.plan.tolerance,
        severe: ws.config.plan.severe,
        deadline_day: ws.config.plan.deadline_day,
    };
    let workbook = crate::master::build(view, &meta)?;
    let b = bulletin::build(view, &meta, &templates)?;

    let dir = ws.reports_dir(period);
    let files = ReportFiles {
        workbook: dir.join(workbook_name(period)),
        html: dir.join(bulletin_name(period, "html")),
        text: dir.join(bulletin_name(period, "txt")),
        docx: dir.join(bulletin_name(period, "docx")),
        subject: b.subject,
        html_body: b.html,
        text_body: b.text,
        issue_number: b.issue_number,
    };
    for (path, bytes) in [
        (&files.workbook, workbook.as_slice()),
        (&files.html, files.html_body.as_bytes()),
        (&files.text, files.text_body.as_bytes()),
        (&files.docx, b.docx.as_slice()),
    ] {
        crate::fsx::write_atomic(path, bytes)
            .with_context(|| format!("无法写入报表文件夹 {}", dir.display()))?;
    }
    Ok(files)
}

/// `minsheng report [--period P] [--send]`.
pub fn command(ws: &Workspace, period: Option<&str>, send: bool) -> Result<()> {
    let period = crate::app::period_arg(ws, period)?;
    let ledger = Ledger::open(&ws.ledger_path())?;
    let view = crate::status::view(ws, &ledger, period)?;
    let files = write(ws, &view)?;
    crate::app::print_text(&summary(ws, &view, &files))?;
    if send {
        let sent = crate::mail::send_bulletin(ws, period, &files)?;
        crate::app::print_text(&sent.render())?;
        if !sent.all_delivered() {
            // What failed stays queued; the exit code tells a script so.
            return Err(crate::error::ItemsFailed.into());
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
        bulletin::chinese_date(v.period.last_day()),
        crate::text::percent(v.time_progress),
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
