//! The three kinds of message the office sends: the bulletin to the
//! leaders, a receipt to the department that sent a file, a reminder to a
//! department that has not reported. Each is worded here and handed to the
//! queue; delivery is left to [`super::flush`].

use super::enqueue::{File, Outgoing, Queued, enqueue, enqueue_with};
use super::mime::{self, Mailbox};
use super::queue::Kind;
use crate::error::UserError;
use crate::model::Verdict;
use crate::plan::Period;
use crate::plan::catalog::Catalog;
use crate::templates::Templates;
use crate::text::{chinese_date, truncate};
use crate::workspace::Workspace;
use anyhow::Result;
use chrono::NaiveDate;

/// The bulletin as the report stage hands it over.
pub struct BulletinMail<'a> {
    pub subject: &'a str,
    pub html: &'a str,
    pub text: &'a str,
    /// The master workbook and the Word bulletin.
    pub attachments: Vec<File>,
    /// The leaders' read-only board, when it is handed out.
    pub board: Option<&'a str>,
}

/// A receipt as intake hands it over: the department's answer to one file.
pub struct ReceiptMail<'a> {
    pub(crate) department: &'a str,
    pub(crate) period: Option<Period>,
    pub(crate) verdict: Verdict,
    /// The name the department gave the file.
    pub(crate) file_name: &'a str,
    /// The receipt's text, which is the message body.
    pub(crate) text: &'a str,
    /// The receipt's `.txt` and, where there is one, its marked `.xlsx`.
    pub(crate) attachments: Vec<File>,
}

/// A reminder to a department that has not reported.
pub struct ReminderMail<'a> {
    pub(crate) department: &'a str,
    pub(crate) to: Vec<Mailbox>,
    pub(crate) period: Period,
    pub(crate) deadline: NaiveDate,
    pub(crate) today: NaiveDate,
    /// Its last return was sent back and nothing accepted since.
    pub(crate) rejected: bool,
    /// The department's form for the period, attached.
    pub(crate) form: File,
    /// The department's own web page, when it is handed out.
    pub(crate) link: Option<String>,
}

/// Queue the bulletin of `period` to every `[[leaders]]`, one message to
/// all of them. Delivery is left to [`flush`].
pub fn queue_bulletin(ws: &Workspace, period: Period, mail: &BulletinMail) -> Result<Queued> {
    if ws.config.leaders.is_empty() {
        return Err(UserError::usage(
            "minsheng.toml 中没有配置接收调度通报的领导（[[leaders]]），通报未放入发信队列",
        )
        .into());
    }
    let mut to = Vec::new();
    for (i, leader) in ws.config.leaders.iter().enumerate() {
        let address = mime::parse_address(&leader.email).map_err(|e| {
            UserError::usage(format!(
                "minsheng.toml 第 {} 个 [[leaders]]（{}）的 email：{e}",
                i + 1,
                leader.name
            ))
        })?;
        to.push(Mailbox::new(&leader.name, address));
    }
    enqueue(
        ws,
        Outgoing {
            kind: Kind::Bulletin,
            period: Some(period),
            department: None,
            to,
            subject: mail.subject.to_string(),
            text: match mail.board {
                Some(url) => format!("{BOARD_LINK}{url}\n\n{}", mail.text),
                None => mail.text.to_string(),
            },
            html: Some(match mail.board {
                Some(url) => with_board_html(mail.html, url),
                None => mail.html.to_string(),
            }),
            attachments: mail.attachments.clone(),
        },
    )
}

/// The bulletin mail's first line, before the board's address. It is
/// added to the message, not to the bulletin's templates: the bulletin's
/// files (the Word one above all, which gets passed on) never carry the
/// leaders' link, and a workspace's older templates need no edit.
const BOARD_LINK: &str = "在线查看调度看板（只读）：";

/// The bulletin's HTML with the board's link on top, where mail clients
/// put "view online": right after `<body …>`, or first if there is none.
fn with_board_html(html: &str, url: &str) -> String {
    let url = crate::text::xml_escape(url);
    let line = format!(
        "<div style=\"max-width:680px;margin:0 auto;padding:10px 6px 0 6px;font-family:'PingFang SC','Microsoft YaHei',SimSun,sans-serif;font-size:14px;line-height:1.6;color:#333;\">{BOARD_LINK}<a href=\"{url}\" style=\"color:#1F6FB2;\">{url}</a></div>\n"
    );
    // ASCII lower-casing keeps every byte where it was.
    let lower = html.to_ascii_lowercase();
    let at = lower
        .find("<body")
        .and_then(|i| lower[i..].find('>').map(|j| i + j + 1))
        .unwrap_or(0);
    let (head, body) = html.split_at(at);
    let sep = if at == 0 { "" } else { "\n" };
    format!("{head}{sep}{line}{body}")
}

/// Queue the receipts of a batch of files, each to its department if it has
/// `[departments."…"].email`, flushed to disk together.
pub fn queue_receipts(ws: &Workspace, receipts: Vec<ReceiptMail>) -> Vec<Result<Option<Queued>>> {
    let out: Vec<_> = receipts.into_iter().map(|r| receipt(ws, r)).collect();
    if out.iter().any(|r| matches!(r, Ok(Some(_))))
        && let Err(e) = super::queue::sync(ws)
    {
        let why = crate::error::chain(&e);
        return out
            .into_iter()
            .map(|r| r.and_then(|_| Err(anyhow::anyhow!("{why}"))))
            .collect();
    }
    out
}

fn receipt(ws: &Workspace, receipt: ReceiptMail) -> Result<Option<Queued>> {
    let Some(to) = department_recipients(ws, receipt.department)? else {
        tracing::debug!(department = %receipt.department, "no email for this department; receipt not mailed");
        return Ok(None);
    };
    let subject = format!(
        "【报送回执】{}{}报表{}（{}）",
        receipt.department,
        receipt
            .period
            .map(|p| format!(" {} ", p.chinese()))
            .unwrap_or_default(),
        match receipt.verdict {
            Verdict::Rejected => "被退回，请修改后重报",
            v => v.chinese(),
        },
        truncate(&mime::clean(receipt.file_name), 60)
    );
    let q = enqueue_with(
        ws,
        Outgoing {
            kind: Kind::Receipt,
            period: receipt.period,
            department: Some(receipt.department.to_string()),
            to,
            subject,
            text: receipt.text.to_string(),
            html: None,
            attachments: receipt.attachments,
        },
        false,
    )?;
    tracing::info!(id = %q.id, department = %receipt.department, "receipt queued");
    Ok(Some(q))
}

/// The addresses of `department`, if it has any configured.
pub fn department_recipients(ws: &Workspace, department: &str) -> Result<Option<Vec<Mailbox>>> {
    let Some(emails) = ws
        .config
        .departments
        .get(department)
        .and_then(|d| d.email.as_deref())
        .filter(|e| !e.trim().is_empty())
    else {
        return Ok(None);
    };
    let mut to = Vec::new();
    for one in split_emails(emails) {
        let address = mime::parse_address(one).map_err(|e| {
            UserError::usage(format!(
                "minsheng.toml 中 [departments.\"{department}\"] 的 email：{e}"
            ))
        })?;
        to.push(Mailbox::new(department, address));
    }
    Ok(Some(to))
}

/// The addresses in one `email = "…"` value.
fn split_emails(emails: &str) -> impl Iterator<Item = &str> {
    emails
        .split([',', ';', '，', '；', '、', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The addresses `minsheng.toml` gives a message of this kind now, in
/// lower case: the leaders for a bulletin, the department's for a receipt
/// or a reminder (any department's, for a record that does not name its
/// own). `None` for a test message, which is not checked.
pub(super) fn configured(
    ws: &Workspace,
    kind: Kind,
    department: Option<&str>,
) -> Option<Vec<String>> {
    let lower = |s: &str| s.trim().to_lowercase();
    match kind {
        Kind::Bulletin => Some(ws.config.leaders.iter().map(|l| lower(&l.email)).collect()),
        Kind::Receipt | Kind::Reminder => Some(
            ws.config
                .departments
                .iter()
                .filter(|(name, _)| department.is_none_or(|d| d == name.as_str()))
                .filter_map(|(_, d)| d.email.as_deref())
                .flat_map(split_emails)
                .map(lower)
                .collect(),
        ),
        Kind::Test => None,
    }
}

/// The reminder's line for the department's page, after it the address:
/// what a workspace's own `reminder.txt` gets when it does not say it.
const REMINDER_LINK: &str =
    "也可以用浏览器打开本单位专属页面，下载填报表、上传填好的表格并立即看到审核结果：";

/// `text` as it is when it already carries `url`, else with `lead` and
/// `url` as a paragraph of its own at the end. A workspace's template made
/// before the links existed still hands them out.
fn with_line(mut text: String, url: &str, lead: &str) -> String {
    if text.contains(url) {
        return text;
    }
    let end = text.trim_end().len();
    text.truncate(end);
    text.push_str(&format!("\n\n{lead}\n{url}\n"));
    text
}

/// The reminder's body from `reminder.txt`, with the department's link
/// whatever the template says.
fn reminder_text(catalog: &Catalog, templates: &Templates, r: &ReminderMail) -> Result<String> {
    let words = crate::plan::words::Words::of(catalog);
    let text = templates.render(
        "reminder.txt",
        serde_json::json!({
            "plan": words.plan,
            "issuer": words.issuer,
            "group": words.group,
            "office_name": words.office_name,
            "office": words.office,
            "department": r.department,
            "period": r.period.chinese(),
            "deadline": chinese_date(r.deadline),
            "today": chinese_date(r.today),
            "days_left": (r.deadline - r.today).num_days(),
            "overdue": r.today > r.deadline,
            "rejected": r.rejected,
            "form": r.form.name,
            "link": r.link,
        }),
    )?;
    Ok(match &r.link {
        Some(link) => with_line(text, link, REMINDER_LINK),
        None => text,
    })
}

/// Queue a reminder with the department's form attached. The reminder
/// names today's date, so a second run on the same day sends nothing new.
pub fn queue_reminder(ws: &Workspace, templates: &Templates, r: ReminderMail) -> Result<Queued> {
    let overdue = r.today > r.deadline;
    let text = reminder_text(&ws.catalog, templates, &r)?;
    let subject = if overdue {
        format!(
            "【催报】{}{}进展情况报送已逾期，请尽快报送",
            ws.catalog.plan.name,
            r.period.chinese()
        )
    } else {
        format!(
            "【催报】请于{}前报送{}{}进展情况",
            chinese_date(r.deadline),
            ws.catalog.plan.name,
            r.period.chinese()
        )
    };
    enqueue(
        ws,
        Outgoing {
            kind: Kind::Reminder,
            period: Some(r.period),
            department: Some(r.department.to_string()),
            to: r.to,
            subject,
            text,
            html: None,
            attachments: vec![r.form],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://192.0.2.10:8080/d/AbCdEfGhIjKlMnOpQrStUvWxYz012345";

    fn reminder(link: Option<&str>) -> ReminderMail<'static> {
        let period = Period::new(2024, 3).unwrap();
        ReminderMail {
            department: "县教育局",
            to: Vec::new(),
            period,
            deadline: period.deadline(5),
            today: NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
            rejected: false,
            form: File {
                name: "2024-03-县教育局.xlsx".into(),
                bytes: Vec::new(),
            },
            link: link.map(String::from),
        }
    }

    #[test]
    fn the_reminder_carries_the_link_once_when_there_is_one() {
        let dir = tempfile::tempdir().unwrap();
        let templates = Templates::load(dir.path()).unwrap();
        let catalog = crate::testutil::catalog();
        let text = reminder_text(&catalog, &templates, &reminder(Some(URL))).unwrap();
        assert_eq!(text.matches(URL).count(), 1, "{text}");
        assert!(text.contains("本单位专属页面"), "{text}");
        // The address alone on its line, so no mail client links a 。 with it.
        assert!(text.lines().any(|l| l == URL), "{text}");

        let text = reminder_text(&catalog, &templates, &reminder(None)).unwrap();
        assert!(
            !text.contains("专属页面") && !text.contains("http"),
            "{text}"
        );
        assert!(text.contains("3. 填好后保存为 .xlsx"), "{text}");
    }

    #[test]
    fn a_workspace_reminder_template_from_before_the_links_still_carries_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(
            dir.path().join("templates/reminder.txt"),
            "{{ department }}：请于{{ deadline }}前报送。\n\n办公室\n\n",
        )
        .unwrap();
        let templates = Templates::load(dir.path()).unwrap();
        let catalog = crate::testutil::catalog();
        let text = reminder_text(&catalog, &templates, &reminder(Some(URL))).unwrap();
        assert_eq!(
            text,
            format!("县教育局：请于2024年4月5日前报送。\n\n办公室\n\n{REMINDER_LINK}\n{URL}\n")
        );
        let text = reminder_text(&catalog, &templates, &reminder(None)).unwrap();
        assert!(!text.contains("专属页面"), "{text}");
    }

    #[test]
    fn the_board_link_goes_on_top_of_the_bulletin_body_escaped() {
        let html = "<!DOCTYPE html>\n<html><BODY style=\"margin:0\">\n<p>通报</p></BODY></html>";
        let out = with_board_html(html, "http://x.cn/b/a&b");
        let (head, rest) = out.split_once("<BODY style=\"margin:0\">\n").unwrap();
        assert_eq!(head, "<!DOCTYPE html>\n<html>");
        assert!(rest.starts_with("<div "), "{rest}");
        assert!(
            rest.contains(">在线查看调度看板（只读）：<a href=\"http://x.cn/b/a&amp;b\""),
            "{rest}"
        );
        assert!(rest.ends_with("\n<p>通报</p></BODY></html>"), "{rest}");
        // A body without the tag gets the line first.
        assert!(with_board_html("<p>通报</p>", "http://x.cn/b/t").starts_with("<div "));
    }
}
