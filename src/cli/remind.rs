//! `minsheng remind [--period P]`: queue the reminders, try to deliver them,
//! and say who was reminded and whom to phone.

use super::mail::flush_text;
use super::output::print_text;
use crate::cycle::remind::{RemindSummary, remind_and_send};
use crate::error::ItemsFailed;
use crate::mail::Enqueued;
use crate::text::chinese_date;
use crate::workspace::Workspace;
use anyhow::Result;

pub(super) fn run(ws: &Workspace, period: Option<&str>, draft: bool) -> Result<()> {
    crate::cycle::gate::review_gate(ws, draft, crate::cycle::gate::Act::Reminders)
        .map_err(crate::cycle::gate::Refused::usage)?;
    let period = super::period_arg(ws, period)?;
    let (summary, sent) = remind_and_send(ws, period)?;
    print_text(&render_reminders(ws, &summary))?;
    let mut failed = !summary.problems.is_empty();
    if let Some(f) = sent {
        print_text(&flush_text(&f, ws.catalog.tz))?;
        failed |= !f.all_delivered();
    }
    if failed {
        return Err(ItemsFailed.into());
    }
    Ok(())
}

fn render_reminders(ws: &Workspace, summary: &RemindSummary) -> String {
    let mut out = format!(
        "{} {} 报送截止 {}，已报送 {} / {} 个单位。\n",
        ws.catalog.plan.name,
        summary.period.chinese(),
        chinese_date(summary.deadline),
        summary.reported,
        summary.departments
    );
    if summary.reminded.is_empty() && summary.no_email.is_empty() && summary.problems.is_empty() {
        out.push_str("所有单位均已报送，无需催报。\n");
    }
    if !summary.reminded.is_empty() {
        out.push_str(&format!("已催报 {} 个单位：\n", summary.reminded.len()));
        for r in &summary.reminded {
            let how = match r.queued.outcome {
                Enqueued::New | Enqueued::Requeued => "催报邮件已放入发信队列",
                Enqueued::AlreadyQueued => "今天的催报邮件已在发信队列中",
                Enqueued::AlreadySent => "今天已发过催报邮件，未重复发送",
            };
            out.push_str(&format!(
                "  {} → {}（{how}）\n",
                r.department,
                r.queued.recipients.join(", ")
            ));
        }
    }
    if !summary.no_email.is_empty() {
        out.push_str(&format!(
            "以下 {} 个单位未报送且未配置邮箱，请电话催报：\n",
            summary.no_email.len()
        ));
        let mut unknown = Vec::new();
        for n in &summary.no_email {
            if n.contact.is_none() && n.phone.is_none() {
                unknown.push(n.department.as_str());
                continue;
            }
            let mut line = format!("  {}", n.department);
            if let Some(c) = &n.contact {
                line.push_str(&format!("  联系人 {c}"));
            }
            if let Some(p) = &n.phone {
                line.push_str(&format!("  电话 {p}"));
            }
            out.push_str(&line);
            out.push('\n');
        }
        if !unknown.is_empty() {
            out.push_str(&format!("  未登记联系人：{}\n", unknown.join("、")));
        }
    }
    for (dept, why) in &summary.problems {
        out.push_str(&format!("  {dept}：催报邮件未能生成：{why}\n"));
    }
    out
}
