//! What a mail server's negative reply means. The basic code says whether
//! to try again (4xx: later; 5xx: never, the server has decided), and the
//! enhanced status code (RFC 3463, `5.1.1`) says why, by class and subject:
//! `X.1.*` addresses, `X.2.*` mailboxes, `X.7.*` policy and security. A
//! reply without an enhanced code is read by its basic code, and the few
//! words servers use for spam (NetEase's `DT:SPM`, `spam`, `junk`, `垃圾`)
//! tell a spam rejection from another refusal of the same code.

use serde::Serialize;
use std::fmt;

/// One reply line as the server wrote it, with its codes read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The basic code, `550`.
    pub(crate) code: u16,
    /// The enhanced status code, `(5, 1, 1)`, when the server gave one.
    pub(crate) enhanced: Option<(u16, u16, u16)>,
    /// The whole line, `550 5.1.1 <a@b.cn>: User unknown`.
    pub(crate) line: String,
}

impl Reply {
    /// Read a reply line; `None` if it does not start with a three-digit code.
    pub fn parse(line: &str) -> Option<Reply> {
        let line = line.trim();
        let code: u16 = line.get(..3)?.parse().ok()?;
        if !(200..600).contains(&code)
            || line[3..].chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            return None;
        }
        let enhanced = line[3..]
            .trim_start_matches(['-', ' '])
            .split_whitespace()
            .next()
            .and_then(enhanced_code)
            .filter(|(class, _, _)| *class == code / 100);
        Some(Reply {
            code,
            enhanced,
            line: line.to_string(),
        })
    }

    /// A 5xx reply: the server will not take it, trying again is useless.
    pub(crate) fn permanent(&self) -> bool {
        self.code / 100 == 5
    }

    /// What a refusal most likely means, by its codes.
    pub(crate) fn meaning(&self) -> Meaning {
        let spam = looks_like_spam(&self.line);
        match self.enhanced {
            Some((_, subject, detail)) => match (subject, detail) {
                (1, 1) | (1, 6) => Meaning::NoSuchMailbox,
                (1, 2) | (4, 4) => Meaning::BadDomain,
                (1, 3) => Meaning::BadAddress,
                (1, 7) | (1, 8) => Meaning::SenderRefused,
                (1, _) => Meaning::MailboxUnavailable,
                (2, 1) => Meaning::MailboxDisabled,
                (2, 2) => Meaning::MailboxFull,
                (2, 3) | (3, 4) => Meaning::TooLarge,
                (2, _) => Meaning::MailboxUnavailable,
                (7, 20..=29) => Meaning::NotAuthenticated,
                (6 | 7, _) if spam => Meaning::Spam,
                (6, _) => Meaning::ContentRefused,
                (7, _) => Meaning::Policy,
                _ if spam => Meaning::Spam,
                _ => Meaning::Other,
            },
            None => match self.code {
                550 | 554 if spam => Meaning::Spam,
                550 => Meaning::MailboxUnavailable,
                551 => Meaning::NoSuchMailbox,
                552 => Meaning::MailboxFull,
                553 => Meaning::BadAddress,
                _ if spam => Meaning::Spam,
                _ => Meaning::Other,
            },
        }
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

/// `5.1.1` → `(5, 1, 1)`.
fn enhanced_code(word: &str) -> Option<(u16, u16, u16)> {
    let mut parts = word.trim_end_matches([',', ';', ':']).split('.');
    let mut next = |max: usize| {
        parts
            .next()
            .filter(|p| !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|p| p.parse().ok())
    };
    let class = next(1).filter(|c| matches!(c, 2 | 4 | 5))?;
    let code = (class, next(3)?, next(3)?);
    parts.next().is_none().then_some(code)
}

/// The words servers put in a spam rejection.
fn looks_like_spam(line: &str) -> bool {
    if line.contains("垃圾") {
        return true;
    }
    line.split(|c: char| !c.is_ascii_alphanumeric())
        .map(str::to_ascii_uppercase)
        .any(|w| {
            w.contains("SPAM")
                || matches!(
                    w.as_str(),
                    "SPM" | "JUNK" | "BULK" | "RBL" | "DNSBL" | "BLACKLISTED" | "BLOCKLISTED"
                )
        })
}

/// Why a server refused a message, as the office acts on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Meaning {
    NoSuchMailbox,
    MailboxUnavailable,
    BadDomain,
    BadAddress,
    MailboxDisabled,
    MailboxFull,
    TooLarge,
    Spam,
    NotAuthenticated,
    Policy,
    ContentRefused,
    SenderRefused,
    Other,
}

impl Meaning {
    /// A few words: 地址不存在, 被判为垃圾邮件, 邮箱已满 ….
    pub(crate) fn label(self) -> &'static str {
        match self {
            Meaning::NoSuchMailbox => "地址不存在",
            Meaning::MailboxUnavailable => "邮箱不存在或不可用",
            Meaning::BadDomain => "域名不存在或无法投递",
            Meaning::BadAddress => "邮箱地址有误",
            Meaning::MailboxDisabled => "邮箱已停用",
            Meaning::MailboxFull => "邮箱已满",
            Meaning::TooLarge => "邮件过大",
            Meaning::Spam => "被判为垃圾邮件",
            Meaning::NotAuthenticated => "发件域名未通过对方验证",
            Meaning::Policy => "被对方安全策略拒收",
            Meaning::ContentRefused => "邮件内容被拒收",
            Meaning::SenderRefused => "发件地址被拒",
            Meaning::Other => "被服务器拒收",
        }
    }

    /// What the office can do about it.
    pub(crate) fn advice(self) -> &'static str {
        match self {
            Meaning::NoSuchMailbox | Meaning::BadAddress => "请核对 minsheng.toml 中的邮箱地址",
            Meaning::MailboxUnavailable => "请核对邮箱地址，或电话联系收件人",
            Meaning::BadDomain => "请核对邮箱地址 @ 后面的部分",
            Meaning::MailboxDisabled => "请向收件人确认新的邮箱地址",
            Meaning::MailboxFull => "请联系收件人清理邮箱，再用 minsheng mail release 编号 重发",
            Meaning::TooLarge => "附件超过了对方服务器的大小限制，请改用其他方式送达",
            Meaning::Spam => {
                "请联系对方邮箱管理员，或调整标题、正文后重发；多次出现请联系邮箱服务商"
            }
            Meaning::NotAuthenticated => "请邮箱管理员检查发件域名的 SPF、DKIM、DMARC 设置",
            Meaning::Policy => "对方可能不接收外部邮件或未授权本发件地址，请联系对方邮箱管理员",
            Meaning::ContentRefused => "请检查附件和正文后重发",
            Meaning::SenderRefused => "请确认 [smtp] 的 from 与登录账号一致",
            Meaning::Other => "请电话联系收件人，或联系邮箱管理员",
        }
    }

    /// The advice for an address typed on the command line (`mail test`):
    /// nothing in `minsheng.toml` or the queue to fix.
    pub(crate) fn advice_typed(self) -> &'static str {
        match self {
            Meaning::NoSuchMailbox | Meaning::BadAddress => "请核对输入的邮箱地址",
            Meaning::MailboxFull => "请联系收件人清理邮箱",
            m => m.advice(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meaning(line: &str) -> Meaning {
        Reply::parse(line).unwrap().meaning()
    }

    #[test]
    fn codes_are_read_from_the_line() {
        let r = Reply::parse("550 5.1.1 <a@b.cn>: Recipient address rejected").unwrap();
        assert_eq!((r.code, r.enhanced), (550, Some((5, 1, 1))));
        assert!(r.permanent());
        let r = Reply::parse("451-4.7.1 Greylisted, try again").unwrap();
        assert_eq!((r.code, r.enhanced), (451, Some((4, 7, 1))));
        assert!(!r.permanent());
        // An enhanced code of another class than the basic one is not one.
        assert_eq!(Reply::parse("550 4.1.1 odd").unwrap().enhanced, None);
        assert_eq!(Reply::parse("554 DT:SPM 163").unwrap().enhanced, None);
        assert_eq!(Reply::parse("550 5.1.1.1 x").unwrap().enhanced, None);
        assert_eq!(Reply::parse("550 5.1000.1 x").unwrap().enhanced, None);
        for bad in ["", "55", "abc", "5500 x", "999 x", "no reply"] {
            assert_eq!(Reply::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn refusals_of_a_class_share_a_meaning() {
        let cases = [
            (
                "550 5.1.1 <x@y.cn>: Recipient address rejected: User unknown",
                Meaning::NoSuchMailbox,
            ),
            (
                "550 5.1.1 The email account that you tried to reach does not exist",
                Meaning::NoSuchMailbox,
            ),
            ("550 5.1.6 Recipient has moved", Meaning::NoSuchMailbox),
            (
                "553 5.1.3 Bad recipient address syntax",
                Meaning::BadAddress,
            ),
            ("550 5.1.2 Host unknown", Meaning::BadDomain),
            ("550 5.4.4 Unable to route", Meaning::BadDomain),
            ("550 5.1.0 Address rejected", Meaning::MailboxUnavailable),
            ("550 5.2.1 Mailbox disabled", Meaning::MailboxDisabled),
            ("552 5.2.2 Mailbox full", Meaning::MailboxFull),
            ("550 5.2.2 User is over quota", Meaning::MailboxFull),
            (
                "552 5.3.4 Message size exceeds fixed limit",
                Meaning::TooLarge,
            ),
            ("552 5.2.3 Message too large", Meaning::TooLarge),
            ("554 5.7.1 Message rejected as spam", Meaning::Spam),
            (
                "550 5.7.350 Remote server returned message detected as spam",
                Meaning::Spam,
            ),
            (
                "554 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org",
                Meaning::Spam,
            ),
            ("550 5.7.1 Relaying denied", Meaning::Policy),
            ("550 5.7.0 Local policy violation", Meaning::Policy),
            (
                "550 5.7.26 Unauthenticated email is not accepted (DMARC)",
                Meaning::NotAuthenticated,
            ),
            (
                "550 5.7.23 SPF validation failed",
                Meaning::NotAuthenticated,
            ),
            (
                "554 5.6.0 Message content rejected",
                Meaning::ContentRefused,
            ),
            ("554 5.6.0 Content rejected as junk", Meaning::Spam),
            (
                "553 5.1.8 Sender address domain does not exist",
                Meaning::SenderRefused,
            ),
            (
                "554 DT:SPM 163 smtp14,EsCowAD3 1712112000,please see http://mail.163.com/help/help_spam_16.htm",
                Meaning::Spam,
            ),
            ("550 MI:SPM mail is rejected as spam", Meaning::Spam),
            ("554 邮件被判定为垃圾邮件", Meaning::Spam),
            (
                "550 Requested action not taken: mailbox unavailable",
                Meaning::MailboxUnavailable,
            ),
            ("551 User not local", Meaning::NoSuchMailbox),
            (
                "552 Requested mail action aborted: exceeded storage allocation",
                Meaning::MailboxFull,
            ),
            (
                "553 Requested action not taken: mailbox name not allowed",
                Meaning::BadAddress,
            ),
            ("554 Transaction failed", Meaning::Other),
            ("500 Syntax error", Meaning::Other),
        ];
        for (line, want) in cases {
            assert_eq!(meaning(line), want, "{line}");
            assert!(Reply::parse(line).unwrap().permanent(), "{line}");
        }
    }

    #[test]
    fn every_4xx_is_temporary_and_every_5xx_final() {
        for code in 400..600u16 {
            for tail in ["", " 4.7.1 try later", " 5.1.1 nobody", " Greylisted"] {
                let line = format!("{code}{tail}");
                let r = Reply::parse(&line).unwrap();
                assert_eq!(r.permanent(), code >= 500, "{line}");
            }
        }
    }

    #[test]
    fn every_meaning_has_words() {
        for m in [
            Meaning::NoSuchMailbox,
            Meaning::MailboxUnavailable,
            Meaning::BadDomain,
            Meaning::BadAddress,
            Meaning::MailboxDisabled,
            Meaning::MailboxFull,
            Meaning::TooLarge,
            Meaning::Spam,
            Meaning::NotAuthenticated,
            Meaning::Policy,
            Meaning::ContentRefused,
            Meaning::SenderRefused,
            Meaning::Other,
        ] {
            assert!(!m.label().is_empty() && !m.advice().is_empty());
            assert!(!m.label().is_ascii());
            let typed = m.advice_typed();
            assert!(
                !typed.contains("minsheng.toml") && !typed.contains("release"),
                "{m:?}"
            );
        }
    }
}
