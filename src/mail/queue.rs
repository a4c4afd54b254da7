//! The queue on disk. Each message is two files in `outbox/mail/queue/`:
//! `<id>.eml`, the exact bytes to send, and `<id>.json`, its record: the
//! message's state and, for each recipient, where its delivery stands
//! (`queued`, `retry` with the next try and the attempts, `uncertain`,
//! `sent`, `failed`). The record is written after the message, so a record
//! always has its message. A message is finished when every recipient is
//! `sent` or `failed`; it then moves to `sent/` if anyone got it, else to
//! `failed/`.
//!
//! A sender claims a message by renaming `<id>.json` to `<id>.sending`
//! (atomic: two senders never claim the same message). Before the message
//! data goes out it marks the recipients the server accepted `uncertain` in
//! the claim, and it notes the server's acknowledgement before moving the
//! files on. A claim left by a process that died is finished by
//! [`recover`]: what was acknowledged stays sent, what had its data going
//! out stays `uncertain` (it may have arrived; the office decides), the rest
//! is queued again. So a crash between any two steps loses nothing and
//! never sends twice what the server acknowledged.
//!
//! Records of version 1 (one list of recipients and another of those
//! delivered) are read as version 2: delivered recipients `sent`, the
//! others as their message stood.

use crate::fsx;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

pub(crate) const RECORD_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bulletin,
    Receipt,
    Reminder,
    Test,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Bulletin => "bulletin",
            Kind::Receipt => "receipt",
            Kind::Reminder => "reminder",
            Kind::Test => "test",
        }
    }

    pub(crate) fn chinese(self) -> &'static str {
        match self {
            Kind::Bulletin => "调度通报",
            Kind::Receipt => "报送回执",
            Kind::Reminder => "催报通知",
            Kind::Test => "测试邮件",
        }
    }
}

/// Where a message stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Some recipient waits for an attempt (now or at its retry time).
    Queued,
    /// Claimed by a sender (only in `<id>.sending`).
    Sending,
    /// Nobody waits for an attempt, and some recipient's outcome is
    /// unknown: held until the office decides.
    Uncertain,
    /// Finished, and someone got it (in `sent/`).
    Sent,
    /// Finished, and nobody got it (in `failed/`).
    Failed,
}

/// Where one recipient's delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RcptState {
    /// Not tried yet: goes with the next attempt.
    Queued,
    /// A temporary failure: tried again at `next_try`.
    Retry,
    /// Its data went out but no answer came: it may have arrived.
    Uncertain,
    Sent,
    /// Given up (see [`GaveUp`]); never tried again unless the office says so.
    Failed,
}

impl RcptState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RcptState::Queued => "queued",
            RcptState::Retry => "retry",
            RcptState::Uncertain => "uncertain",
            RcptState::Sent => "sent",
            RcptState::Failed => "failed",
        }
    }

    /// Waiting for an attempt.
    pub fn pending(self) -> bool {
        matches!(self, RcptState::Queued | RcptState::Retry)
    }

    fn finished(self) -> bool {
        matches!(self, RcptState::Sent | RcptState::Failed)
    }
}

/// Why a recipient was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GaveUp {
    /// The server refused it for good (a 5xx reply).
    Refused,
    /// Temporary failures until `[mail] max_attempts`.
    Exhausted,
    /// The address was removed from `minsheng.toml`.
    Removed,
}

/// One recipient of a message and how its delivery went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    pub(crate) address: String,
    pub(crate) state: RcptState,
    /// Attempts made to this recipient.
    #[serde(default)]
    pub(crate) attempts: u32,
    /// When a `retry` is due.
    #[serde(default)]
    pub(crate) next_try: Option<DateTime<FixedOffset>>,
    /// The server's last reply about this recipient.
    #[serde(default)]
    pub(crate) reply: Option<String>,
    #[serde(default)]
    pub(crate) gave_up: Option<GaveUp>,
    /// When it was sent or given up.
    #[serde(default)]
    pub(crate) at: Option<DateTime<FixedOffset>>,
}

impl Recipient {
    pub(crate) fn new(address: &str) -> Recipient {
        Recipient {
            address: address.to_string(),
            state: RcptState::Queued,
            attempts: 0,
            next_try: None,
            reply: None,
            gave_up: None,
            at: None,
        }
    }

    /// Goes with an attempt at `now` (`everything`: retry times or not).
    pub(crate) fn due(&self, now: DateTime<FixedOffset>, everything: bool) -> bool {
        match self.state {
            RcptState::Queued => true,
            RcptState::Retry => everything || self.next_try.is_none_or(|t| t <= now),
            _ => false,
        }
    }

    /// Waiting again for the first attempt (the office released it).
    pub(crate) fn requeue(&mut self) {
        *self = Recipient::new(&self.address);
    }

    pub(crate) fn give_up(
        &mut self,
        why: GaveUp,
        reply: Option<String>,
        now: DateTime<FixedOffset>,
    ) {
        self.state = RcptState::Failed;
        self.gave_up = Some(why);
        self.next_try = None;
        if reply.is_some() {
            self.reply = reply;
        }
        self.at = Some(now);
    }

    pub(crate) fn sent(&mut self, reply: Option<String>, now: DateTime<FixedOffset>) {
        self.state = RcptState::Sent;
        self.next_try = None;
        self.gave_up = None;
        if reply.is_some() {
            self.reply = reply;
        }
        self.at = Some(now);
    }
}

/// The record beside each message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub(crate) version: u32,
    pub(crate) id: String,
    /// Period + kind + recipients + content hash: the same key is the same message.
    pub(crate) key: String,
    /// What the message says, whoever it goes to (kind, period, subject,
    /// bodies, attachments), hashed; records written before it was kept
    /// have none.
    #[serde(default)]
    pub(crate) content: Option<String>,
    pub(crate) kind: Kind,
    pub(crate) period: Option<String>,
    pub(crate) subject: String,
    /// The From address written into the message.
    pub(crate) from: String,
    /// The department a receipt or reminder is for (whose addresses it
    /// may go to).
    #[serde(default)]
    pub(crate) department: Option<String>,
    pub(crate) recipients: Vec<Recipient>,
    pub(crate) state: State,
    pub(crate) queued_at: DateTime<FixedOffset>,
    /// Attempts made at this message (to any of its recipients).
    pub(crate) attempts: u32,
    /// The earliest time a recipient waits for.
    pub(crate) next_attempt_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub(crate) last_attempt_at: Option<DateTime<FixedOffset>>,
    /// Why the last attempt did not deliver to everyone, in Chinese.
    #[serde(default)]
    pub(crate) last_error: Option<String>,
    #[serde(default)]
    pub(crate) sent_at: Option<DateTime<FixedOffset>>,
    /// The server's last acknowledgement of this message.
    #[serde(default)]
    pub(crate) server_reply: Option<String>,
    /// While claimed: the claiming process and how far it got.
    #[serde(default)]
    pub(crate) stage: Option<Stage>,
    #[serde(default)]
    pub(crate) pid: Option<u32>,
    /// What the office decided (`mail release`).
    #[serde(default)]
    pub(crate) note: Option<String>,
}

/// How far a claimed message got (only while `Sending`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Stage {
    /// Connecting, logging in, naming the recipients: nothing delivered yet.
    Connecting,
    /// The message data has started to go out.
    Data,
}

impl Record {
    pub(crate) fn recipient_mut(&mut self, address: &str) -> Option<&mut Recipient> {
        self.recipients
            .iter_mut()
            .find(|r| r.address.eq_ignore_ascii_case(address))
    }

    /// Someone waits for an attempt at `now` (`everything`: at any time).
    pub(crate) fn due(&self, now: DateTime<FixedOffset>, everything: bool) -> bool {
        self.recipients.iter().any(|r| r.due(now, everything))
    }

    /// Set the message's state from its recipients' (after an attempt or
    /// a decision). `Some(folder)` when it is finished and belongs there.
    pub(crate) fn settle_state(&mut self, now: DateTime<FixedOffset>) -> Option<Folder> {
        self.stage = None;
        self.pid = None;
        if self.recipients.iter().all(|r| r.state.finished()) {
            let mut sent = self
                .recipients
                .iter()
                .filter(|r| r.state == RcptState::Sent)
                .peekable();
            if sent.peek().is_none() {
                self.state = State::Failed;
                return Some(Folder::Failed);
            }
            self.sent_at = Some(sent.map(|r| r.at.unwrap_or(now)).max().unwrap_or(now));
            self.state = State::Sent;
            return Some(Folder::Sent);
        }
        let next = self
            .recipients
            .iter()
            .filter(|r| r.state.pending())
            .map(|r| match r.state {
                RcptState::Retry => r.next_try.unwrap_or(now),
                _ => now.min(self.next_attempt_at),
            })
            .min();
        match next {
            Some(t) => {
                self.state = State::Queued;
                self.next_attempt_at = t;
            }
            None => self.state = State::Uncertain,
        }
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Folder {
    Queue,
    Sent,
    Failed,
}

impl Folder {
    fn name(self) -> &'static str {
        match self {
            Folder::Queue => "queue",
            Folder::Sent => "sent",
            Folder::Failed => "failed",
        }
    }
}

pub(crate) fn path(ws: &Workspace, folder: Folder, id: &str, ext: &str) -> PathBuf {
    ws.mail_dir(folder.name()).join(format!("{id}.{ext}"))
}

fn read_record(path: &Path) -> Result<Record> {
    let bytes = fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    serde_json::from_slice::<Value>(&bytes)
        .map_err(anyhow::Error::from)
        .and_then(upgrade)
        .with_context(|| format!("邮件记录 {} 已损坏", path.display()))
}

/// A record as this version reads it, whichever version wrote it.
fn upgrade(mut v: Value) -> Result<Record> {
    if v.get("version").and_then(Value::as_u64).unwrap_or(1) < 2 {
        let text = |key: &str| v.get(key).and_then(Value::as_str).map(str::to_string);
        let delivered: Vec<String> = v
            .get("delivered_to")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        let state = text("state").unwrap_or_default();
        let at = text("sent_at").or_else(|| text("last_attempt_at"));
        let attempts = v.get("attempts").cloned().unwrap_or(Value::from(0));
        let recipients: Vec<Value> = v
            .get("recipients")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .map(|address| {
                let (rcpt, gave_up) = if delivered.contains(&address.to_lowercase()) {
                    ("sent", None)
                } else {
                    match state.as_str() {
                        // Held or given up as a whole before: each recipient
                        // stays so (an uncertain one may have it already).
                        "uncertain" => ("uncertain", None),
                        "failed" => ("failed", Some("exhausted")),
                        "sent" => ("sent", None),
                        _ => ("queued", None),
                    }
                };
                serde_json::json!({
                    "address": address,
                    "state": rcpt,
                    "attempts": attempts,
                    "gave_up": gave_up,
                    "at": if rcpt == "queued" || rcpt == "uncertain" { None } else { at.clone() },
                })
            })
            .collect();
        v["recipients"] = Value::from(recipients);
        v["version"] = Value::from(RECORD_VERSION);
        if let Some(o) = v.as_object_mut() {
            o.remove("delivered_to");
        }
    }
    Ok(serde_json::from_value(v)?)
}

fn write_record(path: &Path, r: &Record) -> Result<()> {
    let mut r = r.clone();
    r.version = RECORD_VERSION;
    let mut bytes = serde_json::to_vec_pretty(&r)?;
    bytes.push(b'\n');
    fsx::write_atomic(path, &bytes)
}

/// Every record in `folder` with the given extension (`json`, `sending`)
/// whose id starts with `prefix`, oldest first. A record that cannot be
/// read is logged and left alone.
fn load_prefixed(ws: &Workspace, folder: Folder, ext: &str, prefix: &str) -> Result<Vec<Record>> {
    let dir = ws.mail_dir(folder.name());
    let entries = match fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("无法读取目录 {}", dir.display())),
    };
    let mut records = Vec::new();
    for entry in entries {
        let p = entry?.path();
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        if name.starts_with('.')
            || !name.starts_with(prefix)
            || p.extension().is_none_or(|x| x != ext)
        {
            continue;
        }
        match read_record(&p) {
            Ok(r) => records.push(r),
            Err(e) => {
                tracing::error!(file = %p.display(), error = %crate::error::chain(&e), "unreadable mail record")
            }
        }
    }
    records.sort_by(|a, b| (a.queued_at, &a.id).cmp(&(b.queued_at, &b.id)));
    Ok(records)
}

/// Every record in `folder` with the given extension, oldest first.
pub(crate) fn load(ws: &Workspace, folder: Folder, ext: &str) -> Result<Vec<Record>> {
    load_prefixed(ws, folder, ext, "")
}

/// Every record whose id starts with `prefix`, wherever it is.
pub(crate) fn load_everywhere(ws: &Workspace, prefix: &str) -> Result<Vec<(Folder, Record)>> {
    let mut all = Vec::new();
    for (folder, ext) in [
        (Folder::Queue, "json"),
        (Folder::Queue, "sending"),
        (Folder::Sent, "json"),
        (Folder::Failed, "json"),
    ] {
        all.extend(
            load_prefixed(ws, folder, ext, prefix)?
                .into_iter()
                .map(|r| (folder, r)),
        );
    }
    Ok(all)
}

/// Where a message with this id is now.
pub(crate) fn locate(ws: &Workspace, id: &str) -> Option<(Folder, Record)> {
    for (folder, ext) in [
        (Folder::Queue, "json"),
        (Folder::Queue, "sending"),
        (Folder::Sent, "json"),
        (Folder::Failed, "json"),
    ] {
        let p = path(ws, folder, id, ext);
        if p.exists()
            && let Ok(r) = read_record(&p)
        {
            return Some((folder, r));
        }
    }
    None
}

/// What queuing a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Enqueued {
    /// Written to the queue (for the recipients that had not had it).
    New,
    /// Every recipient has the same message waiting (or held as uncertain).
    AlreadyQueued,
    /// Every recipient had the same message before: not sent again.
    AlreadySent,
    /// The same message had failed; it is queued again with fresh attempts.
    Requeued,
}

/// Write a new message to the queue.
/// Write a new message and its record: each flushed at once when
/// `durable`, else left for one [`sync`] after a batch of them.
pub(crate) fn write_new(ws: &Workspace, record: &Record, eml: &[u8], durable: bool) -> Result<()> {
    let write = if durable {
        fsx::write_atomic
    } else {
        fsx::write_derived
    };
    write(&path(ws, Folder::Queue, &record.id, "eml"), eml)?;
    let mut r = record.clone();
    r.version = RECORD_VERSION;
    let mut bytes = serde_json::to_vec_pretty(&r)?;
    bytes.push(b'\n');
    write(&path(ws, Folder::Queue, &record.id, "json"), &bytes)
}

/// Flush the messages written by [`write_new`] without `durable`.
pub(crate) fn sync(ws: &Workspace) -> Result<()> {
    fsx::sync_fs(&ws.mail_dir(Folder::Queue.name()))
}

/// Take a queued message for sending; `None` if another sender took it first.
pub(crate) fn claim(ws: &Workspace, id: &str) -> Result<Option<Record>> {
    let from = path(ws, Folder::Queue, id, "json");
    let to = path(ws, Folder::Queue, id, "sending");
    match fs::rename(&from, &to) {
        Ok(()) => {
            // A claim is judged by its file's age until its claimant is
            // written in: the renamed file must look new, not as old as
            // the record it was.
            if let Ok(f) = fs::File::options().write(true).open(&to) {
                let _ = f.set_modified(std::time::SystemTime::now());
            }
            Ok(Some(read_record(&to)?))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("无法读取邮件记录 {}", from.display())),
    }
}

/// Save a claimed message's record (still claimed).
pub(crate) fn save_claimed(ws: &Workspace, r: &Record) -> Result<()> {
    write_record(&path(ws, Folder::Queue, &r.id, "sending"), r)
}

/// Give a claimed message back to the queue with its new record.
pub(crate) fn unclaim(ws: &Workspace, r: &Record) -> Result<()> {
    let claimed = path(ws, Folder::Queue, &r.id, "sending");
    write_record(&claimed, r)?;
    fsx::move_file(&claimed, &path(ws, Folder::Queue, &r.id, "json"))
}

/// Put a claimed message where its record says it belongs: back in the
/// queue, or on to `sent/` or `failed/` when finished.
pub(crate) fn release_claim(ws: &Workspace, r: &Record, to: Option<Folder>) -> Result<()> {
    match to {
        Some(folder) if folder != Folder::Queue => finish(ws, r, folder),
        _ => unclaim(ws, r),
    }
}

/// Move a claimed message to `sent/` or `failed/`. The record's final state
/// is written first, so a crash half way is finished by [`recover`].
fn finish(ws: &Workspace, r: &Record, to: Folder) -> Result<()> {
    let claimed = path(ws, Folder::Queue, &r.id, "sending");
    write_record(&claimed, r)?;
    let eml = path(ws, Folder::Queue, &r.id, "eml");
    if eml.exists() {
        fsx::move_file(&eml, &path(ws, to, &r.id, "eml"))?;
    }
    fsx::move_file(&claimed, &path(ws, to, &r.id, "json"))
}

/// Rewrite a finished message's record where it is, or move it to `to`
/// (`sent/` and `failed/` are not claimed: no sender touches them). A
/// message going back to the queue gets its message file first, so the
/// queue never holds a record without one.
pub(crate) fn move_finished(ws: &Workspace, r: &Record, from: Folder, to: Folder) -> Result<()> {
    let record = path(ws, from, &r.id, "json");
    if from == to {
        return write_record(&record, r);
    }
    let eml = path(ws, from, &r.id, "eml");
    if eml.exists() {
        fsx::move_file(&eml, &path(ws, to, &r.id, "eml"))?;
    }
    write_record(&record, r)?;
    fsx::move_file(&record, &path(ws, to, &r.id, "json"))
}

/// Finish the claims of senders that died (or hung past `stale_secs`).
/// `own_claims_stale`: this process holds no claim now (it is about to
/// flush, one flush at a time), so a claim in its name is left over.
pub(crate) fn recover(
    ws: &Workspace,
    now: DateTime<FixedOffset>,
    stale_secs: i64,
    own_claims_stale: bool,
) -> Result<()> {
    for (claimed, mut r) in claims(ws) {
        if !left_over(&claimed, &r, now, stale_secs, own_claims_stale) {
            continue;
        }
        let data_out = r.state != State::Sent && r.stage == Some(Stage::Data);
        let to = recovered(ws, &mut r, now);
        if data_out && r.state == State::Uncertain {
            tracing::warn!(id = %r.id, "a send was interrupted after its data went out; holding it as uncertain");
        } else {
            tracing::info!(id = %r.id, state = ?r.state, "finished the claim of a sender that died");
        }
        release_claim(ws, &r, to)?;
    }
    Ok(())
}

/// Every claimed record as it stands or, when its sender died, as
/// [`recover`] will leave it, with the folder it then belongs in; nothing
/// is written.
pub(crate) fn claims_view(
    ws: &Workspace,
    now: DateTime<FixedOffset>,
    stale_secs: i64,
) -> Vec<(Folder, Record)> {
    claims(ws)
        .into_iter()
        .map(|(claimed, mut r)| {
            let to = if left_over(&claimed, &r, now, stale_secs, false) {
                recovered(ws, &mut r, now)
            } else {
                None
            };
            (to.unwrap_or(Folder::Queue), r)
        })
        .collect()
}

/// Every claim file and its record.
fn claims(ws: &Workspace) -> Vec<(PathBuf, Record)> {
    let dir = ws.mail_dir(Folder::Queue.name());
    let Ok(rd) = fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut claims: Vec<(PathBuf, Record)> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sending"))
        .filter_map(|p| read_record(&p).ok().map(|r| (p, r)))
        .collect();
    claims.sort_by(|a, b| (a.1.queued_at, &a.1.id).cmp(&(b.1.queued_at, &b.1.id)));
    claims
}

/// Whether a claim was left by a sender that died or hung.
fn left_over(
    claimed: &Path,
    r: &Record,
    now: DateTime<FixedOffset>,
    stale_secs: i64,
    own_claims_stale: bool,
) -> bool {
    let age = match r.pid {
        Some(_) => (now - r.last_attempt_at.unwrap_or(r.queued_at)).num_seconds(),
        // Renamed a moment ago, its claimant not yet written in: judge by
        // the file's age.
        None => claim_age(claimed),
    };
    let claimant_alive = match r.pid {
        Some(pid) if pid == std::process::id() => !own_claims_stale,
        Some(pid) => process_alive(pid),
        None => true,
    };
    !claimant_alive || age > stale_secs
}

/// A left-over claim's record as the crash left it: what was acknowledged
/// stays sent, what had its data going out is held as uncertain, the rest
/// waits again; `Some(folder)` when it is finished. Changes the record
/// only, so that reading the queue can show it without writing.
fn recovered(ws: &Workspace, r: &mut Record, now: DateTime<FixedOffset>) -> Option<Folder> {
    if r.state == State::Sent {
        // Acknowledged before the crash: whoever still waited got it.
        let at = r.sent_at.unwrap_or(now);
        for rcpt in r.recipients.iter_mut().filter(|x| !x.state.finished()) {
            rcpt.sent(None, at);
        }
    } else if r.stage == Some(Stage::Data) {
        // Those the server had accepted are marked uncertain before the
        // data goes out; a claim from before that mark holds all that
        // were waiting to go.
        let mut held = false;
        for rcpt in r.recipients.iter_mut() {
            if rcpt.state == RcptState::Queued {
                rcpt.state = RcptState::Uncertain;
            }
            held |= rcpt.state == RcptState::Uncertain;
        }
        let message_id = fs::read(path(ws, Folder::Queue, &r.id, "eml"))
            .ok()
            .and_then(|eml| super::mime::message_id(&eml));
        let server = ws
            .config
            .smtp
            .as_ref()
            .map(|s| format!("{}:{}", s.host.trim(), s.port))
            .unwrap_or_default();
        let at = r.last_attempt_at.unwrap_or(now);
        r.last_error = Some(if held {
            format!(
                "发送过程中程序中断。{}",
                uncertain_text(message_id.as_deref(), &server, at)
            )
        } else {
            INTERRUPTED.to_string()
        });
    } else {
        // The failure shown is this one, not one from an attempt before it.
        r.last_error = Some(INTERRUPTED.to_string());
    }
    r.settle_state(now)
}

const INTERRUPTED: &str = "上次发送过程中程序中断，已放回队列等待发送";

/// The reply shown for a recipient removed from the configuration.
pub(crate) const REMOVED: &str = "已从配置中移除";

/// What the office is told of a message whose data went out without an
/// answer: when, to which server, and how the server's administrator
/// finds out whether it arrived (its Message-ID in the mail log).
pub(crate) fn uncertain_text(
    message_id: Option<&str>,
    server: &str,
    at: DateTime<FixedOffset>,
) -> String {
    let when = at.format("%Y-%m-%d %H:%M:%S");
    let find = match message_id {
        Some(id) => format!(
            "请邮箱管理员在服务器 {server} 的邮件日志中查找这封邮件的 Message-ID {id}（例如 grep '{id}' /var/log/mail.log）"
        ),
        None => format!("请邮箱管理员在服务器 {server} 的邮件日志中查找 {when} 前后发出的这封邮件"),
    };
    format!(
        "邮件内容已于 {when} 发给服务器 {server}，没有收到确认，不能确定是否送达。{find}，或向收件人核实"
    )
}

/// Seconds since a claim file was renamed or written: the younger of its
/// modification and (on Unix) status-change times, which a rename sets.
fn claim_age(path: &Path) -> i64 {
    let Ok(m) = fs::metadata(path) else {
        return 0;
    };
    let modified = m
        .modified()
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map_or(0, |d| d.as_secs() as i64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        modified.min((now - m.ctime()).max(0))
    }
    #[cfg(not(unix))]
    modified
}

/// Whether a process with this id runs (where `/proc` tells; elsewhere
/// assume it does and let staleness decide).
fn process_alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn record(states: &[(RcptState, Option<&str>)]) -> Record {
        let now = t("2024-04-03T09:00:00+08:00");
        Record {
            version: RECORD_VERSION,
            id: "bulletin-2024-03-0".into(),
            key: "k".into(),
            content: None,
            kind: Kind::Bulletin,
            period: Some("2024-03".into()),
            subject: "s".into(),
            from: "a@b.cn".into(),
            department: None,
            recipients: states
                .iter()
                .enumerate()
                .map(|(i, (state, at))| Recipient {
                    state: *state,
                    next_try: at.map(t),
                    at: (*state == RcptState::Sent).then_some(now),
                    ..Recipient::new(&format!("r{i}@b.cn"))
                })
                .collect(),
            state: State::Sending,
            queued_at: now,
            attempts: 1,
            next_attempt_at: now,
            last_attempt_at: Some(now),
            last_error: None,
            sent_at: None,
            server_reply: None,
            stage: Some(Stage::Data),
            pid: Some(1),
            note: None,
        }
    }

    #[test]
    fn a_message_is_finished_when_every_recipient_is_sent_or_failed() {
        use RcptState::*;
        let now = t("2024-04-03T09:30:00+08:00");
        type Case<'a> = (&'a [(RcptState, Option<&'a str>)], State, Option<Folder>);
        let cases: &[Case] = &[
            (
                &[(Sent, None), (Failed, None)],
                State::Sent,
                Some(Folder::Sent),
            ),
            (
                &[(Sent, None), (Sent, None)],
                State::Sent,
                Some(Folder::Sent),
            ),
            (
                &[(Failed, None), (Failed, None)],
                State::Failed,
                Some(Folder::Failed),
            ),
            (&[(Sent, None), (Uncertain, None)], State::Uncertain, None),
            (&[(Failed, None), (Uncertain, None)], State::Uncertain, None),
            (&[(Uncertain, None), (Queued, None)], State::Queued, None),
            (
                &[(Sent, None), (Retry, Some("2024-04-03T10:00:00+08:00"))],
                State::Queued,
                None,
            ),
        ];
        for (states, want, folder) in cases {
            let mut r = record(states);
            assert_eq!(r.settle_state(now), *folder, "{states:?}");
            assert_eq!(r.state, *want, "{states:?}");
            assert_eq!((r.stage, r.pid), (None, None));
        }
        let mut r = record(&[
            (Retry, Some("2024-04-03T11:00:00+08:00")),
            (Retry, Some("2024-04-03T10:00:00+08:00")),
        ]);
        r.settle_state(now);
        assert_eq!(r.next_attempt_at, t("2024-04-03T10:00:00+08:00"));
        let mut r = record(&[(Retry, Some("2024-04-03T11:00:00+08:00")), (Queued, None)]);
        r.settle_state(now);
        assert!(r.next_attempt_at <= now);
    }

    #[test]
    fn a_retry_is_due_at_its_time_and_a_flush_of_everything_takes_it_at_once() {
        let now = t("2024-04-03T09:30:00+08:00");
        let mut r = Recipient::new("a@b.cn");
        assert!(r.due(now, false));
        r.state = RcptState::Retry;
        r.next_try = Some(t("2024-04-03T09:40:00+08:00"));
        assert!(!r.due(now, false));
        assert!(r.due(now, true));
        assert!(r.due(t("2024-04-03T09:40:00+08:00"), false));
        for s in [RcptState::Uncertain, RcptState::Sent, RcptState::Failed] {
            r.state = s;
            assert!(!r.due(now, true), "{s:?}");
        }
    }

    #[test]
    fn version_1_records_read_with_a_state_per_recipient() {
        let v1 = |state: &str, delivered: &[&str]| {
            serde_json::json!({
                "version": 1,
                "id": "bulletin-2024-03-abc",
                "key": "abc",
                "kind": "bulletin",
                "period": "2024-03",
                "subject": "通报",
                "from": "minsheng@localhost.invalid",
                "recipients": ["lisi@example.cn", "ZhangSan@example.cn"],
                "delivered_to": delivered,
                "state": state,
                "queued_at": "2024-04-01T09:00:00+08:00",
                "attempts": 2,
                "next_attempt_at": "2024-04-01T09:24:00+08:00",
                "last_attempt_at": "2024-04-01T09:12:00+08:00",
                "sent_at": null,
            })
        };
        let states = |v: Value| {
            let r = upgrade(v).unwrap();
            assert_eq!(r.version, RECORD_VERSION);
            r.recipients
                .iter()
                .map(|x| (x.address.clone(), x.state, x.attempts))
                .collect::<Vec<_>>()
        };
        use RcptState::*;
        let l = "lisi@example.cn".to_string();
        let z = "ZhangSan@example.cn".to_string();
        assert_eq!(
            states(v1("queued", &["zhangsan@example.cn"])),
            [(l.clone(), Queued, 2), (z.clone(), Sent, 2)]
        );
        assert_eq!(
            states(v1("queued", &[])),
            [(l.clone(), Queued, 2), (z.clone(), Queued, 2)]
        );
        assert_eq!(
            states(v1("sent", &["lisi@example.cn", "zhangsan@example.cn"])),
            [(l.clone(), Sent, 2), (z.clone(), Sent, 2)]
        );
        assert_eq!(
            states(v1("uncertain", &[])),
            [(l.clone(), Uncertain, 2), (z.clone(), Uncertain, 2)]
        );
        let failed = upgrade(v1("failed", &[])).unwrap();
        assert!(
            failed
                .recipients
                .iter()
                .all(|x| x.state == Failed && x.gave_up == Some(GaveUp::Exhausted))
        );
        // A record of this version reads as written.
        let r = upgrade(v1("queued", &[])).unwrap();
        assert_eq!(upgrade(serde_json::to_value(&r).unwrap()).unwrap(), r);
    }
}
