//! `minsheng report` end to end: issue forms, fill returns as clerks do,
//! ingest, report; then read the workbook back cell by cell and hold the
//! bulletin and `status --json` to the same numbers.

use crate::util::{Ws, fill_return as fill};
use calamine::{Data, Reader};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const P: &str = "2024-03";
/// 序时进度 of 2024-03.
const TIME: f64 = 91.0 / 366.0;
const HYPERLINK: &str = r#"=HYPERLINK("http://x","y")"#;
const SHEETS: [&str; 7] = [
    "总览",
    "省级实事",
    "市级实事",
    "县级实事",
    "按单位",
    "报送情况",
    "滞后事项",
];
const STATUSES: [&str; 5] = ["已完成", "序时推进", "滞后", "严重滞后", "未报送"];

/// Put `value` into the `header` cell of `code`'s row as a string cell, the
/// way Excel stores text typed into a cell formatted as text: openpyxl (and
/// so fill.py) would turn a leading `=` into a formula.
fn type_as_text(file: &Path, code: &str, header: &str, value: &str) {
    const SCRIPT: &str = r#"
import sys, openpyxl
path, code, header, value = sys.argv[1:5]
wb = openpyxl.load_workbook(path)
ws = wb["填报表"]
for row in ws.iter_rows():
    names = {str(c.value or "").strip(): c.column for c in row}
    if "指标编号" in names and header in names:
        for r in range(row[0].row + 1, ws.max_row + 1):
            if str(ws.cell(r, names["指标编号"]).value or "").strip() == code:
                cell = ws.cell(r, names[header])
                cell.value = value
                cell.data_type = "s"
                wb.save(path)
                sys.exit(0)
sys.exit("cell not found")
"#;
    let o = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(file)
        .args([code, header, value])
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn ingest(ws: &Ws, file: &Path, want: &str) {
    let run = ws.run(&["ingest", "--json", file.to_str().unwrap()]);
    let doc = run.json();
    assert_eq!(doc["results"][0]["verdict"], want, "{doc:#}");
}

/// A March of the shipped plan with known returns:
/// - 县民政局 (February and March): P13-1 10 of 419 (严重滞后, with reasons and
///   an injected `<b>`), P12-1 1 of 5 (序时推进), P05-1 raised from 650 to 700
///   and at 680 (60 %, not reached), the rest reached; an `=HYPERLINK` typed
///   into 工作进展. In February P05-1 and P06-1 were still at their old
///   standards (0 %), with reasons.
/// - 县人社局: the percent P11-2 at 15 of 100 (滞后), P11-3 reached.
/// - 天岳投资集团: the milestone C01-1 at 开工建设.
/// - 县卫生健康局, late on 7 April: P04-1 at 0 (严重滞后), M04-1 reached.
/// - 县教育局: a rejected return. The other 15 units do not report.
fn march() -> Ws {
    let mut ws = Ws::new();
    ws.run(&["forms", "--period", "2024-02", "--department", "县民政局"])
        .ok();
    ws.run(&["forms", "--period", P]).ok();
    let feb = fill(
        &ws,
        "县民政局",
        "2024-02",
        json!({
            "values": {"P13-1": 5, "P12-1": 0, "P05-1": 650, "P06-1": 80},
            "text": {
                "P13-1": {"存在问题": "资金未到位", "下步措施": "争取资金"},
                "P12-1": {"存在问题": "选址未定", "下步措施": "加快选址"},
                "P05-1": {"存在问题": "新标准待批复", "下步措施": "3月起按新标准发放"},
                "P06-1": {"存在问题": "新标准待批复", "下步措施": "3月起按新标准发放"},
            },
        }),
    );
    ingest(&ws, &feb, "accepted");
    let minzheng = fill(
        &ws,
        "县民政局",
        P,
        json!({
            "values": {"P13-1": 10, "P12-1": 1, "P05-1": 680},
            "text": {
                "P13-1": {
                    "工作进展": "已完成10户改造",
                    "存在问题": "改造资金尚未拨付到位<b>重要</b>",
                    "下步措施": "协调财政尽快拨付资金",
                },
            },
        }),
    );
    type_as_text(&minzheng, "P05-2", "工作进展", HYPERLINK);
    ingest(&ws, &minzheng, "accepted");
    let renshe = fill(
        &ws,
        "县人社局",
        P,
        json!({
            "values": {"P11-1": 1500, "P11-2": 15, "P18-1": 4000},
            "text": {"P11-2": {"存在问题": "系统对接尚未完成", "下步措施": "4月底前完成对接"}},
        }),
    );
    ingest(&ws, &renshe, "accepted");
    let tianyue = fill(
        &ws,
        "天岳投资集团",
        P,
        json!({"values": {"C01-1": "开工建设"}}),
    );
    ingest(&ws, &tianyue, "accepted");
    let jiaoyu = fill(&ws, "县教育局", P, json!({"values": {"P01-1": "两个"}}));
    ingest(&ws, &jiaoyu, "rejected");
    ws.today = "2024-04-07".into();
    let weijian = fill(
        &ws,
        "县卫生健康局",
        P,
        json!({
            "values": {"P03-1": 1050, "P04-1": 0, "M03-1": 1100, "C01-2": 1},
            "text": {"P04-1": {"存在问题": "托育场地改造尚未完工", "下步措施": "6月底前完成改造"}},
        }),
    );
    ingest(&ws, &weijian, "accepted");
    ws.today = "2024-04-08".into();
    ws
}

// ------------------------------------------------------------- reading ---

fn workbook(ws: &Ws) -> PathBuf {
    ws.path(&format!("outbox/reports/{P}/{P}-民生实事调度汇总表.xlsx"))
}

/// A sheet as a table: the header row (the first holding `key`) and the
/// rows under it, each by header name.
pub(crate) struct Table {
    headers: Vec<String>,
    pub(crate) rows: Vec<Vec<Data>>,
}

impl Table {
    pub(crate) fn read(file: &Path, sheet: &str, key: &str) -> Table {
        let mut wb = calamine::open_workbook_auto(file).unwrap();
        let range = wb.worksheet_range(sheet).unwrap();
        let all: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        let at = all
            .iter()
            .position(|r| r.iter().any(|c| *c == key))
            .unwrap_or_else(|| panic!("no {key} header in {sheet}"));
        Table {
            headers: all[at].iter().map(|c| c.to_string()).collect(),
            rows: all[at + 1..].to_vec(),
        }
    }

    pub(crate) fn col(&self, header: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == header)
            .unwrap_or_else(|| panic!("no column {header} in {:?}", self.headers))
    }

    /// The row whose `key_header` cell reads `key`.
    fn row(&self, key_header: &str, key: &str) -> &[Data] {
        let c = self.col(key_header);
        self.rows
            .iter()
            .find(|r| r.get(c).is_some_and(|d| *d == key))
            .unwrap_or_else(|| panic!("no row {key}"))
    }

    pub(crate) fn get(&self, key_header: &str, key: &str, header: &str) -> Data {
        self.row(key_header, key)[self.col(header)].clone()
    }
}

#[track_caller]
pub(crate) fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number cell: {other:?}"),
    }
}

#[track_caller]
fn close(d: &Data, want: f64) {
    let got = num(d);
    assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
}

/// A fraction as the bulletin prints it, rounded half-up to a tenth of a
/// percent (worked out here in decimal, apart from the program's own code):
/// what a percentage cell must hold.
pub(crate) fn shown(fraction: f64) -> f64 {
    shown_text(fraction).parse::<f64>().unwrap() / 100.0
}

/// `24.9` for 0.24863: six decimals settle the binary noise, then half-up.
pub(crate) fn shown_text(fraction: f64) -> String {
    let s = format!("{:.6}", fraction.abs() * 100.0);
    let (int, dec) = s.split_once('.').unwrap();
    let mut tenths: i64 = int.parse::<i64>().unwrap() * 10 + i64::from(dec.as_bytes()[0] - b'0');
    if dec.as_bytes()[1] >= b'5' {
        tenths += 1;
    }
    let sign = if fraction < 0.0 && tenths > 0 {
        "-"
    } else {
        ""
    };
    format!("{sign}{}.{}", tenths / 10, tenths % 10)
}

#[track_caller]
fn text(d: &Data, want: &str) {
    assert_eq!(d, &Data::String(want.into()));
}

/// `已完成6项，序时推进8项，…` → counts of the five statuses in a sentence.
fn counts_in(sentence: &str) -> [usize; 5] {
    let mut out = [usize::MAX; 5];
    for token in sentence.split(['，', '；', '：', '。']) {
        for (k, s) in STATUSES.iter().enumerate() {
            if let Some(n) = token
                .strip_prefix(s)
                .and_then(|rest| rest.strip_suffix('项'))
                .and_then(|n| n.parse().ok())
            {
                out[k] = n;
            }
        }
    }
    assert!(!out.contains(&usize::MAX), "counts missing in {sentence}");
    out
}

fn status_counts(status: &Value, level: Option<&str>) -> [usize; 5] {
    let mut out = [0; 5];
    for i in status["indicators"].as_array().unwrap() {
        if level.is_none_or(|l| i["level"] == l) {
            let k = STATUSES.iter().position(|s| i["status"] == *s).unwrap();
            out[k] += 1;
        }
    }
    out
}

fn sheet_xml(file: &Path) -> BTreeMap<String, String> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut out = BTreeMap::new();
    for n in 0..zip.len() {
        let mut f = zip.by_index(n).unwrap();
        let name = f.name().unwrap().to_string();
        if name.starts_with("xl/worksheets/sheet") || name == "xl/sharedStrings.xml" {
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            out.insert(name, s);
        }
    }
    out
}

// ------------------------------------------ every printed percentage ---

/// Every `12.3%` in `text`, in order (CSS widths are tags, stripped before).
fn percentages(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    for (i, &c) in chars.iter().enumerate() {
        if c != '%' {
            continue;
        }
        let start = chars[..i]
            .iter()
            .rposition(|c| !(c.is_ascii_digit() || *c == '.' || *c == '-'))
            .map_or(0, |p| p + 1);
        if start < i {
            out.push(chars[start..i].iter().collect());
        }
    }
    out
}

/// The number just after `label` in `line`, up to `end` (`%` or `个百分点`).
fn figure_after<'a>(line: &'a str, label: &str, end: &str) -> Option<&'a str> {
    let rest = &line[line.find(label)? + label.len()..];
    let n = &rest[..rest.find(end)?];
    n.chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        .then_some(n)
}

/// A percentage cell as an office suite shows it under `0.0%`; the cell
/// must hold the rounded figure itself, so no suite can round it otherwise.
#[track_caller]
fn displayed_percent(d: &Data) -> String {
    let v = num(d);
    assert!(
        (v - shown(v)).abs() < 1e-12,
        "cell holds {v}, not a rounded figure"
    );
    format!("{:.1}", v * 100.0)
}

/// A points cell (`0.0`) as shown.
#[track_caller]
fn displayed_points(d: &Data) -> String {
    format!("{:.1}", num(d))
}

fn text_of_html(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' '); // table cells must not run together
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn text_of_docx(file: &Path) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut doc = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut doc)
        .unwrap();
    // The text runs, apart (each table cell is one).
    doc.split("<w:t")
        .skip(1)
        .filter(|t| t.starts_with(['>', ' '])) // <w:t>, not <w:tbl> or <w:tc>
        .filter_map(|t| Some(&t[t.find('>')? + 1..t.find("</w:t>")?]))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every percentage the bulletin of `period` prints (text, HTML and Word)
/// is the figure the workbook shows and `status --json` gives: the overall
/// and per-level rates, 序时进度, each lagging item's rate and gap, each
/// highlight's rates and rise. Returns how many figures were checked.
pub(crate) fn assert_percentages_agree(ws: &Ws, period: &str) -> usize {
    let dir = ws.path(&format!("outbox/reports/{period}"));
    let file = dir.join(format!("{period}-民生实事调度汇总表.xlsx"));
    let txt = std::fs::read_to_string(dir.join(format!("{period}-调度通报.txt"))).unwrap();
    let status = ws
        .run(&["status", "--period", period, "--json"])
        .ok()
        .json();
    let indicators = status["indicators"].as_array().unwrap();
    let ind = |code: &str| {
        indicators
            .iter()
            .find(|i| i["code"] == code)
            .unwrap_or_else(|| panic!("{code} not in status"))
    };
    let json_pct = |v: &Value| shown_text(v.as_f64().unwrap());
    let overview = Table::read(&file, "总览", "层级");
    let sheets: Vec<Table> = ["省级实事", "市级实事", "县级实事"]
        .iter()
        .map(|s| Table::read(&file, s, "指标编号"))
        .collect();
    let cell = |code: &str, header: &str| -> Data {
        sheets
            .iter()
            .find_map(|t| {
                let c = t.col("指标编号");
                t.rows
                    .iter()
                    .find(|r| r.get(c).is_some_and(|d| *d == code))
                    .map(|r| r[t.col(header)].clone())
            })
            .unwrap_or_else(|| panic!("{code} on no level sheet"))
    };
    let mut checked = 0;
    let mut amounts = 0; // figures that are no rate, or one already checked
    // `what` ends in 落后 or 提升 for points (个百分点), else it is a percentage.
    let mut check = |what: &str, printed: &str, workbook: String, json: String| {
        assert_eq!(
            printed, workbook,
            "{what}: bulletin {printed}, workbook {workbook}"
        );
        assert_eq!(printed, json, "{what}: bulletin {printed}, status {json}");
        if !(what.ends_with("落后") || what.ends_with("提升")) {
            checked += 1;
        }
    };
    let times: Vec<&str> = txt
        .lines()
        .filter_map(|l| figure_after(l, "本期序时进度", "%"))
        .collect();
    let time_printed = *times.first().expect("序时进度 in the bulletin");
    assert!(times.iter().all(|t| *t == time_printed), "{times:?}");
    amounts += times.len() - 1;
    check(
        "序时进度",
        time_printed,
        displayed_percent(&Table::read(&file, "总览", "应报送单位").rows[0][5]),
        json_pct(&status["time_progress"]),
    );
    for line in txt.lines() {
        let level = ["合计", "省级", "市级", "县级"]
            .into_iter()
            .find(|l| line.starts_with(&format!("{l}实事")))
            .or(line.starts_with("截至").then_some("合计"));
        if let Some(level) = level.filter(|_| line.contains("已完成指标占比")) {
            let summary = &status["summary"];
            let json = if level == "合计" {
                summary.clone()
            } else {
                summary["levels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["level"] == level)
                    .unwrap()
                    .clone()
            };
            let share = figure_after(line, "已完成指标占比", "%").unwrap();
            check(
                &format!("{level} 已完成指标占比"),
                share,
                displayed_percent(&overview.get("层级", level, "已完成指标占比")),
                json_pct(&json["done_share"]),
            );
            match figure_after(line, "平均完成率", "%") {
                Some(mean) => check(
                    &format!("{level} 平均完成率"),
                    mean,
                    displayed_percent(&overview.get("层级", level, "平均完成率")),
                    json_pct(&json["mean_progress"]),
                ),
                None => assert!(json["mean_progress"].is_null(), "{level}: {line}"),
            }
        }
        // `1. 名称（P04-1，牵头单位：…）：年度目标…，累计完成…，完成率0.0%，低于序时进度24.9个百分点`
        if let Some(code) = line
            .split_once("（")
            .and_then(|(_, r)| r.split_once("，牵头单位"))
            .map(|(c, _)| c)
            .filter(|_| line.contains("低于序时进度"))
        {
            let i = ind(code);
            check(
                &format!("{code} 完成率"),
                figure_after(line, "完成率", "%").unwrap(),
                displayed_percent(&cell(code, "完成率")),
                json_pct(&i["progress"]),
            );
            check(
                &format!("{code} 落后"),
                figure_after(line, "低于序时进度", "个百分点").unwrap(),
                displayed_points(&cell(code, "落后序时（百分点）")),
                format!("{:.1}", i["gap"].as_f64().unwrap()),
            );
            if i["kind"] == "percent" {
                amounts += 2; // 年度目标95%，累计完成90%: amounts, not rates
            }
        }
        // `名称（单位）完成率由上期A%提高到B%，提升C个百分点。`
        if let Some((who, _)) = line.split_once("完成率由上期") {
            let i = indicators
                .iter()
                .find(|i| {
                    who == format!(
                        "{}（{}）",
                        i["name"].as_str().unwrap(),
                        i["department"].as_str().unwrap()
                    )
                })
                .unwrap_or_else(|| panic!("no indicator for {line}"));
            let code = i["code"].as_str().unwrap();
            let before = figure_after(line, "完成率由上期", "%").unwrap();
            let now = figure_after(line, "提高到", "%").unwrap();
            let rise = figure_after(line, "提升", "个百分点").unwrap();
            check(
                &format!("{code} 完成率"),
                now,
                displayed_percent(&cell(code, "完成率")),
                json_pct(&i["progress"]),
            );
            let f = |s: &str| s.parse::<f64>().unwrap();
            check(
                &format!("{code} 上期完成率"),
                before,
                format!("{:.1}", f(now) - num(&cell(code, "较上期（百分点）"))),
                json_pct(&i["previous_progress"]),
            );
            check(
                &format!("{code} 提升"),
                rise,
                displayed_points(&cell(code, "较上期（百分点）")),
                format!("{:.1}", i["change"].as_f64().unwrap() * 100.0),
            );
        }
    }
    // Every percentage of the text was one of these.
    assert_eq!(
        percentages(&txt).len(),
        checked + amounts,
        "a percentage the check did not cover:\n{txt}"
    );
    // The HTML and the Word version print the same figures.
    let distinct = |v: Vec<String>| v.into_iter().collect::<std::collections::BTreeSet<_>>();
    let html = std::fs::read_to_string(dir.join(format!("{period}-调度通报.html"))).unwrap();
    assert_eq!(
        distinct(percentages(&text_of_html(&html))),
        distinct(percentages(&txt)),
        "HTML"
    );
    let docx = text_of_docx(&dir.join(format!("{period}-调度通报.docx")));
    assert_eq!(
        distinct(percentages(&docx)),
        distinct(percentages(&txt)),
        "Word"
    );
    checked
}

// --------------------------------------------------------------- tests ---

#[test]
fn a_full_period_agrees_cell_by_cell_across_workbook_bulletin_and_status() {
    let ws = march();
    let run = ws.run(&["report", "--period", P]).ok();
    assert!(
        run.stdout.contains("已生成2024年3月调度汇总表和调度通报"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("已报送单位 4 / 20 个"),
        "{}",
        run.stdout
    );
    let file = workbook(&ws);
    for ext in ["html", "txt", "docx"] {
        assert!(
            ws.path(&format!("outbox/reports/{P}/{P}-调度通报.{ext}"))
                .is_file(),
            "{ext}"
        );
    }

    // Every sheet, in order.
    let wb = calamine::open_workbook_auto(&file).unwrap();
    assert_eq!(wb.sheet_names(), SHEETS);

    // 省级实事, cell by cell.
    let prov = Table::read(&file, "省级实事", "指标编号");
    let g = |code: &str, h: &str| prov.get("指标编号", code, h);
    // Percentage cells hold the rounded figure the bulletin prints; gaps and
    // changes are worked out from the rounded figures.
    close(&g("P13-1", "年度目标"), 419.0);
    close(&g("P13-1", "累计完成"), 10.0);
    close(&g("P13-1", "完成率"), shown(10.0 / 419.0));
    close(&g("P13-1", "序时进度"), shown(TIME));
    close(
        &g("P13-1", "落后序时（百分点）"),
        (shown(TIME) - shown(10.0 / 419.0)) * 100.0,
    );
    close(
        &g("P13-1", "较上期（百分点）"),
        (shown(10.0 / 419.0) - shown(5.0 / 419.0)) * 100.0,
    );
    text(&g("P13-1", "状态"), "严重滞后");
    text(&g("P13-1", "牵头单位"), "县民政局");
    text(&g("P13-1", "存在问题"), "改造资金尚未拨付到位<b>重要</b>");
    text(&g("P13-1", "下步措施"), "协调财政尽快拨付资金");
    text(&g("P13-1", "重点民生实事"), "特殊困难老年人家庭适老化改造");
    // A percent indicator, in points.
    close(&g("P11-2", "年度目标"), 100.0);
    close(&g("P11-2", "累计完成"), 15.0);
    close(&g("P11-2", "完成率"), 0.15);
    text(&g("P11-2", "状态"), "滞后");
    // Standards reached and not, from their old standards: 650 → 700 at 680
    // is 60 %, not 680/700; 80 → 90 went from 0 % in February to 100 %.
    close(&g("P05-1", "累计完成"), 680.0);
    close(&g("P05-1", "完成率"), 0.6);
    text(&g("P05-1", "状态"), "序时推进");
    close(&g("P05-1", "较上期（百分点）"), 60.0);
    close(&g("P06-1", "完成率"), 1.0);
    text(&g("P06-1", "状态"), "已完成");
    close(&g("P06-1", "较上期（百分点）"), 100.0);
    close(&g("P12-1", "完成率"), 0.2);
    text(&g("P12-1", "状态"), "序时推进");
    close(&g("P04-1", "累计完成"), 0.0);
    text(&g("P04-1", "状态"), "严重滞后");
    // Not reported (县教育局's return was rejected): no figures.
    assert_eq!(g("P01-1", "累计完成"), Data::Empty);
    assert_eq!(g("P01-1", "完成率"), Data::Empty);
    text(&g("P01-1", "状态"), "未报送");
    close(&g("P01-1", "年度目标"), 2.0);
    // The task title is merged over its indicator rows (P11 has three).
    let mut x: calamine::Xlsx<_> = calamine::open_workbook(&file).unwrap();
    let merged = x.merge_cells_by_sheet_name("省级实事").unwrap();
    let p11 = prov
        .rows
        .iter()
        .position(|r| r[prov.col("指标编号")] == "P11-1")
        .unwrap();
    let header_row = 2;
    let first = (header_row + 1 + p11) as u32;
    assert!(
        merged
            .iter()
            .any(|d| d.start == (first, 1) && d.end == (first + 2, 1)),
        "P11 title not merged over rows {first}..{}: {merged:?}",
        first + 2
    );

    // 县级实事: the milestone.
    let county = Table::read(&file, "县级实事", "指标编号");
    text(&county.get("指标编号", "C01-1", "年度目标"), "完成");
    text(&county.get("指标编号", "C01-1", "累计完成"), "开工建设");
    close(&county.get("指标编号", "C01-1", "完成率"), 0.5);
    text(&county.get("指标编号", "C01-1", "状态"), "序时推进");
    let city = Table::read(&file, "市级实事", "指标编号");
    text(&city.get("指标编号", "M04-1", "状态"), "已完成");
    close(
        &city.get("指标编号", "M03-1", "完成率"),
        shown(1100.0 / 4350.0),
    );

    // 总览 = bulletin (.txt) = status --json, by level and in total.
    let status = ws.run(&["status", "--period", P, "--json"]).ok().json();
    let overview = Table::read(&file, "总览", "层级");
    let txt = ws.read(&format!("outbox/reports/{P}/{P}-调度通报.txt"));
    let overall = txt
        .lines()
        .find(|l| l.starts_with("截至"))
        .expect("overall sentence");
    let want_total = [6, 8, 1, 2, 43];
    assert_eq!(status_counts(&status, None), want_total, "hand-counted");
    assert_eq!(counts_in(overall), want_total, "{overall}");
    for (level, line_start, want) in [
        ("合计", "", want_total),
        ("省级", "省级实事", [5, 5, 1, 2, 24]),
        ("市级", "市级实事", [1, 1, 0, 0, 12]),
        ("县级", "县级实事", [0, 2, 0, 0, 7]),
    ] {
        let from_sheet: Vec<usize> = STATUSES
            .iter()
            .map(|s| num(&overview.get("层级", level, s)) as usize)
            .collect();
        assert_eq!(from_sheet, want, "总览 {level}");
        if level != "合计" {
            assert_eq!(status_counts(&status, Some(level)), want, "status {level}");
            let line = txt
                .lines()
                .find(|l| l.starts_with(line_start))
                .unwrap_or_else(|| panic!("no {line_start} line in\n{txt}"));
            assert_eq!(counts_in(line), want, "{line}");
        }
    }
    close(&overview.get("层级", "合计", "指标（项）"), 60.0);
    close(&overview.get("层级", "合计", "已完成指标占比"), 6.0 / 60.0);
    assert_eq!(status["summary"]["reported_departments"], 4);
    assert!(txt.contains("应报送单位20个，已报送4个"), "{txt}");

    // 滞后事项: furthest behind first, with warning colours.
    let lag = Table::read(&file, "滞后事项", "指标编号");
    let codes: Vec<String> = lag
        .rows
        .iter()
        .map(|r| r[lag.col("指标编号")].to_string())
        .collect();
    assert_eq!(codes, ["P04-1", "P13-1", "P11-2"]);
    text(&lag.get("指标编号", "P04-1", "预警"), "红色预警");
    text(&lag.get("指标编号", "P11-2", "预警"), "蓝色预警");
    close(
        &lag.get("指标编号", "P11-2", "落后序时（百分点）"),
        (shown(TIME) - 0.15) * 100.0,
    );

    // 报送情况 and 按单位.
    let subs = Table::read(&file, "报送情况", "报送状态");
    text(&subs.get("单位", "县民政局", "报送状态"), "已报送");
    text(&subs.get("单位", "县卫生健康局", "报送状态"), "逾期报送");
    text(&subs.get("单位", "县教育局", "报送状态"), "被退回待重报");
    close(&subs.get("单位", "县教育局", "退回次数"), 1.0);
    text(&subs.get("单位", "县司法局", "报送状态"), "未报送");
    assert!(matches!(
        subs.get("单位", "县民政局", "报送时间"),
        Data::DateTime(_)
    ));
    close(&subs.get("单位", "县民政局", "版本"), 1.0);
    let depts = Table::read(&file, "按单位", "指标编号");
    close(&depts.get("牵头单位", "县民政局", "指标（项）"), 7.0);
    close(&depts.get("牵头单位", "县民政局", "已完成"), 4.0);
    close(&depts.get("牵头单位", "县民政局", "严重滞后"), 1.0);

    // The bulletin names what leaders act on.
    for want in [
        "平江县民生可感行动调度通报",
        // The first report this workspace made, though for March.
        "（2024年第1期）",
        "1. 新增普惠性托位（P04-1，牵头单位：县卫生健康局）：年度目标450个，累计完成0个，完成率0.0%，低于序时进度24.9个百分点，严重滞后，红色预警。",
        "存在问题：托育场地改造尚未完工。",
        "县教育局报送的表格未通过校验被退回",
        "县卫生健康局逾期报送",
        "与2月相比",
        "完成率由上期0.0%提高到20.0%，提升20.0个百分点",
        "平江县民生可感行动工作专班\n2024年4月8日",
    ] {
        assert!(txt.contains(want), "bulletin lacks {want}:\n{txt}");
    }
    assert!(
        txt.contains("部分民生实事推进不力，2项指标严重滞后于序时进度、1项指标滞后，需引起高度重视；另有16个单位未报送本期进展情况"),
        "the opening follows the figures:\n{txt}"
    );
    assert!(!txt.contains("总体有序推进"), "{txt}");
    assert!(
        txt.contains("对严重滞后事项，专班将提请挂牌督办")
            && txt.contains("专班办公室将会同县政府督查室对各项民生实事进展情况跟踪督办"),
        "the Pingjiang plan keeps its words:\n{txt}"
    );
    assert_eq!(assert_percentages_agree(&ws, P), 18);
    let missing_line = txt.lines().find(|l| l.starts_with("截至通报时")).unwrap();
    assert!(
        missing_line.contains("县教育局") && missing_line.contains("等16个单位未报送"),
        "{missing_line}"
    );
}

#[test]
fn department_text_stays_text_in_the_workbook_and_escaped_in_the_html() {
    let ws = march();
    ws.run(&["report", "--period", P]).ok();
    let file = workbook(&ws);

    // The injected formula is a string cell, never a formula.
    let prov = Table::read(&file, "省级实事", "指标编号");
    text(&prov.get("指标编号", "P05-2", "工作进展"), HYPERLINK);
    let mut wb = calamine::open_workbook_auto(&file).unwrap();
    let formulas = wb.worksheet_formula("省级实事").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a formula in the sheet"
    );
    // XML text may or may not escape the quotes.
    let spellings = [HYPERLINK.to_string(), HYPERLINK.replace('"', "&quot;")];
    let mut seen = 0;
    for (name, xml) in sheet_xml(&file) {
        assert!(!xml.contains("<f>"), "{name} holds a formula");
        for spelled in &spellings {
            for (at, _) in xml.match_indices(spelled.as_str()) {
                let cell = &xml[xml[..at].rfind("<c ").unwrap()..at];
                assert!(
                    cell.contains(r#"t="inlineStr""#) || cell.contains(r#"t="s""#),
                    "{name}: not a string cell: {cell}"
                );
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 1, "the HYPERLINK text is in 省级实事 only");

    let html = ws.read(&format!("outbox/reports/{P}/{P}-调度通报.html"));
    assert!(!html.contains("<script"), "script in the bulletin");
    assert!(!html.contains("src=\"http"), "remote image in the bulletin");
    assert!(
        !html.contains("<link"),
        "external stylesheet in the bulletin"
    );
    assert!(
        html.contains("&lt;b&gt;重要&lt;&#x2f;b&gt;") || html.contains("&lt;b&gt;重要&lt;/b&gt;"),
        "not escaped"
    );
    assert!(
        !html.contains("<b>重要</b>"),
        "a department's <b> reached the HTML"
    );
    assert!(html.contains("max-width:680px"), "no phone-width container");

    // The Word version: a real package with the title and the official fonts.
    let docx = ws.path(&format!("outbox/reports/{P}/{P}-调度通报.docx"));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(docx).unwrap()).unwrap();
    let mut doc = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut doc)
        .unwrap();
    assert!(doc.contains("平江县民生可感行动调度通报"));
    assert!(doc.contains("仿宋_GB2312") && doc.contains("方正小标宋简体"));
    assert!(
        doc.contains("改造资金尚未拨付到位&lt;b&gt;重要&lt;/b&gt;"),
        "escaped in Word too"
    );
    let mut fonts = String::new();
    zip.by_name("word/fontTable.xml")
        .unwrap()
        .read_to_string(&mut fonts)
        .unwrap();
    assert!(fonts.contains(r#"<w:altName w:val="仿宋"/>"#), "{fonts}");
}

#[test]
fn a_period_nobody_reported_still_makes_a_report() {
    let ws = Ws::new();
    ws.run(&["report", "--period", "2024-01"]).ok();
    let txt = ws.read("outbox/reports/2024-01/2024-01-调度通报.txt");
    assert!(txt.contains("（2024年第1期）"), "{txt}");
    assert!(txt.contains("暂无滞后事项"), "{txt}");
    assert!(txt.contains("未报送60项"), "{txt}");
    assert!(
        !txt.contains("与12月相比"),
        "January has no previous period"
    );
    let file = ws.path("outbox/reports/2024-01/2024-01-民生实事调度汇总表.xlsx");
    let lag = Table::read(&file, "滞后事项", "指标编号");
    assert_eq!(lag.rows.len(), 1);
    assert_eq!(lag.rows[0][0].to_string(), "本期无滞后事项");
    let html = ws.read("outbox/reports/2024-01/2024-01-调度通报.html");
    assert!(html.contains("暂无滞后事项"));
}

#[test]
fn the_office_edits_the_wording_without_rebuilding() {
    let ws = Ws::new();
    ws.write(
        "templates/bulletin.txt",
        "{{ title }}\n（{{ issue }}）\n一、总体情况\n本期已报送{{ departments_reported }}个单位，请各单位加油。\n{{ issuer }}\n{{ date }}\n",
    );
    ws.write(
        "templates/bulletin.html",
        "<p>{{ title }}：{{ total.not_reported }}项未报送</p>",
    );
    ws.run(&["report", "--period", P]).ok();
    let txt = ws.read(&format!("outbox/reports/{P}/{P}-调度通报.txt"));
    assert!(txt.contains("请各单位加油"), "{txt}");
    let html = ws.read(&format!("outbox/reports/{P}/{P}-调度通报.html"));
    assert_eq!(html, "<p>平江县民生可感行动调度通报：60项未报送</p>");
    let mut zip = zip::ZipArchive::new(
        std::fs::File::open(ws.path(&format!("outbox/reports/{P}/{P}-调度通报.docx"))).unwrap(),
    )
    .unwrap();
    let mut doc = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut doc)
        .unwrap();
    assert!(
        doc.contains("请各单位加油"),
        "the Word version follows the text template"
    );
}

#[test]
fn a_broken_bulletin_template_is_named() {
    let ws = Ws::new();
    ws.write("templates/bulletin.html", "{% if %}");
    let r = ws.run(&["report", "--period", P]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("bulletin.html"), "{}", r.stderr);
}

#[test]
fn the_bulletin_compares_with_last_month_only_when_last_month_was_reported() {
    let ws = Ws::new();
    ws.run(&["forms", "--period", P, "--department", "县民政局"])
        .ok();
    ingest(&ws, &fill(&ws, "县民政局", P, json!({})), "accepted");
    ws.run(&["report", "--period", P]).ok();
    let txt = ws.read(&format!("outbox/reports/{P}/{P}-调度通报.txt"));
    assert!(
        !txt.contains("与2月相比"),
        "no February figures to compare with:\n{txt}"
    );

    let ws = Ws::new();
    for period in ["2024-02", P] {
        ws.run(&["forms", "--period", period, "--department", "县民政局"])
            .ok();
        ingest(&ws, &fill(&ws, "县民政局", period, json!({})), "accepted");
    }
    ws.run(&["report", "--period", P]).ok();
    let txt = ws.read(&format!("outbox/reports/{P}/{P}-调度通报.txt"));
    assert!(txt.contains("与2月相比"), "{txt}");
}

/// The workbook and the Word bulletin depend on what they report, not on
/// the moment they were written: made again (a second later, in another
/// process) they are the same bytes, so the mail queue, which knows an
/// attachment by its bytes, does not send the same bulletin twice.
#[test]
fn a_report_made_again_is_the_same_files_byte_for_byte() {
    let ws = Ws::new();
    ws.run(&["forms", "--period", P, "--department", "县民政局"])
        .ok();
    ingest(&ws, &fill(&ws, "县民政局", P, json!({})), "accepted");
    let files = [
        format!("outbox/reports/{P}/{P}-民生实事调度汇总表.xlsx"),
        format!("outbox/reports/{P}/{P}-调度通报.docx"),
        format!("outbox/reports/{P}/{P}-调度通报.html"),
        format!("outbox/reports/{P}/{P}-调度通报.txt"),
    ];
    ws.run(&["report", "--period", P]).ok();
    let first: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(ws.path(f)).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    ws.run(&["report", "--period", P]).ok();
    for (f, before) in files.iter().zip(&first) {
        assert!(
            std::fs::read(ws.path(f)).unwrap() == *before,
            "{f} changed when made again"
        );
    }
    // The files say when they were issued: the report's date.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(ws.path(&files[0])).unwrap()).unwrap();
    let mut core = String::new();
    zip.by_name("docProps/core.xml")
        .unwrap()
        .read_to_string(&mut core)
        .unwrap();
    assert!(core.contains("2024-04-03T00:00:00Z"), "{core}");
}

/// The Word bulletin opened by real word-processing software (LibreOffice
/// Writer, saving it as text): every paragraph of the text version is
/// there in order, then the attachment with each lagging item the
/// workbook lists.
#[test]
fn libreoffice_writer_opens_the_word_bulletin_with_every_paragraph_in_order() {
    let ws = march();
    ws.run(&["report", "--period", P]).ok();
    let dir = ws.path(&format!("outbox/reports/{P}"));
    let saved = crate::office::convert(
        &dir.join(format!("{P}-调度通报.docx")),
        "txt",
        &ws.dir.path().join("writer"),
    );
    let seen = std::fs::read_to_string(saved).unwrap();
    let txt = ws.read(&format!("outbox/reports/{P}/{P}-调度通报.txt"));
    let mut at = 0;
    for line in txt.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let found = seen[at..]
            .find(line)
            .unwrap_or_else(|| panic!("Writer shows no “{line}” after what came before:\n{seen}"));
        at += found + line.len();
    }
    let rest = &seen[at..];
    assert!(rest.contains("附件"), "{rest}");
    let lag = Table::read(&workbook(&ws), "滞后事项", "指标编号");
    let code = lag.col("指标编号");
    assert!(!lag.rows.is_empty());
    for row in &lag.rows {
        let code = row[code].to_string();
        assert!(
            rest.contains(&format!("（{code}）")),
            "{code} not attached:\n{rest}"
        );
    }
}
