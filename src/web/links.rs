//! The office's list of links (`/links`): each department's own link and
//! the leaders' board link, to copy and hand out, and to renew one that
//! leaked: the same code as `minsheng links [--renew DEPT | --renew-all]`.

use super::serve::{AppState, Office};
use crate::cycle::links::{self, Links, Renew};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

fn render(app: &AppState, office: &Office, l: &Links, notice: Option<String>) -> Response {
    let ws = app.ws;
    app.pages.render(
        StatusCode::OK,
        "links.html",
        serde_json::json!({
            "csrf": office.session.csrf,
            "links": l.links,
            "board": l.board,
            "notice": notice,
            "public_url": ws.config.web.public_url,
        }),
    )
}

/// `GET /links`.
pub(crate) async fn list(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
) -> Response {
    let ws = app.ws;
    match tokio::task::spawn_blocking(move || links::links(ws)).await {
        Ok(Ok(l)) => render(&app, &office, &l, None),
        Ok(Err(e)) => app.pages.failure(&e),
        Err(e) => app.pages.failure(&e.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct RenewForm {
    #[serde(default)]
    department: String,
}

/// `POST /links/renew`: replace one department's link (`department`), or
/// every link with `department` = `*`.
pub(crate) async fn renew(
    State(app): State<AppState>,
    Extension(office): Extension<Office>,
    axum::Form(f): axum::Form<RenewForm>,
) -> Response {
    let which = match f.department.trim() {
        "*" => Renew::All,
        d => Renew::Department(d.to_string()),
    };
    let notice = match &which {
        Renew::All => {
            "已更换全部链接（含领导看板），旧链接已失效。请把新链接重新发给各单位和领导。"
                .to_string()
        }
        Renew::Department(d) => format!("已更换{d}的链接，旧链接已失效。请把新链接发给该单位。"),
    };
    let ws = app.ws;
    match tokio::task::spawn_blocking(move || links::renew(ws, &which)).await {
        Ok(Ok(l)) => render(&app, &office, &l, Some(notice)),
        Ok(Err(e)) => app.pages.failure(&e),
        Err(e) => app.pages.failure(&e.into()),
    }
}
