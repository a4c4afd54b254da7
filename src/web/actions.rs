//! The office's actions, each through the code its command runs: the
//! period's forms as one zip (`forms`), the report (`report`), sending the
//! bulletin (`report --send`), reminders (`remind`), and the files they
//! make. Files are found from typed values (a period, a ledger id), never
//! from a path in the URL.

// A handler's early answer is a whole response; boxing it buys nothing.
#![allow(clippy::result_large_err)]

use super::board::{PeriodQuery, chosen_period};
use super::serve::{AppState, Office};
use crate::ledger::Ledger;
use crate::plan::Period;
use crate::report;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::io::Write;

#[derive(Deserialize)]
pub(crate) struct PeriodForm {
    period: Option<String>,
}

/// Run blocking work off the async threads; a failure becomes a page in Chinese.
async fn blocking<T: Send + 'static>(
    app: &AppState,
    f: impl FnOnce(&'static Workspace) -> Result<T> + Send + 'static,
) -> Result<T, Response> {
    let ws = app.ws;
    match tokio::task::spawn_blocking(move || f(ws)).await {
        Ok(Ok(t)) => Ok(t),
        Ok(Err(e)) => Err(app.pages.failure(&e)),
        Err(e) => Err(app.pages.failure(&e.into())),
    }
}

fn period_of(app: &AppState, given: Option<&str>) -> Result<Period, Response> {
    chosen_period(app.ws, given).map_err(|e| app.pages.failure(&e.into()))
}

/// A download: its bytes, type and the name the browser saves it as.
pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub(crate) const DOCX: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// `POST /forms`: issue the period's forms (as `forms` does) and answer them as one zip.
pub(crate) async fn forms_zip(
    State(app): State<AppState>,
    axum::Form(f): axum::Form<PeriodForm>,
) -> Response {
    let period = match period_of(&app, f.period.as_deref()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let made = blocking(&app, move |ws| {
        crate::cycle::gate::review_gate(ws, false, crate::cycle::gate::Act::Forms)
            .map_err(crate::cycle::gate::Refused::usage)?;
        let departments: Vec<&str> = ws.catalog.departments.iter().map(String::as_str).collect();
        let issued = crate::cycle::issue_forms(ws, period, &departments)?;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for f in &issued {
            let name = crate::form::file_name(period, &f.department);
            let bytes = std::fs::read(&f.file)
                .with_context(|| format!("无法读取填报表 {}", f.file.display()))?;
            zip.start_file(name, options)?;
            zip.write_all(&bytes)?;
        }
        Ok(zip.finish()?.into_inner())
    })
    .await;
    match made {
        Ok(bytes) => download(bytes, "application/zip", &format!("{period}-填报表.zip")),
        Err(r) => r,
    }
}

/// `POST /report`: make the period's report (as `report` does) and show
/// where to read it.
pub(crate) async fn make_report(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
    axum::Form(f): axum::Form<PeriodForm>,
) -> Response {
    let period = match period_of(&app, f.period.as_deref()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let made = blocking(&app, move |ws| {
        let ledger = Ledger::open(&ws.ledger_path())?;
        let v = report::view(ws, &ledger, period)?;
        let files = report::write(ws, &ledger, &v)?;
        Ok(files.subject)
    })
    .await;
    match made {
        Ok(subject) => app.pages.render(
            StatusCode::OK,
            "report.html",
            serde_json::json!({
                "period": period.to_string(),
                "period_name": period.chinese(),
                "subject": subject,
                "csrf": office.session.csrf,
            }),
        ),
        Err(r) => r,
    }
}

/// A file of a period's report, by the period (typed) and which file.
async fn report_file(
    app: AppState,
    period: String,
    ext: &'static str,
) -> Result<(Period, Vec<u8>), Response> {
    let period = period_of(&app, Some(&period))?;
    let path = app.ws.reports_dir(period).join(match ext {
        "xlsx" => report::workbook_name(period),
        e => report::bulletin_name(period, e),
    });
    match std::fs::read(&path) {
        Ok(b) => Ok((period, b)),
        Err(_) => Err(app.pages.message(
            StatusCode::NOT_FOUND,
            "尚未生成",
            &format!(
                "{}的调度通报尚未生成，请先在首页点“生成调度通报”。",
                period.chinese()
            ),
        )),
    }
}

/// `GET /report/<period>/bulletin`: the very HTML the leaders get. Its
/// styles are inline, as mail needs; scripts stay forbidden.
pub(crate) async fn bulletin(State(app): State<AppState>, Path(period): Path<String>) -> Response {
    match report_file(app, period, "html").await {
        Ok((_, bytes)) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'none'"),
            );
            res
        }
        Err(r) => r,
    }
}

pub(crate) async fn workbook(State(app): State<AppState>, Path(period): Path<String>) -> Response {
    match report_file(app, period, "xlsx").await {
        Ok((p, bytes)) => download(bytes, XLSX, &report::workbook_name(p)),
        Err(r) => r,
    }
}

pub(crate) async fn word(State(app): State<AppState>, Path(period): Path<String>) -> Response {
    match report_file(app, period, "docx").await {
        Ok((p, bytes)) => download(bytes, DOCX, &report::bulletin_name(p, "docx")),
        Err(r) => r,
    }
}

/// `GET /doctor`: the checks of `minsheng doctor`, the SMTP login included.
pub(crate) async fn doctor(State(app): State<AppState>) -> Response {
    use crate::cycle::doctor::{self, Probes};
    let checks = blocking(&app, |ws| {
        Ok(doctor::run(&ws.root, Probes { smtp_login: true }))
    })
    .await;
    match checks {
        Ok(checks) => {
            let rows: Vec<_> = checks
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "level": c.level,
                        "label": c.level.label(),
                        "title": c.title,
                        "message": c.message,
                        "fix": c.fix,
                    })
                })
                .collect();
            app.pages.render(
                StatusCode::OK,
                "doctor.html",
                serde_json::json!({ "checks": rows, "failed": doctor::failed(&checks) }),
            )
        }
        Err(r) => r,
    }
}

/// `GET /send?period=P`: what sending would do, or why it is refused.
pub(crate) async fn send_confirm(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = match period_of(&app, q.period.as_deref()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ws = app.ws;
    let refused = crate::cycle::gate::review_gate(ws, false, crate::cycle::gate::Act::Bulletin)
        .err()
        .map(|e| e.to_string());
    let leaders: Vec<_> = ws
        .config
        .leaders
        .iter()
        .map(|l| serde_json::json!({ "name": l.name, "title": l.title, "email": l.email }))
        .collect();
    app.pages.render(
        StatusCode::OK,
        "send.html",
        serde_json::json!({
            "period": period.to_string(),
            "period_name": period.chinese(),
            "refused": refused,
            "leaders": leaders,
            "csrf": office.session.csrf,
        }),
    )
}

/// `POST /send`: the review gate, the report, the bulletin queued to the
/// leaders and tried at once, as `report --send`.
pub(crate) async fn send(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
    axum::Form(f): axum::Form<PeriodForm>,
) -> Response {
    let period = match period_of(&app, f.period.as_deref()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let sent = blocking(&app, move |ws| {
        crate::cycle::gate::review_gate(ws, false, crate::cycle::gate::Act::Bulletin)
            .map_err(crate::cycle::gate::Refused::usage)?;
        let ledger = Ledger::open(&ws.ledger_path())?;
        let v = report::view(ws, &ledger, period)?;
        let files = report::write(ws, &ledger, &v)?;
        let summary = crate::cycle::send_bulletin(ws, period, &files)?;
        Ok((files.subject, flush_lines(&summary)))
    })
    .await;
    match sent {
        Ok((subject, lines)) => app.pages.render(
            StatusCode::OK,
            "message.html",
            serde_json::json!({
                "title": "调度通报已交付发送",
                "text": subject,
                "lines": lines,
                "back": format!("/?period={period}"),
                "csrf": office.session.csrf,
            }),
        ),
        Err(r) => r,
    }
}

/// What a flush did, a line per message, in Chinese.
fn flush_lines(s: &crate::mail::FlushSummary) -> Vec<String> {
    let mut out = Vec::new();
    if s.no_server {
        out.push(format!(
            "未配置发信服务器（minsheng.toml 中的 [smtp]），{} 封邮件保留在发信队列中，配置后自动发送。",
            s.waiting
        ));
        return out;
    }
    for d in &s.delivered {
        out.push(format!(
            "已发送：{} → {}",
            d.subject,
            d.recipients.join("、")
        ));
    }
    for d in s.deferred.iter().chain(&s.later) {
        out.push(format!(
            "暂未发出，稍后自动重试：{}（{}）",
            d.subject, d.detail
        ));
    }
    for d in &s.uncertain {
        out.push(format!(
            "不能确定是否送达，已暂停：{}（{}）",
            d.subject, d.detail
        ));
    }
    for d in &s.failed {
        out.push(format!(
            "发送失败：{} → {}（{}）",
            d.subject,
            d.recipients.join("、"),
            d.detail
        ));
    }
    out
}

/// `GET /remind?period=P`: who would be reminded, and whom to phone.
pub(crate) async fn remind_confirm(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let period = match period_of(&app, q.period.as_deref()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let listed = blocking(&app, move |ws| {
        let ledger = Ledger::open(&ws.ledger_path())?;
        let v = report::view(ws, &ledger, period)?;
        let late: Vec<_> = v
            .departments
            .iter()
            .filter(|d| !d.submitted)
            .map(|d| {
                let cfg = ws.config.departments.get(&d.name);
                serde_json::json!({
                    "name": d.name,
                    "state": d.state(),
                    "email": cfg.and_then(|c| c.email.clone()),
                    "contact": cfg.and_then(|c| c.contact.clone()),
                    "phone": cfg.and_then(|c| c.phone.clone()),
                })
            })
            .collect();
        Ok(late)
    })
    .await;
    let refused =
        crate::cycle::gate::review_gate(app.ws, false, crate::cycle::gate::Act::Reminders)
            .err()
            .map(|e| e.to_string());
    match listed {
        Ok(late) => app.pages.render(
            StatusCode::OK,
            "remind.html",
            serde_json::json!({
                "period": period.to_string(),
                "period_name": period.chinese(),
                "late": late,
                "refused": refused,
                "csrf": office.session.csrf,
                "done": false,
            }),
        ),
        Err(r) => r,
    }
}

/// `POST /remind`: queue and send the reminders, as `remind` does.
pub(crate) async fn remind(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
    axum::Form(f): axum::Form<PeriodForm>,
) -> Response {
    let period = match period_of(&app, f.period.as_deref()) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let done = blocking(&app, move |ws| {
        crate::cycle::gate::review_gate(ws, false, crate::cycle::gate::Act::Reminders)
            .map_err(crate::cycle::gate::Refused::usage)?;
        let (summary, sent) = crate::cycle::remind::remind_and_send(ws, period)?;
        let lines = sent.as_ref().map(flush_lines).unwrap_or_default();
        Ok((summary, lines))
    })
    .await;
    match done {
        Ok((summary, lines)) => {
            let reminded: Vec<_> = summary
                .reminded
                .iter()
                .map(|r| serde_json::json!({ "name": r.department, "to": r.queued.recipients.join("、") }))
                .collect();
            let phone: Vec<_> = summary
                .no_email
                .iter()
                .map(|n| serde_json::json!({ "name": n.department, "contact": n.contact, "phone": n.phone }))
                .collect();
            let problems: Vec<_> = summary
                .problems
                .iter()
                .map(|(d, why)| format!("{d}：{why}"))
                .collect();
            app.pages.render(
                StatusCode::OK,
                "remind.html",
                serde_json::json!({
                    "period": period.to_string(),
                    "period_name": period.chinese(),
                    "done": true,
                    "reminded": reminded,
                    "phone": phone,
                    "problems": problems,
                    "lines": lines,
                    "csrf": office.session.csrf,
                }),
            )
        }
        Err(r) => r,
    }
}

/// A receipt file of a ledger entry: `txt` or the marked `xlsx`.
async fn receipt_file(
    app: &AppState,
    id: i64,
    ext: &'static str,
) -> Result<(String, Vec<u8>), Response> {
    let found = blocking(app, move |ws| {
        let ledger = Ledger::open(&ws.ledger_path())?;
        Ok(ledger.file(id)?.and_then(|row| {
            let path = ws
                .receipts_dir("")
                .join(format!("{}.{ext}", row.receipt_stem));
            let name = path.file_name()?.to_string_lossy().into_owned();
            std::fs::read(&path).ok().map(|b| (name, b))
        }))
    })
    .await?;
    found.ok_or_else(|| {
        app.pages.message(
            StatusCode::NOT_FOUND,
            "找不到该回执",
            "没有这份回执，或它已被移走。",
        )
    })
}

/// `GET /receipt/<id>`: a receipt's text.
pub(crate) async fn receipt_text(State(app): State<AppState>, Path(id): Path<i64>) -> Response {
    match receipt_file(&app, id, "txt").await {
        Ok((_, bytes)) => {
            let mut res = bytes.into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            res
        }
        Err(r) => r,
    }
}

/// `GET /receipt/<id>/marked`: the return with each finding's cell marked.
pub(crate) async fn marked_copy(State(app): State<AppState>, Path(id): Path<i64>) -> Response {
    match receipt_file(&app, id, "xlsx").await {
        Ok((name, bytes)) => download(bytes, XLSX, &name),
        Err(r) => r,
    }
}
