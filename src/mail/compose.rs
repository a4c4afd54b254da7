//! The three kinds of message the office sends: the bulletin to the
//! leaders, a receipt to the department that sent a file, a reminder to a
//! department that has not reported. Each is worded here and handed to the
//! queue; delivery is left to [`super::flush`].

use super::enqueue::{File, Outgoing, Queued, enqueue, enqueue_with};
use super::mime::{self, Mailbox};
use super::queue::Kind;
use crate::error::UserError;
use crate::model::Verdict;
use crate::plan::Period;
use crate::templates::Templates;
use crate::text::{chinese_date, truncate};
use crate::workspace::Workspace;
use anyhow::Result;
use chrono::NaiveDate;

/// The bulletin as the report stage hands it over.
pub struct BulletinMail<'a> {
    pub subject: &'a str,
    pub html: &'a str,
    pub text: &'a str,
    /// The master workbook and the Word bulletin.
    pub attachments: Vec<File>,
}

/// A receipt as intake hands it over: the department's answer to one file.
pub struct ReceiptMail<'a> {
    pub department: &'a str,
    pub period: Option<Period>,
    pub verdict: Verdict,
    /// The name the department gave the file.
    pub file_name: &'a str,
    /// The receipt's text, which is the message body.
    pub text: &'a str,
    /// The receipt's `.txt` and, where there is one, its marked `.xlsx`.
    pub attachments: Vec<File>,
}

/// A reminder to a department that has not reported.
pub struct ReminderMail<'a> {
    pub department: &'a str,
    pub to: Vec<Mailbox>,
    pub period: Period,
    pub deadline: NaiveDate,
    pub today: NaiveDate,
    /// Its last return was sent back and nothing accepted since.
    pub rejected: bool,
    /// The department's form for the period, attached.
    pub form: File,
}

/// Queue the bulletin of `period` to every `[[leaders]]`, one message to
/// all of them. Delivery is left to [`flush`].
pub fn queue_bulletin(ws: &Workspace, period: Period, mail: &BulletinMail) -> Result<Queued> {
    if ws.config.leaders.is_empty() {
        return Err(UserError::usage(
            "minsheng.toml 中没有配置接收调度通报的领导（[[leaders]]），通报未放入发信队列",
        )
        .into());
    }
    let mut to = Vec::new();
    for (i, leader) in ws.config.leaders.iter().enumerate() {
        let address = mime::parse_address(&leader.email).map_err(|e| {
            UserError::usage(format!(
                "minsheng.toml 第 {} 个 [[leaders]]（{}）的 email：{e}",
                i + 1,
                leader.name
            ))
        })?;
        to.push(Mailbox::new(&leader.name, address));
    }
    enqueue(
        ws,
        Outgoing {
            kind: Kind::Bulletin,
            period: Some(period),
            department: None,
            to,
            subject: mail.subject.to_string(),
            text: mail.text.to_string(),
            html: Some(mail.html.to_string()),
            attachments: mail.attachments.clone(),
        },
    )
}

/// Queue the receipts of a batch of files, each to its department if it has
/// `[departments."…"].email`, flushed to disk together.
pub fn queue_receipts(ws: &Workspace, receipts: Vec<ReceiptMail>) -> Vec<Result<Option<Queued>>> {
    let out: Vec<_> = receipts.into_iter().map(|r| receipt(ws, r)).collect();
    if out.iter().any(|r| matches!(r, Ok(Some(_))))
        && let Err(e) = super::queue::sync(ws)
    {
        let why = crate::error::chain(&e);
        return out
            .into_iter()
            .map(|r| r.and_then(|_| Err(anyhow::anyhow!("{why}"))))
            .collect();
    }
    out
}

fn receipt(ws: &Workspace, receipt: ReceiptMail) -> Result<Option<Queued>> {
    let Some(to) = department_recipients(ws, receipt.department)? else {
        tracing::debug!(department = %receipt.department, "no email for this department; receipt not mailed");
        return Ok(None);
    };
    let subject = format!(
        "【报送回执】{}{}报表{}（{}）",
        receipt.department,
        receipt
            .period
            .map(|p| format!(" {} ", p.chinese()))
            .unwrap_or_default(),
        match receipt.verdict {
            Verdict::Rejected => "被退回，请修改后重报",
            v => v.chinese(),
        },
        truncate(&mime::clean(receipt.file_name), 60)
    );
    let q = enqueue_with(
        ws,
        Outgoing {
            kind: Kind::Receipt,
            period: receipt.period,
            department: Some(receipt.department.to_string()),
            to,
            subject,
            text: receipt.text.to_string(),
            html: None,
            attachments: receipt.attachments,
        },
        false,
    )?;
    tracing::info!(id = %q.id, department = %receipt.department, "receipt queued");
    Ok(Some(q))
}

/// The addresses of `department`, if it has any configured.
pub fn department_recipients(ws: &Workspace, department: &str) -> Result<Option<Vec<Mailbox>>> {
    let Some(emails) = ws
        .config
        .departments
        .get(department)
        .and_then(|d| d.email.as_deref())
        .filter(|e| !e.trim().is_empty())
    else {
        return Ok(None);
    };
    let mut to = Vec::new();
    for one in split_emails(emails) {
        let address = mime::parse_address(one).map_err(|e| {
            UserError::usage(format!(
                "minsheng.toml 中 [departments.\"{department}\"] 的 email：{e}"
            ))
        })?;
        to.push(Mailbox::new(department, address));
    }
    Ok(Some(to))
}

/// The addresses in one `email = "…"` value.
fn split_emails(emails: &str) -> impl Iterator<Item = &str> {
    emails
        .split([',', ';', '，', '；', '、', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The addresses `minsheng.toml` gives a message of this kind now, in
/// lower case: the leaders for a bulletin, the department's for a receipt
/// or a reminder (any department's, for a record that does not name its
/// own). `None` for a test message, which is not checked.
pub(super) fn configured(
    ws: &Workspace,
    kind: Kind,
    department: Option<&str>,
) -> Option<Vec<String>> {
    let lower = |s: &str| s.trim().to_lowercase();
    match kind {
        Kind::Bulletin => Some(ws.config.leaders.iter().map(|l| lower(&l.email)).collect()),
        Kind::Receipt | Kind::Reminder => Some(
            ws.config
                .departments
                .iter()
                .filter(|(name, _)| department.is_none_or(|d| d == name.as_str()))
                .filter_map(|(_, d)| d.email.as_deref())
                .flat_map(split_emails)
                .map(lower)
                .collect(),
        ),
        Kind::Test => None,
    }
}

/// Queue a reminder with the department's form attached. The reminder
/// names today's date, so a second run on the same day sends nothing new.
pub fn queue_reminder(ws: &Workspace, templates: &Templates, r: ReminderMail) -> Result<Queued> {
    let overdue = r.today > r.deadline;
    let words = crate::plan::words::Words::of(&ws.catalog);
    let text = templates.render(
        "reminder.txt",
        serde_json::json!({
            "plan": words.plan,
            "issuer": words.issuer,
            "group": words.group,
            "office_name": words.office_name,
            "office": words.office,
            "department": r.department,
            "period": r.period.chinese(),
            "deadline": chinese_date(r.deadline),
            "today": chinese_date(r.today),
            "days_left": (r.deadline - r.today).num_days(),
            "overdue": overdue,
            "rejected": r.rejected,
            "form": r.form.name,
        }),
    )?;
    let subject = if overdue {
        format!(
            "【催报】{}{}进展情况报送已逾期，请尽快报送",
            ws.catalog.plan.name,
            r.period.chinese()
        )
    } else {
        format!(
            "【催报】请于{}前报送{}{}进展情况",
            chinese_date(r.deadline),
            ws.catalog.plan.name,
            r.period.chinese()
        )
    };
    enqueue(
        ws,
        Outgoing {
            kind: Kind::Reminder,
            period: Some(r.period),
            department: Some(r.department.to_string()),
            to: r.to,
            subject,
            text,
            html: None,
            attachments: vec![r.form],
        },
    )
}
