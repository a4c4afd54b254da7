//! Putting a message in the queue: its key (kind, period, recipients and a
//! hash of the content), its id, its `.eml` file. The same content reaches
//! an address at most once: before a message is written, every message of
//! the same kind and period saying the same thing is looked at, and an
//! address that has it waiting, held or delivered is left out (as is one
//! the server refused for good). A re-run of `report --send` queues
//! nothing; a leader added since queues the bulletin for that leader only.

use super::mime::{self, Attachment, Mailbox};
use super::queue::{self, Enqueued, Folder, GaveUp, Kind, RcptState, Recipient, Record, State};
use crate::plan::Period;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Where a message written without `[smtp]` says it comes from; the real
/// sender replaces it when the message is delivered.
const PLACEHOLDER_FROM: &str = "minsheng@localhost.invalid";

/// A message put in the queue (or found there already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Queued {
    pub id: String,
    pub(crate) kind: Kind,
    pub(crate) subject: String,
    pub outcome: Enqueued,
    /// Every address the message is for.
    pub recipients: Vec<String>,
    /// Of those, the ones it was queued for now.
    pub(crate) new: Vec<String>,
    /// Had the same message delivered before: not sent again.
    pub(crate) sent_before: Vec<String>,
    /// Have the same message waiting or held already.
    pub(crate) waiting: Vec<String>,
    /// Refused for good by the server with the same message: not queued
    /// again (`mail release` sends it again if the office wants).
    pub refused_before: Vec<String>,
}

/// A file attached to a message, as the stage that made it hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The name the recipient sees.
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

impl File {
    /// Bytes attached under the name of the file they were written to.
    pub(crate) fn named(path: &Path, bytes: Vec<u8>) -> File {
        File {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes,
        }
    }

    /// A file on disk, attached under its own name.
    pub fn read(path: &Path) -> Result<File> {
        let bytes =
            std::fs::read(path).with_context(|| format!("无法读取附件 {}", path.display()))?;
        Ok(File::named(path, bytes))
    }
}

/// A message before it is queued.
pub(super) struct Outgoing {
    pub(crate) kind: Kind,
    pub(crate) period: Option<Period>,
    /// The department a receipt or reminder is for.
    pub(crate) department: Option<String>,
    pub(crate) to: Vec<Mailbox>,
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: Option<String>,
    pub(crate) attachments: Vec<File>,
}

/// The time on the plan's clock: retries, records and the message's Date
/// follow `MINSHENG_TODAY` when it is set, like every other date rule.
pub(super) fn now(ws: &Workspace) -> DateTime<FixedOffset> {
    ws.clock.now().fixed_offset()
}

pub(super) fn sender(ws: &Workspace) -> Mailbox {
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

/// What an address has had of one content already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Had {
    Nothing,
    RefusedBefore,
    Waiting,
    Sent,
}

fn had(state: RcptState, gave_up: Option<GaveUp>) -> Had {
    match state {
        RcptState::Sent => Had::Sent,
        RcptState::Queued | RcptState::Retry | RcptState::Uncertain => Had::Waiting,
        RcptState::Failed if gave_up == Some(GaveUp::Refused) => Had::RefusedBefore,
        // Out of attempts, or removed from the configuration and named
        // again since: the office asks for it anew.
        RcptState::Failed => Had::Nothing,
    }
}

/// Put a message in the queue for the addresses that have not had the
/// same content, or find that they all have.
pub(super) fn enqueue(ws: &Workspace, out: Outgoing) -> Result<Queued> {
    enqueue_with(ws, out, true)
}

/// [`enqueue`], its files flushed at once when `durable`, else left for one
/// `queue::sync` after a batch.
pub(super) fn enqueue_with(ws: &Workspace, out: Outgoing, durable: bool) -> Result<Queued> {
    // What a crash left is settled first, so its recipients count as they
    // stand (dropping removed recipients is left to the flush that follows,
    // which reports it).
    opened(ws)?;
    let attachments: Vec<Attachment> = out
        .attachments
        .into_iter()
        .map(|f| Attachment {
            name: mime::attachment_name(&f.name),
            bytes: f.bytes,
        })
        .collect();
    // Addresses as written (a local part may be case-sensitive), known for
    // the key without regard to case.
    let mut recipients: Vec<String> = out.to.iter().map(|m| m.address.to_string()).collect();
    recipients.sort_by_key(|a| a.to_lowercase());
    recipients.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let subject = mime::clean(&out.subject);
    let period = out.period.map(|p| p.to_string());
    let content_by = |hash: fn(&[u8]) -> String| Content {
        kind: out.kind,
        period: period.as_deref(),
        subject: &subject,
        text: &out.text,
        html: out.html.as_deref(),
        attachments: attachments
            .iter()
            .map(|a| (a.name.clone(), hash(&a.bytes)))
            .collect(),
    };
    let content = content_by(content_hash);
    let prefix = id_prefix(out.kind, period.as_deref());
    let content_key = content.hash();
    // The messages of this content are found by name: the first of them is
    // `<prefix><hash>`, later ones (for recipients added since) `…-2`, `…-3`.
    let first = format!("{prefix}{}", &content_key[..16]);
    let mut same: Vec<(Folder, Record)> = Vec::new();
    let mut free = None;
    for n in 1.. {
        let id = if n == 1 {
            first.clone()
        } else {
            format!("{first}-{n}")
        };
        match queue::locate(ws, &id) {
            Some((f, r)) if r.content.as_deref() == Some(content_key.as_str()) => same.push((f, r)),
            Some(_) => {}
            None => {
                free = Some(id);
                break;
            }
        }
    }
    // Records an earlier version wrote hashed an Office attachment part by
    // part; they are matched by that hash (their content key, or for the
    // oldest, which kept none, their key), so an upgrade sends nothing again.
    let earlier = earlier_ids(ws)?;
    let mut earlier = earlier
        .iter()
        .filter(|id| id.starts_with(&prefix))
        .peekable();
    if earlier.peek().is_some() {
        let old = content_by(legacy_attachment_hash);
        let old_key = old.hash();
        for id in earlier {
            if let Some((f, r)) = queue::locate(ws, id)
                && r.kind == out.kind
                && r.period == period
                && !same.iter().any(|(_, s)| s.id == r.id)
                && match &r.content {
                    Some(c) => *c == old_key,
                    None => old.said_in(&r),
                }
            {
                same.push((f, r));
            }
        }
    }
    let before = |address: &str| {
        same.iter()
            .flat_map(|(_, r)| &r.recipients)
            .filter(|x| x.address.eq_ignore_ascii_case(address))
            .map(|x| had(x.state, x.gave_up))
            .max()
            .unwrap_or(Had::Nothing)
    };
    let mut queued = Queued {
        id: String::new(),
        kind: out.kind,
        subject: subject.clone(),
        outcome: Enqueued::New,
        recipients: recipients.clone(),
        new: Vec::new(),
        sent_before: Vec::new(),
        waiting: Vec::new(),
        refused_before: Vec::new(),
    };
    for a in &recipients {
        match before(a) {
            Had::Nothing => queued.new.push(a.clone()),
            Had::RefusedBefore => queued.refused_before.push(a.clone()),
            Had::Waiting => queued.waiting.push(a.clone()),
            Had::Sent => queued.sent_before.push(a.clone()),
        }
    }
    if queued.new.is_empty() {
        queued.outcome = if queued.waiting.is_empty() {
            Enqueued::AlreadySent
        } else {
            Enqueued::AlreadyQueued
        };
        let waiting = same.iter().find(|(f, _)| *f == Folder::Queue);
        queued.id = waiting
            .or(same.first())
            .map(|(_, r)| r.id.clone())
            .unwrap_or_default();
        if !queued.sent_before.is_empty() {
            tracing::info!(id = %queued.id, "the same message was delivered before; not sent again");
        }
        if !queued.waiting.is_empty() {
            tracing::info!(id = %queued.id, "the same message is already queued");
        }
        return Ok(queued);
    }
    if !queued.sent_before.is_empty() || !queued.waiting.is_empty() {
        tracing::info!(already = ?[&queued.sent_before, &queued.waiting], new = ?queued.new, "the same message is queued for the recipients that have not had it");
    }
    let key = content.key(&queued.new);
    let now = now(ws);
    // The same message for the same recipients that failed for all of them
    // (out of attempts) starts again rather than twice.
    let new_set = lowercase_set(&queued.new);
    if let Some((Folder::Failed, old)) = same.iter().find(|(f, r)| {
        *f == Folder::Failed
            && lowercase_set(
                &r.recipients
                    .iter()
                    .map(|x| x.address.clone())
                    .collect::<Vec<_>>(),
            ) == new_set
    }) {
        queued.id = old.id.clone();
        queued.outcome = Enqueued::Requeued;
        requeue_failed(ws, old.clone(), now)?;
        return Ok(queued);
    }
    let id = free.unwrap_or(first);
    queued.id = id.clone();
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
        content: Some(content_key),
        kind: out.kind,
        period,
        subject,
        from: from.address.to_string(),
        department: out.department,
        recipients: queued.new.iter().map(|a| Recipient::new(a)).collect(),
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
    queue::write_new(ws, &record, &eml, durable)?;
    tracing::info!(id = %id, kind = out.kind.as_str(), recipients = ?queued.new, "message queued");
    Ok(queued)
}

/// The office asked for a message that had failed for everyone: a fresh
/// start, same message.
fn requeue_failed(ws: &Workspace, mut old: Record, now: DateTime<FixedOffset>) -> Result<()> {
    old.note = Some(format!(
        "{} 重新加入队列（此前失败：{}）",
        now.format("%Y-%m-%d %H:%M"),
        old.last_error.as_deref().unwrap_or("")
    ));
    for x in old.recipients.iter_mut() {
        x.requeue();
    }
    old.attempts = 0;
    old.state = State::Queued;
    old.next_attempt_at = now;
    tracing::info!(id = %old.id, "a message that had failed is queued again");
    queue::move_finished(ws, &old, Folder::Failed, Folder::Queue)
}

/// The start of the ids of the messages of one kind and period.
fn id_prefix(kind: Kind, period: Option<&str>) -> String {
    format!(
        "{}-{}",
        kind.as_str(),
        period.map(|p| format!("{p}-")).unwrap_or_default()
    )
}

pub(super) fn message_id(from: &Mailbox, now: DateTime<FixedOffset>) -> String {
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

/// What a message says, whoever it goes to.
struct Content<'a> {
    kind: Kind,
    period: Option<&'a str>,
    subject: &'a str,
    text: &'a str,
    html: Option<&'a str>,
    attachments: Vec<(String, String)>,
}

/// The key of a message: what it says and to whom (the fields in the
/// order records of version 1 hashed them, so their keys still match).
#[derive(Serialize)]
struct KeyParts<'a> {
    kind: Kind,
    period: Option<&'a str>,
    recipients: &'a [String],
    subject: &'a str,
    text: &'a str,
    html: Option<&'a str>,
    attachments: &'a [(String, String)],
}

fn lowercase_set(addresses: &[String]) -> std::collections::BTreeSet<String> {
    addresses.iter().map(|a| a.to_lowercase()).collect()
}

/// What has been done once in this process for a workspace's queue: claims
/// a crash left settled, and the ids of the records earlier versions wrote
/// listed (they never grow: every record written since is keyed anew).
static OPENED: std::sync::Mutex<Vec<(std::path::PathBuf, std::sync::Arc<Vec<String>>)>> =
    std::sync::Mutex::new(Vec::new());

/// Settle what a crash left, once per process, before the first message is
/// queued: its recipients count as they stand (dropping removed recipients
/// is left to the flush that follows, which reports it).
fn opened(ws: &Workspace) -> Result<()> {
    earlier_ids(ws).map(|_| ())
}

fn earlier_ids(ws: &Workspace) -> Result<std::sync::Arc<Vec<String>>> {
    let root = ws.mail_dir("");
    let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, ids)) = opened.iter().find(|(r, _)| *r == root) {
        return Ok(ids.clone());
    }
    queue::recover(ws, now(ws), super::flush::stale_secs(ws), false)?;
    // Listed once per workspace and kept: reading every record of a queue
    // that has grown for a year would cost each process more and more.
    let list = root.join(EARLIER_LIST);
    let ids: Vec<String> = match std::fs::read(&list) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("无法读取 {}", list.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Every record there is now was written by an earlier version.
            let ids: Vec<String> = queue::load_everywhere(ws, "")?
                .into_iter()
                .map(|(_, r)| r.id)
                .collect();
            crate::fsx::write_atomic(&list, &serde_json::to_vec(&ids)?)?;
            // The list of an earlier version (records without a content
            // key) is part of this one.
            match std::fs::remove_file(root.join(SUPERSEDED_LIST)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    tracing::warn!(error = %e, "the earlier list of queue records was not removed")
                }
                _ => {}
            }
            ids
        }
        Err(e) => return Err(e).with_context(|| format!("无法读取 {}", list.display())),
    };
    let ids = std::sync::Arc::new(ids);
    opened.push((root, ids.clone()));
    Ok(ids)
}

/// The ids of the records written before attachments were keyed by their
/// bytes, beside the queue folders.
const EARLIER_LIST: &str = ".records-before-byte-keys.json";
/// What an earlier version kept there: the records without a content key.
const SUPERSEDED_LIST: &str = ".records-without-content.json";

impl Content<'_> {
    /// What the message says, without its recipients.
    fn hash(&self) -> String {
        let parts = KeyParts {
            kind: self.kind,
            period: self.period,
            recipients: &[],
            subject: self.subject,
            text: self.text,
            html: self.html,
            attachments: &self.attachments,
        };
        let json = serde_json::to_vec(&parts).unwrap_or_default();
        crate::text::hex(&Sha256::digest(&json))
    }

    fn key(&self, recipients: &[String]) -> String {
        let mut recipients: Vec<String> = recipients.iter().map(|a| a.to_lowercase()).collect();
        recipients.sort();
        recipients.dedup();
        let parts = KeyParts {
            kind: self.kind,
            period: self.period,
            recipients: &recipients,
            subject: self.subject,
            text: self.text,
            html: self.html,
            attachments: &self.attachments,
        };
        let json = serde_json::to_vec(&parts).unwrap_or_default();
        crate::text::hex(&Sha256::digest(&json))
    }

    /// `r` says this to its recipients (its key is this content's key for them).
    fn said_in(&self, r: &Record) -> bool {
        let to: Vec<String> = r.recipients.iter().map(|x| x.address.clone()).collect();
        self.key(&to) == r.key
    }
}

/// The content of an attachment for the key: its bytes. Every document
/// minsheng attaches is written reproducibly (its creation time is a date
/// of what it reports, its zip entries carry no clock time), so the same
/// report made again is the same bytes.
fn content_hash(bytes: &[u8]) -> String {
    crate::text::hex(&Sha256::digest(bytes))
}

/// How earlier versions hashed an attachment, for the records they wrote:
/// an Office file (a zip) part by part without `docProps/core.xml`, which
/// then held the moment it was written.
fn legacy_attachment_hash(bytes: &[u8]) -> String {
    zip_parts_hash(bytes).unwrap_or_else(|| content_hash(bytes))
}

fn zip_parts_hash(bytes: &[u8]) -> Option<String> {
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
        parts.push((name, crate::text::hex(&Sha256::digest(&content))));
    }
    parts.sort();
    let json = serde_json::to_vec(&parts).ok()?;
    Some(crate::text::hex(&Sha256::digest(&json)))
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
    fn an_earlier_version_hashed_an_office_file_without_its_creation_time() {
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
        assert_eq!(legacy_attachment_hash(&a), legacy_attachment_hash(&b));
        assert_ne!(legacy_attachment_hash(&a), legacy_attachment_hash(&c));
        assert_ne!(
            legacy_attachment_hash(b"PK not a zip"),
            legacy_attachment_hash(b"PK not a zip!")
        );
        // Now every byte counts.
        assert_ne!(content_hash(&a), content_hash(&b));
    }

    /// A bulletin an earlier version queued, keyed by its attachments'
    /// parts, is found by the new version: the leader is not sent it twice.
    #[test]
    fn a_message_an_earlier_version_queued_is_not_queued_again_after_the_upgrade() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        Workspace::init(&root).unwrap();
        let ws = Workspace::open(Some(&root)).unwrap();
        let period = crate::plan::Period::new(2024, 3).unwrap();
        let workbook = |created: &str, body: &str| {
            zip(&[("docProps/core.xml", created), ("xl/workbook.xml", body)])
        };
        let leader = "lisi@example.cn";
        let out = |bytes: Vec<u8>| Outgoing {
            kind: Kind::Bulletin,
            period: Some(period),
            department: None,
            to: vec![Mailbox::parse(leader).unwrap()],
            subject: "平江县民生可感行动调度通报（2024年第3期）".into(),
            text: "正文".into(),
            html: None,
            attachments: vec![File {
                name: "2024-03-民生实事调度汇总表.xlsx".into(),
                bytes,
            }],
        };
        // What the earlier version wrote: the workbook with the moment it
        // was written, the record keyed by its parts.
        let then = workbook("<created>2024-04-03T09:00:07Z</created>", "<workbook/>");
        let old = Content {
            kind: Kind::Bulletin,
            period: Some("2024-03"),
            subject: "平江县民生可感行动调度通报（2024年第3期）",
            text: "正文",
            html: None,
            attachments: vec![(
                mime::attachment_name("2024-03-民生实事调度汇总表.xlsx"),
                legacy_attachment_hash(&then),
            )],
        };
        let content_key = old.hash();
        let at = now(&ws);
        let record = Record {
            version: queue::RECORD_VERSION,
            id: format!(
                "{}{}",
                id_prefix(Kind::Bulletin, Some("2024-03")),
                &content_key[..16]
            ),
            key: old.key(&[leader.to_string()]),
            content: Some(content_key),
            kind: Kind::Bulletin,
            period: Some("2024-03".into()),
            subject: old.subject.to_string(),
            from: PLACEHOLDER_FROM.into(),
            department: None,
            recipients: vec![Recipient::new(leader)],
            state: State::Queued,
            queued_at: at,
            attempts: 0,
            next_attempt_at: at,
            last_attempt_at: None,
            last_error: None,
            sent_at: None,
            server_reply: None,
            stage: None,
            pid: None,
            note: None,
        };
        queue::write_new(&ws, &record, b"Subject: x\r\n\r\nx\r\n", true).unwrap();

        // The new version writes the same workbook with a fixed time.
        let same = workbook("<created>2024-04-03T00:00:00Z</created>", "<workbook/>");
        let q = enqueue(&ws, out(same)).unwrap();
        assert_eq!(q.outcome, Enqueued::AlreadyQueued);
        assert_eq!(q.id, record.id);
        assert_eq!(q.waiting, vec![leader.to_string()]);
        assert!(q.new.is_empty());

        // A workbook that says something else is a new message.
        let other = workbook(
            "<created>2024-04-03T00:00:00Z</created>",
            "<workbook changed=\"1\"/>",
        );
        let q = enqueue(&ws, out(other)).unwrap();
        assert_eq!(q.outcome, Enqueued::New);
        assert_eq!(q.new, vec![leader.to_string()]);
        let queued = std::fs::read_dir(ws.mail_dir("queue"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "json")
            })
            .count();
        assert_eq!(queued, 2);
    }
}
