//! `minsheng mail flush|list|test|release`: the outgoing mail queue as the
//! office sees it.

use super::args::MailAction;
use super::output::print_text;
use crate::error::{ItemsFailed, UserError};
use crate::mail::{self, Delivery, FlushSummary, Listing, Record, Released, State};
use crate::text::{pad, truncate};
use crate::workspace::Workspace;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};

pub(super) fn run(ws: &Workspace, action: &MailAction) -> Result<()> {
    match action {
        MailAction::Flush => {
            let summary = mail::flush_all(ws)?;
            if summary.no_server {
                return Err(UserError::usage(flush_text(&summary).trim_end().to_string()).into());
            }
            print_text(&flush_text(&summary))?;
            if summary.all_delivered() {
                Ok(())
            } else {
                Err(ItemsFailed.into())
            }
        }
        MailAction::List => print_text(&list(ws)?),
        MailAction::Test { address } => {
            let sent = mail::send_test(ws, address)?;
            print_text(&format!(
                "测试邮件已发出：{} → {}，服务器 {} 回复“{}”。请到收件箱查收（也看看垃圾邮件箱）。\n",
                sent.from, sent.to, sent.server, sent.reply
            ))
        }
        MailAction::Release { id, delivered } => {
            let line = match mail::release(ws, id, *delivered)? {
                Released::Delivered { id, subject } => {
                    format!("已记为送达，不再发送：{id}（{subject}）")
                }
                Released::Requeued { id, subject } => format!(
                    "已放回发信队列：{id}（{subject}）。运行 minsheng mail flush 立即发送，或等值守程序发送"
                ),
            };
            print_text(&format!("{line}\n"))
        }
    }
}

/// What a flush did, in a few lines of Chinese for the office.
pub(super) fn flush_text(summary: &FlushSummary) -> String {
    let mut out = String::new();
    if summary.no_server {
        out.push_str(&format!(
            "未配置发信服务器（minsheng.toml 中的 [smtp]），{} 封邮件保留在 outbox/mail/queue/ 中，配置后运行 minsheng mail flush 发送。\n",
            summary.waiting
        ));
        return out;
    }
    let line = |d: &Delivery| {
        format!(
            "  {}  {}  → {}\n",
            d.id,
            truncate(&d.subject, 50),
            d.recipients.join(", ")
        )
    };
    if !summary.delivered.is_empty() {
        out.push_str(&format!("已发送 {} 封：\n", summary.delivered.len()));
        for d in &summary.delivered {
            out.push_str(&line(d));
        }
    }
    if !summary.deferred.is_empty() {
        out.push_str(&format!(
            "未能发送 {} 封，仍在队列中，稍后自动重试：\n",
            summary.deferred.len()
        ));
        for d in &summary.deferred {
            out.push_str(&line(d));
            out.push_str(&format!("    第 {} 次尝试失败：{}\n", d.attempts, d.detail));
            if let Some(t) = d.next_attempt_at {
                out.push_str(&format!("    下次尝试：{}\n", t.format("%Y-%m-%d %H:%M")));
            }
        }
    }
    if !summary.uncertain.is_empty() {
        out.push_str(&format!(
            "不能确定是否送达 {} 封，已暂停发送（避免重复）。请向收件人核实后运行 minsheng mail release 编号 重发，或加 --delivered 记为已送达：\n",
            summary.uncertain.len()
        ));
        for d in &summary.uncertain {
            out.push_str(&line(d));
            out.push_str(&format!("    {}\n", d.detail));
        }
    }
    if !summary.failed.is_empty() {
        out.push_str(&format!(
            "发送失败 {} 封（已尝试 {} 次），已移到 outbox/mail/failed/，可用 minsheng mail release 编号 重新发送：\n",
            summary.failed.len(),
            summary.failed[0].attempts
        ));
        for d in &summary.failed {
            out.push_str(&line(d));
            out.push_str(&format!("    {}\n", d.detail));
        }
    }
    if out.is_empty() {
        out.push_str("发信队列中没有待发送的邮件。\n");
    }
    if summary.held > 0 {
        out.push_str(&format!(
            "另有 {} 封邮件不能确定是否送达，暂停发送，请运行 minsheng mail list 查看并处理。\n",
            summary.held
        ));
    }
    out
}

/// `mail list`: what waits, what is held, what failed, what went out.
fn list(ws: &Workspace) -> Result<String> {
    let Listing {
        waiting,
        held,
        failed,
        sent,
    } = mail::listing(ws)?;
    let tz = ws.catalog.tz;
    let at = |t: DateTime<FixedOffset>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let entry = |r: &Record| {
        format!(
            "  {}\n    {}  {}\n    收件人：{}\n",
            r.id,
            pad(r.kind.chinese(), 8),
            r.subject,
            r.recipients.join(", ")
        )
    };
    let mut out = String::new();
    out.push_str(&format!("待发送（{} 封）：\n", waiting.len()));
    for r in &waiting {
        out.push_str(&entry(r));
        if r.state == State::Sending {
            out.push_str("    正在发送\n");
        } else if r.attempts > 0 {
            out.push_str(&format!(
                "    已尝试 {} 次，下次 {}；上次失败：{}\n",
                r.attempts,
                at(r.next_attempt_at),
                r.last_error.as_deref().unwrap_or("")
            ));
        } else {
            out.push_str(&format!("    {} 放入队列\n", at(r.queued_at)));
        }
        if !r.delivered_to.is_empty() {
            out.push_str(&format!("    已送达：{}\n", r.delivered_to.join(", ")));
        }
    }
    out.push_str(&format!(
        "\n待确认（{} 封，不能确定是否送达，暂停发送）：\n",
        held.len()
    ));
    for r in &held {
        out.push_str(&entry(r));
        out.push_str(&format!(
            "    {}\n    核实后：minsheng mail release {} 重发，或 minsheng mail release {} --delivered 记为已送达\n",
            r.last_error.as_deref().unwrap_or(""),
            r.id,
            r.id
        ));
    }
    out.push_str(&format!("\n发送失败（{} 封）：\n", failed.len()));
    for r in &failed {
        out.push_str(&entry(r));
        out.push_str(&format!(
            "    尝试 {} 次后放弃：{}\n    重新发送：minsheng mail release {}\n",
            r.attempts,
            r.last_error.as_deref().unwrap_or(""),
            r.id
        ));
    }
    out.push_str(&format!("\n已发送（{} 封）：\n", sent.len()));
    for r in sent.iter().rev() {
        out.push_str(&entry(r));
        out.push_str(&format!(
            "    {} 发送{}\n",
            r.sent_at.map(at).unwrap_or_default(),
            r.note
                .as_deref()
                .map(|n| format!("（{n}）"))
                .unwrap_or_default()
        ));
    }
    Ok(out)
}
