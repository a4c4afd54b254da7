//! `catalog draft` and `catalog diff` as the office uses them: a new plan in,
//! a draft catalog out, compared with the one made by hand.

use crate::util::{Run, bare};
use minsheng::plan::catalog::{Catalog, Kind, Level};
use std::path::{Path, PathBuf};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Draft `plan` into `dir/out` through the binary.
fn draft_to(plan: &Path, dir: &Path, out: &str) -> (Run, PathBuf) {
    let out = dir.join(out);
    let run = bare(&["catalog", "draft", s(plan), "--out", s(&out)], dir);
    (run, out)
}

fn load(path: &Path) -> Catalog {
    Catalog::load(path).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn draft_of_the_pingjiang_plan_matches_the_hand_made_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let (run, out) = draft_to(
        &repo("seeds/pingjiang-minsheng-2024.txt"),
        dir.path(),
        "draft.toml",
    );
    let run = run.ok();
    // The report at the end, in Chinese, on stderr.
    assert!(run.stderr.contains("35 项任务"), "{}", run.stderr);
    assert!(run.stderr.contains("60 个指标"), "{}", run.stderr);
    assert!(run.stderr.contains("处标记为“待核对”"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);

    let draft = load(&out);
    let hand = load(&repo("seeds/pingjiang-2024.toml"));

    // Every task found, level by level, with the hand-made codes.
    let per_level = |c: &Catalog, l: Level| c.tasks.iter().filter(|t| t.level == l).count();
    assert_eq!(draft.tasks.len(), 35);
    assert_eq!(
        (
            per_level(&draft, Level::Province),
            per_level(&draft, Level::City),
            per_level(&draft, Level::County)
        ),
        (23, 9, 3)
    );
    let codes = |c: &Catalog| c.tasks.iter().map(|t| t.code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&draft), codes(&hand));

    // Targets and units, indicator by indicator, every difference printed.
    let mut same = 0;
    let total = hand.indicators().count();
    println!("hand-made vs draft, by indicator code:");
    for h in hand.indicators() {
        match draft.indicator(&h.code) {
            Some(d) if d.target == h.target && d.unit == h.unit => same += 1,
            Some(d) => println!(
                "  {}: target/unit {} {} (hand) vs {} {} (draft)",
                h.code, h.target, h.unit, d.target, d.unit
            ),
            None => println!("  {}: missing in the draft ({})", h.code, h.name),
        }
    }
    for d in draft.indicators() {
        if hand.indicator(&d.code).is_none() {
            println!(
                "  {}: extra in the draft ({} {} {})",
                d.code, d.name, d.target, d.unit
            );
        }
    }
    let rate = same as f64 / total as f64;
    println!(
        "targets and units equal: {same} of {total} ({:.1} %)",
        rate * 100.0
    );
    // Beyond the 95 % asked for, the rest of what a form uses, for the record.
    let mut other = Vec::new();
    for h in hand.indicators() {
        if let Some(d) = draft.indicator(&h.code) {
            if d.kind != h.kind {
                other.push(format!("  {}: kind {:?} vs {:?}", h.code, h.kind, d.kind));
            }
            if d.baseline != h.baseline {
                other.push(format!(
                    "  {}: baseline {:?} vs {:?}",
                    h.code, h.baseline, d.baseline
                ));
            }
            if d.department != h.department {
                other.push(format!(
                    "  {}: department {} vs {}",
                    h.code, h.department, d.department
                ));
            }
            if d.name != h.name {
                other.push(format!("  {}: name “{}” vs “{}”", h.code, h.name, d.name));
            }
        }
    }
    for t in &hand.tasks {
        if let Some(d) = draft.tasks.iter().find(|d| d.code == t.code) {
            if d.leads != t.leads {
                other.push(format!(
                    "  {}: leads {:?} vs {:?}",
                    t.code, t.leads, d.leads
                ));
            }
            if d.title != t.title {
                other.push(format!(
                    "  {}: title “{}” vs “{}”",
                    t.code, t.title, d.title
                ));
            }
        }
    }
    println!("other differences (hand vs draft):");
    for o in &other {
        println!("{o}");
    }
    assert!(
        rate >= 0.95,
        "only {same} of {total} targets and units equal"
    );
    assert_eq!(draft.departments, hand.departments);
    assert_eq!(draft.working_group, hand.working_group);
    assert_eq!(draft.plan.issuer, hand.plan.issuer);
    assert_eq!(
        (
            draft.plan.name.as_str(),
            draft.plan.county.as_str(),
            draft.plan.year
        ),
        ("平江县民生可感行动", "平江县", 2024)
    );

    // Every indicator carries the sentence it came from; guesses are marked.
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(
        text.matches("\n# 原文：").count(),
        draft.indicators().count(),
        "one quote per indicator"
    );
    assert!(text.contains("# 原文：实行孕产妇 13 种致畸基因免费筛查 4350 人次。"));
    assert!(text.contains("# 待核对：原文“7.3万人次”，已换算为 73000 人次"));
    assert!(text.contains("# 待核对：牵头单位有 2 个（县人社局、县交通运输局）"));
    // The lead the member list does not name, as the hand-made file notes too.
    assert!(text.contains("县公路建设和养护中心（P21）不在成员单位名单中"));
    assert!(text.contains("# 成员单位中不牵头任务、不报送的：县财政局、县政府督查室"));
}

#[test]
fn without_out_the_draft_goes_to_stdout_and_the_report_to_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let run = bare(
        &[
            "catalog",
            "draft",
            s(&repo("tests/fixtures/plans/fragment-district.txt")),
        ],
        dir.path(),
    )
    .ok();
    let c = Catalog::parse(&run.stdout, "d", "stdout").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.tasks.len(), 5);
    assert!(
        run.stderr.contains("5 项任务（县级 5 项）"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("7 个指标"), "{}", run.stderr);
    assert!(
        !run.stdout.contains("起草任务目录："),
        "report kept off stdout"
    );
    // Nothing was written anywhere.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn another_countys_plan_drafts_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let (run, out) = draft_to(
        &repo("tests/fixtures/plans/qingxi-minsheng-2025.txt"),
        dir.path(),
        "seeds/qingxi-2025.toml",
    );
    let run = run.ok();
    assert!(
        run.stderr
            .contains("21 项任务（省级 12 项，市级 6 项，县级 3 项）"),
        "{}",
        run.stderr
    );
    let c = load(&out);
    assert_eq!(c.plan.name, "青溪县民生实事");
    assert_eq!(c.plan.county, "青溪县");
    assert_eq!(c.plan.year, 2025);
    assert_eq!(c.plan.issuer, "青溪县民生实事工作领导小组");
    assert_eq!(c.working_group.convener, "县委常委、常务副县长");
    assert_eq!(
        c.working_group.deputy_conveners,
        ["县政府办主任", "县发展和改革局局长"]
    );
    assert_eq!(c.working_group.members.len(), 16);
    assert_eq!(c.working_group.office, "县发展和改革局");
    assert_eq!(c.departments.len(), 14);

    let i = |code: &str| {
        c.indicator(code)
            .unwrap_or_else(|| panic!("{code} not drafted"))
    };
    let want: &[(&str, f64, &str, Kind)] = &[
        ("P01-1", 3200.0, "人", Kind::Count),
        ("P01-2", 5.5, "%", Kind::Percent),
        ("P01-3", 26000.0, "人次", Kind::Count),
        ("P02-1", 163.0, "元/人·月", Kind::Standard),
        ("P04-1", 11000.0, "名", Kind::Count),
        ("P05-1", 38000.0, "人", Kind::Count),
        ("P05-2", 2400.0, "人", Kind::Count),
        ("P07-1", 760.0, "元/人·月", Kind::Standard),
        ("P09-2", 3120.0, "户", Kind::Count),
        ("P10-1", 18.5, "千米", Kind::Count),
        ("P10-2", 72.0, "%", Kind::Percent),
        ("M03-1", 2.3, "万亩", Kind::Count),
        ("M05-1", 700.0, "元/人·年", Kind::Standard),
        ("M06-2", 100.0, "%", Kind::Percent),
        ("C01-2", 3.0, "万吨", Kind::Count),
        ("C02-3", 2700.0, "个", Kind::Count),
        ("C03-2", 2600.0, "盏", Kind::Count),
    ];
    for &(code, target, unit, kind) in want {
        let x = i(code);
        assert_eq!(
            (x.target, x.unit.as_str(), x.kind),
            (target, unit, kind),
            "{code} {}",
            x.name
        );
    }
    assert_eq!(i("P02-1").baseline, Some(143.0));
    assert_eq!(i("M05-1").baseline, Some(670.0));
    // Project stages, reported by the unit that builds.
    for code in ["P06-1", "C01-1", "C02-1", "C02-2"] {
        assert_eq!(i(code).kind, Kind::Milestone, "{code}");
    }
    assert_eq!(i("C02-1").name, "新建县第三中学");
    assert_eq!(i("C02-1").department, "县城市建设投资集团");
    assert_eq!(i("C02-3").department, "县教育局");
    assert_eq!(i("P06-2").department, "县卫生健康局");
    // 65 岁 is an age, 2025 年 a year, 4.2 万农村人口 has no unit: none is a target.
    assert!(
        c.indicators()
            .all(|x| x.target != 65.0 && x.target != 2025.0)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("# 待核对：“4.2 万农村人口”中的数字没有可识别的单位"),
        "{text}"
    );
    assert!(text.contains("上限（“控制在”）"));
    assert!(text.contains("“其中…”是上一指标的细分"));
}

/// The plan's paragraphs in a Word document, as offices receive it.
fn docx_of(lines: &[&str]) -> Vec<u8> {
    use docx_rs::{Docx, Paragraph, Run as WRun, Table, TableCell, TableRow};
    let mut doc = Docx::new();
    for l in lines {
        doc = doc.add_paragraph(Paragraph::new().add_run(WRun::new().add_text(*l)));
    }
    // A table of contacts at the end, as plans often have: read, harmless.
    doc = doc.add_table(Table::new(vec![TableRow::new(vec![
        TableCell::new().add_paragraph(Paragraph::new().add_run(WRun::new().add_text("联系人"))),
        TableCell::new().add_paragraph(Paragraph::new().add_run(WRun::new().add_text("电话"))),
    ])]));
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf).expect("docx packs");
    buf.into_inner()
}

#[test]
fn a_word_plan_drafts_the_same_catalog_as_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let txt = repo("tests/fixtures/plans/qingxi-minsheng-2025.txt");
    let text = std::fs::read_to_string(&txt).unwrap();
    // Word keeps a paragraph whole where the text file broke it.
    let whole = text
        .replace("2400\n\n人", "2400 人")
        .replace("牵头单\n\n位", "牵头单位")
        .replace("投资\n\n集团", "投资集团");
    assert_eq!(whole.lines().count() + 6, text.lines().count());
    let paragraphs: Vec<String> = whole
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let lines: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    let plan = dir.path().join("青溪县2025年民生实事实施方案.docx");
    std::fs::write(&plan, docx_of(&lines)).unwrap();

    let (run, from_word) = draft_to(&plan, dir.path(), "from-word.toml");
    run.ok();
    let (run, from_text) = draft_to(&txt, dir.path(), "from-text.toml");
    run.ok();
    let word = load(&from_word);
    assert_eq!(word.plan.source, "青溪县2025年民生实事实施方案.docx");
    assert_eq!(word.tasks.len(), 21);
    bare(
        &["catalog", "diff", s(&from_text), s(&from_word)],
        dir.path(),
    )
    .code(0);
}

#[test]
fn a_broken_or_foreign_file_is_refused_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &[u8], &str)] = &[
        ("plan.docx", b"PK\x03\x04 not really a zip", "损坏"),
        ("plan.txt", &[0xC6, 0xBD, 0xBD, 0xAD, 0xCF, 0xD8], "UTF-8"),
        (
            "plan.doc",
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            ".docx",
        ),
        (
            "notice.txt",
            "会议通知\n请各单位准时参会。\n".as_bytes(),
            "没有在方案中找到任何任务",
        ),
    ];
    for (name, bytes, want) in cases {
        let plan = dir.path().join(name);
        std::fs::write(&plan, bytes).unwrap();
        let run = bare(&["catalog", "draft", s(&plan)], dir.path()).code(2);
        assert!(run.stderr.contains(want), "{name}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{name}");
    }
    let run = bare(&["catalog", "draft", "no-such-plan.txt"], dir.path()).code(2);
    assert!(run.stderr.contains("文件不存在"), "{}", run.stderr);
}

#[test]
fn an_existing_out_file_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pingjiang-2025.toml");
    std::fs::write(&out, "# reviewed by hand\n").unwrap();
    let (run, _) = draft_to(
        &repo("seeds/pingjiang-minsheng-2024.txt"),
        dir.path(),
        "pingjiang-2025.toml",
    );
    let run = run.code(2);
    assert!(run.stderr.contains("已存在，不会覆盖"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "# reviewed by hand\n"
    );
}

#[test]
fn catalog_diff_of_identical_catalogs_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let hand = repo("seeds/pingjiang-2024.toml");
    let run = bare(&["catalog", "diff", s(&hand), s(&hand)], dir.path()).code(0);
    assert!(run.stdout.contains("两份目录相同"), "{}", run.stdout);
}

#[test]
fn catalog_diff_names_a_changed_target_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let hand = repo("seeds/pingjiang-2024.toml");
    let src = std::fs::read_to_string(&hand).unwrap();
    let changed = dir.path().join("changed.toml");
    std::fs::write(&changed, src.replacen("target = 4350", "target = 4500", 1)).unwrap();
    let run = bare(&["catalog", "diff", s(&hand), s(&changed)], dir.path()).code(1);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("M03-1"))
        .unwrap_or_else(|| panic!("M03-1 not named:\n{}", run.stdout));
    assert!(
        line.contains("年度目标") && line.contains("4350 人次") && line.contains("4500 人次"),
        "{line}"
    );
    assert!(run.stdout.contains("共 1 处不同"), "{}", run.stdout);
    // A broken catalog is a usage error, with its line.
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        src.replacen("kind = \"percent\"", "kind = \"ratio\"", 1),
    )
    .unwrap();
    let run = bare(&["catalog", "diff", s(&hand), s(&broken)], dir.path()).code(2);
    assert!(
        run.stderr.contains("ratio") && run.stderr.contains("第 "),
        "{}",
        run.stderr
    );
}

#[test]
fn catalog_without_a_subcommand_still_lists_the_workspace_catalog() {
    let ws = crate::util::Ws::new();
    let out = ws.run(&["catalog"]).ok().stdout;
    assert!(out.contains("35 项任务"), "{out}");
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 35);
    // A draft needs no workspace, and --json belongs to the listing only.
    let run = ws
        .run(&["catalog", "--json", "diff", "a.toml", "b.toml"])
        .code(2);
    assert!(run.stderr.contains("--json"), "{}", run.stderr);
}
