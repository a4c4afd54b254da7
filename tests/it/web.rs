//! The office's web page, over HTTP against a real `minsheng run` on a
//! loopback port: login, the CSRF token, the limits, hostile URLs, escaping,
//! and figures equal to `status`'s.

use crate::daemon::{log, start, stop};
use crate::util::{Ws, fill_return};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub(crate) const PERIOD: &str = "2024-03";

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A daemon serving the page; stopped when dropped.
pub(crate) struct Page {
    child: Option<Child>,
    pub(crate) port: u16,
    agent: ureq::Agent,
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

impl Drop for Page {
    fn drop(&mut self) {
        if let Some(c) = self.child.take() {
            stop(c);
        }
    }
}

pub(crate) fn set_listen(ws: &Ws, listen: &str, extra: &str) {
    let path = ws.path("minsheng.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace("listen = \"\"", &format!("listen = \"{listen}\"\n{extra}"));
    std::fs::write(&path, text).unwrap();
}

fn set_password(ws: &Ws, password: &str) {
    let mut c = ws
        .cmd(&["web", "password"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let o = c.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Start `run` serving on a free loopback port, and wait until it answers.
pub(crate) fn serve(ws: &Ws, extra: &str) -> Page {
    let port = free_port();
    set_listen(ws, &format!("127.0.0.1:{port}"), extra);
    let child = start(ws);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the page never came up:\n{}",
            log(ws)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .max_redirects_will_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    Page {
        child: Some(child),
        port,
        agent,
        cookie: String::new(),
        csrf: String::new(),
    }
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut r = r.expect("the page answers");
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    Answer {
        status: r.status().as_u16(),
        headers,
        body: r.body_mut().read_to_string().unwrap_or_default(),
    }
}

impl Page {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub(crate) fn get(&self, path: &str) -> Answer {
        let mut req = self.agent.get(self.url(path));
        if !self.cookie.is_empty() {
            req = req.header("Cookie", &self.cookie);
        }
        answer(req.call())
    }

    pub(crate) fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut req = self.agent.post(self.url(path));
        if !self.cookie.is_empty() {
            req = req.header("Cookie", &self.cookie);
        }
        answer(req.send_form(fields.iter().copied()))
    }

    /// Upload files as a browser's form would, with or without the token.
    fn upload(&self, files: &[&std::path::Path], csrf: bool, accept_json: bool) -> Answer {
        self.upload_to("/api/returns", files, csrf, accept_json)
    }

    /// Upload files to `path` as a browser's form would.
    pub(crate) fn upload_to(
        &self,
        path: &str,
        files: &[&std::path::Path],
        csrf: bool,
        accept_json: bool,
    ) -> Answer {
        let boundary = "----minshengtest7d1f";
        let mut body = Vec::new();
        if csrf {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
                    self.csrf
                )
                .as_bytes(),
            );
        }
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy();
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(&std::fs::read(f).unwrap());
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut req = self.agent.post(self.url(path)).header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        );
        if !self.cookie.is_empty() {
            req = req.header("Cookie", &self.cookie);
        }
        if accept_json {
            req = req.header("Accept", "application/json");
        }
        answer(req.send(&body[..]))
    }

    /// Keep the session cookie an answer set, and read the CSRF token of the board.
    fn take_session(&mut self, a: &Answer) {
        let set = a.header("set-cookie").expect("a session cookie");
        self.cookie = set.split(';').next().unwrap().to_string();
        let board = self.get("/");
        assert_eq!(board.status, 200, "{}", board.body);
        self.csrf = csrf_of(&board.body);
    }

    /// Raw bytes on a socket: what a hostile client sends, unnormalised.
    fn raw(&self, request: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a csrf hidden input");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// A workspace with its forms of PERIOD issued, and the first department's name.
pub(crate) fn workspace() -> (Ws, String) {
    let ws = Ws::new();
    ws.run(&["forms", "--period", PERIOD]).ok();
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let dept = doc["tasks"][0]["indicators"][0]["department"]
        .as_str()
        .unwrap()
        .to_string();
    (ws, dept)
}

/// The page without a password, for a loopback client: a session at once.
pub(crate) fn open_page(ws: &Ws, extra: &str) -> Page {
    let mut page = serve(ws, extra);
    let first = page.get("/");
    assert_eq!(first.status, 200, "{}", first.body);
    page.take_session(&first);
    page
}

#[test]
fn login_takes_the_right_password_only_and_ten_failures_block_the_address() {
    let (ws, _) = workspace();
    set_password(&ws, "县人社局2024");
    let stored = ws.read("var/web-password");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains("县人社局2024"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(ws.path("var/web-password"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let mut page = serve(&ws, "");
    let board = page.get("/");
    assert_eq!(board.status, 303, "no session: to the login page");
    assert_eq!(board.header("location"), Some("/login"));
    assert_eq!(page.get("/api/status").status, 401);

    let wrong = page.post_form("/login", &[("password", "123456")]);
    assert_eq!(wrong.status, 401);
    assert!(wrong.header("set-cookie").is_none());
    assert!(wrong.body.contains("密码不正确"));

    let right = page.post_form("/login", &[("password", "县人社局2024")]);
    assert_eq!(right.status, 303, "{}", right.body);
    let cookie = right.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    page.take_session(&right);
    assert!(page.get("/").body.contains("各单位报送情况"));

    // Nine more failures make ten: the address is blocked, even for the right password.
    for _ in 0..9 {
        assert_eq!(
            page.post_form("/login", &[("password", "guess")]).status,
            401
        );
    }
    assert_eq!(
        page.post_form("/login", &[("password", "guess")]).status,
        429
    );
    assert_eq!(
        page.post_form("/login", &[("password", "县人社局2024")])
            .status,
        429
    );
    assert!(
        !log(&ws).contains("县人社局2024"),
        "the password never reaches the log"
    );

    let out = page.post_form("/logout", &[("csrf", &page.csrf.clone())]);
    assert_eq!(out.status, 303);
    assert_eq!(page.get("/").status, 303, "the session ended");
}

#[test]
fn a_post_without_the_token_is_refused_and_takes_nothing_in() {
    let (ws, dept) = workspace();
    let file = fill_return(&ws, &dept, PERIOD, json!({}));
    let page = open_page(&ws, "");

    let refused = page.upload(&[&file], false, true);
    assert_eq!(refused.status, 403);
    assert_eq!(page.post_form("/report", &[("period", PERIOD)]).status, 403);
    assert_eq!(
        page.post_form("/report", &[("period", PERIOD), ("csrf", "0000")])
            .status,
        403
    );
    let status = ws
        .run(&["status", "--period", PERIOD, "--json"])
        .ok()
        .json();
    let d = status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == dept.as_str())
        .unwrap();
    assert_eq!(d["submitted"], false, "nothing was ingested");
    assert_eq!(
        std::fs::read_dir(ws.path("var/archive")).unwrap().count(),
        0
    );

    // With the token the same upload goes through intake, answering as `ingest --json`.
    let taken = page.upload(&[&file], true, true);
    assert_eq!(taken.status, 200, "{}", taken.body);
    let doc: Value = serde_json::from_str(&taken.body).unwrap();
    let r = &doc["results"][0];
    assert_eq!(r["verdict"], "accepted", "{doc}");
    assert_eq!(r["department"], dept.as_str());
    assert_eq!(r["period"], PERIOD);
    let cli = ws.run(&["ingest", file.to_str().unwrap(), "--json"]).json();
    let keys = |v: &Value| {
        let mut k: Vec<String> = v["results"][0]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        k.sort();
        k
    };
    assert_eq!(keys(&doc), keys(&cli));
    assert_eq!(
        cli["results"][0]["verdict"], "duplicate",
        "the upload was recorded"
    );
    assert_eq!(
        std::fs::read_dir(ws.path("var/uploads")).unwrap().count(),
        0
    );
}

#[test]
fn a_body_declared_over_the_limit_is_refused_before_it_is_sent() {
    let (ws, _) = workspace();
    let limits = ws
        .read("minsheng.toml")
        .replace("max_file_mb = 20", "max_file_mb = 2");
    std::fs::write(ws.path("minsheng.toml"), limits).unwrap();
    let page = open_page(&ws, "");
    let head = format!(
        "POST /api/returns HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {}\r\nX-CSRF-Token: {}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {}\r\n\r\n",
        page.cookie,
        page.csrf,
        40 * 1024 * 1024
    );
    let started = Instant::now();
    let answer = page.raw(&head);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(answer.contains("文件太大"), "told in Chinese: {answer}");
    assert!(!answer.contains("limit exceeded"), "{answer}");
}

#[test]
fn refusals_the_http_stack_words_itself_are_told_in_chinese() {
    let (ws, _) = workspace();
    let page = open_page(&ws, "");
    // A form the page never sends: a field of the wrong kind.
    let body = format!("csrf={}&period=%FF%FE", page.csrf);
    let answer = page.raw(&format!(
        "POST /report HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        page.cookie,
        body.len()
    ));
    let status: u16 = answer[9..12].parse().unwrap();
    assert!((400..500).contains(&status), "{answer}");
    let text = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    assert!(
        !text.chars().any(|c| c.is_ascii_alphabetic()) || text.contains('<'),
        "no English refusal: {answer}"
    );
    let wrong_method = page.raw("DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let text = wrong_method.split("\r\n\r\n").nth(1).unwrap_or_default();
    assert!(!text.contains("Method Not Allowed"), "{wrong_method}");
}

#[test]
fn climbing_urls_never_serve_a_file() {
    let (ws, dept) = workspace();
    let file = fill_return(&ws, &dept, PERIOD, json!({}));
    ws.run(&["ingest", file.to_str().unwrap()]).ok();
    let page = open_page(&ws, "");
    for path in [
        "/receipt/../../minsheng.toml",
        "/receipt/%2e%2e/%2e%2e/minsheng.toml",
        "/receipt/..%2f..%2fminsheng.toml",
        "/receipt/1%2f..%2f..%2fminsheng.toml",
        "/assets/..%2f..%2fCargo.toml",
        "/assets/%2e%2e/%2e%2e/etc/passwd",
        "/report/..%2f..%2fvar/workbook",
        "/report/%2e%2e/bulletin",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%5c..%5cminsheng.toml",
    ] {
        let a = page.raw(&format!(
            "GET {path} HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nConnection: close\r\n\r\n",
            page.cookie
        ));
        assert!(!a.starts_with("HTTP/1.1 200"), "{path} served:\n{a}");
        assert!(
            !a.contains("[plan]") && !a.contains("root:") && !a.contains("[package]"),
            "{path}:\n{a}"
        );
    }
    // The receipt found by its ledger id is served.
    let board = page.get(&format!("/?period={PERIOD}"));
    let at = board.body.find("href=\"/receipt/").expect("a receipt link");
    let rest = &board.body[at + 6..];
    let link = &rest[..rest.find('"').unwrap()];
    let r = page.get(link);
    assert_eq!(r.status, 200);
    assert!(r.body.contains(&dept));
}

#[test]
fn a_script_in_a_reason_is_shown_as_text() {
    let (ws, dept) = workspace();
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let code = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["indicators"].as_array().unwrap().clone())
        .find(|i| i["department"] == dept.as_str() && i["kind"] == "count")
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    let file = fill_return(
        &ws,
        &dept,
        PERIOD,
        json!({
            "values": { &code: 0 },
            "text": { &code: { "存在问题": "<script>alert('x')</script>资金未到位", "下步措施": "<b>加快</b>" } }
        }),
    );
    ws.run(&["ingest", file.to_str().unwrap()]).ok();
    let page = open_page(&ws, "");
    let board = page.get(&format!("/?period={PERIOD}"));
    assert!(
        board.body.contains("&lt;script&gt;alert("),
        "{}",
        board.body
    );
    assert!(board.body.contains("资金未到位"));
    assert!(!board.body.contains("<script>alert"));
    assert!(!board.body.contains("<b>加快"));
}

/// The counts the board shows, by status name.
fn board_counts(html: &str) -> Vec<(String, u64)> {
    html.split("data-status=\"")
        .skip(1)
        .map(|s| {
            let name = s[..s.find('"').unwrap()].to_string();
            let n = s.split("class=\"n\">").nth(1).unwrap();
            (name, n[..n.find('<').unwrap()].parse().unwrap())
        })
        .collect()
}

#[test]
fn the_board_and_the_api_give_the_figures_of_status() {
    let (ws, dept) = workspace();
    let file = fill_return(&ws, &dept, PERIOD, json!({}));
    ws.run(&["ingest", file.to_str().unwrap()]).ok();
    let page = open_page(&ws, "");

    let api = page.get(&format!("/api/status?period={PERIOD}"));
    assert_eq!(api.status, 200);
    let from_page: Value = serde_json::from_str(&api.body).unwrap();
    let from_cli = ws
        .run(&["status", "--period", PERIOD, "--json"])
        .ok()
        .json();
    assert_eq!(from_page, from_cli);

    let board = page.get(&format!("/?period={PERIOD}"));
    let counts = board_counts(&board.body);
    assert_eq!(counts.len(), 5, "{counts:?}");
    for (name, n) in &counts {
        let want = from_cli["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["status"] == name.as_str())
            .count() as u64;
        assert_eq!(*n, want, "{name}");
    }
    let text = ws.run(&["status", "--period", PERIOD]).ok().stdout;
    for (name, n) in &counts {
        assert!(
            text.contains(&format!("{name} {n}")),
            "{name} {n} in:\n{text}"
        );
    }
    let reported = from_cli["departments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["submitted"] == true)
        .count();
    assert!(
        board
            .body
            .contains(&format!("<strong id=\"reported\">{reported}</strong>"))
    );
    let time = text.split("序时进度 ").nth(1).unwrap();
    let time = &time[..time.find('）').unwrap()];
    assert!(
        board
            .body
            .contains(&format!("<strong id=\"time-progress\">{time}</strong>")),
        "{time}"
    );
}

#[test]
fn every_answer_carries_the_security_headers() {
    let (ws, _) = workspace();
    let page = open_page(&ws, "");
    for path in [
        "/",
        "/login",
        "/assets/style.css",
        "/nothing-here",
        "/api/status",
    ] {
        let a = page.get(path);
        let csp = a.header("content-security-policy").unwrap_or("");
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            a.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(a.header("x-frame-options"), Some("DENY"), "{path}");
        assert_eq!(a.header("referrer-policy"), Some("no-referrer"), "{path}");
        if path != "/assets/style.css" {
            assert_eq!(a.header("cache-control"), Some("no-store"), "{path}");
        }
    }
    assert!(!page.get("/").body.contains("<script>"), "no inline script");
}

#[test]
fn a_lan_address_without_a_password_stops_run_naming_the_command() {
    let (ws, _) = workspace();
    set_listen(&ws, &format!("0.0.0.0:{}", free_port()), "");
    let r = ws.run(&["run"]).code(2);
    assert!(r.stderr.contains("minsheng web password"), "{}", r.stderr);
}

#[test]
fn a_taken_port_is_logged_and_the_daemon_goes_on() {
    let (ws, dept) = workspace();
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    set_listen(&ws, &format!("127.0.0.1:{port}"), "");
    let daemon = start(&ws);
    let file = fill_return(&ws, &dept, PERIOD, json!({}));
    std::fs::copy(&file, ws.path(&format!("inbox/{PERIOD}-{dept}.xlsx"))).unwrap();
    crate::daemon::wait_for(&ws, 30, "the return taken from the inbox", || {
        std::fs::read_dir(ws.path("var/archive"))
            .map(|d| d.count() > 0)
            .unwrap_or(false)
    });
    let l = log(&ws);
    assert!(stop(daemon).success());
    assert!(l.contains("web page not served"), "{l}");
    assert!(l.contains("端口已被其他程序占用"), "{l}");
}

#[test]
fn beyond_max_uploads_an_upload_waits_with_retry_after() {
    let (ws, _) = workspace();
    let one = ws
        .read("minsheng.toml")
        .replace("max_uploads = 4", "max_uploads = 1");
    std::fs::write(ws.path("minsheng.toml"), one).unwrap();
    let page = open_page(&ws, "");
    // One upload holds the only place, its body still coming.
    let mut slow = TcpStream::connect(("127.0.0.1", page.port)).unwrap();
    slow.write_all(
        format!(
            "POST /api/returns HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nX-CSRF-Token: {}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 100000\r\n\r\n--x\r\n",
            page.cookie, page.csrf
        )
        .as_bytes(),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let busy = page.raw(&format!(
        "POST /api/returns HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nX-CSRF-Token: {}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 7\r\nConnection: close\r\n\r\n--x--\r\n",
        page.cookie, page.csrf
    ));
    assert!(busy.starts_with("HTTP/1.1 503"), "{busy}");
    assert!(busy.to_ascii_lowercase().contains("retry-after:"), "{busy}");
    drop(slow);
}

/// In Chromium over WebDriver: log in through the form, read the board,
/// upload a return through the file input and read its receipt, at 1280 px
/// and at 360 px; the screenshots stay under `target/web-screens/`.
#[test]
fn a_clerk_works_the_page_in_a_real_browser() {
    let (ws, dept) = workspace();
    set_password(&ws, "办公室密码1");
    let file = fill_return(&ws, &dept, PERIOD, json!({}));
    let page = serve(&ws, "");
    let before = ws
        .run(&["status", "--period", PERIOD, "--json"])
        .ok()
        .json();
    let count = |doc: &Value, s: &str| {
        doc["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["status"] == s)
            .count()
    };
    let out = crate::util::repo("target/web-screens");
    let o = std::process::Command::new("python3")
        .arg(crate::util::repo("tests/tools/browser.py"))
        .arg(page.url(""))
        .arg("办公室密码1")
        .arg(&file)
        .arg(&dept)
        .arg(&out)
        .output()
        .expect("python3 runs (tests/setup.sh installs selenium and chromium)");
    assert!(
        o.status.success(),
        "browser.py failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let seen: Value = serde_json::from_slice(&o.stdout).unwrap();
    let after = ws
        .run(&["status", "--period", PERIOD, "--json"])
        .ok()
        .json();
    for w in ["1280", "360"] {
        let s = &seen[w];
        let doc = if w == "1280" { &before } else { &after };
        for status in ["已完成", "序时推进", "滞后", "严重滞后", "未报送"] {
            assert_eq!(s["counts"][status], count(doc, status), "{w}: {s}");
        }
        assert_eq!(
            s["overflow"], false,
            "{w}: the page is wider than the window"
        );
        assert_eq!(s["receipt_department"], true, "{w}: {s}");
        assert!(out.join(format!("board-{w}.png")).is_file());
        assert!(out.join(format!("receipt-{w}.png")).is_file());
    }
    assert_eq!(seen["1280"]["verdict"], "已采用", "{seen}");
    assert_eq!(
        seen["360"]["verdict"], "重复报送",
        "the second upload repeats the first"
    );
    assert_eq!(seen["1280"]["reported_after"], "1");
}

#[test]
fn the_actions_run_the_commands_code() {
    let (ws, dept) = workspace();
    let file = fill_return(&ws, &dept, PERIOD, json!({}));
    ws.run(&["ingest", file.to_str().unwrap()]).ok();
    let mut config = ws.read("minsheng.toml");
    config.push_str(
        "\n[[leaders]]\nname = \"王某\"\ntitle = \"分管副县长\"\nemail = \"wang@example.cn\"\n",
    );
    std::fs::write(ws.path("minsheng.toml"), config).unwrap();
    let page = open_page(&ws, "");
    let csrf = page.csrf.clone();

    let zip = page.post_form("/forms", &[("csrf", &csrf), ("period", PERIOD)]);
    assert_eq!(zip.status, 200, "{}", zip.body);
    assert_eq!(zip.header("content-type"), Some("application/zip"));
    assert!(
        zip.header("content-disposition")
            .unwrap()
            .contains("attachment")
    );

    let made = page.post_form("/report", &[("csrf", &csrf), ("period", PERIOD)]);
    assert_eq!(made.status, 200, "{}", made.body);
    let subject = "调度通报（2024年第1期）";
    assert!(made.body.contains(subject), "{}", made.body);
    let bulletin = page.get(&format!("/report/{PERIOD}/bulletin"));
    assert_eq!(bulletin.status, 200);
    assert_eq!(
        bulletin.body,
        ws.read(&format!("outbox/reports/{PERIOD}/{PERIOD}-调度通报.html")),
        "the very HTML the leaders get"
    );
    let csp = bulletin.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'none'"),
        "{csp}"
    );
    let workbook = page.get(&format!("/report/{PERIOD}/workbook"));
    assert_eq!(workbook.status, 200);
    assert!(
        workbook
            .header("content-disposition")
            .unwrap()
            .contains(".xlsx")
    );

    // No [smtp]: sending queues and says so, as `report --send` does.
    let sent = page.post_form("/send", &[("csrf", &csrf), ("period", PERIOD)]);
    assert_eq!(sent.status, 200, "{}", sent.body);
    assert!(sent.body.contains("未配置发信服务器"), "{}", sent.body);
    let queued = std::fs::read_dir(ws.path("outbox/mail/queue"))
        .unwrap()
        .count();
    assert!(queued > 0, "the bulletin waits in the queue");
    assert!(
        page.get("/").body.contains("wang@example.cn"),
        "the queue per recipient"
    );

    // Reminders: the departments without an email listed to phone.
    let confirm = page.get(&format!("/remind?period={PERIOD}"));
    assert!(
        confirm.body.contains("请电话催报") && !confirm.body.contains(&format!("<td>{dept}</td>"))
    );
    let reminded = page.post_form("/remind", &[("csrf", &csrf), ("period", PERIOD)]);
    assert_eq!(reminded.status, 200, "{}", reminded.body);
    assert!(
        reminded.body.contains("未配置邮箱，请电话催报"),
        "{}",
        reminded.body
    );

    // A review mark in the catalog: sending is refused in Chinese, as `report --send`.
    let catalog = ws.path("seeds/pingjiang-2024.toml");
    let mut text = std::fs::read_to_string(&catalog).unwrap();
    text.push_str("\n# 待核对：目标数待核实\n");
    std::fs::write(&catalog, text).unwrap();
    let cli = ws.run(&["report", "--period", PERIOD, "--send"]).code(2);
    drop(page);
    let mut page = serve_again(&ws);
    let first = page.get("/");
    page.take_session(&first);
    let refused = page.get(&format!("/send?period={PERIOD}"));
    assert!(refused.body.contains("待核对"), "{}", refused.body);
    assert!(!refused.body.contains("确认发送"));
    let post = page.post_form("/send", &[("csrf", &page.csrf.clone()), ("period", PERIOD)]);
    assert_eq!(post.status, 400);
    let first_line = cli
        .stderr
        .lines()
        .next()
        .unwrap()
        .trim_start_matches("错误：")
        .to_string();
    let shown = first_line.split("，").next().unwrap();
    let body = post.body.replace("&#x2f;", "/");
    assert!(body.contains(shown), "{shown}\n{body}");
}

/// Start `run` again on a workspace whose page was served before.
fn serve_again(ws: &Ws) -> Page {
    let text = ws.read("minsheng.toml");
    let at = text.find("listen = \"127.0.0.1:").unwrap();
    let end = at + text[at..].find('\n').unwrap();
    std::fs::write(
        ws.path("minsheng.toml"),
        format!("{}listen = \"\"{}", &text[..at], &text[end..]),
    )
    .unwrap();
    serve(ws, "")
}

#[test]
fn tls_serves_https_with_a_secure_cookie() {
    let (ws, _) = workspace();
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(ws.path("key.pem"))
        .arg("-out")
        .arg(ws.path("cert.pem"))
        .output()
        .expect("openssl runs (tests/setup.sh installs it)");
    assert!(ok.status.success());
    let page = serve(&ws, "tls_cert = \"cert.pem\"\ntls_key = \"key.pem\"");
    let o = std::process::Command::new("curl")
        .args(["-sk", "-i", &format!("https://127.0.0.1:{}/", page.port)])
        .output()
        .expect("curl runs (tests/setup.sh installs it)");
    let head = String::from_utf8_lossy(&o.stdout);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let cookie = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
    // Plain HTTP on the TLS port gets no page.
    let plain = page.raw("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(!plain.contains("各单位报送情况"));
}

#[test]
fn a_streamed_body_over_the_limit_is_cut_off_with_413() {
    let (ws, _) = workspace();
    let limits = ws
        .read("minsheng.toml")
        .replace("max_file_mb = 20", "max_file_mb = 1");
    std::fs::write(ws.path("minsheng.toml"), limits).unwrap();
    let page = open_page(&ws, "");
    let mut s = TcpStream::connect(("127.0.0.1", page.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /api/returns HTTP/1.1\r\nHost: x\r\nCookie: {}\r\nX-CSRF-Token: {}\r\nContent-Type: multipart/form-data; boundary=x\r\nTransfer-Encoding: chunked\r\n\r\n",
        page.cookie, page.csrf
    );
    let _ = s.write_all(head.as_bytes());
    let part =
        b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.xlsx\"\r\n\r\n";
    let _ = s.write_all(format!("{:x}\r\n", part.len()).as_bytes());
    let _ = s.write_all(part);
    let _ = s.write_all(b"\r\n");
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..40 {
        let sent = s
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|_| s.write_all(&chunk))
            .and_then(|_| s.write_all(b"\r\n"));
        if sent.is_err() {
            break;
        }
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let answer = String::from_utf8_lossy(&out);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(
        std::fs::read_dir(ws.path("var/archive")).unwrap().count(),
        0,
        "nothing taken in"
    );
}

#[test]
fn the_office_page_shows_the_checks_doctor_makes() {
    let (ws, _) = workspace();
    let page = open_page(&ws, "");
    let shown = page.get("/doctor");
    assert_eq!(shown.status, 200, "{}", shown.body);
    let doc = ws.run(&["doctor", "--json"]).json();
    let checks = doc["checks"].as_array().unwrap();
    assert!(!checks.is_empty());
    for c in checks {
        let title = c["title"].as_str().unwrap();
        assert!(shown.body.contains(title), "{title} not on the page");
    }
    assert!(
        shown.body.contains("没有配置 [smtp]"),
        "the same finding as the command: {}",
        shown.body
    );
    let board = page.get("/");
    assert!(
        board.body.contains("href=\"/doctor\""),
        "linked from the board"
    );
}
