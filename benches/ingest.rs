//! Ingest throughput: 2,000 filled returns (1–7 indicators each, every
//! department of the 2024 plan) dropped into a fresh workspace's inbox and
//! taken through the whole path — read, validate, ledger, archive, receipt
//! text and receipt workbook.
//!
//!     cargo bench --bench ingest            # 2,000 returns
//!     RETURNS=500 cargo bench --bench ingest
//!
//! Prints returns per second and peak memory (VmHWM, reset just before the
//! measured part), and resident memory along the way to show it stays flat.

use minsheng::form::{FormSpec, Prefill, PrefillRow, PrefillValue, build};
use minsheng::intake::Intake;
use minsheng::plan::Period;
use minsheng::plan::catalog::{Kind, STAGES};
use minsheng::workspace::Workspace;
use std::time::Instant;

fn proc_status(key: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CPU time of this (single-threaded) process in seconds, so the figure
/// means something when other work shares the machine.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|ns| ns.parse::<f64>().ok())
        })
        .map(|ns| ns / 1e9)
        .unwrap_or(f64::NAN)
}

fn main() {
    let n: usize = std::env::var("RETURNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    // SAFETY: single-threaded at this point; the clock is read at Workspace::open.
    unsafe { std::env::set_var("MINSHENG_TODAY", "2024-04-03") };
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("ws");
    Workspace::init(&root).expect("init");
    let ws = Workspace::open(Some(&root)).expect("open");
    let key = ws.signing_key().expect("key");
    let period = Period::new(2024, 3).unwrap();
    let deadline = period.deadline(5);
    let depts = ws.catalog.departments.clone();

    // Returns that should be accepted: every value on track, different per
    // file so none is a byte-for-byte duplicate.
    let t = Instant::now();
    for i in 0..n {
        let dept = &depts[i % depts.len()];
        let rows = ws
            .catalog
            .indicators_of(dept)
            .map(|ind| {
                let done = match ind.kind {
                    Kind::Milestone => PrefillValue::Stage(STAGES[2 + i % 3].to_string()),
                    Kind::Standard => PrefillValue::Number(ind.target),
                    _ => PrefillValue::Number(
                        (ind.target * (0.3 + (i % 50) as f64 / 100.0)).min(ind.target),
                    ),
                };
                let row = PrefillRow {
                    done: Some(done),
                    progress: format!("第{i}次报送，工作按计划推进"),
                    problems: String::new(),
                    measures: String::new(),
                };
                (ind.code.clone(), row)
            })
            .collect();
        let issued_at = format!("2024-04-01T09:00:{:02}+08:00", i % 60);
        let spec = FormSpec {
            catalog: &ws.catalog,
            department: dept,
            period,
            deadline,
            issued_at: &issued_at,
            key: &key,
        };
        let bytes = build(
            &spec,
            Some(&Prefill {
                rows,
                contact: Some(("张三".into(), "0730-6221234".into())),
            }),
        )
        .expect("form");
        std::fs::write(
            ws.inbox().join(format!("{i:05}-{period}-{dept}.xlsx")),
            bytes,
        )
        .expect("write");
    }
    eprintln!(
        "generated {n} returns in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let mut files: Vec<_> = std::fs::read_dir(ws.inbox())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    // Start the peak-memory count here: generation is not what we measure.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let start_rss = proc_status("VmRSS:");
    let t = Instant::now();
    let cpu = cpu_seconds();
    let mut intake = Intake::open(&ws).expect("intake");
    let mut accepted = 0;
    let mut checkpoints = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let r = intake.ingest(f, &f.display().to_string()).expect("ingest");
        if r.verdict == minsheng::model::Verdict::Accepted {
            accepted += 1;
        }
        if (i + 1) % (n / 4).max(1) == 0 {
            checkpoints.push((i + 1, proc_status("VmRSS:")));
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    println!(
        "ingest: {n} returns in {secs:.2} s = {:.0} returns/s ({accepted} accepted)",
        n as f64 / secs
    );
    println!(
        "        {cpu:.2} s on the CPU = {:.0} returns per CPU-second",
        n as f64 / cpu
    );
    println!(
        "peak memory (VmHWM) during ingest: {:.1} MB (RSS before: {start_rss:.1} MB)",
        proc_status("VmHWM:")
    );
    for (i, rss) in checkpoints {
        println!("  RSS after {i:>5} returns: {rss:.1} MB");
    }
    assert_eq!(accepted, n, "every generated return should be accepted");

    // A zip bomb: one sheet part of 1 GB of spaces, about 1 MB on disk.
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
    let path = ws.inbox().join("bomb.xlsx");
    std::fs::write(&path, &bomb).unwrap();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = proc_status("VmRSS:");
    let t = Instant::now();
    let r = intake.ingest(&path, "bomb.xlsx").expect("ingest");
    println!(
        "zip bomb ({:.1} MB on disk, 1 GB inflated): {} {} in {:.0} ms, peak memory {:.1} MB (RSS before {before:.1} MB)",
        bomb.len() as f64 / 1048576.0,
        r.verdict.as_str(),
        r.findings.first().map(|f| f.code).unwrap_or("-"),
        t.elapsed().as_secs_f64() * 1000.0,
        proc_status("VmHWM:"),
    );
}
