//! `catalog draft` and `catalog diff` as the office uses them: a new plan in,
//! a draft catalog out, compared with the one made by hand.

use crate::util::{Run, bare};
use minsheng::plan::catalog::{Catalog, Kind, Level};
use std::path::{Path, PathBuf};

fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// One indicator of the catalog meant by a plan written for these tests:
/// code, target (milestones: None), unit, kind, reporting department,
/// baseline, and the words each of its 待核对 marks must hold, one entry
/// per mark.
pub(crate) type Meant = (
    &'static str,
    Option<f64>,
    &'static str,
    Kind,
    &'static str,
    Option<f64>,
    &'static [&'static str],
);

/// The 待核对 marks above each indicator of a draft, by code; marks above a
/// task or in the plan header go under "".
fn marks_by_code(toml: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    let mut pending: Vec<String> = Vec::new();
    let mut in_indicator = false;
    for line in toml.lines() {
        if let Some(m) = line.strip_prefix("# 待核对：") {
            pending.push(m.to_string());
        } else if line == "[[tasks.indicators]]" {
            in_indicator = true;
        } else if line.starts_with('[') {
            out.entry(String::new()).or_default().append(&mut pending);
            in_indicator = false;
        } else if in_indicator && let Some(code) = line.strip_prefix("code = ") {
            out.entry(code.trim_matches('"').to_string())
                .or_default()
                .append(&mut pending);
            in_indicator = false;
        }
    }
    out.entry(String::new()).or_default().append(&mut pending);
    out
}

/// Draft `plan` and check every indicator against the catalog meant: the
/// same codes, and for each its target, unit, kind, department, baseline
/// and marks. Returns the loaded draft and its text; prints the tally.
pub(crate) fn check_against(plan: &str, meant: &[Meant], plan_marks: &[&str]) -> (Catalog, String) {
    let dir = tempfile::tempdir().unwrap();
    let (run, out) = draft_to(&repo(plan), dir.path(), "draft.toml");
    run.ok();
    let c = load(&out);
    let text = std::fs::read_to_string(&out).unwrap();
    let codes: Vec<&str> = c.indicators().map(|i| i.code.as_str()).collect();
    let want_codes: Vec<&str> = meant.iter().map(|m| m.0).collect();
    assert_eq!(codes, want_codes, "{plan}: the indicators drafted");
    let marks = marks_by_code(&text);
    let mut right = 0;
    let mut wrong = Vec::new();
    for &(code, target, unit, kind, department, baseline, want_marks) in meant {
        let i = c.indicator(code).unwrap();
        let got = (
            (i.kind != Kind::Milestone).then_some(i.target),
            i.unit.as_str(),
            i.kind,
            i.department.as_str(),
            i.baseline,
        );
        if got == (target, unit, kind, department, baseline) {
            right += 1;
        } else {
            wrong.push(format!(
                "{code} {}: {got:?}, meant {:?}",
                i.name,
                (target, unit, kind, department, baseline)
            ));
        }
        let have = marks.get(code).cloned().unwrap_or_default();
        assert_eq!(
            have.len(),
            want_marks.len(),
            "{plan} {code} {}: marks {have:#?}, meant {want_marks:?}",
            i.name
        );
        for w in want_marks {
            assert!(
                have.iter().any(|m| m.contains(w)),
                "{plan} {code}: no mark says “{w}”: {have:#?}"
            );
        }
    }
    let header = marks.get("").cloned().unwrap_or_default();
    assert_eq!(header.len(), plan_marks.len(), "{plan}: {header:#?}");
    for w in plan_marks {
        assert!(header.iter().any(|m| m.contains(w)), "{plan}: {header:#?}");
    }
    println!(
        "{plan}: target, unit, kind, department and baseline as meant for {right} of {} indicators",
        meant.len()
    );
    assert!(wrong.is_empty(), "{plan}:\n{}", wrong.join("\n"));
    // The marks the workspace will list are the marks the draft wrote.
    let total: usize = marks.values().map(Vec::len).sum();
    assert_eq!(c.review.len(), total);
    assert_eq!(text.matches("\n# 待核对").count(), total);
    (c, text)
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
    assert_eq!(
        c.level_name(Level::County),
        "区级",
        "a district's own level"
    );
    assert!(
        run.stderr.contains("5 项任务（区级 5 项）"),
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
pub(crate) fn docx_of(lines: &[&str]) -> Vec<u8> {
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

const P: Kind = Kind::Percent;
const N: Kind = Kind::Count;
const S: Kind = Kind::Standard;
const M: Kind = Kind::Milestone;

#[test]
fn fenglin_county_plan_drafts_the_catalog_meant() {
    const HRSS: &str = "县人力资源和社会保障局";
    const EDU: &str = "县教育局";
    const INV: &str = "县城市发展投资集团";
    const HEALTH: &str = "县卫生健康局";
    const CIVIL: &str = "县民政局";
    const HOUSING: &str = "县住房和城乡建设局";
    const RURAL: &str = "县乡村振兴局";
    const CITY: &str = "县城市管理和综合执法局";
    let meant: &[Meant] = &[
        ("P01-1", Some(2800.0), "人", N, HRSS, None, &[]),
        (
            "P01-2",
            Some(12000.0),
            "人",
            N,
            HRSS,
            None,
            &["“1.2万人”，已换算为 12000 人"],
        ),
        (
            "P02-1",
            Some(173.0),
            "元/人·月",
            S,
            HRSS,
            Some(153.0),
            &["单位写作“元/人·月”"],
        ),
        // A named school beside a count of its own: a stage for the builder.
        (
            "P03-1",
            None,
            "阶段",
            M,
            INV,
            None,
            &["没有数字目标", "按“建设项目”判断"],
        ),
        ("P03-2", Some(1800.0), "个", N, EDU, None, &["按“学位”判断"]),
        (
            "P04-1",
            Some(23000.0),
            "名",
            N,
            EDU,
            None,
            &["已换算为 23000 名"],
        ),
        ("P04-2", Some(12.0), "所", N, EDU, None, &[]),
        ("P05-1", Some(70.0), "%", P, HEALTH, None, &[]),
        (
            "P06-1",
            Some(35000.0),
            "名",
            N,
            HEALTH,
            None,
            &["已换算为 35000 名"],
        ),
        ("P06-2", Some(20.0), "个", N, HEALTH, None, &[]),
        // 分别 without a name for each part: told apart, marked.
        (
            "P07-1",
            Some(780.0),
            "元/人·月",
            S,
            CIVIL,
            None,
            &["没有原标准", "单位写作“元/人·月”", "“分别”", "同名"],
        ),
        (
            "P07-2",
            Some(6200.0),
            "元/人·年",
            S,
            CIVIL,
            None,
            &["没有原标准", "单位写作“元/人·年”", "“分别”", "同名"],
        ),
        (
            "P08-1",
            Some(100.0),
            "元/人·月",
            S,
            CIVIL,
            Some(90.0),
            &["“均”"],
        ),
        (
            "P08-2",
            Some(100.0),
            "元/人·月",
            S,
            CIVIL,
            Some(90.0),
            &["“均”"],
        ),
        ("P09-1", Some(300.0), "户", N, "县残疾人联合会", None, &[]),
        // The project and its counted outcome: one count, no stage.
        (
            "P10-1",
            Some(21000.0),
            "人",
            N,
            "县水利局",
            None,
            &["已换算为 21000 人", "是它的成效"],
        ),
        // Two leads, two counts, nothing pointing: in order, marked.
        (
            "P11-1",
            Some(150.0),
            "户",
            N,
            HOUSING,
            None,
            &["按先后顺序"],
        ),
        ("P11-2", Some(80.0), "户", N, RURAL, None, &["按先后顺序"]),
        // Two leads, the words pointing crosswise.
        (
            "P12-1",
            Some(8.0),
            "个",
            N,
            "县文化旅游广电体育局",
            None,
            &["按“文化”判断"],
        ),
        (
            "P12-2",
            Some(4.0),
            "条",
            N,
            "县交通运输局",
            None,
            &["按“公交”判断"],
        ),
        (
            "M01-1",
            Some(700.0),
            "元/人·年",
            S,
            "县医疗保障局",
            Some(670.0),
            &[],
        ),
        ("M02-1", Some(3.2), "万亩", N, "县农业农村局", None, &[]),
        ("M02-2", Some(68.0), "万亩", N, "县农业农村局", None, &[]),
        ("M03-1", Some(5.0), "条", N, CITY, None, &[]),
        ("M03-2", Some(100.0), "%", P, CITY, None, &[]),
        // A task with no number at all.
        (
            "M04-1",
            None,
            "阶段",
            M,
            HOUSING,
            None,
            &["原文没有数字目标"],
        ),
        ("M05-1", Some(1500.0), "人次", N, RURAL, None, &[]),
        (
            "C01-1",
            Some(1.5),
            "万户",
            N,
            "县水务投资有限公司",
            None,
            &["是它的成效"],
        ),
        (
            "C02-1",
            None,
            "阶段",
            M,
            INV,
            None,
            &["没有数字目标", "按“建设项目”判断"],
        ),
        ("C02-2", Some(200.0), "张", N, HEALTH, None, &["余下"]),
        ("C03-1", Some(1500.0), "盏", N, CITY, None, &[]),
        ("C03-2", Some(12.0), "座", N, CITY, None, &[]),
        ("C03-3", Some(30.0), "座", N, CITY, None, &[]),
    ];
    let (c, _) = check_against("tests/fixtures/plans/fenglin-minsheng-2025.txt", meant, &[]);
    assert_eq!(
        (c.plan.name.as_str(), c.plan.county.as_str(), c.plan.year),
        ("枫林县重点民生实事项目", "枫林县", 2025)
    );
    assert_eq!(c.working_group.convener, "县长");
    assert_eq!(c.working_group.office, "县发展和改革局");
    let name = |code: &str| c.indicator(code).unwrap().name.clone();
    assert_eq!(name("P05-1"), "65岁以上老年人免费健康体检率");
    assert_eq!(name("P10-1"), "新建农村供水工程解决饮水提质问题");
    assert_eq!(name("C03-3"), "新建乡镇公厕");
    assert_ne!(name("P07-1"), name("P07-2"));
}

#[test]
fn qinglan_district_plan_drafts_the_catalog_meant() {
    const HRSS: &str = "区人力资源和社会保障局";
    const HOUSING: &str = "区住房和城乡建设局";
    const CIVIL: &str = "区民政局";
    const CITY: &str = "区城市管理局";
    let meant: &[Meant] = &[
        ("P01-1", Some(4500.0), "人", N, HRSS, None, &[]),
        ("P01-2", Some(6000.0), "人次", N, HRSS, None, &[]),
        // 分别 with a name for each part; each lead by its own words.
        (
            "P02-1",
            Some(95.0),
            "%",
            P,
            HRSS,
            None,
            &["“分别”对应", "按“养老保险”判断"],
        ),
        (
            "P02-2",
            Some(96.0),
            "%",
            P,
            "区医疗保障局",
            None,
            &["“分别”对应", "参保"],
        ),
        ("P03-1", Some(6.0), "所", N, "区教育局", None, &[]),
        ("P03-2", Some(1080.0), "个", N, "区教育局", None, &[]),
        (
            "P04-1",
            Some(65000.0),
            "名",
            N,
            "区教育局",
            None,
            &["已换算为 65000 名"],
        ),
        (
            "P05-1",
            Some(12000.0),
            "人",
            N,
            "区妇女联合会",
            None,
            &["已换算为 12000 人", "按“妇女、两癌”判断"],
        ),
        (
            "P05-2",
            Some(85.0),
            "%",
            P,
            "区卫生健康局",
            None,
            &["按“筛查”判断"],
        ),
        ("P06-1", Some(120.0), "元/人·月", S, CIVIL, Some(100.0), &[]),
        (
            "P06-2",
            Some(1100.0),
            "元/人·月",
            S,
            CIVIL,
            None,
            &["没有原标准", "单位写作“元/人·月”"],
        ),
        (
            "P07-1",
            Some(8600.0),
            "人",
            N,
            HOUSING,
            None,
            &["是它的成效"],
        ),
        (
            "P08-1",
            Some(12.0),
            "公里",
            N,
            "区林业局",
            None,
            &["按先后顺序"],
        ),
        ("P08-2", Some(8.0), "个", N, CITY, None, &["按先后顺序"]),
        ("P09-1", Some(5.0), "个", N, "区商务局", None, &[]),
        ("P09-2", Some(2.0), "个", N, "区商务局", None, &["“其中…”"]),
        ("P09-3", Some(3.0), "个", N, "区商务局", None, &["“其中…”"]),
        ("M01-1", Some(1.0), "所", N, CIVIL, None, &[]),
        ("M01-2", Some(200.0), "张", N, CIVIL, None, &[]),
        ("M02-1", Some(40.0), "辆", N, "区交通运输局", None, &[]),
        (
            "M03-1",
            None,
            "阶段",
            M,
            "区应急管理局",
            None,
            &["这一句没有数字目标"],
        ),
        (
            "M04-1",
            Some(90.0),
            "%",
            P,
            "市生态环境局青岚分局",
            None,
            &[],
        ),
        ("C01-1", Some(1.8), "万户", N, HOUSING, None, &[]),
        ("C02-1", None, "阶段", M, CITY, None, &["没有数字目标"]),
        ("C02-2", Some(3000.0), "个", N, CITY, None, &[]),
        ("C03-1", Some(25.0), "公里", N, HOUSING, None, &[]),
        ("C03-2", Some(70.0), "%", P, HOUSING, None, &[]),
    ];
    let (c, _) = check_against("tests/fixtures/plans/qinglan-weimin-2025.txt", meant, &[]);
    assert_eq!(c.plan.county, "青岚区");
    assert_eq!(c.plan.issuer, "青岚区为民办实事工作专班");
    assert_eq!(
        c.working_group.deputy_conveners,
        ["常务副区长", "分管副区长"]
    );
    let name = |code: &str| c.indicator(code).unwrap().name.clone();
    assert_eq!(name("P02-1"), "城乡居民基本养老保险参保率");
    assert_eq!(name("P02-2"), "基本医疗保险参保率");
    assert_eq!(name("P07-1"), "改造老旧小区二次供水设施受益群众");
}

/// Every plan the drafter is tested on.
const PLANS: &[&str] = &[
    "seeds/pingjiang-minsheng-2024.txt",
    "tests/fixtures/plans/qingxi-minsheng-2025.txt",
    "tests/fixtures/plans/fragment-district.txt",
    "tests/fixtures/plans/fenglin-minsheng-2025.txt",
    "tests/fixtures/plans/qinglan-weimin-2025.txt",
];

/// A sentence as the draft quotes it, without spaces, for comparing quotes.
fn bare_text(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn no_mark_says_what_its_sentence_contradicts_and_no_name_repeats_itself() {
    let dir = tempfile::tempdir().unwrap();
    for plan in PLANS {
        let (run, out) = draft_to(
            &repo(plan),
            dir.path(),
            &format!("{}.toml", plan.replace('/', "_")),
        );
        run.ok();
        let text = std::fs::read_to_string(&out).unwrap();
        let c = load(&out);
        // Each mark with the text it is about: the sentence quoted above an
        // indicator's marks, or for marks above a task, the task's text.
        let mut sentence = String::new();
        let mut task_marks: Vec<String> = Vec::new();
        let mut checked = 0;
        let mut check = |mark: &str, about: &str| {
            let m = bare_text(mark);
            let has_digit = about
                .chars()
                .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
            if m.starts_with("原文没有数字目标") || m.starts_with("原文这一句没有数字目标")
            {
                assert!(
                    !has_digit,
                    "{plan}: “{mark}” about a text with a number: {about}"
                );
            }
            // A quoted piece of the original is in the original.
            if let Some(rest) = m.strip_prefix("原文“").or_else(|| m.strip_prefix("“")) {
                let quoted = rest.split('”').next().unwrap_or_default();
                if !quoted.contains("元/") && !quoted.contains('…') {
                    assert!(
                        about.contains(quoted),
                        "{plan}: “{mark}” quotes what its text does not say: {about}"
                    );
                }
            }
            checked += 1;
        };
        for line in text.lines() {
            if let Some(s) = line.strip_prefix("# 原文：") {
                sentence = bare_text(s);
            } else if line == "[[tasks.indicators]]" {
                sentence.clear();
            } else if let Some(mark) = line.strip_prefix("# 待核对：") {
                if sentence.is_empty() {
                    task_marks.push(mark.to_string());
                } else {
                    check(mark, &sentence);
                }
            } else if let Some(t) = line.strip_prefix("text = ") {
                let t = bare_text(&t.replace("\\\"", "\""));
                for m in task_marks.drain(..) {
                    check(&m, &t);
                }
            } else if line.starts_with("[[departments]]") {
                // Marks of the plan header and the working group.
                task_marks.clear();
            }
        }
        assert!(checked > 0, "{plan}: no mark checked");
        for t in &c.tasks {
            let mut names: Vec<&str> = t.indicators.iter().map(|i| i.name.as_str()).collect();
            let all = names.len();
            names.sort();
            names.dedup();
            assert_eq!(
                names.len(),
                all,
                "{plan} {}: two indicators share a name",
                t.code
            );
            for i in &t.indicators {
                let chars: Vec<char> = i.name.chars().collect();
                let doubled = (2..=chars.len() / 2).any(|n| {
                    chars
                        .windows(2 * n)
                        .any(|w| w[..n] == w[n..] && w[..n].iter().all(|c| !c.is_ascii_digit()))
                });
                assert!(
                    !doubled,
                    "{plan} {}: “{}” says a word twice",
                    i.code, i.name
                );
            }
        }
    }
}

#[test]
fn catalog_diff_pairs_codes_moved_by_an_indicator_removed_before_them() {
    // The office reviews a draft: the stage drawn from a project clause goes,
    // so the counts after it in the task move up one code, and one of them
    // is reworded.
    let dir = tempfile::tempdir().unwrap();
    let (run, drafted) = draft_to(
        &repo("tests/fixtures/plans/qingxi-minsheng-2025.txt"),
        dir.path(),
        "draft.toml",
    );
    run.ok();
    let text = std::fs::read_to_string(&drafted).unwrap();
    let draft = load(&drafted);
    let c02: Vec<_> = draft
        .tasks
        .iter()
        .find(|t| t.code == "C02")
        .unwrap()
        .indicators
        .clone();
    assert_eq!(c02.len(), 3, "{c02:#?}");
    assert_eq!(c02[0].kind, Kind::Milestone);
    // Remove C02-1's block, renumber the rest, reword the last.
    let start = text.find("code = \"C02-1\"").unwrap();
    let block_start = text[..start].rfind("[[tasks.indicators]]").unwrap();
    let block_end = start + text[start..].find("\n\n").unwrap() + 2;
    let reviewed = format!("{}{}", &text[..block_start], &text[block_end..])
        .replace("code = \"C02-2\"", "code = \"C02-1\"")
        .replace("code = \"C02-3\"", "code = \"C02-2\"")
        .replace(
            &format!("name = \"{}\"", c02[2].name),
            "name = \"城区学校新增学位数\"",
        );
    let reviewed_path = dir.path().join("reviewed.toml");
    std::fs::write(&reviewed_path, reviewed).unwrap();
    let run = bare(
        &["catalog", "diff", s(&drafted), s(&reviewed_path)],
        dir.path(),
    )
    .code(1);
    let rows: Vec<&str> = run.stdout.lines().collect();
    let row = |what: &str, code: &str| rows.iter().any(|l| l.starts_with(what) && l.contains(code));
    assert!(row("编号变化", "C02-2 → C02-1"), "{}", run.stdout);
    assert!(row("编号变化", "C02-3 → C02-2"), "{}", run.stdout);
    assert!(row("删除", "C02-1"), "{}", run.stdout);
    assert!(
        rows.iter()
            .any(|l| l.contains("C02-3 → C02-2") && l.contains("指标名称")),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("年度目标"),
        "no target changed:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("共 4 处不同"), "{}", run.stdout);
}
