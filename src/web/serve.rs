//! The HTTP stack: the listener (plain or TLS), the routes, and the layers
//! every request passes: the body limit, security headers, one log line,
//! the office's session and CSRF gate.

use super::auth::{self, Auth, Session};
use super::pages::Pages;
use super::upload::Uploads;
use super::{Serving, actions, addresses, board, department, leaders, links, upload};
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;

/// A client that sends this slowly is cut off.
pub(crate) const SLOW: Duration = Duration::from_secs(30);
/// A form's body, buffered to read its CSRF token.
const FORM_LIMIT: usize = 64 * 1024;

pub(crate) struct App {
    pub(crate) ws: &'static Workspace,
    pub(crate) auth: Auth,
    pub(crate) uploads: Uploads,
    pub(crate) pages: Pages,
    pub(crate) tls: bool,
}

pub(crate) type AppState = Arc<App>;

/// The session the office gate let through, and whether the CSRF token
/// has been seen (a multipart upload carries it in its first field).
#[derive(Clone)]
pub(crate) struct Office {
    pub session: Session,
    pub csrf_checked: bool,
}

/// Start serving `[web] listen` on `rt`; what happened is for `run` to say.
pub fn start(rt: &Runtime, ws: &'static Workspace) -> Serving {
    let listen = ws.config.web.listen.trim().to_string();
    if listen.is_empty() {
        return Serving::Off;
    }
    let bound = rt
        .block_on(bind(ws, &listen))
        .and_then(|bound| Ok((bound, Uploads::new(ws)?)));
    match bound {
        Ok(((listener, tls), uploads)) => {
            let lan = listener
                .local_addr()
                .map(|a| !a.ip().is_loopback())
                .unwrap_or(false);
            let url = ws
                .config
                .web
                .base_url()
                .unwrap_or_else(|| format!("http://{listen}"));
            let app = Arc::new(App {
                ws,
                auth: Auth::default(),
                uploads,
                pages: Pages::new(auth::password_path(ws)),
                tls: tls.is_some(),
            });
            tracing::info!(listen = %listen, tls = tls.is_some(), "web page serving");
            rt.spawn(accept_loop(listener, tls, router(app)));
            Serving::At { url, lan }
        }
        Err(e) => {
            let why = crate::error::chain(&e);
            tracing::error!(listen = %listen, error = %why, "web page not served; the daemon goes on without it");
            Serving::Failed { listen, why }
        }
    }
}

async fn bind(
    ws: &Workspace,
    listen: &str,
) -> Result<(tokio::net::TcpListener, Option<tokio_rustls::TlsAcceptor>)> {
    let tls = tls_acceptor(ws)?;
    let addrs = addresses(listen)?;
    let listener = tokio::net::TcpListener::bind(addrs.as_slice())
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => {
                anyhow::anyhow!("端口已被其他程序占用，请在 [web] listen 换一个端口")
            }
            std::io::ErrorKind::PermissionDenied => {
                anyhow::anyhow!("没有权限使用该端口（1024 以下的端口需要管理员权限）")
            }
            _ => anyhow::anyhow!("无法监听该地址：{e}"),
        })?;
    Ok((listener, tls))
}

/// `[web] tls_cert` and `tls_key`, both set, as a TLS acceptor.
fn tls_acceptor(ws: &Workspace) -> Result<Option<tokio_rustls::TlsAcceptor>> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    use tokio_rustls::rustls;
    let web = &ws.config.web;
    let (cert, key) = match (&web.tls_cert, &web.tls_key) {
        (Some(c), Some(k)) => (ws.root.join(c), ws.root.join(k)),
        (None, None) => return Ok(None),
        _ => anyhow::bail!("[web] tls_cert 和 tls_key 需要同时填写"),
    };
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert)
        .and_then(|i| i.collect::<Result<_, _>>())
        .map_err(|e| anyhow::anyhow!("无法读取证书 {}：{e}", cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(&key)
        .map_err(|e| anyhow::anyhow!("无法读取私钥 {}：{e}", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .context("TLS 设置无效")?
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .context("证书与私钥不匹配")?;
    Ok(Some(tokio_rustls::TlsAcceptor::from(Arc::new(config))))
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    router: Router,
) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait, never spin.
                tracing::warn!(error = %e, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let (router, tls) = (router.clone(), tls.clone());
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => match tokio::time::timeout(SLOW, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => connection(stream, peer, router).await,
                    _ => tracing::debug!(client = %peer.ip(), "TLS handshake failed"),
                },
                None => connection(tcp, peer, router).await,
            }
        });
    }
}

async fn connection<I>(io: I, peer: SocketAddr, router: Router)
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            tower::ServiceExt::oneshot(router.clone(), req)
        });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(SLOW)
        .serve_connection(TokioIo::new(io), service)
        .await;
    if let Err(e) = served {
        tracing::debug!(client = %peer.ip(), error = %e, "connection ended");
    }
}

fn router(app: AppState) -> Router {
    let max_body = body_limit(app.ws);
    Router::new()
        .route("/", get(board::office_board))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/api/status", get(board::api_status))
        .route("/api/returns", post(upload::office_upload))
        .route("/forms", post(actions::forms_zip))
        .route("/report", post(actions::make_report))
        .route("/report/{period}/bulletin", get(actions::bulletin))
        .route("/report/{period}/workbook", get(actions::workbook))
        .route("/report/{period}/word", get(actions::word))
        .route("/send", get(actions::send_confirm).post(actions::send))
        .route(
            "/remind",
            get(actions::remind_confirm).post(actions::remind),
        )
        .route("/doctor", get(actions::doctor))
        .route("/receipt/{id}", get(actions::receipt_text))
        .route("/receipt/{id}/marked", get(actions::marked_copy))
        .route("/links", get(links::list))
        .route("/links/renew", post(links::renew))
        .route("/d/{token}", get(department::home))
        .route("/d/{token}/returns", post(department::upload))
        .route("/d/{token}/form/{period}", get(department::form))
        .route("/d/{token}/receipt/{id}", get(department::receipt))
        .route("/d/{token}/receipt/{id}/marked", get(department::marked))
        .route("/b/{token}", get(leaders::board))
        .route("/b/{token}/api/status", get(leaders::status))
        .route("/b/{token}/bulletin/{period}", get(leaders::bulletin))
        .route("/b/{token}/word/{period}", get(leaders::word))
        .route("/assets/style.css", get(style))
        .route("/assets/app.js", get(script))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(app.clone(), office_gate))
        // Inside the limits below, so what is drained is bounded by them.
        .layer(middleware::from_fn(super::drain::drain_unread))
        // One limit for every body, checked against Content-Length before
        // anything is read and counted while a body streams in.
        .layer(DefaultBodyLimit::disable())
        .layer(tower_http::limit::RequestBodyLimitLayer::new(max_body))
        // A body that stalls this long between two pieces is cut off.
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(SLOW))
        .layer(middleware::from_fn(headers_and_log))
        .with_state(app)
}

/// The largest body taken: a return at `[limits] max_file_mb`, with room for
/// the multipart framing around it.
fn body_limit(ws: &Workspace) -> usize {
    usize::try_from(ws.config.limits.max_file_mb.saturating_mul(1024 * 1024))
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024)
}

/// Routes the office's gate lets through: the login page, the assets, and
/// the departments' and leaders' links, which are their own credential.
fn public(path: &str) -> bool {
    path == "/login"
        || ["/assets/", "/d/", "/b/"]
            .iter()
            .any(|p| path.starts_with(p))
}

/// The path as the log shows it: tokens in department and leader links masked.
fn masked(path: &str) -> String {
    for prefix in ["/d/", "/b/"] {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{prefix}***{tail}");
        }
    }
    path.to_string()
}

/// Security headers on every response, and one log line per request.
async fn headers_and_log(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = masked(req.uri().path());
    let client = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let mut res = in_chinese(next.run(req).await);
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !path.starts_with("/assets/") {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    tracing::info!(
        client = %client,
        method = %method,
        path = %path,
        status = res.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "web request"
    );
    res
}

/// A refusal the HTTP stack words itself (tower-http's `length limit
/// exceeded`, axum's rejection of a malformed form, a body that stalled):
/// in plain text and English, so its words are replaced by the office's.
/// The pages' own refusals are HTML and pass as they are.
fn in_chinese(res: Response) -> Response {
    let status = res.status();
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|t| t.as_bytes().starts_with(b"text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return res;
    }
    let words = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            "文件太大，超过了允许上传的大小，未收下。请检查是否选错了文件；填报表一般不超过 1 MB"
        }
        StatusCode::REQUEST_TIMEOUT => "上传太慢，已中断，未收下。请检查网络后重新上传",
        StatusCode::NOT_FOUND => "没有这个页面",
        StatusCode::METHOD_NOT_ALLOWED => "不能这样打开这个地址，请从首页进入",
        s if s.is_server_error() => {
            "服务器处理时出错，请稍后再试；如仍不行，请联系信息科查看值守程序的日志"
        }
        _ => "请求的格式有误，未处理。请从首页重新操作",
    };
    let (mut parts, _) = res.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(words))
}

/// The office's routes: a live session (made at once for a loopback
/// client while no password is set), and on every POST the session's CSRF
/// token, in the `X-CSRF-Token` header or the form's `csrf` field.
async fn office_gate(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if public(&path) {
        return next.run(req).await;
    }
    let loopback = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|c| c.0.ip().is_loopback());
    let has_password = auth::has_password(app.ws);
    if !has_password && !loopback {
        return app.pages.message(
            StatusCode::FORBIDDEN,
            "只能在本机打开",
            "办公室网页尚未设置密码，只能在运行值守程序的电脑上打开。请在该电脑上运行 minsheng web password 设置密码。",
        );
    }
    let found = auth::cookie_id(req.headers()).and_then(|id| app.auth.find(&id));
    let (session, fresh) = match found {
        Some(s) => (s, false),
        None if !has_password => (app.auth.open(), true),
        None => {
            return if path.starts_with("/api/") || req.method() != Method::GET {
                app.pages.message(
                    StatusCode::UNAUTHORIZED,
                    "请先登录",
                    "登录已过期或尚未登录，请重新登录。",
                )
            } else {
                Redirect::to("/login").into_response()
            };
        }
    };
    let mut req = req;
    let mut csrf_checked = false;
    if req.method() == Method::POST {
        let header_ok = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| auth::same(t, &session.csrf));
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if header_ok {
            csrf_checked = true;
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            let (parts, body) = req.into_parts();
            let bytes =
                match tokio::time::timeout(SLOW, axum::body::to_bytes(body, FORM_LIMIT)).await {
                    Ok(Ok(b)) => b,
                    Ok(Err(_)) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
                    Err(_) => return StatusCode::REQUEST_TIMEOUT.into_response(),
                };
            let token = form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v.into_owned());
            if !token.is_some_and(|t| auth::same(&t, &session.csrf)) {
                return csrf_refused(&app);
            }
            csrf_checked = true;
            req = Request::from_parts(parts, Body::from(bytes));
        } else if !content_type.starts_with("multipart/form-data") {
            return csrf_refused(&app);
        }
    }
    let cookie = fresh.then(|| session_cookie(&session.id, app.tls));
    req.extensions_mut().insert(Office {
        session,
        csrf_checked,
    });
    let mut res = next.run(req).await;
    if let Some(c) = cookie {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

pub(crate) fn csrf_refused(app: &App) -> Response {
    app.pages.message(
        StatusCode::FORBIDDEN,
        "请求未被接受",
        "页面已过期（缺少或不符的安全令牌）。请刷新页面后再试。",
    )
}

fn session_cookie(id: &str, tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Strict{secure}",
        auth::COOKIE
    ))
    .expect("a hex token makes a valid header")
}

async fn login_page(State(app): State<AppState>) -> Response {
    app.pages
        .login(StatusCode::OK, None, auth::has_password(app.ws))
}

#[derive(serde::Deserialize)]
struct LoginForm {
    #[serde(default)]
    password: String,
}

async fn login(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    axum::Form(form): axum::Form<LoginForm>,
) -> Response {
    let ip = peer.ip();
    if app.auth.blocked(ip) {
        return app.pages.login(
            StatusCode::TOO_MANY_REQUESTS,
            Some("密码错误次数过多，请 15 分钟后再试。"),
            true,
        );
    }
    if !auth::has_password(app.ws) {
        return app.pages.login(StatusCode::OK, None, false);
    }
    let ws = app.ws;
    let ok = tokio::task::spawn_blocking(move || auth::verify(ws, &form.password))
        .await
        .map_err(anyhow::Error::from)
        .and_then(|r| r);
    match ok {
        Ok(true) => {
            let s = app.auth.open();
            let mut res = Redirect::to("/").into_response();
            res.headers_mut()
                .append(header::SET_COOKIE, session_cookie(&s.id, app.tls));
            res
        }
        Ok(false) => {
            app.auth.failed(ip);
            tracing::warn!(client = %ip, "failed login");
            app.pages.login(
                StatusCode::UNAUTHORIZED,
                Some("密码不正确，请重新输入。"),
                true,
            )
        }
        Err(e) => app.pages.failure(&e),
    }
}

async fn logout(
    State(app): State<AppState>,
    axum::Extension(office): axum::Extension<Office>,
) -> Response {
    app.auth.close(&office.session.id);
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
            auth::COOKIE
        ))
        .expect("fixed header"),
    );
    res
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("assets/style.css"))
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("assets/app.js"),
    )
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    (h, body).into_response()
}

async fn fallback(State(app): State<AppState>) -> Response {
    not_found(&app)
}

/// The one 404 answer: an unknown address, a token nobody holds, and
/// anything of another department through a department's link look alike.
pub(crate) fn not_found(app: &App) -> Response {
    app.pages.message(
        StatusCode::NOT_FOUND,
        "找不到该页面",
        "地址有误，或该内容已不存在。",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_links_never_reach_the_log() {
        assert_eq!(masked("/d/abcdef0123/returns"), "/d/***/returns");
        assert_eq!(masked("/b/abcdef"), "/b/***");
        assert_eq!(masked("/api/status"), "/api/status");
    }
}
