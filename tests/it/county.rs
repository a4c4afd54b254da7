//! Another county's plan through a whole cycle. 溪源区 (a district, written
//! here in the shape of a real plan: tests/fixtures/plans/xiyuan-minsheng-2025.txt)
//! calls its items 重点民生实事, is run by a 指挥部 whose 指挥部办公室 sits in
//! 区发展和改革局 and is followed up with by 区委区政府督查督办中心, and has its
//! own eight departments, a raised standard (780 → 820 元/月), a percent and a
//! milestone. Its plan is drafted, the draft corrected, and then March and
//! April run: forms, filled returns, ingest, status, report, reminders and
//! `report --send` to a real SMTP server. Not a word of the Pingjiang plan
//! may reach any file under `outbox/` (inside the workbooks and Word files
//! too) or any mail, and every percentage the bulletin prints is the
//! workbook's and `status`'s.

use crate::forms::walk;
use crate::ingest::indicator;
use crate::mail::Smtpd;
use crate::report::{Table, assert_percentages_agree, num, shown};
use crate::util::{Run, Ws, bare, fill_return, repo};
use calamine::{Data, Reader};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Words of the Pingjiang plan that no other county may read.
const PINGJIANG: [&str; 5] = ["平江", "民生可感行动", "专班", "督查室", "县人社局"];

const MARCH: &str = "2025-03";
const APRIL: &str = "2025-04";

/// The draft of the plan, corrected by hand as the office would: the plan's
/// name without 项目 (as its bulletins call it), task titles shortened, the
/// 待核对 marks resolved.
const CATALOG: &str = r#"
schema = 1
version = "2025.1"

[plan]
name = "溪源区重点民生实事"
county = "溪源区"
year = 2025
timezone = "Asia/Shanghai"
source = "xiyuan-minsheng-2025.txt"
issuer = "溪源区重点民生实事项目建设指挥部"

[working_group]
convener = "区长"
deputy_conveners = ["常务副区长", "分管副区长"]
members = [
  "区发展和改革局", "区财政局", "区人力资源和社会保障局", "区民政局", "区卫生健康局",
  "区住房和城乡建设局", "区教育局", "区医疗保障局", "区交通运输局", "区城市管理局",
  "区委区政府督查督办中心",
]
office = "区发展和改革局"
office_name = "指挥部办公室"
supervisor = "区委区政府督查督办中心"

[[departments]]
name = "区人力资源和社会保障局"
[[departments]]
name = "区民政局"
[[departments]]
name = "区卫生健康局"
[[departments]]
name = "区住房和城乡建设局"
[[departments]]
name = "区教育局"
[[departments]]
name = "区医疗保障局"
[[departments]]
name = "区交通运输局"
[[departments]]
name = "区城市管理局"

[[tasks]]
code = "P01"
level = "省级"
title = "城镇新增就业"
leads = ["区人力资源和社会保障局"]
[[tasks.indicators]]
code = "P01-1"
name = "城镇新增就业"
target = 2800
unit = "人"
kind = "count"
department = "区人力资源和社会保障局"

[[tasks]]
code = "P02"
level = "省级"
title = "提高城乡低保标准"
leads = ["区民政局"]
[[tasks.indicators]]
code = "P02-1"
name = "城乡低保标准"
target = 820
baseline = 780
unit = "元/人·月"
kind = "standard"
department = "区民政局"

[[tasks]]
code = "P03"
level = "省级"
title = "提高适龄儿童免疫规划疫苗接种率"
leads = ["区卫生健康局"]
[[tasks.indicators]]
code = "P03-1"
name = "适龄儿童免疫规划疫苗接种率"
target = 95
unit = "%"
kind = "percent"
department = "区卫生健康局"

[[tasks]]
code = "P04"
level = "省级"
title = "改造城镇老旧小区"
leads = ["区住房和城乡建设局"]
[[tasks.indicators]]
code = "P04-1"
name = "改造城镇老旧小区"
target = 12
unit = "个"
kind = "count"
department = "区住房和城乡建设局"

[[tasks]]
code = "M01"
level = "市级"
title = "新增公办幼儿园学位"
leads = ["区教育局"]
[[tasks.indicators]]
code = "M01-1"
name = "新增公办幼儿园学位"
target = 900
unit = "个"
kind = "count"
department = "区教育局"

[[tasks]]
code = "M02"
level = "市级"
title = "提高城乡居民医保财政补助标准"
leads = ["区医疗保障局"]
[[tasks.indicators]]
code = "M02-1"
name = "城乡居民医保财政补助标准"
target = 700
baseline = 670
unit = "元/人·年"
kind = "standard"
department = "区医疗保障局"

[[tasks]]
code = "M03"
level = "市级"
title = "新开通城乡公交线路"
leads = ["区交通运输局"]
[[tasks.indicators]]
code = "M03-1"
name = "新开通城乡公交线路"
target = 6
unit = "条"
kind = "count"
department = "区交通运输局"

[[tasks]]
code = "C01"
level = "县级"
title = "建成区人民医院门急诊综合楼"
leads = ["区卫生健康局"]
[[tasks.indicators]]
code = "C01-1"
name = "区人民医院门急诊综合楼"
target = "完成"
unit = "阶段"
kind = "milestone"
department = "区卫生健康局"

[[tasks]]
code = "C02"
level = "县级"
title = "改造提升背街小巷"
leads = ["区城市管理局"]
[[tasks.indicators]]
code = "C02-1"
name = "改造提升背街小巷"
target = 16
unit = "条"
kind = "count"
department = "区城市管理局"
"#;

/// Draft the plan through the binary and check what it made of the working
/// group: the words every later text takes.
fn drafted_words() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("draft.toml");
    let plan = repo("tests/fixtures/plans/xiyuan-minsheng-2025.txt");
    bare(
        &[
            "catalog",
            "draft",
            plan.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        dir.path(),
    )
    .ok();
    let draft = minsheng::plan::catalog::Catalog::load(&out).unwrap();
    let hand = minsheng::plan::catalog::Catalog::parse(CATALOG, "xiyuan-2025", "x.toml").unwrap();
    assert_eq!(
        draft.working_group, hand.working_group,
        "drafted as corrected"
    );
    assert_eq!(draft.plan.issuer, hand.plan.issuer);
    assert_eq!(
        (draft.plan.county.as_str(), draft.plan.year),
        ("溪源区", 2025)
    );
    assert_eq!(draft.departments, hand.departments);
    // The correction: the plan's name as its bulletins use it.
    assert_eq!(draft.plan.name, "溪源区重点民生实事项目");
}

/// A workspace made by `init`, then given the district's catalog and a
/// configuration with the SMTP server, a leader and three departments'
/// addresses; the Pingjiang seeds removed.
fn xiyuan(port: u16) -> Ws {
    let ws = Ws::new();
    for seed in std::fs::read_dir(ws.path("seeds")).unwrap() {
        std::fs::remove_file(seed.unwrap().path()).unwrap();
    }
    ws.write("seeds/xiyuan-2025.toml", CATALOG);
    let template = minsheng::config::TEMPLATE;
    let line = template
        .lines()
        .find(|l| l.starts_with("catalog = "))
        .unwrap();
    ws.write(
        "minsheng.toml",
        &format!(
            "{}\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
             from = \"溪源区重点民生实事项目建设指挥部办公室 <zhb@xiyuan.example.cn>\"\ntimeout_secs = 10\n\
             [[leaders]]\nname = \"赵明\"\ntitle = \"区长\"\nemail = \"zhaoming@xiyuan.example.cn\"\n\
             [departments.\"区城市管理局\"]\nemail = \"cgj@xiyuan.example.cn\"\n\
             [departments.\"区交通运输局\"]\nemail = \"jtj@xiyuan.example.cn\"\n\
             [departments.\"区医疗保障局\"]\nemail = \"ybj@xiyuan.example.cn\"\n",
            template.replace(line, "catalog = \"seeds/xiyuan-2025.toml\"")
        ),
    );
    ws
}

/// Fill `dept`'s form of `period` with `values` (the rest at target) and
/// reasons for the codes in `behind`, signed by a clerk of the district.
fn fill(ws: &Ws, dept: &str, period: &str, values: Value, behind: &[&str]) -> PathBuf {
    let text: serde_json::Map<String, Value> = behind
        .iter()
        .map(|c| {
            (
                c.to_string(),
                json!({"存在问题": "前期手续办理较慢", "下步措施": "倒排工期，6月底前赶上序时进度"}),
            )
        })
        .collect();
    fill_return(
        ws,
        dept,
        period,
        json!({
            "values": values,
            "text": text,
            "footer": {"填报人": "刘芳", "联系电话": "0739-5321234", "填报日期": format!("{}-02", ws.today.get(..7).unwrap())},
        }),
    )
}

fn ingest(ws: &Ws, file: &Path, want: &str) -> Value {
    let run = ws.run(&["ingest", "--json", file.to_str().unwrap()]);
    let doc = run.json();
    assert_eq!(doc["results"][0]["verdict"], want, "{doc:#}");
    doc
}

/// Every text a file holds: the file itself, or each part of a zip (xlsx, docx).
fn texts_of(name: &str, bytes: &[u8]) -> Vec<(String, String)> {
    match zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
        Ok(mut zip) => (0..zip.len())
            .map(|n| {
                let mut f = zip.by_index(n).unwrap();
                let part = format!("{name}:{}", f.name().unwrap());
                let mut b = Vec::new();
                f.read_to_end(&mut b).unwrap();
                (part, String::from_utf8_lossy(&b).into_owned())
            })
            .collect(),
        Err(_) => vec![(
            name.to_string(),
            String::from_utf8_lossy(bytes).into_owned(),
        )],
    }
}

/// What a mail says: subject, every body, every attachment (unzipped).
fn texts_of_mail(name: &str, raw: &[u8]) -> Vec<(String, String)> {
    let m = MessageParser::default().parse(raw).unwrap();
    let mut out = vec![(
        format!("{name} subject"),
        m.subject().unwrap_or("").to_string(),
    )];
    if let Some(from) = m.from().and_then(|f| f.first()) {
        out.push((
            format!("{name} from"),
            from.name().unwrap_or("").to_string(),
        ));
    }
    for i in 0.. {
        match (m.body_text(i), m.body_html(i)) {
            (None, None) => break,
            (t, h) => {
                out.push((
                    format!("{name} body {i}"),
                    t.unwrap_or_default().into_owned(),
                ));
                out.push((
                    format!("{name} html {i}"),
                    h.unwrap_or_default().into_owned(),
                ));
            }
        }
    }
    for a in m.attachments() {
        let an = format!("{name} → {}", a.attachment_name().unwrap_or("?"));
        out.extend(texts_of(&an, a.contents()));
    }
    out
}

#[track_caller]
fn no_pingjiang_words(texts: &[(String, String)]) {
    for (what, text) in texts {
        for word in PINGJIANG {
            assert!(!text.contains(word), "{word} in {what}:\n{text}");
        }
    }
}

/// The 完成率 a form shows for `code` (its cached or recalculated value).
fn form_rate(file: &Path, code: &str) -> Data {
    let mut wb = calamine::open_workbook_auto(file).unwrap();
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .position(|r| r.iter().any(|c| *c == "指标编号"))
        .unwrap();
    let col = |h: &str| rows[header].iter().position(|c| *c == h).unwrap();
    rows.iter()
        .find(|r| r[col("指标编号")] == code)
        .map(|r| r[col("完成率")].clone())
        .unwrap_or_else(|| panic!("{code} not in {file:?}"))
}

/// `report --period P [--send]`, which must name the bulletin `第N期`.
fn report(ws: &Ws, period: &str, send: bool, issue: &str) -> Run {
    let mut args = vec!["report", "--period", period];
    if send {
        args.push("--send");
    }
    let run = ws.run(&args).ok();
    let subject = format!("溪源区重点民生实事调度通报（{issue}）");
    assert!(run.stdout.contains(&subject), "{}", run.stdout);
    run
}

#[test]
fn another_countys_month_reads_its_own_words_and_one_figure_everywhere() {
    drafted_words();
    let tmp = tempfile::tempdir().unwrap();
    let server = Smtpd::start(&tmp.path().join("in"), 0, &[]);
    let mut ws = xiyuan(server.port);
    let mut said: Vec<(String, String)> = Vec::new();
    let mut keep = |what: &str, r: Run| -> Run {
        said.push((format!("{what} stdout"), r.stdout.clone()));
        said.push((format!("{what} stderr"), r.stderr.clone()));
        r
    };

    // March: forms, returns as the district's clerks fill them.
    ws.today = "2025-04-01".into();
    keep("forms", ws.run(&["forms", "--period", MARCH]).ok());
    let form = ws.path(&format!("outbox/forms/{MARCH}/{MARCH}-区民政局.xlsx"));
    ws.today = "2025-04-03".into();
    let returns: [(&str, Value, &[&str]); 6] = [
        ("区人力资源和社会保障局", json!({"P01-1": 900}), &[]),
        ("区民政局", json!({"P02-1": 800}), &[]),
        (
            "区卫生健康局",
            json!({"P03-1": 90, "C01-1": "未启动"}),
            &["C01-1"],
        ),
        ("区住房和城乡建设局", json!({"P04-1": 2}), &["P04-1"]),
        ("区教育局", json!({}), &[]),
        ("区医疗保障局", json!({"M02-1": 685}), &[]),
    ];
    let mut minzheng = PathBuf::new();
    for (dept, values, behind) in returns {
        let f = fill(&ws, dept, MARCH, values, behind);
        ingest(&ws, &f, "accepted");
        if dept == "区民政局" {
            minzheng = f;
        }
    }
    // 区城市管理局: first sent back, then right: 1 of 16 is 6.25 %, printed 6.3 %.
    let wrong = fill(&ws, "区城市管理局", MARCH, json!({"C02-1": "待统计"}), &[]);
    let doc = ingest(&ws, &wrong, "rejected");
    assert_eq!(doc["results"][0]["findings"][0]["code"], "not_a_number");
    ingest(
        &ws,
        &fill(&ws, "区城市管理局", MARCH, json!({"C02-1": 1}), &["C02-1"]),
        "accepted",
    );
    // 区医疗保障局 again, without its clerk's name: a warning in the plan's words.
    let unsigned = fill_return(
        &ws,
        "区医疗保障局",
        MARCH,
        json!({"values": {"M02-1": 685}, "footer": {"联系电话": "0739-5321234", "填报日期": "2025-04-03"}}),
    );
    let doc = ingest(&ws, &unsigned, "accepted");
    let warned = doc["results"][0]["findings"].to_string();
    assert!(warned.contains("便于指挥部核实数据时联系"), "{warned}");

    // The raised standard from its old level, in the form as LibreOffice
    // recalculates it and in status: 780 → 820, now 800, is half way.
    let lo = crate::office::convert(&minzheng, "xlsx", &tmp.path().join("lo"));
    assert_eq!(num(&form_rate(&lo, "P02-1")), 0.5, "the form's 完成率");

    // Receipts speak of the district's office.
    let receipts = walk(&ws.path(&format!("outbox/receipts/{MARCH}")));
    let rejected_txt = receipts
        .iter()
        .find(|p| p.to_string_lossy().ends_with("-rejected.txt"))
        .unwrap();
    let receipt = std::fs::read_to_string(rejected_txt).unwrap();
    assert!(
        receipt.contains("请联系指挥部办公室（设区发展和改革局）"),
        "{receipt}"
    );
    assert!(
        receipt.starts_with("溪源区重点民生实事 报送回执"),
        "{receipt}"
    );
    assert!(
        receipt.contains("溪源区重点民生实事项目建设指挥部\n"),
        "{receipt}"
    );
    let marked = receipts
        .iter()
        .find(|p| p.to_string_lossy().ends_with("-rejected.xlsx"))
        .unwrap();
    let parts = texts_of("marked", &std::fs::read(marked).unwrap());
    let comments = parts
        .iter()
        .find(|(n, _)| n.contains("comments"))
        .expect("a note on the wrong cell");
    assert!(
        comments.1.contains("<author>指挥部办公室</author>"),
        "{}",
        comments.1
    );

    // Status.
    ws.today = "2025-04-08".into();
    let status = keep(
        "status",
        ws.run(&["status", "--period", MARCH, "--json"]).ok(),
    )
    .json();
    keep("status text", ws.run(&["status", "--period", MARCH]).ok());
    assert_eq!(status["time_progress"], 90.0 / 365.0);
    let p02 = indicator(&status, "P02-1");
    assert_eq!(
        (p02["progress"].as_f64(), &p02["status"]),
        (Some(0.5), &json!("序时推进"))
    );
    assert_eq!(p02["baseline"], 780);
    assert_eq!(indicator(&status, "C02-1")["progress"], 0.0625);
    assert_eq!(indicator(&status, "C02-1")["status"], "滞后");
    assert_eq!(indicator(&status, "C01-1")["status"], "严重滞后");
    assert_eq!(indicator(&status, "M03-1")["status"], "未报送");
    // …and as DESIGN.md's executable contract computes it.
    let saved = tmp.path().join("status.json");
    std::fs::write(&saved, status.to_string()).unwrap();
    let o = std::process::Command::new("python3")
        .arg(repo("tests/tools/contract_check.py"))
        .args(["status", saved.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));

    // Report and send; remind the one department that has not reported.
    keep("report", report(&ws, MARCH, true, "2025年第1期"));
    let run = keep("remind", ws.run(&["remind", "--period", MARCH]).ok());
    assert!(
        run.stdout.contains("区交通运输局 → jtj@xiyuan.example.cn"),
        "{}",
        run.stdout
    );

    let dir = ws.path(&format!("outbox/reports/{MARCH}"));
    let txt = std::fs::read_to_string(dir.join(format!("{MARCH}-调度通报.txt"))).unwrap();
    for want in [
        "溪源区重点民生实事调度通报\n（2025年第1期）",
        "从本期调度情况看，部分民生实事推进不力，1项指标严重滞后于序时进度、2项指标滞后，需引起高度重视；另有1个单位未报送本期进展情况。",
        "截至2025年3月31日，溪源区重点民生实事共9件、9项指标，已完成1项，序时推进4项，滞后2项，严重滞后1项，未报送1项；已完成指标占比11.1%，已报送指标平均完成率43.7%，本期序时进度24.7%。",
        "完成率6.3%，低于序时进度18.4个百分点",
        "对严重滞后事项，指挥部将提请挂牌督办。",
        "指挥部办公室将会同区委区政府督查督办中心对各项民生实事进展情况跟踪督办",
        "截至通报时，区交通运输局未报送本期进展情况。",
        "溪源区重点民生实事项目建设指挥部\n2025年4月8日",
    ] {
        assert!(txt.contains(want), "bulletin lacks {want}:\n{txt}");
    }
    assert!(
        !txt.contains("城乡低保标准（P02-1"),
        "800 of 780 → 820 is half way, on track, not lagging:\n{txt}"
    );
    assert!(
        !txt.contains("与2月相比"),
        "nothing was reported for February:\n{txt}"
    );
    assert_eq!(
        assert_percentages_agree(&ws, MARCH),
        12,
        "序时进度, 2 rates overall and 2 for each of 3 levels, 3 lagging items"
    );

    // The workbook: its titles say the plan's name once; no February row.
    let file = dir.join(format!("{MARCH}-民生实事调度汇总表.xlsx"));
    let mut wb = calamine::open_workbook_auto(&file).unwrap();
    let overview = wb.worksheet_range("总览").unwrap();
    assert_eq!(
        overview.get_value((0, 0)),
        Some(&Data::String(
            "溪源区重点民生实事调度汇总表（2025年3月）".into()
        ))
    );
    assert!(
        !overview
            .cells()
            .any(|(_, _, c)| c.to_string().contains("与上期比较")),
        "February had neither a report nor a return"
    );
    let defined: Vec<String> = overview
        .cells()
        .map(|(_, _, c)| c.to_string())
        .filter(|c| c.contains("已完成指标占比＝") && c.contains("平均完成率＝"))
        .collect();
    assert_eq!(defined.len(), 1, "each rate defined once");
    let province = wb.worksheet_range("省级实事").unwrap();
    assert_eq!(
        province.get_value((0, 0)),
        Some(&Data::String(
            "溪源区重点民生实事（省级）进展情况表（2025年3月）".into()
        ))
    );
    let p02_rate = Table::read(&file, "省级实事", "指标编号").get("指标编号", "P02-1", "完成率");
    assert_eq!(num(&p02_rate), 0.5);
    let c02 = Table::read(&file, "县级实事", "指标编号").get("指标编号", "C02-1", "完成率");
    assert_eq!(num(&c02), shown(0.0625), "the cell holds 6.3 %, as printed");
    assert_eq!(num(&c02), 0.063);
    let form_title = calamine::open_workbook_auto(&form)
        .unwrap()
        .worksheet_range("填报表")
        .unwrap()
        .get_value((0, 0))
        .cloned();
    assert_eq!(
        form_title,
        Some(Data::String("溪源区重点民生实事进展情况调度表".into()))
    );

    // April: the forms carry March's values, the standard's rate with them.
    ws.today = "2025-05-01".into();
    keep("forms april", ws.run(&["forms", "--period", APRIL]).ok());
    let april_form = ws.path(&format!("outbox/forms/{APRIL}/{APRIL}-区民政局.xlsx"));
    assert_eq!(
        num(&form_rate(&april_form, "P02-1")),
        0.5,
        "cached 800 of 780 → 820"
    );
    ws.today = "2025-05-03".into();
    ingest(
        &ws,
        &fill(&ws, "区民政局", APRIL, json!({"P02-1": 820}), &[]),
        "accepted",
    );
    ingest(
        &ws,
        &fill(
            &ws,
            "区卫生健康局",
            APRIL,
            json!({"P03-1": 95, "C01-1": "前期工作"}),
            &["C01-1"],
        ),
        "accepted",
    );
    ingest(
        &ws,
        &fill(&ws, "区住房和城乡建设局", APRIL, json!({"P04-1": 4}), &[]),
        "accepted",
    );
    ws.today = "2025-05-08".into();
    keep("report april", report(&ws, APRIL, true, "2025年第2期"));
    let april =
        std::fs::read_to_string(ws.path(&format!("outbox/reports/{APRIL}/{APRIL}-调度通报.txt")))
            .unwrap();
    assert!(april.contains("与3月相比"), "March had a report:\n{april}");
    assert!(
        april.contains("完成率由上期50.0%提高到100.0%，提升50.0个百分点"),
        "the standard reached:\n{april}"
    );
    assert_eq!(
        assert_percentages_agree(&ws, APRIL),
        15,
        "市级 has no 平均完成率: nothing reported; 6 for 3 highlights"
    );
    // March made again keeps its number.
    keep("report again", report(&ws, MARCH, false, "2025年第1期"));

    // Nothing of the Pingjiang plan anywhere: every file under outbox/
    // (workbooks and Word files part by part, mail decoded), every mail the
    // server received, every message the office saw.
    let mut texts = said;
    for f in walk(&ws.path("outbox")) {
        let name = f.display().to_string();
        let bytes = std::fs::read(&f).unwrap();
        if name.ends_with(".eml") {
            texts.extend(texts_of_mail(&name, &bytes));
        }
        texts.extend(texts_of(&name, &bytes));
    }
    let mails = server.received();
    let subjects: Vec<String> = mails
        .iter()
        .map(|m| {
            MessageParser::default()
                .parse(&m.raw)
                .unwrap()
                .subject()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    for want in [
        "溪源区重点民生实事调度通报（2025年第1期）",
        "溪源区重点民生实事调度通报（2025年第2期）",
        "【催报】溪源区重点民生实事2025年3月进展情况报送已逾期，请尽快报送",
    ] {
        assert!(
            subjects.iter().any(|s| s == want),
            "{want} not mailed: {subjects:?}"
        );
    }
    assert!(
        subjects
            .iter()
            .any(|s| s.starts_with("【报送回执】区城市管理局")),
        "{subjects:?}"
    );
    let reminder = mails
        .iter()
        .find(|m| m.rcpt_tos == ["jtj@xiyuan.example.cn"])
        .map(|m| {
            MessageParser::default()
                .parse(&m.raw)
                .unwrap()
                .body_text(0)
                .unwrap()
                .into_owned()
        })
        .unwrap();
    assert!(
        reminder.contains("指挥部办公室仍未收到贵单位的填报表")
            && reminder.contains("请联系指挥部办公室（设区发展和改革局）"),
        "{reminder}"
    );
    for (n, m) in mails.iter().enumerate() {
        texts.extend(texts_of_mail(&format!("mail {n}"), &m.raw));
    }
    assert!(texts.len() > 100, "{} texts", texts.len());
    no_pingjiang_words(&texts);
}
