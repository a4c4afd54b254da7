//! Every finding code's message tells the clerk what to do, not only what
//! is wrong: one test per code.

use super::*;
use crate::intake::read::Clue;
use crate::intake::workbook::{self, Book, Format, ReadError, Sheet};
use std::collections::BTreeMap;

fn s(v: &str) -> Data {
    Data::String(v.into())
}

/// The findings of a `dept` return (no `_meta`) for 2024-03 with every
/// indicator at its target but `values`, its table edited by `edit`.
fn findings_of(
    dept: &str,
    values: &[(&str, Data)],
    footer: (&str, &str),
    previous: &HashMap<String, (Period, Value)>,
    edit: impl Fn(&mut Vec<Vec<Data>>),
) -> Vec<Finding> {
    let c = crate::testutil::catalog();
    let mut table: Vec<Vec<Data>> = vec![
        vec![s("调度表")],
        vec![s("填报单位"), s(dept), s("报送期次"), s("2024-03")],
        crate::form::HEADERS.map(s).to_vec(),
    ];
    for i in c.indicators_of(dept) {
        let done = values
            .iter()
            .find(|(code, _)| *code == i.code)
            .map(|(_, v)| v.clone())
            .unwrap_or(if i.kind == Kind::Milestone {
                s("完成")
            } else {
                Data::Float(i.target)
            });
        let target = if i.kind == Kind::Milestone {
            s("完成")
        } else {
            Data::Float(i.target)
        };
        table.push(vec![
            Data::Empty,
            s(&i.code),
            Data::Empty,
            s(&i.name),
            s(&i.unit),
            target,
            done,
            Data::Empty,
            s("推进中"),
            Data::Empty,
            Data::Empty,
        ]);
    }
    table.push(vec![]);
    table.push(vec![s("填报人"), s(footer.0), s("联系电话"), s(footer.1)]);
    edit(&mut table);
    let refs: Vec<&[Data]> = table.iter().map(|r| r.as_slice()).collect();
    let p = crate::intake::read::parse(&mut Book::from_sheets(
        Format::Xlsx,
        vec![Sheet::from_rows("填报表", &refs)],
    ))
    .unwrap();
    let plan = PlanConfig::default();
    let r = Rules {
        catalog: &c,
        plan: &plan,
        key: b"k",
        today: NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
    };
    let mut findings = Vec::new();
    let id = identify(&p.sender(), "x", &r, &mut findings);
    if let (Some(d), Some(period)) = (id.department, id.period) {
        check(&p, &d, period, previous, &r, &mut findings);
    }
    findings
}

fn mz(values: &[(&str, Data)]) -> Vec<Finding> {
    findings_of(
        "县民政局",
        values,
        ("张三", "13800001111"),
        &HashMap::new(),
        |_| {},
    )
}

/// The finding `code` is there and its message says `what`.
#[track_caller]
fn says(findings: &[Finding], code: &str, what: &str) {
    let f = findings
        .iter()
        .find(|f| f.code.as_str() == code)
        .unwrap_or_else(|| panic!("no {code} in {findings:#?}"));
    assert!(
        f.message.contains(what),
        "{code} does not say “{what}”: {}",
        f.message
    );
}

#[track_caller]
fn read_error_says(e: ReadError, code: &str, what: &str) {
    assert_eq!(e.code().as_str(), code);
    let message = e.to_string();
    assert!(message.contains(what), "{code}: {message}");
}

fn limits() -> crate::config::Limits {
    crate::config::Limits::default()
}

#[test]
fn unreadable() {
    read_error_says(ReadError::Empty, "unreadable", "请重新保存");
    let garbage: Vec<u8> = (0..2048u32).map(|i| (i * 7919 % 251) as u8).collect();
    match workbook::read(&garbage, "xlsx", &limits()) {
        Err(e) if e.code() == FindingCode::Unreadable => {
            assert!(e.to_string().contains("请"), "{e}");
        }
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn encrypted() {
    read_error_says(ReadError::Encrypted, "encrypted", "请取消密码");
}

#[test]
fn too_large() {
    read_error_says(
        workbook::too_large_file(30 << 20, &limits()),
        "too_large",
        "另存为 .xlsx 后重新报送",
    );
}

#[test]
fn unsupported_format() {
    let e = workbook::read(b"%PDF-1.4\n", "pdf", &limits()).unwrap_err();
    read_error_says(e, "unsupported_format", "请报送下发的 Excel 填报表");
}

#[test]
fn not_a_form() {
    let c = crate::testutil::catalog();
    let plan = PlanConfig::default();
    let r = Rules {
        catalog: &c,
        plan: &plan,
        key: b"k",
        today: NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
    };
    let mut f = Vec::new();
    let id = identify_without_table(&Sender::default(), "报表", &r, &mut f);
    assert_eq!(id.department, None);
    assert_eq!(
        codes(&f),
        vec!["not_a_form"],
        "nothing else to say without a table"
    );
    says(&f, "not_a_form", "请使用");
    says(&f, "not_a_form", "索取");
}

#[test]
fn header_changed() {
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        |t| t[2][6] = s("完成量"),
    );
    says(&f, "header_changed", "表头 G3 应为“累计完成”，现为“完成量”");
    says(&f, "header_changed", "请把这个表头改回“累计完成”");
    let h = f
        .iter()
        .find(|f| f.code == FindingCode::HeaderChanged)
        .unwrap();
    assert_eq!(h.cell.as_deref(), Some("G3"));
    assert!(h.is_error());
}

#[test]
fn meta_missing() {
    says(&mz(&[]), "meta_missing", "请直接在下发的表格中填写");
}

fn meta_identity(meta: BTreeMap<String, String>) -> Vec<Finding> {
    let c = crate::testutil::catalog();
    let plan = PlanConfig::default();
    let r = Rules {
        catalog: &c,
        plan: &plan,
        key: b"k",
        today: NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
    };
    let mut f = Vec::new();
    identify_without_table(
        &Sender {
            meta: Some(meta),
            ..Sender::default()
        },
        "x",
        &r,
        &mut f,
    );
    f
}

#[test]
fn signature_invalid() {
    let meta = BTreeMap::from([
        ("department".to_string(), "县民政局".to_string()),
        ("period".to_string(), "2024-03".to_string()),
        ("signature".to_string(), "00".to_string()),
    ]);
    says(&meta_identity(meta), "signature_invalid", "请使用");
}

#[test]
fn unknown_department() {
    let f = findings_of(
        "县财政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        |_| {},
    );
    says(&f, "unknown_department", "请使用");
}

#[test]
fn unknown_period() {
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        |t| t[1][3] = s("三月"),
    );
    says(&f, "unknown_period", "请改正");
}

#[test]
fn period_closed() {
    let c = crate::testutil::catalog();
    let plan = PlanConfig {
        closed_through: Some("2024-03".parse().unwrap()),
        ..PlanConfig::default()
    };
    let r = Rules {
        catalog: &c,
        plan: &plan,
        key: b"k",
        today: NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
    };
    let f = period_problem("2024-03".parse().unwrap(), &r).unwrap();
    says(&[f], "period_closed", "请联系");
}

/// The 县民政局 table with a row of `code` added (累计完成 1).
fn with_row(code: &'static str) -> impl Fn(&mut Vec<Vec<Data>>) {
    move |t| {
        let at = t.len() - 2;
        let mut row = vec![Data::Empty; 7];
        row[1] = s(code);
        row[6] = Data::Float(1.0);
        t.insert(at, row);
    }
}

#[test]
fn unknown_indicator() {
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        with_row("P99-1"),
    );
    says(&f, "unknown_indicator", "请删除该行");
}

#[test]
fn foreign_indicator() {
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        with_row("P01-1"),
    );
    says(&f, "foreign_indicator", "请删除该行");
}

#[test]
fn duplicate_indicator() {
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        with_row("P13-1"),
    );
    says(&f, "duplicate_indicator", "请只保留一行");
}

#[test]
fn missing_indicator() {
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        |t| {
            t.remove(3);
        },
    );
    says(&f, "missing_indicator", "请使用下发的表格完整填报");
}

#[test]
fn target_changed() {
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        |t| t[3][5] = Data::Float(1.0),
    );
    says(&f, "target_changed", "请改回");
}

#[test]
fn unit_changed() {
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13800001111"),
        &HashMap::new(),
        |t| t[3][4] = s("公斤"),
    );
    says(&f, "unit_changed", "请改回");
}

#[test]
fn value_missing() {
    says(
        &mz(&[("P13-1", Data::Empty)]),
        "value_missing",
        "请填写年初至本期末的累计数",
    );
    let f = findings_of(
        "天岳投资集团",
        &[("C01-1", Data::Empty)],
        ("张三", "13800001111"),
        &HashMap::new(),
        |_| {},
    );
    says(&f, "value_missing", "从下拉列表中选择");
}

#[test]
fn not_a_number() {
    for (typed, advice) in [
        (
            "约120",
            "请只填数字 120（按实际完成数填写，不加“约”）；情况说明请写在“工作进展”栏",
        ),
        ("120余户", "请只填数字 120（按实际完成数填写，不加“余”）"),
        (
            "120（含续建10户）",
            "请只填数字 120；“含续建10户”等说明请写在“工作进展”栏",
        ),
    ] {
        let f = mz(&[("P13-1", s(typed))]);
        says(
            &f,
            "not_a_number",
            &format!("累计完成应为数字，现为“{typed}”。"),
        );
        says(&f, "not_a_number", advice);
    }
    says(&mz(&[("P13-1", s("已完成"))]), "not_a_number", "应为数字");
}

#[test]
fn negative() {
    says(
        &mz(&[("P13-1", Data::Float(-5.0))]),
        "negative",
        "请填写年初至本期末的累计数",
    );
}

fn rs(values: &[(&str, Data)]) -> Vec<Finding> {
    findings_of(
        "县人社局",
        values,
        ("张三", "13800001111"),
        &HashMap::new(),
        |_| {},
    )
}

#[test]
fn percent_over_100() {
    says(
        &rs(&[("P11-2", Data::Float(120.0))]),
        "percent_over_100",
        "请填写 0 到 100 之间的百分点数",
    );
}

#[test]
fn percent_scaled() {
    says(
        &rs(&[("P11-2", Data::Float(0.95))]),
        "percent_scaled",
        "请直接填百分数",
    );
}

#[test]
fn decreased() {
    let prev = HashMap::from([(
        "P13-1".to_string(),
        ("2024-02".parse().unwrap(), Value::Number(300.0)),
    )]);
    let f = findings_of(
        "县民政局",
        &[("P13-1", Data::Float(200.0))],
        ("张三", "13800001111"),
        &prev,
        |_| {},
    );
    says(&f, "decreased", "请核对");
}

#[test]
fn far_above_target() {
    says(
        &mz(&[("P12-1", Data::Float(50.0))]),
        "far_above_target",
        "请核对",
    );
}

#[test]
fn bad_stage() {
    let f = findings_of(
        "天岳投资集团",
        &[("C01-1", s("施工中"))],
        ("张三", "13800001111"),
        &HashMap::new(),
        |_| {},
    );
    says(&f, "bad_stage", "请点单元格右侧的箭头");
}

#[test]
fn formula_no_value() {
    let c = crate::testutil::catalog();
    let ind = c.indicator("P13-1").unwrap();
    let f = value_finding(value::Problem::FormulaNoValue, ind);
    says(&[f], "formula_no_value", "请在 Excel 或 WPS 中打开");
}

#[test]
fn reason_missing() {
    says(
        &mz(&[("P13-1", Data::Float(10.0))]),
        "reason_missing",
        "请在“存在问题”中说明",
    );
}

#[test]
fn contact_missing() {
    let f = findings_of(
        "县民政局",
        &[],
        ("", "13800001111"),
        &HashMap::new(),
        |_| {},
    );
    says(&f, "contact_missing", "请填写填报人");
}

#[test]
fn phone_invalid() {
    let f = findings_of("县民政局", &[], ("张三", "办公室"), &HashMap::new(), |_| {});
    says(&f, "phone_invalid", "请填写 11 位手机号或带区号的固定电话");
    let f = findings_of(
        "县民政局",
        &[],
        ("张三", "13812345678/12345"),
        &HashMap::new(),
        |_| {},
    );
    says(&f, "phone_invalid", "中的“12345”不像是电话号码");
    for two in [
        "13812345678/0730-6223456",
        "13812345678、0730-6223456",
        "13812345678，0730-6223456",
        "13812345678 0730-6223456",
    ] {
        let f = findings_of("县民政局", &[], ("张三", two), &HashMap::new(), |_| {});
        assert!(!codes(&f).contains(&"phone_invalid"), "{two}: {f:#?}");
    }
}

fn codes(f: &[Finding]) -> Vec<&'static str> {
    f.iter().map(|f| f.code.as_str()).collect()
}

#[test]
fn a_label_clue_identifies_a_file_without_table() {
    let c = crate::testutil::catalog();
    let plan = PlanConfig::default();
    let r = Rules {
        catalog: &c,
        plan: &plan,
        key: b"k",
        today: NaiveDate::from_ymd_opt(2024, 4, 3).unwrap(),
    };
    let sender = Sender {
        sheet: Some("Sheet1".into()),
        meta: None,
        unit: Some(Clue {
            at: (1, 1),
            text: "县民政局".into(),
        }),
        period: Some(Clue {
            at: (1, 3),
            text: "2024-03".into(),
        }),
    };
    let mut f = Vec::new();
    let id = identify_without_table(&sender, "报表", &r, &mut f);
    assert_eq!(id.department.as_deref(), Some("县民政局"));
    assert_eq!(id.period, Some("2024-03".parse().unwrap()));
    assert_eq!(codes(&f), vec!["not_a_form"]);
}
