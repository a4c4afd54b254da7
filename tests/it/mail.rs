//! Mail end to end against a real SMTP server (aiosmtpd, started by each test
//! on 127.0.0.1 through tests/tools/smtpd.py): what the server receives is
//! parsed with mail-parser and compared with what the office meant to send.

use crate::util::{Run, Ws, repo};
use base64::Engine;
use mail_parser::{MessageParser, MimeHeaders};
use minsheng::mail::{self, BulletinMail, Enqueued};
use minsheng::plan::Period;
use minsheng::workspace::Workspace;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const P: &str = "2024-03";
const FROM: &str = "平江县民生可感行动工作专班 <zhuanban@example.cn>";
const LEADERS: &str = r#"
[[leaders]]
name = "张三"
title = "分管副县长"
email = "zhangsan@example.cn"

[[leaders]]
name = "李四"
title = "县人社局局长"
email = "lisi@example.cn"
"#;

fn period() -> Period {
    P.parse().unwrap()
}

// -------------------------------------------------------------- server ---

/// One aiosmtpd process; killed when dropped.
pub(crate) struct Smtpd {
    child: Child,
    dir: PathBuf,
    pub(crate) port: u16,
}

pub(crate) struct Received {
    pub(crate) raw: Vec<u8>,
    pub(crate) rcpt_tos: Vec<String>,
    mail_from: String,
    /// The name the client greeted with.
    helo: String,
}

impl Smtpd {
    /// Start a server writing what it receives to `dir`, on `port` (0: any
    /// free one), and wait until it accepts connections.
    pub(crate) fn start(dir: &Path, port: u16, args: &[&str]) -> Smtpd {
        std::fs::create_dir_all(dir).unwrap();
        let log = std::fs::File::create(dir.with_extension("log")).unwrap();
        let mut child = Command::new("python3")
            .arg(repo("tests/tools/smtpd.py"))
            .arg("--dir")
            .arg(dir)
            .args(["--port", &port.to_string()])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("python3 runs (CI installs aiosmtpd)");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let Some(port) = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the SMTP server did not start ({line:?}): {}",
                std::fs::read_to_string(dir.with_extension("log")).unwrap_or_default()
            );
        };
        Smtpd {
            child,
            dir: dir.to_path_buf(),
            port,
        }
    }

    /// Every message received so far, in order.
    pub(crate) fn received(&self) -> Vec<Received> {
        let mut metas: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        metas.sort();
        metas
            .iter()
            .map(|m| {
                let meta: Value = serde_json::from_slice(&std::fs::read(m).unwrap()).unwrap();
                Received {
                    raw: std::fs::read(m.with_extension("eml")).unwrap(),
                    rcpt_tos: meta["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().to_string())
                        .collect(),
                    mail_from: meta["mail_from"].as_str().unwrap().to_string(),
                    helo: meta["helo"].as_str().unwrap_or_default().to_string(),
                }
            })
            .collect()
    }

    /// Every RCPT TO the server was given, with its answer, in order.
    fn rcpts(&self) -> Vec<(String, String)> {
        std::fs::read_to_string(self.dir.join("rcpt.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (
                    v["address"].as_str().unwrap().to_string(),
                    v["reply"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    /// How many times the client named `address` in RCPT TO.
    fn tried(&self, address: &str) -> usize {
        self.rcpts().iter().filter(|(a, _)| a == address).count()
    }

    /// How many messages `address` was given.
    fn delivered_to(&self, address: &str) -> usize {
        self.received()
            .iter()
            .filter(|r| r.rcpt_tos.iter().any(|a| a == address))
            .count()
    }

    /// The names the client greeted with, one per connection.
    fn greetings(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("ehlo.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nothing listens on (for a server that is down).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private CA and a server certificate it signed for 127.0.0.1/localhost,
/// as a county mail server would have: (ca.pem, server.pem, server.key).
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let openssl = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("openssl runs (CI installs it)");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "3",
        "-subj",
        "/CN=Pingjiang County Test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend([
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
    ]);
    openssl(&csr);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        "3",
        "-extfile",
        "ext.cnf",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    )
}

// ----------------------------------------------------------- workspace ---

/// Replace the workspace's configuration: the shipped template plus `extra`.
fn configure(ws: &Ws, extra: &str) {
    ws.write(
        "minsheng.toml",
        &format!("{}\n{extra}", minsheng::config::TEMPLATE),
    );
}

fn smtp(port: u16, security: &str, more: &str) -> String {
    format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"{security}\"\nfrom = \"{FROM}\"\ntimeout_secs = 10\n{more}\n"
    )
}

fn open(ws: &Ws) -> Workspace {
    Workspace::open(Some(&ws.root())).unwrap()
}

/// Run the binary with extra environment variables.
fn run_env(ws: &Ws, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut c = ws.cmd(args);
    c.env_remove("MINSHENG_SMTP_PASSWORD");
    for (k, v) in env {
        c.env(k, v);
    }
    let o = c.output().expect("binary runs");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
    .no_panic()
}

fn flush(ws: &Ws) -> Run {
    run_env(ws, &["mail", "flush"], &[])
}

/// A real workbook and a binary "Word" file with Chinese names, as the
/// report stage leaves them.
fn bulletin_files(ws: &Ws) -> (PathBuf, PathBuf) {
    ws.run(&["forms", "--period", P, "--department", "县教育局"])
        .ok();
    let dir = ws.path(&format!("outbox/reports/{P}"));
    std::fs::create_dir_all(&dir).unwrap();
    let xlsx = dir.join("平江县民生可感行动调度汇总表（2024年3月）.xlsx");
    std::fs::copy(
        ws.path(&format!("outbox/forms/{P}/{P}-县教育局.xlsx")),
        &xlsx,
    )
    .unwrap();
    let docx = dir.join("平江县民生可感行动调度通报（2024年第3期）.docx");
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(&docx, bytes).unwrap();
    (xlsx, docx)
}

fn bulletin<'a>(subject: &'a str, attachments: Vec<PathBuf>) -> BulletinMail<'a> {
    BulletinMail {
        subject,
        html: "<html><body><p style=\"color:#333\">各位领导：现将本期调度情况通报如下。</p></body></html>",
        text: "各位领导：\n现将本期调度情况通报如下。\n",
        attachments: attachments
            .iter()
            .map(|p| mail::File::read(p).unwrap())
            .collect(),
        board: None,
    }
}

fn files_in(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn record(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Each recipient of a record and its state, in the record's order.
fn rcpt_states(r: &Value) -> Vec<(&str, &str)> {
    r["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["address"].as_str().unwrap(), x["state"].as_str().unwrap()))
        .collect()
}

fn queued(ws: &Ws) -> Vec<Value> {
    files_in(&ws.path("outbox/mail/queue"), "json")
        .iter()
        .map(|p| record(p))
        .collect()
}

/// The value of a quoted RFC 2047 parameter (`name="=?UTF-8?B?…?="`) in `raw`.
fn rfc2047_param(raw: &str, param: &str) -> Vec<String> {
    let needle = format!(" {param}=\"=?UTF-8?B?");
    raw.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &raw[i + needle.len()..];
            let b64 = &rest[..rest.find("?=\"").unwrap()];
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            )
            .unwrap()
        })
        .collect()
}

/// The values of RFC 2231 `filename*=UTF-8''…` in `raw`, percent-decoded.
fn rfc2231_params(raw: &str) -> Vec<String> {
    let needle = "filename*=UTF-8''";
    raw.match_indices(needle)
        .map(|(i, _)| {
            let rest = &raw[i + needle.len()..];
            let value = &rest[..rest.find("\r\n").unwrap()];
            let mut bytes = Vec::new();
            let mut it = value.bytes();
            while let Some(b) = it.next() {
                if b == b'%' {
                    let hex = [it.next().unwrap(), it.next().unwrap()];
                    bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap(), 16).unwrap());
                } else {
                    bytes.push(b);
                }
            }
            String::from_utf8(bytes).unwrap()
        })
        .collect()
}

fn header_block(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    text[..text.find("\r\n\r\n").unwrap()].to_string()
}

// --------------------------------------------------------------- tests ---

#[test]
fn a_queued_bulletin_reaches_the_leaders_with_chinese_names_and_exact_attachments() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    let (xlsx, docx) = bulletin_files(&ws);
    let subject = "平江县民生可感行动调度通报（2024年第3期）";

    let w = open(&ws);
    let q = mail::queue_bulletin(
        &w,
        period(),
        &bulletin(subject, vec![xlsx.clone(), docx.clone()]),
    )
    .unwrap();
    assert_eq!(q.outcome, Enqueued::New);
    assert_eq!(q.recipients, ["lisi@example.cn", "zhangsan@example.cn"]);
    let queue = ws.path("outbox/mail/queue");
    assert_eq!(files_in(&queue, "eml").len(), 1);
    let rec = &queued(&ws)[0];
    assert_eq!(rec["state"], "queued");
    assert_eq!(rec["kind"], "bulletin");
    assert_eq!(rec["period"], P);
    assert_eq!(rec["attempts"], 0);
    assert_eq!(mail::pending(&w).unwrap().queued, 1);

    let run = flush(&ws).ok();
    assert!(run.stdout.contains("已发送 1 封"), "{}", run.stdout);

    let got = server.received();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.mail_from, "zhuanban@example.cn");
    let mut rcpt = r.rcpt_tos.clone();
    rcpt.sort();
    assert_eq!(rcpt, ["lisi@example.cn", "zhangsan@example.cn"]);
    assert!(r.raw.is_ascii(), "7-bit on the wire");

    let m = MessageParser::default().parse(&r.raw).unwrap();
    assert_eq!(m.subject(), Some(subject));
    assert_eq!(
        m.from().unwrap().first().unwrap().name(),
        Some("平江县民生可感行动工作专班")
    );
    let to: Vec<_> = m
        .to()
        .unwrap()
        .iter()
        .map(|a| a.name().unwrap().to_string())
        .collect();
    assert_eq!(to, ["张三", "李四"]);
    assert!(m.message_id().is_some_and(|id| id.ends_with("@example.cn")));
    assert!(m.date().is_some());
    assert_eq!(m.header_raw("X-Minsheng-Period").map(str::trim), Some(P));
    assert!(m.body_text(0).unwrap().contains("现将本期调度情况通报如下"));
    assert!(m.body_html(0).unwrap().contains("<p style=\"color:#333\">"));

    let names: Vec<String> = m
        .attachments()
        .map(|a| a.attachment_name().unwrap().to_string())
        .collect();
    let want = [
        "平江县民生可感行动调度汇总表（2024年3月）.xlsx",
        "平江县民生可感行动调度通报（2024年第3期）.docx",
    ];
    assert_eq!(names, want);
    let parts: Vec<&[u8]> = m.attachments().map(|a| a.contents()).collect();
    assert_eq!(parts[0], std::fs::read(&xlsx).unwrap().as_slice());
    assert_eq!(parts[1], std::fs::read(&docx).unwrap().as_slice());
    let ct = m.attachments().next().unwrap().content_type().unwrap();
    assert_eq!(ct.ctype(), "application");
    assert_eq!(
        ct.subtype(),
        Some("vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    );

    // Both encodings of every name, decoding to the same text.
    let raw = String::from_utf8(r.raw.clone()).unwrap();
    assert_eq!(rfc2047_param(&raw, "name"), want);
    assert_eq!(rfc2047_param(&raw, "filename"), want);
    assert_eq!(rfc2231_params(&raw), want);

    // Delivered: out of the queue, into sent/ with the server's answer.
    assert!(files_in(&queue, "eml").is_empty());
    assert!(files_in(&queue, "json").is_empty());
    let sent = files_in(&ws.path("outbox/mail/sent"), "json");
    assert_eq!(sent.len(), 1);
    let rec = record(&sent[0]);
    assert_eq!(rec["state"], "sent");
    assert!(
        rec["server_reply"].as_str().unwrap().starts_with("250"),
        "{rec}"
    );
    assert_eq!(files_in(&ws.path("outbox/mail/sent"), "eml").len(), 1);

    // The same bulletin again (a re-run of `report --send`, even with the
    // workbook rebuilt) is not sent again.
    let again = mail::queue_bulletin(&w, period(), &bulletin(subject, vec![xlsx, docx])).unwrap();
    assert_eq!(again.outcome, Enqueued::AlreadySent);
    assert_eq!(again.id, q.id);
    flush(&ws).ok();
    assert_eq!(server.received().len(), 1);

    let list = ws.run(&["mail", "list"]).ok().stdout;
    assert!(list.contains("已发送（1 封）"), "{list}");
    assert!(list.contains(subject), "{list}");
    assert!(list.contains("zhangsan@example.cn"), "{list}");
}

#[test]
fn a_server_that_is_down_keeps_mail_queued_and_flush_later_delivers_each_once() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(port, "none", "")));
    let (xlsx, _) = bulletin_files(&ws);
    let w = open(&ws);
    for n in 1..=4 {
        let subject = format!("平江县民生可感行动调度通报（第{n}份）");
        mail::queue_bulletin(&w, period(), &bulletin(&subject, vec![xlsx.clone()])).unwrap();
    }

    // A server that is down is no message's fault: delivery pauses and
    // no attempt is counted, however many flushes meet it.
    for _ in 1..=2 {
        let run = flush(&ws).code(1);
        assert!(run.stdout.contains("发信已暂停"), "{}", run.stdout);
        assert!(run.stdout.contains("无法连接发信服务器"), "{}", run.stdout);
        assert!(run.stdout.contains("不计入尝试次数"), "{}", run.stdout);
        let q = queued(&ws);
        assert_eq!(q.len(), 4);
        for r in &q {
            assert_eq!(r["state"], "queued");
            assert_eq!(r["attempts"], 0);
            assert_eq!(r["last_error"], Value::Null);
        }
    }
    let counts = mail::pending(&w).unwrap();
    assert_eq!((counts.queued, counts.sent), (4, 0));
    assert!(matches!(
        mail::pause_state(&w).map(|p| p.fault),
        Some(mail::Fault::ConnectionRefused)
    ));
    let list = ws.run(&["mail", "list"]).ok().stdout;
    assert!(list.contains("待发送（4 封）"), "{list}");
    assert!(list.contains("发信已暂停"), "{list}");
    assert!(list.contains(&format!("127.0.0.1:{port}")), "{list}");

    let server = Smtpd::start(&tmp.path().join("in"), port, &[]);
    // Two flushes at once (the daemon and the office): claims keep them apart.
    let (first, second) = std::thread::scope(|s| {
        let a = s.spawn(|| flush(&ws));
        let b = s.spawn(|| flush(&ws));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert_eq!(second.code, 0, "{}{}", second.stdout, second.stderr);
    flush(&ws).ok();
    let got = server.received();
    assert_eq!(got.len(), 4, "each message exactly once");
    let mut subjects: Vec<String> = got
        .iter()
        .map(|r| {
            MessageParser::default()
                .parse(&r.raw)
                .unwrap()
                .subject()
                .unwrap()
                .to_string()
        })
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 4);
    assert!(queued(&ws).is_empty());
    let sent = files_in(&ws.path("outbox/mail/sent"), "json");
    assert_eq!(sent.len(), 4);
    assert!(sent.iter().all(|p| record(p)["attempts"] == 1));
    // Delivery resumed by itself: the pause is over.
    assert_eq!(mail::pause_state(&w), None);
    assert!(!ws.run(&["mail", "list"]).ok().stdout.contains("发信已暂停"));
}

#[test]
fn after_max_attempts_a_message_moves_to_failed_and_can_be_released() {
    let tmp = tempfile::tempdir().unwrap();
    // A server that answers every message "try again later" (a reply
    // about the message: each one counts).
    let busy = Smtpd::start(
        &tmp.path().join("busy"),
        0,
        &[
            "--reject-data",
            "451 4.3.0 Temporary failure, try again later",
        ],
    );
    let port = busy.port;
    let ws = Ws::new();
    let cfg = format!(
        "{}{LEADERS}\n[mail]\nmax_attempts = 2\nfirst_retry_secs = 1\n",
        smtp(port, "none", "")
    );
    configure(&ws, &cfg);
    let w = open(&ws);
    let q = mail::queue_bulletin(&w, period(), &bulletin("调度通报（失败测试）", vec![])).unwrap();
    flush(&ws).code(1);
    let run = flush(&ws).code(1);
    assert!(run.stdout.contains("发送失败 1 封"), "{}", run.stdout);
    assert!(queued(&ws).is_empty());
    let failed = files_in(&ws.path("outbox/mail/failed"), "json");
    assert_eq!(failed.len(), 1);
    assert_eq!(record(&failed[0])["state"], "failed");
    assert_eq!(mail::pending(&w).unwrap().failed, 1);
    let list = ws.run(&["mail", "list"]).ok().stdout;
    assert!(list.contains("发送失败（1 封）"), "{list}");

    // The server is mended; the office releases the message by part of its id.
    drop(busy);
    let server = Smtpd::start(&tmp.path().join("in"), port, &[]);
    let short = &q.id[q.id.len() - 8..];
    let run = ws.run(&["mail", "release", short]).ok();
    assert!(run.stdout.contains("已放回发信队列"), "{}", run.stdout);
    assert_eq!(queued(&ws)[0]["attempts"], 0);
    flush(&ws).ok();
    assert_eq!(server.received().len(), 1);
    assert!(files_in(&ws.path("outbox/mail/failed"), "json").is_empty());
}

#[test]
fn starttls_with_a_private_ca_is_refused_until_extra_ca_file_trusts_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(&tmp.path().join("pki"));
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &["--starttls", cert.to_str().unwrap(), key.to_str().unwrap()],
    );
    let ws = Ws::new();
    configure(
        &ws,
        &format!("{}{LEADERS}", smtp(server.port, "starttls", "")),
    );
    let w = open(&ws);
    mail::queue_bulletin(&w, period(), &bulletin("调度通报（加密测试）", vec![])).unwrap();

    let run = flush(&ws).code(1);
    assert!(run.stdout.contains("证书不受信任"), "{}", run.stdout);
    assert!(run.stdout.contains("extra_ca_file"), "{}", run.stdout);
    assert!(run.stdout.contains("发信已暂停"), "{}", run.stdout);
    assert!(server.received().is_empty());
    let q = queued(&ws);
    assert_eq!((q.len(), &q[0]["attempts"]), (1, &Value::from(0)));
    let pause = mail::pause_state(&w).unwrap();
    assert!(pause.message.contains("证书"), "{}", pause.message);

    std::fs::copy(&ca, ws.path("var/county-ca.pem")).unwrap();
    configure(
        &ws,
        &format!(
            "{}{LEADERS}",
            smtp(
                server.port,
                "starttls",
                "extra_ca_file = \"var/county-ca.pem\""
            )
        ),
    );
    flush(&ws).ok();
    let got = server.received();
    assert_eq!(got.len(), 1);
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(m.subject(), Some("调度通报（加密测试）"));
}

#[test]
fn implicit_tls_with_login_delivers_and_a_wrong_password_is_a_refused_login() {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(&tmp.path().join("pki"));
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &[
            "--tls",
            cert.to_str().unwrap(),
            key.to_str().unwrap(),
            "--auth",
            "zhuanban:正确的授权码",
        ],
    );
    let ws = Ws::new();
    std::fs::copy(&ca, ws.path("var/county-ca.pem")).unwrap();
    configure(
        &ws,
        &smtp(
            server.port,
            "tls",
            "username = \"zhuanban\"\nextra_ca_file = \"var/county-ca.pem\"",
        ),
    );
    let test = ["mail", "test", "office@example.cn"];

    let run = run_env(&ws, &test, &[]).code(2);
    assert!(
        run.stderr.contains("MINSHENG_SMTP_PASSWORD"),
        "{}",
        run.stderr
    );

    let run = run_env(&ws, &test, &[("MINSHENG_SMTP_PASSWORD", "wrong")]).code(1);
    assert!(run.stderr.contains("登录被拒绝"), "{}", run.stderr);
    assert!(server.received().is_empty());

    let run = run_env(&ws, &test, &[("MINSHENG_SMTP_PASSWORD", "正确的授权码")]).ok();
    assert!(run.stdout.contains("测试邮件已发出"), "{}", run.stdout);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, ["office@example.cn"]);
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(m.subject(), Some("【测试邮件】平江县民生可感行动发信测试"));
    assert!(m.body_text(0).unwrap().contains("发信设置正确"));
    // A test message is not queued.
    assert!(files_in(&ws.path("outbox/mail/sent"), "json").is_empty());
}

#[test]
fn mail_test_reports_a_spam_rejection_and_a_refused_recipient_in_chinese() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &[
            "--reject-data",
            "554 DT:SPM 163 smtp14,EsCowAD3 1712112000,please see http://mail.163.com/help/help_spam_16.htm?ip=1.2.3.4",
            "--reject-rcpt",
            "nobody@example.cn",
        ],
    );
    let ws = Ws::new();
    configure(&ws, &smtp(server.port, "none", ""));
    let run = ws.run(&["mail", "test", "office@example.cn"]).code(1);
    assert!(run.stderr.contains("垃圾邮件"), "{}", run.stderr);
    assert!(run.stderr.contains("DT:SPM"), "{}", run.stderr);
    let run = ws.run(&["mail", "test", "nobody@example.cn"]).code(1);
    assert!(run.stderr.contains("收件人被服务器拒绝"), "{}", run.stderr);
    assert!(run.stderr.contains("nobody@example.cn"), "{}", run.stderr);
    // The address was typed here, not taken from the configuration.
    assert!(
        run.stderr.contains("请核对输入的邮箱地址"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("minsheng.toml"), "{}", run.stderr);
    let run = ws.run(&["mail", "test", "不是地址"]).code(2);
    assert!(run.stderr.contains("邮箱地址"), "{}", run.stderr);
}

#[test]
fn a_security_setting_that_does_not_match_the_port_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, cert, key) = certificates(&tmp.path().join("pki"));
    let plain = Smtpd::start(&tmp.path().join("plain"), 0, &[]);
    let tls = Smtpd::start(
        &tmp.path().join("tls"),
        0,
        &["--tls", cert.to_str().unwrap(), key.to_str().unwrap()],
    );
    let ws = Ws::new();
    let test = ["mail", "test", "office@example.cn"];
    for (port, security, want) in [
        (plain.port, "tls", "加密握手失败"),
        (plain.port, "starttls", "不支持 STARTTLS"),
        (tls.port, "none", "如果端口是 465，security 应为"),
    ] {
        let cfg = smtp(port, security, "").replace("timeout_secs = 10", "timeout_secs = 2");
        configure(&ws, &cfg);
        let run = ws.run(&test).code(1);
        assert!(run.stderr.contains(want), "{security}: {}", run.stderr);
    }
    assert!(plain.received().is_empty() && tls.received().is_empty());
}

#[test]
fn a_refused_recipient_keeps_the_message_queued_for_that_recipient_only() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &[
            "--rcpt-reply",
            "lisi@example.cn",
            "451 4.7.1 <lisi@example.cn>: Recipient address rejected: Greylisted, try again later",
        ],
    );
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    let w = open(&ws);
    mail::queue_bulletin(&w, period(), &bulletin("调度通报（退信测试）", vec![])).unwrap();
    let run = flush(&ws).code(1);
    assert!(run.stdout.contains("收件人被服务器拒绝"), "{}", run.stdout);
    assert!(run.stdout.contains("lisi@example.cn"), "{}", run.stdout);
    assert!(run.stdout.contains("稍后自动重试"), "{}", run.stdout);
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, ["zhangsan@example.cn"]);
    let q = queued(&ws);
    assert_eq!(
        rcpt_states(&q[0]),
        [
            ("lisi@example.cn", "retry"),
            ("zhangsan@example.cn", "sent")
        ]
    );
    // The next attempt goes to the refused recipient only.
    flush(&ws).code(1);
    assert_eq!(server.received().len(), 1);
    assert_eq!(queued(&ws)[0]["attempts"], 2);
    assert_eq!(server.tried("lisi@example.cn"), 2);
    assert_eq!(server.tried("zhangsan@example.cn"), 1);
}

#[test]
fn cr_and_lf_in_names_and_subjects_cannot_add_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let ws = Ws::new();
    let leaders = r#"
[[leaders]]
name = "张三\r\nBcc: evil@example.com"
email = "zhangsan@example.cn"

[[leaders]]
name = "Li Si\r\nBcc: evil2@example.com\r\n"
email = "lisi@example.cn"
"#;
    let from = "专班\\r\\nBcc: evil3@example.com <zhuanban@example.cn>";
    configure(
        &ws,
        &format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"{from}\"\n{leaders}",
            server.port
        ),
    );
    let dir = ws.path("outbox/reports/2024-03");
    std::fs::create_dir_all(&dir).unwrap();
    let evil_file = dir.join("汇总表\r\nX-Injected: yes.xlsx");
    std::fs::write(&evil_file, b"not really a workbook").unwrap();
    let w = open(&ws);
    for subject in [
        "调度通报\r\nBcc: evil@example.com",
        "Report\r\nX-Injected: yes",
        "Report\nBcc: evil@example.com\n\nbody",
    ] {
        let mut m = bulletin(subject, vec![evil_file.clone()]);
        m.text = "正文\r\n.\r\nMAIL FROM:<evil@example.com>\r\n";
        mail::queue_bulletin(&w, period(), &m).unwrap();
    }
    flush(&ws).ok();
    let got = server.received();
    assert_eq!(got.len(), 3);
    for r in &got {
        let mut rcpt = r.rcpt_tos.clone();
        rcpt.sort();
        assert_eq!(rcpt, ["lisi@example.cn", "zhangsan@example.cn"]);
        let head = header_block(&r.raw);
        for line in head.split("\r\n") {
            assert!(
                !line.starts_with("Bcc") && !line.starts_with("X-Injected"),
                "{head}"
            );
        }
        let m = MessageParser::default().parse(&r.raw).unwrap();
        assert!(m.header("Bcc").is_none());
        assert!(m.header("X-Injected").is_none());
        assert_eq!(m.attachments().count(), 1);
        assert!(
            m.body_text(0)
                .unwrap()
                .contains("MAIL FROM:<evil@example.com>")
        );
        let subject = m.subject().unwrap();
        assert!(
            !subject.contains('\n') && !subject.contains('\r'),
            "{subject:?}"
        );
        let name = m.attachments().next().unwrap().attachment_name().unwrap();
        assert_eq!(name, "汇总表 X-Injected: yes.xlsx");
    }
}

#[test]
fn an_unknown_outcome_is_held_as_uncertain_until_the_office_releases_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dropping = Smtpd::start(&tmp.path().join("dropped"), 0, &["--drop-after-data"]);
    let ws = Ws::new();
    configure(
        &ws,
        &format!("{}{LEADERS}", smtp(dropping.port, "none", "")),
    );
    let w = open(&ws);
    let a = mail::queue_bulletin(&w, period(), &bulletin("调度通报（甲）", vec![])).unwrap();
    let b = mail::queue_bulletin(&w, period(), &bulletin("调度通报（乙）", vec![])).unwrap();
    let run = flush(&ws).code(1);
    assert!(run.stdout.contains("不能确定是否送达"), "{}", run.stdout);
    assert_eq!(dropping.received().len(), 2);
    let q = queued(&ws);
    assert!(q.iter().all(|r| r["state"] == "uncertain"), "{q:?}");
    assert_eq!(mail::pending(&w).unwrap().uncertain, 2);
    let list = ws.run(&["mail", "list"]).ok().stdout;
    assert!(list.contains("待确认（2 封"), "{list}");
    assert!(list.contains(&a.id), "{list}");
    // How to find out: the Message-ID the server got, its log, the server, the time.
    for got in dropping.received() {
        let m = MessageParser::default().parse(&got.raw).unwrap();
        let id = m.message_id().unwrap();
        assert!(
            list.contains(&format!("grep '{id}' /var/log/mail.log")),
            "{list}"
        );
    }
    assert!(
        list.contains(&format!("127.0.0.1:{}", dropping.port)),
        "{list}"
    );
    assert!(list.contains("release"), "{list}");

    // Not retried blindly, and `mail flush` does not call it done.
    let run = flush(&ws).code(1);
    assert!(run.stdout.contains("不能确定是否送达"), "{}", run.stdout);
    assert_eq!(dropping.received().len(), 2);
    // The same bulletin queued again stays held, not duplicated.
    let again = mail::queue_bulletin(&w, period(), &bulletin("调度通报（甲）", vec![])).unwrap();
    assert_eq!(again.outcome, Enqueued::AlreadyQueued);

    // The office checks with the leaders: 甲 never came, 乙 did.
    drop(dropping);
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    ws.run(&["mail", "release", &a.id]).ok();
    let run = ws.run(&["mail", "release", &b.id, "--delivered"]).ok();
    assert!(run.stdout.contains("已记为送达"), "{}", run.stdout);
    flush(&ws).ok();
    let got = server.received();
    assert_eq!(got.len(), 1);
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(m.subject(), Some("调度通报（甲）"));
    assert!(queued(&ws).is_empty());
    assert_eq!(files_in(&ws.path("outbox/mail/sent"), "json").len(), 2);
    ws.run(&["mail", "release", &a.id]).code(2);
}

#[test]
fn a_crash_mid_send_never_sends_an_acknowledged_message_again() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    let w = open(&ws);
    let mut ids = Vec::new();
    for s in ["已确认", "数据已发出", "尚未发出"] {
        ids.push(
            mail::queue_bulletin(&w, period(), &bulletin(&format!("调度通报（{s}）"), vec![]))
                .unwrap()
                .id,
        );
    }
    // What a sender that died (pid 0 never runs as a sender) leaves behind
    // at three points of a send.
    let queue = ws.path("outbox/mail/queue");
    for (id, state, stage) in [
        (&ids[0], "sent", Value::Null),
        (&ids[1], "sending", Value::from("data")),
        (&ids[2], "sending", Value::from("connecting")),
    ] {
        let json = queue.join(format!("{id}.json"));
        let mut r = record(&json);
        r["state"] = Value::from(state);
        r["stage"] = stage;
        r["pid"] = Value::from(u32::MAX - 1);
        r["attempts"] = Value::from(1);
        r["last_error"] = Value::from("对方拒绝连接（崩溃之前那一次）");
        std::fs::write(queue.join(format!("{id}.sending")), r.to_string()).unwrap();
        std::fs::remove_file(json).unwrap();
    }
    // Looking at the queue shows at once what the crash left, before any flush.
    let list = list_json(&ws);
    assert_eq!(message(&list, &ids[1])["state"], "uncertain");
    assert_eq!(message(&list, &ids[2])["state"], "queued");
    assert!(message(&list, &ids[0])["state"] == "sent");
    let text = ws.run(&["mail", "list"]).ok().stdout;
    assert!(text.contains("待确认（1 封"), "{text}");
    // The failure shown is the crash, not the attempt before it.
    assert!(!text.contains("崩溃之前那一次"), "{text}");
    assert!(text.contains("上次失败：上次发送过程中程序中断"), "{text}");
    assert!(text.contains("/var/log/mail.log"), "{text}");
    assert!(server.received().is_empty());
    // One message is still held as uncertain: not done.
    flush(&ws).code(1);
    let got = server.received();
    assert_eq!(got.len(), 1, "only the message that never went out is sent");
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(m.subject(), Some("调度通报（尚未发出）"));
    let sent = ws.path("outbox/mail/sent");
    assert!(sent.join(format!("{}.json", ids[0])).exists());
    assert!(sent.join(format!("{}.eml", ids[0])).exists());
    assert_eq!(
        record(&queue.join(format!("{}.json", ids[1])))["state"],
        "uncertain"
    );
    assert!(files_in(&queue, "sending").is_empty());
}

#[test]
fn without_smtp_the_queue_fills_and_the_configured_sender_is_used_later() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = Ws::new();
    configure(&ws, LEADERS);
    let w = open(&ws);
    mail::queue_bulletin(&w, period(), &bulletin("调度通报（暂存）", vec![])).unwrap();
    let run = flush(&ws).code(2);
    assert!(run.stderr.contains("未配置发信服务器"), "{}", run.stderr);
    assert!(run.stderr.contains("1 封"), "{}", run.stderr);
    let run = ws.run(&["mail", "test", "a@example.cn"]).code(2);
    assert!(run.stderr.contains("未配置发信服务器"), "{}", run.stderr);
    assert_eq!(files_in(&ws.path("outbox/mail/queue"), "eml").len(), 1);
    assert!(
        ws.run(&["mail", "list"])
            .ok()
            .stdout
            .contains("待发送（1 封）")
    );

    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    flush(&ws).ok();
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].mail_from, "zhuanban@example.cn");
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    let from = m.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some("zhuanban@example.cn"));
    assert_eq!(from.name(), Some("平江县民生可感行动工作专班"));
    assert_eq!(m.header_values("From").count(), 1);
}

/// `mail list --json`, checked to have exactly the fields of the contract.
fn list_json(ws: &Ws) -> Value {
    let doc = ws.run(&["mail", "list", "--json"]).ok().json();
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&doc), ["messages"]);
    for m in doc["messages"].as_array().unwrap() {
        assert_eq!(
            keys(m),
            ["id", "kind", "recipients", "state", "subject"],
            "{m}"
        );
        assert!(
            ["bulletin", "receipt", "reminder", "test"].contains(&m["kind"].as_str().unwrap()),
            "{m}"
        );
        for r in m["recipients"].as_array().unwrap() {
            assert_eq!(keys(r), ["address", "next_try", "reply", "state"], "{r}");
            let state = r["state"].as_str().unwrap();
            assert!(
                ["queued", "retry", "uncertain", "sent", "failed"].contains(&state),
                "{r}"
            );
            // A retry time is an RFC 3339 time, and only a retry has one.
            match r["next_try"].as_str() {
                Some(t) => {
                    assert_eq!(state, "retry", "{r}");
                    chrono::DateTime::parse_from_rfc3339(t).unwrap();
                }
                None => assert!(r["next_try"].is_null() && state != "retry", "{r}"),
            }
        }
    }
    doc
}

/// The message with this id in a `mail list --json`.
fn message<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed: {doc}"))
}

/// The recipient `address` of a listed message.
fn recipient<'a>(m: &'a Value, address: &str) -> &'a Value {
    m["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} not a recipient: {m}"))
}

/// `[[leaders]]` for these addresses.
fn leaders(emails: &[&str]) -> String {
    emails
        .iter()
        .enumerate()
        .map(|(i, e)| format!("\n[[leaders]]\nname = \"领导{i}\"\nemail = \"{e}\"\n"))
        .collect()
}

/// A workspace where 县民政局 has an accepted return for 2024-03 (the
/// LibreOffice fixture, signed with the fixture key).
fn with_one_return(ws: &Ws) {
    std::fs::copy(repo("tests/fixtures/form.key"), ws.path("var/form.key")).unwrap();
    let run = ws.run(&[
        "ingest",
        "--json",
        repo("tests/fixtures/2024-03-县民政局.xlsx")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(
        run.json()["results"][0]["verdict"],
        "accepted",
        "{}",
        run.stdout
    );
}

#[test]
fn remind_mails_only_the_department_that_has_not_reported_with_its_form() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let ws = Ws::new();
    let departments = r#"
[departments."县教育局"]
email = "jyj@example.cn"
[departments."县民政局"]
email = "mzj@example.cn"
[departments."县妇联"]
contact = "王五"
phone = "0730-6220000"
"#;
    configure(
        &ws,
        &format!("{}{departments}", smtp(server.port, "none", "")),
    );
    with_one_return(&ws);
    let form = ws.path(&format!("outbox/forms/{P}/{P}-县教育局.xlsx"));
    assert!(!form.exists());

    let run = ws.run(&["remind", "--period", P]).ok();
    assert!(
        run.stdout.contains("已报送 1 / 20 个单位"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("县教育局 → jyj@example.cn"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("请电话催报"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("县妇联  联系人 王五  电话 0730-6220000"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("县民政局 → mzj@example.cn"),
        "{}",
        run.stdout
    );

    // `ingest` queued 县民政局's receipt on its own; `remind` delivered it
    // with the one reminder.
    let all = server.received();
    assert_eq!(all.len(), 2);
    let receipt = all
        .iter()
        .find(|g| g.rcpt_tos == ["mzj@example.cn"])
        .expect("the receipt of the return");
    let receipt = MessageParser::default().parse(&receipt.raw).unwrap();
    assert!(
        receipt
            .subject()
            .unwrap()
            .starts_with("【报送回执】县民政局")
    );
    let got: Vec<_> = all
        .into_iter()
        .filter(|g| g.rcpt_tos != ["mzj@example.cn"])
        .collect();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, ["jyj@example.cn"]);
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    let subject = m.subject().unwrap();
    assert!(
        subject.contains("催报") && subject.contains("2024年4月5日"),
        "{subject}"
    );
    assert_eq!(m.to().unwrap().first().unwrap().name(), Some("县教育局"));
    let body = m.body_text(0).unwrap();
    assert!(body.contains("2024年4月5日前报送"), "{body}");
    assert!(body.contains("截至2024年4月3日"), "{body}");
    let a = m.attachments().next().unwrap();
    assert_eq!(a.attachment_name(), Some("2024-03-县教育局.xlsx"));
    assert!(form.exists(), "the missing form was issued");
    assert_eq!(a.contents(), std::fs::read(&form).unwrap().as_slice());
    assert_eq!(m.header_raw("X-Minsheng-Period").map(str::trim), Some(P));

    // The same day again: nothing new.
    let run = ws.run(&["remind", "--period", P]).ok();
    assert!(run.stdout.contains("今天已发过催报邮件"), "{}", run.stdout);
    assert_eq!(server.received().len(), 2, "no second reminder");
}

#[test]
fn a_receipt_goes_to_its_department_alone_with_the_receipt_files() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let ws = Ws::new();
    // The return comes in before the department has an address, so only
    // the receipt queued by hand below is sent. Its phone number draws a
    // warning on a cell, so the receipt has its marked copy.
    ws.run(&["forms", "--period", P, "--department", "县民政局"])
        .ok();
    let filled = crate::util::fill_return(
        &ws,
        "县民政局",
        P,
        serde_json::json!({"footer": {"填报人": "张三", "联系电话": "电话待定", "填报日期": "2024-04-02"}}),
    );
    let run = ws.run(&["ingest", "--json", filled.to_str().unwrap()]).ok();
    assert_eq!(
        run.json()["results"][0]["verdict"],
        "accepted",
        "{}",
        run.stdout
    );
    configure(
        &ws,
        &format!(
            "{}{LEADERS}\n[departments.\"县民政局\"]\nemail = \"mzj@example.cn; mzj2@example.cn\"\n",
            smtp(server.port, "none", "")
        ),
    );
    let txt = files_in(&ws.path(&format!("outbox/receipts/{P}")), "txt")
        .pop()
        .unwrap();
    let xlsx = txt.with_extension("xlsx");
    assert!(xlsx.exists());
    let w = open(&ws);
    let result = minsheng::intake::FileResult {
        file: "inbox/2024-03-县民政局.xlsx".into(),
        department: Some("县民政局".into()),
        period: Some(period()),
        verdict: minsheng::model::Verdict::Accepted,
        findings: Vec::new(),
        receipt: Some(minsheng::intake::FiledReceipt {
            id: 1,
            txt: txt.clone(),
            xlsx: Some(xlsx.clone()),
            receipt: minsheng::intake::receipt::Receipt {
                text: std::fs::read_to_string(&txt).unwrap(),
                marked: Some(std::fs::read(&xlsx).unwrap()),
            },
            file_name: "2024-03-县民政局\r\nBcc: evil@example.com.xlsx".into(),
        }),
    };
    minsheng::cycle::queue_receipts(&w, [&result].into_iter());
    // A department without an email gets nothing; neither does a skipped file.
    let mut other = result.clone();
    other.department = Some("县教育局".into());
    minsheng::cycle::queue_receipts(&w, [&other].into_iter());
    other.receipt = None;
    minsheng::cycle::queue_receipts(&w, [&other].into_iter());
    assert_eq!(queued(&ws).len(), 1);

    flush(&ws).ok();
    let got = server.received();
    assert_eq!(got.len(), 1);
    let mut rcpt = got[0].rcpt_tos.clone();
    rcpt.sort();
    assert_eq!(rcpt, ["mzj2@example.cn", "mzj@example.cn"]);
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    assert!(m.header("Bcc").is_none());
    let subject = m.subject().unwrap();
    assert!(
        subject.starts_with("【报送回执】县民政局 2024年3月 报表已采用"),
        "{subject}"
    );
    let receipt_text = std::fs::read_to_string(&txt).unwrap();
    assert_eq!(
        m.body_text(0).unwrap().replace("\r\n", "\n").trim_end(),
        receipt_text.trim_end()
    );
    let parts: Vec<(String, Vec<u8>)> = m
        .attachments()
        .map(|a| {
            (
                a.attachment_name().unwrap().to_string(),
                a.contents().to_vec(),
            )
        })
        .collect();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].0, txt.file_name().unwrap().to_str().unwrap());
    assert_eq!(parts[0].1, std::fs::read(&txt).unwrap());
    assert_eq!(parts[1].0, xlsx.file_name().unwrap().to_str().unwrap());
    assert_eq!(parts[1].1, std::fs::read(&xlsx).unwrap());
}

#[test]
fn report_send_mails_the_bulletin_with_its_attachments_once() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    with_one_return(&ws);
    let run = ws.run(&["report", "--period", P, "--send"]).ok();
    assert!(run.stdout.contains("调度通报"), "{}", run.stdout);
    let got = server.received();
    let bulletins: Vec<_> = got
        .iter()
        .map(|g| MessageParser::default().parse(&g.raw).unwrap())
        .filter(|m| m.subject().is_some_and(|s| s.contains("调度通报")))
        .collect();
    assert_eq!(bulletins.len(), 1, "one message to the leaders");
    let m = &bulletins[0];
    // The workspace's first report, though for March.
    assert_eq!(
        m.subject(),
        Some("平江县民生可感行动调度通报（2024年第1期）")
    );
    assert!(m.body_html(0).is_some() && m.body_text(0).is_some());
    let names: Vec<String> = m
        .attachments()
        .map(|a| a.attachment_name().unwrap().to_string())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("民生实事调度汇总表.xlsx")),
        "{names:?}"
    );
    assert!(names.iter().any(|n| n.ends_with(".docx")), "{names:?}");
    let workbook = ws.path(&format!("outbox/reports/{P}/{P}-民生实事调度汇总表.xlsx"));
    let xlsx = m
        .attachments()
        .find(|a| a.attachment_name().unwrap().ends_with(".xlsx"))
        .unwrap();
    assert_eq!(
        xlsx.contents(),
        std::fs::read(&workbook).unwrap().as_slice()
    );
    // The same report sent again is not mailed twice.
    ws.run(&["report", "--period", P, "--send"]).ok();
    let again = server
        .received()
        .iter()
        .filter(|g| {
            MessageParser::default()
                .parse(&g.raw)
                .unwrap()
                .subject()
                .is_some_and(|s| s.contains("调度通报"))
        })
        .count();
    assert_eq!(again, 1);
}

// ------------------------------------------- delivery per recipient ---

/// Rewrite a record as version 1 of the queue wrote it: one list of
/// recipients and one of those delivered.
fn as_version_1(path: &Path) {
    let mut r = record(path);
    let rcpts = r["recipients"].as_array().unwrap().clone();
    r["recipients"] = rcpts.iter().map(|x| x["address"].clone()).collect();
    r["delivered_to"] = rcpts
        .iter()
        .filter(|x| x["state"] == "sent")
        .map(|x| x["address"].clone())
        .collect();
    r["version"] = Value::from(1);
    r.as_object_mut().unwrap().remove("department");
    std::fs::write(path, serde_json::to_vec_pretty(&r).unwrap()).unwrap();
}

#[test]
fn a_permanent_refusal_is_given_up_at_once_with_its_meaning_and_never_tried_again() {
    // Several 5xx replies with different enhanced codes, each meaning
    // something else to the office; several 4xx replies, all "later".
    let refusals = [
        (
            "a@example.cn",
            "550 5.1.1 <a@example.cn>: Recipient address rejected: User unknown",
            "地址不存在",
        ),
        (
            "b@example.cn",
            "552 5.2.2 <b@example.cn>: Mailbox full",
            "邮箱已满",
        ),
        (
            "c@example.cn",
            "554 5.7.1 <c@example.cn>: Message rejected as spam",
            "被判为垃圾邮件",
        ),
        (
            "d@example.cn",
            "550 5.2.1 <d@example.cn>: Mailbox disabled",
            "邮箱已停用",
        ),
        (
            "e@example.cn",
            "553 5.1.3 <e@example.cn>: Bad address syntax",
            "邮箱地址有误",
        ),
        (
            "f@example.cn",
            "550 Requested action not taken: mailbox unavailable",
            "邮箱不存在或不可用",
        ),
    ];
    let temporary = [
        (
            "g@example.cn",
            "450 4.2.1 <g@example.cn>: Mailbox busy, try again later",
        ),
        (
            "h@example.cn",
            "452 4.2.2 <h@example.cn>: Mailbox temporarily over quota",
        ),
        ("i@example.cn", "451 Greylisted, please try again"),
    ];
    let ok = "ok@example.cn";
    let mut args: Vec<String> = Vec::new();
    for (a, reply, _) in refusals {
        args.extend(["--rcpt-reply".into(), a.into(), reply.into()]);
    }
    for (a, reply) in temporary {
        args.extend([
            "--rcpt-reply-first".into(),
            a.into(),
            "1".into(),
            reply.into(),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &args);
    let ws = Ws::new();
    let mut emails: Vec<&str> = refusals.iter().map(|r| r.0).collect();
    emails.extend(temporary.iter().map(|r| r.0));
    emails.push(ok);
    configure(
        &ws,
        &format!("{}{}", smtp(server.port, "none", ""), leaders(&emails)),
    );
    let w = open(&ws);
    let q = mail::queue_bulletin(&w, period(), &bulletin("调度通报（拒收测试）", vec![])).unwrap();

    let run = flush(&ws).code(1);
    assert!(run.stdout.contains("不再重试"), "{}", run.stdout);
    assert!(run.stdout.contains("稍后自动重试"), "{}", run.stdout);
    for (a, reply, meaning) in refusals {
        assert!(run.stdout.contains(reply), "{a}: {}", run.stdout);
        assert!(run.stdout.contains(meaning), "{a}: {}", run.stdout);
    }
    let got = server.received();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, [ok]);

    let list = list_json(&ws);
    let m = message(&list, &q.id);
    assert_eq!(m["state"], "retry");
    assert_eq!(m["kind"], "bulletin");
    for (a, reply, _) in refusals {
        let r = recipient(m, a);
        assert_eq!(
            (&r["state"], &r["reply"]),
            (&Value::from("failed"), &Value::from(reply))
        );
    }
    for (a, reply) in temporary {
        let r = recipient(m, a);
        assert_eq!(
            (&r["state"], &r["reply"]),
            (&Value::from("retry"), &Value::from(reply))
        );
    }
    assert_eq!(recipient(m, ok)["state"], "sent");
    assert!(
        recipient(m, ok)["reply"]
            .as_str()
            .unwrap()
            .starts_with("250")
    );
    let text = ws.run(&["mail", "list"]).ok().stdout;
    for (a, _, meaning) in refusals {
        assert!(
            text.contains(&format!("{a}  发送失败：{meaning}")),
            "{text}"
        );
    }
    for (a, _) in temporary {
        assert!(text.contains(&format!("{a}  等待重试：下次 ")), "{text}");
    }

    // The temporary ones get it on the next attempt; the refused ones are
    // not tried again, and not announced again.
    let second = flush(&ws).ok();
    for (_, _, meaning) in refusals {
        assert!(!second.stdout.contains(meaning), "{}", second.stdout);
    }
    for (a, _, _) in refusals {
        assert_eq!(server.tried(a), 1, "{a}");
        assert_eq!(server.delivered_to(a), 0, "{a}");
    }
    for (a, _) in temporary {
        assert_eq!((server.tried(a), server.delivered_to(a)), (2, 1), "{a}");
    }
    assert_eq!((server.tried(ok), server.delivered_to(ok)), (1, 1));
    // Finished: someone got it, so it is sent, with the failures noted.
    assert!(queued(&ws).is_empty());
    let list = list_json(&ws);
    let m = message(&list, &q.id);
    assert_eq!(m["state"], "sent");
    for (a, _, _) in refusals {
        assert_eq!(recipient(m, a)["state"], "failed");
    }
    assert!(
        ws.run(&["mail", "list"])
            .ok()
            .stdout
            .contains("部分收件人未收到")
    );

    // A day later, and with the same bulletin queued again: nothing is tried.
    let tries = server.rcpts().len();
    let again =
        mail::queue_bulletin(&w, period(), &bulletin("调度通报（拒收测试）", vec![])).unwrap();
    assert_eq!(again.outcome, Enqueued::AlreadySent);
    assert_eq!(again.refused_before.len(), refusals.len());
    run_env(&ws, &["mail", "flush"], &[("MINSHENG_TODAY", "2024-04-04")]).ok();
    assert_eq!(server.rcpts().len(), tries);
}

#[test]
fn a_recipient_answered_451_gets_the_bulletin_once_after_retries_on_the_plan_clock() {
    let tmp = tempfile::tempdir().unwrap();
    let greylist =
        "451 4.7.1 <lisi@example.cn>: Recipient address rejected: Greylisted, try again later";
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &["--rcpt-reply-first", "lisi@example.cn", "2", greylist],
    );
    let ws = Ws::new();
    configure(
        &ws,
        &format!(
            "{}{LEADERS}\n[mail]\nfirst_retry_secs = 600\n",
            smtp(server.port, "none", "")
        ),
    );
    with_one_return(&ws);
    let send = |at: &str| {
        run_env(
            &ws,
            &["report", "--period", P, "--send"],
            &[("MINSHENG_TODAY", at)],
        )
    };
    let (zhang, li) = ("zhangsan@example.cn", "lisi@example.cn");

    let run = send("2024-04-03T09:00:00").code(1);
    assert!(run.stdout.contains("已放入发信队列"), "{}", run.stdout);
    assert!(run.stdout.contains("稍后自动重试"), "{}", run.stdout);
    assert!(run.stdout.contains(greylist), "{}", run.stdout);
    assert_eq!(
        (server.delivered_to(zhang), server.delivered_to(li)),
        (1, 0)
    );

    // Before the retry time: nothing is tried, and the office is told what waits.
    let run = send("2024-04-03T09:05:00").ok();
    assert!(!run.stdout.contains("没有待发送"), "{}", run.stdout);
    assert!(run.stdout.contains("仍在等待重试 1 封"), "{}", run.stdout);
    assert!(run.stdout.contains("下次 09:10:0"), "{}", run.stdout);
    assert!(run.stdout.contains("分钟后），第 2 次"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("{zhang} 此前已收到同一封邮件，不再重复发送")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("{li} 的同一封邮件已在发信队列中")),
        "{}",
        run.stdout
    );
    assert_eq!(server.tried(li), 1);
    let list = run_env(
        &ws,
        &["mail", "list"],
        &[("MINSHENG_TODAY", "2024-04-03T09:05:00")],
    )
    .ok()
    .stdout;
    // Due within the hour: told to the second, and how long to wait.
    assert!(
        list.contains(&format!("{li}  等待重试：下次 09:10:0")),
        "{list}"
    );
    assert!(list.contains("分钟后），第 2 次"), "{list}");
    let doc = list_json(&ws);
    let m = doc["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["kind"] == "bulletin")
        .unwrap();
    assert_eq!(m["state"], "retry");
    let r = recipient(m, li);
    assert_eq!(
        (&r["state"], &r["reply"]),
        (&Value::from("retry"), &Value::from(greylist))
    );
    let next = chrono::DateTime::parse_from_rfc3339(r["next_try"].as_str().unwrap()).unwrap();
    let want = chrono::DateTime::parse_from_rfc3339("2024-04-03T09:10:00+08:00").unwrap();
    assert!((next - want).num_seconds().abs() < 60, "{next}");
    let r = recipient(m, zhang);
    assert_eq!(
        (&r["state"], &r["next_try"]),
        (&Value::from("sent"), &Value::Null)
    );

    // Due: tried again, refused again, the wait doubles (20 minutes).
    send("2024-04-03T09:30:00").code(1);
    assert_eq!(server.tried(li), 2);
    let run = send("2024-04-03T09:45:00").ok();
    assert!(run.stdout.contains("下次 09:50:0"), "{}", run.stdout);
    assert!(run.stdout.contains("分钟后），第 3 次"), "{}", run.stdout);
    assert_eq!(server.tried(li), 2);
    let run = send("2024-04-03T10:00:00").ok();
    assert!(run.stdout.contains("已发送 1 封"), "{}", run.stdout);
    assert_eq!((server.tried(li), server.delivered_to(li)), (3, 1));
    assert_eq!((server.tried(zhang), server.delivered_to(zhang)), (1, 1));
    assert!(queued(&ws).is_empty());

    // Everyone has it: a further send sends nothing.
    let run = send("2024-04-03T11:00:00").ok();
    assert!(
        run.stdout.contains("此前已发送，未重复发送"),
        "{}",
        run.stdout
    );
    assert_eq!(server.received().len(), 2);
}

#[test]
fn a_refusal_after_data_gives_up_every_waiting_recipient_of_that_message_only() {
    let finals = [
        (
            "（丙）",
            "554 5.7.1 Message rejected as spam by Content Filtering",
            "被判为垃圾邮件",
        ),
        (
            "（丁）",
            "552 5.3.4 Message size exceeds fixed maximum message size",
            "邮件过大",
        ),
        (
            "（戊）",
            "554 DT:SPM 163 smtp14,EsCowAD3 1712112000,please see http://mail.163.com/help/help_spam_16.htm",
            "被判为垃圾邮件",
        ),
        (
            "（己）",
            "550 5.7.26 Unauthenticated email from example.cn is not accepted due to domain's DMARC policy",
            "发件域名未通过对方验证",
        ),
    ];
    let temporary = [
        (
            "（庚）",
            "451 4.3.0 Temporary local problem, try again later",
        ),
        ("（辛）", "452 4.3.1 Insufficient system storage"),
    ];
    let mut args: Vec<&str> = vec![
        // The first RCPT for lisi (the message 丙) is put off: a refusal of
        // the data after it gives up lisi as well.
        "--rcpt-reply-first",
        "lisi@example.cn",
        "1",
        "451 4.7.1 Greylisted",
    ];
    for (s, reply, _) in finals {
        args.extend(["--data-reply-for", s, reply]);
    }
    for (s, reply) in temporary {
        args.extend(["--data-reply-for", s, reply]);
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &args);
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    let w = open(&ws);
    let mut ids = std::collections::HashMap::new();
    for s in [
        "（丙）",
        "（甲）",
        "（丁）",
        "（戊）",
        "（己）",
        "（庚）",
        "（辛）",
    ] {
        let q =
            mail::queue_bulletin(&w, period(), &bulletin(&format!("调度通报{s}"), vec![])).unwrap();
        ids.insert(s, q.id);
    }
    let run = flush(&ws).code(1);
    for (_, reply, meaning) in finals {
        assert!(run.stdout.contains(reply), "{}", run.stdout);
        assert!(run.stdout.contains(meaning), "{}", run.stdout);
    }
    assert!(
        run.stdout.contains("其中 4 封没有任何收件人收到"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("稍后自动重试"), "{}", run.stdout);
    let got = server.received();
    assert_eq!(got.len(), 1);
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    assert_eq!(m.subject(), Some("调度通报（甲）"));

    let doc = list_json(&ws);
    for (s, reply, _) in finals {
        let m = message(&doc, &ids[s]);
        assert_eq!(m["state"], "failed", "{s}");
        for a in ["zhangsan@example.cn", "lisi@example.cn"] {
            let r = recipient(m, a);
            assert_eq!(
                (&r["state"], &r["reply"]),
                (&Value::from("failed"), &Value::from(reply)),
                "{s}"
            );
        }
    }
    for (s, reply) in temporary {
        let m = message(&doc, &ids[s]);
        assert_eq!(m["state"], "retry", "{s}");
        for a in ["zhangsan@example.cn", "lisi@example.cn"] {
            let r = recipient(m, a);
            assert_eq!(
                (&r["state"], &r["reply"]),
                (&Value::from("retry"), &Value::from(reply)),
                "{s}"
            );
        }
    }
    assert_eq!(message(&doc, &ids["（甲）"])["state"], "sent");
    assert_eq!(files_in(&ws.path("outbox/mail/failed"), "json").len(), 4);

    // Only the temporary ones are tried again.
    let before = server.rcpts().len();
    flush(&ws).code(1);
    assert_eq!(server.rcpts().len() - before, 2 * temporary.len());
    assert_eq!(server.received().len(), 1);
}

#[test]
fn leaders_added_between_two_sends_get_the_bulletin_and_the_first_ones_do_not_get_it_again() {
    let first = ["zhangsan@example.cn", "lisi@example.cn"];
    let added = ["wangwu@example.cn", "zhaoliu@example.cn"];
    let all: Vec<&str> = first.iter().chain(&added).copied().collect();
    for case in [
        "delivered",
        "queued before [smtp] existed",
        "delivered, recorded by version 1",
        "queued, recorded by version 1",
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
        let ws = Ws::new();
        with_one_return(&ws);
        let delivered = case.starts_with("delivered");
        let server_cfg = if delivered {
            smtp(server.port, "none", "")
        } else {
            String::new()
        };
        configure(&ws, &format!("{server_cfg}{}", leaders(&first)));
        ws.run(&["report", "--period", P, "--send"]).ok();
        assert_eq!(server.received().len(), usize::from(delivered), "{case}");
        if case.contains("version 1") {
            let folder = if delivered { "sent" } else { "queue" };
            let records = files_in(&ws.path(&format!("outbox/mail/{folder}")), "json");
            assert_eq!(records.len(), 1, "{case}");
            as_version_1(&records[0]);
        }

        configure(
            &ws,
            &format!("{}{}", smtp(server.port, "none", ""), leaders(&all)),
        );
        let run = ws.run(&["report", "--period", P, "--send"]).ok();
        assert!(
            run.stdout.contains("已放入发信队列：调度通报"),
            "{case}: {}",
            run.stdout
        );
        let queued_line = run
            .stdout
            .lines()
            .find(|l| l.contains("已放入发信队列"))
            .unwrap();
        for a in added {
            assert!(queued_line.contains(a), "{case}: {queued_line}");
        }
        for a in first {
            assert!(!queued_line.contains(a), "{case}: {queued_line}");
        }
        if delivered {
            assert!(
                run.stdout.contains(&format!(
                    "{} 此前已收到同一封邮件，不再重复发送",
                    ["lisi@example.cn", "zhangsan@example.cn"].join(", ")
                )),
                "{case}: {}",
                run.stdout
            );
        }
        for a in &all {
            assert_eq!(server.delivered_to(a), 1, "{case}: {a}");
            assert_eq!(server.tried(a), 1, "{case}: {a}");
        }
        // Once more: nothing new for anyone.
        let run = ws.run(&["report", "--period", P, "--send"]).ok();
        assert!(
            run.stdout.contains("此前已发送，未重复发送"),
            "{case}: {}",
            run.stdout
        );
        for a in &all {
            assert_eq!(server.delivered_to(a), 1, "{case}: {a}");
        }
        assert!(queued(&ws).is_empty(), "{case}");
    }
}

#[test]
fn an_address_removed_from_the_configuration_is_dropped_from_waiting_mail_and_never_tried() {
    // A bulletin to a leader no longer configured.
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(port, "none", "")));
    let w = open(&ws);
    let q = mail::queue_bulletin(&w, period(), &bulletin("调度通报（换人测试）", vec![])).unwrap();
    flush(&ws).code(1);
    configure(
        &ws,
        &format!(
            "{}{}",
            smtp(port, "none", ""),
            leaders(&["zhangsan@example.cn"])
        ),
    );
    let run = ws.run(&["mail", "list"]).ok();
    assert!(
        run.stdout
            .contains("lisi@example.cn  不再发送：已从配置中移除（不算发送失败）"),
        "{}",
        run.stdout
    );
    let doc = list_json(&ws);
    let r = recipient(message(&doc, &q.id), "lisi@example.cn");
    assert_eq!(
        (&r["state"], &r["reply"]),
        (&Value::from("failed"), &Value::from("已从配置中移除"))
    );
    let server = Smtpd::start(&tmp.path().join("in"), port, &[]);
    flush(&ws).ok();
    assert_eq!(server.delivered_to("zhangsan@example.cn"), 1);
    assert_eq!(server.tried("lisi@example.cn"), 0);
    assert!(queued(&ws).is_empty());
    drop(server);

    // A reminder to a department whose address changed: the old one is
    // dropped by the next send, the new one gets the same reminder.
    let port = free_port();
    let ws = Ws::new();
    let dept = |email: &str| format!("[departments.\"县教育局\"]\nemail = \"{email}\"\n");
    configure(
        &ws,
        &format!("{}{}", smtp(port, "none", ""), dept("old@example.cn")),
    );
    let run = ws.run(&["remind", "--period", P]).code(1);
    assert!(run.stdout.contains("发信已暂停"), "{}", run.stdout);
    configure(
        &ws,
        &format!("{}{}", smtp(port, "none", ""), dept("new@example.cn")),
    );
    let server = Smtpd::start(&tmp.path().join("in2"), port, &[]);
    let run = ws.run(&["remind", "--period", P]).ok();
    assert!(
        run.stdout.contains("已从配置中移除，不再发送"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("old@example.cn"), "{}", run.stdout);
    assert!(
        run.stderr.contains("removed from the configuration"),
        "{}",
        run.stderr
    );
    assert_eq!(server.tried("old@example.cn"), 0);
    assert_eq!(server.delivered_to("new@example.cn"), 1);
    let got = server.received();
    let m = MessageParser::default().parse(&got[0].raw).unwrap();
    assert!(m.subject().unwrap().contains("催报"));
}

#[test]
fn the_client_greets_with_helo_name_or_the_domain_of_the_sender() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let ws = Ws::new();
    for (more, want) in [
        ("", "example.cn"),
        (
            "helo_name = \"mail.pingjiang.gov.cn\"",
            "mail.pingjiang.gov.cn",
        ),
        ("helo_name = \"[127.0.0.1]\"", "[127.0.0.1]"),
    ] {
        configure(
            &ws,
            &format!("{}{LEADERS}", smtp(server.port, "none", more)),
        );
        ws.run(&["mail", "test", "office@example.cn"]).ok();
        assert_eq!(server.greetings().last().map(String::as_str), Some(want));
        let w = open(&ws);
        mail::queue_bulletin(
            &w,
            period(),
            &bulletin(&format!("调度通报（{want}）"), vec![]),
        )
        .unwrap();
        flush(&ws).ok();
        assert_eq!(server.received().last().unwrap().helo, want);
    }
    // Never the machine's bare name.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    assert!(server.greetings().iter().all(|g| g != host.trim()));
    for bad in ["mail pingjiang", "邮件.cn", "a..cn"] {
        configure(
            &ws,
            &smtp(server.port, "none", &format!("helo_name = \"{bad}\"")),
        );
        let run = ws.run(&["mail", "test", "office@example.cn"]).code(2);
        assert!(run.stderr.contains("helo_name"), "{bad}: {}", run.stderr);
    }
}

#[test]
fn a_sender_killed_mid_delivery_shows_uncertain_at_once_and_is_not_sent_again() {
    let tmp = tempfile::tempdir().unwrap();
    let hanging = Smtpd::start(&tmp.path().join("hang"), 0, &["--hang-after-data"]);
    let ws = Ws::new();
    let cfg = |port: u16| {
        format!("{}{LEADERS}", smtp(port, "none", ""))
            .replace("timeout_secs = 10", "timeout_secs = 120")
    };
    configure(&ws, &cfg(hanging.port));
    let w = open(&ws);
    let q = mail::queue_bulletin(&w, period(), &bulletin("调度通报（中断测试）", vec![])).unwrap();
    let mut sender = ws
        .cmd(&["mail", "flush"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while hanging.received().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the data never arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    sender.kill().unwrap(); // SIGKILL in the middle of waiting for the answer
    sender.wait().unwrap();

    let doc = list_json(&ws);
    let m = message(&doc, &q.id);
    assert_eq!(m["state"], "uncertain");
    for a in ["zhangsan@example.cn", "lisi@example.cn"] {
        assert_eq!(recipient(m, a)["state"], "uncertain");
    }
    let list = ws.run(&["mail", "list"]).ok().stdout;
    assert!(list.contains("待确认（1 封"), "{list}");
    assert!(!list.contains("正在发送"), "{list}");
    // Shown as the next flush will leave it; reading moved nothing.
    assert_eq!(files_in(&ws.path("outbox/mail/queue"), "sending").len(), 1);

    // Held, not sent again blindly, by any later flush.
    drop(hanging);
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    configure(&ws, &cfg(server.port));
    let run = flush(&ws).code(1);
    assert!(run.stdout.contains("不能确定是否送达"), "{}", run.stdout);
    assert!(server.received().is_empty());
    assert!(files_in(&ws.path("outbox/mail/queue"), "sending").is_empty());
}

#[test]
fn the_daemon_marks_an_interrupted_delivery_uncertain_as_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let ws = Ws::new();
    // No scheduled job fires during the test: what happens is the start's.
    ws.write(
        "minsheng.toml",
        &format!(
            "[schedule]\nreport = \"0 0 9 1 1 * 2099\"\nreminder = \"0 0 9 2 1 * 2099\"\nmail = \"0 0 9 3 1 * 2099\"\n\n{}{LEADERS}",
            smtp(server.port, "none", "")
        ),
    );
    let w = open(&ws);
    let q = mail::queue_bulletin(&w, period(), &bulletin("调度通报（重启测试）", vec![])).unwrap();
    // What a sender killed after the data went out leaves behind.
    let queue = ws.path("outbox/mail/queue");
    let json = queue.join(format!("{}.json", q.id));
    let mut r = record(&json);
    r["state"] = Value::from("sending");
    r["stage"] = Value::from("data");
    r["pid"] = Value::from(u32::MAX - 1);
    std::fs::write(queue.join(format!("{}.sending", q.id)), r.to_string()).unwrap();
    std::fs::remove_file(&json).unwrap();

    let log = tmp.path().join("daemon.log");
    let mut daemon = ws
        .cmd(&["run"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !json.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let r = record(&json);
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    assert_eq!(r["state"], "uncertain");
    assert_eq!(
        rcpt_states(&r),
        [
            ("lisi@example.cn", "uncertain"),
            ("zhangsan@example.cn", "uncertain")
        ]
    );
    assert!(
        std::fs::read_to_string(&log)
            .unwrap()
            .contains("holding it as uncertain")
    );
    assert!(server.received().is_empty());
}

// ------------------------------------------- faults of the setup (#25) ---

/// Text the office reads, without the log lines a command writes to stderr.
fn user_text(run: &Run) -> String {
    let is_log = |l: &str| {
        let b = l.as_bytes();
        b.len() > 20 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[10] == b'T'
    };
    let stderr: Vec<&str> = run.stderr.lines().filter(|l| !is_log(l)).collect();
    format!("{}{}", run.stdout, stderr.join("\n"))
}

/// Chinese words for the office: no web address, and no English sentence
/// (three English words in a row; command lines quoted to run excepted).
fn assert_plain_chinese(text: &str, what: &str) {
    assert!(
        !text.contains("http") && !text.contains("://") && !text.contains("docs.rs"),
        "{what}: a link in {text}"
    );
    assert!(
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{what}: {text}"
    );
    for run in text.split(|c: char| !c.is_ascii() || c == '\n' || c == '（' || c == '）') {
        let words: Vec<&str> = run.split(' ').collect();
        let mut streak = 0;
        for (i, w) in words.iter().enumerate() {
            let english = w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic());
            let command = words[..i].contains(&"minsheng");
            streak = if english && !command { streak + 1 } else { 0 };
            assert!(streak < 3, "{what}: English in “{run}” of {text}");
        }
    }
}

#[test]
fn a_wrong_password_pauses_delivery_without_counting_attempts_and_the_right_one_delivers_each_once()
{
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &["--auth", "zhuanban:正确的授权码"],
    );
    let ws = Ws::new();
    configure(
        &ws,
        &format!(
            "{}{LEADERS}",
            smtp(server.port, "none", "username = \"zhuanban\"")
        ),
    );
    let w = open(&ws);
    for n in 1..=3 {
        mail::queue_bulletin(
            &w,
            period(),
            &bulletin(&format!("调度通报（第{n}份）"), vec![]),
        )
        .unwrap();
    }
    let wrong = [("MINSHENG_SMTP_PASSWORD", "错误的密码")];
    for n in 1..=10 {
        let run = run_env(&ws, &["mail", "flush"], &wrong).code(1);
        let text = user_text(&run);
        assert!(text.contains("发信已暂停"), "{text}");
        assert!(text.contains("登录被拒绝"), "{text}");
        assert!(text.contains("535"), "{text}");
        assert!(text.contains("MINSHENG_SMTP_PASSWORD"), "{text}");
        assert!(text.contains("不计入尝试次数"), "{text}");
        assert_plain_chinese(&text, "flush");
        let q = queued(&ws);
        assert_eq!(q.len(), 3, "flush {n}");
        for r in &q {
            assert_eq!(
                (&r["state"], &r["attempts"]),
                (&Value::from("queued"), &Value::from(0))
            );
            assert!(rcpt_states(r).iter().all(|(_, s)| *s == "queued"), "{r}");
        }
    }
    assert!(server.received().is_empty());
    let pause = mail::pause_state(&w).unwrap();
    assert_eq!(
        pause.fault,
        mail::Fault::Login {
            code: Some("535 5.7.8".into())
        }
    );
    assert_eq!(pause.tries, 10);
    // Told where the office looks: the list and the status.
    let list = ws.run(&["mail", "list"]).ok().stdout;
    assert!(list.contains("发信已暂停"), "{list}");
    assert!(list.contains("MINSHENG_SMTP_PASSWORD"), "{list}");
    let status = ws.run(&["status", "--period", P]).ok().stdout;
    assert!(status.contains("发信已暂停"), "{status}");
    assert!(status.contains("MINSHENG_SMTP_PASSWORD"), "{status}");
    let doc = ws.run(&["status", "--period", P, "--json"]).ok().json();
    assert!(
        doc["mail"]["paused"]
            .as_str()
            .unwrap()
            .contains("登录被拒绝")
    );
    assert_eq!(doc["mail"]["failed"], 0);

    // The password is put right: each message goes out once, the pause ends.
    let right = [("MINSHENG_SMTP_PASSWORD", "正确的授权码")];
    let run = run_env(&ws, &["mail", "flush"], &right).ok();
    assert!(run.stdout.contains("已发送 3 封"), "{}", run.stdout);
    run_env(&ws, &["mail", "flush"], &right).ok();
    assert_eq!(server.received().len(), 3);
    for leader in ["zhangsan@example.cn", "lisi@example.cn"] {
        assert_eq!(server.delivered_to(leader), 3);
    }
    let sent = files_in(&ws.path("outbox/mail/sent"), "json");
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|p| record(p)["attempts"] == 1));
    assert_eq!(mail::pause_state(&w), None);
    assert!(
        !ws.run(&["status", "--period", P])
            .ok()
            .stdout
            .contains("暂停")
    );
}

#[test]
fn every_kind_of_failure_is_told_in_chinese_without_english_or_links() {
    let tmp = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(&tmp.path().join("pki"));
    let (_, other_cert, other_key) = certificates(&tmp.path().join("other-pki"));
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let server = |name: &str, args: &[&str]| Smtpd::start(&tmp.path().join(name), 0, args);
    let closing = server("closing", &["--tls", cert, key, "--close-after-greeting"]);
    let resetting = server("resetting", &["--reset-at-rcpt"]);
    let other_ca = server(
        "other-ca",
        &[
            "--tls",
            other_cert.to_str().unwrap(),
            other_key.to_str().unwrap(),
        ],
    );
    let silent = server("silent", &["--silent"]);
    let login = server("login", &["--auth", "zhuanban:正确的授权码"]);
    let trust = "extra_ca_file = \"var/county-ca.pem\"";
    // (what, host, port, security, more [smtp], words the office must see,
    //  whether it pauses the queue)
    let cases = [
        (
            "refused",
            "127.0.0.1",
            free_port(),
            "none",
            "",
            "拒绝连接",
            true,
        ),
        (
            "reset mid-session",
            "127.0.0.1",
            resetting.port,
            "none",
            "",
            "连接中断",
            false,
        ),
        (
            "TLS closed without notify",
            "127.0.0.1",
            closing.port,
            "tls",
            trust,
            "随即断开",
            true,
        ),
        (
            "certificate of another CA",
            "127.0.0.1",
            other_ca.port,
            "tls",
            trust,
            "证书不受信任",
            true,
        ),
        (
            "timeout",
            "127.0.0.1",
            silent.port,
            "none",
            "",
            "秒内没有回应",
            true,
        ),
        (
            "DNS failure",
            "mail.minsheng-test.invalid",
            25,
            "none",
            "",
            "找不到发信服务器",
            true,
        ),
        (
            "535",
            "127.0.0.1",
            login.port,
            "none",
            "username = \"zhuanban\"",
            "登录被拒绝",
            true,
        ),
    ];
    for (what, host, port, security, more, words, pauses) in cases {
        let ws = Ws::new();
        std::fs::copy(&ca, ws.path("var/county-ca.pem")).unwrap();
        let cfg = smtp(port, security, more)
            .replace("127.0.0.1", host)
            .replace("timeout_secs = 10", "timeout_secs = 2");
        configure(&ws, &format!("{cfg}{LEADERS}"));
        let w = open(&ws);
        mail::queue_bulletin(&w, period(), &bulletin("调度通报（故障测试）", vec![])).unwrap();
        let env = [("MINSHENG_SMTP_PASSWORD", "错误的密码")];
        let run = run_env(&ws, &["mail", "flush"], &env).code(1);
        let text = user_text(&run);
        assert!(text.contains(words), "{what}: {text}");
        assert_plain_chinese(&text, what);
        let q = queued(&ws);
        assert_eq!(q.len(), 1, "{what}");
        assert_eq!(mail::pause_state(&w).is_some(), pauses, "{what}: {text}");
        assert_eq!(q[0]["attempts"], if pauses { 0 } else { 1 }, "{what}");
        let list = ws.run(&["mail", "list"]).ok().stdout;
        assert!(list.contains(words), "{what}: {list}");
        assert_plain_chinese(&list, what);
        let status = ws.run(&["status", "--period", P]).ok().stdout;
        assert_plain_chinese(&status, what);
        if what != "reset mid-session" {
            let run = run_env(&ws, &["mail", "test", "office@example.cn"], &env).code(1);
            let text = user_text(&run);
            assert!(text.contains(words), "{what}: {text}");
            assert_plain_chinese(&text, what);
        }
    }
    assert!(login.received().is_empty() && other_ca.received().is_empty());
}

/// Every file under `outbox/mail/`: its path, size and modification time.
fn snapshot(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::metadata(&p).unwrap();
            if m.is_dir() {
                dirs.push(p);
            } else {
                out.push((p, m.len(), m.modified().unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn reading_the_queue_changes_no_file() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &["--reject-rcpt", "lisi@example.cn"],
    );
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    let w = open(&ws);
    // Sent to one, refused for the other; then two waiting, one of them
    // left mid-send by a sender that died, one to leaders since removed.
    mail::queue_bulletin(&w, period(), &bulletin("调度通报（已发）", vec![])).unwrap();
    flush(&ws).code(1);
    let crashed =
        mail::queue_bulletin(&w, period(), &bulletin("调度通报（崩溃）", vec![])).unwrap();
    let queue = ws.path("outbox/mail/queue");
    let json = queue.join(format!("{}.json", crashed.id));
    let mut r = record(&json);
    r["state"] = Value::from("sending");
    r["stage"] = Value::from("data");
    r["pid"] = Value::from(u32::MAX - 1);
    std::fs::write(queue.join(format!("{}.sending", crashed.id)), r.to_string()).unwrap();
    std::fs::remove_file(json).unwrap();
    let removed =
        mail::queue_bulletin(&w, period(), &bulletin("调度通报（换人）", vec![])).unwrap();
    configure(
        &ws,
        &format!(
            "{}{}",
            smtp(server.port, "none", ""),
            leaders(&["wangwu@example.cn"])
        ),
    );
    let before = snapshot(&ws.path("outbox/mail"));
    std::thread::sleep(Duration::from_millis(20));
    let list = ws.run(&["mail", "list"]).ok().stdout;
    let doc = list_json(&ws);
    ws.run(&["status", "--period", P]).ok();
    ws.run(&["status", "--period", P, "--json"]).ok();
    let w = open(&ws);
    mail::pending(&w).unwrap();
    mail::listing(&w).unwrap();
    assert_eq!(snapshot(&ws.path("outbox/mail")), before);
    // What they show is what the next flush will do.
    assert_eq!(message(&doc, &crashed.id)["state"], "uncertain");
    assert_eq!(message(&doc, &removed.id)["state"], "failed");
    assert!(list.contains("待确认（1 封"), "{list}");
    assert!(list.contains("不再发送（1 封"), "{list}");
    assert!(list.contains("发送失败（0 封）"), "{list}");
}

#[test]
fn removed_recipients_are_shown_not_counted_as_failures_and_never_released() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(
        &tmp.path().join("in"),
        0,
        &["--reject-rcpt", "lisi@example.cn"],
    );
    let ws = Ws::new();
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    let w = open(&ws);
    // A real refusal inside a message the other leader received: counted.
    mail::queue_bulletin(&w, period(), &bulletin("调度通报（拒收）", vec![])).unwrap();
    flush(&ws).code(1);
    assert_eq!(server.delivered_to("zhangsan@example.cn"), 1);
    let counts = mail::pending(&w).unwrap();
    assert_eq!((counts.failed, counts.failed_recipients), (0, 1));
    let status = ws.run(&["status", "--period", P]).ok().stdout;
    assert!(status.contains("被拒收或放弃的收件人 1 个"), "{status}");

    // A bulletin waiting for both when the leader list changes.
    let old = mail::queue_bulletin(&w, period(), &bulletin("调度通报（换人）", vec![])).unwrap();
    configure(
        &ws,
        &format!(
            "{}{}",
            smtp(server.port, "none", ""),
            leaders(&["wangwu@example.cn"])
        ),
    );
    let doc = list_json(&ws);
    for a in ["zhangsan@example.cn", "lisi@example.cn"] {
        let r = recipient(message(&doc, &old.id), a);
        assert_eq!(
            (&r["state"], &r["reply"]),
            (&Value::from("failed"), &Value::from("已从配置中移除"))
        );
    }
    flush(&ws).ok();
    assert_eq!(files_in(&ws.path("outbox/mail/failed"), "json").len(), 1);
    let doc = ws.run(&["status", "--period", P, "--json"]).ok().json();
    assert_eq!(doc["mail"]["failed"], 0);
    assert_eq!(doc["mail"]["failed_recipients"], 1);
    assert_eq!(doc["mail"]["removed_recipients"], 2);
    let status = ws.run(&["status", "--period", P]).ok().stdout;
    assert!(status.contains("发送失败 0 封"), "{status}");
    let list = ws.run(&["mail", "list"]).ok().stdout;
    assert!(list.contains("发送失败（0 封）"), "{list}");
    assert!(list.contains("不再发送（1 封"), "{list}");
    assert!(
        list.contains("zhangsan@example.cn  不再发送：已从配置中移除"),
        "{list}"
    );
    assert!(!list.contains("尝试 0 次后放弃"), "{list}");
    // Never released to the removed addresses.
    let run = ws.run(&["mail", "release", &old.id]).code(2);
    assert!(run.stderr.contains("已从配置中移除"), "{}", run.stderr);
    flush(&ws).ok();
    assert_eq!(server.received().len(), 1);
    assert_eq!(server.tried("zhangsan@example.cn"), 1);
}

#[test]
fn a_queued_message_with_broken_bytes_in_its_headers_panics_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let ws = Ws::new();
    // Queued before [smtp] was set: its From is rewritten at sending, the
    // step that cut header lines by bytes.
    configure(&ws, LEADERS);
    let w = open(&ws);
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(
            mail::queue_bulletin(
                &w,
                period(),
                &bulletin(&format!("调度通报（损坏{n}）"), vec![]),
            )
            .unwrap()
            .id,
        );
    }
    // Broken UTF-8 across the first header bytes, a lone continuation
    // byte, a NUL, a header of nothing but multibyte characters.
    let junk: [&[u8]; 6] = [
        b"\xe6\x97\xa5\xe6\x97\xa5\r\n",
        b"\xe6\x97",
        b"\x80\x80\x80\x80\x80\r\n",
        b"F\xe6\x97\xa5m: x\r\n",
        b"\0\xff\xfe\r\n",
        b"Message-ID: <\xe6\x97@\xff>\r\n",
    ];
    for (id, junk) in ids.iter().zip(junk) {
        let p = ws.path(&format!("outbox/mail/queue/{id}.eml"));
        let mut eml = junk.to_vec();
        eml.extend(std::fs::read(&p).unwrap());
        std::fs::write(&p, eml).unwrap();
    }
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    configure(&ws, &format!("{}{LEADERS}", smtp(server.port, "none", "")));
    ws.run(&["mail", "list"]).no_panic();
    let run = flush(&ws);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(server.received().len(), 6, "{}", run.stdout);
    for got in server.received() {
        assert_eq!(got.mail_from, "zhuanban@example.cn");
    }

    // The daemon's jobs go on after such a message: one queued later is sent.
    let later = ws.path("outbox/mail/queue");
    let id = mail::queue_bulletin(&w, period(), &bulletin("调度通报（之后）", vec![]))
        .unwrap()
        .id;
    let p = later.join(format!("{id}.eml"));
    let mut eml = b"\xe6\x97\xa5\xe6\x97\xa5\r\n".to_vec();
    eml.extend(std::fs::read(&p).unwrap());
    std::fs::write(&p, eml).unwrap();
    ws.write(
        "minsheng.toml",
        &format!(
            "{}\n{}{LEADERS}",
            mail_every_second(),
            smtp(server.port, "none", "")
        ),
    );
    let mut daemon = ws
        .cmd(&["run"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while server.received().len() < 7 && start.elapsed() < Duration::from_secs(90) {
        std::thread::sleep(Duration::from_millis(200));
    }
    let alive = daemon.try_wait().unwrap().is_none();
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    assert!(alive, "the daemon ended");
    assert_eq!(server.received().len(), 7);
}

/// The shipped configuration with the daemon delivering mail every second
/// and no other job due.
fn mail_every_second() -> String {
    minsheng::config::TEMPLATE
        .replace(
            "report = \"0 0 9 1 * *\"",
            "report = \"0 0 9 1 1 * 2099\"\nmail = \"* * * * * *\"",
        )
        .replace(
            "reminder = \"0 0 9 20 * *\"",
            "reminder = \"0 0 9 2 1 * 2099\"",
        )
}

#[test]
fn the_daemon_tells_a_pause_once_and_resumes_by_itself_when_the_server_is_back() {
    let tmp = tempfile::tempdir().unwrap();
    let port = free_port();
    let ws = Ws::new();
    ws.write(
        "minsheng.toml",
        &format!(
            "{}\n{}{LEADERS}",
            mail_every_second(),
            smtp(port, "none", "")
        ),
    );
    let w = open(&ws);
    mail::queue_bulletin(&w, period(), &bulletin("调度通报（暂停）", vec![])).unwrap();
    let log = tmp.path().join("daemon.log");
    let mut daemon = ws
        .cmd(&["run"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while mail::pause_state(&w).is_none_or(|p| p.tries < 4) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(queued(&ws)[0]["attempts"], 0);
    let server = Smtpd::start(&tmp.path().join("in"), port, &[]);
    let start = std::time::Instant::now();
    while server.received().is_empty() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(server.received().len(), 1, "{text}");
    assert_eq!(text.matches("mail delivery paused").count(), 1, "{text}");
    assert!(text.contains("delivery resumed"), "{text}");
    assert_eq!(mail::pause_state(&w), None);
    let sent = files_in(&ws.path("outbox/mail/sent"), "json");
    assert_eq!(record(&sent[0])["attempts"], 1);
}
