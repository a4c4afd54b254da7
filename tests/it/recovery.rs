//! What the next start finishes: an I/O error at any write, rename or fsync
//! of an ingest, and a power cut that took the ledger's last commit. Each
//! return ends counted once, archived once, answered once.

use crate::daemon::{
    count, count_files, drop_in, log, returns, start_with, stop, wait_for, workspace,
};
use crate::util::{BIN, Ws};
use std::path::Path;
use std::process::Command;

fn files_under(dir: &Path) -> usize {
    count_files(dir, "")
}

/// After the next start: one accepted return, one archived original, one
/// receipt saying accepted, nothing left in hand.
#[track_caller]
fn counted_once(ws: &Ws, what: &str) {
    assert_eq!(
        count(ws, "SELECT COUNT(*) FROM files"),
        1,
        "{what}: one file in the ledger"
    );
    assert_eq!(
        count(ws, "SELECT COUNT(*) FROM returns WHERE current = 1"),
        1,
        "{what}: counted once"
    );
    assert_eq!(
        count(ws, "SELECT COUNT(*) FROM files WHERE verdict = 'accepted'"),
        1,
        "{what}"
    );
    assert_eq!(
        files_under(&ws.path("var/archive")),
        1,
        "{what}: archived once"
    );
    assert_eq!(files_under(&ws.path("var/processing")), 0, "{what}");
    let receipts = count_files(&ws.path("outbox/receipts"), ".txt");
    assert_eq!(receipts, 1, "{what}: one receipt");
    assert_eq!(
        count_files(&ws.path("outbox/receipts"), "-accepted.txt"),
        1,
        "{what}: it says accepted"
    );
    assert_eq!(files_under(&ws.path("inbox")), 0, "{what}");
}

/// Start the daemon, let it finish what was left, stop it.
fn next_start(ws: &Ws) {
    let d = start_with(ws, &[]);
    wait_for(ws, 30, "the file finished", || {
        // Up, with its signal handler: a stop before it would kill it.
        log(ws).contains("watching the inbox")
            && files_under(&ws.path("inbox")) == 0
            && files_under(&ws.path("var/processing")) == 0
            && count_files(&ws.path("outbox/receipts"), ".txt") >= 1
    });
    // One more poll, so a second answer would have shown.
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert!(stop(d).success(), "{}", log(ws));
}

#[test]
fn an_io_error_at_any_write_rename_or_fsync_of_an_ingest_is_finished_by_the_next_start() {
    let strace = Command::new("strace").arg("-V").output();
    assert!(
        strace.is_ok_and(|o| o.status.success()),
        "strace is needed for this test (tests/setup.sh installs it)"
    );
    let mut injected = 0;
    for (syscall, error) in [
        ("write", "ENOSPC"),
        ("pwrite64", "ENOSPC"),
        ("rename", "ENOSPC"),
        ("fsync", "EIO"),
    ] {
        for n in 1.. {
            let ws = workspace(0.2, "");
            let file = returns(&ws, 1).pop().unwrap();
            drop_in(&ws, std::slice::from_ref(&file));
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let trace = ws.dir.path().join("trace");
            // The main thread only: the reader process is not the one under test.
            let out = Command::new("strace")
                .args(["-qq", "-o"])
                .arg(&trace)
                .args(["-e", &format!("trace={syscall}")])
                .args(["-e", &format!("inject={syscall}:error={error}:when={n}")])
                .arg(BIN)
                .args(["ingest", "--json"])
                .arg(ws.path(&format!("inbox/{name}")))
                .arg("--workspace")
                .arg(ws.root())
                .env("MINSHENG_TODAY", &ws.today)
                .env_remove("RUST_LOG")
                .output()
                .unwrap();
            let hit = std::fs::read_to_string(&trace)
                .unwrap_or_default()
                .contains("INJECTED");
            if !hit {
                // There is no n-th call: every one has been tried.
                assert!(n > 1, "{syscall} is never called by an ingest");
                break;
            }
            injected += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!stderr.contains("panicked"), "{syscall} #{n}: {stderr}");
            next_start(&ws);
            counted_once(&ws, &format!("{error} at {syscall} #{n}"));
        }
    }
    assert!(injected >= 20, "only {injected} calls tried");
}

#[test]
fn a_power_cut_that_lost_the_last_commit_is_recorded_once_on_the_next_start() {
    let ws = workspace(0.2, "");
    let files = returns(&ws, 3);
    let d = start_with(&ws, &[]);
    drop_in(&ws, &files[..2]);
    wait_for(&ws, 30, "two returns", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 2
    });
    assert!(stop(d).success());
    // The ledger as it was on disk before the third commit.
    let var = ws.path("var");
    let saved = ws.dir.path().join("ledger-before");
    std::fs::create_dir_all(&saved).unwrap();
    let ledger_files = ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"];
    for f in ledger_files {
        if var.join(f).exists() {
            std::fs::copy(var.join(f), saved.join(f)).unwrap();
        }
    }
    let d = start_with(&ws, &[]);
    drop_in(&ws, &files[2..]);
    wait_for(&ws, 30, "the third", || {
        count_files(&ws.path("outbox/receipts"), ".txt") == 3
    });
    assert!(stop(d).success());
    // The power cut: the third commit is gone, its original is archived.
    for f in ledger_files {
        let _ = std::fs::remove_file(var.join(f));
        if saved.join(f).exists() {
            std::fs::copy(saved.join(f), var.join(f)).unwrap();
        }
    }
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM files"), 2);
    assert_eq!(files_under(&ws.path("var/archive")), 3);
    let d = start_with(&ws, &[]);
    wait_for(&ws, 30, "the lost return recorded", || {
        count(&ws, "SELECT COUNT(*) FROM files") == 3
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert!(stop(d).success(), "{}", log(&ws));
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM files"), 3, "recorded once");
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM returns WHERE current = 1"),
        3
    );
    assert_eq!(files_under(&ws.path("var/archive")), 3, "archived once");
    // Restarting again changes nothing.
    let d = start_with(&ws, &[]);
    std::thread::sleep(std::time::Duration::from_millis(800));
    assert!(stop(d).success());
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM files"), 3);
    assert!(
        log(&ws).contains("the ledger does not hold"),
        "{}",
        log(&ws)
    );
}

/// Run `ingest` on `file`, with the reader made to hang on it, and kill the
/// process once the file is in hand: what a power cut or `kill -9` leaves.
fn kill_ingest_in_hand(ws: &Ws, file: &Path) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let mut child = ws
        .cmd(&["ingest", file.to_str().unwrap()])
        .env("MINSHENG_READER_FAULT", format!("hang:{name}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for(ws, 30, "the file in hand", || {
        files_under(&ws.path("var/processing")) == 1
    });
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_file_a_killed_ingest_left_in_hand_is_finished_by_the_next_ingest() {
    let ws = workspace(0.2, "");
    let files = returns(&ws, 2);
    drop_in(&ws, &files[..1]);
    let first = ws.path("inbox").join(files[0].file_name().unwrap());
    kill_ingest_in_hand(&ws, &first);
    assert_eq!(
        files_under(&ws.path("inbox")),
        0,
        "claimed before it was read"
    );
    let run = ws
        .run(&["ingest", "--json", files[1].to_str().unwrap()])
        .ok();
    let results = run.json()["results"].as_array().unwrap().clone();
    assert_eq!(
        results.len(),
        1,
        "the results are the files given: {}",
        run.stdout
    );
    assert_eq!(results[0]["verdict"], "accepted");
    assert!(
        run.stderr.contains("上次中断时留下的 1 个文件"),
        "the office is told: {}",
        run.stderr
    );
    assert_eq!(count(&ws, "SELECT COUNT(*) FROM files"), 2);
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM returns WHERE current = 1"),
        2,
        "both counted, each once"
    );
    assert_eq!(
        files_under(&ws.path("var/processing")),
        0,
        "nothing left in hand"
    );
    assert_eq!(files_under(&ws.path("var/archive")), 2);
    assert_eq!(count_files(&ws.path("outbox/receipts"), "-accepted.txt"), 2);
    // Nothing is finished twice.
    ws.run(&["ingest", files[1].to_str().unwrap()]);
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM returns WHERE current = 1"),
        2
    );
}

#[test]
fn a_file_a_killed_ingest_left_in_hand_is_finished_by_the_daemon() {
    let ws = workspace(0.2, "");
    let files = returns(&ws, 1);
    kill_ingest_in_hand(&ws, &files[0]);
    next_start(&ws);
    counted_once(&ws, "left by a killed ingest");
}

#[test]
fn a_ledger_that_fails_mid_ingest_is_told_and_the_file_finished_later() {
    // The ledger refuses every new row, as a full or failing disk would,
    // once the file has been claimed and read: the command must end (no
    // endless search for a free receipt name), say so in Chinese, and leave
    // the return in hand for the next ingest.
    let ws = workspace(0.2, "");
    let files = returns(&ws, 2);
    ws.run(&["status"]);
    let db = rusqlite::Connection::open(ws.path("var/ledger.sqlite")).unwrap();
    db.execute_batch(
        "CREATE TRIGGER failing BEFORE INSERT ON files BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
    )
    .unwrap();
    let out = Command::new("timeout")
        .arg("60")
        .arg(BIN)
        .args(["ingest", "--json"])
        .arg(&files[0])
        .arg("--workspace")
        .arg(ws.root())
        .env("MINSHENG_TODAY", &ws.today)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(124), "the ingest hung: {stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("错误：") && stderr.contains("disk I/O error"),
        "{stderr}"
    );
    assert_eq!(files_under(&ws.path("var/processing")), 1, "still in hand");
    assert_eq!(
        count_files(&ws.path("outbox/receipts"), ".txt"),
        0,
        "no receipt for nothing recorded"
    );
    db.execute_batch("DROP TRIGGER failing;").unwrap();
    let run = ws
        .run(&["ingest", "--json", files[1].to_str().unwrap()])
        .ok();
    assert_eq!(run.json()["results"][0]["verdict"], "accepted");
    assert_eq!(
        count(&ws, "SELECT COUNT(*) FROM returns WHERE current = 1"),
        2,
        "the first return too, once"
    );
    assert_eq!(files_under(&ws.path("var/processing")), 0);
    assert_eq!(count_files(&ws.path("outbox/receipts"), "-accepted.txt"), 2);
}
