//! Uploaded returns: saved under `var/uploads/`, then taken through the
//! same intake as `inbox/` and `ingest` (reader process, archive, ledger,
//! receipt, mail). At most `[web] max_uploads` uploads are in intake at
//! once; one intake, on its own thread, takes them: uploads that arrive
//! while it is busy go together in its next batch, so twenty departments
//! at once cost one ledger transaction and one batch of receipt mails,
//! not twenty intakes waiting on each other for the ledger.

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
use std::sync::{Arc, mpsc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};

/// The permits that bound the uploads in intake, and the way to the
/// intake's thread.
pub(crate) struct Uploads {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
}

/// One upload's saved files, its sender's department when it came through
/// a link, and where its answer goes.
struct Job {
    files: Vec<(PathBuf, String)>,
    department: Option<String>,
    answer: oneshot::Sender<Result<Vec<FileResult>>>,
}

impl Uploads {
    pub(crate) fn new(ws: &'static Workspace) -> Result<Uploads> {
        let (jobs, queue) = mpsc::channel();
        // The thread ends when the page (and so `jobs`) is dropped.
        std::thread::Builder::new()
            .name("uploads".into())
            .spawn(move || intake_loop(ws, &queue))?;
        Ok(Uploads {
            permits: Arc::new(Semaphore::new(ws.config.web.max_uploads.max(1))),
            jobs,
        })
    }

    /// A place in intake, or `None` when all are taken.
    fn try_enter(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// Take saved files through intake; `department` when they came
    /// through that department's link. The answer comes once the receipts
    /// are written and the ledger committed.
    async fn take(
        &self,
        files: Vec<(PathBuf, String)>,
        department: Option<String>,
    ) -> Result<Vec<FileResult>> {
        let (answer, answered) = oneshot::channel();
        self.jobs
            .send(Job {
                files,
                department,
                answer,
            })
            .map_err(|_| anyhow::anyhow!("接收上传的线程已停止，请重新启动服务"))?;
        answered
            .await
            .map_err(|_| anyhow::anyhow!("接收上传的线程异常退出，文件将在下次启动时处理"))?
    }
}

/// The intake's thread: waits for an upload, takes it with every upload
/// that came meanwhile, answers each, and waits again.
fn intake_loop(ws: &'static Workspace, queue: &mpsc::Receiver<Job>) {
    let mut intake: Option<Intake<'static>> = None;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        batch.extend(queue.try_iter());
        let answers = take_batch(ws, &mut intake, &batch);
        for (job, answer) in batch.into_iter().zip(answers) {
            // A client that went away takes its receipt from its page later.
            let _ = job.answer.send(answer);
        }
    }
}

/// One intake call for all the jobs' files; each job's answer, in order.
/// An intake whose workspace failed is not kept: the next batch opens a
/// new one, which finishes what this one left in hand.
fn take_batch(
    ws: &'static Workspace,
    intake: &mut Option<Intake<'static>>,
    jobs: &[Job],
) -> Vec<Result<Vec<FileResult>>> {
    let failed = |e: &anyhow::Error| {
        let why = crate::error::chain(e);
        jobs.iter().map(|_| Err(anyhow::anyhow!("{why}"))).collect()
    };
    let mut open = match intake.take() {
        Some(i) => i,
        None => match Intake::open(ws) {
            Ok(i) => i,
            Err(e) => return failed(&e),
        },
    };
    let arrivals: Vec<Arrival> = jobs
        .iter()
        .flat_map(|job| {
            job.files.iter().map(|(path, shown)| Arrival {
                path: path.clone(),
                shown: shown.clone(),
                door: Door::Upload {
                    department: job.department.clone(),
                },
            })
        })
        .collect();
    let taken = match crate::cycle::take(&mut open, ws, &arrivals) {
        Ok(t) => t,
        Err(e) => return failed(&e),
    };
    *intake = Some(open);
    for a in &arrivals {
        crate::intake::clear_stage(&a.path);
    }
    let mut results = taken.results.into_iter().zip(&arrivals);
    jobs.iter()
        .map(|job| {
            let mut out = Vec::new();
            for (r, a) in results.by_ref().take(job.files.len()) {
                match r {
                    Ok(result) => out.push(result),
                    // Left out of the answer, as `ingest` leaves it out of
                    // its document.
                    Err(e) => tracing::error!(file = %a.shown, error = %e, "upload not taken"),
                }
            }
            Ok(out)
        })
        .collect()
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
pub(crate) async fn office_upload(
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
pub(crate) async fn receive(
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
    let department = match &sender {
        Sender::Department { name, .. } => Some(name.clone()),
        Sender::Office { .. } => None,
    };
    let answered = match app.uploads.take(files, department).await {
        Ok(r) => r,
        Err(e) => return app.pages.failure(&e),
    };
    if wants_json {
        return json(StatusCode::OK, &serde_json::json!({ "results": answered }));
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
fn shown(r: &FileResult, base: &str) -> Shown {
    use crate::model::{Severity, Verdict};
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
                message: f.message.clone(),
            })
            .collect(),
        receipt: r.receipt.as_ref().map(|x| x.receipt.text.clone()),
        marked: r
            .receipt
            .as_ref()
            .filter(|x| x.xlsx.is_some())
            .map(|x| format!("{base}/receipt/{}/marked", x.id)),
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
