//! Messages as the exact bytes that go on the wire, written here rather than
//! by lettre's builder so that every header is under our control: Chinese
//! subjects and display names as RFC 2047 encoded words, attachment names as
//! both an RFC 2047 `name=`/`filename=` and an RFC 2231 `filename*=` (QQ Mail
//! and Outlook mangle lettre's RFC 2231 continuations, lettre/lettre#626), and
//! every text taken from outside stripped of CR, LF and other control
//! characters, so no value can end its header and start another.
//!
//! Everything is 7-bit: headers encoded, bodies base64 with CRLF lines of 76
//! characters, so no server needs 8BITMIME and no line is ever too long.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use lettre::Address;
use std::fmt::Write as _;
use std::str::FromStr;

/// Longest header line we write, CRLF excluded (RFC 5322 asks for 78).
const LINE: usize = 78;
/// Longest encoded word (RFC 2047).
const WORD: usize = 75;
/// Raw bytes per encoded word: 39 bytes → 52 base64 characters → 64 with
/// the `=?UTF-8?B?` … `?=` around them, so `Subject: ` and one word fit a line.
const WORD_BYTES: usize = 39;

/// A display name and an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub(crate) name: String,
    pub(crate) address: Address,
}

impl Mailbox {
    pub(crate) fn new(name: &str, address: Address) -> Mailbox {
        Mailbox {
            name: clean(name),
            address,
        }
    }

    /// `名字 <a@b.cn>`, `"名字" <a@b.cn>` or a bare `a@b.cn`.
    pub fn parse(s: &str) -> Result<Mailbox, String> {
        let s = clean(s);
        let (name, addr) = match (s.rfind('<'), s.ends_with('>')) {
            (Some(i), true) => (
                s[..i].trim().trim_matches('"').trim(),
                &s[i + 1..s.len() - 1],
            ),
            _ => ("", s.as_str()),
        };
        Ok(Mailbox::new(name, parse_address(addr)?))
    }

    /// The header form (the name encoded where needed, then `<address>`)
    /// as words that a header may be folded between.
    fn words(&self) -> Vec<String> {
        if self.name.is_empty() {
            return vec![self.address.to_string()];
        }
        let mut words = display_name(&self.name);
        words.push(format!("<{}>", self.address));
        words
    }
}

/// One address as a mail server takes it: ASCII, no spaces, checked by lettre.
pub(crate) fn parse_address(s: &str) -> Result<Address, String> {
    let s = s.trim();
    if !s.is_ascii() {
        return Err(format!("邮箱地址“{s}”含有中文或全角字符"));
    }
    Address::from_str(s).map_err(|_| format!("邮箱地址“{s}”格式不对"))
}

/// A file carried by a message.
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    /// The name the recipient sees.
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
}

/// Everything one message says.
#[derive(Debug, Clone)]
pub(crate) struct Draft<'a> {
    pub(crate) from: &'a Mailbox,
    pub(crate) to: &'a [Mailbox],
    pub(crate) subject: &'a str,
    pub(crate) text: &'a str,
    pub(crate) html: Option<&'a str>,
    pub(crate) attachments: &'a [Attachment],
    /// `X-Minsheng-Period`, when the message belongs to a period.
    pub(crate) period: Option<String>,
    /// `X-Minsheng-Kind`: bulletin, receipt, reminder, test.
    pub(crate) kind: &'a str,
    /// RFC 2822 date.
    pub(crate) date: String,
    /// With its angle brackets.
    pub(crate) message_id: String,
}

/// The whole message, CRLF line ends.
pub(crate) fn compose(d: &Draft) -> Vec<u8> {
    let mut out = String::new();
    header(&mut out, "From", &d.from.words());
    header(&mut out, "To", &mailbox_list(d.to));
    header(&mut out, "Subject", &unstructured(d.subject));
    header(&mut out, "Date", std::slice::from_ref(&d.date));
    header(&mut out, "Message-ID", std::slice::from_ref(&d.message_id));
    header(&mut out, "MIME-Version", &["1.0".into()]);
    if let Some(p) = &d.period {
        header(&mut out, "X-Minsheng-Period", &[token(p)]);
    }
    header(&mut out, "X-Minsheng-Kind", &[token(d.kind)]);
    let boundary = |n: u8| format!("=_minsheng_{n}_{}", random_hex(12));

    let body = match d.html {
        Some(html) => {
            let b = boundary(1);
            let mut s =
                format!("Content-Type: multipart/alternative;\r\n boundary=\"{b}\"\r\n\r\n");
            s.push_str(&format!("--{b}\r\n"));
            s.push_str(&text_part("plain", d.text));
            s.push_str(&format!("--{b}\r\n"));
            s.push_str(&text_part("html", html));
            s.push_str(&format!("--{b}--\r\n"));
            s
        }
        None => text_part("plain", d.text),
    };
    if d.attachments.is_empty() {
        out.push_str(&body);
    } else {
        let b = boundary(0);
        out.push_str(&format!(
            "Content-Type: multipart/mixed;\r\n boundary=\"{b}\"\r\n\r\n"
        ));
        out.push_str("This is a multi-part message in MIME format.\r\n");
        out.push_str(&format!("--{b}\r\n"));
        out.push_str(&body);
        for a in d.attachments {
            out.push_str(&format!("--{b}\r\n"));
            out.push_str(&attachment_part(a));
        }
        out.push_str(&format!("--{b}--\r\n"));
    }
    out.into_bytes()
}

/// Replace the `From:` header of a composed message (the queue keeps
/// messages written before `[smtp] from` was set).
pub(crate) fn replace_from(eml: &[u8], from: &Mailbox) -> Vec<u8> {
    let Some(end) = find(eml, b"\r\n\r\n") else {
        return eml.to_vec();
    };
    let head = String::from_utf8_lossy(&eml[..end + 2]);
    let mut out = String::new();
    let mut skipping = false;
    for line in head.split_inclusive("\r\n") {
        let continuation = line.starts_with(' ') || line.starts_with('\t');
        if continuation && skipping {
            continue;
        }
        skipping = is_header(line, "from");
        if skipping {
            header(&mut out, "From", &from.words());
        } else {
            out.push_str(line);
        }
    }
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&eml[end + 2..]);
    bytes
}

/// Whether a header line (read from a file, so any bytes at all) is the
/// header `name`: compared by bytes, never cut inside a character.
fn is_header(line: &str, name: &str) -> bool {
    let line = line.as_bytes();
    line.len() > name.len()
        && line[name.len()] == b':'
        && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
}

/// The Message-ID of a composed message, without its angle brackets;
/// `None` when the header is missing or holds anything but the characters
/// of an id (it is quoted to the office in a command line to run).
pub(crate) fn message_id(eml: &[u8]) -> Option<String> {
    let end = find(eml, b"\r\n\r\n").unwrap_or(eml.len());
    let head = String::from_utf8_lossy(&eml[..end]);
    let mut lines = head.split("\r\n").peekable();
    while let Some(line) = lines.next() {
        if !is_header(line, "message-id") {
            continue;
        }
        let mut value = line["message-id:".len()..].to_string();
        while let Some(next) = lines.next_if(|l| l.starts_with([' ', '\t'])) {
            value.push_str(next);
        }
        let id = value.trim().strip_prefix('<')?.strip_suffix('>')?;
        let ok = id.contains('@')
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_+=@%$".contains(&b));
        return ok.then(|| id.to_string());
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Text from outside made safe for one header: every control character
/// (CR and LF above all) becomes a space, runs of spaces collapse.
pub(crate) fn clean(s: &str) -> String {
    let spaced: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value that must be one token (period, kind): letters, digits and `-`.
fn token(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Write `Name: words…`, folding between words so no line passes 78
/// characters where the words allow it.
fn header(out: &mut String, name: &str, words: &[String]) {
    let mut line = format!("{name}:");
    for w in words {
        if line.len() + 1 + w.len() > LINE && line.len() > name.len() + 1 {
            out.push_str(&line);
            out.push_str("\r\n");
            line = String::new();
        }
        line.push(' ');
        line.push_str(w);
    }
    out.push_str(&line);
    out.push_str("\r\n");
}

/// Mailboxes separated by commas, as foldable words.
fn mailbox_list(list: &[Mailbox]) -> Vec<String> {
    let mut words = Vec::new();
    for (i, m) in list.iter().enumerate() {
        let mut w = m.words();
        if i + 1 < list.len()
            && let Some(last) = w.last_mut()
        {
            last.push(',');
        }
        words.extend(w);
    }
    words
}

/// An unstructured value (Subject): plain ASCII words as they are, anything
/// else as encoded words.
fn unstructured(s: &str) -> Vec<String> {
    let s = clean(s);
    if needs_encoding(&s) {
        encode_words(&s)
    } else {
        s.split(' ').map(str::to_string).collect()
    }
}

fn needs_encoding(s: &str) -> bool {
    !s.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) || s.contains("=?")
}

/// A display name: ASCII atoms as they are, other ASCII quoted, anything
/// else as encoded words.
fn display_name(name: &str) -> Vec<String> {
    let name = clean(name);
    if needs_encoding(&name) {
        return encode_words(&name);
    }
    let atoms = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " !#$%&'*+-/=?^_`{|}~".contains(c));
    if atoms {
        name.split(' ').map(str::to_string).collect()
    } else {
        vec![format!(
            "\"{}\"",
            name.replace('\\', "\\\\").replace('"', "\\\"")
        )]
    }
}

/// RFC 2047 `B` encoded words of at most 75 characters, never splitting a
/// character between two words.
pub(crate) fn encode_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in s.chars() {
        if chunk.len() + c.len_utf8() > WORD_BYTES {
            words.push(encoded_word(&chunk));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(encoded_word(&chunk));
    }
    debug_assert!(words.iter().all(|w| w.len() <= WORD));
    words
}

fn encoded_word(s: &str) -> String {
    format!("=?UTF-8?B?{}?=", B64.encode(s.as_bytes()))
}

/// RFC 2231 extended value: `UTF-8''` and the bytes outside attr-char as `%XX`.
pub(crate) fn rfc2231(s: &str) -> String {
    let mut out = String::from("UTF-8''");
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn text_part(subtype: &str, text: &str) -> String {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    format!(
        "Content-Type: text/{subtype}; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        base64_lines(crlf.as_bytes())
    )
}

fn attachment_part(a: &Attachment) -> String {
    let name = attachment_name(&a.name);
    // One encoded word however long: inside a quoted parameter the space
    // between two words is kept by some readers (mail-parser among them),
    // and Outlook and QQ Mail write and read a single long word here.
    let quoted = if needs_encoding(&name) {
        encoded_word(&name)
    } else {
        name.replace('\\', "\\\\").replace('"', "\\\"")
    };
    format!(
        "Content-Type: {};\r\n name=\"{quoted}\"\r\nContent-Disposition: attachment;\r\n filename=\"{quoted}\";\r\n filename*={}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        content_type(&name),
        rfc2231(&name),
        base64_lines(&a.bytes)
    )
}

/// An attachment's name as shown: one line, no path, at most 80 characters
/// with its extension kept.
pub(crate) fn attachment_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned = clean(base).replace('"', "");
    if cleaned.chars().count() <= 80 {
        return if cleaned.is_empty() {
            "附件".into()
        } else {
            cleaned
        };
    }
    let (stem, ext) = match cleaned.rfind('.') {
        Some(i) if cleaned.len() - i <= 8 => (&cleaned[..i], &cleaned[i..]),
        _ => (cleaned.as_str(), ""),
    };
    let keep = 80 - ext.chars().count();
    format!("{}{ext}", stem.chars().take(keep).collect::<String>())
}

fn content_type(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "pdf" => "application/pdf",
        "txt" => "text/plain; charset=\"utf-8\"",
        "html" | "htm" => "text/html; charset=\"utf-8\"",
        _ => "application/octet-stream",
    }
}

fn base64_lines(bytes: &[u8]) -> String {
    let encoded = B64.encode(bytes);
    let mut out = String::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for chunk in encoded.as_bytes().chunks(76) {
        // base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    if getrandom::fill(&mut bytes).is_err() {
        // No randomness: time and process id still keep boundaries and
        // Message-IDs apart.
        let t = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default() as u128;
        let seed = t ^ ((std::process::id() as u128) << 64);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (seed >> ((i % 16) * 8)) as u8;
        }
    }
    crate::text::hex(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders};

    fn mbox(name: &str, addr: &str) -> Mailbox {
        Mailbox::new(name, addr.parse().unwrap())
    }

    fn sample(subject: &str, to_name: &str, attachment: &str) -> Vec<u8> {
        let from = mbox("平江县民生可感行动工作专班", "zhuanban@example.cn");
        let to = [mbox(to_name, "leader@example.cn"), mbox("", "b@example.cn")];
        compose(&Draft {
            from: &from,
            to: &to,
            subject,
            text: "正文第一行\n第二行",
            html: Some("<p>正文</p>"),
            attachments: &[Attachment {
                name: attachment.into(),
                bytes: vec![0, 1, 2, 255, b'\r', b'\n', b'.'],
            }],
            period: Some("2024-03".into()),
            kind: "bulletin",
            date: "Wed, 3 Apr 2024 09:00:00 +0800".into(),
            message_id: "<1.abc@example.cn>".into(),
        })
    }

    #[test]
    fn a_composed_message_parses_back_to_what_was_written() {
        let subject = "平江县民生可感行动调度通报（2024年第3期）——各项任务进展情况及下一步工作安排";
        let name = "平江县民生可感行动调度汇总表（2024年3月）.xlsx";
        let raw = sample(subject, "张三", name);
        assert!(raw.is_ascii());
        let text = String::from_utf8(raw.clone()).unwrap();
        for line in text.split("\r\n") {
            assert!(line.len() <= 998, "{line}");
            // Parameter values and MIME type names are not folded (998 is the
            // hard limit); everything else keeps to 78.
            if !line.contains("name=")
                && !line.contains("name*=")
                && !line.starts_with("Content-Type:")
            {
                assert!(line.len() <= LINE, "{line}");
            }
        }
        assert!(text.contains("filename*=UTF-8''"), "{text}");
        assert!(text.contains(" name=\"=?UTF-8?B?"), "{text}");
        assert!(text.contains("X-Minsheng-Period: 2024-03\r\n"));
        let m = MessageParser::default().parse(&raw).unwrap();
        assert_eq!(m.subject(), Some(subject));
        let from = m.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("平江县民生可感行动工作专班"));
        assert_eq!(m.to().unwrap().first().unwrap().name(), Some("张三"));
        assert_eq!(m.to().unwrap().iter().count(), 2);
        assert_eq!(m.body_text(0).unwrap().trim_end(), "正文第一行\r\n第二行");
        assert_eq!(m.body_html(0).unwrap(), "<p>正文</p>");
        let a = m.attachments().next().unwrap();
        assert_eq!(a.attachment_name(), Some(name));
        assert_eq!(a.contents(), &[0, 1, 2, 255, b'\r', b'\n', b'.']);
        assert_eq!(m.message_id(), Some("1.abc@example.cn"));
    }

    #[test]
    fn cr_and_lf_cannot_start_a_header() {
        for evil in [
            "通报\r\nBcc: evil@example.com",
            "Report\r\nBcc: evil@example.com",
            "Report\nBcc: evil@example.com",
            "Report\rBcc: evil@example.com",
        ] {
            let raw = sample(evil, evil, evil);
            let m = MessageParser::default().parse(&raw).unwrap();
            assert!(m.header("Bcc").is_none(), "{evil:?}");
            let text = String::from_utf8(raw.clone()).unwrap();
            let head = &text[..text.find("\r\n\r\n").unwrap()];
            assert!(!head.split("\r\n").any(|l| l.starts_with("Bcc")), "{head}");
            assert_eq!(
                m.subject().unwrap().replace(' ', ""),
                clean(evil).replace(' ', "")
            );
        }
    }

    #[test]
    fn encoded_words_stay_short_and_whole() {
        let s = "民".repeat(40) + "a";
        let words = encode_words(&s);
        assert!(words.iter().all(|w| w.len() <= WORD));
        let raw = format!("Subject: {}\r\n\r\n", words.join("\r\n "));
        let m = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(m.subject(), Some(s.as_str()));
    }

    #[test]
    fn mailboxes_parse_as_configured() {
        let m = Mailbox::parse("平江县民生可感行动工作专班 <zhuanban@example.cn>").unwrap();
        assert_eq!(m.name, "平江县民生可感行动工作专班");
        assert_eq!(m.address.to_string(), "zhuanban@example.cn");
        assert_eq!(Mailbox::parse("a@b.cn").unwrap().name, "");
        assert!(Mailbox::parse("张三 <不是地址>").is_err());
        assert!(Mailbox::parse("a@b.cn\r\nBcc: c@d.cn").is_err());
        assert_eq!(
            mbox("Zhang San", "a@b.cn").words().join(" "),
            "Zhang San <a@b.cn>"
        );
        assert_eq!(
            mbox("Zhang, San", "a@b.cn").words().join(" "),
            "\"Zhang, San\" <a@b.cn>"
        );
    }

    #[test]
    fn the_from_header_can_be_replaced() {
        let raw = sample("s", "n", "a.txt");
        let new = replace_from(&raw, &mbox("新发件人", "new@example.cn"));
        let m = MessageParser::default().parse(&new).unwrap();
        let from = m.from().unwrap().first().unwrap();
        assert_eq!(from.address(), Some("new@example.cn"));
        assert_eq!(from.name(), Some("新发件人"));
        assert_eq!(m.subject(), Some("s"));
        assert_eq!(m.attachments().count(), 1);
    }

    #[test]
    fn the_message_id_is_read_back_and_anything_odd_in_it_is_refused() {
        let raw = sample("s", "n", "a.txt");
        assert_eq!(message_id(&raw).as_deref(), Some("1.abc@example.cn"));
        let folded = b"From: a@b.cn\r\nMessage-ID:\r\n <7.x@b.cn>\r\n\r\nbody";
        assert_eq!(message_id(folded).as_deref(), Some("7.x@b.cn"));
        for bad in [
            &b"Message-ID: <a'; rm -rf /@b.cn>\r\n\r\n"[..],
            b"Message-ID: no-brackets@b.cn\r\n\r\n",
            b"Message-ID: <\xe6\x97@b.cn>\r\n\r\n",
            b"Subject: x\r\n\r\n",
            b"",
        ] {
            assert_eq!(message_id(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    /// Headers as a queue file may hold them after a disk fault or an
    /// editor: broken UTF-8 at every position of the first bytes, lone
    /// continuation bytes, no blank line, NULs.
    fn corrupt_headers() -> Vec<Vec<u8>> {
        let good = sample("调度通报", "张三", "表.xlsx");
        let mut out = Vec::new();
        for cut in 0..12 {
            for junk in [
                &[0xe6u8][..],
                &[0xe6, 0x97],
                &[0x80, 0x80, 0x80],
                &[0xff],
                &[0],
            ] {
                let mut v = good[..cut].to_vec();
                v.extend_from_slice(junk);
                v.extend_from_slice(&good[cut..]);
                out.push(v);
                let mut line = junk.to_vec();
                line.extend_from_slice(b"rom: x\r\n\r\nbody");
                out.push(line);
            }
        }
        out.push(b"Fr\xe6\x97\xa5m: x\r\n\r\n".to_vec());
        out.push(b"\xe6\x97\xa5\xe6\x97\xa5\r\n\r\n".to_vec());
        out.push(b"Message-ID: <\xe6\x97\r\n\r\n".to_vec());
        out.push(vec![0xe6; 300]);
        out
    }

    #[test]
    fn corrupt_headers_in_a_queued_file_never_panic() {
        let from = mbox("新发件人", "new@example.cn");
        for raw in corrupt_headers() {
            let new = replace_from(&raw, &from);
            // The body is never touched, whatever the header held.
            if let Some(end) = find(&raw, b"\r\n\r\n") {
                assert!(new.ends_with(&raw[end + 2..]));
            }
            let _ = message_id(&raw);
        }
    }

    #[test]
    fn attachment_names_lose_paths_and_length() {
        assert_eq!(attachment_name("../../etc/passwd"), "passwd");
        assert_eq!(attachment_name("a\r\nb.xlsx"), "a b.xlsx");
        let long = format!("{}.xlsx", "长".repeat(200));
        let n = attachment_name(&long);
        assert_eq!(n.chars().count(), 80);
        assert!(n.ends_with(".xlsx"));
        assert_eq!(rfc2231("县 a.xlsx"), "UTF-8''%E5%8E%BF%20a.xlsx");
    }
}
