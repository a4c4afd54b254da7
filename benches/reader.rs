//! What the guarantees of intake cost per file, measured side by side:
//!
//! - reading a return in a reader process (`intake::reader`, the pipe and
//!   the serialised sheet) against reading it in this process;
//! - starting a reader process;
//! - a ledger commit with `synchronous=FULL` (on disk before a return
//!   leaves `var/processing/`) against `NORMAL`;
//! - refusing a zip bomb.
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
                    // Every text column filled, as clerks do.
                    let row = PrefillRow {
                        done: Some(done),
                        progress: format!(
                            "本月完成{}，累计推进顺利，已完成阶段性目标并组织了督导检查",
                            ind.name
                        ),
                        problems: "部分乡镇资金拨付进度偏慢，个别项目前期手续办理时间较长".into(),
                        measures: "倒排工期、挂图作战，每周调度一次，确保下月前完成".into(),
                    };
                    (ind.code.clone(), row)
                })
                .collect();
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
            let prefill = Prefill {
                rows,
                contact: Some(("张三".into(), "0730-6221234".into())),
            };
            build(&spec, Some(&prefill)).expect("form")
        })
        .collect();
    let limits = Limits::default();

    let mut here = Vec::new();
    let mut open = Vec::new();
    for f in &files {
        let t = Instant::now();
        let mut book = workbook::read(f, "xlsx", &limits).expect("reads");
        open.push(t.elapsed().as_secs_f64() * 1e6);
        assert!(read::parse(&mut book).is_ok());
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
    let mut calamine_open = Vec::new();
    for f in &files {
        let t = Instant::now();
        let x: calamine::Xlsx<_> =
            calamine::Reader::new(std::io::Cursor::new(f.clone())).expect("opens");
        calamine_open.push(t.elapsed().as_secs_f64() * 1e6);
        drop(x);
    }
    println!(
        "  calamine alone opening it: median {:.0} µs; file size median {:.0} KB",
        median(calamine_open),
        median(files.iter().map(|f| f.len() as f64 / 1024.0).collect())
    );
    let (a, b) = (median(here), median(isolated));
    println!("reader: {n} returns of 1–7 indicators, every text column filled");
    println!(
        "  read in this process      median {a:>7.0} µs a file ({:.0} µs to guard and open it)",
        median(open)
    );
    println!(
        "  read in a reader process  median {b:>7.0} µs a file (+{:.0} µs, the pipe and the sheet sent back)",
        b - a
    );
    println!("  starting a reader and its first file: {start:.1} ms");

    // A zip bomb: one sheet part of 1 GB of spaces, about 1 MB on disk,
    // refused by the guards before anything is parsed.
    let bomb = {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        z.start_file("xl/workbook.xml", opts).unwrap();
        z.write_all(b"<workbook/>").unwrap();
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..1024 {
            z.write_all(&chunk).unwrap();
        }
        z.finish().unwrap().into_inner()
    };
    let t = Instant::now();
    let refused = reader.read("bomb.xlsx", &bomb).expect("read");
    assert!(
        matches!(&refused, Outcome::Refused(e) if e.code() == minsheng::model::FindingCode::TooLarge)
    );
    println!(
        "  zip bomb ({:.1} MB on disk, 1 GB inflated): too_large in {:.0} ms",
        bomb.len() as f64 / 1048576.0,
        t.elapsed().as_secs_f64() * 1e3
    );

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
