//! What the guarantees of intake cost per file, measured side by side:
//!
//! - reading a return in a reader process (`intake::reader`, the pipe and
//!   the serialised sheet) against reading it in this process;
//! - starting a reader process;
//! - a ledger commit with `synchronous=FULL` (on disk before a return
//!   leaves `var/processing/`) against `NORMAL`.
//!
//!     cargo bench --bench reader            # 300 returns, 300 commits
//!
//! Needs `target/release/minsheng` (built by `cargo bench`).

use minsheng::config::Limits;
use minsheng::form::{FormSpec, Prefill, PrefillRow, PrefillValue, build};
use minsheng::intake::reader::{Outcome, Reader};
use minsheng::intake::{read, workbook};
use minsheng::plan::Period;
use minsheng::plan::catalog::{Kind, STAGES};
use minsheng::workspace::Workspace;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let n = 300;
    // SAFETY: single-threaded at this point; the clock is read at Workspace::open.
    unsafe { std::env::set_var("MINSHENG_TODAY", "2024-04-03") };
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("ws");
    Workspace::init(&root).expect("init");
    let ws = Workspace::open(Some(&root)).expect("open");
    let key = ws.signing_key().expect("key");
    let period = Period::new(2024, 3).unwrap();
    let depts = ws.catalog.departments.clone();
    let files: Vec<Vec<u8>> = (0..n)
        .map(|i| {
            let dept = &depts[i % depts.len()];
            let rows = ws
                .catalog
                .indicators_of(dept)
                .map(|ind| {
                    let done = match ind.kind {
                        Kind::Milestone => PrefillValue::Stage(STAGES[2].into()),
                        _ => PrefillValue::Number(ind.target * 0.5 + i as f64),
                    };
                    let row = PrefillRow {
                        done: Some(done),
                        progress: "按计划推进".into(),
                        ..Default::default()
                    };
                    (ind.code.clone(), row)
                })
                .collect();
            let spec = FormSpec {
                catalog: &ws.catalog,
                department: dept,
                period,
                deadline: period.deadline(5),
                issued_at: "2024-04-01T09:00:00+08:00",
                key: &key,
            };
            let prefill = Prefill {
                rows,
                contact: Some(("张三".into(), "0730-6221234".into())),
            };
            build(&spec, Some(&prefill)).expect("form")
        })
        .collect();
    let limits = Limits::default();

    let mut here = Vec::new();
    for f in &files {
        let t = Instant::now();
        let mut book = workbook::read(f, "xlsx", &limits).expect("reads");
        assert!(read::parse(&mut book).is_some());
        here.push(t.elapsed().as_secs_f64() * 1e6);
    }

    let t = Instant::now();
    let mut reader = Reader::new(&limits).expect("reader");
    assert!(matches!(
        reader.read("first.xlsx", &files[0]).expect("read"),
        Outcome::Form(_)
    ));
    let start = t.elapsed().as_secs_f64() * 1e3;
    let mut isolated = Vec::new();
    for f in &files {
        let t = Instant::now();
        assert!(matches!(
            reader.read("x.xlsx", f).expect("read"),
            Outcome::Form(_)
        ));
        isolated.push(t.elapsed().as_secs_f64() * 1e6);
    }
    let (a, b) = (median(here), median(isolated));
    println!("reader: {n} returns of 1–7 indicators");
    println!("  read in this process      median {a:>7.0} µs a file");
    println!(
        "  read in a reader process  median {b:>7.0} µs a file (+{:.0} µs, the pipe and the sheet sent back)",
        b - a
    );
    println!("  starting a reader and its first file: {start:.1} ms");

    for sync in ["NORMAL", "FULL"] {
        let path = dir.path().join(format!("{sync}.sqlite"));
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", sync).unwrap();
        conn.execute_batch("CREATE TABLE t (a INTEGER, b TEXT)")
            .unwrap();
        let mut each = Vec::new();
        for i in 0..n {
            let t = Instant::now();
            conn.execute(
                "INSERT INTO t VALUES (?1, ?2)",
                rusqlite::params![i as i64, "x".repeat(200)],
            )
            .unwrap();
            each.push(t.elapsed().as_secs_f64() * 1e6);
        }
        println!(
            "  ledger commit, WAL, synchronous={sync:<6} median {:>6.0} µs",
            median(each)
        );
    }
}
