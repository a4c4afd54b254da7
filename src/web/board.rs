//! The board: a period's figures as `status` gives them (one consolidation,
//! [`crate::report::view`]), its departments and their latest receipts,
//! the lagging indicators with their reasons, the mail queue. Drawn for an
//! audience: the office gets the actions, a read-only link would not.

use super::chart;
use super::serve::{AppState, Office};
use crate::error::UserError;
use crate::ledger::Ledger;
use crate::plan::Period;
use crate::report::consolidate::{PeriodView, Status};
use crate::text::percent;
use crate::workspace::Workspace;
use anyhow::Result;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub(crate) struct PeriodQuery {
    pub(crate) period: Option<String>,
}

/// The period asked for, or the default one, checked against the plan year.
pub(crate) fn chosen_period(ws: &Workspace, given: Option<&str>) -> Result<Period, UserError> {
    let Some(s) = given.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(ws.default_period());
    };
    let p: Period = s
        .parse()
        .map_err(|e: crate::plan::BadPeriod| UserError::usage(e.to_string()))?;
    if p.year != ws.catalog.plan.year {
        return Err(UserError::usage(format!(
            "期次 {p} 不在计划年度 {} 年内",
            ws.catalog.plan.year
        )));
    }
    Ok(p)
}

/// The periods still open (not closed by the office) that have begun by
/// the clock, and always the default one.
pub(crate) fn open_periods(ws: &Workspace) -> Vec<Period> {
    let today = ws.clock.today();
    let closed = ws.config.plan.closed_through;
    let default = ws.default_period();
    Period::months_of(ws.catalog.plan.year)
        .filter(|p| *p == default || (p.first_day() <= today && closed.is_none_or(|c| *p > c)))
        .collect()
}

#[derive(Serialize)]
struct Count {
    name: &'static str,
    n: usize,
    class: &'static str,
}

#[derive(Serialize)]
struct Department {
    name: String,
    state: &'static str,
    late: bool,
    received: String,
    version: Option<i64>,
    receipt_id: Option<i64>,
    receipt_name: String,
    receipt_verdict: String,
    receipt_text: Option<String>,
    marked: bool,
}

#[derive(Serialize)]
struct Lagging {
    code: String,
    name: String,
    department: String,
    value: String,
    target: String,
    rate: String,
    status: &'static str,
    class: &'static str,
    problems: String,
    measures: String,
}

#[derive(Serialize)]
struct MailRow {
    subject: String,
    kind: &'static str,
    address: String,
    state: &'static str,
    class: &'static str,
}

/// Everything the board shows of a period.
#[derive(Serialize)]
pub(crate) struct Board {
    plan: String,
    period: String,
    period_name: String,
    deadline: String,
    time: String,
    periods: Vec<(String, String)>,
    counts: Vec<Count>,
    indicators: usize,
    reported: usize,
    departments_total: usize,
    chart: minijinja::Value,
    departments: Vec<Department>,
    lagging: Vec<Lagging>,
    mail: Vec<MailRow>,
    /// The office's CSRF token: present, the page offers the actions.
    csrf: Option<String>,
    /// Where this audience's pages live: '' for the office, `/b/<token>`
    /// for the leaders.
    home: String,
    /// The office sees receipts and the mail queue; leaders the bulletins.
    office: bool,
    bulletins: Vec<Bulletin>,
}

/// A period's bulletin as the leaders' board lists it.
#[derive(Serialize)]
struct Bulletin {
    period: String,
    name: String,
    word: bool,
}

/// Who the board is drawn for.
pub(crate) enum Audience {
    /// The office, with its session's CSRF token: the actions too.
    Office { csrf: String },
    /// The leaders through their link, at `base` (`/b/<token>`): read only.
    Leaders { base: String },
}

impl Board {
    /// Read the ledger (and, for the office, the mail queue) and draw
    /// `period` for an audience.
    pub(crate) fn of(ws: &Workspace, period: Period, audience: Audience) -> Result<Board> {
        let ledger = Ledger::open(&ws.ledger_path())?;
        let v = crate::report::view(ws, &ledger, period)?;
        let latest = ledger.latest_files(period)?;
        Ok(match audience {
            Audience::Office { csrf } => {
                let mail = crate::mail::listing(ws)?;
                let mut b = Board::draw(ws, &v, &latest, Some(csrf));
                b.mail = mail_rows(&mail);
                b
            }
            Audience::Leaders { base } => {
                let mut b = Board::draw(ws, &v, &latest, None);
                b.home = base;
                b.office = false;
                // Leaders read the bulletins, not the departments' receipts.
                for d in &mut b.departments {
                    d.receipt_id = None;
                    d.receipt_text = None;
                }
                b.bulletins = ledger
                    .reported_periods(ws.catalog.plan.year)?
                    .into_iter()
                    .rev()
                    .filter(|p| {
                        let html = crate::report::bulletin_name(*p, "html");
                        ws.reports_dir(*p).join(html).is_file()
                    })
                    .map(|p| Bulletin {
                        period: p.to_string(),
                        name: p.chinese(),
                        word: ws
                            .reports_dir(p)
                            .join(crate::report::bulletin_name(p, "docx"))
                            .is_file(),
                    })
                    .collect();
                b
            }
        })
    }

    fn draw(
        ws: &Workspace,
        v: &PeriodView,
        latest: &std::collections::HashMap<String, crate::ledger::FileRow>,
        csrf: Option<String>,
    ) -> Board {
        let at = |t: chrono::DateTime<chrono::FixedOffset>| t.format("%Y-%m-%d %H:%M").to_string();
        let departments = v
            .departments
            .iter()
            .map(|d| {
                let file = latest.get(&d.name);
                let receipt = |ext: &str| {
                    file.map(|f| {
                        ws.receipts_dir("")
                            .join(format!("{}.{ext}", f.receipt_stem))
                    })
                };
                Department {
                    name: d.name.clone(),
                    state: d.state(),
                    late: d.late,
                    received: if d.submitted {
                        d.received_at.map(at).unwrap_or_default()
                    } else {
                        String::new()
                    },
                    version: d.version,
                    receipt_id: file.map(|f| f.id),
                    receipt_name: file.map(|f| f.name.clone()).unwrap_or_default(),
                    receipt_verdict: file
                        .map(|f| format!("{}（{}）", f.verdict.chinese(), at(f.received_at)))
                        .unwrap_or_default(),
                    receipt_text: receipt("txt").and_then(|p| std::fs::read_to_string(p).ok()),
                    marked: receipt("xlsx").is_some_and(|p| p.is_file()),
                }
            })
            .collect();
        let lagging = v
            .lagging()
            .into_iter()
            .map(|i| Lagging {
                code: i.indicator.code.clone(),
                name: i.indicator.name.clone(),
                department: i.indicator.department.clone(),
                value: i.value.map(|x| x.display(i.indicator)).unwrap_or_default(),
                target: format!(
                    "{}{}",
                    i.indicator.target_text(),
                    if i.indicator.kind == crate::plan::catalog::Kind::Percent {
                        "%".to_string()
                    } else {
                        i.indicator.unit.clone()
                    }
                ),
                rate: i.progress.map(percent).unwrap_or_default(),
                status: i.status.name(),
                class: chart::colour(i.status).0,
                problems: i.problems.clone(),
                measures: i.measures.clone(),
            })
            .collect();
        let selected = v.period;
        Board {
            plan: ws.catalog.plan.name.clone(),
            period: v.period.to_string(),
            period_name: v.period.chinese(),
            deadline: v.deadline.format("%Y年%-m月%-d日").to_string(),
            time: percent(v.time_progress),
            periods: open_periods(ws)
                .into_iter()
                .chain(std::iter::once(selected))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|p| (p.to_string(), p.chinese()))
                .collect(),
            counts: Status::ALL
                .iter()
                .map(|s| Count {
                    name: s.name(),
                    n: v.count(None, *s),
                    class: chart::colour(*s).0,
                })
                .collect(),
            indicators: v.indicators.len(),
            reported: v.reported_departments(),
            departments_total: v.departments.len(),
            chart: minijinja::Value::from_safe_string(chart::svg(v)),
            departments,
            lagging,
            mail: Vec::new(),
            csrf,
            home: String::new(),
            office: true,
            bulletins: Vec::new(),
        }
    }
}

/// Each recipient of each message not yet settled, and the latest sent ones.
fn mail_rows(l: &crate::mail::Listing) -> Vec<MailRow> {
    const SENT_SHOWN: usize = 20;
    let json = l.json();
    let unsettled = l.waiting.len() + l.held.len() + l.failed.len();
    let keep = unsettled + SENT_SHOWN.min(l.sent.len());
    let skip_sent = l.sent.len().saturating_sub(SENT_SHOWN);
    json.messages
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i < unsettled || *i >= unsettled + skip_sent)
        .take(keep)
        .flat_map(|(_, m)| {
            let kind = m.kind.chinese();
            let subject = m.subject;
            m.recipients.into_iter().map(move |r| {
                let (state, class) = match r.state.as_str() {
                    "queued" => ("待发送", "ontrack"),
                    "retry" => ("等待重试", "lagging"),
                    "uncertain" => ("待确认", "lagging"),
                    "sent" => ("已发送", "done"),
                    _ => ("发送失败", "severe"),
                };
                MailRow {
                    subject: subject.clone(),
                    kind,
                    address: r.address,
                    state,
                    class,
                }
            })
        })
        .collect()
}

/// `GET /`: the office's board.
pub(crate) async fn office_board(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let ws = app.ws;
    let period = match chosen_period(ws, q.period.as_deref()) {
        Ok(p) => p,
        Err(e) => return app.pages.failure(&e.into()),
    };
    let audience = Audience::Office {
        csrf: office.session.csrf.clone(),
    };
    match tokio::task::spawn_blocking(move || Board::of(ws, period, audience)).await {
        Ok(Ok(b)) => app.pages.render(StatusCode::OK, "board.html", b),
        Ok(Err(e)) => app.pages.failure(&e),
        Err(e) => app.pages.failure(&e.into()),
    }
}

/// `GET /api/status?period=P`: exactly `status --json`.
pub(crate) async fn api_status(
    State(app): State<AppState>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    status_json(&app, q).await
}

/// `status --json` of the period asked for (the office's and the leaders' API).
pub(crate) async fn status_json(app: &AppState, q: PeriodQuery) -> Response {
    let ws = app.ws;
    let period = match chosen_period(ws, q.period.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            return json(
                StatusCode::BAD_REQUEST,
                &serde_json::json!({ "error": e.message }),
            );
        }
    };
    let doc = tokio::task::spawn_blocking(move || -> Result<serde_json::Value> {
        let ledger = Ledger::open(&ws.ledger_path())?;
        let v = crate::report::view(ws, &ledger, period)?;
        crate::cycle::status_document(ws, &v)
    })
    .await
    .map_err(anyhow::Error::from)
    .and_then(|r| r);
    match doc {
        Ok(d) => json(StatusCode::OK, &d),
        Err(e) => json(
            StatusCode::INTERNAL_SERVER_ERROR,
            &serde_json::json!({ "error": crate::error::chain(&e) }),
        ),
    }
}

pub(crate) fn json(status: StatusCode, v: &impl Serialize) -> Response {
    let body = serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".into());
    let mut res = (status, format!("{body}\n")).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    res
}
