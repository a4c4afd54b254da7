//! Uploaded returns: saved under `var/uploads/`, then taken through the
//! same intake as `inbox/` and `ingest` (reader process, archive, ledger,
//! receipt, mail). At most `[web] max_uploads` intakes run at once.

use super::auth;
use super::board::json;
use super::serve::{AppState, Office, SLOW, csrf_refused};
use crate::intake::{Arrival, Door, FileResult, Intake};
use crate::workspace::Workspace;
use anyhow::Result;
use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Intakes ready for the next upload, and the permits that bound them.
pub struct Pool {
    ws: &'static Workspace,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Intake<'static>>>,
}

impl Pool {
    pub fn new(ws: &'static Workspace) -> Pool {
        Pool {
            ws,
            permits: Arc::new(Semaphore::new(ws.config.web.max_uploads.max(1))),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// A place in intake, or `None` when all are taken.
    fn try_enter(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// Take saved files through intake (blocking: call off the async
    /// threads); `department` when they came through that department's link.
    fn take(&self, files: &[(PathBuf, String)], department: Option<&str>) -> Result<Vec<Answered>> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut intake = match idle {
            Some(i) => i,
            None => Intake::open(self.ws)?,
        };
        // An intake whose workspace failed is not kept.
        let results = take_files(&mut intake, self.ws, files, department)?;
        self.idle
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(intake);
        // Read only: the lookup never waits for the write lock intake holds.
        let ledger = crate::ledger::Ledger::open_read_only(&self.ws.ledger_path())?;
        results
            .into_iter()
            .map(|result| {
                // The ledger names a receipt by its path under the receipts
                // folder, without extension.
                let stem = result.receipt.as_ref().and_then(|r| {
                    let rel = r.txt.strip_prefix(self.ws.receipts_dir("")).ok()?;
                    Some(rel.with_extension("").to_string_lossy().into_owned())
                });
                let id = match stem {
                    Some(stem) => match &ledger {
                        Some(l) => l.file_by_receipt_stem(&stem)?.map(|f| f.id),
                        None => None,
                    },
                    None => None,
                };
                Ok(Answered { result, id })
            })
            .collect()
    }
}

/// A file taken in, and the ledger id its receipt is found by.
pub struct Answered {
    pub result: FileResult,
    pub id: Option<i64>,
}

/// The one call from the web page into intake: the same step as `ingest`
/// and the inbox, through the upload door (the saved file is moved in, as
/// from the inbox). A file that could not be taken at all is logged and
/// left out of the answer, as `ingest` leaves it out of its document.
fn take_files(
    intake: &mut Intake,
    ws: &Workspace,
    files: &[(PathBuf, String)],
    department: Option<&str>,
) -> Result<Vec<FileResult>> {
    let arrivals: Vec<Arrival> = files
        .iter()
        .map(|(path, shown)| Arrival {
            path: path.clone(),
            shown: shown.clone(),
            door: Door::Upload {
                department: department.map(str::to_string),
            },
        })
        .collect();
    let taken = crate::cycle::take(intake, ws, &arrivals)?;
    let mut out = Vec::new();
    for (r, (path, shown)) in taken.results.into_iter().zip(files) {
        match r {
            Ok(r) => out.push(r),
            Err(e) => {
                tracing::error!(file = %shown, error = %e, "upload not taken");
            }
        }
        crate::intake::clear_stage(path);
    }
    Ok(out)
}

/// The name a browser gave a file, without any folder some browsers add.
fn base_name(given: Option<&str>) -> String {
    let given = given.unwrap_or("");
    let base = given.rsplit(['/', '\\']).next().unwrap_or(given).trim();
    if base.is_empty() {
        "未命名.xlsx".into()
    } else {
        base.to_string()
    }
}

enum Refused {
    Csrf,
    TooLarge,
    Slow,
    Bad(String),
}

/// Read the form: its `csrf` field must come before any `file` unless the
/// header carried the token, and every `file` is saved as it arrives.
async fn read_form(
    ws: &Workspace,
    form: Multipart,
    csrf: Option<&str>,
    checked: bool,
    department: Option<&str>,
) -> Result<Vec<(PathBuf, String)>, Refused> {
    let mut saved = Vec::new();
    let fields = read_fields(ws, form, csrf, checked, department, &mut saved);
    let read = tokio::time::timeout(SLOW, fields)
        .await
        .unwrap_or(Err(Refused::Slow));
    if read.is_err() {
        // A form refused halfway takes nothing in: its saved files go.
        for (path, _) in &saved {
            if let Some(dir) = path.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }
    read.map(|()| saved)
}

async fn read_fields(
    ws: &Workspace,
    mut form: Multipart,
    csrf: Option<&str>,
    mut checked: bool,
    department: Option<&str>,
    saved: &mut Vec<(PathBuf, String)>,
) -> Result<(), Refused> {
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(Refused::TooLarge),
            Err(e) => return Err(Refused::Bad(e.body_text())),
        };
        match field.name() {
            Some("csrf") => {
                let text = field.text().await.unwrap_or_default();
                checked |= csrf.is_some_and(|c| auth::same(text.trim(), c));
            }
            Some("file") => {
                if !checked {
                    return Err(Refused::Csrf);
                }
                let name = base_name(field.file_name());
                let bytes = match field.bytes().await {
                    Ok(b) => b,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(Refused::TooLarge);
                    }
                    Err(e) => return Err(Refused::Bad(e.body_text())),
                };
                if name == "未命名.xlsx" && bytes.is_empty() {
                    // An empty file input submitted as is.
                    continue;
                }
                let unique = format!(
                    "{}-{}",
                    ws.clock.now().format("%Y%m%d%H%M%S"),
                    &auth::token()[..12]
                );
                let path = crate::intake::stage_upload(ws, &unique, &name, &bytes, department)
                    .map_err(|e| Refused::Bad(crate::error::chain(&e)))?;
                saved.push((path, name));
            }
            _ => {}
        }
    }
    if !checked {
        return Err(Refused::Csrf);
    }
    Ok(())
}

#[derive(Serialize)]
struct Shown {
    file: String,
    department: Option<String>,
    period: Option<String>,
    verdict: &'static str,
    class: &'static str,
    rejected: bool,
    findings: Vec<ShownFinding>,
    receipt: Option<String>,
    marked: Option<String>,
}

#[derive(Serialize)]
struct ShownFinding {
    error: bool,
    place: String,
    message: String,
}

/// Who sends the files.
pub enum Sender {
    /// The office, with its session's CSRF token (and whether the gate saw it).
    Office { csrf: String, checked: bool },
    /// A department through its link; the link is its credential.
    Department { name: String, base: String },
}

/// `POST /api/returns`: the office uploads returns.
pub async fn office_upload(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let sender = Sender::Office {
        csrf: office.session.csrf.clone(),
        checked: office.csrf_checked,
    };
    receive(&app, sender, &headers, form).await
}

/// Take an upload through intake and answer it: `ingest --json`'s document
/// with `Accept: application/json`, else the receipt page. The answer
/// comes once every file has been through intake.
pub async fn receive(
    app: &AppState,
    sender: Sender,
    headers: &HeaderMap,
    form: Multipart,
) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"));
    let Some(_permit) = app.uploads.try_enter() else {
        let mut res = app.pages.message(
            StatusCode::SERVICE_UNAVAILABLE,
            "正在处理其他上传",
            "同时上传的人较多，请稍等片刻再试。",
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        return res;
    };
    let ws = app.ws;
    let read = match &sender {
        Sender::Office { csrf, checked } => read_form(ws, form, Some(csrf), *checked, None).await,
        Sender::Department { name, .. } => read_form(ws, form, None, true, Some(name)).await,
    };
    let files = match read {
        Ok(f) => f,
        Err(Refused::Csrf) => return csrf_refused(app),
        Err(Refused::TooLarge) => {
            return app.pages.message(
                StatusCode::PAYLOAD_TOO_LARGE,
                "文件太大",
                &format!(
                    "上传的内容超过 {} MB 的上限，未接收。",
                    ws.config.limits.max_file_mb
                ),
            );
        }
        Err(Refused::Slow) => {
            return app.pages.message(
                StatusCode::REQUEST_TIMEOUT,
                "上传超时",
                "上传太慢，已中断，请重新上传。",
            );
        }
        Err(Refused::Bad(why)) => {
            return app
                .pages
                .message(StatusCode::BAD_REQUEST, "上传内容有误", &why);
        }
    };
    let pool = app.clone();
    let department = match &sender {
        Sender::Department { name, .. } => Some(name.clone()),
        Sender::Office { .. } => None,
    };
    let taken =
        tokio::task::spawn_blocking(move || pool.uploads.take(&files, department.as_deref()))
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r);
    let answered = match taken {
        Ok(r) => r,
        Err(e) => return app.pages.failure(&e),
    };
    if wants_json {
        let results: Vec<&FileResult> = answered.iter().map(|a| &a.result).collect();
        return json(StatusCode::OK, &serde_json::json!({ "results": results }));
    }
    let (base, csrf, department) = match &sender {
        Sender::Office { csrf, .. } => (String::new(), Some(csrf.clone()), None),
        Sender::Department { name, base } => (base.clone(), None, Some(name.clone())),
    };
    let shown: Vec<Shown> = answered.iter().map(|a| shown(a, &base)).collect();
    app.pages.render(
        StatusCode::OK,
        "receipts.html",
        serde_json::json!({
            "results": shown,
            "csrf": csrf,
            "home": if base.is_empty() { "/".to_string() } else { base },
            "department": department,
        }),
    )
}

/// One file's answer as the receipt page shows it; `base` is where the
/// sender's pages live ('' for the office).
fn shown(a: &Answered, base: &str) -> Shown {
    use crate::model::{Severity, Verdict};
    let r = &a.result;
    let has_marked = r.receipt.as_ref().is_some_and(|x| x.xlsx.is_some());
    Shown {
        file: r.file.clone(),
        department: r.department.clone(),
        period: r.period.map(|p| p.chinese()),
        verdict: r.verdict.chinese(),
        class: match r.verdict {
            Verdict::Accepted if r.findings.is_empty() => "done",
            Verdict::Accepted | Verdict::Duplicate | Verdict::Skipped => "ontrack",
            Verdict::Rejected => "severe",
        },
        rejected: r.verdict == Verdict::Rejected,
        findings: r
            .findings
            .iter()
            .map(|f| ShownFinding {
                error: f.severity == Severity::Error,
                // The message itself opens with the cell it names.
                place: String::new(),
                message: f.message.clone(),
            })
            .collect(),
        receipt: r.receipt.as_ref().map(|x| x.receipt.text.clone()),
        marked: a
            .id
            .filter(|_| has_marked)
            .map(|id| format!("{base}/receipt/{id}/marked")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_path_keeps_only_the_file_name() {
        assert_eq!(
            base_name(Some("C:\\Users\\x\\2024-03-县教育局.xlsx")),
            "2024-03-县教育局.xlsx"
        );
        assert_eq!(base_name(Some("../../etc/passwd")), "passwd");
        assert_eq!(base_name(None), "未命名.xlsx");
    }
}
