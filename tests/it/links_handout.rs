//! The links handed to people when `[web] public_url` is set: each
//! department's on its form's guide sheet (text and a QR code a phone reads)
//! and in its reminder, the leaders' board link in the bulletin mail; none
//! of them when it is not set.

use crate::util::Ws;
use calamine::{Data, Reader};
use mail_parser::{Message, MessageParser};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

const P: &str = "2024-03";
const PUBLIC: &str = "http://192.0.2.10:8080";
const DEPT: &str = "县教育局";
const OTHER: &str = "县民政局";

fn with_public_url(ws: &Ws) {
    let config = ws.read("minsheng.toml");
    let line = "# public_url = \"http://192.0.2.10:8080\"";
    assert!(config.contains(line), "the shipped configuration changed");
    ws.write(
        "minsheng.toml",
        &config.replace(line, &format!("public_url = \"{PUBLIC}\"")),
    );
}

/// A leader and two departments with addresses; no SMTP, so mail stays in
/// the queue as `.eml` files.
fn with_addresses(ws: &Ws) {
    let config = ws.read("minsheng.toml");
    ws.write(
        "minsheng.toml",
        &format!(
            "{config}\n[[leaders]]\nname = \"张三\"\nemail = \"zhangsan@example.cn\"\n\n\
             [departments.\"{DEPT}\"]\nemail = \"jyj@example.cn\"\n\n\
             [departments.\"{OTHER}\"]\nemail = \"mzj@example.cn\"\n"
        ),
    );
}

/// `links --json`: each department's url, and the board's.
fn links(ws: &Ws) -> (HashMap<String, String>, String) {
    let doc = ws.run(&["links", "--json"]).ok().json();
    let departments = doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["department"].as_str().unwrap().to_string(),
                l["url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (departments, doc["board"].as_str().unwrap().to_string())
}

fn form(ws: &Ws, dept: &str) -> PathBuf {
    ws.path(&format!("outbox/forms/{P}/{P}-{dept}.xlsx"))
}

/// Every text cell of the guide sheet.
fn guide_texts(xlsx: &[u8]) -> Vec<String> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(xlsx)).unwrap();
    let range = book.worksheet_range("填报说明").unwrap();
    range
        .used_cells()
        .filter_map(|(_, _, v)| match v {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// What a phone reads from each picture in the workbook.
fn qr_codes(xlsx: &[u8]) -> Vec<String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .filter(|n| n.starts_with("xl/media/"))
        .collect();
    names
        .iter()
        .map(|n| {
            assert!(n.ends_with(".png"), "{n}");
            let mut bytes = Vec::new();
            zip.by_name(n).unwrap().read_to_end(&mut bytes).unwrap();
            let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
                .read_info()
                .unwrap();
            let mut buf = vec![0; reader.output_buffer_size().unwrap()];
            let info = reader.next_frame(&mut buf).unwrap();
            assert_eq!(info.color_type, png::ColorType::Grayscale, "{n}");
            let (w, h) = (info.width as usize, info.height as usize);
            let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
            let grids = img.detect_grids();
            assert_eq!(grids.len(), 1, "{n}: one code");
            grids[0].decode().unwrap().1
        })
        .collect()
}

/// The queued messages, parsed.
fn queued(ws: &Ws) -> Vec<Vec<u8>> {
    let dir = ws.path("outbox/mail/queue");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "eml") {
            out.push(std::fs::read(e.path()).unwrap());
        }
    }
    out
}

fn parse(raw: &[u8]) -> Message<'_> {
    MessageParser::default().parse(raw).unwrap()
}

fn to_of(m: &Message) -> String {
    m.to()
        .unwrap()
        .first()
        .unwrap()
        .address()
        .unwrap()
        .to_string()
}

/// The reminder queued to `address`: its text and its attached form.
fn reminder_to(ws: &Ws, address: &str) -> (String, Vec<u8>) {
    let all = queued(ws);
    let found: Vec<_> = all
        .iter()
        .map(|raw| parse(raw))
        .filter(|m| m.subject().is_some_and(|s| s.contains("催报")) && to_of(m) == address)
        .map(|m| {
            let form = m.attachments().next().unwrap().contents().to_vec();
            // Mail lines end in CRLF on the wire.
            let text = m.body_text(0).unwrap().replace("\r\n", "\n");
            (text, form)
        })
        .collect();
    assert_eq!(found.len(), 1, "one reminder to {address}");
    found.into_iter().next().unwrap()
}

/// The bulletin queued to the leaders: its text and HTML bodies.
fn bulletin(ws: &Ws) -> (String, String) {
    let all = queued(ws);
    let found: Vec<_> = all
        .iter()
        .map(|raw| parse(raw))
        .filter(|m| m.subject().is_some_and(|s| s.contains("调度通报")))
        .map(|m| {
            (
                m.body_text(0).unwrap().into_owned(),
                m.body_html(0).unwrap().into_owned(),
            )
        })
        .collect();
    assert_eq!(found.len(), 1, "one bulletin");
    found.into_iter().next().unwrap()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn with_public_url_each_guide_sheet_shows_its_own_link_and_a_qr_code_of_it() {
    let ws = Ws::new();
    with_public_url(&ws);
    ws.run(&["forms", "--period", P]).ok();
    let (urls, board) = links(&ws);
    assert!(urls[DEPT].starts_with(&format!("{PUBLIC}/d/")), "{urls:?}");
    for dept in [DEPT, OTHER] {
        let bytes = read(&form(&ws, dept));
        let texts = guide_texts(&bytes);
        assert!(
            texts.iter().any(|t| *t == urls[dept]),
            "{dept}: the link on the guide sheet: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains("上传填好的表格")),
            "{dept}: what the page is for"
        );
        let others: Vec<_> = urls
            .iter()
            .filter(|(d, _)| d.as_str() != dept)
            .map(|(_, u)| u.as_str())
            .chain([board.as_str()])
            .collect();
        assert!(
            !texts.iter().any(|t| others.iter().any(|o| t.contains(o))),
            "{dept}: no other link on its form"
        );
        assert_eq!(qr_codes(&bytes), [urls[dept].clone()], "{dept}");
    }
    crate::forms::check_form(&ws, &[form(&ws, DEPT), form(&ws, OTHER)]);
}

#[test]
fn without_public_url_a_form_has_no_link_and_no_picture() {
    let ws = Ws::new();
    ws.run(&["forms", "--period", P]).ok();
    let (urls, _) = links(&ws);
    let bytes = read(&form(&ws, DEPT));
    let texts = guide_texts(&bytes);
    assert!(
        !texts
            .iter()
            .any(|t| t.contains(&urls[DEPT]) || t.contains("/d/") || t.contains("专属页面")),
        "{texts:?}"
    );
    assert!(qr_codes(&bytes).is_empty(), "no QR code");
    crate::forms::check_form(&ws, &[form(&ws, DEPT)]);
}

#[test]
fn the_reminder_carries_the_departments_own_link_only_with_public_url() {
    let ws = Ws::new();
    with_addresses(&ws);
    // No SMTP: the reminders stay queued and `remind` says delivery failed.
    ws.run(&["remind", "--period", P]);
    let (text, attached) = reminder_to(&ws, "jyj@example.cn");
    assert!(
        !text.contains("/d/") && !text.contains("专属页面"),
        "{text}"
    );
    assert!(qr_codes(&attached).is_empty());

    let ws = Ws::new();
    with_addresses(&ws);
    with_public_url(&ws);
    ws.run(&["remind", "--period", P]);
    let (urls, _) = links(&ws);
    for (dept, address) in [(DEPT, "jyj@example.cn"), (OTHER, "mzj@example.cn")] {
        let (text, attached) = reminder_to(&ws, address);
        assert!(text.contains(&urls[dept]), "{dept}: {text}");
        assert!(text.contains("专属页面"), "{text}");
        let other = if dept == DEPT { OTHER } else { DEPT };
        assert!(!text.contains(&urls[other]), "{dept}: {text}");
        // The form issued for the reminder carries the link too.
        assert_eq!(qr_codes(&attached), [urls[dept].clone()]);
    }
}

#[test]
fn a_reminder_template_from_before_the_links_still_hands_the_link_out() {
    let ws = Ws::new();
    with_addresses(&ws);
    with_public_url(&ws);
    ws.write(
        "templates/reminder.txt",
        "{{ department }}：\n\n请于{{ deadline }}前报送{{ plan }}{{ period }}进展情况。\n\n{{ issuer }}\n{{ today }}\n",
    );
    ws.run(&["remind", "--period", P]);
    let (urls, _) = links(&ws);
    let (text, _) = reminder_to(&ws, "jyj@example.cn");
    assert!(
        text.starts_with("县教育局：\n\n请于2024年4月5日前报送"),
        "{text}"
    );
    assert_eq!(text.matches(&urls[DEPT]).count(), 1, "{text}");
    assert!(text.trim_end().ends_with(&urls[DEPT]), "{text}");
}

#[test]
fn the_bulletin_mail_carries_the_board_link_only_with_public_url() {
    let ws = Ws::new();
    with_addresses(&ws);
    ws.run(&["report", "--period", P, "--send"]);
    let (text, html) = bulletin(&ws);
    assert!(
        !text.contains("/b/") && !text.contains("调度看板"),
        "{text}"
    );
    assert!(!html.contains("/b/") && !html.contains("调度看板"));

    let ws = Ws::new();
    with_addresses(&ws);
    with_public_url(&ws);
    ws.run(&["report", "--period", P, "--send"]);
    let (_, board) = links(&ws);
    assert!(board.starts_with(&format!("{PUBLIC}/b/")), "{board}");
    let (text, html) = bulletin(&ws);
    assert!(
        text.contains(&format!("在线查看调度看板（只读）：{board}")),
        "{text}"
    );
    assert!(html.contains(&format!("href=\"{board}\"")), "{html}");
    // The bulletin's own files, the Word one that gets passed on above all,
    // do not carry the leaders' link.
    let reports = ws.path(&format!("outbox/reports/{P}"));
    for e in std::fs::read_dir(&reports).unwrap().flatten() {
        let bytes = read(&e.path());
        let found = bytes.windows(board.len()).any(|w| w == board.as_bytes());
        assert!(!found, "{}", e.path().display());
    }
}

#[test]
fn a_form_issued_after_a_renewal_carries_the_new_link() {
    let ws = Ws::new();
    with_public_url(&ws);
    ws.run(&["forms", "--period", P, "--department", DEPT]).ok();
    let (before, _) = links(&ws);
    assert_eq!(qr_codes(&read(&form(&ws, DEPT))), [before[DEPT].clone()]);

    ws.run(&["links", "--renew", DEPT]).ok();
    let (after, _) = links(&ws);
    assert_ne!(before[DEPT], after[DEPT]);
    ws.run(&["forms", "--period", P, "--department", DEPT]).ok();
    let bytes = read(&form(&ws, DEPT));
    let texts = guide_texts(&bytes);
    assert!(texts.iter().any(|t| *t == after[DEPT]), "{texts:?}");
    assert!(!texts.iter().any(|t| t.contains(&before[DEPT])));
    assert_eq!(qr_codes(&bytes), [after[DEPT].clone()]);
}
