//! The departments' links and the leaders' board against a real
//! `minsheng run`: links listed and renewed, a department's page, its
//! upload answered with the receipt, another department's form refused,
//! nothing of another department through a link, the read-only board, and
//! twenty departments uploading at once with the inbox busy.

use crate::daemon::{log, wait_for};
use crate::util::{Ws, fill_return};
use crate::web::{PERIOD, serve, workspace};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const PUBLIC: &str = "http://192.0.2.10:8080";

fn public_url() -> String {
    format!("public_url = \"{PUBLIC}\"")
}

/// `links --json`: each department's URL and the board's.
fn links(ws: &Ws) -> (BTreeMap<String, String>, String) {
    let doc = ws.run(&["links", "--json"]).ok().json();
    let links = doc["links"]
        .as_array()
        .expect("a links array")
        .iter()
        .map(|l| {
            (
                l["department"].as_str().unwrap().to_string(),
                l["url"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (
        links,
        doc["board"].as_str().expect("a board url").to_string(),
    )
}

/// The path of a link on the test's own address.
fn path_of(url: &str) -> String {
    url.strip_prefix(PUBLIC)
        .unwrap_or_else(|| panic!("{url} starts with public_url"))
        .to_string()
}

fn token_of(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

fn submitted(ws: &Ws) -> BTreeMap<String, bool> {
    let doc = ws
        .run(&["status", "--period", PERIOD, "--json"])
        .ok()
        .json();
    doc["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_string(),
                d["submitted"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// A return of `dept` with a word where a number belongs: rejected.
fn wrong_return(ws: &Ws, dept: &str) -> std::path::PathBuf {
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let code = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["indicators"].as_array().unwrap().clone())
        .find(|i| i["department"] == dept)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    fill_return(
        ws,
        dept,
        PERIOD,
        serde_json::json!({"values": {code: "很多"}}),
    )
}

/// The text of an HTML attribute as a browser reads it.
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn hrefs(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "action=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(unescape(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

#[test]
fn links_are_listed_renewed_and_a_replaced_or_unknown_token_answers_404() {
    let (ws, dept) = workspace();
    let page = serve(&ws, &public_url());
    let (first, board) = links(&ws);
    let catalog: BTreeSet<String> = ws.run(&["catalog", "--json"]).ok().json()["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["indicators"].as_array().unwrap().clone())
        .map(|i| i["department"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        first.keys().cloned().collect::<BTreeSet<_>>(),
        catalog,
        "one link per department"
    );
    let tokens: BTreeSet<String> = first.values().map(|u| token_of(u)).collect();
    assert_eq!(tokens.len(), first.len(), "every link its own token");
    for url in first.values().chain([&board]) {
        let token = token_of(url);
        assert!(token.len() >= 22, "at least 128 bits: {url}");
        let ledger = std::fs::read(ws.path("var/ledger.sqlite")).unwrap();
        assert!(
            !ledger.windows(token.len()).any(|w| w == token.as_bytes()),
            "only a hash of the token in the ledger"
        );
    }
    assert!(board.starts_with(&format!("{PUBLIC}/b/")), "{board}");
    assert_eq!(links(&ws).0, first, "listed again, the same links");

    let own = page.get(&path_of(&first[&dept]));
    assert_eq!(own.status, 200, "{}", own.body);
    assert!(own.body.contains(&dept), "the page names its department");

    let unknown = page.get("/d/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("找不到该页面"));
    assert_eq!(page.get("/d/short").status, 404);
    assert_eq!(page.get("/b/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").status, 404);

    // Renewed while the daemon runs: the old link is dead at once.
    let renewed = ws.run(&["links", "--renew", &dept, "--json"]).ok().json();
    let new_url = renewed["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["department"] == dept.as_str())
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_url, first[&dept]);
    assert_eq!(page.get(&path_of(&first[&dept])).status, 404);
    let fresh = page.get(&path_of(&new_url));
    assert_eq!(fresh.status, 200);
    assert_eq!(
        fresh.body,
        own.body
            .replace(&token_of(&first[&dept]), &token_of(&new_url)),
        "the same page under the new link"
    );
    let (after, board_after) = links(&ws);
    assert_eq!(board_after, board, "one renewal leaves the board link");
    for (d, url) in &first {
        if *d != dept {
            assert_eq!(after[d], *url, "{d}'s link unchanged");
        }
    }

    // All renewed: every old link, the board's too, answers 404.
    ws.run(&["links", "--renew-all"]).ok();
    let (all, board_all) = links(&ws);
    assert_ne!(board_all, board);
    assert_eq!(page.get(&path_of(&board)).status, 404);
    assert_eq!(page.get(&path_of(&board_all)).status, 200);
    for (d, url) in &after {
        assert_ne!(all[d], *url);
        assert_eq!(page.get(&path_of(url)).status, 404, "{d}'s old link");
    }
    let unknown_dept = ws.run(&["links", "--renew", "不存在的单位"]).code(2);
    assert!(
        unknown_dept.stderr.contains("不存在的单位"),
        "{}",
        unknown_dept.stderr
    );
    assert_eq!(links(&ws).0, all, "a refused renewal changes nothing");

    drop(page);
    let logged = log(&ws);
    for url in first.values().chain(after.values()).chain(all.values()) {
        assert!(
            !logged.contains(&token_of(url)),
            "a token reached the log:\n{logged}"
        );
    }
    assert!(logged.contains("/d/***"), "requests are logged, masked");
}

#[test]
fn an_upload_through_a_link_is_answered_with_its_receipt_and_counted() {
    let (ws, dept) = workspace();
    let page = serve(&ws, &public_url());
    let (links, _) = links(&ws);
    let base = path_of(&links[&dept]);

    // A wrong cell: rejected, told where and what, the marked copy offered.
    let wrong = wrong_return(&ws, &dept);
    let a = page.upload_to(&format!("{base}/returns"), &[&wrong], false, false);
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body.contains("退回"), "{}", a.body);
    assert!(
        a.body.contains("很多"),
        "the finding names what was typed: {}",
        a.body
    );
    assert!(a.body.contains("下一步"), "what to do next: {}", a.body);
    let marked = hrefs(&a.body)
        .into_iter()
        .find(|h| h.ends_with("/marked"))
        .expect("the marked copy offered");
    assert!(marked.starts_with(&format!("{base}/receipt/")), "{marked}");
    let copy = page.get(&marked);
    assert_eq!(copy.status, 200);
    assert!(!submitted(&ws)[&dept], "a rejected return counts nothing");

    let good = fill_return(&ws, &dept, PERIOD, serde_json::json!({}));
    let a = page.upload_to(&format!("{base}/returns"), &[&good], false, true);
    assert_eq!(a.status, 200, "{}", a.body);
    let doc: Value = serde_json::from_str(&a.body).expect("ingest --json's document");
    let r = &doc["results"][0];
    assert_eq!(r["verdict"], "accepted", "{doc}");
    assert_eq!(r["department"], dept.as_str());
    assert_eq!(r["period"], PERIOD);
    assert!(r["findings"].is_array());
    assert!(submitted(&ws)[&dept], "counted at once");

    // A file that is no spreadsheet at all: refused, and kept on the page too.
    let junk = ws.dir.path().join("拍照.xlsx");
    std::fs::write(&junk, b"\xff\xd8\xff\xe0 not a workbook").unwrap();
    let a = page.upload_to(&format!("{base}/returns"), &[&junk], false, true);
    let doc: Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(doc["results"][0]["verdict"], "rejected", "{doc}");

    // The page lists the three returns with their receipts.
    let own = page.get(&base);
    assert!(own.body.contains("已采用"), "{}", own.body);
    assert!(
        own.body.contains("拍照.xlsx"),
        "the refused file listed too"
    );
    let receipts: Vec<String> = hrefs(&own.body)
        .into_iter()
        .filter(|h| h.starts_with(&format!("{base}/receipt/")))
        .collect();
    assert!(receipts.len() >= 3, "{receipts:?}");
    for r in &receipts {
        assert_eq!(page.get(r).status, 200, "{r}");
    }
    let form = page.get(&format!("{base}/form/{PERIOD}"));
    assert_eq!(form.status, 200);
    assert!(
        form.header("content-disposition")
            .is_some_and(|d| d.contains(".xlsx")),
        "the form downloads"
    );
    // The same receipts reached the office's folder as from the inbox.
    let txts = std::fs::read_dir(ws.path(&format!("outbox/receipts/{PERIOD}")))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".txt")
        })
        .count();
    assert_eq!(txts, 2, "the two forms' receipts, by period");
    drop(page);
    assert!(!log(&ws).contains(&token_of(&links[&dept])));
}

#[test]
fn another_departments_form_through_a_link_is_wrong_department_and_nothing_is_counted() {
    let (ws, a) = workspace();
    let page = serve(&ws, &public_url());
    let (links, _) = links(&ws);
    let b = links.keys().find(|d| **d != a).unwrap().clone();
    let b_form = fill_return(&ws, &b, PERIOD, serde_json::json!({}));
    let answer = page.upload_to(
        &format!("{}/returns", path_of(&links[&a])),
        &[&b_form],
        false,
        true,
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    let doc: Value = serde_json::from_str(&answer.body).unwrap();
    let r = &doc["results"][0];
    assert_eq!(r["verdict"], "rejected");
    let codes: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"wrong_department"), "{codes:?}");
    let message = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "wrong_department")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains(&b), "names whose form it is: {message}");
    let s = submitted(&ws);
    assert!(!s[&a] && !s[&b], "counted for nobody: {s:?}");
}

#[test]
fn nothing_of_another_department_opens_through_a_link() {
    let (ws, a) = workspace();
    let page = serve(&ws, &public_url());
    let (links, _) = links(&ws);
    let b = links.keys().find(|d| **d != a).unwrap().clone();
    let (ta, tb) = (token_of(&links[&a]), token_of(&links[&b]));
    // B has a rejected and an accepted return, with a marked copy.
    let wrong = wrong_return(&ws, &b);
    let good = fill_return(&ws, &b, PERIOD, serde_json::json!({}));
    for f in [&wrong, &good] {
        let r = page.upload_to(&format!("/d/{tb}/returns"), &[f], false, false);
        assert_eq!(r.status, 200);
    }
    let b_page = page.get(&format!("/d/{tb}"));
    let unknown = page.get("/d/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/receipt/1");
    assert_eq!(unknown.status, 404);
    let urls: Vec<String> = hrefs(&b_page.body)
        .into_iter()
        .filter(|h| h.starts_with(&format!("/d/{tb}/")))
        .collect();
    let receipts: Vec<&String> = urls.iter().filter(|u| u.contains("/receipt/")).collect();
    assert!(
        receipts.len() >= 3,
        "B's receipts and marked copy: {urls:?}"
    );
    for url in &urls {
        let with_a = url.replace(&tb, &ta);
        let r = page.get(&with_a);
        if url.contains("/form/") {
            // The period's form through A's link is A's own.
            assert_eq!(r.status, 200);
            let name = r.header("content-disposition").unwrap_or("").to_string();
            assert!(!name.contains(&urlencode(&b)), "{name}");
        } else if url.ends_with("/returns") {
            continue;
        } else {
            assert_eq!(r.status, 404, "{with_a}");
            assert_eq!(r.body, unknown.body, "the same answer as a guess");
        }
    }
    // Ledger ids beyond B's: none opens either.
    for id in 0..10 {
        let r = page.get(&format!("/d/{ta}/receipt/{id}"));
        assert_eq!(r.status, 404, "id {id}");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[test]
fn the_leaders_board_shows_the_board_and_status_json_and_cannot_upload() {
    let (ws, dept) = workspace();
    let page = serve(&ws, &public_url());
    let (links, board) = links(&ws);
    let good = fill_return(&ws, &dept, PERIOD, serde_json::json!({}));
    let r = page.upload_to(
        &format!("{}/returns", path_of(&links[&dept])),
        &[&good],
        false,
        false,
    );
    assert_eq!(r.status, 200);
    ws.run(&["report", "--period", PERIOD]).ok();

    let base = path_of(&board);
    let b = page.get(&format!("{base}?period={PERIOD}"));
    assert_eq!(b.status, 200, "{}", b.body);
    assert!(b.body.contains("报送与进度"), "the board");
    assert!(b.body.contains(&dept));
    assert!(!b.body.contains("name=\"csrf\""), "no actions");
    assert!(!b.body.contains("type=\"file\""), "no upload");
    assert!(!b.body.contains("/receipt/"), "no receipts");
    assert!(
        hrefs(&b.body).contains(&format!("{base}/bulletin/{PERIOD}")),
        "the bulletins"
    );
    let bulletin = page.get(&format!("{base}/bulletin/{PERIOD}"));
    assert_eq!(bulletin.status, 200);
    assert!(bulletin.body.contains("调度通报"));

    let api = page.get(&format!("{base}/api/status?period={PERIOD}"));
    assert_eq!(api.status, 200);
    let cli = ws
        .run(&["status", "--period", PERIOD, "--json"])
        .ok()
        .json();
    assert_eq!(serde_json::from_str::<Value>(&api.body).unwrap(), cli);

    let before = submitted(&ws);
    let other = links.keys().find(|d| **d != dept).unwrap().clone();
    let f = fill_return(&ws, &other, PERIOD, serde_json::json!({}));
    for path in [format!("{base}/returns"), format!("{base}/api/returns")] {
        let r = page.upload_to(&path, &[&f], false, true);
        assert!(r.status == 404 || r.status == 405, "{path}: {}", r.status);
    }
    assert_eq!(submitted(&ws), before, "nothing counted through the board");
    // A department's link is not the board's, nor the other way round.
    assert_eq!(
        page.get(&format!("/b/{}", token_of(&links[&dept]))).status,
        404
    );
    assert_eq!(page.get(&format!("/d/{}", token_of(&board))).status, 404);
}

#[test]
fn twenty_departments_upload_at_once_with_the_inbox_busy_and_each_counts_once() {
    let (ws, _) = workspace();
    let page = serve(&ws, &public_url());
    let (links, _) = links(&ws);
    assert_eq!(links.len(), 20);
    let files: Vec<(String, std::path::PathBuf)> = links
        .keys()
        .map(|d| {
            (
                d.clone(),
                fill_return(&ws, d, PERIOD, serde_json::json!({})),
            )
        })
        .collect();
    // The inbox is busy meanwhile: copies of half of them dropped there.
    for (i, (_, f)) in files.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        std::fs::copy(f, ws.path(&format!("inbox/inbox-{i}.xlsx"))).unwrap();
    }
    let statuses = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for (dept, file) in &files {
            let (page, statuses, url) = (&page, &statuses, path_of(&links[dept]));
            s.spawn(move || {
                let mut busy = 0;
                loop {
                    let r = page.upload_to(&format!("{url}/returns"), &[file], false, true);
                    if r.status == 503 {
                        assert!(r.header("retry-after").is_some(), "503 says when");
                        busy += 1;
                        assert!(busy < 600, "never let in");
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        continue;
                    }
                    assert_eq!(r.status, 200, "{}", r.body);
                    let doc: Value = serde_json::from_str(&r.body).unwrap();
                    statuses
                        .lock()
                        .unwrap()
                        .push((dept.clone(), doc["results"][0]["verdict"].clone()));
                    break;
                }
            });
        }
    });
    let statuses = statuses.into_inner().unwrap();
    assert_eq!(statuses.len(), 20);
    wait_for(&ws, 60, "the inbox emptied", || {
        std::fs::read_dir(ws.path("inbox")).unwrap().count() == 0
    });
    // The inbox copies and the uploads are the same bytes: one of each
    // pair is accepted, the other a duplicate; every department counts once.
    let s = submitted(&ws);
    assert!(s.values().all(|v| *v), "{s:?}");
    let ledger = rusqlite_count(&ws);
    assert_eq!(
        ledger.0, 30,
        "20 uploads + 10 inbox files, each once in the ledger"
    );
    assert_eq!(ledger.1, 20, "one accepted return per department");
    let archived = walk(&ws.path("var/archive")).len();
    assert_eq!(archived, 30, "every original archived");
    let receipts = walk(&ws.path(&format!("outbox/receipts/{PERIOD}")))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .count();
    assert_eq!(receipts, 30, "every file answered");
    assert_eq!(
        std::fs::read_dir(ws.path("var/processing")).map_or(0, |d| d.count()),
        0
    );
    drop(page);
    let logged = log(&ws);
    for url in links.values() {
        assert!(!logged.contains(&token_of(url)));
    }
}

/// (files in the ledger, accepted returns) as `status` and `ingest` see them.
fn rusqlite_count(ws: &Ws) -> (usize, usize) {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute('select count(*) from files').fetchone()[0], c.execute(\"select count(*) from files where verdict='accepted'\").fetchone()[0])",
        ])
        .arg(ws.path("var/ledger.sqlite"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut n = text.split_whitespace().map(|x| x.parse().unwrap());
    (n.next().unwrap(), n.next().unwrap())
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn an_upload_received_before_a_crash_is_taken_through_its_link_at_the_next_start() {
    let (ws, a) = workspace();
    let (links, _) = links(&ws);
    let b = links.keys().find(|d| **d != a).unwrap().clone();
    // What a run killed between the last byte and intake leaves: each
    // upload in its folder, the department whose link brought it beside
    // it, and a half-written temp file.
    let own = fill_return(&ws, &a, PERIOD, serde_json::json!({}));
    let other = fill_return(&ws, &b, PERIOD, serde_json::json!({}));
    for (dir, file, name) in [("1", &own, "本单位.xlsx"), ("2", &other, "同事的表.xlsx")] {
        let d = ws.path(&format!("var/uploads/20240402100000-{dir}"));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join(".department"), &a).unwrap();
        std::fs::copy(file, d.join(name)).unwrap();
    }
    let d = ws.path("var/uploads/20240402100000-3");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join(".半截.xlsx.123.tmp"), b"PK\x03").unwrap();

    let page = serve(&ws, "");
    wait_for(&ws, 30, "the staged uploads taken", || {
        std::fs::read_dir(ws.path("var/uploads")).map_or(0, |d| d.count()) == 0
    });
    drop(page);
    let s = submitted(&ws);
    assert!(s[&a], "its own form counted: {s:?}");
    assert!(
        !s[&b],
        "a colleague's form through the link counted for nobody"
    );
    let receipts: Vec<String> = walk(&ws.path(&format!("outbox/receipts/{PERIOD}")))
        .into_iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    assert_eq!(receipts.len(), 2, "{receipts:?}");
    let rejected = receipts.iter().find(|n| n.contains("rejected")).unwrap();
    let text = ws.read(&format!("outbox/receipts/{PERIOD}/{rejected}"));
    assert!(
        text.contains(&b),
        "the receipt says whose form it is:\n{text}"
    );
    assert!(log(&ws).contains("took in uploads the last run left"));
}

/// An upload the page refuses before reading it all (a path that takes
/// none, the leaders' board, a link that is no department's, an office form
/// without its security token) is still answered with its page: the client
/// sends the whole file and reads why, rather than seeing the connection
/// reset. Files from one to twelve megabytes of generated bytes: the larger,
/// the more of them is unread when the answer is ready.
#[test]
fn an_upload_refused_before_it_is_read_is_answered_not_cut_off() {
    let (ws, _) = workspace();
    let page = serve(&ws, &public_url());
    let (_, board) = links(&ws);
    let board = path_of(&board);
    let dir = tempfile::tempdir().unwrap();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for mb in [1, 4, 12] {
        let bytes: Vec<u8> = (0..mb * 1024 * 1024)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let file = dir.path().join(format!("{mb}MB.xlsx"));
        std::fs::write(&file, bytes).unwrap();
        for (path, want, says) in [
            (format!("{board}/returns"), 404, "找不到"),
            (format!("{board}/api/returns"), 404, "找不到"),
            (
                "/d/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/returns".to_string(),
                404,
                "找不到",
            ),
            ("/no/such/page".to_string(), 404, "找不到"),
            ("/api/returns".to_string(), 403, "安全令牌"),
        ] {
            let r = page.upload_to(&path, &[&file], false, false);
            assert_eq!(r.status, want, "{mb} MB to {path}: {}", r.body);
            assert!(r.body.contains(says), "{mb} MB to {path}: {}", r.body);
        }
    }
}
