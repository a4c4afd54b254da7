//! Files no clerk means to send: lying headers, crashes of the reader,
//! links and pipes, resent rejects, clashing names — each answered, none
//! stopping the files behind it. The hostile files are made here, from the
//! real fixtures, not committed as blobs.

use crate::daemon::{
    count, count_files, drop_in, log, returns, start_with, stop, wait_for, workspace,
};
use crate::util::{Run, Ws, receipt_verdict, repo};
use serde_json::Value;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

fn ingest_with(ws: &Ws, files: &[&Path], env: &[(&str, &str)]) -> Run {
    let mut cmd = ws.cmd(&["ingest", "--json"]);
    cmd.args(files);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("binary runs");
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
    .no_panic()
}

fn ingest(ws: &Ws, files: &[&Path]) -> Run {
    ingest_with(ws, files, &[])
}

fn results(run: &Run) -> Vec<Value> {
    run.json()["results"].as_array().unwrap().clone()
}

fn codes(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn staging(ws: &Ws, name: &str, bytes: &[u8]) -> PathBuf {
    let dir = ws.dir.path().join("hostile");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A workspace whose config adds `extra` (limits, say) to the test defaults.
fn ws_with(extra: &str) -> Ws {
    let ws = workspace(0.2, extra);
    ws.run(&["forms", "--period", "2024-03"]).ok();
    ws
}

fn receipts(ws: &Ws, folder: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(ws.path(&format!("outbox/receipts/{folder}")))
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".txt"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

// ------------------------------------------------------------------ xls ---

/// The LibreOffice `.xls` fixture with every DIMENSIONS record of its
/// sheets claiming `rows` × `cols` (BIFF8: 32-bit rows, 16-bit columns).
fn xls_claiming(rows: u32, cols: u16) -> Vec<u8> {
    let bytes = std::fs::read(repo("tests/fixtures/2024-03-县民政局.xls")).unwrap();
    let mut comp = cfb::CompoundFile::open(Cursor::new(bytes)).unwrap();
    let mut stream = Vec::new();
    comp.open_stream("/Workbook")
        .unwrap()
        .read_to_end(&mut stream)
        .unwrap();
    let mut pos = 0;
    let mut patched = 0;
    while pos + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[pos], stream[pos + 1]]);
        let len = u16::from_le_bytes([stream[pos + 2], stream[pos + 3]]) as usize;
        if kind == 0x0200 && len == 14 {
            let d = pos + 4;
            stream[d..d + 4].copy_from_slice(&0u32.to_le_bytes());
            stream[d + 4..d + 8].copy_from_slice(&rows.to_le_bytes());
            stream[d + 8..d + 10].copy_from_slice(&0u16.to_le_bytes());
            stream[d + 10..d + 12].copy_from_slice(&cols.to_le_bytes());
            patched += 1;
        }
        pos += 4 + len;
    }
    assert!(patched > 0, "the fixture has DIMENSIONS records");
    comp.open_stream("/Workbook")
        .unwrap()
        .write_all(&stream)
        .unwrap();
    comp.flush().unwrap();
    comp.into_inner().into_inner()
}

#[test]
fn an_xls_that_declares_a_huge_sheet_is_too_large_and_the_next_file_is_read() {
    let ws = ws_with("");
    let good = returns(&ws, 1).pop().unwrap();
    // The issue's file and others of the class: a lie in rows, in columns,
    // in both, and a product just over the limit.
    for (rows, cols) in [
        (65_536, 16_384),
        (1_000_000, 200),
        (2_000, 16_384),
        (20_001, 10),
    ] {
        let lie = staging(
            &ws,
            &format!("dims-{rows}x{cols}.xls"),
            &xls_claiming(rows, cols),
        );
        let run = ingest(&ws, &[&lie, &good]).code(1);
        let r = results(&run);
        assert_eq!(r[0]["verdict"], "rejected", "{rows}x{cols}: {}", run.stdout);
        assert_eq!(codes(&r[0]), ["too_large"], "{rows}x{cols}");
        let msg = r[0]["findings"][0]["message"].as_str().unwrap();
        assert!(msg.contains("超过") && msg.contains("单元格"), "{msg}");
        assert!(
            r[1]["verdict"] == "accepted" || r[1]["verdict"] == "duplicate",
            "the file behind it is read: {}",
            run.stdout
        );
    }
    // A declared sheet within the limit is read as the form it is.
    let honest = staging(&ws, "2024-03-县民政局.xls", &xls_claiming(30, 11));
    let r = results(&ingest(&ws, &[&honest]));
    assert_ne!(codes(&r[0]).first().map(String::as_str), Some("too_large"));
    assert!(codes(&r[0]).iter().all(|c| c != "unreadable"), "{r:?}");
}

#[test]
fn a_file_that_needs_more_memory_than_the_reader_may_use_is_too_large() {
    // The guard is opened wide, so only the reader's address-space limit
    // stands between calamine and a 4-million-cell reservation (~160 MB).
    let ws = ws_with("[limits]\nmax_cells = 100000000\nmax_reader_mb = 128\n");
    let hog = staging(&ws, "hog.xls", &xls_claiming(20_000, 200));
    let good = returns(&ws, 1).pop().unwrap();
    let run = ingest(&ws, &[&hog, &good]).code(1);
    let r = results(&run);
    assert_eq!(r[0]["verdict"], "rejected");
    assert_eq!(codes(&r[0]), ["too_large"], "{}", run.stdout);
    let msg = r[0]["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("内存") && msg.contains("128 MB"), "{msg}");
    assert_eq!(r[1]["verdict"], "accepted", "{}", run.stdout);
    assert!(!run.stderr.contains("memory allocation"), "{}", run.stderr);
    // Archived and answered like any other file.
    assert_eq!(
        count_files(&ws.path("var/archive/_unidentified"), "hog.xls"),
        1
    );
    assert_eq!(receipts(&ws, "_unidentified").len(), 1);
}

// ------------------------------------------------------------------ xlsb ---

/// A BIFF12 record: type in one or two bytes, size in up to four.
fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if typ < 0x80 {
        out.push(typ as u8);
    } else {
        out.push((typ & 0x7F) as u8 | 0x80);
        out.push((typ >> 7) as u8);
    }
    let mut len = data.len();
    loop {
        let b = (len & 0x7F) as u8;
        len >>= 7;
        if len == 0 {
            out.push(b);
            break;
        }
        out.push(b | 0x80);
    }
    out.extend_from_slice(data);
    out
}

fn wide(s: &str) -> Vec<u8> {
    let units: Vec<u16> = s.encode_utf16().collect();
    let mut out = (units.len() as u32).to_le_bytes().to_vec();
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

enum X<'a> {
    S(&'a str),
    N(f64),
}

/// An `.xlsb` with one sheet holding `cells` (row, col, value) and declaring
/// the dimension `dim` (first row, last row, first col, last col).
fn xlsb(cells: &[(u32, u32, X)], dim: (u32, u32, u32, u32)) -> Vec<u8> {
    let mut book = rec(0x0083, &[]);
    let mut sh = Vec::new();
    sh.extend(0u32.to_le_bytes());
    sh.extend(1u32.to_le_bytes());
    sh.extend(wide("rId1"));
    sh.extend(wide("填报表"));
    book.extend(rec(0x009C, &sh));
    book.extend(rec(0x0090, &[]));
    book.extend(rec(0x009D, &[0; 8]));
    let mut sheet = rec(0x0081, &[]);
    let mut d = Vec::new();
    for v in [dim.0, dim.1, dim.2, dim.3] {
        d.extend(v.to_le_bytes());
    }
    sheet.extend(rec(0x0094, &d));
    sheet.extend(rec(0x0091, &[]));
    let mut row = u32::MAX;
    for (r, c, v) in cells {
        if *r != row {
            row = *r;
            let mut h = r.to_le_bytes().to_vec();
            h.extend([0u8; 13]);
            sheet.extend(rec(0x0000, &h));
        }
        let mut data = c.to_le_bytes().to_vec();
        data.extend([0u8; 4]);
        match v {
            X::S(s) => {
                data.extend(wide(s));
                sheet.extend(rec(0x0006, &data));
            }
            X::N(n) => {
                data.extend(n.to_le_bytes());
                sheet.extend(rec(0x0005, &data));
            }
        }
    }
    sheet.extend(rec(0x0092, &[]));
    sheet.extend(rec(0x0082, &[]));
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    let parts: [(&str, &[u8]); 5] = [
        ("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>"#),
        ("_rels/.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#),
        ("xl/_rels/workbook.bin.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/></Relationships>"#),
        ("xl/workbook.bin", &book),
        ("xl/worksheets/sheet1.bin", &sheet),
    ];
    for (name, data) in parts {
        z.start_file(name, o).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// 县民政局's indicators: code, unit, and the target (`None` for a milestone).
fn indicators_of(ws: &Ws, dept: &str) -> Vec<(String, String, Option<f64>)> {
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let mut out = Vec::new();
    for t in doc["tasks"].as_array().unwrap() {
        for i in t["indicators"].as_array().unwrap() {
            if i["department"] == dept {
                out.push((
                    i["code"].as_str().unwrap().to_string(),
                    i["unit"].as_str().unwrap().to_string(),
                    i["target"].as_f64(),
                ));
            }
        }
    }
    out
}

#[test]
fn an_xlsb_return_is_read_and_lying_or_sprawling_ones_are_too_large() {
    let ws = ws_with("");
    let headers = minsheng::form::HEADERS;
    // 县民政局's March return as Excel saves a copy in binary: every
    // indicator at its target, the footer filled, no `_meta`.
    let inds = indicators_of(&ws, "县民政局");
    let mut cells: Vec<(u32, u32, X)> = vec![
        (0, 0, X::S("调度表")),
        (1, 0, X::S("填报单位")),
        (1, 1, X::S("县民政局")),
        (1, 2, X::S("报送期次")),
        (1, 3, X::S("2024-03")),
    ];
    for (c, h) in headers.iter().enumerate() {
        cells.push((2, c as u32, X::S(h)));
    }
    for (i, (code, unit, target)) in inds.iter().enumerate() {
        let r = 3 + i as u32;
        cells.push((r, 1, X::S(code)));
        cells.push((r, 4, X::S(unit)));
        match target {
            Some(t) => {
                cells.push((r, 5, X::N(*t)));
                cells.push((r, 6, X::N(*t)));
            }
            None => {
                cells.push((r, 5, X::S("完成")));
                cells.push((r, 6, X::S("完成")));
            }
        }
        cells.push((r, 8, X::S("按计划推进")));
    }
    let foot = 4 + inds.len() as u32;
    cells.extend([
        (foot, 0, X::S("填报人")),
        (foot, 1, X::S("张三")),
        (foot, 2, X::S("联系电话")),
        (foot, 3, X::S("0730-6221234")),
    ]);
    let last = foot;
    let good = staging(
        &ws,
        "2024-03-县民政局.xlsb",
        &xlsb(&cells, (0, last, 0, 10)),
    );
    let r = results(&ingest(&ws, &[&good]).ok());
    assert_eq!(r[0]["verdict"], "accepted", "{r:?}");
    assert_eq!(r[0]["department"], "县民政局");
    assert_eq!(codes(&r[0]), ["meta_missing"]);

    // A dimension record claiming a million rows × 16,384 columns.
    let lie = staging(&ws, "lie.xlsb", &xlsb(&cells, (0, 1_048_575, 0, 16_383)));
    let inverted = staging(&ws, "inverted.xlsb", &xlsb(&cells, (9, 3, 0, 10)));
    // Two real cells at opposite corners: calamine would allocate the grid between.
    let corner = staging(
        &ws,
        "corner.xlsb",
        &xlsb(
            &[(0, 0, X::S("a")), (1_000_000, 16_000, X::S("b"))],
            (0, 0, 0, 0),
        ),
    );
    let run = ingest(&ws, &[&lie, &inverted, &corner]).code(1);
    for r in results(&run) {
        assert_eq!(r["verdict"], "rejected", "{r}");
        assert_eq!(codes(&r), ["too_large"], "{r}");
    }
}

// ------------------------------------------------- reader crashes and hangs ---

#[test]
fn a_reader_that_aborts_panics_or_hangs_costs_one_file_only() {
    let ws = ws_with("[limits]\nmax_reader_secs = 2\n");
    let good = returns(&ws, 3);
    for (fault, word) in [("abort", "异常终止"), ("panic", "异常终止"), ("hang", "秒")] {
        let bad = staging(
            &ws,
            &format!("2024-03-县教育局-{fault}.xlsx"),
            &std::fs::read(&good[0]).unwrap(),
        );
        // Distinct bytes, so the first good file is never a duplicate.
        let mut other = std::fs::read(&good[1]).unwrap();
        other.extend(fault.as_bytes());
        let after = staging(&ws, &format!("after_{fault}.xlsx"), &other);
        let spec = format!("{fault}:-{fault}");
        let run = ingest_with(
            &ws,
            &[&bad, &good[2], &after],
            &[("MINSHENG_READER_FAULT", &spec)],
        )
        .code(1);
        let r = results(&run);
        assert_eq!(r[0]["verdict"], "rejected", "{fault}: {}", run.stdout);
        assert_eq!(codes(&r[0]), ["unreadable"], "{fault}");
        let msg = r[0]["findings"][0]["message"].as_str().unwrap();
        assert!(
            msg.contains(word) && msg.contains(".xlsx"),
            "{fault}: {msg}"
        );
        assert!(
            r[1]["verdict"] == "accepted" || r[1]["verdict"] == "duplicate",
            "{fault}: the files behind it are read: {}",
            run.stdout
        );
        assert_ne!(r[2]["verdict"], "rejected", "{fault}: {}", run.stdout);
        assert!(!run.stderr.contains("panicked at"), "{}", run.stderr);
    }
    // Each bad file was archived and answered once.
    assert_eq!(
        count(
            &ws,
            "SELECT COUNT(*) FROM files WHERE name LIKE '%-abort.xlsx' OR name LIKE '%-panic.xlsx' OR name LIKE '%-hang.xlsx'"
        ),
        3
    );
}

#[test]
fn the_daemon_takes_a_poison_file_and_every_good_one_behind_it() {
    let ws = workspace(0.2, "[limits]\nmax_reader_secs = 3\n");
    let good = returns(&ws, 6);
    let poison = ws.dir.path().join("staging/0000-poison.xlsx");
    std::fs::copy(&good[0], &poison).unwrap();
    std::fs::write(
        &poison,
        [std::fs::read(&poison).unwrap(), b"poison".to_vec()].concat(),
    )
    .unwrap();
    let mut files = vec![poison];
    files.extend(good.iter().cloned());
    drop_in(&ws, &files);
    let daemon = start_with(&ws, &[("MINSHENG_READER_FAULT", "abort:poison")]);
    wait_for(&ws, 60, "seven receipts", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 7
    });
    // Still alive: a file dropped now is taken too.
    let late = returns(&ws, 7).pop().unwrap();
    drop_in(&ws, std::slice::from_ref(&late));
    wait_for(&ws, 30, "the file dropped afterwards", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 8
    });
    assert!(stop(daemon).success(), "{}", log(&ws));
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files WHERE verdict = 'accepted'"),
        7
    );
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files WHERE name LIKE '%poison%'"),
        1
    );
    assert_eq!(
        count(
            &ws,
            "SELECT COUNT(*) FROM findings WHERE code = 'unreadable'"
        ),
        1
    );
}

fn in_processing(ws: &Ws) -> usize {
    fn walk(p: &Path) -> usize {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&ws.path("var/processing"))
}

#[test]
fn killed_with_a_poison_file_in_hand_the_daemon_does_not_die_again() {
    for kills in [1, 2] {
        let ws = workspace(0.2, "[limits]\nmax_reader_secs = 60\n");
        let good = returns(&ws, 3);
        let poison = ws.dir.path().join("staging/0000-poison.xlsx");
        std::fs::write(
            &poison,
            [std::fs::read(&good[0]).unwrap(), b"poison".to_vec()].concat(),
        )
        .unwrap();
        drop_in(&ws, std::slice::from_ref(&poison));
        for _ in 0..kills {
            // The reader hangs on the file; the daemon dies with it in hand.
            let mut d = start_with(&ws, &[("MINSHENG_READER_FAULT", "hang:poison")]);
            wait_for(&ws, 30, "the poison file in hand", || {
                in_processing(&ws) == 1
            });
            std::thread::sleep(std::time::Duration::from_millis(300));
            d.kill().unwrap();
            d.wait().unwrap();
        }
        // Restarted with a reader that would hang for good: it must not be
        // tried a third time, and a second try must end within the limit.
        ws.write(
            "minsheng.toml",
            &ws.read("minsheng.toml")
                .replace("max_reader_secs = 60", "max_reader_secs = 3"),
        );
        drop_in(&ws, &good[1..]);
        let d = start_with(&ws, &[("MINSHENG_READER_FAULT", "hang:poison")]);
        wait_for(
            &ws,
            60,
            "the poison file answered and the good ones",
            || count_files(&ws.path("outbox/receipts"), ".txt") == 3,
        );
        assert!(stop(d).success(), "{}", log(&ws));
        assert_eq!(in_processing(&ws), 0, "{kills} kills");
        assert_eq!(
            count(
                &ws,
                "SELECT COUNT(*) FROM files WHERE name LIKE '%poison%' AND verdict = 'rejected'"
            ),
            1,
            "{kills} kills: rejected once"
        );
        assert_eq!(
            count(&ws, "SELECT COUNT(*) FROM files WHERE verdict = 'accepted'"),
            2
        );
        assert_eq!(count_files(&ws.path("var/archive"), "poison.xlsx"), 1);
    }
}

// --------------------------------------------------------- resent rejects ---

#[test]
fn a_rejected_file_sent_again_byte_for_byte_is_rejected_again() {
    let ws = ws_with("");
    let mut good = std::fs::read(&returns(&ws, 1)[0]).unwrap();
    // A form cut short in transfer.
    good.truncate(good.len() - 10);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated.xlsx", good),
        ("empty.xlsx", Vec::new()),
        ("notes.txt", "这不是表格".as_bytes().to_vec()),
        ("data.csv", b"a,b\n1,2\n".to_vec()),
    ];
    for (name, bytes) in cases {
        let first = staging(&ws, name, &bytes);
        let r1 = results(&ingest(&ws, &[&first]).code(1));
        let again = staging(&ws, &format!("again-{name}"), &bytes);
        let run = ingest(&ws, &[&again]).code(1);
        let r2 = results(&run);
        assert_eq!(r2[0]["verdict"], "rejected", "{name}: {}", run.stdout);
        assert_eq!(
            r2[0]["findings"], r1[0]["findings"],
            "{name}: same findings"
        );
    }
    let rx = receipts(&ws, "_unidentified");
    assert_eq!(rx.len(), 8, "a receipt for every file: {rx:?}");
    assert!(
        rx.iter().all(|n| receipt_verdict(n) == Some("rejected")),
        "{rx:?}"
    );
    for n in &rx {
        let text = ws.read(&format!("outbox/receipts/_unidentified/{n}"));
        assert!(!text.contains("无需其他操作"), "{n}: {text}");
    }
}

// ----------------------------------------------------------- receipt names ---

#[test]
fn receipt_names_keep_every_dot_and_never_collide() {
    let ws = ws_with("");
    let a = staging(&ws, "报表.v1.xlsx", b"not a workbook v1");
    let b = staging(&ws, "报表.v2.xlsx", b"not a workbook v2");
    // Two files of one name from two folders, taken in the same second.
    let other = ws.dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let c1 = staging(&ws, "同名.xlsx", b"first of two");
    let c2 = other.join("同名.xlsx");
    std::fs::write(&c2, b"second of two").unwrap();
    ingest(&ws, &[&a, &b, &c1, &c2]).code(1);
    let rx = receipts(&ws, "_unidentified");
    assert_eq!(rx.len(), 4, "{rx:?}");
    let starts = |p: &str| rx.iter().filter(|n| n.starts_with(p)).count();
    assert_eq!(starts("报表.v1-"), 1, "{rx:?}");
    assert_eq!(starts("报表.v2-"), 1, "{rx:?}");
    assert_eq!(starts("同名-"), 2, "{rx:?}");
    assert!(
        rx.iter().all(|n| receipt_verdict(n) == Some("rejected")),
        "time and verdict kept: {rx:?}"
    );
    let texts: Vec<String> = rx
        .iter()
        .map(|n| ws.read(&format!("outbox/receipts/_unidentified/{n}")))
        .collect();
    for name in ["报表.v1.xlsx", "报表.v2.xlsx"] {
        assert_eq!(
            texts.iter().filter(|t| t.contains(name)).count(),
            1,
            "{name}"
        );
    }
}

// ------------------------------------------------------ links and pipes ---

#[test]
fn a_link_or_a_pipe_in_the_inbox_is_set_aside_unread() {
    let ws = workspace(0.2, "");
    let secret = ws.dir.path().join("secret.txt");
    std::fs::write(&secret, "机密内容 secret-marker").unwrap();
    std::os::unix::fs::symlink(&secret, ws.path("inbox/x.xlsx")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", ws.path("inbox/dangling.xlsx")).unwrap();
    let fifo = ws.path("inbox/pipe.xlsx");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let good = returns(&ws, 1);
    drop_in(&ws, &good);
    // `ingest` of a link in the inbox: answered, not followed.
    let run = ingest(&ws, &[&ws.path("inbox/x.xlsx")]).code(1);
    let r = results(&run);
    assert_eq!(r[0]["verdict"], "rejected");
    let msg = r[0]["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("符号链接") && msg.contains("不是普通文件"),
        "{msg}"
    );
    // The daemon takes the rest, and does not block on the pipe.
    let d = start_with(&ws, &[]);
    wait_for(
        &ws,
        30,
        "the pipe, the dangling link and the good file",
        || count_files(&ws.path("outbox/receipts"), ".txt") == 4,
    );
    assert!(stop(d).success(), "{}", log(&ws));
    let inbox: Vec<_> = std::fs::read_dir(ws.path("inbox")).unwrap().collect();
    assert!(inbox.is_empty(), "the inbox is emptied");
    // Set aside as they are; the archive holds only received bytes.
    let aside: Vec<PathBuf> = std::fs::read_dir(ws.path("var/aside"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(aside.len(), 3, "{aside:?}");
    let links = aside
        .iter()
        .filter(|p| {
            std::fs::symlink_metadata(p)
                .unwrap()
                .file_type()
                .is_symlink()
        })
        .count();
    assert_eq!(links, 2);
    let mut archived = Vec::new();
    let mut dirs = vec![ws.path("var/archive")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let t = std::fs::symlink_metadata(e.path()).unwrap().file_type();
            if t.is_dir() {
                dirs.push(e.path());
            } else {
                assert!(t.is_file(), "{:?} in the archive is no file", e.path());
                archived.push(std::fs::read(e.path()).unwrap());
            }
        }
    }
    assert_eq!(archived.len(), 1);
    assert!(
        !archived
            .iter()
            .any(|b| String::from_utf8_lossy(b).contains("secret-marker"))
    );
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files WHERE verdict = 'rejected'"),
        3
    );
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files WHERE verdict = 'accepted'"),
        1
    );
}

#[test]
fn ingest_of_a_link_from_elsewhere_says_so_and_reads_nothing() {
    let ws = ws_with("");
    let secret = ws.dir.path().join("secret.xlsx");
    std::fs::copy(&returns(&ws, 1)[0], &secret).unwrap();
    let link = ws.dir.path().join("link.xlsx");
    std::os::unix::fs::symlink(&secret, &link).unwrap();
    let run = ingest(&ws, &[&link]).code(1);
    let r = results(&run);
    assert_eq!(r[0]["verdict"], "rejected");
    assert!(
        r[0]["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("符号链接")
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files"),
        0,
        "nothing received"
    );
}

// -------------------------------------------------- valid oddities, named ---

/// A form as the product issues it, then re-packed by `f`: (name, bytes) of
/// each part in, parts out.
fn repacked(form: &Path, f: impl Fn(Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let bytes = std::fs::read(form).unwrap();
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut parts = Vec::new();
    for i in 0..zip.len() {
        let mut e = zip.by_index(i).unwrap();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        parts.push((e.name().unwrap().to_string(), data));
    }
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in f(parts) {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn text_of(parts: &mut [(String, Vec<u8>)], name: &str, edit: impl Fn(String) -> String) {
    let p = parts
        .iter_mut()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no part {name}"));
    p.1 = edit(String::from_utf8(p.1.clone()).unwrap()).into_bytes();
}

#[test]
fn packages_with_other_part_names_and_sheet_kinds_are_read_as_forms() {
    let ws = ws_with("");
    let form = returns(&ws, 1).pop().unwrap();
    // The workbook and its sheets under other names, as some writers do.
    let moved = repacked(&form, |mut parts| {
        for (name, _) in parts.iter_mut() {
            *name = name
                .replace("xl/workbook.xml", "xl/book.xml")
                .replace("xl/_rels/workbook.xml.rels", "xl/_rels/book.xml.rels")
                .replace("xl/worksheets/", "xl/tables/");
        }
        text_of(&mut parts, "_rels/.rels", |s| {
            s.replace("xl/workbook.xml", "xl/book.xml")
        });
        text_of(&mut parts, "xl/_rels/book.xml.rels", |s| {
            s.replace("worksheets/", "tables/")
        });
        text_of(&mut parts, "[Content_Types].xml", |s| {
            s.replace("/xl/workbook.xml", "/xl/book.xml")
                .replace("/xl/worksheets/", "/xl/tables/")
        });
        parts
    });
    // An .xlsm with a chart sheet, a dialog sheet and a macro sheet beside the form.
    let xlsm = repacked(&form, |mut parts| {
        text_of(&mut parts, "xl/workbook.xml", |s| {
            s.replace(
                "</sheets>",
                r#"<sheet name="图表1" sheetId="91" r:id="rIdC"/><sheet name="对话框1" sheetId="92" r:id="rIdD"/><sheet name="宏1" sheetId="93" r:id="rIdM"/></sheets>"#,
            )
        });
        text_of(&mut parts, "xl/_rels/workbook.xml.rels", |s| {
            s.replace("</Relationships>", r#"<Relationship Id="rIdC" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/sheet1.xml"/><Relationship Id="rIdD" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/dialogsheet" Target="dialogsheets/sheet1.xml"/><Relationship Id="rIdM" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>"#)
        });
        parts.push(("xl/chartsheets/sheet1.xml".into(), br#"<?xml version="1.0"?><chartsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>"#.to_vec()));
        parts.push(("xl/dialogsheets/sheet1.xml".into(), br#"<?xml version="1.0"?><dialogsheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"/></sheetViews></dialogsheet>"#.to_vec()));
        parts.push(("xl/macrosheets/sheet1.xml".into(), br#"<?xml version="1.0"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>=HALT()</t></is></c></row></sheetData></xm:macrosheet>"#.to_vec()));
        parts
    });
    let a = staging(&ws, "moved.xlsx", &moved);
    let b = staging(&ws, "macro.xlsm", &xlsm);
    let run = ingest(&ws, &[&a]).ok();
    assert_eq!(results(&run)[0]["verdict"], "accepted", "{}", run.stdout);
    let run = ingest(&ws, &[&b]).ok();
    let r = results(&run);
    assert_ne!(r[0]["verdict"], "rejected", "{}", run.stdout);
    assert!(
        !run.stderr.contains("not a valid worksheet") && !run.stderr.contains("WARN"),
        "library warnings stay in the log: {}",
        run.stderr
    );
}

#[test]
fn other_office_files_and_encrypted_ods_get_their_own_words() {
    let ws = ws_with("");
    // A presentation is an Office package, not a zip of unknown things.
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    z.start_file("[Content_Types].xml", o).unwrap();
    z.write_all(br#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>"#)
        .unwrap();
    z.start_file("_rels/.rels", o).unwrap();
    z.write_all(br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/></Relationships>"#).unwrap();
    z.start_file("ppt/presentation.xml", o).unwrap();
    z.write_all(b"<p:presentation/>").unwrap();
    let pptx = staging(&ws, "slides.xlsx", &z.finish().unwrap().into_inner());
    // An encrypted ODS keeps mimetype and manifest readable, content scrambled.
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("META-INF/manifest.xml", o).unwrap();
    z.write_all(br#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="3000"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="y"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>"#).unwrap();
    z.start_file("content.xml", stored).unwrap();
    z.write_all(
        &(0..3000u32)
            .map(|i| (i * 131 % 251) as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let ods = staging(
        &ws,
        "2024-03-县民政局.ods",
        &z.finish().unwrap().into_inner(),
    );
    let run = ingest(&ws, &[&pptx, &ods]).code(1);
    let r = results(&run);
    assert_eq!(codes(&r[0]), ["unsupported_format"]);
    let msg = r[0]["findings"][0]["message"].as_str().unwrap();
    assert!(
        !msg.contains("压缩包") && msg.contains("PowerPoint"),
        "{msg}"
    );
    assert_eq!(codes(&r[1]), ["encrypted"], "{}", run.stdout);
}
