//! Putting a message in the queue: its key (kind, period, recipients and a
//! hash of the content), its id, its `.eml` file. Queuing the same message
//! twice (a re-run of `report --send`) finds it queued or sent and does
//! nothing.

use super::mime::{self, Attachment, Mailbox};
use super::queue::{self, Enqueued, Kind, Record, State};
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
    pub outcome: Enqueued,
    pub recipients: Vec<String>,
}

/// A file attached to a message, as the stage that made it hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// The name the recipient sees.
    pub name: String,
    pub bytes: Vec<u8>,
}

impl File {
    /// Bytes attached under the name of the file they were written to.
    pub fn named(path: &Path, bytes: Vec<u8>) -> File {
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
    pub kind: Kind,
    pub period: Option<Period>,
    pub to: Vec<Mailbox>,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    pub attachments: Vec<File>,
}

pub(super) fn now(ws: &Workspace) -> DateTime<FixedOffset> {
    // Delivery times are real times (servers, retries), not the plan clock.
    chrono::Utc::now()
        .with_timezone(&ws.catalog.tz)
        .fixed_offset()
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

/// Put a message in the queue, or find it there (or sent) already.
pub(super) fn enqueue(ws: &Workspace, out: Outgoing) -> Result<Queued> {
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
    crate::text::hex(&Sha256::digest(&json))
}

/// The content of an attachment for the key. An Office file (a zip) is
/// hashed part by part without `docProps/core.xml`, which holds the time it
/// was written: the same workbook built again is the same attachment.
fn content_hash(bytes: &[u8]) -> String {
    zip_content_hash(bytes).unwrap_or_else(|| crate::text::hex(&Sha256::digest(bytes)))
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
}
