//! Plans in the shapes counties really write them, drafted through the
//! binary and checked field by field against the catalog meant: prose
//! without level sections, `（X牵头）`, `牵头领导/责任单位`, topics with
//! counts and `(一)` items, a Word table with a merged category column, a
//! table without a unit column, the same table as tab-separated text, and
//! an `.xlsx` list through `init --plan`.

use crate::draft::{Meant, check_against};
use crate::util::{Ws, bare, repo};
use calamine::{Data, Reader, open_workbook_auto};
use minsheng::plan::catalog::{Catalog, Kind, Level};
use std::path::Path;

const C: Kind = Kind::Count;
const P: Kind = Kind::Percent;
const S: Kind = Kind::Standard;
const M: Kind = Kind::Milestone;

/// Every task of `c` at the issuer's own level, named `name`.
#[track_caller]
fn all_at_own_level(c: &Catalog, name: &str) {
    assert!(c.tasks.iter().all(|t| t.level == Level::County));
    assert_eq!(c.level_name(Level::County), name);
}

fn categories(c: &Catalog) -> Vec<&str> {
    c.tasks.iter().map(|t| t.category.as_str()).collect()
}

#[test]
fn prose_without_level_sections_drafts_the_countys_own_items() {
    const HR: &str = "县人力资源和社会保障局";
    let meant: &[Meant] = &[
        (
            "C01-1",
            Some(5000.0),
            "人",
            C,
            HR,
            None,
            &["已换算为 5000 人"],
        ),
        ("C01-2", Some(5.5), "%", P, HR, None, &["上限"]),
        (
            "C02-1",
            Some(640.0),
            "元/人·月",
            S,
            "县社会保险服务中心",
            Some(610.0),
            &[],
        ),
        (
            "C03-1",
            Some(12.0),
            "个",
            C,
            "县住房和城乡建设局",
            None,
            &[],
        ),
        ("C04-1", None, "阶段", M, "教体局", None, &["没有数字目标"]),
        ("C05-1", Some(2.5), "万份", C, "县卫生健康委员会", None, &[]),
        ("C05-2", Some(40.0), "场", C, "县卫生健康委员会", None, &[]),
        ("C06-1", Some(800.0), "个", C, "县公安局", None, &[]),
        // 县人社局 here, 县人力资源和社会保障局 above: one department.
        ("C07-1", Some(3000.0), "人次", C, HR, None, &[]),
    ];
    let (c, text) = check_against(
        "tests/fixtures/plans/shuangqiao-prose-2025.txt",
        meant,
        // The investment amount and a clause that is no project: left out,
        // said; one unit written two ways: one department, said.
        &[
            "“年度投资金额3000万元”是投资金额",
            "“进一步提升群众出行便利度”没有数字目标",
            "“县人社局”，与前文的“县人力资源和社会保障局”应是同一单位",
        ],
    );
    assert_eq!(
        c.departments.iter().filter(|d| d.contains("人")).count(),
        1,
        "{:?}",
        c.departments
    );
    all_at_own_level(&c, "县级");
    assert!(
        !text.contains("\nlevel = \"县级\"\n\n"),
        "no [plan] level for a county"
    );
    assert_eq!(c.plan.county, "双桥县");
    // The year and the deadline are no targets.
    assert!(
        c.indicators()
            .all(|i| i.target != 2025.0 && !i.name.contains("2025"))
    );
    assert!(c.indicators().all(|i| i.unit != "万元"));
    assert_eq!(c.working_group.office, "县发展和改革局");
}

#[test]
fn units_leading_at_the_end_of_a_sentence_in_a_districts_plan() {
    let meant: &[Meant] = &[
        ("C01-1", Some(2600.0), "人", C, "区人社局", None, &[]),
        ("C01-2", Some(300.0), "人", C, "区人社局", None, &[]),
        ("C02-1", Some(4200.0), "名", C, "区卫健局", None, &[]),
        // A second unit for the second outcome of the same item.
        ("C02-2", Some(20400.0), "名", C, "区妇联", None, &[]),
        ("C03-1", Some(6.0), "家", C, "区民政局", None, &[]),
        ("C03-2", Some(150.0), "张", C, "区民政局", None, &[]),
        ("C04-1", Some(16.0), "条", C, "区城管局", None, &[]),
        (
            "C05-1",
            None,
            "阶段",
            M,
            "区卫健局",
            None,
            &["没有数字目标"],
        ),
    ];
    let (c, text) = check_against("tests/fixtures/plans/heping-qiantou-2025.txt", meant, &[]);
    all_at_own_level(&c, "区级");
    assert!(text.contains("level = \"区级\""), "{text}");
    assert_eq!(c.tasks[1].leads, ["区卫健局", "区妇联"]);
    assert_eq!(c.tasks[2].leads, ["区民政局"], "配合 is no lead");
    assert!(!c.departments.iter().any(|d| d == "区财政局"));
}

#[test]
fn a_leader_is_a_person_and_only_the_unit_reports() {
    let meant: &[Meant] = &[
        (
            "C01-1",
            None,
            "阶段",
            M,
            "县卫生健康局",
            None,
            &["没有数字目标"],
        ),
        ("C01-2", Some(300.0), "张", C, "县卫生健康局", None, &[]),
        (
            "C02-1",
            Some(760.0),
            "元/人·月",
            S,
            "县民政局",
            None,
            &["没有原标准", "单位写作", "分别", "同名"],
        ),
        (
            "C02-2",
            Some(620.0),
            "元/人·月",
            S,
            "县民政局",
            None,
            &["没有原标准", "与前一个金额并列", "分别", "同名"],
        ),
        ("C03-1", Some(1500.0), "户", C, "县农业农村局", None, &[]),
        ("C03-2", Some(92.0), "%", P, "县农业农村局", None, &[]),
        ("C04-1", Some(900.0), "个", C, "县教育局", None, &[]),
    ];
    let (c, _) = check_against("tests/fixtures/plans/songhe-lingdao-2025.txt", meant, &[]);
    all_at_own_level(&c, "县级");
    assert_eq!(
        c.departments,
        ["县卫生健康局", "县民政局", "县农业农村局", "县教育局"],
        "no leader, no helper among the departments"
    );
    assert_eq!(c.tasks[2].leads, ["县农业农村局"]);
}

#[test]
fn topics_with_counts_and_items_numbered_under_them() {
    let meant: &[Meant] = &[
        ("C01-1", Some(3200.0), "人", C, "县人社局", None, &[]),
        (
            "C01-2",
            Some(12000.0),
            "人",
            C,
            "县人社局",
            None,
            &["已换算为 12000 人"],
        ),
        ("C02-1", Some(5000.0), "人次", C, "县人社局", None, &[]),
        (
            "C03-1",
            None,
            "阶段",
            M,
            "县教育局",
            None,
            &["没有数字目标"],
        ),
        ("C03-2", Some(1080.0), "个", C, "县教育局", None, &[]),
        (
            "C04-1",
            Some(23000.0),
            "人",
            C,
            "县教育局",
            None,
            &["已换算为 23000 人"],
        ),
        (
            "C05-1",
            Some(100.0),
            "元/人·月",
            S,
            "县残联",
            Some(90.0),
            &[],
        ),
        ("C06-1", Some(20.0), "个", C, "县民政局", None, &[]),
        // `①其中…` under the item: part of it, marked as a part.
        ("C06-2", Some(8.0), "个", C, "县民政局", None, &["其中"]),
    ];
    let (c, _) = check_against("tests/fixtures/plans/taoyuan-topics-2025.txt", meant, &[]);
    all_at_own_level(&c, "县级");
    assert_eq!(
        categories(&c),
        [
            "促进就业增收",
            "促进就业增收",
            "办好人民满意教育",
            "办好人民满意教育",
            "强化社会保障",
            "强化社会保障"
        ]
    );
}

#[test]
fn a_table_without_a_unit_column_drafts_with_units_to_be_named() {
    let meant: &[Meant] = &[
        ("C01-1", Some(35.0), "公里", C, "待定单位", None, &[]),
        ("C02-1", Some(120.0), "公里", C, "待定单位", None, &[]),
        ("C03-1", Some(12.0), "座", C, "待定单位", None, &[]),
    ];
    let (c, _) = check_against(
        "tests/fixtures/plans/lianhua-table-nounit-2025.txt",
        meant,
        &[
            "issuer",
            "[working_group]",
            "待定单位",
            "待定单位",
            "待定单位",
        ],
    );
    all_at_own_level(&c, "县级");
    let titles: Vec<&str> = c.tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["城区供水管网改造", "农村公路提质", "城区公厕建设"]);
    assert_eq!(c.plan.name, "莲花县民生实事项目");
}

/// The catalog meant by the 青山县 table, whether it comes as Word, as
/// text with tabs, or as a spreadsheet.
const QINGSHAN: &[Meant] = &[
    ("C01-1", Some(1200.0), "个", C, "县教育局", None, &[]),
    ("C02-1", Some(15.0), "所", C, "县教育局", None, &[]),
    (
        "C03-1",
        None,
        "阶段",
        M,
        "县卫生健康局",
        None,
        &["没有数字目标"],
    ),
    ("C04-1", Some(20.0), "个", C, "县卫生健康局", None, &[]),
    (
        "C05-1",
        Some(720.0),
        "元/人·月",
        S,
        "县民政局",
        Some(680.0),
        &[],
    ),
];
const QINGSHAN_MARKS: &[&str] = &["issuer", "[working_group]"];

#[track_caller]
fn is_qingshan(c: &Catalog) {
    all_at_own_level(c, "县级");
    assert_eq!(
        categories(c),
        ["教育", "教育", "卫生健康", "卫生健康", "社会保障"],
        "the merged category cell covers every row under it"
    );
    assert_eq!(
        c.departments,
        ["县教育局", "县卫生健康局", "县民政局"],
        "协同单位 are no departments"
    );
    assert!(
        c.indicators().all(|i| i.unit != "万元"),
        "investment is no target"
    );
    assert_eq!(c.tasks[0].title, "城区学校扩容");
}

/// The rows of the 青山县 table: header, then each item; the category is
/// written on the first row of its group only, as a merged cell reads.
fn qingshan_rows() -> Vec<Vec<&'static str>> {
    std::fs::read_to_string(repo("tests/fixtures/plans/qingshan-table-2025.txt"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .map(|v| v.into_iter().map(|s| &*s.to_string().leak()).collect())
        .collect()
}

#[test]
fn a_table_pasted_as_tab_separated_text() {
    let (c, _) = check_against(
        "tests/fixtures/plans/qingshan-table-2025.txt",
        QINGSHAN,
        QINGSHAN_MARKS,
    );
    is_qingshan(&c);
}

#[test]
fn a_word_table_with_its_category_merged_down() {
    use docx_rs::{Docx, Paragraph, Run as WRun, Table, TableCell, TableRow, VMergeType};
    let cell =
        |t: &str| TableCell::new().add_paragraph(Paragraph::new().add_run(WRun::new().add_text(t)));
    let rows = qingshan_rows();
    let mut table_rows = Vec::new();
    for (n, r) in rows.iter().enumerate() {
        let cells = r
            .iter()
            .enumerate()
            .map(|(k, v)| match (k, n) {
                // The category column: one cell merged down over its rows.
                (0, n) if n > 0 && v.is_empty() => {
                    TableCell::new().vertical_merge(VMergeType::Continue)
                }
                (0, n) if n > 0 => cell(v).vertical_merge(VMergeType::Restart),
                _ => cell(v),
            })
            .collect();
        table_rows.push(TableRow::new(cells));
    }
    let doc = Docx::new()
        .add_paragraph(
            Paragraph::new().add_run(WRun::new().add_text("青山县2025年重点民生实事项目清单")),
        )
        .add_table(Table::new(table_rows));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("青山县清单.docx");
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf).unwrap();
    std::fs::write(&path, buf.into_inner()).unwrap();
    let (c, _) = check_against(path.to_str().unwrap(), QINGSHAN, QINGSHAN_MARKS);
    is_qingshan(&c);
}

/// The 青山县 list as a spreadsheet, the category merged over its rows.
fn qingshan_xlsx(path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sh = wb.add_worksheet();
    sh.write_string(0, 0, "青山县2025年重点民生实事项目清单")
        .unwrap();
    let rows = qingshan_rows();
    let fmt = rust_xlsxwriter::Format::new();
    for (n, r) in rows.iter().enumerate() {
        let row = n as u32 + 2;
        for (k, v) in r.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(x) if k != 0 => sh.write_number(row, k as u16, x).map(|_| ()).unwrap(),
                _ => sh.write_string(row, k as u16, *v).map(|_| ()).unwrap(),
            }
        }
    }
    // 教育 over rows 3–4, 卫生健康 over 5–6.
    sh.merge_range(3, 0, 4, 0, "教育", &fmt).unwrap();
    sh.merge_range(5, 0, 6, 0, "卫生健康", &fmt).unwrap();
    wb.save(path).unwrap();
}

#[test]
fn an_xlsx_list_drafts_and_init_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("清单.xlsx");
    qingshan_xlsx(&list);
    let (c, _) = check_against(list.to_str().unwrap(), QINGSHAN, QINGSHAN_MARKS);
    is_qingshan(&c);

    let run = bare(
        &["init", "ws", "--plan", list.to_str().unwrap()],
        dir.path(),
    )
    .ok();
    assert!(
        run.stdout.contains("5 项任务（县级 5 项）"),
        "{}",
        run.stdout
    );
    let ws = dir.path().join("ws");
    let drafted =
        Catalog::load(&ws.join("seeds/青山县-2025.toml")).unwrap_or_else(|e| panic!("{e:#}"));
    is_qingshan(&drafted);
    assert!(
        ws.join("seeds/清单.xlsx").is_file(),
        "the list kept beside its draft"
    );
}

#[test]
fn nothing_found_says_what_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("通知.txt");
    std::fs::write(&plan, "关于召开会议的通知\n请各单位准时参加。\n").unwrap();
    let run = bare(&["catalog", "draft", plan.to_str().unwrap()], dir.path()).code(2);
    for words in [
        "没有在方案中找到任何任务",
        "（牵头单位：…）",
        "（…牵头）",
        "表格",
        "Excel",
    ] {
        assert!(run.stderr.contains(words), "{words}: {}", run.stderr);
    }
}

/// The cells of a sheet as text.
fn sheet_text(path: &Path, sheet: &str) -> String {
    let mut book = open_workbook_auto(path).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    range
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|d| match d {
            Data::String(s) => Some(s.clone()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_districts_plan_says_its_level_in_forms_workbook_and_bulletin() {
    let dir = tempfile::tempdir().unwrap();
    let plan = repo("tests/fixtures/plans/heping-qiantou-2025.txt");
    bare(
        &["init", "ws", "--plan", plan.to_str().unwrap()],
        dir.path(),
    )
    .ok();
    let ws = Ws {
        dir,
        today: "2025-04-03".into(),
    };
    let ws_path = |rel: &str| ws.path(rel);
    let at = |args: &[&str]| ws.run(args);
    let listed = at(&["catalog"]).ok().stdout;
    assert!(listed.contains("【区级】5 项任务"), "{listed}");
    assert!(!listed.contains("县级"), "{listed}");
    let json = at(&["catalog", "--json"]).ok().json();
    assert!(
        json["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["level"] == "区级")
    );

    at(&["forms", "--period", "2025-03", "--draft"]).ok();
    let form = ws_path("outbox/forms/2025-03/2025-03-区人社局.xlsx");
    let guide = sheet_text(&form, "填报说明");
    assert!(guide.contains("区级 2 项"), "{guide}");
    assert!(!guide.contains("县级"), "{guide}");

    at(&["report", "--period", "2025-03", "--draft"]).ok();
    let reports = ws_path("outbox/reports/2025-03");
    let mut bulletin = String::new();
    let mut workbook = None;
    for e in std::fs::read_dir(&reports).unwrap().flatten() {
        let p = e.path();
        match p.extension().and_then(|x| x.to_str()) {
            Some("txt" | "html") => bulletin.push_str(&std::fs::read_to_string(&p).unwrap()),
            Some("xlsx") => workbook = Some(p),
            _ => {}
        }
    }
    assert!(bulletin.contains("区级"), "{bulletin}");
    assert!(!bulletin.contains("县级"), "{bulletin}");
    let workbook = workbook.expect("the master workbook");
    let book = open_workbook_auto(&workbook).unwrap();
    assert!(
        book.sheet_names().iter().any(|s| s == "区级实事"),
        "{:?}",
        book.sheet_names()
    );
    let sheet = sheet_text(&workbook, "区级实事");
    assert!(sheet.contains("区级"), "{sheet}");
}
