//! Outgoing mail: bulletins to the leaders, receipts and reminders to the
//! departments. Every message is first written to the queue on disk
//! (`outbox/mail/queue/`, see [`queue`]) and only then delivered over SMTP
//! ([`smtp`]), so nothing is lost while the server is down or the daemon is
//! stopped, and a message the server acknowledged is never sent again.
//!
//! [`compose`] words each kind of message from what an earlier stage hands
//! over (plain values, files in memory); [`enqueue`] keys and stores it,
//! once per recipient and content; [`flush`] delivers, recipient by
//! recipient, and [`reply`] reads what a server's refusal means; [`release`]
//! and [`check`] are the office's tools.

mod check;
mod compose;
mod enqueue;
mod flush;
mod mime;
mod queue;
mod release;
mod reply;
mod smtp;

pub use check::{TestSent, check_login, send_test};
pub use compose::{
    BulletinMail, ReceiptMail, ReminderMail, department_recipients, queue_bulletin, queue_receipt,
    queue_receipts, queue_reminder,
};
pub use enqueue::{File, Queued};
pub use flush::{Delivery, FlushSummary, flush, flush_all};
pub use mime::Mailbox;
pub use queue::{Enqueued, GaveUp, Kind, QueueCounts, RcptState, Recipient, Record, State};
pub use release::{Released, release};
pub use reply::{Meaning, Reply};

use crate::workspace::Workspace;
use anyhow::Result;
use serde::Serialize;

/// Finish what a crash interrupted (a delivery whose data had gone out is
/// held as uncertain) and drop recipients removed from `minsheng.toml`:
/// what the daemon does on start, before any flush.
pub fn recover(ws: &Workspace) -> Result<()> {
    flush::open(ws, true).map(|_| ())
}

/// How many messages wait, are held or failed (for `status`).
pub fn pending(ws: &Workspace) -> Result<QueueCounts> {
    flush::open(ws, false)?;
    queue::counts(ws)
}

/// The same counts without touching the queue: for `doctor`, which may run
/// as another user than the daemon and must leave no file of its own.
pub fn counts(ws: &Workspace) -> Result<QueueCounts> {
    queue::counts(ws)
}

/// Every message, by where it is, for `mail list`.
pub struct Listing {
    /// Waiting to be sent, or being sent now.
    pub waiting: Vec<Record>,
    /// Sent without an answer: held until the office releases them.
    pub held: Vec<Record>,
    pub failed: Vec<Record>,
    /// Delivered (to someone), oldest first.
    pub sent: Vec<Record>,
}

pub fn listing(ws: &Workspace) -> Result<Listing> {
    flush::open(ws, false)?;
    let (mut waiting, held): (Vec<Record>, Vec<Record>) =
        queue::load(ws, queue::Folder::Queue, "json")?
            .into_iter()
            .partition(|r| r.state != State::Uncertain);
    waiting.extend(queue::load(ws, queue::Folder::Queue, "sending")?);
    Ok(Listing {
        waiting,
        held,
        failed: queue::load(ws, queue::Folder::Failed, "json")?,
        sent: queue::load(ws, queue::Folder::Sent, "json")?,
    })
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
pub struct ListJson {
    pub messages: Vec<MessageJson>,
}

#[derive(Debug, Serialize)]
pub struct MessageJson {
    pub id: String,
    pub kind: Kind,
    pub subject: String,
    pub state: &'static str,
    pub recipients: Vec<RecipientJson>,
}

#[derive(Debug, Serialize)]
pub struct RecipientJson {
    pub address: String,
    pub state: RcptState,
    /// The server's last reply line about this recipient.
    pub reply: Option<String>,
    /// When a retry is due (RFC 3339).
    pub next_try: Option<String>,
}

impl Listing {
    pub fn json(&self) -> ListJson {
        let all = self
            .waiting
            .iter()
            .chain(&self.held)
            .chain(&self.failed)
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
                            reply: x.reply.clone(),
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
