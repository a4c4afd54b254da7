//! Delivery: the recipients that are due go out over one SMTP session,
//! each message claimed in the queue first, the recipients the server took
//! marked before DATA so a crash in the middle leaves them `uncertain`
//! rather than sent twice. The server's answer decides each recipient: a
//! 5xx reply gives it up at once (to RCPT TO: that recipient; to MAIL FROM,
//! DATA or the data: every recipient still waiting), a 4xx reply, a timeout
//! or a connection lost during its transaction waits with a doubling
//! backoff until `[mail] max_attempts`. A server that cannot be reached or
//! will not let us in is no message's fault: delivery pauses (see
//! [`super::pause`]) and no attempt is counted. Times are the plan's clock.

use super::compose::configured;
use super::enqueue::{Queued, now};
use super::mime;
use super::pause::{self, Pause};
use super::queue::{self, Folder, GaveUp, RcptState, Record, Stage, State};
use super::reply::{Meaning, Reply};
use super::smtp::{self, Failure, Fault, SendError, Unreachable};
use crate::config::MailConfig;
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

/// What one flush did, recipient by recipient, grouped by message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FlushSummary {
    /// No `[smtp]`: nothing was tried.
    pub(crate) no_server: bool,
    /// What the command put in the queue before the flush (`report --send`).
    pub(crate) queued: Vec<Queued>,
    /// Messages waiting in the queue before the flush.
    pub(crate) waiting: usize,
    /// Messages held as uncertain (not tried; the office decides).
    pub(crate) held: usize,
    /// Messages another sender was delivering meanwhile.
    pub(crate) busy: usize,
    pub(crate) delivered: Vec<Delivery>,
    /// Not delivered this time; tried again later.
    pub(crate) deferred: Vec<Delivery>,
    /// Sent without an answer: held until the office releases them.
    pub(crate) uncertain: Vec<Delivery>,
    /// Given up now: refused by the server, or out of attempts.
    pub(crate) failed: Vec<Delivery>,
    /// Removed from `minsheng.toml` while waiting: not sent.
    pub(crate) dropped: Vec<Delivery>,
    /// Waiting for a retry time that has not come: not tried now.
    pub(crate) later: Vec<Delivery>,
    /// Messages that nobody got, moved to `failed/` by this flush.
    pub(crate) moved_to_failed: Vec<String>,
    /// Delivery is paused by a fault of the setup.
    pub(crate) paused: Option<Pause>,
    /// When the flush ran (the plan's clock).
    pub(crate) at: Option<DateTime<FixedOffset>>,
}

/// Some recipients of one message and what happened to them.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    pub(crate) id: String,
    pub(crate) subject: String,
    pub(crate) recipients: Vec<String>,
    /// The server's reply when delivered, else what went wrong in Chinese.
    pub(crate) detail: String,
    /// The server's reply line, where there was one.
    pub(crate) reply: Option<String>,
    /// What a refusal likely means.
    pub(crate) meaning: Option<Meaning>,
    /// Attempts made at these recipients.
    pub(crate) attempts: u32,
    pub(crate) next_attempt_at: Option<DateTime<FixedOffset>>,
}

impl FlushSummary {
    /// Every recipient tried was delivered.
    pub(crate) fn all_delivered(&self) -> bool {
        self.deferred.is_empty()
            && self.uncertain.is_empty()
            && self.failed.is_empty()
            && self.paused.is_none()
    }

    /// Nothing is left for the office to look at: every recipient tried was
    /// delivered, delivery is not paused, and nothing is held as uncertain.
    pub(crate) fn settled(&self) -> bool {
        self.all_delivered() && self.held == 0
    }
}

/// What became of one recipient in one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Delivered,
    Deferred,
    Uncertain,
    Failed,
}

/// One recipient's outcome, before grouping.
struct Event {
    outcome: Outcome,
    address: String,
    detail: String,
    reply: Option<String>,
    meaning: Option<Meaning>,
    attempts: u32,
    next_try: Option<DateTime<FixedOffset>>,
}

/// Add one message's events to `list`, one entry per outcome and detail.
fn group(r: &Record, events: &[Event], outcome: Outcome, list: &mut Vec<Delivery>) {
    for e in events.iter().filter(|e| e.outcome == outcome) {
        match list
            .iter_mut()
            .find(|d| d.id == r.id && d.detail == e.detail && d.reply == e.reply)
        {
            Some(d) => {
                d.recipients.push(e.address.clone());
                d.attempts = d.attempts.max(e.attempts);
                d.next_attempt_at = d.next_attempt_at.min(e.next_try).or(e.next_try);
            }
            None => list.push(Delivery {
                id: r.id.clone(),
                subject: r.subject.clone(),
                recipients: vec![e.address.clone()],
                detail: e.detail.clone(),
                reply: e.reply.clone(),
                meaning: e.meaning,
                attempts: e.attempts,
                next_attempt_at: e.next_try,
            }),
        }
    }
}

/// Deliver the recipients that are due (the daemon's minute job,
/// `report --send`, `remind`). Those waiting for a retry keep waiting.
pub fn flush(ws: &Workspace) -> Result<FlushSummary> {
    flush_with(ws, false)
}

/// Deliver to every waiting recipient now, retry times or not (`mail flush`).
pub fn flush_all(ws: &Workspace) -> Result<FlushSummary> {
    flush_with(ws, true)
}

/// How long a live sender may hold a claim before it is taken as hung.
pub(super) fn stale_secs(ws: &Workspace) -> i64 {
    let timeout = ws.config.smtp.as_ref().map_or(30, |s| s.timeout_secs) as i64;
    (timeout * 10).max(600)
}

/// What every command that opens the queue does first: the claims of
/// senders that died are finished (a delivery a crash interrupted shows as
/// `uncertain` at once), and recipients removed from `minsheng.toml` are
/// dropped from the messages still waiting. `own_claims_stale`: this
/// process is not delivering now, so a claim in its name is left over.
pub(super) fn open(ws: &Workspace, own_claims_stale: bool) -> Result<Vec<Delivery>> {
    let now = now(ws);
    queue::recover(ws, now, stale_secs(ws), own_claims_stale)?;
    let mut dropped = Vec::new();
    for waiting in queue::load(ws, Folder::Queue, "json")? {
        if removed(ws, &waiting).is_empty() {
            continue;
        }
        let Some(mut r) = queue::claim(ws, &waiting.id)? else {
            continue;
        };
        let gone = drop_removed(ws, &mut r, now);
        if gone.is_empty() {
            queue::unclaim(ws, &r)?;
            continue;
        }
        let mut events = Vec::new();
        for address in &gone {
            if let Some(rcpt) = r.recipient_mut(address) {
                events.push(Event {
                    outcome: Outcome::Failed,
                    address: address.clone(),
                    detail: "已从 minsheng.toml 中删除，不再发送".to_string(),
                    reply: None,
                    meaning: None,
                    attempts: rcpt.attempts,
                    next_try: None,
                });
            }
        }
        tracing::warn!(id = %r.id, recipients = ?gone, "recipients removed from the configuration; dropped from a waiting message");
        let to = r.settle_state(now);
        queue::release_claim(ws, &r, to)?;
        group(&r, &events, Outcome::Failed, &mut dropped);
    }
    Ok(dropped)
}

/// Give up the waiting recipients of `r` that `minsheng.toml` no longer
/// names (in memory; the caller writes or only shows it), and name them.
pub(super) fn drop_removed(
    ws: &Workspace,
    r: &mut Record,
    now: DateTime<FixedOffset>,
) -> Vec<String> {
    let gone = removed(ws, r);
    for address in &gone {
        if let Some(x) = r.recipient_mut(address) {
            x.give_up(GaveUp::Removed, Some(queue::REMOVED.to_string()), now);
        }
    }
    gone
}

/// The waiting recipients of `r` that `minsheng.toml` no longer names.
fn removed(ws: &Workspace, r: &Record) -> Vec<String> {
    let Some(known) = configured(ws, r.kind, r.department.as_deref()) else {
        return Vec::new();
    };
    r.recipients
        .iter()
        .filter(|x| x.state.pending() && !known.contains(&x.address.to_lowercase()))
        .map(|x| x.address.clone())
        .collect()
}

fn flush_with(ws: &Workspace, everything: bool) -> Result<FlushSummary> {
    let _one_at_a_time = FLUSH.lock().unwrap_or_else(|e| e.into_inner());
    let dropped = open(ws, true)?;
    let now = now(ws);
    let all = queue::load(ws, Folder::Queue, "json")?;
    let mut summary = FlushSummary {
        waiting: all.iter().filter(|r| r.state == State::Queued).count(),
        held: all.iter().filter(|r| r.state == State::Uncertain).count(),
        busy: queue::load(ws, Folder::Queue, "sending")?.len(),
        dropped,
        ..FlushSummary::default()
    };
    let (due, later): (Vec<Record>, Vec<Record>) = all
        .into_iter()
        .filter(|r| r.state == State::Queued)
        .partition(|r| r.due(now, everything));
    let Some(smtp) = &ws.config.smtp else {
        summary.no_server = true;
        return Ok(summary);
    };
    summary.at = Some(now);
    for r in &later {
        let events: Vec<Event> = r
            .recipients
            .iter()
            .filter(|x| x.state == RcptState::Retry)
            .map(|x| event(Outcome::Deferred, x, String::new(), x.reply.as_ref()))
            .collect();
        group(r, &events, Outcome::Deferred, &mut summary.later);
    }
    // While paused, a flush with nothing due still tries the server, so
    // that the pause ends once the setup is fixed.
    if due.is_empty() && pause::pause_state(ws).is_none() {
        return Ok(summary);
    }
    let server = match smtp::Server::new(smtp, &ws.root) {
        Ok(s) => s,
        Err(e) => {
            let fault = Fault::Config { detail: e.0 };
            summary.paused = Some(pause::record(ws, fault.into(), smtp, now)?);
            return Ok(summary);
        }
    };
    let mut link = Link {
        server: &server,
        session: None,
    };
    if due.is_empty()
        && let Err(fault) = link.ready(ws)
    {
        summary.paused = Some(pause::record(ws, fault, smtp, now)?);
    }
    for waiting in due {
        let session = match link.ready(ws) {
            Ok(s) => s,
            Err(fault) => {
                summary.paused = Some(pause::record(ws, fault, smtp, now)?);
                break;
            }
        };
        let Some(mut r) = queue::claim(ws, &waiting.id)? else {
            summary.busy += 1;
            continue;
        };
        if r.state != State::Queued || !r.due(now, everything) {
            // Another sender tried it since it was listed (it may even be
            // uncertain now): leave it as that sender left it.
            queue::unclaim(ws, &r)?;
            continue;
        }
        attempt(ws, &server, session, &mut r, everything, &mut summary)?;
    }
    if let Some(s) = link.session {
        s.quit();
    }
    Ok(summary)
}

/// The server and the open session, connected again when the server
/// dropped it between two messages.
struct Link<'a> {
    server: &'a smtp::Server,
    session: Option<smtp::Session>,
}

impl Link<'_> {
    /// A session ready for the next message; the first one made ends a
    /// pause.
    fn ready(&mut self, ws: &Workspace) -> Result<&mut smtp::Session, Unreachable> {
        if self.session.as_mut().is_some_and(|s| !s.usable()) {
            self.session = None;
        }
        if self.session.is_none() {
            let s = self.server.connect()?;
            if let Err(e) = pause::clear(ws) {
                tracing::error!(error = %crate::error::chain(&e), "cannot end the mail pause");
            }
            self.session = Some(s);
        }
        self.session
            .as_mut()
            .ok_or_else(|| Unreachable::from(Fault::Other))
    }
}

/// One attempt at the due recipients of one claimed message, and the
/// message put where it belongs after it.
fn attempt(
    ws: &Workspace,
    server: &smtp::Server,
    session: &mut smtp::Session,
    r: &mut Record,
    everything: bool,
    summary: &mut FlushSummary,
) -> Result<()> {
    let now = now(ws);
    let mail = &ws.config.mail;
    let due: Vec<String> = r
        .recipients
        .iter()
        .filter(|x| x.due(now, everything))
        .map(|x| x.address.clone())
        .collect();
    r.state = State::Sending;
    r.stage = Some(Stage::Connecting);
    r.pid = Some(std::process::id());
    r.attempts += 1;
    r.last_attempt_at = Some(now);
    for x in r.recipients.iter_mut().filter(|x| due.contains(&x.address)) {
        x.attempts += 1;
    }
    queue::save_claimed(ws, r)?;

    let mut events = Vec::new();
    let mut to = Vec::new();
    for address in &due {
        match mime::parse_address(address) {
            Ok(a) => to.push(a),
            Err(e) => {
                if let Some(x) = r.recipient_mut(address) {
                    x.give_up(GaveUp::Refused, None, now);
                    events.push(event(Outcome::Failed, x, e, None));
                }
            }
        }
    }
    let addresses: Vec<String> = to.iter().map(|a| a.to_string()).collect();
    let mut message_id = None;
    let transaction = if to.is_empty() {
        None
    } else {
        Some(match prepare(ws, server, r) {
            Err(f) => not_sent(f),
            Ok(eml) => {
                message_id = mime::message_id(&eml);
                let mut claimed = r.clone();
                session.send(&server.from.address, &to, &eml, |accepted, refused| {
                    // From here on the accepted may get it whatever
                    // happens to this process.
                    apply_refused(&mut claimed, refused, mail, now);
                    for a in accepted {
                        if let Some(x) = claimed.recipient_mut(a) {
                            x.state = RcptState::Uncertain;
                        }
                    }
                    claimed.stage = Some(Stage::Data);
                    queue::save_claimed(ws, &claimed)
                })
            }
        })
    };
    let mut errors = Vec::new();
    if let Some(t) = transaction {
        events.extend(apply_refused(r, &t.refused, mail, now));
        if !t.refused.is_empty() {
            errors.push(refused_text(&t.refused));
        }
        match t.outcome {
            Ok(reply) => {
                for a in &t.accepted {
                    if let Some(x) = r.recipient_mut(a) {
                        x.sent(Some(reply.clone()), now);
                        events.push(event(Outcome::Delivered, x, reply.clone(), Some(&reply)));
                    }
                }
                r.server_reply = Some(reply.clone());
                tracing::info!(id = %r.id, recipients = ?t.accepted, reply = %reply, "message delivered");
            }
            Err(SendError::NotSent(Failure::RecipientsRefused { .. })) => {}
            Err(SendError::NotSent(f)) if f.permanent() => {
                let reply = f.reply().map(|x| x.line.clone());
                let meaning = f.reply().map(Reply::meaning);
                let detail = f.to_string();
                tracing::info!(id = %r.id, reply = ?reply, "the server refused the message for good; giving up its waiting recipients");
                for x in r.recipients.iter_mut().filter(|x| x.state.pending()) {
                    x.give_up(GaveUp::Refused, reply.clone(), now);
                    let mut e = event(Outcome::Failed, x, detail.clone(), reply.as_ref());
                    e.meaning = meaning;
                    events.push(e);
                }
                errors.push(detail);
            }
            Err(SendError::NotSent(f)) => {
                let refused: Vec<&String> = t.refused.iter().map(|(a, _)| a).collect();
                for address in addresses.iter().filter(|a| !refused.contains(a)) {
                    if let Some(x) = r.recipient_mut(address) {
                        events.push(transient(x, &f.to_string(), f.reply(), mail, now));
                    }
                }
                tracing::info!(id = %r.id, error = %f, "delivery failed; will retry");
                errors.push(f.to_string());
            }
            Err(SendError::Unknown(f)) => {
                let detail = format!(
                    "{f}。{}",
                    queue::uncertain_text(message_id.as_deref(), &server.name(), now)
                );
                for a in &t.accepted {
                    if let Some(x) = r.recipient_mut(a) {
                        x.state = RcptState::Uncertain;
                        events.push(event(Outcome::Uncertain, x, detail.clone(), None));
                    }
                }
                tracing::warn!(id = %r.id, error = %f, "delivery outcome unknown; held as uncertain");
                errors.push(detail);
            }
        }
    }
    for e in events.iter().filter(|e| e.outcome == Outcome::Failed) {
        tracing::info!(id = %r.id, recipient = %e.address, reply = ?e.reply, "recipient given up");
    }
    r.last_error = (!errors.is_empty()).then(|| errors.join("；"));
    let folder = r.settle_state(now);
    queue::release_claim(ws, r, folder)?;
    if folder == Some(Folder::Failed) {
        tracing::error!(id = %r.id, "nobody got the message; moved to outbox/mail/failed");
        summary.moved_to_failed.push(r.id.clone());
    }
    group(r, &events, Outcome::Delivered, &mut summary.delivered);
    group(r, &events, Outcome::Deferred, &mut summary.deferred);
    group(r, &events, Outcome::Uncertain, &mut summary.uncertain);
    group(r, &events, Outcome::Failed, &mut summary.failed);
    let waiting: Vec<Event> = r
        .recipients
        .iter()
        .filter(|x| x.state == RcptState::Retry && !due.contains(&x.address))
        .map(|x| event(Outcome::Deferred, x, String::new(), x.reply.as_ref()))
        .collect();
    group(r, &waiting, Outcome::Deferred, &mut summary.later);
    Ok(())
}

/// A transaction that never started.
fn not_sent(f: Failure) -> smtp::Transaction {
    smtp::Transaction {
        accepted: Vec::new(),
        refused: Vec::new(),
        outcome: Err(SendError::NotSent(f)),
    }
}

/// The message's bytes, with the sender the server expects.
fn prepare(ws: &Workspace, server: &smtp::Server, r: &mut Record) -> Result<Vec<u8>, Failure> {
    let eml_path = queue::path(ws, Folder::Queue, &r.id, "eml");
    let eml = std::fs::read(&eml_path).map_err(|e| {
        tracing::error!(file = %eml_path.display(), error = %e, "cannot read a queued message");
        Failure::Local {
            detail: format!("无法读取邮件文件 {}", eml_path.display()),
        }
    })?;
    let from = server.from.address.to_string();
    if r.from == from {
        return Ok(eml);
    }
    // Written before `[smtp] from` was set (or changed): the sender the
    // server expects goes in, and the file keeps what is sent.
    let eml = mime::replace_from(&eml, &server.from);
    fsx::write_atomic(&eml_path, &eml).map_err(|e| {
        tracing::error!(file = %eml_path.display(), error = %crate::error::chain(&e), "cannot rewrite a queued message");
        Failure::Local {
            detail: format!("无法改写邮件文件 {}", eml_path.display()),
        }
    })?;
    r.from = from;
    Ok(eml)
}

fn event(outcome: Outcome, x: &queue::Recipient, detail: String, reply: Option<&String>) -> Event {
    Event {
        outcome,
        address: x.address.clone(),
        detail,
        reply: reply.cloned(),
        meaning: None,
        attempts: x.attempts,
        next_try: x.next_try,
    }
}

/// Recipients refused at RCPT TO: a 5xx gives each up, a 4xx waits.
fn apply_refused(
    r: &mut Record,
    refused: &[(String, Reply)],
    mail: &MailConfig,
    now: DateTime<FixedOffset>,
) -> Vec<Event> {
    let mut events = Vec::new();
    for (address, reply) in refused {
        let Some(x) = r.recipient_mut(address) else {
            continue;
        };
        if reply.permanent() {
            let m = reply.meaning();
            x.give_up(GaveUp::Refused, Some(reply.line.clone()), now);
            let detail = format!("服务器回复“{}”：{}。{}", reply.line, m.label(), m.advice());
            let mut e = event(Outcome::Failed, x, detail, Some(&reply.line));
            e.meaning = Some(m);
            events.push(e);
        } else {
            let detail = format!("收件人被服务器拒绝（暂时性错误：{}）", reply.line);
            events.push(transient(x, &detail, Some(reply), mail, now));
        }
    }
    events
}

fn refused_text(refused: &[(String, Reply)]) -> String {
    Failure::RecipientsRefused {
        refused: refused.to_vec(),
    }
    .to_string()
}

/// A temporary failure for one recipient: another try after the backoff,
/// or given up once its attempts are spent.
fn transient(
    x: &mut queue::Recipient,
    detail: &str,
    reply: Option<&Reply>,
    mail: &MailConfig,
    now: DateTime<FixedOffset>,
) -> Event {
    let reply = reply.map(|r| r.line.clone());
    if x.attempts >= mail.max_attempts.max(1) {
        x.give_up(GaveUp::Exhausted, reply.clone(), now);
        let detail = format!("已尝试 {} 次仍未成功，不再重试：{detail}", x.attempts);
        return event(Outcome::Failed, x, detail, reply.as_ref());
    }
    x.state = RcptState::Retry;
    x.next_try = Some(now + retry_delay(mail.first_retry_secs, x.attempts));
    if reply.is_some() {
        x.reply = reply.clone();
    }
    event(Outcome::Deferred, x, detail.to_string(), reply.as_ref())
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

    #[test]
    fn a_refusal_at_rcpt_gives_up_a_5xx_and_retries_a_4xx() {
        let now = DateTime::parse_from_rfc3339("2024-04-03T09:00:00+08:00").unwrap();
        let mail = MailConfig {
            max_attempts: 3,
            first_retry_secs: 60,
        };
        let mk = |attempts: u32| queue::Recipient {
            attempts,
            ..queue::Recipient::new("a@b.cn")
        };
        let record = |attempts| Record {
            version: queue::RECORD_VERSION,
            id: "x".into(),
            key: "k".into(),
            content: None,
            kind: queue::Kind::Bulletin,
            period: None,
            subject: "s".into(),
            from: "f@b.cn".into(),
            department: None,
            recipients: vec![mk(attempts)],
            state: State::Sending,
            queued_at: now,
            attempts,
            next_attempt_at: now,
            last_attempt_at: None,
            last_error: None,
            sent_at: None,
            server_reply: None,
            stage: None,
            pid: None,
            note: None,
        };
        for code in [550, 551, 552, 553, 554, 521, 556] {
            for enhanced in ["", " 5.1.1", " 5.2.2", " 5.7.1"] {
                let line = format!("{code}{enhanced} refused");
                let mut r = record(1);
                let e = apply_refused(
                    &mut r,
                    &[("a@b.cn".into(), Reply::parse(&line).unwrap())],
                    &mail,
                    now,
                );
                assert_eq!(e[0].outcome, Outcome::Failed, "{line}");
                assert_eq!(r.recipients[0].state, RcptState::Failed);
                assert_eq!(r.recipients[0].gave_up, Some(GaveUp::Refused));
                assert_eq!(r.recipients[0].reply.as_deref(), Some(line.as_str()));
            }
        }
        for code in [421, 450, 451, 452, 454] {
            for enhanced in ["", " 4.2.2", " 4.7.1", " 4.4.2"] {
                let line = format!("{code}{enhanced} try later");
                let mut r = record(1);
                let e = apply_refused(
                    &mut r,
                    &[("a@b.cn".into(), Reply::parse(&line).unwrap())],
                    &mail,
                    now,
                );
                assert_eq!(e[0].outcome, Outcome::Deferred, "{line}");
                let x = &r.recipients[0];
                assert_eq!(x.state, RcptState::Retry);
                assert_eq!(x.next_try, Some(now + chrono::Duration::seconds(60)));
                // The last attempt allowed gives it up.
                let mut r = record(3);
                apply_refused(
                    &mut r,
                    &[("a@b.cn".into(), Reply::parse(&line).unwrap())],
                    &mail,
                    now,
                );
                assert_eq!(r.recipients[0].gave_up, Some(GaveUp::Exhausted), "{line}");
            }
        }
    }
}
