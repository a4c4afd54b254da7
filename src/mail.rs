//! Outgoing mail: bulletins to the leaders, receipts and reminders to the
//! departments. Every message is first written to the queue on disk
//! (`outbox/mail/queue/`, see [`queue`]) and only then delivered over SMTP
//! ([`smtp`]), so nothing is lost while the server is down or the daemon is
//! stopped, and a message the server acknowledged is never sent again.
//!
//! A message is known by its key: period, kind, recipients and a hash of its
//! content. Queuing the same message twice (a re-run of `report --send`)
//! finds it already queued or sent and does nothing.

mod mime;
mod queue;
mod smtp;

pub use queue::{Enqueued, Kind, QueueCounts};

use crate::cli::MailAction;
use crate::error::{ItemsFailed, UserError};
use crate::fsx;
use crate::intake::FileResult;
use crate::ledger::Ledger;
use crate::period::Period;
use crate::templates::Templates;
use crate::text::{pad, truncate};
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use mime::{Attachment, Mailbox};
use queue::{Folder, Record, Stage, State};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One flush at a time in this process (the daemon's minute job and a
/// `report --send` in the same process); other processes are kept apart
/// by the queue's claims.
static FLUSH: Mutex<()> = Mutex::new(());

/// Where a message written without `[smtp]` says it comes from; the real
/// sender replaces it when the message is delivered.
const PLACEHOLDER_FROM: &str = "minsheng@localhost.invalid";

/// The bulletin as the report stage hands it over.
pub struct BulletinMail<'a> {
    pub subject: &'a str,
    pub html: &'a str,
    pub text: &'a str,
    /// The master workbook and the Word bulletin.
    pub attachments: Vec<PathBuf>,
}

/// A message put in the queue (or found there already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queued {
    pub id: String,
    pub outcome: Enqueued,
    pub recipients: Vec<String>,
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
            to,
            subject: mail.subject.to_string(),
            text: mail.text.to_string(),
            html: Some(mail.html.to_string()),
            attachments: mail.attachments.clone(),
        },
    )
}

/// Queue the receipt of one processed return to its department, if the
/// department has `[departments."…"].email`. The receipt text is the body;
/// the `.txt` receipt and its `.xlsx` copy (where there is one) are attached.
pub fn queue_receipt(ws: &Workspace, result: &FileResult) -> Result<()> {
    let (Some(txt), Some(department)) = (&result.receipt, &result.department) else {
        return Ok(());
    };
    let Some(to) = department_recipients(ws, department)? else {
        tracing::debug!(department = %department, "no email for this department; receipt not mailed");
        return Ok(());
    };
    let text =
        std::fs::read_to_string(txt).with_context(|| format!("无法读取回执 {}", txt.display()))?;
    let mut attachments = vec![txt.clone()];
    let xlsx = txt.with_extension("xlsx");
    if xlsx.is_file() {
        attachments.push(xlsx);
    }
    let period: Option<Period> = result.period.as_deref().and_then(|p| p.parse().ok());
    let file_name = Path::new(&result.file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| result.file.clone());
    let subject = format!(
        "【报送回执】{department}{}报表{}（{}）",
        period
            .map(|p| format!(" {} ", p.chinese()))
            .unwrap_or_default(),
        match result.verdict {
            crate::receipt::Verdict::Rejected => "被退回，请修改后重报",
            v => v.chinese(),
        },
        truncate(&mime::clean(&file_name), 60)
    );
    let q = enqueue(
        ws,
        Outgoing {
            kind: Kind::Receipt,
            period,
            to,
            subject,
            text,
            html: None,
            attachments,
        },
    )?;
    tracing::info!(id = %q.id, department = %department, "receipt queued");
    Ok(())
}

/// The addresses of `department`, if it has any configured.
fn department_recipients(ws: &Workspace, department: &str) -> Result<Option<Vec<Mailbox>>> {
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
    for one in emails
        .split([',', ';', '，', '；', '、', ' '])
        .filter(|s| !s.trim().is_empty())
    {
        let address = mime::parse_address(one).map_err(|e| {
            UserError::usage(format!(
                "minsheng.toml 中 [departments.\"{department}\"] 的 email：{e}"
            ))
        })?;
        to.push(Mailbox::new(department, address));
    }
    Ok(Some(to))
}

/// A message before it is queued.
struct Outgoing {
    kind: Kind,
    period: Option<Period>,
    to: Vec<Mailbox>,
    subject: String,
    text: String,
    html: Option<String>,
    attachments: Vec<PathBuf>,
}

fn now(ws: &Workspace) -> DateTime<FixedOffset> {
    // Delivery times are real times (servers, retries), not the plan clock.
    chrono::Utc::now()
        .with_timezone(&ws.catalog.tz)
        .fixed_offset()
}

fn sender(ws: &Workspace) -> Mailbox {
    ws.config
        .smtp
        .as_ref()
        .and_then(|s| Mailbox::parse(&s.from).ok())
        .unwrap_or_else(|| {
            Mailbox::new(
                &ws.catalog.plan.issuer,
                PLACEHOLDER_FROM
                    .parse()
                    .expect("the placeholder address is valid"),
            )
        })
}

fn enqueue(ws: &Workspace, out: Outgoing) -> Result<Queued> {
    let mut attachments = Vec::new();
    for p in &out.attachments {
        let bytes = std::fs::read(p).with_context(|| format!("无法读取附件 {}", p.display()))?;
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        attachments.push(Attachment {
            name: mime::attachment_name(&name),
            bytes,
        });
    }
    // Addresses as written (a local part may be case-sensitive), known for
    // the key without regard to case.
    let mut recipients: Vec<String> = out.to.iter().map(|m| m.address.to_string()).collect();
    recipients.sort_by_key(|a| a.to_lowercase());
    recipients.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let key_recipients: Vec<String> = recipients.iter().map(|a| a.to_lowercase()).collect();
    let subject = mime::clean(&out.subject);
    let period = out.period.map(|p| p.to_string());
    let key = message_key(&KeyParts {
        kind: out.kind,
        period: period.as_deref(),
        recipients: &key_recipients,
        subject: &subject,
        text: &out.text,
        html: out.html.as_deref(),
        attachments: attachments
            .iter()
            .map(|a| (a.name.clone(), content_hash(&a.bytes)))
            .collect(),
    });
    let id = format!(
        "{}-{}{}",
        out.kind.as_str(),
        period
            .as_deref()
            .map(|p| format!("{p}-"))
            .unwrap_or_default(),
        &key[..16]
    );
    let now = now(ws);
    let from = sender(ws);
    let mut to = out.to.clone();
    to.dedup_by(|a, b| a.address == b.address);
    let eml = mime::compose(&mime::Draft {
        from: &from,
        to: &to,
        subject: &subject,
        text: &out.text,
        html: out.html.as_deref(),
        attachments: &attachments,
        period: period.clone(),
        kind: out.kind.as_str(),
        date: now.to_rfc2822(),
        message_id: message_id(&from, now),
    });
    let record = Record {
        version: queue::RECORD_VERSION,
        id: id.clone(),
        key,
        kind: out.kind,
        period,
        subject,
        from: from.address.to_string(),
        recipients: recipients.clone(),
        delivered_to: Vec::new(),
        state: State::Queued,
        queued_at: now,
        attempts: 0,
        next_attempt_at: now,
        last_attempt_at: None,
        last_error: None,
        sent_at: None,
        server_reply: None,
        stage: None,
        pid: None,
        note: None,
    };
    let outcome = queue::enqueue(ws, &record, &eml, now)?;
    match outcome {
        Enqueued::AlreadySent => {
            tracing::info!(id = %id, "the same message was delivered before; not sent again")
        }
        Enqueued::AlreadyQueued => tracing::info!(id = %id, "the same message is already queued"),
        _ => tracing::info!(id = %id, kind = out.kind.as_str(), "message queued"),
    }
    Ok(Queued {
        id,
        outcome,
        recipients,
    })
}

fn message_id(from: &Mailbox, now: DateTime<FixedOffset>) -> String {
    let domain: String = from
        .address
        .domain()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-')
        .collect();
    let domain = if domain.is_empty() || domain.ends_with(".invalid") {
        "minsheng.local".to_string()
    } else {
        domain
    };
    format!(
        "<{}.{}@{domain}>",
        now.format("%Y%m%d%H%M%S"),
        mime::random_hex(10)
    )
}

#[derive(Serialize)]
struct KeyParts<'a> {
    kind: Kind,
    period: Option<&'a str>,
    recipients: &'a [String],
    subject: &'a str,
    text: &'a str,
    html: Option<&'a str>,
    attachments: Vec<(String, String)>,
}

fn message_key(parts: &KeyParts) -> String {
    let json = serde_json::to_vec(parts).unwrap_or_default();
    crate::workspace::hex(&Sha256::digest(&json))
}

/// The content of an attachment for the key. An Office file (a zip) is
/// hashed part by part without `docProps/core.xml`, which holds the time it
/// was written: the same workbook built again is the same attachment.
fn content_hash(bytes: &[u8]) -> String {
    zip_content_hash(bytes).unwrap_or_else(|| crate::workspace::hex(&Sha256::digest(bytes)))
}

fn zip_content_hash(bytes: &[u8]) -> Option<String> {
    use std::io::Read;
    const LIMIT: u64 = 256 * 1024 * 1024;
    if !bytes.starts_with(b"PK") {
        return None;
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let mut parts = Vec::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let f = zip.by_index(i).ok()?;
        let name = f.name().ok()?.into_owned();
        if name.eq_ignore_ascii_case("docProps/core.xml") {
            continue;
        }
        let mut content = Vec::new();
        f.take(LIMIT - total).read_to_end(&mut content).ok()?;
        total += content.len() as u64;
        if total >= LIMIT {
            return None;
        }
        parts.push((name, crate::workspace::hex(&Sha256::digest(&content))));
    }
    parts.sort();
    let json = serde_json::to_vec(&parts).ok()?;
    Some(crate::workspace::hex(&Sha256::digest(&json)))
}

// ------------------------------------------------------------- delivery ---

/// What one flush did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlushSummary {
    /// No `[smtp]`: nothing was tried.
    pub no_server: bool,
    /// Messages waiting in the queue before the flush.
    pub waiting: usize,
    /// Messages held as uncertain (not tried; the office decides).
    pub held: usize,
    pub delivered: Vec<Delivery>,
    /// Not delivered this time; tried again later.
    pub deferred: Vec<Delivery>,
    /// Sent without an answer: held until the office releases them.
    pub uncertain: Vec<Delivery>,
    /// Gave up after `[mail] max_attempts`: moved to `failed/`.
    pub failed: Vec<Delivery>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub id: String,
    pub subject: String,
    pub recipients: Vec<String>,
    /// The server's reply when delivered, else the error in Chinese.
    pub detail: String,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<FixedOffset>>,
}

impl FlushSummary {
    /// Every message tried was delivered.
    pub fn all_delivered(&self) -> bool {
        self.deferred.is_empty() && self.uncertain.is_empty() && self.failed.is_empty()
    }

    /// A few lines of Chinese for the office.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if self.no_server {
            out.push_str(&format!(
                "未配置发信服务器（minsheng.toml 中的 [smtp]），{} 封邮件保留在 outbox/mail/queue/ 中，配置后运行 minsheng mail flush 发送。\n",
                self.waiting
            ));
            return out;
        }
        let line = |d: &Delivery| {
            format!(
                "  {}  {}  → {}\n",
                d.id,
                truncate(&d.subject, 50),
                d.recipients.join(", ")
            )
        };
        if !self.delivered.is_empty() {
            out.push_str(&format!("已发送 {} 封：\n", self.delivered.len()));
            for d in &self.delivered {
                out.push_str(&line(d));
            }
        }
        if !self.deferred.is_empty() {
            out.push_str(&format!(
                "未能发送 {} 封，仍在队列中，稍后自动重试：\n",
                self.deferred.len()
            ));
            for d in &self.deferred {
                out.push_str(&line(d));
                out.push_str(&format!("    第 {} 次尝试失败：{}\n", d.attempts, d.detail));
                if let Some(t) = d.next_attempt_at {
                    out.push_str(&format!("    下次尝试：{}\n", t.format("%Y-%m-%d %H:%M")));
                }
            }
        }
        if !self.uncertain.is_empty() {
            out.push_str(&format!(
                "不能确定是否送达 {} 封，已暂停发送（避免重复）。请向收件人核实后运行 minsheng mail release 编号 重发，或加 --delivered 记为已送达：\n",
                self.uncertain.len()
            ));
            for d in &self.uncertain {
                out.push_str(&line(d));
                out.push_str(&format!("    {}\n", d.detail));
            }
        }
        if !self.failed.is_empty() {
            out.push_str(&format!(
                "发送失败 {} 封（已尝试 {} 次），已移到 outbox/mail/failed/，可用 minsheng mail release 编号 重新发送：\n",
                self.failed.len(),
                self.failed[0].attempts
            ));
            for d in &self.failed {
                out.push_str(&line(d));
                out.push_str(&format!("    {}\n", d.detail));
            }
        }
        if out.is_empty() {
            out.push_str("发信队列中没有待发送的邮件。\n");
        }
        if self.held > 0 {
            out.push_str(&format!(
                "另有 {} 封邮件不能确定是否送达，暂停发送，请运行 minsheng mail list 查看并处理。\n",
                self.held
            ));
        }
        out
    }
}

fn delivery(r: &Record, detail: String) -> Delivery {
    Delivery {
        id: r.id.clone(),
        subject: r.subject.clone(),
        recipients: r.recipients.clone(),
        detail,
        attempts: r.attempts,
        next_attempt_at: (r.state == State::Queued).then_some(r.next_attempt_at),
    }
}

/// Deliver the messages that are due (the daemon's minute job,
/// `report --send`). Messages waiting for a retry keep waiting.
/// Queue the period's bulletin to the leaders, with the master workbook and
/// the Word bulletin attached, and try delivery at once; what fails stays
/// queued for the next flush.
pub fn send_bulletin(
    ws: &Workspace,
    period: Period,
    files: &crate::report::ReportFiles,
) -> Result<FlushSummary> {
    let mail = BulletinMail {
        subject: &files.subject,
        html: &files.html_body,
        text: &files.text_body,
        attachments: vec![files.workbook.clone(), files.docx.clone()],
    };
    queue_bulletin(ws, period, &mail)?;
    flush(ws)
}

pub fn flush(ws: &Workspace) -> Result<FlushSummary> {
    flush_with(ws, false)
}

/// Deliver every queued message now, retry times or not (`mail flush`).
pub fn flush_all(ws: &Workspace) -> Result<FlushSummary> {
    flush_with(ws, true)
}

fn flush_with(ws: &Workspace, everything: bool) -> Result<FlushSummary> {
    let _one_at_a_time = FLUSH.lock().unwrap_or_else(|e| e.into_inner());
    let now = now(ws);
    let timeout = ws.config.smtp.as_ref().map_or(30, |s| s.timeout_secs) as i64;
    queue::recover(ws, now, (timeout * 10).max(600))?;
    let (queued, held): (Vec<Record>, Vec<Record>) = queue::load(ws, Folder::Queue, "json")?
        .into_iter()
        .partition(|r| r.state == State::Queued);
    let mut summary = FlushSummary {
        waiting: queued.len(),
        held: held.len(),
        ..FlushSummary::default()
    };
    let Some(smtp) = &ws.config.smtp else {
        summary.no_server = true;
        return Ok(summary);
    };
    let due: Vec<Record> = queued
        .into_iter()
        .filter(|r| everything || r.next_attempt_at <= now)
        .collect();
    if due.is_empty() {
        return Ok(summary);
    }
    let server = smtp::Server::new(smtp, &ws.root).map_err(|e| UserError::usage(e.0))?;
    let mut session: Option<smtp::Session> = None;
    let mut cannot_connect: Option<smtp::Failure> = None;
    for waiting in due {
        let Some(mut r) = queue::claim(ws, &waiting.id)? else {
            continue;
        };
        if r.state != State::Queued || (!everything && r.next_attempt_at > now) {
            // Another sender tried it since it was listed (it may even be
            // uncertain now): leave it as that sender left it.
            queue::unclaim(ws, &r)?;
            continue;
        }
        r.state = State::Sending;
        r.stage = Some(Stage::Connecting);
        r.pid = Some(std::process::id());
        r.attempts += 1;
        r.last_attempt_at = Some(self::now(ws));
        queue::save_claimed(ws, &r)?;
        let result = deliver(ws, &server, &mut session, &mut cannot_connect, &mut r);
        settle_attempt(ws, &mut r, result, &mut summary)?;
    }
    if let Some(s) = session {
        s.quit();
    }
    Ok(summary)
}

/// One attempt at one claimed message.
fn deliver(
    ws: &Workspace,
    server: &smtp::Server,
    session: &mut Option<smtp::Session>,
    cannot_connect: &mut Option<smtp::Failure>,
    r: &mut Record,
) -> Result<smtp::Accepted, smtp::SendError> {
    if let Some(f) = cannot_connect {
        return Err(smtp::SendError::NotSent(f.clone()));
    }
    let eml_path = queue::path(ws, Folder::Queue, &r.id, "eml");
    let mut eml = match std::fs::read(&eml_path) {
        Ok(b) => b,
        Err(e) => {
            return Err(smtp::SendError::NotSent(smtp::Failure::Broken {
                detail: format!("无法读取邮件文件 {}：{e}", eml_path.display()),
            }));
        }
    };
    let from = server.from.address.to_string();
    if r.from != from {
        // Written before `[smtp] from` was set (or changed): the sender the
        // server expects goes in, and the file keeps what is sent.
        eml = mime::replace_from(&eml, &server.from);
        if let Err(e) = fsx::write_atomic(&eml_path, &eml) {
            return Err(smtp::SendError::NotSent(smtp::Failure::Broken {
                detail: crate::error::chain(&e),
            }));
        }
        r.from = from;
    }
    let mut to = Vec::new();
    let mut bad = Vec::new();
    for rcpt in r.pending_recipients() {
        match mime::parse_address(&rcpt) {
            Ok(a) => to.push(a),
            Err(e) => bad.push((rcpt, e)),
        }
    }
    if to.is_empty() {
        return Err(smtp::SendError::NotSent(smtp::Failure::RecipientsRefused {
            refused: bad,
        }));
    }
    if session.as_mut().is_some_and(|s| !s.usable()) {
        *session = None;
    }
    let s = match session {
        Some(s) => s,
        None => match server.connect() {
            Ok(s) => session.insert(s),
            Err(f) => {
                *cannot_connect = Some(f.clone());
                return Err(smtp::SendError::NotSent(f));
            }
        },
    };
    let mut claimed = r.clone();
    let result = s.send(&server.from.address, &to, &eml, || {
        claimed.stage = Some(Stage::Data);
        queue::save_claimed(ws, &claimed)
    });
    r.stage = claimed.stage;
    result.map(|mut a| {
        a.refused.extend(bad);
        a
    })
}

/// Record how an attempt ended and move the message where it belongs.
fn settle_attempt(
    ws: &Workspace,
    r: &mut Record,
    result: Result<smtp::Accepted, smtp::SendError>,
    summary: &mut FlushSummary,
) -> Result<()> {
    let now = now(ws);
    match result {
        Ok(accepted) => {
            r.delivered_to.extend(accepted.accepted.iter().cloned());
            r.server_reply = Some(accepted.reply.clone());
            if accepted.refused.is_empty() {
                r.state = State::Sent;
                r.stage = None;
                r.sent_at = Some(now);
                r.last_error = None;
                // The acknowledgement is on disk before anything moves (the
                // claimant's pid stays, so no other sender finishes the move
                // while this one does).
                queue::finish(ws, r, Folder::Sent)?;
                tracing::info!(id = %r.id, reply = %accepted.reply, "message delivered");
                summary.delivered.push(delivery(r, accepted.reply));
                return Ok(());
            }
            let failure = smtp::Failure::RecipientsRefused {
                refused: accepted.refused,
            };
            retry_later(ws, r, failure.to_string(), now, summary)
        }
        Err(smtp::SendError::NotSent(failure)) => {
            retry_later(ws, r, failure.to_string(), now, summary)
        }
        Err(smtp::SendError::Unknown(failure)) => {
            r.pid = None;
            r.state = State::Uncertain;
            r.stage = None;
            let detail = format!("{failure}。邮件内容已发出但没有收到服务器确认，不能确定是否送达");
            r.last_error = Some(detail.clone());
            queue::unclaim(ws, r)?;
            tracing::warn!(id = %r.id, error = %failure, "delivery outcome unknown; held as uncertain");
            summary.uncertain.push(delivery(r, detail));
            Ok(())
        }
    }
}

fn retry_later(
    ws: &Workspace,
    r: &mut Record,
    error: String,
    now: DateTime<FixedOffset>,
    summary: &mut FlushSummary,
) -> Result<()> {
    r.stage = None;
    r.pid = None;
    r.last_error = Some(error.clone());
    let mail = &ws.config.mail;
    if r.attempts >= mail.max_attempts.max(1) {
        r.state = State::Failed;
        queue::finish(ws, r, Folder::Failed)?;
        tracing::error!(id = %r.id, attempts = r.attempts, error = %error, "giving up on a message; moved to outbox/mail/failed");
        summary.failed.push(delivery(r, error));
        return Ok(());
    }
    r.state = State::Queued;
    r.next_attempt_at = now + retry_delay(mail.first_retry_secs, r.attempts);
    queue::unclaim(ws, r)?;
    tracing::info!(id = %r.id, attempts = r.attempts, error = %error, "delivery failed; will retry");
    summary.deferred.push(delivery(r, error));
    Ok(())
}

/// The wait after the `attempts`-th failed attempt: `first_secs`, doubling
/// each time (capped at about a year).
fn retry_delay(first_secs: u64, attempts: u32) -> chrono::Duration {
    let exponent = attempts.saturating_sub(1).min(20);
    let secs = first_secs
        .saturating_mul(1u64 << exponent)
        .min(366 * 24 * 3600);
    chrono::Duration::seconds(secs as i64)
}

/// How many messages wait, are held or failed (for `status`).
pub fn pending(ws: &Workspace) -> Result<QueueCounts> {
    queue::counts(ws)
}

// ------------------------------------------------------------ reminders ---

/// What `remind` did.
#[derive(Debug, Clone, Serialize)]
pub struct RemindSummary {
    pub period: Period,
    pub deadline: NaiveDate,
    /// Departments with an accepted return.
    pub reported: usize,
    pub departments: usize,
    /// Reminders queued (or found queued or sent today already).
    pub reminded: Vec<Reminded>,
    /// Departments that have not reported and have no email: phone them.
    pub no_email: Vec<NoEmail>,
    /// Departments whose reminder could not be made, and why.
    pub problems: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Reminded {
    pub department: String,
    pub queued: Queued,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoEmail {
    pub department: String,
    pub contact: Option<String>,
    pub phone: Option<String>,
}

/// Queue a reminder, with the department's form attached (issued first if
/// missing) and the deadline, to each department with an email that has
/// no accepted return for `period`. The reminder names today's date, so a
/// second run on the same day sends nothing new.
pub fn remind(ws: &Workspace, period: Period) -> Result<RemindSummary> {
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
    let view = crate::status::view(ws, &ledger, period)?;
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
        let to = match department_recipients(ws, &d.name) {
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
        let rejected = d.verdict.as_deref() == Some("rejected");
        match reminder(
            ws, &ledger, &templates, period, &d.name, to, rejected, today,
        ) {
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

#[allow(clippy::too_many_arguments)]
fn reminder(
    ws: &Workspace,
    ledger: &Ledger,
    templates: &Templates,
    period: Period,
    department: &str,
    to: Vec<Mailbox>,
    rejected: bool,
    today: NaiveDate,
) -> Result<Queued> {
    let form = ws
        .forms_dir(period)
        .join(crate::form::file_name(period, department));
    if !form.is_file() {
        crate::form::issue(ws, period, &[department], |_, dept, p| {
            crate::form::prefill_from(ledger, dept, p)
        })?;
    }
    let deadline = period.deadline(ws.config.plan.deadline_day);
    let overdue = today > deadline;
    let form_name = form
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = templates.render(
        "reminder.txt",
        serde_json::json!({
            "plan": ws.catalog.plan.name,
            "issuer": ws.catalog.plan.issuer,
            "office": ws.catalog.working_group.office,
            "department": department,
            "period": period.chinese(),
            "deadline": chinese_date(deadline),
            "today": chinese_date(today),
            "days_left": (deadline - today).num_days(),
            "overdue": overdue,
            "rejected": rejected,
            "form": form_name,
        }),
    )?;
    let subject = if overdue {
        format!(
            "【催报】{}{}进展情况报送已逾期，请尽快报送",
            ws.catalog.plan.name,
            period.chinese()
        )
    } else {
        format!(
            "【催报】请于{}前报送{}{}进展情况",
            chinese_date(deadline),
            ws.catalog.plan.name,
            period.chinese()
        )
    };
    enqueue(
        ws,
        Outgoing {
            kind: Kind::Reminder,
            period: Some(period),
            to,
            subject,
            text,
            html: None,
            attachments: vec![form],
        },
    )
}

fn chinese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// `minsheng remind [--period P]`: queue the reminders, try to deliver
/// them, and say who was reminded and whom to phone.
pub fn remind_command(ws: &Workspace, period: Option<&str>) -> Result<()> {
    let period = crate::app::period_arg(ws, period)?;
    let summary = remind(ws, period)?;
    crate::app::print_text(&render_reminders(ws, &summary))?;
    let mut failed = !summary.problems.is_empty();
    if !summary.reminded.is_empty() {
        match flush(ws) {
            Ok(f) => {
                crate::app::print_text(&f.render())?;
                failed |= !f.all_delivered();
            }
            Err(e) => {
                return Err(e.context("催报邮件已放入发信队列，但未能发送"));
            }
        }
    }
    if failed {
        return Err(ItemsFailed.into());
    }
    Ok(())
}

fn render_reminders(ws: &Workspace, summary: &RemindSummary) -> String {
    let mut out = format!(
        "{} {} 报送截止 {}，已报送 {} / {} 个单位。\n",
        ws.catalog.plan.name,
        summary.period.chinese(),
        chinese_date(summary.deadline),
        summary.reported,
        summary.departments
    );
    if summary.reminded.is_empty() && summary.no_email.is_empty() && summary.problems.is_empty() {
        out.push_str("所有单位均已报送，无需催报。\n");
    }
    if !summary.reminded.is_empty() {
        out.push_str(&format!("已催报 {} 个单位：\n", summary.reminded.len()));
        for r in &summary.reminded {
            let how = match r.queued.outcome {
                Enqueued::New | Enqueued::Requeued => "催报邮件已放入发信队列",
                Enqueued::AlreadyQueued => "今天的催报邮件已在发信队列中",
                Enqueued::AlreadySent => "今天已发过催报邮件，未重复发送",
            };
            out.push_str(&format!(
                "  {} → {}（{how}）\n",
                r.department,
                r.queued.recipients.join(", ")
            ));
        }
    }
    if !summary.no_email.is_empty() {
        out.push_str(&format!(
            "以下 {} 个单位未报送且未配置邮箱，请电话催报：\n",
            summary.no_email.len()
        ));
        let mut unknown = Vec::new();
        for n in &summary.no_email {
            if n.contact.is_none() && n.phone.is_none() {
                unknown.push(n.department.as_str());
                continue;
            }
            let mut line = format!("  {}", n.department);
            if let Some(c) = &n.contact {
                line.push_str(&format!("  联系人 {c}"));
            }
            if let Some(p) = &n.phone {
                line.push_str(&format!("  电话 {p}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
        if !unknown.is_empty() {
            out.push_str(&format!("  未登记联系人：{}\n", unknown.join("、")));
        }
    }
    for (dept, why) in &summary.problems {
        out.push_str(&format!("  {dept}：催报邮件未能生成：{why}\n"));
    }
    out
}

// ------------------------------------------------------------- commands ---

/// `minsheng mail flush|list|test|release`.
pub fn command(ws: &Workspace, action: &MailAction) -> Result<()> {
    match action {
        MailAction::Flush => {
            let summary = flush_all(ws)?;
            if summary.no_server {
                return Err(UserError::usage(summary.render().trim_end().to_string()).into());
            }
            crate::app::print_text(&summary.render())?;
            if summary.all_delivered() {
                Ok(())
            } else {
                Err(ItemsFailed.into())
            }
        }
        MailAction::List => crate::app::print_text(&list(ws)?),
        MailAction::Test { address } => test_mail(ws, address),
        MailAction::Release { id, delivered } => {
            let message = release(ws, id, *delivered)?;
            crate::app::print_text(&format!("{message}\n"))
        }
    }
}

/// `mail list`: what waits, what is held, what failed, what went out.
fn list(ws: &Workspace) -> Result<String> {
    let queue = queue::load(ws, Folder::Queue, "json")?;
    let sending = queue::load(ws, Folder::Queue, "sending")?;
    let failed = queue::load(ws, Folder::Failed, "json")?;
    let sent = queue::load(ws, Folder::Sent, "json")?;
    let tz = ws.catalog.tz;
    let at = |t: DateTime<FixedOffset>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let entry = |r: &Record| {
        format!(
            "  {}\n    {}  {}\n    收件人：{}\n",
            r.id,
            pad(r.kind.chinese(), 8),
            r.subject,
            r.recipients.join(", ")
        )
    };
    let mut out = String::new();
    let waiting: Vec<&Record> = queue
        .iter()
        .filter(|r| r.state == State::Queued)
        .chain(sending.iter())
        .collect();
    out.push_str(&format!("待发送（{} 封）：\n", waiting.len()));
    for r in &waiting {
        out.push_str(&entry(r));
        if r.state == State::Sending {
            out.push_str("    正在发送\n");
        } else if r.attempts > 0 {
            out.push_str(&format!(
                "    已尝试 {} 次，下次 {}；上次失败：{}\n",
                r.attempts,
                at(r.next_attempt_at),
                r.last_error.as_deref().unwrap_or("")
            ));
        } else {
            out.push_str(&format!("    {} 放入队列\n", at(r.queued_at)));
        }
        if !r.delivered_to.is_empty() {
            out.push_str(&format!("    已送达：{}\n", r.delivered_to.join(", ")));
        }
    }
    let held: Vec<&Record> = queue
        .iter()
        .filter(|r| r.state == State::Uncertain)
        .collect();
    out.push_str(&format!(
        "\n待确认（{} 封，不能确定是否送达，暂停发送）：\n",
        held.len()
    ));
    for r in &held {
        out.push_str(&entry(r));
        out.push_str(&format!(
            "    {}\n    核实后：minsheng mail release {} 重发，或 minsheng mail release {} --delivered 记为已送达\n",
            r.last_error.as_deref().unwrap_or(""),
            r.id,
            r.id
        ));
    }
    out.push_str(&format!("\n发送失败（{} 封）：\n", failed.len()));
    for r in &failed {
        out.push_str(&entry(r));
        out.push_str(&format!(
            "    尝试 {} 次后放弃：{}\n    重新发送：minsheng mail release {}\n",
            r.attempts,
            r.last_error.as_deref().unwrap_or(""),
            r.id
        ));
    }
    out.push_str(&format!("\n已发送（{} 封）：\n", sent.len()));
    for r in sent.iter().rev() {
        out.push_str(&entry(r));
        out.push_str(&format!(
            "    {} 发送{}\n",
            r.sent_at.map(at).unwrap_or_default(),
            r.note
                .as_deref()
                .map(|n| format!("（{n}）"))
                .unwrap_or_default()
        ));
    }
    Ok(out)
}

/// `mail release ID [--delivered]`: send an uncertain or failed message
/// again, or record that it arrived.
pub fn release(ws: &Workspace, id: &str, delivered: bool) -> Result<String> {
    let id = resolve_id(ws, id)?;
    let Some((folder, mut r)) = queue::locate(ws, &id) else {
        return Err(UserError::usage(format!("找不到编号为 {id} 的邮件")).into());
    };
    let stamp = now(ws);
    let when = stamp.format("%Y-%m-%d %H:%M");
    match (folder, r.state) {
        (Folder::Queue, State::Uncertain) | (Folder::Failed, _) if delivered => {
            r.state = State::Sent;
            r.sent_at = Some(stamp);
            r.delivered_to = r.recipients.clone();
            r.note = Some(format!("{when} 办公室确认已送达"));
            queue::settle(ws, &r, folder, Folder::Sent)?;
            Ok(format!("已记为送达，不再发送：{}（{}）", r.id, r.subject))
        }
        (Folder::Queue, State::Uncertain) | (Folder::Failed, _) => {
            if folder == Folder::Failed {
                r.attempts = 0;
            }
            r.state = State::Queued;
            r.next_attempt_at = stamp;
            r.note = Some(format!("{when} 办公室放行重发"));
            queue::requeue(ws, &r, folder)?;
            Ok(format!(
                "已放回发信队列：{}（{}）。运行 minsheng mail flush 立即发送，或等值守程序发送",
                r.id, r.subject
            ))
        }
        (Folder::Sent, _) => Err(UserError::usage(format!(
            "邮件 {id} 已经发送过，无需处理"
        ))
        .into()),
        _ => Err(UserError::usage(format!(
            "邮件 {id} 正在发送队列中等待，无需放行（mail release 只用于“待确认”或“发送失败”的邮件）"
        ))
        .into()),
    }
}

/// The full id for what the office typed: the id, or a part of it that
/// names one message that is held or failed.
fn resolve_id(ws: &Workspace, typed: &str) -> Result<String> {
    let typed = typed.trim();
    if queue::locate(ws, typed).is_some() {
        return Ok(typed.to_string());
    }
    let mut matches: Vec<String> = queue::load(ws, Folder::Queue, "json")?
        .into_iter()
        .chain(queue::load(ws, Folder::Failed, "json")?)
        .map(|r| r.id)
        .filter(|id| !typed.is_empty() && id.contains(typed))
        .collect();
    matches.dedup();
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(UserError::usage(format!(
            "找不到编号为 {typed} 的邮件（编号见 minsheng mail list）"
        ))
        .into()),
        _ => Err(UserError::usage(format!(
            "编号 {typed} 对应多封邮件：{}，请写完整编号",
            matches.join("、")
        ))
        .into()),
    }
}

/// `mail test ADDRESS`: a short message sent at once, not queued, so the
/// office learns of a login or spam problem before a bulletin is due.
fn test_mail(ws: &Workspace, address: &str) -> Result<()> {
    let Some(smtp) = &ws.config.smtp else {
        return Err(UserError::usage(
            "未配置发信服务器：请先在 minsheng.toml 中填写 [smtp]（host、port、security、username、from），密码放在 password_env 指定的环境变量里",
        )
        .into());
    };
    let to_address = mime::parse_address(address).map_err(UserError::usage)?;
    let server = smtp::Server::new(smtp, &ws.root).map_err(|e| UserError::usage(e.0))?;
    let now = now(ws);
    let templates = Templates::load(&ws.root)?;
    let text = templates.render(
        "test-mail.txt",
        serde_json::json!({
            "plan": ws.catalog.plan.name,
            "issuer": ws.catalog.plan.issuer,
            "server": server.name(),
            "from": server.from.address.to_string(),
            "to": to_address.to_string(),
            "time": now.format("%Y-%m-%d %H:%M:%S").to_string(),
        }),
    )?;
    let subject = format!("【测试邮件】{}发信测试", ws.catalog.plan.name);
    let to = [Mailbox::new("", to_address.clone())];
    let eml = mime::compose(&mime::Draft {
        from: &server.from,
        to: &to,
        subject: &subject,
        text: &text,
        html: None,
        attachments: &[],
        period: None,
        kind: Kind::Test.as_str(),
        date: now.to_rfc2822(),
        message_id: message_id(&server.from, now),
    });
    let mut session = server
        .connect()
        .map_err(|f| anyhow::anyhow!("测试邮件未能发出：{f}"))?;
    let result = session.send(&server.from.address, &[to_address], &eml, || Ok(()));
    session.quit();
    match result {
        Ok(a) => crate::app::print_text(&format!(
            "测试邮件已发出：{} → {}，服务器 {} 回复“{}”。请到收件箱查收（也看看垃圾邮件箱）。\n",
            server.from.address,
            address.trim(),
            server.name(),
            a.reply
        )),
        Err(smtp::SendError::NotSent(f)) => Err(anyhow::anyhow!("测试邮件未能发出：{f}")),
        Err(smtp::SendError::Unknown(f)) => Err(anyhow::anyhow!(
            "测试邮件已发出，但没有收到服务器确认，不能确定是否送达：{f}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, content) in parts {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(content.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn an_office_file_built_again_hashes_the_same() {
        let a = zip(&[
            (
                "docProps/core.xml",
                "<created>2024-04-01T09:00:00Z</created>",
            ),
            ("xl/workbook.xml", "<workbook/>"),
        ]);
        let b = zip(&[
            (
                "docProps/core.xml",
                "<created>2024-04-01T09:00:07Z</created>",
            ),
            ("xl/workbook.xml", "<workbook/>"),
        ]);
        let c = zip(&[
            (
                "docProps/core.xml",
                "<created>2024-04-01T09:00:00Z</created>",
            ),
            ("xl/workbook.xml", "<workbook changed=\"1\"/>"),
        ]);
        assert_ne!(a, b);
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&c));
        assert_ne!(
            content_hash(b"PK not a zip"),
            content_hash(b"PK not a zip!")
        );
    }

    #[test]
    fn retries_double_and_the_default_eight_attempts_span_about_a_day() {
        assert_eq!(retry_delay(720, 1).num_minutes(), 12);
        assert_eq!(retry_delay(720, 2).num_minutes(), 24);
        assert_eq!(retry_delay(720, 7).num_minutes(), 768);
        let d = crate::config::MailConfig::default();
        let span: i64 = (1..d.max_attempts)
            .map(|n| retry_delay(d.first_retry_secs, n).num_minutes())
            .sum();
        assert!((22 * 60..=28 * 60).contains(&span), "{span} minutes");
        assert_eq!(retry_delay(u64::MAX, 99).num_days(), 366);
    }
}
