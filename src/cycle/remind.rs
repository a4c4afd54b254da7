//! Reminders: which departments to remind of a period, with their form
//! attached (issued first if missing), and whom the office must phone.

use crate::error::UserError;
use crate::ledger::Ledger;
use crate::mail::{self, File, FlushSummary, Queued, ReminderMail};
use crate::model::Verdict;
use crate::plan::Period;
use crate::report;
use crate::templates::Templates;
use crate::workspace::Workspace;
use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

/// What `remind` did.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RemindSummary {
    pub(crate) period: Period,
    pub(crate) deadline: NaiveDate,
    /// Departments with an accepted return.
    pub(crate) reported: usize,
    pub(crate) departments: usize,
    /// Reminders queued (or found queued or sent today already).
    pub(crate) reminded: Vec<Reminded>,
    /// Departments that have not reported and have no email: phone them.
    pub(crate) no_email: Vec<NoEmail>,
    /// Departments whose reminder could not be made, and why.
    pub(crate) problems: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Reminded {
    pub(crate) department: String,
    pub(crate) queued: Queued,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct NoEmail {
    pub(crate) department: String,
    pub(crate) contact: Option<String>,
    pub(crate) phone: Option<String>,
}

/// Queue the reminders ([`remind`]) and try delivery at once, as the
/// bulletin is sent: what fails stays queued for the next flush. The
/// delivery's summary when anything was queued.
pub(crate) fn remind_and_send(
    ws: &Workspace,
    period: Period,
) -> Result<(RemindSummary, Option<FlushSummary>)> {
    let summary = remind(ws, period)?;
    if summary.reminded.is_empty() {
        return Ok((summary, None));
    }
    let sent = mail::flush(ws).map_err(|e| e.context("催报邮件已放入发信队列，但未能发送"))?;
    Ok((summary, Some(sent)))
}

/// Queue a reminder, with the department's form attached (issued first if
/// missing), the deadline and, where `[web] public_url` is set, the
/// department's link, to each department with an email that has
/// no accepted return for `period`. The reminder names today's date, so a
/// second run on the same day sends nothing new.
fn remind(ws: &Workspace, period: Period) -> Result<RemindSummary> {
    if ws
        .config
        .plan
        .closed_through
        .is_some_and(|closed| period <= closed)
    {
        return Err(UserError::usage(format!(
            "{} 已关账（[plan] closed_through），不再催报",
            period.chinese()
        ))
        .into());
    }
    let ledger = Ledger::open(&ws.ledger_path())?;
    let view = report::view(ws, &ledger, period)?;
    let templates = Templates::load(&ws.root)?;
    let today = ws.clock.today();
    let deadline = period.deadline(ws.config.plan.deadline_day);
    let mut summary = RemindSummary {
        period,
        deadline,
        reported: view.reported_departments(),
        departments: view.departments.len(),
        reminded: Vec::new(),
        no_email: Vec::new(),
        problems: Vec::new(),
    };
    for d in view.departments.iter().filter(|d| !d.submitted) {
        let to = match mail::department_recipients(ws, &d.name) {
            Ok(Some(to)) => to,
            Ok(None) => {
                let cfg = ws.config.departments.get(&d.name);
                summary.no_email.push(NoEmail {
                    department: d.name.clone(),
                    contact: cfg.and_then(|c| c.contact.clone()),
                    phone: cfg.and_then(|c| c.phone.clone()),
                });
                continue;
            }
            Err(e) => {
                summary
                    .problems
                    .push((d.name.clone(), crate::error::chain(&e)));
                continue;
            }
        };
        let rejected = d.verdict == Some(Verdict::Rejected);
        let queued = form_of(ws, &ledger, period, &d.name).and_then(|form| {
            let link = super::links::handed_out(ws, &d.name)?;
            mail::queue_reminder(
                ws,
                &templates,
                ReminderMail {
                    department: &d.name,
                    to,
                    period,
                    deadline,
                    today,
                    rejected,
                    form,
                    link,
                },
            )
        });
        match queued {
            Ok(queued) => summary.reminded.push(Reminded {
                department: d.name.clone(),
                queued,
            }),
            Err(e) => {
                tracing::error!(department = %d.name, error = %crate::error::chain(&e), "reminder not queued");
                summary
                    .problems
                    .push((d.name.clone(), crate::error::chain(&e)));
            }
        }
    }
    Ok(summary)
}

/// The department's form for `period`, issued now if it was not before.
fn form_of(ws: &Workspace, ledger: &Ledger, period: Period, department: &str) -> Result<File> {
    let path = ws
        .forms_dir(period)
        .join(crate::form::file_name(period, department));
    if !path.is_file() {
        crate::form::issue(
            ws,
            period,
            &[department],
            |_, dept, p| super::prefill_from(ledger, dept, p),
            |dept| super::links::handed_out(ws, dept),
        )?;
    }
    File::read(&path)
}
