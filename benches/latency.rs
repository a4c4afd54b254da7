//! Daemon latency: from a return landing in the inbox to its receipt,
//! minus the settling window, over 200 files dropped one after another into
//! the inbox of a running `minsheng run`.
//!
//!     cargo bench --bench latency
//!
//! Landing time is the dropped file's modification time and the receipt
//! time the receipt file's, both on the file system's clock. Prints p50,
//! p90, p99 and the maximum.

use minsheng::form::{FormSpec, Prefill, PrefillRow, PrefillValue, build};
use minsheng::plan::Period;
use minsheng::plan::catalog::{Kind, STAGES};
use minsheng::workspace::Workspace;
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const FILES: usize = 200;
const SETTLE: f64 = 0.5;

fn main() {
    let bin = env!("CARGO_BIN_EXE_minsheng");
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("ws");
    let ok = Command::new(bin)
        .arg("init")
        .arg(&root)
        .stdout(Stdio::null())
        .status()
        .expect("init");
    assert!(ok.success());
    std::fs::write(
        root.join("minsheng.toml"),
        format!("[watch]\nsettle_secs = {SETTLE}\n[schedule]\nreport = \"0 0 9 1 1 * 2099\"\nreminder = \"0 0 9 1 1 * 2099\"\nmail = \"0 0 9 1 1 * 2099\"\n"),
    )
    .unwrap();
    // SAFETY: single-threaded here.
    unsafe { std::env::set_var("MINSHENG_TODAY", "2024-04-03") };
    let ws = Workspace::open(Some(&root)).expect("open");
    let key = ws.signing_key().unwrap();
    let period = Period::new(2024, 3).unwrap();
    let returns: Vec<(String, Vec<u8>)> = (0..FILES)
        .map(|i| {
            let dept = &ws.catalog.departments[i % ws.catalog.departments.len()];
            let rows = ws
                .catalog
                .indicators_of(dept)
                .map(|ind| {
                    let done = match ind.kind {
                        Kind::Milestone => PrefillValue::Stage(STAGES[2].into()),
                        _ => PrefillValue::Number(ind.target * 0.5 + i as f64 * 0.001),
                    };
                    (
                        ind.code.clone(),
                        PrefillRow {
                            done: Some(done),
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
                catalog: &ws.catalog,
                department: dept,
                period,
                deadline: period.deadline(5),
                issued_at: chrono::DateTime::parse_from_rfc3339("2024-04-01T09:00:00+08:00")
                    .unwrap(),
                key: &key,
                link: None,
            };
            (
                format!("{i:04}-{period}-{dept}.xlsx"),
                build(&spec, Some(&prefill)).unwrap(),
            )
        })
        .collect();

    let mut daemon = Command::new(bin)
        .args(["run", "--workspace"])
        .arg(&root)
        .env("MINSHENG_TODAY", "2024-04-03")
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("daemon");
    std::thread::sleep(Duration::from_millis(500));
    let mut landed = HashMap::new();
    for (name, bytes) in &returns {
        let path = root.join("inbox").join(name);
        std::fs::write(&path, bytes).unwrap();
        // The file system's own clock, which the settling window is counted
        // on; it is coarser than SystemTime::now().
        landed.insert(
            name.clone(),
            std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .unwrap_or_else(|_| SystemTime::now()),
        );
        std::thread::sleep(Duration::from_millis(30));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    let ledger = root.join("var/ledger.sqlite");
    let done = || -> Vec<(String, String)> {
        let Ok(c) = rusqlite::Connection::open(&ledger) else {
            return Vec::new();
        };
        let Ok(mut s) = c.prepare("SELECT name, receipt_stem FROM files") else {
            return Vec::new();
        };
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map(|rows| rows.flatten().collect())
            .unwrap_or_default()
    };
    let mut rows = done();
    while rows.len() < FILES && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        rows = done();
    }
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let _ = daemon.wait();
    assert_eq!(rows.len(), FILES, "all files processed");

    let mut ms: Vec<f64> = rows
        .iter()
        .map(|(name, stem)| {
            let receipt = root.join("outbox/receipts").join(format!("{stem}.txt"));
            let at = std::fs::metadata(&receipt)
                .and_then(|m| m.modified())
                .expect("receipt");
            let waited = at
                .duration_since(landed[name])
                .unwrap_or_default()
                .as_secs_f64();
            (waited - SETTLE) * 1000.0
        })
        .collect();
    ms.sort_by(|a, b| a.total_cmp(b));
    let q = |p: f64| ms[((ms.len() - 1) as f64 * p).round() as usize];
    println!(
        "latency from landing to receipt, minus the {SETTLE} s settling window, over {FILES} files: \
         p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        q(0.5),
        q(0.9),
        q(0.99),
        ms[ms.len() - 1]
    );
}
