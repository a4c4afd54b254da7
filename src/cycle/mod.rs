//! The steps of the monthly cycle wired end to end, for the CLI and the
//! daemon alike: take a file in and queue its receipt; make the report and
//! queue the bulletin; remind the departments that are late. Each stage
//! below knows nothing of the ones after it; this is where they meet.

pub mod doctor;
pub mod gate;
pub mod links;
pub mod remind;
pub mod schedule;

use crate::form::{Prefill, PrefillRow, PrefillValue};
use crate::intake::{Arrival, FileResult, Intake, Taken};
use crate::ledger::Ledger;
use crate::mail::{self, BulletinMail, File, FlushSummary, ReceiptMail};
use crate::model::Value;
use crate::plan::Period;
use crate::plan::catalog::STAGES;
use crate::report::ReportFiles;
use crate::workspace::Workspace;
use anyhow::Result;
use std::collections::HashMap;

/// Take files in through the one intake step (which first finishes what a
/// crash left), then queue every receipt to its department in one batch:
/// what `ingest`, the daemon, the demo and the web page's uploads call. A
/// receipt that cannot be queued (a malformed address in the configuration)
/// is logged and does not undo the return that was recorded.
pub(crate) fn take(intake: &mut Intake, ws: &Workspace, arrivals: &[Arrival]) -> Result<Taken> {
    let taken = intake.take(arrivals)?;
    let done = taken
        .recovered
        .iter()
        .chain(taken.results.iter().filter_map(|r| r.as_ref().ok()));
    queue_receipts(ws, done);
    Ok(taken)
}

/// What the daemon does when it starts, before its first look at the
/// inbox: the files a crash left in hand, then what a ledger rolled back
/// lost, with their receipts queued in one batch. The files finished.
pub(crate) fn restart(intake: &mut Intake, ws: &Workspace) -> Result<Vec<FileResult>> {
    let mut done = intake.take(&[])?.recovered;
    done.extend(intake.reconcile()?);
    queue_receipts(ws, done.iter());
    Ok(done)
}

/// What the web page had received but not yet taken in when the last run
/// stopped (`var/uploads/`): taken through the door each came by, before
/// the page serves again. The files answered.
pub(crate) fn take_staged_uploads(ws: &Workspace) -> Result<Vec<FileResult>> {
    let arrivals = crate::intake::staged_uploads(ws)?;
    if arrivals.is_empty() {
        return Ok(Vec::new());
    }
    let mut intake = Intake::open(ws)?;
    let taken = take(&mut intake, ws, &arrivals)?;
    let mut done = taken.recovered;
    for (r, a) in taken.results.into_iter().zip(&arrivals) {
        crate::intake::clear_stage(&a.path);
        match r {
            Ok(r) => done.push(r),
            Err(e) => tracing::error!(file = %a.shown, error = %e, "staged upload not taken"),
        }
    }
    Ok(done)
}

/// Queue the receipts of processed files to their departments, in one
/// batch flushed to disk once. A skipped file has no receipt, and a
/// department without an address gets none; a receipt that cannot be queued
/// is logged.
pub fn queue_receipts<'r>(ws: &Workspace, results: impl Iterator<Item = &'r FileResult>) {
    let (files, mails): (Vec<&str>, Vec<ReceiptMail>) = results
        .filter_map(|r| receipt_mail(r).map(|m| (r.file.as_str(), m)))
        .unzip();
    for (file, queued) in files.into_iter().zip(mail::queue_receipts(ws, mails)) {
        if let Err(e) = queued {
            tracing::warn!(file = %file, error = %crate::error::chain(&e), "receipt not queued for mail");
        }
    }
}

/// A processed file's receipt as a message to its department.
fn receipt_mail(result: &FileResult) -> Option<ReceiptMail<'_>> {
    let (Some(filed), Some(department)) = (&result.receipt, &result.department) else {
        return None;
    };
    let mut attachments = vec![File::named(
        &filed.txt,
        filed.receipt.text.clone().into_bytes(),
    )];
    if let (Some(path), Some(bytes)) = (&filed.xlsx, &filed.receipt.marked) {
        attachments.push(File::named(path, bytes.clone()));
    }
    Some(ReceiptMail {
        department,
        period: result.period,
        verdict: result.verdict,
        file_name: &filed.file_name,
        text: &filed.receipt.text,
        attachments,
    })
}

/// Queue the period's bulletin to the leaders, with the master workbook and
/// the Word bulletin attached and, where `[web] public_url` is set, the
/// board's link, and try delivery at once; what fails stays queued for the
/// next flush.
pub(crate) fn send_bulletin(
    ws: &Workspace,
    period: Period,
    files: &ReportFiles,
) -> Result<FlushSummary> {
    let board = links::board_handed_out(ws)?;
    let mail = BulletinMail {
        board: board.as_deref(),
        subject: &files.subject,
        html: &files.html_body,
        text: &files.text_body,
        attachments: vec![
            File::named(&files.workbook, files.workbook_bytes.clone()),
            File::named(&files.docx, files.docx_bytes.clone()),
        ],
    };
    let queued = mail::queue_bulletin(ws, period, &mail)?;
    let mut summary = mail::flush(ws)?;
    summary.queued.push(queued);
    Ok(summary)
}

/// The document `status --json` prints and the web page's `/api/status`
/// answers: the consolidated period, and how the mail queue stands.
pub(crate) fn status_document(
    ws: &Workspace,
    v: &crate::report::consolidate::PeriodView,
) -> Result<serde_json::Value> {
    let mail = mail::pending(ws)?;
    let paused = mail::pause_state(ws);
    let mut doc = crate::report::consolidate::status_json(v);
    doc["mail"] = serde_json::json!({
        "queued": mail.queued,
        "uncertain": mail.uncertain,
        "failed": mail.failed,
        "sent": mail.sent,
        "failed_recipients": mail.failed_recipients,
        "removed_recipients": mail.removed_recipients,
        "paused": paused.as_ref().map(|p| &p.message),
    });
    Ok(doc)
}

/// Issue the period's forms of `departments`, each prefilled with its last
/// accepted return and, where `[web] public_url` is set, carrying the
/// department's link: the one step of `forms` and of the web page's download.
pub(crate) fn issue_forms(
    ws: &Workspace,
    period: Period,
    departments: &[&str],
) -> Result<Vec<crate::form::Issued>> {
    let ledger = Ledger::open(&ws.ledger_path())?;
    crate::form::issue(
        ws,
        period,
        departments,
        |_, dept, prev| prefill_from(&ledger, dept, prev),
        |dept| links::handed_out(ws, dept),
    )
}

/// Last period's accepted return of `department`, from the ledger, as the
/// prefill of its next form.
pub(crate) fn prefill_from(
    ledger: &Ledger,
    department: &str,
    period: Period,
) -> Result<Option<Prefill>> {
    let rows: HashMap<String, PrefillRow> = ledger
        .current_values(period)?
        .into_iter()
        .filter(|v| v.department == department)
        .map(|v| {
            let done = match v.value {
                Value::Stage(i) => PrefillValue::Stage(STAGES[i].to_string()),
                Value::Number(n) => PrefillValue::Number(n),
            };
            let row = PrefillRow {
                done: Some(done),
                progress: v.progress,
                problems: v.problems,
                measures: v.measures,
            };
            (v.indicator, row)
        })
        .collect();
    let contact = ledger.contact(department, period)?;
    Ok((!rows.is_empty()).then_some(Prefill { rows, contact }))
}
