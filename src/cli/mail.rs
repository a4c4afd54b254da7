//! `minsheng mail flush|list|test|release`: the outgoing mail queue as the
//! office sees it, message by message and, under each, recipient by
//! recipient.

use super::args::MailAction;
use super::output::{print_json, print_text};
use crate::error::{ItemsFailed, UserError};
use crate::mail::{
    self, Delivery, Enqueued, FlushSummary, GaveUp, Listing, Meaning, Pause, Queued, RcptState,
    Recipient, Record, Released, Reply, State,
};
use crate::text::{pad, truncate};
use crate::workspace::Workspace;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use chrono_tz::Tz;

pub(super) fn run(ws: &Workspace, action: &MailAction) -> Result<()> {
    match action {
        MailAction::Flush => {
            let summary = mail::flush_all(ws)?;
            if summary.no_server {
                return Err(UserError::usage(
                    flush_text(&summary, ws.catalog.tz).trim_end().to_string(),
                )
                .into());
            }
            print_text(&flush_text(&summary, ws.catalog.tz))?;
            // Held or paused mail waits for the office: not a success.
            if summary.settled() {
                Ok(())
            } else {
                Err(ItemsFailed.into())
            }
        }
        MailAction::List { json } => {
            let listing = mail::listing(ws)?;
            if *json {
                print_json(&listing.json())
            } else {
                print_text(&list(ws.catalog.tz, &listing))
            }
        }
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

/// How many messages a list of deliveries is about.
fn messages(list: &[Delivery]) -> usize {
    let mut ids: Vec<&str> = list.iter().map(|d| d.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

/// A retry time as the office reads it: to the second when it is within
/// the hour, so that a retry due in seconds does not read as due now.
fn due_text(t: DateTime<FixedOffset>, now: DateTime<FixedOffset>) -> String {
    let secs = (t - now).num_seconds();
    if secs <= 0 {
        "已到重试时间，下一轮发送时重试".to_string()
    } else if secs < 60 {
        format!("{}（{secs} 秒后）", t.format("%H:%M:%S"))
    } else if secs < 3600 {
        format!("{}（约 {} 分钟后）", t.format("%H:%M:%S"), (secs + 59) / 60)
    } else {
        t.format("%m-%d %H:%M").to_string()
    }
}

/// Why delivery is paused and what to fix, for `mail flush` and `mail list`.
pub(super) fn pause_text(p: &Pause, waiting: usize, tz: Tz) -> String {
    format!(
        "发信已暂停（{} 起，已连续 {} 次未能发出）：{}
  {} 封邮件留在队列中，不计入尝试次数；问题解决后自动恢复发送（值守程序每分钟重试，也可运行 minsheng mail flush）。
",
        p.since.with_timezone(&tz).format("%Y-%m-%d %H:%M"),
        p.tries,
        p.message,
        waiting
    )
}

/// What a refusal likely means, for one line.
fn meaning_text(m: Meaning) -> String {
    format!("{}。{}", m.label(), m.advice())
}

/// What the command put in the queue, recipient by recipient.
fn queued_text(q: &Queued) -> String {
    let mut out = String::new();
    let what = format!("{}“{}”", q.kind.chinese(), truncate(&q.subject, 50));
    match q.outcome {
        Enqueued::New | Enqueued::Requeued => {
            out.push_str(&format!("已放入发信队列：{what} → {}\n", q.new.join(", ")))
        }
        Enqueued::AlreadyQueued => out.push_str(&format!("{what}未重复放入发信队列：\n")),
        Enqueued::AlreadySent => out.push_str(&format!("{what}此前已发送，未重复发送\n")),
    }
    if !q.sent_before.is_empty() {
        out.push_str(&format!(
            "  {} 此前已收到同一封邮件，不再重复发送\n",
            q.sent_before.join(", ")
        ));
    }
    if !q.waiting.is_empty() {
        out.push_str(&format!(
            "  {} 的同一封邮件已在发信队列中\n",
            q.waiting.join(", ")
        ));
    }
    if !q.refused_before.is_empty() {
        out.push_str(&format!(
            "  {} 此前被服务器拒收，不再自动重发（如需重发，运行 minsheng mail list 查看编号后用 minsheng mail release 编号）\n",
            q.refused_before.join(", ")
        ));
    }
    out
}

/// What a flush did, in a few lines of Chinese for the office: what was
/// queued, sent, given up, and what is left waiting and why.
pub(super) fn flush_text(summary: &FlushSummary, tz: Tz) -> String {
    let mut out = String::new();
    for q in &summary.queued {
        out.push_str(&queued_text(q));
    }
    if summary.no_server {
        out.push_str(&format!(
            "未配置发信服务器（minsheng.toml 中的 [smtp]），{} 封邮件保留在 outbox/mail/queue/ 中，配置后运行 minsheng mail flush 发送。\n",
            summary.waiting
        ));
        return out;
    }
    let queued_lines = out.len();
    let now = summary.at.unwrap_or_default();
    if let Some(p) = &summary.paused {
        out.push_str(&pause_text(p, summary.waiting, tz));
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
        out.push_str(&format!("已发送 {} 封：\n", messages(&summary.delivered)));
        for d in &summary.delivered {
            out.push_str(&line(d));
        }
    }
    if !summary.deferred.is_empty() {
        out.push_str(&format!(
            "未能发送 {} 封，仍在队列中，稍后自动重试：\n",
            messages(&summary.deferred)
        ));
        for d in &summary.deferred {
            out.push_str(&line(d));
            out.push_str(&format!("    第 {} 次尝试失败：{}\n", d.attempts, d.detail));
            if let Some(t) = d.next_attempt_at {
                out.push_str(&format!("    下次尝试：{}\n", due_text(t, now)));
            }
        }
    }
    if !summary.uncertain.is_empty() {
        out.push_str(&format!(
            "不能确定是否送达 {} 封，已暂停发送（避免重复）。核实后运行 minsheng mail release 编号 重发，或加 --delivered 记为已送达：\n",
            messages(&summary.uncertain)
        ));
        for d in &summary.uncertain {
            out.push_str(&line(d));
            out.push_str(&format!("    {}\n", d.detail));
        }
    }
    if !summary.failed.is_empty() {
        out.push_str(&format!(
            "发送失败 {} 封，以下收件人不再重试：\n",
            messages(&summary.failed)
        ));
        for d in &summary.failed {
            out.push_str(&line(d));
            match (&d.reply, d.meaning) {
                (Some(reply), Some(m)) => out.push_str(&format!(
                    "    服务器回复：{reply}\n    可能原因：{}\n",
                    meaning_text(m)
                )),
                _ => out.push_str(&format!("    {}\n", d.detail)),
            }
        }
        if !summary.moved_to_failed.is_empty() {
            out.push_str(&format!(
                "  其中 {} 封没有任何收件人收到，已移到 outbox/mail/failed/；可用 minsheng mail release 编号 重新发送\n",
                summary.moved_to_failed.len()
            ));
        }
    }
    if !summary.dropped.is_empty() {
        out.push_str("以下收件人已从配置中移除，不再发送（不算发送失败）：\n");
        for d in &summary.dropped {
            out.push_str(&line(d));
        }
    }
    if !summary.later.is_empty() {
        out.push_str(&format!(
            "仍在等待重试 {} 封（未到重试时间，到时自动发送；运行 minsheng mail flush 可立即重试）：\n",
            messages(&summary.later)
        ));
        for d in &summary.later {
            out.push_str(&line(d));
            if let Some(t) = d.next_attempt_at {
                out.push_str(&format!(
                    "    下次 {}，第 {} 次{}\n",
                    due_text(t, now),
                    d.attempts + 1,
                    d.reply
                        .as_deref()
                        .map(|r| format!("（上次回复：{r}）"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    if summary.busy > 0 {
        out.push_str(&format!(
            "另有 {} 封邮件正由另一个发送进程投递。\n",
            summary.busy
        ));
    }
    if out.len() == queued_lines {
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

/// One recipient's state in Chinese.
fn recipient_text(x: &Recipient, tz: Tz, now: DateTime<FixedOffset>) -> String {
    let local = |t: DateTime<FixedOffset>| t.with_timezone(&tz).fixed_offset();
    let at = |t: DateTime<FixedOffset>| local(t).format("%m-%d %H:%M").to_string();
    let reply = |prefix: &str| {
        x.reply
            .as_deref()
            .map(|r| format!("（{prefix}{r}）"))
            .unwrap_or_default()
    };
    match x.state {
        RcptState::Queued => "等待发送".to_string(),
        RcptState::Retry => format!(
            "等待重试：下次 {}，第 {} 次{}",
            x.next_try
                .map(|t| due_text(local(t), local(now)))
                .unwrap_or_default(),
            x.attempts + 1,
            reply("上次回复：")
        ),
        RcptState::Uncertain => {
            "待确认：邮件内容已发出，没有收到服务器确认，不能确定是否送达".to_string()
        }
        RcptState::Sent => format!("已送达 {}", x.at.map(at).unwrap_or_default())
            .trim_end()
            .to_string(),
        RcptState::Failed => match x.gave_up {
            Some(GaveUp::Removed) => "不再发送：已从配置中移除（不算发送失败）".to_string(),
            Some(GaveUp::Exhausted) => format!(
                "发送失败：尝试 {} 次仍未成功，已放弃{}",
                x.attempts,
                reply("上次回复：")
            ),
            _ => match x.reply.as_deref().and_then(Reply::parse) {
                Some(r) => format!(
                    "发送失败：{}（服务器回复：{}）",
                    meaning_text(r.meaning()),
                    r.line
                ),
                None => "发送失败：邮箱地址格式不对".to_string(),
            },
        },
    }
}

/// `mail list`: whether delivery is paused, then what waits, what is held,
/// what failed, what was dropped and what went out, and under each message
/// where each recipient stands.
fn list(tz: Tz, listing: &Listing) -> String {
    let local = |t: DateTime<FixedOffset>| t.with_timezone(&tz).fixed_offset();
    let at = |t: DateTime<FixedOffset>| local(t).format("%Y-%m-%d %H:%M").to_string();
    let now = listing.now;
    let entry = |r: &Record| {
        let mut s = format!(
            "  {}\n    {}  {}\n    收件人：\n",
            r.id,
            pad(r.kind.chinese(), 8),
            r.subject
        );
        for x in &r.recipients {
            s.push_str(&format!(
                "      {}  {}\n",
                x.address,
                recipient_text(x, tz, now)
            ));
        }
        s
    };
    let given_up = |r: &Record| {
        r.recipients
            .iter()
            .any(|x| x.state == RcptState::Failed && x.gave_up != Some(GaveUp::Removed))
    };
    let mut out = String::new();
    if let Some(p) = &listing.paused {
        out.push_str(&pause_text(p, listing.waiting.len(), tz));
        out.push('\n');
    }
    out.push_str(&format!("待发送（{} 封）：\n", listing.waiting.len()));
    for r in &listing.waiting {
        out.push_str(&entry(r));
        if r.state == State::Sending {
            out.push_str("    正在发送\n");
        } else if r.attempts > 0 {
            out.push_str(&format!(
                "    已尝试 {} 次，下次 {}",
                r.attempts,
                due_text(local(r.next_attempt_at), local(now))
            ));
            match &r.last_error {
                Some(e) => out.push_str(&format!("；上次失败：{e}\n")),
                None => out.push('\n'),
            }
        } else {
            out.push_str(&format!("    {} 放入队列\n", at(r.queued_at)));
        }
    }
    out.push_str(&format!(
        "\n待确认（{} 封，不能确定是否送达，暂停发送）：\n",
        listing.held.len()
    ));
    for r in &listing.held {
        out.push_str(&entry(r));
        if let Some(e) = &r.last_error {
            out.push_str(&format!("    {e}\n"));
        }
        out.push_str(&format!(
            "    查到已送达：minsheng mail release {} --delivered 记为已送达；没有送达：minsheng mail release {} 重发\n",
            r.id, r.id
        ));
    }
    out.push_str(&format!("\n发送失败（{} 封）：\n", listing.failed.len()));
    for r in &listing.failed {
        out.push_str(&entry(r));
        if let Some(e) = &r.last_error {
            out.push_str(&format!("    最后一次失败：{e}\n"));
        }
        out.push_str(&format!(
            "    共尝试 {} 次。重新发送：minsheng mail release {}\n",
            r.attempts, r.id
        ));
    }
    if !listing.removed.is_empty() {
        out.push_str(&format!(
            "\n不再发送（{} 封，收件人已从配置中移除，不算发送失败）：\n",
            listing.removed.len()
        ));
        for r in &listing.removed {
            out.push_str(&entry(r));
        }
    }
    out.push_str(&format!("\n已发送（{} 封）：\n", listing.sent.len()));
    for r in listing.sent.iter().rev() {
        out.push_str(&entry(r));
        out.push_str(&format!(
            "    {} 发送{}\n",
            r.sent_at.map(at).unwrap_or_default(),
            r.note
                .as_deref()
                .map(|n| format!("（{n}）"))
                .unwrap_or_default()
        ));
        if given_up(r) {
            out.push_str(&format!(
                "    部分收件人未收到；如需重发：minsheng mail release {}\n",
                r.id
            ));
        }
    }
    out
}
