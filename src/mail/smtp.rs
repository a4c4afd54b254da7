//! Talking to the mail server, step by step through lettre's
//! `SmtpConnection`, so that every failure is known by the step it happened
//! in. Reaching the server, encrypting and logging in either work for
//! every message or for none: a failure there is a [`Fault`] of the setup
//! (address, encryption, certificate, login), and the queue pauses instead
//! of counting it against a message. Inside a message's transaction each
//! step has its own [`Failure`]: a refused sender, each refused recipient
//! with its own reply, a message refused after its data, and, the one case
//! that must not be retried blindly, a message whose data was sent but whose
//! answer never came.
//!
//! lettre's, rustls' and the OS's errors are read by their kind into Chinese
//! words; their English text goes to the log only.
//!
//! The client greets with `[smtp] helo_name`, by default the domain of
//! `from`: servers that want a fully qualified name refuse a bare host name.

use super::mime::{self, Mailbox};
use super::reply::Reply;
use crate::config::{Security, Smtp};
use lettre::Address;
use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::response::Response;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::time::Duration;

/// The configured server, checked and ready to connect.
pub(crate) struct Server {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    tls: Option<TlsParameters>,
    timeout: Duration,
    hello: ClientId,
    pub(crate) from: Mailbox,
}

/// What the office must fix before any message can go out (nothing was
/// tried, no attempt is counted).
#[derive(Debug)]
pub(crate) struct SetupError(pub String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// Why the server could not be reached or would not let us in: the same
/// for every message, so delivery pauses until it is fixed. Worded with
/// what to fix by [`Fault::explain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// `[smtp]` cannot be used as written (the words say why).
    Config {
        detail: String,
    },
    /// The host name does not resolve.
    UnknownHost,
    /// Nothing listens on the host and port.
    ConnectionRefused,
    /// No answer within the timeout.
    NoAnswer {
        secs: u64,
    },
    /// The server hung up before we were logged in.
    Closed,
    /// The encryption could not be set up (often `security` not matching the port).
    Handshake,
    /// The server's certificate is not trusted.
    Certificate {
        why: CertWhy,
    },
    StartTlsMissing,
    /// The server refused the login (`535`, `534`), or hung up on it.
    Login {
        code: Option<String>,
    },
    /// The server refused to serve us before the login (`421`, `554` at
    /// the greeting or to EHLO).
    Unavailable {
        code: String,
    },
    /// Any other failure to talk to the server (its words are in the log).
    Other,
}

/// A [`Fault`] met while connecting, with the library's own words for the
/// log.
#[derive(Debug, Clone)]
pub(crate) struct Unreachable {
    pub(crate) fault: Fault,
    pub(crate) detail: String,
}

impl From<Fault> for Unreachable {
    fn from(fault: Fault) -> Unreachable {
        Unreachable {
            detail: fault.name().to_string(),
            fault,
        }
    }
}

/// Why a certificate is not trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertWhy {
    UnknownIssuer,
    Expired,
    NotYetValid,
    WrongName,
    Revoked,
    Other,
}

impl CertWhy {
    fn words(self) -> &'static str {
        match self {
            CertWhy::UnknownIssuer => "签发机构未知，可能是自建或自签名证书",
            CertWhy::Expired => "证书已过期",
            CertWhy::NotYetValid => "证书尚未生效，或本机时间不对",
            CertWhy::WrongName => "证书上的域名与 host 不一致",
            CertWhy::Revoked => "证书已被吊销",
            CertWhy::Other => "证书无效",
        }
    }
}

const SECURITY_HINT: &str =
    "加密方式 security 可能与端口不匹配：465 端口用 \"tls\"，587 或 25 端口用 \"starttls\"";

impl Fault {
    /// The fault's name, for the log.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Fault::Config { .. } => "unusable [smtp] configuration",
            Fault::UnknownHost => "unknown host",
            Fault::ConnectionRefused => "connection refused",
            Fault::NoAnswer { .. } => "no answer",
            Fault::Closed => "closed before login",
            Fault::Handshake => "TLS handshake failed",
            Fault::Certificate { .. } => "untrusted certificate",
            Fault::StartTlsMissing => "no STARTTLS",
            Fault::Login { .. } => "login refused",
            Fault::Unavailable { .. } => "service refused",
            Fault::Other => "other",
        }
    }

    /// What is wrong and what to fix, in Chinese, naming the setting
    /// (`host`, `port`, the environment variable named by `password_env`,
    /// `extra_ca_file`) to look at.
    pub(crate) fn explain(&self, smtp: &Smtp) -> String {
        let server = format!("{}:{}", smtp.host.trim(), smtp.port);
        match self {
            Fault::Config { detail } => format!("发信设置有误：{detail}"),
            Fault::UnknownHost => format!(
                "找不到发信服务器 {}：这个域名无法解析。请核对 minsheng.toml 中 [smtp] 的 host，或检查本机的网络和 DNS 设置",
                smtp.host.trim()
            ),
            Fault::ConnectionRefused => format!(
                "无法连接发信服务器 {server}：对方拒绝连接（服务器未启动，或 [smtp] 的 host、port 不对）"
            ),
            Fault::NoAnswer { secs } => {
                let hint = if smtp.security == Security::Tls {
                    "请检查网络和防火墙，以及 [smtp] 的 host、port 是否正确"
                } else {
                    "请检查网络和防火墙，以及 [smtp] 的 host、port 是否正确；如果端口是 465，security 应为 \"tls\""
                };
                format!("无法连接发信服务器 {server}：{secs} 秒内没有回应。{hint}")
            }
            Fault::Closed => format!(
                "发信服务器 {server} 接受连接后随即断开（服务器可能暂时不可用或限制了本机地址；也常见于{SECURITY_HINT}）"
            ),
            Fault::Handshake => {
                format!("与发信服务器 {server} 加密握手失败，{SECURITY_HINT}")
            }
            Fault::Certificate { why } => {
                let now = match &smtp.extra_ca_file {
                    Some(file) => {
                        format!("（现在 extra_ca_file 指定的 {file} 不是签发这张证书的机构）")
                    }
                    None => String::new(),
                };
                format!(
                    "发信服务器 {server} 的证书不受信任（{}）。如果县里的邮件服务器使用自建证书，请在 minsheng.toml 的 [smtp] 中用 extra_ca_file 指定其 CA 证书（PEM 文件）{now}",
                    why.words()
                )
            }
            Fault::StartTlsMissing => format!(
                "发信服务器 {server} 不支持 STARTTLS 加密。请改用 security = \"tls\"（通常端口 465），或向邮箱管理员确认"
            ),
            Fault::Login { code } => {
                let user = smtp.username.as_deref().unwrap_or("").trim();
                let said = code
                    .as_deref()
                    .map(|c| format!("，服务器回复代码 {c}"))
                    .unwrap_or_default();
                // "登录被拒绝" first: the words the office searches for.
                let app = if code.as_deref().is_some_and(|c| c.starts_with("534")) {
                    "服务器要求使用授权码（客户端专用密码）而不是网页登录密码；"
                } else {
                    ""
                };
                format!(
                    "登录被拒绝：发信服务器 {server} 不接受账号 {user} 的登录{said}。用户名或密码（授权码）不对，或邮箱未开启 SMTP 服务。{app}请检查环境变量 {} 中的密码或授权码，以及 [smtp] 的 username；改正后发信自动恢复（值守程序需重新启动才能读到新的环境变量）",
                    smtp.password_env
                )
            }
            Fault::Unavailable { code } => format!(
                "发信服务器 {server} 拒绝服务（服务器回复代码 {code}）：服务器可能暂时繁忙，或不接受本机的连接，请向邮箱管理员确认"
            ),
            Fault::Other => format!(
                "与发信服务器 {server} 通信出错（详细原因见日志），请检查 [smtp] 的 host、port 和 security"
            ),
        }
    }
}

/// Why a step inside a message's transaction failed, in words the office
/// acts on. `Refused` is the message refused at DATA or after its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    SenderRefused {
        from: String,
        reply: Reply,
    },
    RecipientsRefused {
        refused: Vec<(String, Reply)>,
    },
    Refused {
        reply: Reply,
    },
    Timeout {
        secs: u64,
    },
    /// The connection broke, or the message could not be read; the words
    /// are Chinese.
    Broken {
        detail: String,
    },
    /// The message could not be read or written here (Chinese words).
    Local {
        detail: String,
    },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::SenderRefused { from, reply } => write!(
                f,
                "发件人 {from} 被服务器拒绝（{reply}）。请确认 [smtp] 的 from 与登录账号一致"
            ),
            Failure::RecipientsRefused { refused } => {
                let list: Vec<String> = refused
                    .iter()
                    .map(|(a, r)| format!("{a}（{r}；{}）", explain(r, false)))
                    .collect();
                write!(f, "收件人被服务器拒绝：{}", list.join("；"))
            }
            Failure::Refused { reply } => {
                write!(
                    f,
                    "服务器拒收这封邮件（{reply}）：{}",
                    explain(reply, false)
                )
            }
            Failure::Timeout { secs } => {
                write!(f, "发信服务器在 {secs} 秒内没有回应，连接已超时")
            }
            Failure::Broken { detail } => write!(f, "与发信服务器的连接中断（{detail}）"),
            Failure::Local { detail } => f.write_str(detail),
        }
    }
}

/// What a refusal means and what to do, in a few words. `typed`: the
/// address was typed on the command line, not taken from `minsheng.toml`.
pub(super) fn explain(reply: &Reply, typed: bool) -> String {
    if reply.permanent() {
        let m = reply.meaning();
        let advice = if typed { m.advice_typed() } else { m.advice() };
        format!("{}，{advice}", m.label())
    } else {
        "服务器暂时不能接收".to_string()
    }
}

impl Failure {
    /// The server's reply, where it gave one.
    pub(crate) fn reply(&self) -> Option<&Reply> {
        match self {
            Failure::SenderRefused { reply, .. } | Failure::Refused { reply } => Some(reply),
            _ => None,
        }
    }

    /// A 5xx reply to the message as a whole (to MAIL FROM, DATA or its
    /// data): none of its recipients will get it from this server.
    pub(crate) fn permanent(&self) -> bool {
        self.reply().is_some_and(Reply::permanent)
    }
}

/// One mail transaction: who the server took at RCPT TO, who it refused
/// there, and what became of the message for those it took.
#[derive(Debug)]
pub(crate) struct Transaction {
    pub(crate) accepted: Vec<String>,
    pub(crate) refused: Vec<(String, Reply)>,
    /// The server's acknowledgement, or why there is none.
    pub(crate) outcome: Result<String, SendError>,
}

/// How sending one message ended without an acknowledgement.
#[derive(Debug)]
pub(crate) enum SendError {
    /// Not delivered: try again later.
    NotSent(Failure),
    /// The data went out but its answer never came: it may have been delivered.
    Unknown(Failure),
}

impl Server {
    /// Check `[smtp]` and read the password and the extra CA; nothing is
    /// contacted yet. `root` is the workspace, for a relative `extra_ca_file`.
    pub(crate) fn new(smtp: &Smtp, root: &Path) -> Result<Server, SetupError> {
        Server::with_password(smtp, root, std::env::var(&smtp.password_env).ok())
    }

    /// The same with the password given, for `doctor`, which may find it
    /// in the service's environment file rather than in its own environment.
    pub(crate) fn with_password(
        smtp: &Smtp,
        root: &Path,
        password: Option<String>,
    ) -> Result<Server, SetupError> {
        let from = Mailbox::parse(&smtp.from)
            .map_err(|e| SetupError(format!("[smtp] 的发件人 from 不对：{e}")))?;
        let host = smtp.host.trim().to_string();
        if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(SetupError(format!(
                "[smtp] 的服务器地址 host“{}”不对",
                smtp.host
            )));
        }
        let credentials = match smtp.username.as_deref().map(str::trim) {
            Some(user) if !user.is_empty() => {
                let password = password.unwrap_or_default();
                if password.is_empty() {
                    return Err(SetupError(format!(
                        "[smtp] 设置了登录账号 {user}，但环境变量 {} 没有设置（发信密码或授权码放在这个环境变量里，不写进配置文件）",
                        smtp.password_env
                    )));
                }
                Some(Credentials::new(user.to_string(), password))
            }
            _ => None,
        };
        let tls = match smtp.security {
            Security::None => None,
            Security::Tls | Security::Starttls => {
                let mut builder = TlsParameters::builder(host.clone());
                if let Some(file) = &smtp.extra_ca_file {
                    let path = root.join(file);
                    let pem = std::fs::read(&path).map_err(|e| {
                        tracing::warn!(file = %path.display(), error = %e, "cannot read extra_ca_file");
                        SetupError(format!(
                            "无法读取 [smtp] extra_ca_file 指定的证书文件 {}（{}）",
                            path.display(),
                            io_words(e.kind())
                        ))
                    })?;
                    let cert = Certificate::from_pem(&pem)
                        .ok()
                        .filter(|_| pem.windows(11).any(|w| w == b"-----BEGIN "))
                        .ok_or_else(|| {
                            SetupError(format!(
                                "[smtp] extra_ca_file 指定的 {} 不是 PEM 格式的证书",
                                path.display()
                            ))
                        })?;
                    builder = builder.add_root_certificate(cert);
                }
                Some(builder.build().map_err(|e| {
                    tracing::warn!(error = %chain(&e), "cannot prepare TLS");
                    SetupError(
                        "无法准备加密连接：[smtp] 的 host 或 extra_ca_file 指定的证书有误"
                            .to_string(),
                    )
                })?)
            }
        };
        Ok(Server {
            host,
            port: smtp.port,
            security: smtp.security,
            credentials,
            tls,
            timeout: Duration::from_secs(smtp.timeout_secs.max(1)),
            hello: hello_name(smtp.helo_name.as_deref(), &from)?,
            from,
        })
    }

    pub(crate) fn name(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Connect, encrypt and log in; a failure is the setup's, not a message's.
    pub(crate) fn connect(&self) -> Result<Session, Unreachable> {
        let wrapper = match self.security {
            Security::Tls => self.tls.as_ref(),
            _ => None,
        };
        tracing::debug!(server = %self.name(), "connecting to the mail server");
        // Resolved here, so that a name that does not resolve is known by
        // its step rather than by the words of the resolver's error.
        let addresses: Vec<SocketAddr> = match (self.host.as_str(), self.port).to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(e) => {
                return Err(Unreachable {
                    fault: Fault::UnknownHost,
                    detail: e.to_string(),
                });
            }
        };
        if addresses.is_empty() {
            return Err(Fault::UnknownHost.into());
        }
        let mut conn = SmtpConnection::connect(
            addresses.as_slice(),
            Some(self.timeout),
            &self.hello,
            wrapper,
            None,
        )
        .map_err(|e| self.fault(&e))?;
        if self.security == Security::Starttls {
            let Some(tls) = &self.tls else {
                return Err(Fault::StartTlsMissing.into());
            };
            if !conn.can_starttls() {
                conn.abort();
                return Err(Fault::StartTlsMissing.into());
            }
            conn.starttls(tls, &self.hello)
                .map_err(|e| self.fault(&e))?;
        }
        if let Some(credentials) = &self.credentials
            && let Err(e) = conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
        {
            conn.abort();
            // A refused login shows in lettre as a negative reply (535),
            // or as a closed connection when the server hangs up on it.
            let fault = match cause(&e) {
                Cause::Timeout => Fault::NoAnswer {
                    secs: self.timeout.as_secs(),
                },
                Cause::Reply(r) => Fault::Login {
                    code: Some(code_of(&r)),
                },
                _ => Fault::Login { code: None },
            };
            return Err(Unreachable {
                fault,
                detail: chain(&e),
            });
        }
        Ok(Session {
            conn,
            timeout: self.timeout.as_secs(),
        })
    }

    fn fault(&self, e: &SmtpError) -> Unreachable {
        let fault = match cause(e) {
            Cause::ConnectionRefused => Fault::ConnectionRefused,
            Cause::Timeout => Fault::NoAnswer {
                secs: self.timeout.as_secs(),
            },
            Cause::Reset | Cause::Closed | Cause::TlsClosed => Fault::Closed,
            Cause::Certificate(why) => Fault::Certificate { why },
            Cause::Tls => Fault::Handshake,
            Cause::Reply(r) => Fault::Unavailable { code: code_of(&r) },
            Cause::Other => Fault::Other,
        };
        Unreachable {
            fault,
            detail: chain(e),
        }
    }
}

/// A reply's codes without its words (`535 5.7.8`): the words are the
/// server's English, the codes are what an IT person looks up.
fn code_of(r: &Reply) -> String {
    match r.enhanced {
        Some((a, b, c)) => format!("{} {a}.{b}.{c}", r.code),
        None => r.code.to_string(),
    }
}

/// One open connection, logged in.
pub(crate) struct Session {
    conn: SmtpConnection,
    timeout: u64,
}

impl Session {
    /// Send one message to `to`. `before_data` runs once the server is ready
    /// for the message data, before a byte of it is sent, with the
    /// recipients it accepted and refused: the queue records there that
    /// from now on the outcome for the accepted ones may become unknown.
    pub(crate) fn send(
        &mut self,
        from: &Address,
        to: &[Address],
        message: &[u8],
        before_data: impl FnOnce(&[String], &[(String, Reply)]) -> anyhow::Result<()>,
    ) -> Transaction {
        let mut t = Transaction {
            accepted: Vec::new(),
            refused: Vec::new(),
            outcome: Ok(String::new()),
        };
        if let Err(e) = self.conn.command(Mail::new(Some(from.clone()), vec![])) {
            t.outcome = Err(self.definite(&e, |reply| Failure::SenderRefused {
                from: from.to_string(),
                reply,
            }));
            return t;
        }
        for rcpt in to {
            match self.conn.command(Rcpt::new(rcpt.clone(), vec![])) {
                Ok(_) => t.accepted.push(rcpt.to_string()),
                Err(e) => match negative(&e) {
                    Some(reply) => t.refused.push((rcpt.to_string(), reply)),
                    None => {
                        t.outcome = Err(SendError::NotSent(self.broken(&e)));
                        return t;
                    }
                },
            }
        }
        if t.accepted.is_empty() {
            let _ = self.conn.command(Rset);
            t.outcome = Err(SendError::NotSent(Failure::RecipientsRefused {
                refused: t.refused.clone(),
            }));
            return t;
        }
        if let Err(e) = self.conn.command(Data) {
            t.outcome = Err(self.definite(&e, |reply| Failure::Refused { reply }));
            return t;
        }
        if let Err(e) = before_data(&t.accepted, &t.refused) {
            // Nothing of the message has gone out: hang up, the server drops it.
            self.conn.abort();
            tracing::error!(error = %crate::error::chain(&e), "cannot record the delivery's progress; not sending");
            t.outcome = Err(SendError::NotSent(Failure::Broken {
                detail: "无法写入发信记录，邮件未发出（详细原因见日志）".to_string(),
            }));
            return t;
        }
        t.outcome = match self.conn.message(message) {
            Ok(r) => Ok(response_text(&r)),
            Err(e) => match negative(&e) {
                Some(reply) => Err(SendError::NotSent(Failure::Refused { reply })),
                None => Err(SendError::Unknown(self.broken(&e))),
            },
        };
        t
    }

    /// A step refused with a reply (the transaction is reset for the next
    /// message), or a broken connection.
    fn definite(&mut self, e: &SmtpError, what: impl FnOnce(Reply) -> Failure) -> SendError {
        match negative(e) {
            Some(reply) => {
                let _ = self.conn.command(Rset);
                SendError::NotSent(what(reply))
            }
            None => SendError::NotSent(self.broken(e)),
        }
    }

    fn broken(&mut self, e: &SmtpError) -> Failure {
        self.conn.abort();
        tracing::warn!(error = %chain(e), "the connection to the mail server broke");
        match cause(e) {
            Cause::Timeout => Failure::Timeout { secs: self.timeout },
            c => Failure::Broken {
                detail: c.words(self.timeout),
            },
        }
    }

    /// The connection can take another message (a server may drop an idle
    /// one between two messages: NOOP tells).
    pub(crate) fn usable(&mut self) -> bool {
        !self.conn.has_broken() && self.conn.test_connected()
    }

    pub(crate) fn quit(mut self) {
        if !self.conn.has_broken() {
            let _ = self.conn.quit();
        }
    }
}

fn response_text(r: &Response) -> String {
    let lines: Vec<&str> = r.message().collect();
    mime::clean(&format!("{} {}", r.code(), lines.join(" ")))
}

/// The server's negative reply, if the error is one.
fn negative(e: &SmtpError) -> Option<Reply> {
    let code = e.status()?;
    let text = std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or_default();
    let line = mime::clean(&format!("{code} {text}"));
    Some(Reply::parse(&line).unwrap_or(Reply {
        code: code.into(),
        enhanced: None,
        line,
    }))
}

/// The name the client greets with: `[smtp] helo_name`, else the domain
/// of the sender (never the machine's bare host name).
fn hello_name(configured: Option<&str>, from: &Mailbox) -> Result<ClientId, SetupError> {
    let name = match configured.map(str::trim) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => from.address.domain().to_string(),
    };
    let literal = name.starts_with('[') && name.ends_with(']');
    let valid = !name.is_empty()
        && name.len() <= 255
        && (literal
            || name.split('.').all(|l| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            }));
    if !valid || (literal && name[1..name.len() - 1].contains(|c: char| c.is_whitespace())) {
        return Err(SetupError(format!(
            "[smtp] 的 helo_name“{name}”不是域名（应写成 mail.example.cn 这样的完整域名）"
        )));
    }
    Ok(ClientId::Domain(name))
}

/// The error and its causes, one line for the log.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    mime::clean(&crate::error::causes(e).join(": "))
}

/// What an error from lettre comes down to, by its kind and the kinds of
/// the errors inside it (the OS's `io::Error`, rustls' `Error`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Cause {
    ConnectionRefused,
    Timeout,
    /// The connection was reset or aborted.
    Reset,
    /// The server closed the connection (no reply came).
    Closed,
    /// The server closed an encrypted connection without saying so first.
    TlsClosed,
    Certificate(CertWhy),
    /// Any other failure of the encryption.
    Tls,
    /// A negative reply.
    Reply(Reply),
    Other,
}

fn cause(e: &SmtpError) -> Cause {
    if let Some(r) = negative(e) {
        return Cause::Reply(r);
    }
    if e.is_timeout() {
        return Cause::Timeout;
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(t) = s.downcast_ref::<rustls::Error>() {
            return tls_cause(t);
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            // rustls reports through the stream's `io::Error`, its own
            // error inside it.
            if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return tls_cause(t);
            }
            use std::io::ErrorKind as K;
            return match io.kind() {
                K::ConnectionRefused => Cause::ConnectionRefused,
                K::TimedOut | K::WouldBlock => Cause::Timeout,
                K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::NotConnected => {
                    Cause::Reset
                }
                // Only rustls ends a read this way on a stream this client reads.
                K::UnexpectedEof => Cause::TlsClosed,
                _ => Cause::Other,
            };
        }
        source = s.source();
    }
    // lettre's own words when the stream ended before a whole reply.
    if e.is_response() || e.is_transport_shutdown() {
        return Cause::Closed;
    }
    if e.is_tls() {
        return Cause::Tls;
    }
    Cause::Other
}

fn tls_cause(e: &rustls::Error) -> Cause {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => Cause::Certificate(match c {
            C::UnknownIssuer => CertWhy::UnknownIssuer,
            C::Expired | C::ExpiredContext { .. } => CertWhy::Expired,
            C::NotValidYet | C::NotValidYetContext { .. } => CertWhy::NotYetValid,
            C::NotValidForName | C::NotValidForNameContext { .. } => CertWhy::WrongName,
            C::Revoked => CertWhy::Revoked,
            _ => CertWhy::Other,
        }),
        _ => Cause::Tls,
    }
}

impl Cause {
    /// Chinese words for a failure inside a session (its English in the log).
    fn words(&self, secs: u64) -> String {
        match self {
            Cause::ConnectionRefused => "对方拒绝连接".into(),
            Cause::Timeout => format!("{secs} 秒内没有回应"),
            Cause::Reset => "连接被对方重置".into(),
            Cause::Closed => "服务器中途关闭了连接".into(),
            Cause::TlsClosed => "服务器未按加密协议正常结束就断开了连接".into(),
            Cause::Certificate(why) => format!("服务器证书不受信任：{}", why.words()),
            Cause::Tls => "加密连接出错".into(),
            Cause::Reply(r) => format!("服务器回复代码 {}", code_of(r)),
            Cause::Other => "通信出错，详细原因见日志".into(),
        }
    }
}

/// What an OS error says, in a few words (for files the office names).
fn io_words(kind: std::io::ErrorKind) -> &'static str {
    use std::io::ErrorKind as K;
    match kind {
        K::NotFound => "文件不存在",
        K::PermissionDenied => "没有读取权限",
        K::IsADirectory => "这是一个目录，不是文件",
        _ => "读取出错",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp() -> Smtp {
        crate::config::Config::parse(
            "[smtp]\nhost = \"mail.pingjiang.gov.cn\"\nport = 465\nusername = \"zhuanban\"\npassword_env = \"PJ_MAIL_CODE\"\nfrom = \"zhuanban@pingjiang.gov.cn\"\nextra_ca_file = \"var/county-ca.pem\"\n",
            "minsheng.toml",
        )
        .unwrap()
        .smtp
        .unwrap()
    }

    /// Chinese, no link, no run of three English words.
    fn plain_chinese(text: &str) -> bool {
        let english_run = text.split(|c: char| !c.is_ascii()).any(|run| {
            run.split(' ').collect::<Vec<_>>().windows(3).any(|w| {
                w.iter()
                    .all(|x| x.len() > 1 && x.chars().all(|c| c.is_ascii_alphabetic()))
            })
        });
        !text.contains("http") && !english_run && !text.is_ascii()
    }

    #[test]
    fn every_fault_says_in_chinese_what_to_fix() {
        let smtp = smtp();
        let server = "mail.pingjiang.gov.cn:465";
        let cases: Vec<(Fault, &str)> = vec![
            (
                Fault::Config {
                    detail: "环境变量 PJ_MAIL_CODE 没有设置".into(),
                },
                "PJ_MAIL_CODE",
            ),
            (Fault::UnknownHost, "host"),
            (Fault::ConnectionRefused, server),
            (Fault::NoAnswer { secs: 30 }, server),
            (Fault::Closed, server),
            (Fault::Handshake, "security"),
            (Fault::StartTlsMissing, "security"),
            (
                Fault::Login {
                    code: Some("535 5.7.8".into()),
                },
                "PJ_MAIL_CODE",
            ),
            (
                Fault::Login {
                    code: Some("534 5.7.9".into()),
                },
                "授权码",
            ),
            (Fault::Login { code: None }, "PJ_MAIL_CODE"),
            (Fault::Unavailable { code: "421".into() }, server),
            (Fault::Other, server),
        ];
        for why in [
            CertWhy::UnknownIssuer,
            CertWhy::Expired,
            CertWhy::NotYetValid,
            CertWhy::WrongName,
            CertWhy::Revoked,
            CertWhy::Other,
        ] {
            let text = Fault::Certificate { why }.explain(&smtp);
            assert!(
                text.contains("extra_ca_file") && text.contains("var/county-ca.pem"),
                "{text}"
            );
            assert!(plain_chinese(&text), "{text}");
        }
        for (fault, names) in cases {
            let text = fault.explain(&smtp);
            assert!(text.contains(names), "{fault:?}: {text}");
            assert!(plain_chinese(&text), "{fault:?}: {text}");
        }
        let reply = Reply::parse("535 5.7.8 Authentication credentials invalid").unwrap();
        for cause in [
            Cause::ConnectionRefused,
            Cause::Timeout,
            Cause::Reset,
            Cause::Closed,
            Cause::TlsClosed,
            Cause::Certificate(CertWhy::UnknownIssuer),
            Cause::Tls,
            Cause::Reply(reply),
            Cause::Other,
        ] {
            let text = Failure::Broken {
                detail: cause.words(30),
            }
            .to_string();
            assert!(plain_chinese(&text), "{cause:?}: {text}");
        }
    }

    #[test]
    fn the_greeting_is_the_configured_name_or_the_domain_of_the_sender() {
        let from = Mailbox::parse("专班 <zhuanban@pingjiang.gov.cn>").unwrap();
        let name = |c: Option<&str>| hello_name(c, &from).map(|h| h.to_string());
        assert_eq!(name(None).unwrap(), "pingjiang.gov.cn");
        assert_eq!(name(Some("  ")).unwrap(), "pingjiang.gov.cn");
        assert_eq!(
            name(Some("mail.pingjiang.gov.cn")).unwrap(),
            "mail.pingjiang.gov.cn"
        );
        assert_eq!(name(Some("[10.1.2.3]")).unwrap(), "[10.1.2.3]");
        for bad in [
            "mail example",
            "mail..cn",
            "邮件.cn",
            "a_b.cn",
            "[1.2. 3.4]",
            ".cn",
        ] {
            let e = name(Some(bad)).unwrap_err();
            assert!(e.0.contains("helo_name"), "{bad}: {e}");
        }
    }
}
