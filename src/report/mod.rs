//! Report: one period's figures consolidated from the ledger, and the files
//! made from them under `outbox/reports/<period>/` — the master workbook
//! ([`master`]) and the dispatch bulletin ([`bulletin`]; its Word version
//! laid out as a [`document`] and written by [`docx`]).
//!
//! One [`PeriodView`] ([`consolidate`], pure) feeds every file and `status`,
//! so the workbook, the bulletin and `status --json` cannot disagree.

pub mod bulletin;
pub mod consolidate;
mod document;
mod docx;
pub mod master;

use crate::ledger::Ledger;
use crate::plan::Period;
use crate::templates::Templates;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use bulletin::Meta;
use consolidate::{Inputs, PeriodView, Thresholds};
use std::path::PathBuf;

/// Read the ledger and consolidate `period` (the one place both `status`
/// and `report` get their numbers from).
pub(crate) fn view<'a>(
    ws: &'a Workspace,
    ledger: &Ledger,
    period: Period,
) -> Result<PeriodView<'a>> {
    let current = ledger.current_values(period)?;
    let previous = if period.month > 1 {
        ledger.current_values(period.prev())?
    } else {
        Vec::new()
    };
    let submissions = ledger.submissions(period)?;
    let previous_reported = period.month > 1 && ledger.had_report(period.prev())?;
    Ok(consolidate::consolidate(&Inputs {
        catalog: &ws.catalog,
        period,
        current: &current,
        previous: &previous,
        submissions: &submissions,
        previous_reported,
        thresholds: Thresholds {
            tolerance: ws.config.plan.tolerance,
            severe: ws.config.plan.severe,
        },
        deadline_day: ws.config.plan.deadline_day,
        today: ws.clock.today(),
    }))
}

/// The files of one period's report and what the bulletin email needs.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFiles {
    pub workbook: PathBuf,
    pub html: PathBuf,
    pub(crate) text: PathBuf,
    pub docx: PathBuf,
    /// `平江县民生可感行动调度通报（2024年第3期）`
    pub(crate) subject: String,
    pub(crate) html_body: String,
    pub(crate) text_body: String,
    /// 第N期: the count of the plan year's periods that have had a report,
    /// this one included; kept when the report is made again.
    pub(crate) issue_number: u32,
    /// The workbook and the Word bulletin as written, for the mail.
    pub(crate) workbook_bytes: Vec<u8>,
    pub(crate) docx_bytes: Vec<u8>,
}

/// The workbook's file name; the bulletin's attachment line names it too.
pub(crate) fn workbook_name(period: Period) -> String {
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
    write(ws, ledger, &view(ws, ledger, period)?)
}

/// Write the report of a consolidated period, and remember in the ledger
/// that the period had one, so its bulletin number stays.
pub(crate) fn write(ws: &Workspace, ledger: &Ledger, view: &PeriodView) -> Result<ReportFiles> {
    let period = view.period;
    let templates = Templates::load(&ws.root)?;
    let issue_number = ledger.issue_number(period)?;
    let meta = Meta {
        catalog: &ws.catalog,
        today: ws.clock.today(),
        tolerance: ws.config.plan.tolerance,
        severe: ws.config.plan.severe,
        deadline_day: ws.config.plan.deadline_day,
        issue_number,
    };
    let workbook = master::build(view, &meta)?;
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
        workbook_bytes: workbook,
        docx_bytes: b.docx,
    };
    for (path, bytes) in [
        (&files.workbook, files.workbook_bytes.as_slice()),
        (&files.html, files.html_body.as_bytes()),
        (&files.text, files.text_body.as_bytes()),
        (&files.docx, files.docx_bytes.as_slice()),
    ] {
        crate::fsx::write_atomic(path, bytes)
            .with_context(|| format!("无法写入报表文件夹 {}", dir.display()))?;
    }
    // Only a report written counts: a template that fails leaves no number taken.
    ledger.record_report(period, issue_number, ws.clock.now().fixed_offset())?;
    Ok(files)
}
