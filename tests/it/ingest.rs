//! Returns end to end: issue forms, fill them as clerks do, ingest, read the
//! verdicts and `status --json` through the DESIGN.md contracts.

use crate::util::{Run, Ws, fill_return, repo};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

const P: &str = "2024-03";

/// A workspace with this period's forms issued.
fn issued() -> Ws {
    let ws = Ws::new();
    ws.run(&["forms", "--period", P]).ok();
    ws
}

fn fill(ws: &Ws, dept: &str, spec: Value) -> PathBuf {
    fill_return(ws, dept, P, spec)
}

fn ingest(ws: &Ws, files: &[&Path]) -> Run {
    let mut args = vec!["ingest".to_string(), "--json".to_string()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    ws.run(&args)
}

fn one(run: &Run) -> Value {
    let doc = run.json();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{doc}");
    results[0].clone()
}

fn status(ws: &Ws) -> Value {
    ws.run(&["status", "--period", P, "--json"]).ok().json()
}

pub(crate) fn indicator<'a>(status: &'a Value, code: &str) -> &'a Value {
    status["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap()
}

fn department<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap()
}

/// The A1 cell of `header` in the row of `code`, found in `file` the way a
/// person would: by the header row and the 指标编号 column.
fn cell_of(file: &Path, code: &str, header: &str) -> String {
    use calamine::{Data, Reader};
    let mut wb = calamine::open_workbook_auto(file).unwrap();
    let names = wb.sheet_names();
    for name in names {
        let range = wb.worksheet_range(&name).unwrap();
        let Some(start) = range.start() else { continue };
        let text = |d: &Data| d.to_string().split_whitespace().collect::<String>();
        for (r, row) in range.rows().enumerate() {
            let Some(code_col) = row.iter().position(|c| text(c) == "指标编号") else {
                continue;
            };
            let Some(col) = row.iter().position(|c| text(c) == header) else {
                continue;
            };
            for (r2, row2) in range.rows().enumerate().skip(r + 1) {
                if text(&row2[code_col]) == code {
                    let c = start.1 as usize + col;
                    let letter = (b'A' + c as u8) as char;
                    return format!("{letter}{}", start.0 as usize + r2 + 1);
                }
            }
        }
    }
    panic!("{code}/{header} not found in {file:?}")
}

/// The finding with `code` in a result, asserting it is there.
#[track_caller]
fn finding<'a>(result: &'a Value, code: &str) -> &'a Value {
    result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} finding in {result:#}"))
}

/// A rejected return changes no figure: the department is not counted.
#[track_caller]
fn nothing_counted(ws: &Ws, dept: &str) {
    let s = status(ws);
    assert_eq!(
        department(&s, dept)["submitted"],
        false,
        "{dept} counted: {s}"
    );
    for i in s["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["department"] == dept)
    {
        assert!(
            i["value"].is_null(),
            "{} has a value after a rejected return",
            i["code"]
        );
        assert_eq!(i["status"], "未报送");
    }
}

// ------------------------------------------------------------ accepted ---

#[test]
fn libreoffice_xls_ods_and_xlsx_fixtures_are_accepted_with_the_typed_values() {
    let ws = Ws::new();
    std::fs::copy(repo("tests/fixtures/form.key"), ws.path("var/form.key")).unwrap();
    let typed = [
        ("P05-1", 700),
        ("P05-2", 5400),
        ("P06-1", 90),
        ("P06-2", 85),
        ("P07-1", 1150),
        ("P12-1", 3),
        ("P13-1", 200),
    ];
    for name in [
        "2024-03-县民政局.xls",
        "2024-03-县民政局.ods",
        "2024-03-县民政局-libreoffice.xlsx",
        "2024-03-县民政局.xlsx",
    ] {
        let r = one(&ingest(&ws, &[&repo(&format!("tests/fixtures/{name}"))]).ok());
        assert_eq!(r["verdict"], "accepted", "{name}: {r:#}");
        assert_eq!(r["department"], "县民政局");
        assert_eq!(r["period"], P);
        assert!(
            r["findings"].as_array().unwrap().is_empty(),
            "{name}: {r:#}"
        );
        let s = status(&ws);
        for (code, v) in typed {
            assert_eq!(indicator(&s, code)["value"], v, "{name} {code}");
        }
        assert_eq!(indicator(&s, "P06-2")["status"], "序时推进");
    }
    // Four accepted returns of one department and period: the last is current.
    let s = status(&ws);
    assert_eq!(department(&s, "县民政局")["version"], 4);
}

#[test]
fn values_are_read_as_people_type_them() {
    let ws = issued();
    let f = fill(
        &ws,
        "县人社局",
        json!({"values": {"P11-1": "1,500人", "P11-2": "95%", "P11-3": "５", "P18-1": " 4000 "},
               "text": {"P11-3": {"存在问题": "系统对接慢", "下步措施": "加快对接"}}}),
    );
    let r = one(&ingest(&ws, &[&f]).ok());
    assert_eq!(r["verdict"], "accepted", "{r:#}");
    let s = status(&ws);
    assert_eq!(indicator(&s, "P11-1")["value"], 1500);
    assert_eq!(indicator(&s, "P11-2")["value"], 95);
    assert_eq!(indicator(&s, "P11-3")["value"], 5);
    assert_eq!(indicator(&s, "P18-1")["value"], 4000);
    assert_eq!(indicator(&s, "P11-1")["progress"], 1500.0 / 5900.0);
    assert_eq!(s["time_progress"], 91.0 / 366.0);
}

#[test]
fn a_percent_typed_as_a_fraction_is_taken_as_a_percentage_with_a_warning() {
    let ws = issued();
    let f = fill(&ws, "县人社局", json!({"values": {"P11-2": 0.95}}));
    let r = one(&ingest(&ws, &[&f]).ok());
    assert_eq!(r["verdict"], "accepted");
    let w = finding(&r, "percent_scaled");
    assert_eq!(w["severity"], "warning");
    assert_eq!(w["cell"], cell_of(&f, "P11-2", "累计完成"));
    assert_eq!(indicator(&status(&ws), "P11-2")["value"], 95);
}

#[test]
fn moved_rows_columns_and_sheets_do_not_matter() {
    let ws = issued();
    let f = fill(
        &ws,
        "县民政局",
        json!({"values": {"P12-1": 4}, "insert_rows_at_top": 3, "insert_cols_at_left": 2,
               "rename_sheet": "三月", "move_sheet_last": true}),
    );
    let r = one(&ingest(&ws, &[&f]).ok());
    assert_eq!(r["verdict"], "accepted", "{r:#}");
    assert_eq!(indicator(&status(&ws), "P12-1")["value"], 4);
}

#[test]
fn a_milestone_reads_its_stage() {
    let ws = issued();
    let f = fill(
        &ws,
        "天岳投资集团",
        json!({"values": {"C01-1": "开工建设"}}),
    );
    let r = one(&ingest(&ws, &[&f]).ok());
    assert_eq!(r["verdict"], "accepted", "{r:#}");
    let i = indicator(&status(&ws), "C01-1").clone();
    assert_eq!(i["value"], "开工建设");
    assert_eq!(i["progress"], 0.5);
    assert_eq!(i["status"], "序时推进");
}

#[test]
fn a_later_return_supersedes_and_the_same_bytes_count_once() {
    let ws = issued();
    let first = fill(&ws, "县民政局", json!({"values": {"P12-1": 2}}));
    let second = fill(&ws, "县民政局", json!({"values": {"P12-1": 3}}));
    assert_eq!(one(&ingest(&ws, &[&first]).ok())["verdict"], "accepted");
    let again = one(&ingest(&ws, &[&first]).ok());
    assert_eq!(again["verdict"], "duplicate");
    assert_eq!(again["department"], "县民政局");
    let s = status(&ws);
    assert_eq!(
        department(&s, "县民政局")["version"],
        1,
        "a duplicate is not a new version"
    );
    assert_eq!(indicator(&s, "P12-1")["value"], 2);
    assert_eq!(one(&ingest(&ws, &[&second]).ok())["verdict"], "accepted");
    let s = status(&ws);
    assert_eq!(indicator(&s, "P12-1")["value"], 3);
    assert_eq!(department(&s, "县民政局")["version"], 2);
    let receipts: Vec<_> = std::fs::read_dir(ws.path("outbox/receipts/2024-03"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        receipts
            .iter()
            .filter(|n| crate::util::receipt_verdict(n) == Some("duplicate"))
            .count(),
        1,
        "{receipts:?}"
    );
    assert_eq!(
        receipts
            .iter()
            .filter(|n| crate::util::receipt_verdict(n) == Some("accepted"))
            .count(),
        2,
        "{receipts:?}"
    );
}

#[test]
fn inbox_files_are_moved_others_copied_and_everything_archived() {
    let ws = issued();
    let outside = fill(&ws, "县民政局", json!({}));
    let inside = ws.path("inbox/2024-03-县残联.xlsx");
    std::fs::copy(fill(&ws, "县残联", json!({})), &inside).unwrap();
    std::fs::write(ws.path("inbox/~$2024-03-县残联.xlsx"), b"lock").unwrap();
    let lock = ws.path("inbox/~$2024-03-县残联.xlsx");
    let doc = ingest(&ws, &[&outside, &inside, &lock]).ok().json();
    let verdicts: Vec<_> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].clone())
        .collect();
    assert_eq!(
        verdicts,
        vec![json!("accepted"), json!("accepted"), json!("skipped")]
    );
    assert!(outside.exists(), "a file from elsewhere stays where it was");
    assert!(!inside.exists(), "a file from the inbox is moved");
    assert!(lock.exists(), "a lock file is left alone");
    let archived: Vec<_> = walk(&ws.path("var/archive"));
    assert_eq!(archived.len(), 2, "{archived:?}");
    assert!(
        archived.iter().any(|p| p.contains("2024-03/县残联/")),
        "{archived:?}"
    );
    assert!(
        walk(&ws.path("outbox/receipts"))
            .iter()
            .all(|p| !p.contains("~$"))
    );
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[test]
fn a_marked_copy_comes_only_with_a_finding_that_names_a_cell() {
    let ws = issued();
    let clean = fill(&ws, "县教育局", json!({}));
    let warned = fill(
        &ws,
        "县残联",
        json!({"footer": {"填报人": "李四", "联系电话": "不详", "填报日期": "2024-04-02"}}),
    );
    let run = ingest(&ws, &[&clean, &warned]).ok();
    let doc = run.json();
    assert_eq!(doc["results"][0]["findings"], json!([]), "{doc}");
    assert!(
        doc["results"][1]["findings"][0]["cell"].is_string(),
        "{doc}"
    );
    let names = walk(&ws.path("outbox/receipts/2024-03"));
    let of = |who: &str, ext: &str| {
        names
            .iter()
            .filter(|n| n.contains(who) && n.ends_with(ext))
            .count()
    };
    assert_eq!(
        (of("县教育局", ".txt"), of("县教育局", ".xlsx")),
        (1, 0),
        "{names:?}"
    );
    assert_eq!(
        (of("县残联", ".txt"), of("县残联", ".xlsx")),
        (1, 1),
        "{names:?}"
    );
}

#[test]
fn receipts_are_named_by_contract_and_point_at_cells() {
    let ws = issued();
    let f = fill(&ws, "县民政局", json!({"values": {"P12-1": "已完成"}}));
    let r = one(&ingest(&ws, &[&f]).code(1));
    assert_eq!(r["verdict"], "rejected");
    let names: Vec<_> = std::fs::read_dir(ws.path("outbox/receipts/2024-03"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let txt = names
        .iter()
        .find(|n| n.ends_with(".txt"))
        .expect("a text receipt");
    let (who, rest) = txt.split_at("县民政局".len());
    assert_eq!(who, "县民政局");
    assert!(
        rest.len() == "-20240403101010-rejected.txt".len() && rest.starts_with("-2024040"),
        "{txt}"
    );
    assert!(rest.ends_with("-rejected.txt"));
    let xlsx = txt.replace(".txt", ".xlsx");
    assert!(names.contains(&xlsx), "{names:?}");
    let cell = cell_of(&f, "P12-1", "累计完成");
    let text = std::fs::read_to_string(ws.path(&format!("outbox/receipts/2024-03/{txt}"))).unwrap();
    assert!(
        text.contains(&format!("{cell}：累计完成应为数字，现为“已完成”")),
        "{text}"
    );
    assert!(text.contains("退回"), "{text}");
    // The copy carries a note on the cell.
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook(ws.path(&format!("outbox/receipts/2024-03/{xlsx}"))).unwrap();
    use calamine::Reader;
    assert!(wb.sheet_names().contains(&"回执问题清单".to_string()));
    let list = wb.worksheet_range("回执问题清单").unwrap();
    assert!(
        list.rows().any(|r| r.iter().any(|c| c.to_string() == cell)),
        "the list names {cell}"
    );
}

// ------------------------------------------------------------ findings ---

/// Fill `dept` with `spec`, ingest, expect `code` at the cell of `header`
/// on `indicator`'s row (or no cell), and nothing counted when it is an error.
#[track_caller]
fn expect(dept: &str, spec: Value, code: &str, at: Option<(&str, &str)>) -> (Ws, Value) {
    let ws = issued();
    let f = fill(&ws, dept, spec);
    let run = ingest(&ws, &[&f]);
    let r = one(&run);
    let x = finding(&r, code).clone();
    if let Some((ind, header)) = at {
        assert_eq!(x["cell"], cell_of(&f, ind, header), "{x:#}");
        assert_eq!(x["indicator"], ind);
        assert_eq!(x["sheet"], "填报表");
        assert!(
            x["message"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}：", x["cell"].as_str().unwrap()))
        );
    }
    if x["severity"] == "error" {
        assert_eq!(r["verdict"], "rejected");
        assert_eq!(run.code, 1, "ingest exits 1 on a rejected file");
        nothing_counted(&ws, dept);
    } else {
        assert_eq!(r["verdict"], "accepted", "{r:#}");
        assert_eq!(run.code, 0);
    }
    (ws, x)
}

#[test]
fn finding_not_a_number() {
    let (_, f) = expect(
        "县民政局",
        json!({"values": {"P12-1": "已完成"}}),
        "not_a_number",
        Some(("P12-1", "累计完成")),
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .ends_with("累计完成应为数字，现为“已完成”")
    );
}

#[test]
fn finding_value_missing() {
    expect(
        "县民政局",
        json!({"values": {"P13-1": null}}),
        "value_missing",
        Some(("P13-1", "累计完成")),
    );
}

#[test]
fn finding_negative() {
    expect(
        "县民政局",
        json!({"values": {"P13-1": -5}}),
        "negative",
        Some(("P13-1", "累计完成")),
    );
}

#[test]
fn finding_percent_over_100() {
    expect(
        "县人社局",
        json!({"values": {"P11-2": 120}}),
        "percent_over_100",
        Some(("P11-2", "累计完成")),
    );
}

#[test]
fn finding_far_above_target() {
    expect(
        "县民政局",
        json!({"values": {"P12-1": 50}}),
        "far_above_target",
        Some(("P12-1", "累计完成")),
    );
}

#[test]
fn finding_bad_stage() {
    expect(
        "天岳投资集团",
        json!({"values": {"C01-1": "施工中"}}),
        "bad_stage",
        Some(("C01-1", "累计完成")),
    );
}

#[test]
fn finding_formula_no_value() {
    expect(
        "县民政局",
        json!({"formula": {"P12-1": "=1+2"}}),
        "formula_no_value",
        Some(("P12-1", "累计完成")),
    );
}

#[test]
fn finding_reason_missing() {
    // 10 of 419 households at 24.9 % time progress is far behind.
    let (_, f) = expect(
        "县民政局",
        json!({"values": {"P13-1": 10}}),
        "reason_missing",
        Some(("P13-1", "存在问题")),
    );
    assert!(f["message"].as_str().unwrap().contains("序时进度"));
}

#[test]
fn finding_target_changed() {
    expect(
        "县民政局",
        json!({"target": {"P13-1": 300}}),
        "target_changed",
        Some(("P13-1", "年度目标")),
    );
}

#[test]
fn finding_unit_changed() {
    expect(
        "县民政局",
        json!({"unit": {"P13-1": "个"}}),
        "unit_changed",
        Some(("P13-1", "单位")),
    );
}

#[test]
fn finding_unknown_indicator() {
    expect(
        "县民政局",
        json!({"add_rows": [["P99-1", 1]]}),
        "unknown_indicator",
        Some(("P99-1", "指标编号")),
    );
}

#[test]
fn finding_foreign_indicator() {
    expect(
        "县民政局",
        json!({"add_rows": [["P01-1", 1]]}),
        "foreign_indicator",
        Some(("P01-1", "指标编号")),
    );
}

#[test]
fn finding_duplicate_indicator() {
    let (_, f) = expect(
        "县民政局",
        json!({"dup_rows": ["P12-1"]}),
        "duplicate_indicator",
        None,
    );
    assert_eq!(f["indicator"], "P12-1");
    assert!(f["cell"].is_string());
}

#[test]
fn finding_missing_indicator() {
    let (_, f) = expect(
        "县民政局",
        json!({"drop_rows": ["P13-1"]}),
        "missing_indicator",
        None,
    );
    assert_eq!(f["indicator"], "P13-1");
}

#[test]
fn finding_contact_missing_and_phone_invalid_are_warnings() {
    let (_, f) = expect(
        "县民政局",
        json!({"footer": {"填报人": null, "联系电话": "0730-6221234"}}),
        "contact_missing",
        None,
    );
    assert_eq!(f["severity"], "warning");
    assert!(
        f["cell"].is_string(),
        "points at the empty cell beside 填报人"
    );
    let (_, f) = expect(
        "县民政局",
        json!({"footer": {"填报人": "张三", "联系电话": "找办公室"}}),
        "phone_invalid",
        None,
    );
    assert_eq!(f["severity"], "warning");
}

#[test]
fn finding_meta_missing_still_accepts_by_labels_and_name() {
    let (ws, f) = expect("县民政局", json!({"drop_meta": true}), "meta_missing", None);
    assert_eq!(f["severity"], "warning");
    assert_eq!(department(&status(&ws), "县民政局")["submitted"], true);
}

#[test]
fn finding_signature_invalid() {
    let (_, f) = expect(
        "县民政局",
        json!({"meta": {"department": "县残联"}}),
        "signature_invalid",
        None,
    );
    assert_eq!(f["sheet"], "_meta");
}

#[test]
fn a_form_from_another_workspace_is_refused() {
    let other = issued();
    let ws = issued();
    let f = fill(&other, "县民政局", json!({}));
    let r = one(&ingest(&ws, &[&f]).code(1));
    finding(&r, "signature_invalid");
    nothing_counted(&ws, "县民政局");
}

#[test]
fn finding_unknown_department() {
    let ws = issued();
    let f = fill(&ws, "县民政局", json!({"drop_meta": true}));
    // Without _meta the unit is read from the 填报单位 cell and the file name.
    let renamed = ws.dir.path().join("报表.xlsx");
    let py = format!(
        "import openpyxl;wb=openpyxl.load_workbook({f:?});ws=wb['填报表']\n\
         for row in ws.iter_rows():\n  for c in row:\n    if c.value=='县民政局': c.value='县财政局'\nwb.save({renamed:?})"
    );
    assert!(
        Command::new("python3")
            .args(["-c", &py])
            .status()
            .unwrap()
            .success()
    );
    let r = one(&ingest(&ws, &[&renamed]).code(1));
    let x = finding(&r, "unknown_department");
    assert!(x["message"].as_str().unwrap().contains("县财政局"));
    assert!(r["department"].is_null());
}

#[test]
fn finding_unknown_period_for_a_month_not_yet_begun() {
    let ws = Ws::new();
    ws.run(&["forms", "--period", "2024-05", "--department", "县民政局"])
        .ok();
    let f = fill_return(&ws, "县民政局", "2024-05", json!({}));
    let r = one(&ingest(&ws, &[&f]).code(1));
    let x = finding(&r, "unknown_period");
    let filed = walk(&ws.path("outbox/receipts/_unidentified"));
    assert_eq!(filed.len(), 1, "filed as unidentified: {filed:?}");
    // The period comes from the signed `_meta`: no cell to mark, no copy.
    assert!(x["cell"].is_null() && filed[0].ends_with(".txt"));
}

#[test]
fn finding_period_closed() {
    let ws = issued();
    let config = ws.read("minsheng.toml").replace(
        "# closed_through = \"2024-02\"",
        "closed_through = \"2024-03\"",
    );
    ws.write("minsheng.toml", &config);
    let f = fill(&ws, "县民政局", json!({}));
    let r = one(&ingest(&ws, &[&f]).code(1));
    finding(&r, "period_closed");
    assert_eq!(r["period"], P);
}

#[test]
fn finding_decreased_against_last_period() {
    let ws = issued();
    ws.run(&["forms", "--period", "2024-02", "--department", "县民政局"])
        .ok();
    let feb = fill_return(
        &ws,
        "县民政局",
        "2024-02",
        json!({"values": {"P13-1": 300}}),
    );
    assert_eq!(one(&ingest(&ws, &[&feb]).ok())["verdict"], "accepted");
    let mar = fill(&ws, "县民政局", json!({"values": {"P13-1": 200}}));
    let r = one(&ingest(&ws, &[&mar]).code(1));
    let x = finding(&r, "decreased");
    assert_eq!(x["cell"], cell_of(&mar, "P13-1", "累计完成"));
    nothing_counted(&ws, "县民政局");
}

// -------------------------------------------------------------- hostile ---

#[track_caller]
fn hostile(name: &str, bytes: &[u8], code: &str) {
    let ws = Ws::new();
    let path = ws.path(&format!("inbox/{name}"));
    std::fs::write(&path, bytes).unwrap();
    let r = one(&ingest(&ws, &[&path]).code(1));
    assert_eq!(r["verdict"], "rejected");
    let f = finding(&r, code);
    assert_eq!(f["severity"], "error");
    assert!(r["department"].is_null() && r["period"].is_null());
    assert!(!path.exists(), "moved to the archive");
    assert_eq!(walk(&ws.path("var/archive")).len(), 1, "kept, not deleted");
    assert!(
        walk(&ws.path("outbox/receipts/_unidentified"))
            .iter()
            .any(|p| p.ends_with("-rejected.txt"))
    );
}

#[test]
fn hostile_empty_random_truncated_and_text_files() {
    hostile("empty.xlsx", b"", "unreadable");
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    hostile("random.xlsx", &random, "unreadable");
    let form = std::fs::read(repo("tests/fixtures/2024-03-县民政局.xlsx")).unwrap();
    hostile("truncated.xlsx", &form[..form.len() / 3], "unreadable");
    hostile(
        "notes.xlsx",
        "这是一份文本，不是表格\n".as_bytes(),
        "unsupported_format",
    );
    let xls = std::fs::read(repo("tests/fixtures/2024-03-县民政局.xls")).unwrap();
    hostile("truncated.xls", &xls[..xls.len() / 2], "unreadable");
}

#[test]
fn hostile_encrypted_workbook() {
    let bytes = std::fs::read(repo("tests/fixtures/encrypted.xlsx")).unwrap();
    hostile("encrypted.xlsx", &bytes, "encrypted");
    let ws = Ws::new();
    let path = ws.path("inbox/encrypted.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let r = one(&ingest(&ws, &[&path]));
    assert!(
        finding(&r, "encrypted")["message"]
            .as_str()
            .unwrap()
            .contains("文件已加密")
    );
}

/// A zip whose one sheet inflates far past the 200 MB limit.
fn zip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("[Content_Types].xml", opts).unwrap();
    z.write_all(b"<Types/>").unwrap();
    z.start_file("xl/workbook.xml", opts).unwrap();
    z.write_all(b"<workbook/>").unwrap();
    z.start_file("xl/worksheets/sheet1.xml", opts.large_file(true))
        .unwrap();
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..260 {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn hostile_zip_bomb_is_too_large() {
    let bomb = zip_bomb();
    assert!(
        bomb.len() < 2 << 20,
        "the bomb itself is small: {}",
        bomb.len()
    );
    hostile("bomb.xlsx", &bomb, "too_large");
}

#[test]
fn hostile_file_over_the_size_limit() {
    let ws = Ws::new();
    ws.write("minsheng.toml", "[limits]\nmax_file_mb = 1\n");
    let path = ws.path("inbox/big.xlsx");
    std::fs::write(&path, vec![0u8; 1_200_000]).unwrap();
    let r = one(&ingest(&ws, &[&path]).code(1));
    finding(&r, "too_large");
}

#[test]
fn hostile_50000_row_sheet() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for r in 0..50_000u32 {
        for c in 0..5u16 {
            sheet.write_number(r, c, r as f64).unwrap();
        }
    }
    hostile("huge.xlsx", &wb.save_to_buffer().unwrap(), "too_large");
}

#[test]
fn hostile_names_cannot_escape_the_archive() {
    let ws = Ws::new();
    let name = "报表\\..\\..\\evil.xlsx";
    let path = ws.path(&format!("inbox/{name}"));
    std::fs::write(&path, b"x").unwrap();
    let r = one(&ingest(&ws, &[&path]).code(1));
    assert_eq!(r["verdict"], "rejected");
    let archived = walk(&ws.path("var/archive"));
    assert_eq!(archived.len(), 1);
    assert!(archived[0].starts_with(&ws.path("var/archive").display().to_string()));
    let p = Path::new(&archived[0]);
    assert_eq!(
        p.parent().unwrap(),
        ws.path("var/archive/_unidentified"),
        "{archived:?}"
    );
    assert!(
        !p.file_name().unwrap().to_string_lossy().contains('\\'),
        "{archived:?}"
    );
}

#[test]
fn a_bad_file_does_not_stop_the_next() {
    let ws = issued();
    let bad = ws.path("inbox/bad.xlsx");
    std::fs::write(&bad, b"not a workbook").unwrap();
    let good = fill(&ws, "县民政局", json!({}));
    let doc = ingest(&ws, &[&bad, &good]).code(1).json();
    let v: Vec<_> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].clone())
        .collect();
    assert_eq!(v, vec![json!("rejected"), json!("accepted")]);
}

#[test]
fn a_wps_et_that_is_not_an_old_excel_file_is_refused_with_advice() {
    let ws = Ws::new();
    // A WPS .et in its own format: an OLE file without an Excel workbook stream.
    let mut cf = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    {
        use std::io::Write;
        let mut s = cf.create_stream("/WpsContent").unwrap();
        s.write_all(&[1u8; 600]).unwrap();
    }
    let bytes = cf.into_inner().into_inner();
    let path = ws.path("inbox/报表.et");
    std::fs::write(&path, bytes).unwrap();
    let r = one(&ingest(&ws, &[&path]).code(1));
    let f = finding(&r, "unsupported_format");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("请在WPS中另存为 .xlsx 后重新报送"),
        "{f}"
    );
}

// --------------------------------------------------------------- status ---

#[test]
fn status_table_shows_who_reported_at_a_glance() {
    let ws = issued();
    ingest(&ws, &[&fill(&ws, "县民政局", json!({}))]).ok();
    ingest(
        &ws,
        &[&fill(&ws, "县残联", json!({"values": {"P09-1": "很多"}}))],
    )
    .code(1);
    let out = ws.run(&["status", "--period", P]).ok().stdout;
    assert!(out.contains("已报送 1 / 20 个单位"), "{out}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} row: {out}"))
            .to_string()
    };
    assert!(line("县民政局").contains("已报送"), "{out}");
    assert!(line("县残联").contains("被退回待重报"), "{out}");
    assert!(line("县教育局").contains("未报送"), "{out}");
}

#[test]
fn status_json_keeps_the_contract_fields() {
    let ws = issued();
    ingest(&ws, &[&fill(&ws, "县民政局", json!({}))]).ok();
    let s = status(&ws);
    assert_eq!(s["period"], P);
    for i in s["indicators"].as_array().unwrap() {
        for k in [
            "code",
            "department",
            "target",
            "unit",
            "value",
            "progress",
            "status",
        ] {
            assert!(i.get(k).is_some(), "indicator lacks {k}");
        }
    }
    for d in s["departments"].as_array().unwrap() {
        for k in ["name", "submitted", "verdict", "received_at", "late"] {
            assert!(d.get(k).is_some(), "department lacks {k}");
        }
    }
    let mz = department(&s, "县民政局");
    assert_eq!(mz["submitted"], true);
    assert_eq!(mz["verdict"], "accepted");
    assert_eq!(mz["late"], false);
    assert!(
        mz["received_at"]
            .as_str()
            .unwrap()
            .starts_with("2024-04-03T")
    );
}

#[test]
fn next_months_forms_carry_this_months_accepted_values() {
    let ws = Ws::new();
    ws.run(&["forms", "--period", "2024-02", "--department", "县民政局"])
        .ok();
    let feb = fill_return(
        &ws,
        "县民政局",
        "2024-02",
        json!({"values": {"P13-1": 150}, "text": {"P13-1": {"工作进展": "已改造150户"}}}),
    );
    ingest(&ws, &[&feb]).ok();
    ws.run(&["forms", "--period", P, "--department", "县民政局"])
        .ok();
    let form = ws.path("outbox/forms/2024-03/2024-03-县民政局.xlsx");
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&form).unwrap();
    let range = wb.worksheet_range("填报表").unwrap();
    let cell = cell_of(&form, "P13-1", "累计完成");
    let (col, row) = (
        cell.as_bytes()[0] - b'A',
        cell[1..].parse::<u32>().unwrap() - 1,
    );
    assert_eq!(
        range.get_value((row, col as u32)),
        Some(&calamine::Data::Float(150.0))
    );
    let work = cell_of(&form, "P13-1", "工作进展");
    let (col, row) = (
        work.as_bytes()[0] - b'A',
        work[1..].parse::<u32>().unwrap() - 1,
    );
    assert_eq!(
        range.get_value((row, col as u32)),
        Some(&calamine::Data::String("已改造150户".into()))
    );
    let cells: Vec<String> = range.used_cells().map(|(_, _, d)| d.to_string()).collect();
    assert!(
        cells.iter().any(|c| c == "张三") && cells.iter().any(|c| c == "0730-6221234"),
        "the contact of last period is prefilled"
    );
}
