//! Outgoing mail: bulletins to the leaders, receipts and reminders to the
//! departments. Every message is first written to the queue on disk
//! (`outbox/mail/queue/`, see [`queue`]) and only then delivered over SMTP
//! ([`smtp`]), so nothing is lost while the server is down or the daemon is
//! stopped, and a message the server acknowledged is never sent again.
//!
//! [`compose`] words each kind of message from what an earlier stage hands
//! over (plain values, files in memory); [`enqueue`] keys and stores it;
//! [`flush`] delivers; [`release`] and [`check`] are the office's tools.

mod check;
mod compose;
mod enqueue;
mod flush;
mod mime;
mod queue;
mod release;
mod smtp;

pub use check::{TestSent, send_test};
pub use compose::{
    BulletinMail, ReceiptMail, ReminderMail, department_recipients, queue_bulletin, queue_receipt,
    queue_reminder,
};
pub use enqueue::{File, Queued};
pub use flush::{Delivery, FlushSummary, flush, flush_all};
pub use mime::Mailbox;
pub use queue::{Enqueued, Kind, QueueCounts, Record, State};
pub use release::{Released, release};

use crate::workspace::Workspace;
use anyhow::Result;

/// How many messages wait, are held or failed (for `status`).
pub fn pending(ws: &Workspace) -> Result<QueueCounts> {
    queue::counts(ws)
}

/// Every message, by where it is, for `mail list`.
pub struct Listing {
    /// Waiting to be sent, or being sent now.
    pub waiting: Vec<Record>,
    /// Sent without an answer: held until the office releases them.
    pub held: Vec<Record>,
    pub failed: Vec<Record>,
    /// Delivered, oldest first.
    pub sent: Vec<Record>,
}

pub fn listing(ws: &Workspace) -> Result<Listing> {
    let (mut waiting, held): (Vec<Record>, Vec<Record>) =
        queue::load(ws, queue::Folder::Queue, "json")?
            .into_iter()
            .partition(|r| r.state == State::Queued);
    waiting.extend(queue::load(ws, queue::Folder::Queue, "sending")?);
    Ok(Listing {
        waiting,
        held: held
            .into_iter()
            .filter(|r| r.state == State::Uncertain)
            .collect(),
        failed: queue::load(ws, queue::Folder::Failed, "json")?,
        sent: queue::load(ws, queue::Folder::Sent, "json")?,
    })
}
