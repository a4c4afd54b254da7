//! The queue on disk. Each message is two files in `outbox/mail/queue/`:
//! `<id>.eml`, the exact bytes to send, and `<id>.json`, its record (state,
//! recipients, attempts, next attempt, last error). The record is written
//! after the message, so a record always has its message.
//!
//! A sender claims a message by renaming `<id>.json` to `<id>.sending`
//! (atomic: two senders never claim the same message), notes in it when the
//! message data starts to go out, and notes the server's acknowledgement in
//! it before moving both files to `sent/`. A claim left by a process that
//! died is finished by [`recover`]: acknowledged → moved to `sent/`; data
//! started → `uncertain` (it may have arrived; the office decides); else →
//! queued again. So a crash between any two steps loses nothing and never
//! sends twice what the server acknowledged.

use crate::fsx;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

pub const RECORD_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bulletin,
    Receipt,
    Reminder,
    Test,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Bulletin => "bulletin",
            Kind::Receipt => "receipt",
            Kind::Reminder => "reminder",
            Kind::Test => "test",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Kind::Bulletin => "调度通报",
            Kind::Receipt => "报送回执",
            Kind::Reminder => "催报通知",
            Kind::Test => "测试邮件",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for its next attempt.
    Queued,
    /// Claimed by a sender (only in `<id>.sending`).
    Sending,
    /// Its data went out but no answer came: held until the office decides.
    Uncertain,
    Sent,
    Failed,
}

/// How far a claimed message got (only while `Sending`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Connecting, logging in, naming the recipients: nothing delivered yet.
    Connecting,
    /// The message data has started to go out.
    Data,
}

/// The record beside each message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub version: u32,
    pub id: String,
    /// Period + kind + recipients + content hash: the same key is the same message.
    pub key: String,
    pub kind: Kind,
    pub period: Option<String>,
    pub subject: String,
    /// The From address written into the message.
    pub from: String,
    pub recipients: Vec<String>,
    /// Recipients the server has acknowledged (all of them once sent).
    #[serde(default)]
    pub delivered_to: Vec<String>,
    pub state: State,
    pub queued_at: DateTime<FixedOffset>,
    pub attempts: u32,
    pub next_attempt_at: DateTime<FixedOffset>,
    #[serde(default)]
    pub last_attempt_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub last_error: Option<String>,
    #[serde(default)]
    pub sent_at: Option<DateTime<FixedOffset>>,
    #[serde(default)]
    pub server_reply: Option<String>,
    /// While claimed: the claiming process and how far it got.
    #[serde(default)]
    pub stage: Option<Stage>,
    #[serde(default)]
    pub pid: Option<u32>,
    /// What the office decided (`mail release`).
    #[serde(default)]
    pub note: Option<String>,
}

impl Record {
    /// Recipients not yet acknowledged.
    pub fn pending_recipients(&self) -> Vec<String> {
        self.recipients
            .iter()
            .filter(|r| !self.delivered_to.contains(r))
            .cloned()
            .collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
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

pub fn path(ws: &Workspace, folder: Folder, id: &str, ext: &str) -> PathBuf {
    ws.mail_dir(folder.name()).join(format!("{id}.{ext}"))
}

fn read_record(path: &Path) -> Result<Record> {
    let bytes = fs::read(path).with_context(|| format!("无法读取 {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("邮件记录 {} 已损坏", path.display()))
}

fn write_record(path: &Path, r: &Record) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(r)?;
    bytes.push(b'\n');
    fsx::write_atomic(path, &bytes)
}

/// Every record in `folder` with the given extension (`json`, `sending`),
/// oldest first. A record that cannot be read is logged and left alone.
pub fn load(ws: &Workspace, folder: Folder, ext: &str) -> Result<Vec<Record>> {
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
        if name.starts_with('.') || p.extension().is_none_or(|x| x != ext) {
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

/// Where a message with this id is now.
pub fn locate(ws: &Workspace, id: &str) -> Option<(Folder, Record)> {
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
    /// Written to the queue.
    New,
    /// The same message is already waiting (or held as uncertain).
    AlreadyQueued,
    /// The same message was delivered before: not sent again.
    AlreadySent,
    /// The same message had failed; it is queued again with fresh attempts.
    Requeued,
}

/// Put a message in the queue unless the same one (same id, which is made
/// from the key) is already there or was sent.
pub fn enqueue(
    ws: &Workspace,
    record: &Record,
    eml: &[u8],
    now: DateTime<FixedOffset>,
) -> Result<Enqueued> {
    if let Some((folder, mut old)) = locate(ws, &record.id) {
        match folder {
            Folder::Queue => return Ok(Enqueued::AlreadyQueued),
            Folder::Sent => return Ok(Enqueued::AlreadySent),
            Folder::Failed => {
                // The office asked for it again: a fresh start, same message.
                old.state = State::Queued;
                old.attempts = 0;
                old.next_attempt_at = now;
                old.note = Some(format!(
                    "{} 重新加入队列（此前失败：{}）",
                    now.format("%Y-%m-%d %H:%M"),
                    old.last_error.as_deref().unwrap_or("")
                ));
                let eml_failed = path(ws, Folder::Failed, &old.id, "eml");
                let eml_queue = path(ws, Folder::Queue, &old.id, "eml");
                if eml_failed.exists() {
                    fsx::move_file(&eml_failed, &eml_queue)?;
                } else {
                    fsx::write_atomic(&eml_queue, eml)?;
                }
                write_record(&path(ws, Folder::Queue, &old.id, "json"), &old)?;
                fs::remove_file(path(ws, Folder::Failed, &old.id, "json")).ok();
                return Ok(Enqueued::Requeued);
            }
        }
    }
    fsx::write_atomic(&path(ws, Folder::Queue, &record.id, "eml"), eml)?;
    write_record(&path(ws, Folder::Queue, &record.id, "json"), record)?;
    Ok(Enqueued::New)
}

/// Take a queued message for sending; `None` if another sender took it first.
pub fn claim(ws: &Workspace, id: &str) -> Result<Option<Record>> {
    let from = path(ws, Folder::Queue, id, "json");
    let to = path(ws, Folder::Queue, id, "sending");
    match fs::rename(&from, &to) {
        Ok(()) => Ok(Some(read_record(&to)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("无法读取邮件记录 {}", from.display())),
    }
}

/// Save a claimed message's record (still claimed).
pub fn save_claimed(ws: &Workspace, r: &Record) -> Result<()> {
    write_record(&path(ws, Folder::Queue, &r.id, "sending"), r)
}

/// Give a claimed message back to the queue with its new record.
pub fn unclaim(ws: &Workspace, r: &Record) -> Result<()> {
    let claimed = path(ws, Folder::Queue, &r.id, "sending");
    write_record(&claimed, r)?;
    fsx::move_file(&claimed, &path(ws, Folder::Queue, &r.id, "json"))
}

/// Move a claimed message to `sent/` or `failed/`. The record's final state
/// is written first, so a crash half way is finished by [`recover`].
pub fn finish(ws: &Workspace, r: &Record, to: Folder) -> Result<()> {
    let claimed = path(ws, Folder::Queue, &r.id, "sending");
    write_record(&claimed, r)?;
    let eml = path(ws, Folder::Queue, &r.id, "eml");
    if eml.exists() {
        fsx::move_file(&eml, &path(ws, to, &r.id, "eml"))?;
    }
    fsx::move_file(&claimed, &path(ws, to, &r.id, "json"))
}

/// Move a message that is not claimed (held as uncertain in the queue, or
/// failed) to `to`, with its record as given.
pub fn settle(ws: &Workspace, r: &Record, from: Folder, to: Folder) -> Result<()> {
    let record = path(ws, from, &r.id, "json");
    write_record(&record, r)?;
    let eml = path(ws, from, &r.id, "eml");
    if eml.exists() {
        fsx::move_file(&eml, &path(ws, to, &r.id, "eml"))?;
    }
    fsx::move_file(&record, &path(ws, to, &r.id, "json"))
}

/// Put a record back as given (release of an uncertain or failed message).
pub fn requeue(ws: &Workspace, r: &Record, from: Folder) -> Result<()> {
    if from == Folder::Failed {
        let eml = path(ws, Folder::Failed, &r.id, "eml");
        if eml.exists() {
            fsx::move_file(&eml, &path(ws, Folder::Queue, &r.id, "eml"))?;
        }
    }
    write_record(&path(ws, Folder::Queue, &r.id, "json"), r)?;
    if from == Folder::Failed {
        fs::remove_file(path(ws, Folder::Failed, &r.id, "json")).ok();
    }
    Ok(())
}

/// Finish the claims of senders that died (or hung past `stale_secs`).
/// Returns the ids that became uncertain.
pub fn recover(ws: &Workspace, now: DateTime<FixedOffset>, stale_secs: i64) -> Result<Vec<String>> {
    let mut uncertain = Vec::new();
    let dir = ws.mail_dir(Folder::Queue.name());
    let claims: Vec<PathBuf> = match fs::read_dir(&dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sending"))
            .collect(),
        Err(_) => return Ok(uncertain),
    };
    for claimed in claims {
        let Ok(mut r) = read_record(&claimed) else {
            continue;
        };
        let age = match r.pid {
            Some(_) => (now - r.last_attempt_at.unwrap_or(r.queued_at)).num_seconds(),
            // Renamed a moment ago, its claimant not yet written in: judge by
            // the file's age.
            None => fs::metadata(&claimed)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .map_or(0, |d| d.as_secs() as i64),
        };
        let claimant_alive = match r.pid {
            Some(pid) => pid != std::process::id() && process_alive(pid),
            None => true,
        };
        if claimant_alive && age <= stale_secs {
            continue;
        }
        match (r.state, r.stage) {
            (State::Sent, _) => {
                tracing::info!(id = %r.id, "finishing the move of an acknowledged message");
                finish(ws, &r, Folder::Sent)?;
                continue;
            }
            (_, Some(Stage::Data)) => {
                tracing::warn!(id = %r.id, "a send was interrupted after its data went out; holding it as uncertain");
                r.state = State::Uncertain;
                r.last_error = Some(
                    "发送过程中程序中断：邮件内容已开始发出，不能确定对方是否收到".to_string(),
                );
                uncertain.push(r.id.clone());
            }
            _ => {
                tracing::info!(id = %r.id, "a send was interrupted before its data went out; queued again");
                r.state = State::Queued;
                r.next_attempt_at = now;
            }
        }
        r.pid = None;
        r.stage = None;
        unclaim(ws, &r)?;
    }
    Ok(uncertain)
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

/// How many messages are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    /// Waiting for delivery (including one being sent now).
    pub queued: usize,
    /// Sent without an answer: held for the office to release.
    pub uncertain: usize,
    /// Gave up after the configured attempts.
    pub failed: usize,
    pub sent: usize,
}

pub fn counts(ws: &Workspace) -> Result<QueueCounts> {
    let queue = load(ws, Folder::Queue, "json")?;
    Ok(QueueCounts {
        queued: queue.iter().filter(|r| r.state == State::Queued).count()
            + load(ws, Folder::Queue, "sending")?.len(),
        uncertain: queue.iter().filter(|r| r.state == State::Uncertain).count(),
        failed: load(ws, Folder::Failed, "json")?.len(),
        sent: load(ws, Folder::Sent, "json")?.len(),
    })
}
