//! `minsheng forms`: the issued department forms read back as a return
//! reader would (by header names and codes, never by position), checked by the
//! shared contract script, re-saved by real LibreOffice, and refused input.

use crate::office;
use crate::util::Ws;
use calamine::{Data, DataType, Reader, SheetVisible, open_workbook_auto};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const HEADERS: [&str; 11] = [
    "序号",
    "指标编号",
    "重点民生实事",
    "指标",
    "单位",
    "年度目标",
    "累计完成",
    "完成率",
    "工作进展",
    "存在问题",
    "下步措施",
];
const LABELS: [&str; 6] = [
    "填报单位",
    "报送期次",
    "报送截止",
    "填报人",
    "联系电话",
    "填报日期",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures")
}

/// A form as a reader sees it.
struct Form {
    sheets: Vec<(String, SheetVisible)>,
    header: Vec<String>,
    /// Indicator rows in sheet order: code, then header name → value.
    rows: Vec<(String, BTreeMap<String, Data>)>,
    /// Label → the value in the cell to its right.
    labels: BTreeMap<String, Data>,
    /// `_meta` rows as they are stored: (A, B).
    meta_cells: Vec<(Data, Data)>,
}

impl Form {
    fn read(path: &Path) -> Form {
        let mut book =
            open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let sheets = book
            .sheets_metadata()
            .iter()
            .map(|s| (s.name.clone(), s.visible))
            .collect();
        let form = book.worksheet_range("填报表").expect("sheet 填报表");
        let grid: Vec<&[Data]> = form.rows().collect();
        let text = |d: &Data| match d {
            Data::String(s) => s.trim().trim_end_matches(['：', ':']).to_string(),
            _ => String::new(),
        };
        let h = grid
            .iter()
            .position(|r| {
                let names: Vec<_> = r.iter().map(text).collect();
                names.iter().any(|n| n == "指标编号") && names.iter().any(|n| n == "累计完成")
            })
            .unwrap_or_else(|| panic!("{}: no header row", path.display()));
        let header: Vec<String> = grid[h].iter().map(text).collect();
        let first = header.iter().position(|n| n == "序号").unwrap_or(0);
        let header: Vec<String> = header[first..]
            .iter()
            .take_while(|n| !n.is_empty())
            .cloned()
            .collect();
        let col = |name: &str| first + header.iter().position(|n| n == name).unwrap();
        let code_col = col("指标编号");
        let mut rows = Vec::new();
        for r in &grid[h + 1..] {
            let code = text(r.get(code_col).unwrap_or(&Data::Empty));
            if code.contains('-') && code.starts_with(|c: char| c.is_ascii_uppercase()) {
                let cells = header
                    .iter()
                    .map(|n| (n.clone(), r.get(col(n)).cloned().unwrap_or(Data::Empty)))
                    .collect();
                rows.push((code, cells));
            }
        }
        let mut labels = BTreeMap::new();
        for r in &grid {
            for (c, d) in r.iter().enumerate() {
                let t = text(d);
                if LABELS.contains(&t.as_str()) {
                    labels.insert(t, r.get(c + 1).cloned().unwrap_or(Data::Empty));
                }
            }
        }
        let meta_cells = book
            .worksheet_range("_meta")
            .expect("sheet _meta")
            .rows()
            .map(|r| (r[0].clone(), r.get(1).cloned().unwrap_or(Data::Empty)))
            .collect();
        Form {
            sheets,
            header,
            rows,
            labels,
            meta_cells,
        }
    }

    /// `_meta` as key → value; every key and value must be stored as text.
    fn meta(&self) -> BTreeMap<String, String> {
        self.meta_cells
            .iter()
            .map(|(k, v)| match (k, v) {
                (Data::String(k), Data::String(v)) => (k.clone(), v.clone()),
                _ => panic!("_meta row is not text: {k:?} {v:?}"),
            })
            .collect()
    }

    fn row(&self, code: &str) -> &BTreeMap<String, Data> {
        let found: Vec<_> = self.rows.iter().filter(|(c, _)| c == code).collect();
        assert_eq!(found.len(), 1, "{code} appears {} times", found.len());
        &found[0].1
    }

    fn codes(&self) -> Vec<&str> {
        self.rows.iter().map(|(c, _)| c.as_str()).collect()
    }
}

/// A number as stored: xlsx and ods give floats, xls whole numbers as ints.
fn num(d: &Data) -> Option<f64> {
    match d {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
}

fn blank(d: &Data) -> bool {
    matches!(d, Data::Empty) || matches!(d, Data::String(s) if s.is_empty())
}

/// A 完成率 that shows nothing. LibreOffice stores an empty-string formula
/// result as the number 0 in .xls (seen with LibreOffice 7.4), so there a
/// blank rate reads 0; a reader must never take 完成率 as data.
fn blank_rate(format: &str, d: &Data) -> bool {
    blank(d) || (format == "xls" && *d == Data::Float(0.0))
}

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn key_of(ws: &Ws) -> Vec<u8> {
    unhex(&ws.read("var/form.key"))
}

/// Catalog indicators by code, from `catalog --json`.
fn catalog(ws: &Ws) -> (Value, BTreeMap<String, Value>) {
    let doc = ws.run(&["catalog", "--json"]).ok().json();
    let by_code = doc["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["indicators"].as_array().unwrap())
        .map(|i| (i["code"].as_str().unwrap().to_string(), i.clone()))
        .collect();
    (doc, by_code)
}

/// The rows a form must hold: the department's indicators with target and unit.
fn assert_rows_match_catalog(form: &Form, department: &str, catalog: &BTreeMap<String, Value>) {
    let want: Vec<&str> = catalog
        .values()
        .filter(|i| i["department"] == department)
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    let mut got = form.codes();
    got.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(got, want_sorted, "{department}: rows");
    for code in want {
        let row = form.row(code);
        let ind = &catalog[code];
        assert_eq!(
            row["单位"],
            Data::String(ind["unit"].as_str().unwrap().into()),
            "{code} 单位"
        );
        match &ind["target"] {
            Value::String(s) => assert_eq!(row["年度目标"], Data::String(s.clone()), "{code}"),
            t => assert_eq!(
                num(&row["年度目标"]),
                t.as_f64(),
                "{code} 年度目标 {:?}",
                row["年度目标"]
            ),
        }
    }
}

fn assert_meta_signed(form: &Form, key: &[u8], department: &str, period: &str) {
    let keys: Vec<_> = form.meta_cells.iter().map(|(k, _)| k.to_string()).collect();
    assert_eq!(
        keys,
        minsheng::form::meta::KEYS,
        "_meta keys in order, no header row"
    );
    let meta = form.meta();
    assert_eq!(meta["department"], department);
    assert_eq!(meta["period"], period);
    assert!(
        minsheng::form::meta::verify(&meta, key),
        "signature verifies: {meta:?}"
    );
    assert!(!minsheng::form::meta::verify(&meta, b"some other key"));
    for k in minsheng::form::meta::KEYS {
        let mut changed = meta.clone();
        changed.get_mut(k).unwrap().push('1');
        assert!(
            !minsheng::form::meta::verify(&changed, key),
            "changing {k} kept the signature"
        );
    }
}

fn issue(ws: &Ws, args: &[&str]) -> Value {
    let mut all = vec!["forms", "--json"];
    all.extend_from_slice(args);
    let run = ws.run(&all).ok();
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
    run.json()
}

fn files(doc: &Value) -> Vec<PathBuf> {
    doc["forms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| PathBuf::from(f["file"].as_str().unwrap()))
        .collect()
}

#[test]
fn every_department_gets_a_form_with_its_rows_and_signed_meta() {
    let ws = Ws::new();
    let (cat, by_code) = catalog(&ws);
    let doc = issue(&ws, &["--period", "2024-03"]);
    assert_eq!(doc["period"], "2024-03");
    let forms = doc["forms"].as_array().unwrap();
    let departments: Vec<_> = forms.iter().map(|f| f["department"].clone()).collect();
    assert_eq!(
        &Value::from(departments),
        &cat["departments"],
        "catalog order"
    );
    let key = key_of(&ws);
    for f in forms {
        let dept = f["department"].as_str().unwrap();
        let file = PathBuf::from(f["file"].as_str().unwrap());
        assert_eq!(
            file,
            ws.path(&format!("outbox/forms/2024-03/2024-03-{dept}.xlsx"))
        );
        let form = Form::read(&file);
        let sheets: Vec<_> = form.sheets.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        assert_eq!(
            sheets,
            [
                ("填报表", SheetVisible::Visible),
                ("填报说明", SheetVisible::Visible),
                ("_meta", SheetVisible::Hidden),
            ]
        );
        assert_eq!(form.header, HEADERS);
        assert_rows_match_catalog(&form, dept, &by_code);
        assert_eq!(f["indicators"], form.rows.len());
        for (code, row) in &form.rows {
            assert!(blank(&row["累计完成"]), "{code}: 累计完成 starts empty");
            assert!(
                blank(&row["完成率"]),
                "{code}: 完成率 blank, not 0: {:?}",
                row["完成率"]
            );
        }
        assert_eq!(form.labels["填报单位"], Data::String(dept.into()));
        assert_eq!(form.labels["报送期次"], Data::String("2024-03".into()));
        assert_eq!(
            form.labels["报送截止"],
            Data::String("2024年4月5日前".into())
        );
        for label in ["填报人", "联系电话", "填报日期"] {
            assert!(blank(&form.labels[label]), "{label} value cell is empty");
        }
        assert_meta_signed(&form, &key, dept, "2024-03");
    }
}

/// The shared contract checker when `shared/` sits beside the repo (kept
/// current there), else the copy in tests/contract/.
fn check_form_script() -> PathBuf {
    let shared = repo().join("../shared/tools/check_form.py");
    if shared.exists() {
        shared
    } else {
        repo().join("tests/contract/check_form.py")
    }
}

/// Run check_form.py over `forms`; asserts it passes them all.
pub(crate) fn check_form(ws: &Ws, forms: &[PathBuf]) {
    let catalog_json = ws.dir.path().join("catalog.json");
    std::fs::write(&catalog_json, ws.run(&["catalog", "--json"]).ok().stdout).unwrap();
    let out = Command::new("python3")
        .arg(check_form_script())
        .args(forms)
        .arg("--catalog")
        .arg(&catalog_json)
        .output()
        .expect("python3 runs (CI installs it with openpyxl)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "check_form.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with(": ok")).count(),
        forms.len(),
        "{stdout}"
    );
}

#[test]
fn issued_forms_pass_the_shared_contract_check() {
    let ws = Ws::new();
    let doc = issue(&ws, &["--period", "2024-03"]);
    assert_eq!(doc["draft"], false, "the hand-made catalog is reviewed");
    let forms = files(&doc);
    assert_eq!(forms.len(), 20);
    check_form(&ws, &forms);
}

#[test]
fn draft_forms_of_an_unreviewed_catalog_keep_the_contract_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let plan = repo().join("tests/fixtures/plans/qinglan-weimin-2025.txt");
    crate::util::bare(
        &["init", "ws", "--plan", plan.to_str().unwrap()],
        dir.path(),
    )
    .ok();
    let ws = Ws {
        dir,
        today: "2025-04-03".into(),
    };
    let run = ws.run(&["forms", "--period", "2025-03", "--json"]).code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("处“待核对”标记"), "{}", run.stderr);
    let doc = issue(&ws, &["--period", "2025-03", "--draft"]);
    assert_eq!(doc["draft"], true);
    let forms = files(&doc);
    assert_eq!(forms.len(), 13);
    check_form(&ws, &forms);
    let key = key_of(&ws);
    let (_, by_code) = catalog(&ws);
    for f in &forms {
        let form = Form::read(f);
        let dept = form.labels["填报单位"].to_string();
        assert_rows_match_catalog(&form, &dept, &by_code);
        assert_meta_signed(&form, &key, &dept, "2025-03");
        let mut book = open_workbook_auto(f).unwrap();
        let title = book
            .worksheet_range("填报表")
            .unwrap()
            .get_value((0, 0))
            .cloned();
        assert!(
            matches!(&title, Some(Data::String(t)) if t.starts_with("青岚区") && t.ends_with("（草稿）")),
            "{title:?}"
        );
    }
}

/// Print setup and look, as openpyxl reports them (calamine does not read them).
const LOOK: &str = r#"
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
ws = wb["填报表"]
ps, p = ws.page_setup, ws.protection
print(json.dumps({
    "paper": ps.paperSize, "orientation": ps.orientation,
    "fit_to_page": ws.sheet_properties.pageSetUpPr.fitToPage,
    "fit_width": ps.fitToWidth or 1, "fit_height": ps.fitToHeight,
    "repeat_rows": ws.print_title_rows, "freeze": ws.freeze_panes,
    "centered": ws.print_options.horizontalCentered, "footer": ws.oddFooter.center.text,
    "may_format_columns": not p.formatColumns, "may_format_rows": not p.formatRows,
    "title": [ws["A1"].value, ws["A1"].font.name, ws["A1"].font.sz, ws["A1"].font.b],
    "merged_title": "A1:K1" in [str(r) for r in ws.merged_cells.ranges],
    "input_fill": ws["G4"].fill.fgColor.rgb, "header_bold": ws["A3"].font.b,
    "widths": {c: next(d.width for d in ws.column_dimensions.values() if d.min <= i <= d.max)
               for c, i in (("I", 9), ("J", 10), ("K", 11))},
    "guide_visible": wb["填报说明"].sheet_state, "guide_index": wb.sheetnames.index("填报说明"),
}, ensure_ascii=False))
"#;

#[test]
fn the_form_prints_on_a4_landscape_one_page_wide() {
    let ws = Ws::new();
    let doc = issue(&ws, &["--period", "2024-03", "--department", "县民政局"]);
    let out = Command::new("python3")
        .args(["-c", LOOK])
        .arg(&files(&doc)[0])
        .output()
        .expect("python3 runs (CI installs it with openpyxl)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let look: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(look["paper"], 9, "A4");
    assert_eq!(look["orientation"], "landscape");
    assert_eq!(look["fit_to_page"], true);
    assert_eq!(
        (look["fit_width"].clone(), look["fit_height"].clone()),
        (1.into(), 0.into())
    );
    assert_eq!(
        look["repeat_rows"], "$1:$3",
        "title and header on every page"
    );
    assert_eq!(look["freeze"], "A4", "frozen under the header row");
    assert_eq!(look["centered"], true);
    assert_eq!(look["footer"], "第 &P 页 共 &N 页");
    assert_eq!(
        look["may_format_columns"], true,
        "clerks can widen a column"
    );
    assert_eq!(look["may_format_rows"], true);
    assert_eq!(
        look["title"],
        serde_json::json!([
            "平江县民生可感行动重点民生实事进展情况调度表",
            "宋体",
            18.0,
            true
        ])
    );
    assert_eq!(look["merged_title"], true);
    assert_eq!(look["input_fill"], "FFFFF2CC");
    assert_eq!(look["header_bold"], true);
    for c in ["I", "J", "K"] {
        assert!(look["widths"][c].as_f64().unwrap() >= 24.0, "{look}");
    }
    assert_eq!(look["guide_visible"], "visible");
    assert_eq!(look["guide_index"], 1);
}

#[test]
fn one_department_for_the_default_period() {
    let ws = Ws::new(); // the clock says 2024-04-03, so the period is 2024-03
    let doc = issue(&ws, &["--department", "县民政局"]);
    assert_eq!(doc["period"], "2024-03");
    assert_eq!(doc["forms"].as_array().unwrap().len(), 1);
    assert_eq!(doc["forms"][0]["department"], "县民政局");
    assert_eq!(doc["forms"][0]["indicators"], 7);
    let names: Vec<_> = std::fs::read_dir(ws.path("outbox/forms/2024-03"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["2024-03-县民政局.xlsx"]);

    let run = ws
        .run(&["forms", "--period", "2024-05", "--department", "县教育局"])
        .ok();
    assert!(run.stdout.contains("1 份"), "{}", run.stdout);
    assert!(
        run.stdout.contains("outbox/forms/2024-05"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("2024年6月5日前"), "{}", run.stdout);
}

#[test]
fn an_issued_form_resaved_by_libreoffice_reads_the_same() {
    let ws = Ws::new();
    let (_, by_code) = catalog(&ws);
    let doc = issue(
        &ws,
        &["--period", "2024-03", "--department", "县交通运输局"],
    );
    let issued = &files(&doc)[0];
    let original = Form::read(issued);
    let key = key_of(&ws);
    let out = ws.dir.path().join("libreoffice");
    for format in ["xlsx", "xls", "ods"] {
        let saved = office::convert(issued, format, &out);
        if format == "xlsx" {
            // Protection, validations, labels and the hidden sheet survive.
            check_form(&ws, std::slice::from_ref(&saved));
        }
        let form = Form::read(&saved);
        assert_eq!(form.header, HEADERS, "{format}");
        assert_eq!(form.codes(), original.codes(), "{format}");
        assert_rows_match_catalog(&form, "县交通运输局", &by_code);
        assert_eq!(form.meta(), original.meta(), "{format}: _meta unchanged");
        assert_meta_signed(&form, &key, "县交通运输局", "2024-03");
        let hidden = form.sheets.iter().find(|(n, _)| n == "_meta").unwrap().1;
        assert_eq!(hidden, SheetVisible::Hidden, "{format}");
        for (code, row) in &form.rows {
            assert!(
                blank_rate(format, &row["完成率"]),
                "{format} {code}: {:?}",
                row["完成率"]
            );
        }
    }
}

/// Fill a form with openpyxl as a clerk would (tests/fixtures/make_fixtures.py).
fn fill(form: &Path, out: &Path, values: &Value) {
    let run = Command::new("python3")
        .arg(fixtures().join("make_fixtures.py"))
        .arg("fill")
        .arg(form)
        .arg(out)
        .arg(values.to_string())
        .output()
        .expect("python3 runs (CI installs it with openpyxl)");
    assert!(
        run.status.success(),
        "fill failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn libreoffice_computes_the_rate_formulas_of_a_filled_form() {
    let ws = Ws::new();
    let doc = issue(
        &ws,
        &["--period", "2024-03", "--department", "县交通运输局"],
    );
    let filled = ws.dir.path().join("2024-03-县交通运输局.xlsx");
    fill(
        &files(&doc)[0],
        &filled,
        &serde_json::json!({"values": {
            "P18-2": 45, "P21-1": 40.5, "C03-2": "主体完工", "C03-3": "未启动"
        }}),
    );
    // openpyxl keeps no cached results, so each value below is LibreOffice's.
    let out = ws.dir.path().join("libreoffice");
    for format in ["xlsx", "xls", "ods"] {
        let form = Form::read(&office::convert(&filled, format, &out));
        let rate = |code: &str| form.row(code)["完成率"].clone();
        assert_eq!(num(&rate("P18-2")), Some(0.5), "{format} percent 45/90");
        assert_eq!(num(&rate("P21-1")), Some(0.5), "{format} count 40.5/81");
        assert_eq!(num(&rate("C03-2")), Some(0.75), "{format} 主体完工");
        assert_eq!(num(&rate("C03-3")), Some(0.0), "{format} 未启动");
        assert!(
            blank_rate(format, &rate("C03-1")),
            "{format} empty stays blank: {:?}",
            rate("C03-1")
        );
        assert_eq!(
            form.row("C03-2")["累计完成"],
            Data::String("主体完工".into())
        );
        assert_meta_signed(&form, &key_of(&ws), "县交通运输局", "2024-03");
    }
}

#[test]
fn a_malformed_period_is_refused_in_chinese() {
    let ws = Ws::new();
    let run = ws.run(&["forms", "--period", "2024-3x"]).code(2);
    assert!(
        run.stderr.contains("2024-3x") && run.stderr.contains("格式"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert_eq!(
        std::fs::read_dir(ws.path("outbox/forms")).unwrap().count(),
        0
    );
}

#[test]
fn a_period_outside_the_plan_year_is_refused() {
    let ws = Ws::new();
    let run = ws.run(&["forms", "--period", "2023-05", "--json"]).code(2);
    assert!(
        run.stderr.contains("2023-05") && run.stderr.contains("计划年度"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "--json prints nothing on failure");
    assert_eq!(
        std::fs::read_dir(ws.path("outbox/forms")).unwrap().count(),
        0
    );
}

#[test]
fn an_unknown_department_is_refused_by_name() {
    let ws = Ws::new();
    let run = ws
        .run(&["forms", "--period", "2024-03", "--department", "县财政局"])
        .code(2);
    assert!(run.stderr.contains("“县财政局”不在"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(ws.path("outbox/forms")).unwrap().count(),
        0
    );
}

/// Every file under `dir`, recursively.
pub(crate) fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn an_unwritable_outbox_is_named_and_nothing_is_left() {
    let ws = Ws::new();
    // Tests run as root, where chmod does not stop a write: a file where the
    // folder should be does.
    std::fs::remove_dir(ws.path("outbox/forms")).unwrap();
    ws.write("outbox/forms", "not a folder");
    let run = ws.run(&["forms", "--period", "2024-03"]).code(2);
    assert!(run.stderr.contains("outbox/forms"), "{}", run.stderr);
    assert!(run.stderr.contains("无法"), "{}", run.stderr);
    assert_eq!(ws.read("outbox/forms"), "not a folder");
    let left: Vec<_> = walk(&ws.path("outbox"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("2024-03"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_failed_write_leaves_no_partial_file() {
    let ws = Ws::new();
    // The first department's form cannot be renamed into place.
    let blocker = ws.path("outbox/forms/2024-03/2024-03-县教育局.xlsx");
    std::fs::create_dir_all(blocker.join("x")).unwrap();
    let run = ws.run(&["forms", "--period", "2024-03"]).code(2);
    assert!(
        run.stderr.contains("outbox/forms/2024-03"),
        "{}",
        run.stderr
    );
    let names: Vec<_> = std::fs::read_dir(ws.path("outbox/forms/2024-03"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["2024-03-县教育局.xlsx"],
        "no temp file left beside it"
    );
}

#[test]
fn committed_fixtures_hold_the_values_typed_into_them() {
    let key = unhex(&std::fs::read_to_string(fixtures().join("form.key")).unwrap());
    let typed = [
        ("P05-1", 700.0),
        ("P05-2", 5400.0),
        ("P06-1", 90.0),
        ("P06-2", 85.0),
        ("P07-1", 1150.0),
        ("P12-1", 3.0),
        ("P13-1", 200.0),
    ];
    for name in [
        "2024-03-县民政局.xlsx",
        "2024-03-县民政局-libreoffice.xlsx",
        "2024-03-县民政局.xls",
        "2024-03-县民政局.ods",
    ] {
        let form = Form::read(&fixtures().join(name));
        assert_meta_signed(&form, &key, "县民政局", "2024-03");
        for (code, value) in typed {
            assert_eq!(
                num(&form.row(code)["累计完成"]),
                Some(value),
                "{name} {code}"
            );
            assert!(
                !blank(&form.row(code)["工作进展"]),
                "{name} {code} 工作进展"
            );
        }
        let p062 = form.row("P06-2");
        assert_eq!(
            p062["存在问题"],
            Data::String("县级配套资金尚未全部到位".into()),
            "{name}"
        );
        assert!(!blank(&p062["下步措施"]), "{name}");
        assert_eq!(form.labels["填报人"], Data::String("张三".into()), "{name}");
        assert_eq!(
            form.labels["联系电话"],
            Data::String("0730-6221234".into()),
            "{name}"
        );
        assert_eq!(
            form.labels["填报日期"].as_date(),
            chrono::NaiveDate::from_ymd_opt(2024, 4, 2),
            "{name}: {:?}",
            form.labels["填报日期"]
        );
        // Only LibreOffice's saves carry computed rates (openpyxl keeps none).
        if name != "2024-03-县民政局.xlsx" {
            let rate = |code: &str| num(&form.row(code)["完成率"]).unwrap();
            assert_eq!(rate("P05-1"), 1.0, "{name}");
            assert_eq!(rate("P12-1"), 0.6, "{name}");
            assert!((rate("P13-1") - 200.0 / 419.0).abs() < 1e-9, "{name}");
        }
    }
}
