//! The office's say over held and failed mail: `mail release` sends one
//! again or records that it arrived.

use super::enqueue::now;
use super::queue::{self, Folder, State};
use crate::error::UserError;
use crate::workspace::Workspace;
use anyhow::Result;

/// What `mail release` did to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Released {
    /// Recorded as delivered; never sent again.
    Delivered { id: String, subject: String },
    /// Back in the queue for the next flush.
    Requeued { id: String, subject: String },
}

/// `mail release ID [--delivered]`: send an uncertain or failed message
/// again, or record that it arrived.
pub fn release(ws: &Workspace, id: &str, delivered: bool) -> Result<Released> {
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
            Ok(Released::Delivered {
                id: r.id,
                subject: r.subject,
            })
        }
        (Folder::Queue, State::Uncertain) | (Folder::Failed, _) => {
            if folder == Folder::Failed {
                r.attempts = 0;
            }
            r.state = State::Queued;
            r.next_attempt_at = stamp;
            r.note = Some(format!("{when} 办公室放行重发"));
            queue::requeue(ws, &r, folder)?;
            Ok(Released::Requeued {
                id: r.id,
                subject: r.subject,
            })
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
