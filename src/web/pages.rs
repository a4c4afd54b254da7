//! The page templates (minijinja, escaping every value by default: their
//! names end in `.html`), built into the binary.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("pages/layout.html")),
    ("board.html", include_str!("pages/board.html")),
    ("login.html", include_str!("pages/login.html")),
    ("message.html", include_str!("pages/message.html")),
    ("receipts.html", include_str!("pages/receipts.html")),
    ("report.html", include_str!("pages/report.html")),
    ("send.html", include_str!("pages/send.html")),
    ("remind.html", include_str!("pages/remind.html")),
    ("doctor.html", include_str!("pages/doctor.html")),
    ("department.html", include_str!("pages/department.html")),
    ("links.html", include_str!("pages/links.html")),
];

pub(crate) struct Pages {
    env: minijinja::Environment<'static>,
}

impl Pages {
    /// `password` is where the office password's hash lives: the pages
    /// offer 退出登录 only when there is one to log in with.
    pub(crate) fn new(password: std::path::PathBuf) -> Pages {
        let mut env = minijinja::Environment::new();
        env.add_function("password_set", move || password.is_file());
        for (name, src) in TEMPLATES {
            env.add_template(name, src)
                .expect("the built-in page templates parse");
        }
        Pages { env }
    }

    /// Render `name` as a page.
    pub(crate) fn render(&self, status: StatusCode, name: &str, ctx: impl Serialize) -> Response {
        match self.to_string(name, ctx) {
            Ok(html) => page(status, html),
            Err(e) => {
                tracing::error!(template = name, error = %e, "page template failed");
                page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "<!doctype html><meta charset=utf-8><p>页面生成失败，请查看值守程序日志。</p>"
                        .into(),
                )
            }
        }
    }

    fn to_string(&self, name: &str, ctx: impl Serialize) -> Result<String, minijinja::Error> {
        self.env
            .get_template(name)?
            .render(minijinja::value::Serde(ctx))
    }

    /// A page of one message.
    pub(crate) fn message(&self, status: StatusCode, title: &str, text: &str) -> Response {
        self.render(
            status,
            "message.html",
            serde_json::json!({ "title": title, "text": text }),
        )
    }

    /// Something failed on the server: the office reads why, in Chinese.
    pub(crate) fn failure(&self, e: &anyhow::Error) -> Response {
        let text = crate::error::chain(e);
        let status = if e.downcast_ref::<crate::error::UserError>().is_some() {
            StatusCode::BAD_REQUEST
        } else {
            tracing::error!(error = %text, "web action failed");
            StatusCode::INTERNAL_SERVER_ERROR
        };
        self.message(status, "未能完成", &text)
    }

    pub(crate) fn login(
        &self,
        status: StatusCode,
        error: Option<&str>,
        has_password: bool,
    ) -> Response {
        self.render(
            status,
            "login.html",
            serde_json::json!({ "error": error, "has_password": has_password }),
        )
    }
}

fn page(status: StatusCode, html: String) -> Response {
    let mut res = (status, html).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}
