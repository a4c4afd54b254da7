//! A department's own page, `/d/<token>`: its form for each open period,
//! an upload box answered with the receipt at once, and its returns of the
//! plan year. The link is the department's credential; whatever a link
//! asks of another department, or a token nobody holds, is answered with
//! the same 404 page.

use super::board::open_periods;
use super::serve::{AppState, not_found};
use super::upload::{Sender, receive};
use crate::cycle::links::Owner;
use crate::ledger::{FileRow, Ledger};
use crate::model::Verdict;
use crate::plan::Period;
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What a link opens, read from the ledger on every request, so a link
/// renewed by `minsheng links --renew` stops at once.
pub(crate) fn owner_of(ws: &Workspace, token: &str) -> Result<Option<Owner>> {
    match Ledger::open_read_only(&ws.ledger_path())? {
        Some(ledger) => crate::cycle::links::owner(ws, &ledger, token),
        None => Ok(None),
    }
}

/// The department whose link `token` is, or the 404 answer.
async fn department(app: &AppState, token: &str) -> Result<String, Response> {
    let ws = app.ws;
    let token = token.to_string();
    match tokio::task::spawn_blocking(move || owner_of(ws, &token)).await {
        Ok(Ok(Some(Owner::Department(d)))) => Ok(d),
        Ok(Ok(_)) => Err(not_found(app)),
        Ok(Err(e)) => Err(app.pages.failure(&e)),
        Err(e) => Err(app.pages.failure(&e.into())),
    }
}

#[derive(Serialize)]
struct OpenPeriod {
    period: String,
    name: String,
    deadline: String,
    state: &'static str,
    class: &'static str,
}

#[derive(Serialize)]
struct Return {
    id: i64,
    period: String,
    file: String,
    received: String,
    verdict: &'static str,
    class: &'static str,
    marked: bool,
}

#[derive(Serialize)]
struct Page {
    plan: String,
    department: String,
    home: String,
    periods: Vec<OpenPeriod>,
    returns: Vec<Return>,
    max_file_mb: u64,
}

fn page(ws: &Workspace, department: &str, home: String) -> Result<Page> {
    let files = match Ledger::open_read_only(&ws.ledger_path())? {
        Some(l) => l.files_of(department, ws.catalog.plan.year)?,
        None => Vec::new(),
    };
    let latest = |p: Period| -> Option<&FileRow> { files.iter().find(|f| f.period == Some(p)) };
    let accepted = |p: Period| {
        files
            .iter()
            .any(|f| f.period == Some(p) && f.verdict == Verdict::Accepted)
    };
    let periods = open_periods(ws)
        .into_iter()
        .rev()
        .map(|p| {
            let (state, class) = if accepted(p) {
                ("已报送", "done")
            } else if latest(p).is_some_and(|f| f.verdict == Verdict::Rejected) {
                ("退回，请修改后重新上传", "severe")
            } else {
                ("未报送", "lagging")
            };
            OpenPeriod {
                period: p.to_string(),
                name: p.chinese(),
                deadline: p
                    .deadline(ws.config.plan.deadline_day)
                    .format("%Y年%-m月%-d日")
                    .to_string(),
                state,
                class,
            }
        })
        .collect();
    let returns = files
        .iter()
        .map(|f| Return {
            id: f.id,
            period: f
                .period
                .map_or_else(|| "未能识别".to_string(), |p| p.chinese()),
            file: f.name.clone(),
            received: f.received_at.format("%Y-%m-%d %H:%M").to_string(),
            verdict: f.verdict.chinese(),
            class: match f.verdict {
                Verdict::Accepted => "done",
                Verdict::Rejected => "severe",
                _ => "ontrack",
            },
            marked: ws
                .receipts_dir("")
                .join(format!("{}.xlsx", f.receipt_stem))
                .is_file(),
        })
        .collect();
    Ok(Page {
        plan: ws.catalog.plan.name.clone(),
        department: department.to_string(),
        home,
        periods,
        returns,
        max_file_mb: ws.config.limits.max_file_mb,
    })
}

/// `GET /d/<token>`.
pub(crate) async fn home(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    let dept = match department(&app, &token).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let ws = app.ws;
    let home = format!("/d/{token}");
    match tokio::task::spawn_blocking(move || page(ws, &dept, home)).await {
        Ok(Ok(p)) => app.pages.render(StatusCode::OK, "department.html", p),
        Ok(Err(e)) => app.pages.failure(&e),
        Err(e) => app.pages.failure(&e.into()),
    }
}

/// `POST /d/<token>/returns`: through the one intake, as from the inbox;
/// another department's form is rejected as `wrong_department`.
pub(crate) async fn upload(
    State(app): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let name = match department(&app, &token).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let base = format!("/d/{token}");
    receive(&app, Sender::Department { name, base }, &headers, form).await
}

/// `GET /d/<token>/form/<period>`: the form `forms` issued for an open
/// period, or issued now (as `forms --department` would).
pub(crate) async fn form(
    State(app): State<AppState>,
    Path((token, period)): Path<(String, String)>,
) -> Response {
    let dept = match department(&app, &token).await {
        Ok(d) => d,
        Err(r) => return r,
    };
    let ws = app.ws;
    let Some(period) = period
        .parse::<Period>()
        .ok()
        .filter(|p| open_periods(ws).contains(p))
    else {
        return not_found(&app);
    };
    let name = crate::form::file_name(period, &dept);
    let path = ws.forms_dir(period).join(&name);
    let made = tokio::task::spawn_blocking(move || -> Result<Vec<u8>> {
        if !path.is_file() {
            crate::cycle::gate::review_gate(ws, false, crate::cycle::gate::Act::Forms).map_err(
                |_| {
                    crate::error::UserError::usage(
                        "本期填报表尚未下发（任务目录还在核对中），请稍后再来或联系专班办公室",
                    )
                },
            )?;
            crate::cycle::issue_forms(ws, period, &[dept.as_str()])?;
        }
        std::fs::read(&path).with_context(|| format!("无法读取填报表 {}", path.display()))
    })
    .await
    .map_err(anyhow::Error::from)
    .and_then(|r| r);
    match made {
        Ok(bytes) => super::actions::download(bytes, super::actions::XLSX, &name),
        Err(e) => app.pages.failure(&e),
    }
}

/// One of the department's files, or the 404 answer for any other id.
async fn own_file(app: &AppState, token: &str, id: i64) -> Result<FileRow, Response> {
    let dept = department(app, token).await?;
    let ws = app.ws;
    let row = tokio::task::spawn_blocking(move || -> Result<Option<FileRow>> {
        Ok(match Ledger::open_read_only(&ws.ledger_path())? {
            Some(l) => l.file(id)?,
            None => None,
        })
    })
    .await
    .map_err(anyhow::Error::from)
    .and_then(|r| r);
    match row {
        Ok(Some(f)) if f.department.as_deref() == Some(dept.as_str()) => Ok(f),
        Ok(_) => Err(not_found(app)),
        Err(e) => Err(app.pages.failure(&e)),
    }
}

/// `GET /d/<token>/receipt/<id>`: a receipt of the department's own.
pub(crate) async fn receipt(
    State(app): State<AppState>,
    Path((token, id)): Path<(String, i64)>,
) -> Response {
    let f = match own_file(&app, &token, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let path = app
        .ws
        .receipts_dir("")
        .join(format!("{}.txt", f.receipt_stem));
    match std::fs::read(&path) {
        Ok(bytes) => {
            let mut res = bytes.into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            res
        }
        Err(_) => not_found(&app),
    }
}

/// `GET /d/<token>/receipt/<id>/marked`: its marked copy.
pub(crate) async fn marked(
    State(app): State<AppState>,
    Path((token, id)): Path<(String, i64)>,
) -> Response {
    let f = match own_file(&app, &token, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let name = format!("{}.xlsx", f.receipt_stem);
    let path = app.ws.receipts_dir("").join(&name);
    match std::fs::read(&path) {
        Ok(bytes) => super::actions::download(bytes, super::actions::XLSX, &name),
        Err(_) => not_found(&app),
    }
}
