//! `minsheng run` as the office runs it: a real process on a temp
//! workspace, files dropped into its inbox, signals, restarts.

use crate::util::{BIN, Ws};
use minsheng::form::{FormSpec, Prefill, PrefillRow, PrefillValue, build};
use minsheng::plan::Period;
use minsheng::plan::catalog::{Catalog, Kind, STAGES};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A workspace whose daemon takes files after `settle` seconds and fires no
/// scheduled job during the test unless asked to.
pub(crate) fn workspace(settle: f64, extra: &str) -> Ws {
    let ws = Ws::new();
    ws.write(
        "minsheng.toml",
        &format!(
            "[watch]\nsettle_secs = {settle}\npoll_secs = 0.5\n\n[schedule]\nreport = \"0 0 9 1 1 * 2099\"\nreminder = \"0 0 9 2 1 * 2099\"\nmail = \"0 0 9 3 1 * 2099\"\n{extra}"
        ),
    );
    ws
}

pub(crate) fn start(ws: &Ws) -> Child {
    ws.cmd(&["run"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(ws.dir.path().join("daemon.log")).unwrap(),
        ))
        .spawn()
        .expect("daemon starts")
}

/// Start the daemon with `env` added, its log appended to (a restart keeps
/// what the run before it logged).
pub(crate) fn start_with(ws: &Ws, env: &[(&str, &str)]) -> Child {
    let mut cmd = ws.cmd(&["run"]);
    cmd.env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(ws.dir.path().join("daemon.log"))
                .unwrap(),
        ));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("daemon starts")
}

pub(crate) fn log(ws: &Ws) -> String {
    std::fs::read_to_string(ws.dir.path().join("daemon.log")).unwrap_or_default()
}

/// Wait up to `secs` for `cond`; panics with `what` and the log if it never holds.
#[track_caller]
pub(crate) fn wait_for(ws: &Ws, secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}; daemon log:\n{}", log(ws));
}

pub(crate) fn count_files(dir: &Path, suffix: &str) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            n += count_files(&p, suffix);
        } else if p.to_string_lossy().ends_with(suffix) {
            n += 1;
        }
    }
    n
}

pub(crate) fn ledger(ws: &Ws) -> rusqlite::Connection {
    rusqlite::Connection::open(ws.path("var/ledger.sqlite")).unwrap()
}

pub(crate) fn count(ws: &Ws, sql: &str) -> i64 {
    ledger(ws).query_row(sql, [], |r| r.get(0)).unwrap()
}

/// `count`, or 0 while the daemon has not yet created the ledger.
pub(crate) fn count_soon(ws: &Ws, sql: &str) -> i64 {
    rusqlite::Connection::open(ws.path("var/ledger.sqlite"))
        .and_then(|c| c.query_row(sql, [], |r| r.get(0)))
        .unwrap_or(0)
}

/// `n` distinct, valid 2024-03 returns signed with the workspace's key,
/// written to a staging folder (not the inbox).
pub(crate) fn returns(ws: &Ws, n: usize) -> Vec<PathBuf> {
    let catalog = Catalog::load(&ws.path("seeds/pingjiang-2024.toml")).unwrap();
    let key_hex = ws.read("var/form.key");
    let key: Vec<u8> = (0..key_hex.trim().len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_hex[i..i + 2], 16).unwrap())
        .collect();
    let period = Period::new(2024, 3).unwrap();
    let staging = ws.dir.path().join("staging");
    std::fs::create_dir_all(&staging).unwrap();
    (0..n)
        .map(|i| {
            let dept = &catalog.departments[i % catalog.departments.len()];
            let rows = catalog
                .indicators_of(dept)
                .map(|ind| {
                    // Half way, a raised standard from its old level.
                    let from = ind.baseline.unwrap_or(0.0);
                    let done = match ind.kind {
                        Kind::Milestone => PrefillValue::Stage(STAGES[2].into()),
                        _ => PrefillValue::Number(
                            from + (ind.target - from) * 0.5 + i as f64 * 0.001,
                        ),
                    };
                    (
                        ind.code.clone(),
                        PrefillRow {
                            done: Some(done),
                            progress: format!("第{i}份"),
                            ..Default::default()
                        },
                    )
                })
                .collect();
            let prefill = Prefill {
                rows,
                contact: Some(("张三".into(), "0730-6221234".into())),
            };
            let spec = FormSpec {
                catalog: &catalog,
                department: dept,
                period,
                deadline: period.deadline(5),
                issued_at: chrono::DateTime::parse_from_rfc3339("2024-04-01T09:00:00+08:00")
                    .unwrap(),
                key: &key,
                link: None,
            };
            let path = staging.join(format!("{i:04}-2024-03-{dept}.xlsx"));
            std::fs::write(&path, build(&spec, Some(&prefill)).unwrap()).unwrap();
            path
        })
        .collect()
}

/// Move files into the inbox the way a file manager does (rename).
pub(crate) fn drop_in(ws: &Ws, files: &[PathBuf]) {
    for f in files {
        std::fs::rename(f, ws.path("inbox").join(f.file_name().unwrap())).unwrap();
    }
}

pub(crate) fn stop(mut child: Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the daemon did not stop within 5 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn files_present_at_start_and_dropped_later_are_processed() {
    let ws = workspace(0.2, "");
    let files = returns(&ws, 4);
    drop_in(&ws, &files[..2]);
    let daemon = start(&ws);
    wait_for(&ws, 20, "the two files present at start", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 2
    });
    drop_in(&ws, &files[2..]);
    wait_for(&ws, 20, "two more", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 4
    });
    assert!(stop(daemon).success());
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files WHERE verdict = 'accepted'"),
        4
    );
    let l = log(&ws);
    assert!(
        l.contains("processed") && l.contains("verdict=\"accepted\""),
        "one line per file: {l}"
    );
    assert!(!l.contains('\u{1b}'), "no colour codes in a log file");
}

#[test]
fn a_file_written_slowly_is_taken_only_once_complete() {
    let ws = workspace(1.5, "");
    let daemon = start(&ws);
    wait_for(&ws, 20, "the daemon to watch", || {
        log(&ws).contains("watching the inbox")
    });
    let bytes = std::fs::read(&returns(&ws, 1)[0]).unwrap();
    let target = ws.path("inbox/2024-03-县民政局.xlsx");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&target).unwrap();
        for chunk in bytes.chunks(bytes.len() / 8 + 1) {
            f.write_all(chunk).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(400));
            assert!(target.exists(), "taken before the writer finished");
        }
    }
    wait_for(&ws, 20, "the receipt", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 1
    });
    assert!(stop(daemon).success());
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM files"), 1);
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files WHERE verdict = 'accepted'"),
        1,
        "the whole file was read"
    );
}

#[test]
fn a_burst_of_200_files_is_all_processed() {
    let ws = workspace(0.2, "");
    let files = returns(&ws, 200);
    let daemon = start(&ws);
    drop_in(&ws, &files);
    wait_for(&ws, 120, "200 receipts", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 200
    });
    assert!(stop(daemon).success());
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files WHERE verdict = 'accepted'"),
        200
    );
    assert_eq!(
        count(
            &ws,
            "SELECT COUNT(DISTINCT department) FROM returns WHERE current = 1"
        ),
        20
    );
    assert_eq!(count_files(&ws.path("var/archive"), ".xlsx"), 200);
    assert_eq!(
        std::fs::read_dir(ws.path("inbox"))
            .unwrap()
            .filter(|e| !e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with('.'))
            .count(),
        0
    );
    assert!(
        log(&ws).contains("inbox progress"),
        "a progress line for a burst"
    );
}

#[test]
fn killed_mid_burst_and_restarted_every_file_counts_exactly_once() {
    let ws = workspace(0.1, "");
    let files = returns(&ws, 200);
    let daemon = start(&ws);
    drop_in(&ws, &files);
    wait_for(&ws, 60, "some progress", || {
        count_files(&ws.path("outbox/receipts"), ".txt") >= 40
    });
    let mut daemon = daemon;
    daemon.kill().unwrap(); // SIGKILL: no chance to tidy up
    daemon.wait().unwrap();
    let done_before = count(&ws, "SELECT COUNT(*) FROM files");
    assert!(
        done_before < 200,
        "killed too late to test anything ({done_before})"
    );
    let daemon = start(&ws);
    wait_for(&ws, 120, "all 200 after the restart", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 200
            && count_files(&ws.path("var/processing"), "") == 0
    });
    assert!(stop(daemon).success());
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files"),
        200,
        "none twice, none lost"
    );
    assert_eq!(count(&ws, "SELECT COUNT(DISTINCT sha256) FROM files"), 200);
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM files WHERE verdict = 'accepted'"),
        200
    );
    assert_eq!(count_files(&ws.path("var/archive"), ".xlsx"), 200);
}

#[test]
fn a_second_daemon_is_refused_naming_the_first() {
    let ws = workspace(0.2, "");
    let first = start(&ws);
    wait_for(&ws, 20, "the first daemon", || {
        log(&ws).contains("watching the inbox")
    });
    let second = ws.cmd(&["run"]).output().unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("已有值守程序在运行") && err.contains(&first.id().to_string()),
        "{err}"
    );
    assert!(stop(first).success());
}

#[test]
fn sigterm_stops_the_daemon_cleanly() {
    let ws = workspace(0.2, "");
    let daemon = start(&ws);
    wait_for(&ws, 20, "the daemon", || {
        log(&ws).contains("watching the inbox")
    });
    let t = Instant::now();
    let status = stop(daemon);
    assert!(status.success(), "{status:?}");
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(log(&ws).contains("daemon stopped"));
}

#[test]
fn a_job_due_every_few_seconds_runs_and_is_recorded() {
    let ws = workspace(0.2, "");
    let config = ws
        .read("minsheng.toml")
        .replace("mail = \"0 0 9 3 1 * 2099\"", "mail = \"*/2 * * * * *\"");
    ws.write("minsheng.toml", &config);
    let daemon = start(&ws);
    wait_for(&ws, 20, "two mail runs", || {
        count_soon(
            &ws,
            "SELECT COUNT(*) FROM job_runs WHERE job = 'mail' AND outcome LIKE 'ok%'",
        ) >= 2
    });
    assert!(stop(daemon).success());
}

#[test]
fn a_job_missed_while_down_runs_once_on_start_and_never_twice() {
    // The report was due on 2024-04-01 09:00; the clock says 2024-04-03.
    let ws = workspace(0.2, "");
    let config = ws
        .read("minsheng.toml")
        .replace("report = \"0 0 9 1 1 * 2099\"", "report = \"0 0 9 1 * *\"");
    ws.write("minsheng.toml", &config);
    for start_no in 0..2 {
        let daemon = start(&ws);
        wait_for(&ws, 30, "the catch-up run", || {
            count_soon(
                &ws,
                "SELECT COUNT(*) FROM job_runs WHERE job = 'report' AND finished_at IS NOT NULL",
            ) >= 1
        });
        std::thread::sleep(Duration::from_millis(500));
        assert!(stop(daemon).success());
        // The second start knows the run was made: it does not even try.
        let catching_up = log(&ws).contains("running a job missed while the daemon was down");
        assert_eq!(catching_up, start_no == 0, "{}", log(&ws));
    }
    let runs: Vec<String> = {
        let c = ledger(&ws);
        let mut s = c
            .prepare("SELECT due_at FROM job_runs WHERE job = 'report'")
            .unwrap();
        s.query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect()
    };
    assert_eq!(runs, vec!["2024-04-01T09:00:00+08:00".to_string()]);
}

#[test]
fn demo_runs_a_whole_month_in_a_fresh_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::util::bare(&["demo", "月报演示"], dir.path())
        .ok()
        .stdout;
    let root = dir.path().join("月报演示");
    assert!(out.contains("已生成 20 份填报表"), "{out}");
    assert_eq!(count_files(&root.join("outbox/forms/2024-03"), ".xlsx"), 20);
    assert_eq!(
        count_files(&root.join("outbox/receipts/2024-03"), "-accepted.txt"),
        17
    );
    assert_eq!(
        count_files(&root.join("outbox/receipts/2024-03"), "-rejected.txt"),
        1
    );
    assert_eq!(
        count_files(&root.join("inbox"), ".xlsx"),
        0,
        "the inbox is emptied"
    );
    assert!(
        root.join("outbox/reports/2024-03/2024-03-民生实事调度汇总表.xlsx")
            .exists()
    );
    assert!(
        root.join("outbox/reports/2024-03/2024-03-调度通报.docx")
            .exists()
    );
    assert!(
        count_files(&root.join("outbox/mail/queue"), ".eml") >= 1,
        "the bulletin is queued"
    );
    // The office can look at the month with the clock the demo used.
    let status = Command::new(BIN)
        .args(["--workspace", root.to_str().unwrap(), "status", "--json"])
        .env("MINSHENG_TODAY", "2024-04-03")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let reported = doc["departments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["submitted"] == true)
        .count();
    assert_eq!(reported, 17);
    // A second demo without a folder does not overwrite the first.
    let again = crate::util::bare(&["demo", "月报演示"], dir.path());
    assert_eq!(again.code, 2);
}

#[test]
fn a_file_that_cannot_be_taken_is_left_alone_and_the_rest_go_on() {
    let ws = workspace(0.2, "");
    let files = returns(&ws, 2);
    // An immutable file cannot be renamed, even by root: like a file on a
    // share that the daemon's user may read but not move.
    let stuck = ws.path("inbox/stuck.xlsx");
    std::fs::copy(&files[0], &stuck).unwrap();
    let chattr = |flag: &str| {
        Command::new("chattr")
            .args([flag, stuck.to_str().unwrap()])
            .status()
    };
    assert!(
        chattr("+i").map(|s| s.success()).unwrap_or(false),
        "chattr +i (e2fsprogs) is needed for this test"
    );
    // Whatever happens below, the temp folder must stay removable.
    struct Mutable(PathBuf);
    impl Drop for Mutable {
        fn drop(&mut self) {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        }
    }
    let _guard = Mutable(stuck.clone());
    let daemon = start(&ws);
    drop_in(&ws, &files[1..]);
    wait_for(&ws, 20, "the other file's receipt", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 1
    });
    std::thread::sleep(Duration::from_secs(2));
    let l = log(&ws);
    assert!(stop(daemon).success(), "the daemon kept running");
    assert!(stuck.exists(), "left where it was");
    assert_eq!(
        l.matches("file left in the inbox").count(),
        1,
        "reported once, not at every look:\n{l}"
    );
}
