//! The scheduled side of the daemon: jobs run when due against the plan's
//! clock, each claimed in the ledger so a restart or a second look never
//! runs it twice, and a run missed while the daemon was down is made up once.

use super::Wake;
use crate::cycle::schedule::{Job, JobKind};
use crate::cycle::{self, gate, gate::Act};
use crate::ledger::Ledger;
use crate::workspace::Workspace;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub(super) fn jobs_loop(
    ws: &Workspace,
    jobs: &[Job],
    stop: &AtomicBool,
    wake: &Receiver<Wake>,
) -> Result<()> {
    let ledger = Ledger::open(&ws.ledger_path())?;
    if let Err(u) = ws.catalog.check_reviewed() {
        tracing::warn!(
            catalog = %ws.config.plan.catalog,
            marks = u.marks,
            "the catalog still holds 待核对 review marks: the report and reminder jobs will mail nothing until it is reviewed and the daemon restarted"
        );
    }
    // Catch up: the latest due time of each job that no run has claimed.
    let now = ws.clock.now();
    for job in jobs.iter().filter(|j| j.kind.catches_up()) {
        let Some(due) = job.last_at_or_before(&now) else {
            continue;
        };
        let due = to_the_second(due);
        let last = ledger.last_job_due(job.kind.name())?;
        if last.is_none_or(|l| l < due) {
            tracing::info!(job = job.kind.name(), due = %due.to_rfc3339(), "running a job missed while the daemon was down");
            run_job(ws, &ledger, job.kind, due);
        }
    }
    let mut next: Vec<_> = jobs.iter().map(|j| j.next_after(&now)).collect();
    while !stop.load(Ordering::SeqCst) {
        let now = ws.clock.now();
        for (job, due) in jobs.iter().zip(next.iter_mut()) {
            if let Some(d) = *due
                && d <= now
            {
                run_job(ws, &ledger, job.kind, to_the_second(d));
                *due = job.next_after(&now.max(d));
            }
        }
        let now = ws.clock.now();
        let sleep = next
            .iter()
            .flatten()
            .map(|d| (*d - now).to_std().unwrap_or(Duration::ZERO))
            .min()
            .unwrap_or(Duration::from_secs(3600))
            .min(Duration::from_secs(60));
        match wake.recv_timeout(sleep) {
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => break,
            _ => {}
        }
    }
    Ok(())
}

/// A due time as the ledger keeps it: croner carries the fraction of a
/// second of the time it searched from, which must not make a run that was
/// recorded look later than the one recorded.
fn to_the_second(t: chrono::DateTime<chrono_tz::Tz>) -> DateTime<FixedOffset> {
    use chrono::Timelike;
    let t = t.fixed_offset();
    t.with_nanosecond(0).unwrap_or(t)
}

/// Run one due job once: claimed in the ledger first, so neither a restart
/// nor a second look runs it twice; its outcome is recorded.
fn run_job(ws: &Workspace, ledger: &Ledger, kind: JobKind, due: DateTime<FixedOffset>) {
    let started = ws.clock.now().fixed_offset();
    let id = match ledger.claim_job(kind.name(), due, started) {
        Ok(Some(id)) => id,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(job = kind.name(), error = %crate::error::chain(&e), "cannot record the job run");
            return;
        }
    };
    let t = Instant::now();
    let outcome = match execute(ws, ledger, kind) {
        Ok(summary) => {
            tracing::info!(
                job = kind.name(),
                due = %due.to_rfc3339(),
                ms = t.elapsed().as_millis() as u64,
                "{summary}"
            );
            format!("ok: {summary}")
        }
        Err(e) => {
            let msg = crate::error::chain(&e);
            tracing::error!(job = kind.name(), due = %due.to_rfc3339(), error = %msg, "job failed");
            format!("error: {msg}")
        }
    };
    if let Err(e) = ledger.finish_job(id, ws.clock.now().fixed_offset(), &outcome) {
        tracing::error!(job = kind.name(), error = %crate::error::chain(&e), "cannot record the job outcome");
    }
}

/// The gate's refusal in the log (the English line the IT person greps,
/// the office's Chinese words beside it), and as the job's outcome.
fn refused(r: gate::Refused) -> anyhow::Error {
    let u = &r.unreviewed;
    let lines: Vec<String> = u.shown_lines().iter().map(usize::to_string).collect();
    let more = if u.lines.len() > lines.len() {
        ", …"
    } else {
        ""
    };
    tracing::error!(
        refusal = %r,
        "refused, nothing mailed: the catalog {} still holds {} 待核对 review marks (lines {}{more}); review it, remove the marks and restart the daemon",
        r.catalog,
        u.marks,
        lines.join(", "),
    );
    anyhow::Error::new(r)
}

fn execute(ws: &Workspace, ledger: &Ledger, kind: JobKind) -> Result<String> {
    let period = ws.default_period();
    // The daemon read the catalog when it started: the fix is to review it
    // and restart; nothing is mailed meanwhile.
    match kind {
        JobKind::Report => {
            gate::review_gate(ws, false, Act::Bulletin).map_err(refused)?;
            let files = crate::report::generate(ws, ledger, period)?;
            if ws.config.leaders.is_empty() {
                return Ok(format!(
                    "report for {period} written; no [[leaders]] configured to mail it to"
                ));
            }
            let sent = cycle::send_bulletin(ws, period, &files)?;
            Ok(format!(
                "report for {period} written; bulletin queued, {} message(s) delivered, {} deferred",
                sent.delivered.len(),
                sent.deferred.len()
            ))
        }
        JobKind::Reminder | JobKind::DeadlineReminder => {
            gate::review_gate(ws, false, Act::Reminders).map_err(refused)?;
            let (summary, sent) = cycle::remind::remind_and_send(ws, period)?;
            Ok(format!(
                "reminders for {period}: {} queued, {} delivered",
                summary.reminded.len(),
                sent.map_or(0, |s| s.delivered.len())
            ))
        }
        JobKind::Mail => {
            let sent = crate::mail::flush(ws)?;
            Ok(format!(
                "mail: {} delivered, {} deferred, {} failed",
                sent.delivered.len(),
                sent.deferred.len(),
                sent.failed.len()
            ))
        }
    }
}
