//! The office's say over held and failed mail: `mail release` sends a
//! message again to the recipients it is held or given up for, or records
//! that they got it.

use super::enqueue::now;
use super::queue::{self, Folder, GaveUp, RcptState, Recipient, Record};
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

/// A recipient the office decides about: held as uncertain, or given up
/// for a reason of its own. One removed from `minsheng.toml` is never sent
/// to again.
fn releasable(x: &Recipient) -> bool {
    match x.state {
        RcptState::Uncertain => true,
        RcptState::Failed => x.gave_up != Some(GaveUp::Removed),
        _ => false,
    }
}

fn open_to_release(r: &Record) -> bool {
    r.recipients.iter().any(releasable)
}

/// `mail release ID [--delivered]`: send a message again to its uncertain
/// and given-up recipients, or record that they got it.
pub fn release(ws: &Workspace, id: &str, delivered: bool) -> Result<Released> {
    super::flush::open(ws, false)?;
    let id = resolve_id(ws, id)?;
    let Some((folder, found)) = queue::locate(ws, &id) else {
        return Err(UserError::usage(format!("找不到编号为 {id} 的邮件")).into());
    };
    // A message in the queue is claimed while the decision is written, so
    // that no sender works on it meanwhile.
    let mut r = match folder {
        Folder::Queue => queue::claim(ws, &id)?
            .ok_or_else(|| UserError::usage(format!("邮件 {id} 正在发送，请稍后再试")))?,
        _ => found,
    };
    if !open_to_release(&r) {
        if folder == Folder::Queue {
            queue::unclaim(ws, &r)?;
        }
        let removed = r
            .recipients
            .iter()
            .any(|x| x.gave_up == Some(GaveUp::Removed));
        return Err(UserError::usage(match folder {
            Folder::Failed if removed => format!(
                "邮件 {id} 的收件人已从配置中移除，不再发送（如仍需发给他们，请先在 minsheng.toml 中加回）"
            ),
            Folder::Queue => format!(
                "邮件 {id} 正在发送队列中等待，无需放行（mail release 只用于“待确认”或“发送失败”的邮件）"
            ),
            _ => format!("邮件 {id} 已经发送过，无需处理"),
        })
        .into());
    }
    let stamp = now(ws);
    let when = stamp.format("%Y-%m-%d %H:%M");
    for x in r.recipients.iter_mut().filter(|x| releasable(x)) {
        if delivered {
            x.sent(None, stamp);
        } else {
            x.requeue();
        }
    }
    if delivered {
        r.note = Some(format!("{when} 办公室确认已送达"));
    } else {
        if folder == Folder::Failed {
            r.attempts = 0;
        }
        r.next_attempt_at = stamp;
        r.note = Some(format!("{when} 办公室放行重发"));
    }
    let to = r.settle_state(stamp);
    match folder {
        Folder::Queue => queue::release_claim(ws, &r, to)?,
        _ => queue::move_finished(ws, &r, folder, to.unwrap_or(Folder::Queue))?,
    }
    tracing::info!(id = %r.id, delivered, "released by the office");
    Ok(if delivered {
        Released::Delivered {
            id: r.id,
            subject: r.subject,
        }
    } else {
        Released::Requeued {
            id: r.id,
            subject: r.subject,
        }
    })
}

/// The full id for what the office typed: the id, or a part of it that
/// names one message that is waiting, held or failed.
fn resolve_id(ws: &Workspace, typed: &str) -> Result<String> {
    let typed = typed.trim();
    if queue::locate(ws, typed).is_some() {
        return Ok(typed.to_string());
    }
    let mut matches: Vec<String> = queue::load(ws, Folder::Queue, "json")?
        .into_iter()
        .chain(queue::load(ws, Folder::Failed, "json")?)
        .chain(
            queue::load(ws, Folder::Sent, "json")?
                .into_iter()
                .filter(open_to_release),
        )
        .map(|r| r.id)
        .filter(|id| !typed.is_empty() && id.contains(typed))
        .collect();
    matches.sort();
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
