//! The leaders' read-only board, `/b/<token>`: the office's board without
//! its actions, receipts or mail queue, the bulletins of the plan year,
//! and `status --json` at `/b/<token>/api/status`. Nothing here writes.

use super::board::{Audience, Board, PeriodQuery, chosen_period, status_json};
use super::department::owner_of;
use super::serve::{AppState, not_found};
use crate::cycle::links::Owner;
use crate::plan::Period;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Whether `token` is the board's link; anything else is the 404 answer.
async fn board_link(app: &AppState, token: &str) -> Result<(), Response> {
    let ws = app.ws;
    let token = token.to_string();
    match tokio::task::spawn_blocking(move || owner_of(ws, &token)).await {
        Ok(Ok(Some(Owner::Board))) => Ok(()),
        Ok(Ok(_)) => Err(not_found(app)),
        Ok(Err(e)) => Err(app.pages.failure(&e)),
        Err(e) => Err(app.pages.failure(&e.into())),
    }
}

/// `GET /b/<token>?period=P`.
pub(crate) async fn board(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    if let Err(r) = board_link(&app, &token).await {
        return r;
    }
    let ws = app.ws;
    let period = match chosen_period(ws, q.period.as_deref()) {
        Ok(p) => p,
        Err(e) => return app.pages.failure(&e.into()),
    };
    let audience = Audience::Leaders {
        base: format!("/b/{token}"),
    };
    match tokio::task::spawn_blocking(move || Board::of(ws, period, audience)).await {
        Ok(Ok(b)) => app.pages.render(StatusCode::OK, "board.html", b),
        Ok(Err(e)) => app.pages.failure(&e),
        Err(e) => app.pages.failure(&e.into()),
    }
}

/// `GET /b/<token>/api/status?period=P`: exactly `status --json`.
pub(crate) async fn status(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    if let Err(r) = board_link(&app, &token).await {
        return r;
    }
    status_json(&app, q).await
}

/// A period's bulletin file, by the period (typed), never a path from the URL.
async fn bulletin_file(
    app: &AppState,
    token: &str,
    period: &str,
    ext: &'static str,
) -> Result<(Period, Vec<u8>), Response> {
    board_link(app, token).await?;
    let period = chosen_period(app.ws, Some(period)).map_err(|_| not_found(app))?;
    let path = app
        .ws
        .reports_dir(period)
        .join(crate::report::bulletin_name(period, ext));
    std::fs::read(&path)
        .map(|b| (period, b))
        .map_err(|_| not_found(app))
}

/// `GET /b/<token>/bulletin/<period>`: the bulletin the leaders were mailed.
pub(crate) async fn bulletin(
    State(app): State<AppState>,
    Path((token, period)): Path<(String, String)>,
) -> Response {
    match bulletin_file(&app, &token, &period, "html").await {
        Ok((_, bytes)) => {
            let mut res = bytes.into_response();
            let h = res.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            // Its styles are inline, as mail needs; scripts stay forbidden.
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'none'"),
            );
            res
        }
        Err(r) => r,
    }
}

/// `GET /b/<token>/word/<period>`: the bulletin as Word.
pub(crate) async fn word(
    State(app): State<AppState>,
    Path((token, period)): Path<(String, String)>,
) -> Response {
    match bulletin_file(&app, &token, &period, "docx").await {
        Ok((p, bytes)) => super::actions::download(
            bytes,
            super::actions::DOCX,
            &crate::report::bulletin_name(p, "docx"),
        ),
        Err(r) => r,
    }
}
