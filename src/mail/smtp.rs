//! Talking to the mail server, step by step through lettre's
//! `SmtpConnection`, so that every failure is known by the step it happened
//! in: a refused connection, an untrusted certificate, a refused login, a
//! refused sender, each refused recipient with its own reply, a message
//! refused after its data — and, the one case that must not be retried
//! blindly, a message whose data was sent but whose answer never came.
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
use std::fmt;
use std::path::Path;
use std::time::Duration;

/// The configured server, checked and ready to connect.
pub struct Server {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    tls: Option<TlsParameters>,
    timeout: Duration,
    hello: ClientId,
    pub from: Mailbox,
}

/// What the office must fix before any message can go out (nothing was
/// tried, no attempt is counted).
#[derive(Debug)]
pub struct SetupError(pub String);

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SetupError {}

/// Why a step failed, in words the office acts on. `Refused` is the
/// message refused at DATA or after its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    Connect { server: String, reason: String },
    Certificate { detail: String },
    StartTlsMissing,
    Login { detail: String },
    SenderRefused { from: String, reply: Reply },
    RecipientsRefused { refused: Vec<(String, Reply)> },
    Refused { reply: Reply },
    Timeout { secs: u64 },
    Broken { detail: String },
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Connect { server, reason } => {
                write!(f, "无法连接发信服务器 {server}：{reason}")
            }
            Failure::Certificate { detail } => write!(
                f,
                "发信服务器的证书不受信任（{detail}）。如果县里的邮件服务器使用自建证书，请在 minsheng.toml 的 [smtp] 中用 extra_ca_file 指定其 CA 证书（PEM 文件）"
            ),
            Failure::StartTlsMissing => f.write_str(
                "发信服务器不支持 STARTTLS 加密。请改用 security = \"tls\"（通常端口 465），或向邮箱管理员确认",
            ),
            Failure::Login { detail } => write!(
                f,
                "登录被拒绝：用户名或密码（授权码）不对，或邮箱未开启 SMTP 服务（{detail}）"
            ),
            Failure::SenderRefused { from, reply } => write!(
                f,
                "发件人 {from} 被服务器拒绝（{reply}）。请确认 [smtp] 的 from 与登录账号一致"
            ),
            Failure::RecipientsRefused { refused } => {
                let list: Vec<String> = refused
                    .iter()
                    .map(|(a, r)| format!("{a}（{r}；{}）", explain(r)))
                    .collect();
                write!(f, "收件人被服务器拒绝：{}", list.join("；"))
            }
            Failure::Refused { reply } => {
                write!(f, "服务器拒收这封邮件（{reply}）：{}", explain(reply))
            }
            Failure::Timeout { secs } => {
                write!(f, "发信服务器在 {secs} 秒内没有回应，连接已超时")
            }
            Failure::Broken { detail } => write!(f, "与发信服务器的连接中断（{detail}）"),
        }
    }
}

/// What a refusal means and what to do, in a few words.
fn explain(reply: &Reply) -> String {
    if reply.permanent() {
        let m = reply.meaning();
        format!("{}，{}", m.label(), m.advice())
    } else {
        "服务器暂时不能接收".to_string()
    }
}

impl Failure {
    /// The server's reply, where it gave one.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Failure::SenderRefused { reply, .. } | Failure::Refused { reply } => Some(reply),
            _ => None,
        }
    }

    /// A 5xx reply to the message as a whole (to MAIL FROM, DATA or its
    /// data): none of its recipients will get it from this server.
    pub fn permanent(&self) -> bool {
        self.reply().is_some_and(Reply::permanent)
    }
}

/// One mail transaction: who the server took at RCPT TO, who it refused
/// there, and what became of the message for those it took.
#[derive(Debug)]
pub struct Transaction {
    pub accepted: Vec<String>,
    pub refused: Vec<(String, Reply)>,
    /// The server's acknowledgement, or why there is none.
    pub outcome: Result<String, SendError>,
}

/// How sending one message ended without an acknowledgement.
#[derive(Debug)]
pub enum SendError {
    /// Not delivered: try again later.
    NotSent(Failure),
    /// The data went out but its answer never came: it may have been delivered.
    Unknown(Failure),
}

impl Server {
    /// Check `[smtp]` and read the password and the extra CA; nothing is
    /// contacted yet. `root` is the workspace, for a relative `extra_ca_file`.
    pub fn new(smtp: &Smtp, root: &Path) -> Result<Server, SetupError> {
        Server::with_password(smtp, root, std::env::var(&smtp.password_env).ok())
    }

    /// The same with the password given, for `doctor`, which may find it
    /// in the service's environment file rather than in its own environment.
    pub fn with_password(
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
                        SetupError(format!(
                            "无法读取 [smtp] extra_ca_file 指定的证书文件 {}：{e}",
                            path.display()
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
                Some(
                    builder
                        .build()
                        .map_err(|e| SetupError(format!("无法准备加密连接：{}", chain(&e))))?,
                )
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

    pub fn name(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// Connect, encrypt and log in.
    pub fn connect(&self) -> Result<Session, Failure> {
        let wrapper = match self.security {
            Security::Tls => self.tls.as_ref(),
            _ => None,
        };
        tracing::debug!(server = %self.name(), "connecting to the mail server");
        let mut conn = SmtpConnection::connect(
            (self.host.as_str(), self.port),
            Some(self.timeout),
            &self.hello,
            wrapper,
            None,
        )
        .map_err(|e| self.connect_failure(&e))?;
        if self.security == Security::Starttls {
            let Some(tls) = &self.tls else {
                return Err(Failure::StartTlsMissing);
            };
            if !conn.can_starttls() {
                conn.abort();
                return Err(Failure::StartTlsMissing);
            }
            conn.starttls(tls, &self.hello)
                .map_err(|e| self.connect_failure(&e))?;
        }
        if let Some(credentials) = &self.credentials
            && let Err(e) = conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
        {
            conn.abort();
            // A refused login shows in lettre as a negative reply (535),
            // as an "incomplete response" when the server hangs up, or as
            // a timeout when it never answers (aiosmtpd, some appliances).
            let detail = if is_timeout(&e) {
                format!("服务器在 {} 秒内没有回应登录", self.timeout.as_secs())
            } else {
                reply(&e)
            };
            return Err(Failure::Login { detail });
        }
        Ok(Session {
            conn,
            timeout: self.timeout.as_secs(),
        })
    }

    fn connect_failure(&self, e: &SmtpError) -> Failure {
        let text = chain(e);
        if is_certificate(e, &text) {
            return Failure::Certificate {
                detail: certificate_detail(&text),
            };
        }
        if is_timeout(e) {
            let hint = if self.security == Security::Tls {
                ""
            } else {
                "；如果端口是 465，security 应为 \"tls\""
            };
            return Failure::Connect {
                server: self.name(),
                reason: format!("{} 秒内没有回应{hint}", self.timeout.as_secs()),
            };
        }
        let lower = text.to_lowercase();
        if lower.contains("corrupt message")
            || lower.contains("invalidcontenttype")
            || lower.contains("wrong version number")
        {
            return Failure::Connect {
                server: self.name(),
                reason: format!(
                    "加密握手失败，加密方式 security 可能与端口不匹配：465 端口用 \"tls\"，587 或 25 端口用 \"starttls\"（{text}）"
                ),
            };
        }
        let reason = match io_kind(e) {
            Some(std::io::ErrorKind::ConnectionRefused) => {
                "对方拒绝连接（服务器未启动，或地址、端口不对）".to_string()
            }
            Some(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::UnexpectedEof) => {
                format!(
                    "连接被对方断开（常见原因：加密方式 security 与端口不匹配，465 端口用 \"tls\"，587/25 端口用 \"starttls\"）；{text}"
                )
            }
            _ if text.contains("lookup") || text.contains("resolve") => {
                format!("找不到这个服务器地址（{text}）")
            }
            _ if e.is_permanent() || e.is_transient() => format!("服务器拒绝服务（{}）", reply(e)),
            _ => text,
        };
        Failure::Connect {
            server: self.name(),
            reason,
        }
    }
}

/// One open connection, logged in.
pub struct Session {
    conn: SmtpConnection,
    timeout: u64,
}

impl Session {
    /// Send one message to `to`. `before_data` runs once the server is ready
    /// for the message data, before a byte of it is sent, with the
    /// recipients it accepted and refused: the queue records there that
    /// from now on the outcome for the accepted ones may become unknown.
    pub fn send(
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
            t.outcome = Err(SendError::NotSent(Failure::Broken {
                detail: crate::error::chain(&e),
            }));
            return t;
        }
        t.outcome = match self.conn.message(message) {
            Ok(r) => Ok(response_text(&r)),
            Err(e) => match negative(&e) {
                Some(reply) => Err(SendError::NotSent(Failure::Refused { reply })),
                None => {
                    self.conn.abort();
                    Err(SendError::Unknown(if is_timeout(&e) {
                        Failure::Timeout { secs: self.timeout }
                    } else {
                        Failure::Broken { detail: chain(&e) }
                    }))
                }
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
        if is_timeout(e) {
            Failure::Timeout { secs: self.timeout }
        } else {
            Failure::Broken { detail: chain(e) }
        }
    }

    /// The connection can take another message (a server may drop an idle
    /// one between two messages: NOOP tells).
    pub fn usable(&mut self) -> bool {
        !self.conn.has_broken() && self.conn.test_connected()
    }

    pub fn quit(mut self) {
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

/// The server's words from a negative reply, else the error's chain.
fn reply(e: &SmtpError) -> String {
    negative(e).map_or_else(|| chain(e), |r| r.line)
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

/// The error and its causes, one line.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        source = s.source();
    }
    mime::clean(&parts.join(": "))
}

fn io_kind(e: &SmtpError) -> Option<std::io::ErrorKind> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = s.source();
    }
    None
}

fn is_timeout(e: &SmtpError) -> bool {
    e.is_timeout() || io_kind(e) == Some(std::io::ErrorKind::WouldBlock)
}

/// rustls reports an untrusted certificate inside an I/O error during the
/// handshake; its text is the only thing that tells it apart.
fn is_certificate(e: &SmtpError, text: &str) -> bool {
    let t = text.to_lowercase();
    (e.is_tls() || t.contains("tls") || t.contains("certificate")) && t.contains("certificate")
}

fn certificate_detail(text: &str) -> String {
    let t = text.to_lowercase();
    if t.contains("unknownissuer") || t.contains("unknown issuer") {
        "签发机构未知，可能是自建或自签名证书".into()
    } else if t.contains("expired") {
        "证书已过期".into()
    } else if t.contains("notvalidforname") || t.contains("not valid for name") {
        "证书上的域名与 host 不一致".into()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
