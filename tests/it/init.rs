//! A new county from its plan to its first forms: `init --plan` on a text
//! and on a Word plan, the review gate on every command that sends the
//! catalog's figures out, and the daemon's scheduled mail held back while
//! the catalog is unreviewed.

use crate::draft::docx_of;
use crate::util::{Run, Ws, bare, repo};
use calamine::{Data, Reader, open_workbook_auto};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const FENGLIN: &str = "tests/fixtures/plans/fenglin-minsheng-2025.txt";
const QINGLAN: &str = "tests/fixtures/plans/qinglan-weimin-2025.txt";

/// `init ws --plan PLAN` in a fresh temp folder, with the clock in 2025.
fn init_with(plan: &Path) -> (Ws, Run) {
    let dir = tempfile::tempdir().unwrap();
    let run = bare(
        &["init", "ws", "--plan", plan.to_str().unwrap()],
        dir.path(),
    );
    (
        Ws {
            dir,
            today: "2025-04-03".into(),
        },
        run,
    )
}

/// The lines of the catalog file that hold a mark, as `catalog` numbers them.
fn mark_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("# 待核对"))
        .map(|(n, _)| n + 1)
        .collect()
}

/// Delete every mark: the review, done.
fn review(ws: &Ws, catalog: &str) {
    let text = ws.read(catalog);
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("# 待核对"))
        .collect();
    ws.write(catalog, &format!("{}\n", kept.join("\n")));
}

/// The title row of an issued form.
fn form_title(path: &Path) -> String {
    let mut book = open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let range = book.worksheet_range("填报表").unwrap();
    match range.get_value((0, 0)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("no title: {other:?}"),
    }
}

fn xlsx_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|x| x == "xlsx"));
    v.sort();
    v
}

/// The refusal every gated command gives: exit 2, how many marks and the
/// first lines, and the way out.
#[track_caller]
fn assert_refused(run: Run, marks: &[usize]) {
    let run = run.code(2);
    let first: Vec<String> = marks.iter().take(5).map(usize::to_string).collect();
    assert!(
        run.stderr
            .contains(&format!("还有 {} 处“待核对”标记没有核对", marks.len())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("第 {} 行等", first.join("、"))),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--draft"), "{}", run.stderr);
}

#[test]
fn init_with_a_text_plan_drafts_the_catalog_and_forms_wait_for_the_review() {
    let plan = repo(FENGLIN);
    let (ws, run) = init_with(&plan);
    let out = run.ok().stdout;
    let catalog = "seeds/枫林县-2025.toml";
    // What was made, and what to do next, in Chinese.
    assert!(
        out.contains("20 项任务（省级 12 项，市级 5 项，县级 3 项）"),
        "{out}"
    );
    assert!(out.contains(catalog), "{out}");
    assert!(out.contains("seeds/fenglin-minsheng-2025.txt"), "{out}");
    assert!(out.contains("共 28 处“待核对”标记"), "{out}");
    assert!(
        out.contains("28 处标记为“待核对”"),
        "the summary counts the same marks: {out}"
    );
    assert!(
        out.contains("catalog") && out.contains("forms --period 2025-01"),
        "{out}"
    );
    assert!(out.contains("--draft") && out.contains("草稿"), "{out}");
    // The draft, the plan kept beside it, the configuration pointing at it.
    assert_eq!(
        std::fs::read(ws.path("seeds/fenglin-minsheng-2025.txt")).unwrap(),
        std::fs::read(&plan).unwrap()
    );
    let config = ws.read("minsheng.toml");
    assert!(
        config.contains(&format!("catalog = \"{catalog}\"")),
        "{config}"
    );
    assert!(
        config.contains("# [smtp]"),
        "optional sections still offered"
    );
    assert!(
        !ws.path("seeds/pingjiang-2024.toml").exists(),
        "no example catalog"
    );
    assert!(ws.path("var/form.key").is_file());
    let marks = mark_lines(&ws.read(catalog));
    assert_eq!(marks.len(), 28);

    // `catalog` lists every mark with its line; --json too.
    let listed = ws.run(&["catalog"]).ok().stdout;
    assert!(
        listed.contains("枫林县重点民生实事项目（2025 年）"),
        "{listed}"
    );
    assert!(
        listed.contains("还有 28 处“待核对”标记没有核对"),
        "{listed}"
    );
    for line in &marks {
        assert!(
            listed
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("第 {line:>3} 行"))
                    || l.trim_start().starts_with(&format!("第 {line} 行"))),
            "line {line} not listed:\n{listed}"
        );
    }
    assert!(listed.contains("已换算为 21000 人"), "{listed}");
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let json_lines: Vec<usize> = doc["review_marks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["line"].as_u64().unwrap() as usize)
        .collect();
    assert_eq!(json_lines, marks);

    // Nothing goes out from it: no forms, no bulletin, no reminders.
    assert_refused(ws.run(&["forms", "--period", "2025-03"]), &marks);
    assert!(xlsx_in(&ws.path("outbox/forms/2025-03")).is_empty());
    assert_refused(ws.run(&["report", "--period", "2025-03", "--send"]), &marks);
    assert_refused(ws.run(&["remind", "--period", "2025-03"]), &marks);

    // A draft on request, said to be one.
    let run = ws.run(&["forms", "--period", "2025-03", "--draft"]).ok();
    assert!(run.stdout.contains("这是草稿"), "{}", run.stdout);
    let drafts = xlsx_in(&ws.path("outbox/forms/2025-03"));
    assert_eq!(drafts.len(), 15, "one form per reporting department");
    for f in &drafts {
        let title = form_title(f);
        assert!(title.contains("草稿"), "{}: {title}", f.display());
    }

    // The bulletin too, when the office asks for it knowingly.
    let config = ws.read("minsheng.toml");
    ws.write(
        "minsheng.toml",
        &format!("{config}\n[[leaders]]\nname = \"张三\"\nemail = \"zhangsan@example.cn\"\n"),
    );
    ws.run(&["report", "--period", "2025-03", "--send", "--draft"])
        .ok();
    assert_eq!(queued_mail(&ws), 1, "the bulletin is queued");

    // Removing the marks is the review: the gate opens, the title is plain.
    review(&ws, catalog);
    let listed = ws.run(&["catalog"]).ok().stdout;
    assert!(!listed.contains("待核对"), "{listed}");
    let run = ws.run(&["forms", "--period", "2025-03"]).ok();
    assert!(!run.stdout.contains("草稿"), "{}", run.stdout);
    for f in xlsx_in(&ws.path("outbox/forms/2025-03")) {
        let title = form_title(&f);
        assert!(!title.contains("草稿"), "{}: {title}", f.display());
        assert!(title.starts_with("枫林县"), "{title}");
    }
}

#[test]
fn init_with_a_word_plan_drafts_the_same_way() {
    let text = std::fs::read_to_string(repo(QINGLAN)).unwrap();
    let paragraphs: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("青岚区2025年为民办实事项目工作方案.docx");
    let bytes = docx_of(&paragraphs);
    std::fs::write(&plan, &bytes).unwrap();
    let (ws, run) = init_with(&plan);
    let out = run.ok().stdout;
    let catalog = "seeds/青岚区-2025.toml";
    assert!(out.contains(catalog), "{out}");
    assert!(out.contains("16 项任务"), "{out}");
    assert_eq!(
        std::fs::read(ws.path("seeds/青岚区2025年为民办实事项目工作方案.docx")).unwrap(),
        bytes,
        "the plan is kept as received"
    );
    let drafted = ws.read(catalog);
    assert!(
        drafted.contains("source = \"青岚区2025年为民办实事项目工作方案.docx\""),
        "{drafted}"
    );
    let marks = mark_lines(&drafted);
    assert_eq!(marks.len(), 17);
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 16);
    assert_eq!(doc["review_marks"].as_array().unwrap().len(), 17);
    assert_refused(ws.run(&["forms"]), &marks);
    ws.run(&["forms", "--draft", "--department", "区民政局"])
        .ok();
    let forms = xlsx_in(&ws.path("outbox/forms/2025-03"));
    assert_eq!(forms.len(), 1);
    assert!(form_title(&forms[0]).contains("草稿"));
}

#[test]
fn plain_init_says_its_catalog_is_the_pingjiang_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = bare(&["init", "ws"], dir.path()).ok().stdout;
    assert!(out.contains("seeds/pingjiang-2024.toml 是示例"), "{out}");
    assert!(out.contains("init 新目录 --plan"), "{out}");
    let config = std::fs::read_to_string(dir.path().join("ws/minsheng.toml")).unwrap();
    assert!(config.contains("catalog = \"seeds/pingjiang-2024.toml\""));
}

#[test]
fn a_plan_that_cannot_be_drafted_leaves_no_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let notice = dir.path().join("notice.txt");
    std::fs::write(&notice, "会议通知\n请各单位准时参会。\n").unwrap();
    for (plan, why) in [
        (notice.to_str().unwrap(), "没有在方案中找到任何任务"),
        ("no-such-plan.docx", "文件不存在"),
    ] {
        let run = bare(&["init", "ws", "--plan", plan], dir.path()).code(2);
        assert!(run.stderr.contains(why), "{plan}: {}", run.stderr);
        assert!(!dir.path().join("ws").exists(), "{plan}: nothing made");
    }
    // An existing workspace is never touched, plan or not.
    bare(&["init", "ws"], dir.path()).ok();
    let before = std::fs::read_to_string(dir.path().join("ws/minsheng.toml")).unwrap();
    let run = bare(
        &["init", "ws", "--plan", repo(FENGLIN).to_str().unwrap()],
        dir.path(),
    )
    .code(2);
    assert!(run.stderr.contains("已经是工作目录"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ws/minsheng.toml")).unwrap(),
        before
    );
    assert!(!dir.path().join("ws/seeds/枫林县-2025.toml").exists());
}

#[test]
fn a_draft_that_does_not_load_is_kept_with_its_problems_named() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.txt");
    std::fs::write(
        &plan,
        "某县2025年民生实事实施方案\n一、任务\n（一）县级实事\n1. 新建公园 1 个。（牵头单位：县甲局*）\n",
    )
    .unwrap();
    let run = bare(
        &["init", "ws", "--plan", plan.to_str().unwrap()],
        dir.path(),
    )
    .code(1);
    assert!(run.stderr.contains("未能通过检查"), "{}", run.stderr);
    assert!(
        run.stderr.contains("seeds/某县-2025.toml 第 ") && run.stderr.contains("县甲局*"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains("先按下面列出的问题改正"),
        "{}",
        run.stdout
    );
    assert!(
        dir.path().join("ws/seeds/某县-2025.toml").is_file(),
        "kept to be fixed"
    );
    assert!(dir.path().join("ws/seeds/plan.txt").is_file());
}

// ------------------------------------------------------------- daemon ---

fn start_daemon(ws: &Ws) -> Child {
    ws.cmd(&["run"])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::File::create(ws.dir.path().join("daemon.log")).unwrap(),
        ))
        .spawn()
        .expect("daemon starts")
}

fn daemon_log(ws: &Ws) -> String {
    std::fs::read_to_string(ws.dir.path().join("daemon.log")).unwrap_or_default()
}

/// Job runs of `job` whose outcome starts with `outcome`, 0 before the
/// daemon has made the ledger.
fn runs(ws: &Ws, job: &str, outcome: &str) -> i64 {
    rusqlite::Connection::open(ws.path("var/ledger.sqlite"))
        .and_then(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM job_runs WHERE job = ?1 AND outcome LIKE ?2",
                [job, &format!("{outcome}%")],
                |r| r.get(0),
            )
        })
        .unwrap_or(0)
}

#[track_caller]
fn wait_until(ws: &Ws, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "timed out waiting for {what}; daemon log:\n{}",
        daemon_log(ws)
    );
}

fn stop_daemon(mut child: Child) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("the daemon did not stop within 5 s of SIGTERM");
}

fn queued_mail(ws: &Ws) -> usize {
    std::fs::read_dir(ws.path("outbox/mail/queue"))
        .map(|d| {
            d.flatten()
                .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn the_daemon_mails_no_bulletin_and_no_reminder_while_marks_remain() {
    let (ws, run) = init_with(&repo(FENGLIN));
    run.ok();
    let catalog = "seeds/枫林县-2025.toml";
    let marks = mark_lines(&ws.read(catalog));
    // Leaders to mail the bulletin to, a department to remind, the report
    // and reminder jobs every two seconds; no [smtp], so whatever would be
    // mailed stays in the queue where the test can count it.
    let config = ws.read("minsheng.toml").replace(
        "[schedule]",
        "[[leaders]]\nname = \"张三\"\ntitle = \"县长\"\nemail = \"zhangsan@example.cn\"\n\n\
         [departments.\"县民政局\"]\nemail = \"mzj@example.cn\"\n\n[schedule]",
    );
    let config = every_two_seconds(&config);
    ws.write("minsheng.toml", &config);

    let daemon = start_daemon(&ws);
    wait_until(&ws, "refused report and reminder runs", || {
        runs(&ws, "report", "error") >= 2 && runs(&ws, "reminder", "error") >= 2
    });
    stop_daemon(daemon);
    let log = daemon_log(&ws);
    assert!(
        log.contains(&format!("still holds {} 待核对 review marks", marks.len())),
        "{log}"
    );
    let first: Vec<String> = marks.iter().take(5).map(usize::to_string).collect();
    assert!(
        log.contains(&format!("lines {}", first.join(", "))),
        "{log}"
    );
    assert!(log.contains("nothing mailed"), "{log}");
    assert_eq!(runs(&ws, "report", "ok"), 0);
    assert_eq!(queued_mail(&ws), 0, "nothing queued to mail");
    assert!(
        !ws.path("outbox/reports/2025-03").exists(),
        "no report written from an unreviewed catalog"
    );

    // Reviewed, and the daemon restarted: the bulletin and the reminder go.
    review(&ws, catalog);
    let daemon = start_daemon(&ws);
    wait_until(&ws, "a report and a reminder run", || {
        runs(&ws, "report", "ok") >= 1 && runs(&ws, "reminder", "ok") >= 1
    });
    stop_daemon(daemon);
    assert!(queued_mail(&ws) >= 2, "bulletin and reminder queued");
}

/// The configuration with the report and reminder jobs due every two seconds.
fn every_two_seconds(config: &str) -> String {
    let mut out = Vec::new();
    for line in config.lines() {
        let key = line.split('=').next().unwrap_or("").trim();
        match key {
            "report" => out.push("report = \"*/2 * * * * *\"".to_string()),
            "reminder" => out.push("reminder = \"*/2 * * * * *\"".to_string()),
            _ => out.push(line.to_string()),
        }
    }
    format!("{}\n", out.join("\n"))
}
