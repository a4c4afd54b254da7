//! Delivery: the messages that are due go out over one SMTP session, each
//! claimed in the queue first, its stage saved before DATA so a crash in
//! the middle leaves it `uncertain` rather than sent twice; failures wait
//! with a doubling backoff until `[mail] max_attempts`.

use super::enqueue::now;
use super::mime;
use super::queue::{self, Folder, Record, Stage, State};
use super::smtp;
use crate::error::UserError;
use crate::fsx;
use crate::workspace::Workspace;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use std::sync::Mutex;

/// One flush at a time in this process (the daemon's minute job and a
/// `report --send` in the same process); other processes are kept apart
/// by the queue's claims.
static FLUSH: Mutex<()> = Mutex::new(());

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
        r.last_attempt_at = Some(super::enqueue::now(ws));
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

#[cfg(test)]
mod tests {
    use super::*;

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
