//! Throughput beside the pipeline a county would write instead, in one run.
//!
//!     cargo bench --bench throughput
//!     RETURNS=2000 ROUNDS=3 FLAT=20000 BENCH_DIR=target/tmp/throughput cargo bench --bench throughput
//!
//! Fills RETURNS returns the way clerks do (12 periods × 20 departments of
//! the 2024 plan, 1–9 versions of each, 1–7 indicators, every text column
//! and the footer filled), then in each round times, as whole processes:
//!
//! - minsheng: `ingest` of all of them from the inbox of a fresh workspace
//!   (every guarantee: guards, the reader processes, archive, the ledger on
//!   disk before a file leaves `var/processing/`, receipts, a receipt mail
//!   queued for every department) and `report --period 2024-12`;
//! - a pandas pipeline as a county would write it (the script `PEER_SCRIPT`
//!   names, run by `PEER_PYTHON`, default `/tmp/peer/bin/python`) with
//!   openpyxl and with calamine, when both are given;
//! - the floor (the binary `FLOOR` names, default
//!   `/tmp/floor-target/release/floor`), calamine and rust_xlsxwriter alone.
//!
//! Rounds alternate the pipelines; each ratio is taken within a round and
//! the median quoted. Then FLAT returns go into one workspace in batches of
//! RETURNS, to show the cost per return does not grow with the ledger.
//! Run it on a quiet machine, not right after a test run: ext4 creates files
//! slowly for about 30 seconds where thousands were just deleted.

use minsheng::form::{FormSpec, Prefill, PrefillRow, PrefillValue, build};
use minsheng::plan::Period;
use minsheng::plan::catalog::{Catalog, Kind, STAGES};
use minsheng::workspace::Workspace;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const TODAY: &str = "2025-01-03";

fn env_num(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds (user + system) of every child process waited for so far,
/// their own children (the reader processes) included.
fn children_cpu() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(ru.ru_utime) + secs(ru.ru_stime)
}

struct Timed {
    wall: f64,
    cpu: f64,
    /// The largest resident set of the processes run (each its own), MB.
    rss: f64,
}

/// Run `runs` one after another as whole processes.
fn time(runs: &mut [Command]) -> Timed {
    let cpu0 = children_cpu();
    let t = Instant::now();
    let mut rss: f64 = 0.0;
    for c in runs.iter_mut() {
        // Waited for below with wait4, which also gives its own rusage.
        #[allow(clippy::zombie_processes)]
        let child = c
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("runs");
        let mut status = 0;
        // SAFETY: waits for our own child and fills the structs given.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut ru) };
        assert_eq!(pid, child.id() as i32);
        let code = libc::WEXITSTATUS(status);
        assert!(
            libc::WIFEXITED(status) && code <= 1,
            "{c:?} failed ({status})"
        );
        rss = rss.max(ru.ru_maxrss as f64 / 1024.0);
    }
    Timed {
        wall: t.elapsed().as_secs_f64(),
        cpu: children_cpu() - cpu0,
        rss,
    }
}

fn minsheng() -> PathBuf {
    // target/release/deps/throughput-… → target/release/minsheng
    let me = std::env::current_exe().unwrap();
    me.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join("minsheng"))
        .find(|p| p.is_file())
        .expect("target/release/minsheng (cargo bench builds it)")
}

/// `n` returns over 12 periods × every department, 1–9 versions each, as
/// a clerk fills them; written to `dir`, in the order they would arrive.
fn fill(ws: &Workspace, dir: &Path, n: usize, salt: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    let key = ws.signing_key().unwrap();
    let depts = ws.catalog.departments.clone();
    let slots: Vec<(u32, usize)> = (1..=12)
        .flat_map(|m| (0..depts.len()).map(move |d| (m, d)))
        .collect();
    // 1–9 versions each, then more where fewer, until `n` in all.
    let mut versions: Vec<usize> = slots
        .iter()
        .map(|(m, d)| 1 + (*m as usize * 7 + d * 13 + salt) % 9)
        .collect();
    let mut total: usize = versions.iter().sum();
    let mut i = 0;
    while total < n && versions.iter().any(|v| *v < 9) {
        if versions[i % slots.len()] < 9 {
            versions[i % slots.len()] += 1;
            total += 1;
        }
        i += 1;
    }
    let mut files = Vec::new();
    'out: for (slot, (m, d)) in slots.iter().enumerate() {
        for v in 1..=versions[slot] {
            if files.len() == n {
                break 'out;
            }
            let period = Period::new(2024, *m).unwrap();
            let path = dir.join(format!("{period}-{}-第{v}版-{salt}.xlsx", depts[*d]));
            std::fs::write(&path, one(&ws.catalog, &key, &depts[*d], period, v, salt)).unwrap();
            files.push(path);
        }
    }
    files
}

fn one(
    catalog: &Catalog,
    key: &[u8],
    dept: &str,
    period: Period,
    v: usize,
    salt: usize,
) -> Vec<u8> {
    // Cumulative through the year, a little more with each version.
    let share = ((period.month as f64 + v as f64 / 10.0) / 12.5).min(1.0);
    let rows = catalog
        .indicators_of(dept)
        .map(|ind| {
            let done = match ind.kind {
                Kind::Milestone => {
                    PrefillValue::Stage(STAGES[(period.month as usize / 3).min(4)].to_string())
                }
                Kind::Standard => PrefillValue::Number(ind.target),
                _ => PrefillValue::Number((ind.target * share * 100.0).round() / 100.0),
            };
            let row = PrefillRow {
                done: Some(done),
                progress: format!(
                    "{}第{v}次报送：本月完成{}，累计推进顺利，已完成阶段性目标并组织了督导检查",
                    period.chinese(),
                    ind.name
                ),
                problems: "部分乡镇资金拨付进度偏慢，个别项目前期手续办理时间较长".into(),
                measures: format!(
                    "倒排工期、挂图作战，每周调度一次，确保{}前完成",
                    period.next().chinese()
                ),
            };
            (ind.code.clone(), row)
        })
        .collect();
    let issued_at = chrono::DateTime::parse_from_rfc3339(&format!(
        "2024-{:02}-01T09:00:{:02}+08:00",
        period.month,
        salt % 60
    ))
    .expect("a valid time");
    let spec = FormSpec {
        catalog,
        department: dept,
        period,
        deadline: period.deadline(5),
        issued_at,
        key,
        link: None,
    };
    build(
        &spec,
        Some(&Prefill {
            rows,
            contact: Some(("张三".into(), format!("0730-62{:05}", 10000 + v * 7 + salt))),
        }),
    )
    .expect("form")
}

/// A fresh workspace with an address for every department, so every
/// receipt is queued as mail too.
fn workspace(root: &Path) -> Workspace {
    Workspace::init(root).expect("init");
    let ws = Workspace::open(Some(root)).expect("open");
    let mut cfg = std::fs::read_to_string(root.join("minsheng.toml")).unwrap();
    for (i, d) in ws.catalog.departments.iter().enumerate() {
        cfg.push_str(&format!(
            "\n[departments.\"{d}\"]\nemail = \"d{i}@example.cn\"\n"
        ));
    }
    std::fs::write(root.join("minsheng.toml"), cfg).unwrap();
    Workspace::open(Some(root)).expect("open")
}

fn ingest_and_report(bin: &Path, root: &Path, files: &[PathBuf]) -> [Command; 2] {
    let mut ingest = Command::new(bin);
    ingest
        .arg("--workspace")
        .arg(root)
        .args(["ingest", "--json"])
        .args(files)
        .env("MINSHENG_TODAY", TODAY);
    let mut report = Command::new(bin);
    report
        .arg("--workspace")
        .arg(root)
        .args(["report", "--period", "2024-12"])
        .env("MINSHENG_TODAY", TODAY);
    [ingest, report]
}

/// Copy `files` into `root`'s inbox (outside the timing); their new paths.
fn into_inbox(root: &Path, files: &[PathBuf]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|f| {
            let to = root.join("inbox").join(f.file_name().unwrap());
            std::fs::copy(f, &to).unwrap();
            to
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let n = env_num("RETURNS", 2000);
    let rounds = env_num("ROUNDS", 3);
    let flat = env_num("FLAT", 20_000);
    // SAFETY: single-threaded here; read by Workspace::open and the children.
    unsafe { std::env::set_var("MINSHENG_TODAY", TODAY) };
    let bin = minsheng();
    // ext4 creates files slowly for about 30 s where thousands were just
    // deleted (FIELD-NOTES), which test runs and an earlier run of this
    // bench do: the files are kept under target/ after the run, and cleared
    // at the start of the next one, which then waits for ext4 to forget.
    let root = std::env::var_os("BENCH_DIR").map_or_else(
        || Path::new(env!("CARGO_TARGET_TMPDIR")).join("throughput"),
        PathBuf::from,
    );
    if root.exists() {
        std::fs::remove_dir_all(&root).expect("clear the last run");
        eprintln!("cleared the last run's files; waiting 35 s before measuring");
        std::thread::sleep(std::time::Duration::from_secs(35));
    }
    std::fs::create_dir_all(&root).expect("bench folder");
    let tmp = root.as_path();
    let base = workspace(&tmp.join("template"));
    let t = Instant::now();
    let returns = fill(&base, &tmp.join("returns"), n, 0);
    eprintln!("filled {n} returns in {:.1} s", t.elapsed().as_secs_f64());
    let key = base.signing_key().unwrap();
    if let Ok(keep) = std::env::var("FILL_ONLY") {
        // For profiling: the workspace and the returns, kept in `keep`.
        let keep = Path::new(&keep);
        copy_dir(&base.root, &keep.join("ws"));
        copy_dir(&tmp.join("returns"), &keep.join("returns"));
        return;
    }

    let peer_python = std::env::var("PEER_PYTHON").unwrap_or("/tmp/peer/bin/python".into());
    let peer_script = std::path::PathBuf::from(std::env::var("PEER_SCRIPT").unwrap_or_default());
    let have_peer = Path::new(&peer_python).is_file() && peer_script.is_file();
    let floor = std::env::var("FLOOR").unwrap_or("/tmp/floor-target/release/floor".into());
    let have_floor = Path::new(&floor).is_file();

    // How fast this file system creates files right now: minsheng creates
    // three a return (receipt, mail, its record), the peer and the floor one
    // in all, so a slow spell of the file system weighs on minsheng alone.
    let probe = tmp.join("probe");
    std::fs::create_dir_all(&probe).unwrap();
    let t = Instant::now();
    for i in 0..3 * n {
        std::fs::write(probe.join(format!("{i}.txt")), [b'x'; 2048]).unwrap();
    }
    let probe_secs = t.elapsed().as_secs_f64();

    let mut ours = Vec::new();
    let mut peers: Vec<(&str, Vec<Timed>)> =
        vec![("pandas + openpyxl", vec![]), ("pandas + calamine", vec![])];
    let mut floors = Vec::new();
    for r in 0..rounds {
        // Workspaces of earlier rounds are kept: deleting thousands of files
        // just before creating thousands more slows ext4 (FIELD-NOTES).
        let root = tmp.join(format!("round{r}"));
        copy_dir(&base.root, &root);
        std::fs::write(root.join("var/form.key"), minsheng::text::hex(&key)).unwrap();
        let inbox = into_inbox(&root, &returns);
        let run = time(&mut ingest_and_report(&bin, &root, &inbox));
        let accepted = std::fs::read_dir(root.join("outbox/receipts"))
            .unwrap()
            .flatten()
            .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.contains("-accepted") && n.ends_with(".txt")
            })
            .count();
        if accepted != n {
            let rejected: Vec<String> = std::fs::read_dir(root.join("outbox/receipts"))
                .unwrap()
                .flatten()
                .flat_map(|d| std::fs::read_dir(d.path()).unwrap().flatten())
                .filter(|e| e.file_name().to_string_lossy().contains("-rejected"))
                .take(2)
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .collect();
            panic!(
                "{accepted} of {n} returns accepted; e.g.\n{}",
                rejected.join("\n---\n")
            );
        }
        ours.push(run);
        if have_peer {
            for (i, engine) in ["openpyxl", "calamine"].iter().enumerate() {
                let mut c = Command::new(&peer_python);
                c.arg(&peer_script)
                    .arg(tmp.join("returns"))
                    .arg(tmp.join(format!("peer-{r}-{engine}.xlsx")))
                    .args(["--engine", engine]);
                peers[i].1.push(time(&mut [c]));
            }
        }
        if have_floor {
            let mut c = Command::new(&floor);
            c.arg(tmp.join("returns"))
                .arg(tmp.join(format!("floor-{r}.xlsx")))
                .args(["--jobs", "2"]);
            floors.push(time(&mut [c]));
        }
    }

    println!(
        "file system: {} files of 2 KB created in {probe_secs:.2} s{}",
        3 * n,
        if probe_secs > 1.0 {
            " — slow (thousands of files deleted nearby in the last minutes?): minsheng's figures suffer"
        } else {
            ""
        }
    );
    println!(
        "throughput: {n} returns (12 periods × 20 departments, 1–9 versions, 1–7 indicators), {rounds} rounds, {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let line = |name: &str, t: &[Timed]| {
        let wall = median(t.iter().map(|x| x.wall).collect());
        let cpu = median(t.iter().map(|x| x.cpu).collect());
        println!(
            "  {name:<30} wall {wall:>6.2} s ({:>5.0} returns/s)  CPU {cpu:>6.2} s ({:.2} ms a return)  peak RSS {:.0} MB",
            n as f64 / wall,
            cpu * 1000.0 / n as f64,
            t.iter().map(|x| x.rss).fold(0.0, f64::max)
        );
    };
    line("minsheng ingest + report", &ours);
    for (name, t) in &peers {
        if !t.is_empty() {
            line(name, t);
            let ratio = median(t.iter().zip(&ours).map(|(p, o)| p.wall / o.wall).collect());
            println!("    {name} / minsheng, wall: {ratio:.1}×");
        }
    }
    if !floors.is_empty() {
        line("floor (calamine + xlsxwriter)", &floors);
        let ratio = median(
            ours.iter()
                .zip(&floors)
                .map(|(o, f)| o.wall / f.wall)
                .collect(),
        );
        println!("    minsheng / floor, wall: {ratio:.1}×");
    }
    if !have_peer {
        println!(
            "  (no peer: PEER_SCRIPT=<the pandas pipeline> and python3 -m venv /tmp/peer && /tmp/peer/bin/pip install pandas openpyxl xlsxwriter python-calamine)"
        );
    }
    if !have_floor {
        println!("  (no floor: FLOOR=<a calamine + rust_xlsxwriter binary>)");
    }

    if flat > 0 {
        // One workspace, batch after batch: the cost per return must not
        // grow with the ledger.
        let root = tmp.join("flat");
        copy_dir(&base.root, &root);
        std::fs::write(root.join("var/form.key"), minsheng::text::hex(&key)).unwrap();
        let batches = flat.div_ceil(n);
        println!("flat: {flat} returns into one workspace, {batches} ingest calls of {n}");
        for b in 0..batches {
            let files = fill(&base, &tmp.join(format!("flat-{b}")), n, b + 1);
            let inbox = into_inbox(&root, &files);
            let mut ingest = ingest_and_report(&bin, &root, &inbox);
            let t = time(&mut ingest[..1]);
            println!(
                "  returns {:>6}–{:<6} CPU {:.2} ms a return, wall {:.2} s, peak RSS {:.0} MB",
                b * n + 1,
                (b + 1) * n,
                t.cpu * 1000.0 / n as f64,
                t.wall,
                t.rss
            );
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        let dest = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}
