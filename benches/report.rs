//! The report of one period over a province-scale ledger: a generated
//! catalog of 2,000 indicators across 200 departments, 12 periods of
//! accepted returns recorded in a real SQLite ledger, then `report::generate`
//! (ledger read, consolidation, master workbook, bulletin HTML/text/Word,
//! files written) for one period.
//!
//!     cargo bench --bench report
//!     RUNS=10 cargo bench --bench report
//!
//! Prints wall time per run and peak memory (VmHWM, reset just before the
//! measured part by writing 5 to /proc/self/clear_refs). Targets: under 1 s
//! and under 100 MB on a 2-core machine.

use minsheng::config::Config;
use minsheng::ledger::{Ledger, NewFile};
use minsheng::model::Value;
use minsheng::model::{Contact, Reported};
use minsheng::plan::Period;
use minsheng::plan::catalog::{Catalog, Kind};
use minsheng::workspace::Workspace;
use std::fmt::Write as _;
use std::time::Instant;

const DEPARTMENTS: usize = 200;
const PER_DEPARTMENT: usize = 10;
const YEAR: i32 = 2024;

fn proc_status_mb(key: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// Reset the peak-RSS counter to the current RSS (Linux ≥ 4.0).
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A small deterministic generator, so every run measures the same ledger.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn kind_of(n: usize) -> Kind {
    match n % 10 {
        7 => Kind::Percent,
        8 => Kind::Standard,
        9 => Kind::Milestone,
        _ => Kind::Count,
    }
}

/// One task per department, ten indicators each; task codes run P01–P99,
/// M01–M99, C01–C02 as the catalog's code rules require.
fn catalog_toml() -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "schema = 1\nversion = \"bench\"\n[plan]\nname = \"基准测试行动\"\ncounty = \"基准省\"\nyear = {YEAR}\nissuer = \"基准测试专班\"\n"
    );
    for d in 0..DEPARTMENTS {
        let _ = write!(s, "[[departments]]\nname = \"第{d:03}厅局\"\n");
    }
    for d in 0..DEPARTMENTS {
        let (prefix, level, n) = match d {
            0..=98 => ('P', "省级", d + 1),
            99..=197 => ('M', "市级", d - 98),
            _ => ('C', "县级", d - 197),
        };
        let code = format!("{prefix}{n:02}");
        let _ = write!(
            s,
            "[[tasks]]\ncode = \"{code}\"\nlevel = \"{level}\"\ntitle = \"第{d:03}项重点民生实事建设任务\"\nleads = [\"第{d:03}厅局\"]\n"
        );
        for i in 0..PER_DEPARTMENT {
            let kind = kind_of(i);
            let _ = write!(
                s,
                "[[tasks.indicators]]\ncode = \"{code}-{}\"\nname = \"第{d:03}厅局第{}项民生指标完成数量\"\ndepartment = \"第{d:03}厅局\"\n",
                i + 1,
                i + 1
            );
            let _ = match kind {
                Kind::Count => write!(
                    s,
                    "kind = \"count\"\nunit = \"人\"\ntarget = {}\n",
                    100 * (i + 1) * (d % 7 + 1)
                ),
                Kind::Percent => write!(s, "kind = \"percent\"\nunit = \"%\"\ntarget = 90\n"),
                Kind::Standard => write!(
                    s,
                    "kind = \"standard\"\nunit = \"元/月\"\ntarget = 700\nbaseline = 650\n"
                ),
                Kind::Milestone => write!(
                    s,
                    "kind = \"milestone\"\nunit = \"阶段\"\ntarget = \"完成\"\n"
                ),
            };
        }
    }
    s
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let t = Instant::now();
    let src = catalog_toml();
    let catalog = Catalog::parse(&src, "bench", "bench.toml").expect("generated catalog loads");
    let indicators = catalog.indicators().count();
    assert_eq!(indicators, DEPARTMENTS * PER_DEPARTMENT);
    let dir = tempfile::tempdir().expect("temp dir");
    let tz = catalog.tz;
    let at = chrono::TimeZone::with_ymd_and_hms(&tz, YEAR, 10, 8, 9, 0, 0)
        .single()
        .expect("a valid instant");
    let ws = Workspace {
        root: dir.path().to_path_buf(),
        config: Config::default(),
        catalog,
        clock: minsheng::clock::Clock::starting_at(at),
    };
    let mut ledger = Ledger::open(&ws.ledger_path()).expect("ledger");

    // Twelve months of returns: each department's values grow month by
    // month at its own pace, so a period has every status, and the lagging
    // ones carry the reasons the validator would demand.
    let mut rng = Lcg(7);
    let departments = ws.catalog.departments.clone();
    let pace: Vec<f64> = (0..DEPARTMENTS).map(|_| 0.5 + rng.next() * 0.7).collect();
    let contact = Contact {
        filler: "张三".into(),
        phone: "0730-6221234".into(),
        date: "2024-04-02".into(),
    };
    let mut returns = 0;
    for period in Period::months_of(YEAR) {
        let time = period.time_progress();
        for (d, dept) in departments.iter().enumerate() {
            let values: Vec<Reported> = ws
                .catalog
                .indicators_of(dept)
                .map(|ind| {
                    let share = (time * pace[d]).min(1.0);
                    let value = match ind.kind {
                        Kind::Milestone => Value::Stage(((share * 4.0).floor() as usize).min(4)),
                        Kind::Standard if share > 0.5 => Value::Number(ind.target),
                        Kind::Standard => Value::Number(650.0),
                        _ => Value::Number((ind.target * share).round()),
                    };
                    let behind = value.progress(ind) < time - 0.05;
                    Reported {
                        code: ind.code.clone(),
                        value,
                        progress: format!("已完成{}，正按计划推进各项工作", value.display(ind)),
                        problems: if behind {
                            "项目资金尚未全部拨付到位，部分项目招标程序进展较慢".into()
                        } else {
                            String::new()
                        },
                        measures: if behind {
                            "加快资金拨付，倒排工期，确保下月赶上序时进度".into()
                        } else {
                            String::new()
                        },
                    }
                })
                .collect();
            let sha = format!("{period}-{d:04}");
            let received = chrono::DateTime::parse_from_rfc3339(&format!(
                "{}T09:00:00+08:00",
                period.next().first_day()
            ))
            .expect("a valid time");
            ledger
                .record(&NewFile {
                    sha256: &sha,
                    name: "bench.xlsx",
                    size: 1,
                    received_at: received,
                    verdict: minsheng::model::Verdict::Accepted,
                    department: Some(dept),
                    period: Some(period),
                    archive_path: "var/archive/bench.xlsx",
                    receipt_stem: "bench",
                    duplicate_of: None,
                    findings: &[],
                    accepted: Some((&values, &contact)),
                })
                .expect("record");
            returns += 1;
        }
    }
    println!(
        "setup: catalog of {indicators} indicators across {DEPARTMENTS} departments, \
         {returns} accepted returns over 12 periods, in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let period = Period::new(YEAR, 9).unwrap();
    let mut times = Vec::new();
    let mut peaks = Vec::new();
    for run in 0..runs {
        let before = proc_status_mb("VmRSS");
        let reset = reset_peak();
        let t = Instant::now();
        let files = minsheng::report::generate(&ws, &ledger, period).expect("report");
        let secs = t.elapsed().as_secs_f64();
        let peak = proc_status_mb("VmHWM");
        times.push(secs);
        peaks.push(peak);
        let size = |p: &std::path::Path| {
            std::fs::metadata(p)
                .map(|m| m.len() as f64 / 1024.0)
                .unwrap_or(f64::NAN)
        };
        println!(
            "run {}: {:.3} s, peak RSS {:.1} MB (RSS before {:.1} MB{}); workbook {:.0} KB, html {:.0} KB, docx {:.0} KB",
            run + 1,
            secs,
            peak,
            before,
            if reset { "" } else { ", peak not reset" },
            size(&files.workbook),
            size(&files.html),
            size(&files.docx),
        );
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let worst_peak = peaks.iter().copied().fold(0.0, f64::max);
    println!(
        "report of {period} over {indicators} indicators: median {:.3} s (min {:.3}, max {:.3}), peak RSS {:.1} MB",
        median,
        times[0],
        times[times.len() - 1],
        worst_peak
    );
    println!(
        "targets: < 1 s {}, < 100 MB {}",
        if median < 1.0 { "met" } else { "MISSED" },
        if worst_peak < 100.0 { "met" } else { "MISSED" }
    );
}
