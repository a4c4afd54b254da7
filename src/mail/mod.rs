//! Outgoing mail: bulletins to the leaders, receipts and reminders to the
//! departments. Every message is first written to the queue on disk
//! (`outbox/mail/queue/`, see [`queue`]) and only then delivered over SMTP
//! ([`smtp`]), so nothing is lost while the server is down or the daemon is
//! stopped, and a message the server acknowledged is never sent again.
//!
//! [`compose`] words each kind of message from what an earlier stage hands
//! over (plain values, files in memory); [`enqueue`] keys and stores it,
//! once per recipient and content; [`flush`] delivers, recipient by
//! recipient, and [`reply`] reads what a server's refusal means; a fault of
//! the setup pauses delivery ([`pause`]); [`release`] and [`check`] are the
//! office's tools.
//!
//! Reading the queue ([`listing`], [`pending`], [`pause_state`]) never
//! changes a file: only flushing, releasing and queueing do.

mod check;
mod compose;
mod enqueue;
mod flush;
#[cfg(test)]
mod hostile_text;
mod mime;
mod pause;
mod queue;
mod release;
mod reply;
mod smtp;

pub use check::{TestSent, check_login, send_test};
pub use compose::{
    BulletinMail, ReceiptMail, ReminderMail, department_recipients, queue_bulletin, queue_receipts,
    queue_reminder,
};
pub use enqueue::{File, Queued};
pub use flush::{Delivery, FlushSummary, flush, flush_all};
pub use mime::Mailbox;
pub use pause::{Pause, pause_state};
pub use queue::{Enqueued, GaveUp, Kind, RcptState, Recipient, Record, State};
pub use release::{Released, release};
pub use reply::{Meaning, Reply};
pub use smtp::{CertWhy, Fault};

use crate::workspace::Workspace;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use queue::Folder;
use serde::Serialize;

/// Finish what a crash interrupted (a delivery whose data had gone out is
/// held as uncertain) and drop recipients removed from `minsheng.toml`:
/// what the daemon does on start, before any flush.
pub(crate) fn recover(ws: &Workspace) -> Result<()> {
    flush::open(ws, true).map(|_| ())
}

/// How many messages are in each state, and how many recipients were
/// given up (for `status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    /// Waiting for delivery (including one being sent now).
    pub queued: usize,
    /// Sent without an answer: held for the office to release.
    pub uncertain: usize,
    /// Messages nobody got because the server refused them or they ran out
    /// of attempts (not those whose recipients were all removed).
    pub failed: usize,
    pub sent: usize,
    /// Recipients refused for good or out of attempts, in any message,
    /// including messages others received.
    pub failed_recipients: usize,
    /// Recipients dropped because `minsheng.toml` no longer names them.
    pub removed_recipients: usize,
}

/// How many messages wait, are held or failed (for `status`). Reads only.
pub fn pending(ws: &Workspace) -> Result<QueueCounts> {
    let l = listing(ws)?;
    let all = || {
        l.waiting
            .iter()
            .chain(&l.held)
            .chain(&l.failed)
            .chain(&l.removed)
            .chain(&l.sent)
            .flat_map(|r| &r.recipients)
    };
    Ok(QueueCounts {
        queued: l.waiting.len(),
        uncertain: l.held.len(),
        failed: l.failed.len(),
        sent: l.sent.len(),
        failed_recipients: all().filter(|x| given_up(x)).count(),
        removed_recipients: all().filter(|x| x.gave_up == Some(GaveUp::Removed)).count(),
    })
}

/// Given up for a reason of its own (refused, out of attempts), not
/// because it was removed from the configuration.
fn given_up(x: &Recipient) -> bool {
    x.state == RcptState::Failed && x.gave_up != Some(GaveUp::Removed)
}

/// Every message, by where it is, for `mail list`.
pub struct Listing {
    /// Waiting to be sent, or being sent now.
    pub(crate) waiting: Vec<Record>,
    /// Sent without an answer: held until the office releases them.
    pub(crate) held: Vec<Record>,
    /// Nobody got them, and someone was refused or ran out of attempts.
    pub(crate) failed: Vec<Record>,
    /// Nobody got them because every recipient was removed from the
    /// configuration: not failures, never sent.
    pub(crate) removed: Vec<Record>,
    /// Delivered (to someone), oldest first.
    pub(crate) sent: Vec<Record>,
    /// Why delivery is paused, when it is.
    pub(crate) paused: Option<Pause>,
    /// When it was read (the plan's clock).
    pub now: DateTime<FixedOffset>,
}

/// The queue as it stands, for `mail list` and the pages: a claim whose
/// sender died shows as the next flush will leave it, a recipient removed
/// from `minsheng.toml` as dropped; no file is moved or written.
pub fn listing(ws: &Workspace) -> Result<Listing> {
    let now = enqueue::now(ws);
    let mut all: Vec<(Folder, Record)> = Vec::new();
    for mut r in queue::load(ws, Folder::Queue, "json")? {
        let folder = if flush::drop_removed(ws, &mut r, now).is_empty() {
            Folder::Queue
        } else {
            r.settle_state(now).unwrap_or(Folder::Queue)
        };
        all.push((folder, r));
    }
    all.extend(queue::claims_view(ws, now, flush::stale_secs(ws)));
    for folder in [Folder::Failed, Folder::Sent] {
        all.extend(
            queue::load(ws, folder, "json")?
                .into_iter()
                .map(|r| (folder, r)),
        );
    }
    let mut l = Listing {
        waiting: Vec::new(),
        held: Vec::new(),
        failed: Vec::new(),
        removed: Vec::new(),
        sent: Vec::new(),
        paused: pause_state(ws),
        now,
    };
    for (folder, r) in all {
        match folder {
            Folder::Queue if r.state == State::Uncertain => l.held.push(r),
            Folder::Queue => l.waiting.push(r),
            Folder::Failed if r.recipients.iter().any(given_up) => l.failed.push(r),
            Folder::Failed => l.removed.push(r),
            Folder::Sent => l.sent.push(r),
        }
    }
    for list in [
        &mut l.waiting,
        &mut l.held,
        &mut l.failed,
        &mut l.removed,
        &mut l.sent,
    ] {
        list.sort_by(|a, b| (a.queued_at, &a.id).cmp(&(b.queued_at, &b.id)));
    }
    Ok(l)
}

/// A message's state as `mail list` names it: `sending` while a sender has
/// it, `queued` while a recipient waits for its first try, `retry` while
/// they wait for a retry, `uncertain` while the rest is held, then `sent`
/// or `failed`.
fn shown_state(r: &Record) -> &'static str {
    let any = |s: RcptState| r.recipients.iter().any(|x| x.state == s);
    match r.state {
        State::Sending => "sending",
        State::Sent => "sent",
        State::Failed => "failed",
        State::Uncertain => "uncertain",
        State::Queued if any(RcptState::Queued) => "queued",
        State::Queued if any(RcptState::Retry) => "retry",
        State::Queued => "uncertain",
    }
}

/// `mail list --json`.
#[derive(Debug, Serialize)]
pub(crate) struct ListJson {
    pub(crate) messages: Vec<MessageJson>,
}

#[derive(Debug, Serialize)]
pub(crate) struct MessageJson {
    pub(crate) id: String,
    pub(crate) kind: Kind,
    pub(crate) subject: String,
    pub(crate) state: &'static str,
    pub(crate) recipients: Vec<RecipientJson>,
}

#[derive(Debug, Serialize)]
pub(crate) struct RecipientJson {
    pub(crate) address: String,
    pub(crate) state: RcptState,
    /// The server's last reply line about this recipient.
    pub(crate) reply: Option<String>,
    /// When a retry is due (RFC 3339).
    pub(crate) next_try: Option<String>,
}

impl Listing {
    pub(crate) fn json(&self) -> ListJson {
        let all = self
            .waiting
            .iter()
            .chain(&self.held)
            .chain(&self.failed)
            .chain(&self.removed)
            .chain(&self.sent);
        ListJson {
            messages: all
                .map(|r| MessageJson {
                    id: r.id.clone(),
                    kind: r.kind,
                    subject: r.subject.clone(),
                    state: shown_state(r),
                    recipients: r
                        .recipients
                        .iter()
                        .map(|x| RecipientJson {
                            address: x.address.clone(),
                            state: x.state,
                            reply: x.reply.clone().or_else(|| {
                                (x.gave_up == Some(GaveUp::Removed))
                                    .then(|| queue::REMOVED.to_string())
                            }),
                            next_try: x
                                .next_try
                                .filter(|_| x.state == RcptState::Retry)
                                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}
