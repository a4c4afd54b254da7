//! The form's second sheet, 填报说明: how to fill it in, in plain Chinese,
//! for clerks who read instructions on paper.

use super::GUIDE_SHEET;
use super::build::{FormSpec, Styles, print_setup, protection};
use crate::plan::catalog::{Kind, Level, STAGES};
use crate::plan::words::Words;
use crate::text::width;
use anyhow::{Context, Result};
use chrono::Datelike;
use rust_xlsxwriter::{Image, RowNum, Url, Worksheet, XlsxError};

/// The printed side of the link's QR code: 3.5 cm at Excel's 96 pixels an
/// inch, which a phone reads from arm's length.
const QR_PX: f64 = 132.0;
/// Room above and left of the code inside its row, so it touches no text.
const QR_PAD_PX: u32 = 8;

/// The second sheet: how to fill the form, in plain Chinese.
pub(super) fn write_guide(sheet: &mut Worksheet, spec: &FormSpec, st: &Styles) -> Result<()> {
    sheet.set_name(GUIDE_SHEET)?;
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 84)?;
    let words = Words::of(spec.catalog);
    let deadline = super::deadline_text(spec.deadline);
    let office = words.office_with_seat();
    let n = spec.indicators().count();
    let has = |k: Kind| spec.indicators().any(|i| i.kind == k);

    let mut r: RowNum = 0;
    sheet.merge_range(r, 0, r, 1, "填报说明", &st.guide_title)?;
    sheet.set_row_height(r, 30)?;
    r += 1;
    // By the plan's own level names, so a district's clerk reads 区级.
    let per_level: Vec<String> = Level::ALL
        .iter()
        .map(|&l| {
            let k = spec
                .indicators()
                .filter(|i| spec.catalog.task_of(i).level == l)
                .count();
            (spec.catalog.level_name(l), k)
        })
        .filter(|(_, k)| *k > 0)
        .map(|(name, k)| format!("{name} {k} 项"))
        .collect();
    let intro = format!(
        "本表由{}填报，报送期次为 {}（{}），共 {n} 项指标（{}）。请于 {deadline}将填好的表格报送{office}。",
        spec.department,
        spec.period.chinese(),
        spec.period,
        per_level.join("、")
    );
    r = guide_para(sheet, r, &intro, st)?;

    r = guide_head(sheet, r + 1, "一、怎么填", st)?;
    let mut steps = vec![
        "只填写黄色底纹的单元格：累计完成、工作进展、存在问题、下步措施，以及表格下方的填报人、联系电话、填报日期。其他单元格已锁定，不需要也不能修改。".to_string(),
        "“累计完成”填写年初至本期末的累计数（不是当月数）。只填数字，不要带单位或文字，例如填 4200，不要填“4200人”。".to_string(),
    ];
    if has(Kind::Percent) {
        steps.push("单位为“%”的指标按百分点填写：达到 95% 就填 95（直接输入 95% 也可以）。".into());
    }
    if has(Kind::Standard) {
        steps.push("保障标准类指标（如低保标准、补贴标准）填写目前实际执行的标准。".into());
    }
    let raised = spec
        .indicators()
        .any(|i| i.kind == Kind::Standard && i.baseline.is_some());
    if has(Kind::Milestone) {
        steps.push(format!(
            "单位为“阶段”的指标，点单元格右侧的箭头，从下拉列表中选择项目目前所处的阶段：{}。",
            STAGES.join("、")
        ));
    }
    let end = spec.period.last_day();
    steps.push(format!(
        "“完成率”由表格自动计算。本期序时进度为 {}（截至 {} 月 {} 日全年时间已过的比例）；完成率低于序时进度的指标，必须填写“存在问题”和“下步措施”。",
        crate::text::percent(spec.period.time_progress()),
        end.month(),
        end.day()
    ));
    steps.push(
        "请不要修改工作表名称，不要改动指标编号、年度目标和单位，不要删除或隐藏任何工作表。".into(),
    );
    steps.push(format!(
        "填好后保存为 Excel 工作簿（.xlsx）格式（WPS 用户请选择“另存为 .xlsx”），文件名可保持不变，于 {deadline}报送{office}。"
    ));
    for (i, s) in steps.iter().enumerate() {
        r = guide_para(sheet, r, &format!("{}．{s}", i + 1), st)?;
    }

    r = guide_head(sheet, r + 1, "二、填写区域标识", st)?;
    sheet.write_string_with_format(r, 0, "黄色底纹", &st.legend)?;
    sheet.write_string_with_format(
        r,
        1,
        "黄色底纹的单元格为填写区域，其余单元格已锁定。",
        &st.guide_text,
    )?;
    sheet.set_row_height(r, 22)?;
    r += 1;

    r = guide_head(sheet, r + 1, "三、各列含义", st)?;
    let columns = [
        ("序号", "本表内的顺序号。"),
        (
            "指标编号",
            "任务目录中的指标编号，如 P05-1，用来识别每一行，请勿改动。",
        ),
        ("重点民生实事", "指标所属的重点民生实事（任务）名称。"),
        ("指标", "需要报送的具体指标。"),
        (
            "单位",
            "累计完成的计量单位；“%”表示按百分点填写，“阶段”表示从下拉列表选择。",
        ),
        ("年度目标", "本年度要完成的目标，请勿改动。"),
        (
            "累计完成",
            "年初至本期末累计完成的数量（保障标准类填现行标准，阶段类选择所处阶段）。",
        ),
        (
            "完成率",
            if raised {
                "累计完成 ÷ 年度目标，自动计算；阶段类按所处阶段折算（前期工作 25%，开工建设 50%，主体完工 75%，完成 100%）；有原标准的保障标准类按提标幅度折算：（现行标准 − 原标准）÷（目标标准 − 原标准），达到目标标准为 100%。"
            } else {
                "累计完成 ÷ 年度目标，自动计算；阶段类按所处阶段折算（前期工作 25%，开工建设 50%，主体完工 75%，完成 100%）。"
            },
        ),
        ("工作进展", "本期主要工作和完成情况，简要写明。"),
        ("存在问题", "影响进度的主要问题；完成率低于序时进度时必填。"),
        (
            "下步措施",
            "针对问题的下一步工作安排和完成时限；完成率低于序时进度时必填。",
        ),
    ];
    for (name, meaning) in columns {
        r = guide_item(sheet, r, name, meaning, st)?;
    }

    r = guide_head(sheet, r + 1, "四、报送与咨询", st)?;
    r = guide_item(sheet, r, "报送截止", &deadline, st)?;
    let how = match spec.link {
        Some(_) => format!("将填好的 .xlsx 文件发送给{office}，或在本单位专属页面上传（见下）。"),
        None => format!("将填好的 .xlsx 文件发送给{office}。"),
    };
    r = guide_item(sheet, r, "报送方式", &how, st)?;
    if let Some(link) = spec.link {
        r = guide_link(sheet, r, link, st)?;
    }
    guide_item(
        sheet,
        r,
        "咨询",
        &format!("填报中有疑问，请联系{}。", words.office_in_full()),
        st,
    )?;

    sheet.protect_with_options(&protection());
    print_setup(sheet, false)?;
    Ok(())
}

/// The department's own page: its address (a hyperlink where Excel takes
/// it as one), what the page is for, and its QR code for a printed form.
fn guide_link(sheet: &mut Worksheet, r: RowNum, link: &str, st: &Styles) -> Result<RowNum> {
    sheet.write_string_with_format(r, 0, "专属页面", &st.guide_key)?;
    // An address Excel refuses as a hyperlink (no scheme, over its length
    // limit) is still printed for the clerk to type.
    if sheet
        .write_url_with_format(r, 1, Url::new(link), &st.guide_link)
        .is_err()
    {
        sheet.write_string_with_format(r, 1, link, &st.guide_text)?;
    }
    sheet.set_row_height(r, guide_height(link, 84))?;
    let r = guide_item(sheet, r + 1, "", LINK_USE, st)?;

    let png = super::qr::png(link).context("无法生成本单位专属页面的二维码")?;
    let image = Image::new_from_buffer(&png)?
        .set_scale_to_size(QR_PX, QR_PX, true)
        .set_alt_text("本单位专属填报页面的二维码");
    sheet.write_string_with_format(r, 0, "手机扫码", &st.guide_key)?;
    // The cell beside the code is written (blank) so the row, and the code
    // in it, is inside the printed area.
    sheet.write_blank(r, 1, &st.guide_text)?;
    sheet.insert_image_with_offset(r, 1, &image, QR_PAD_PX, QR_PAD_PX)?;
    // Rows are in points, images in pixels: 3 points are 4 pixels.
    sheet.set_row_height(r, (QR_PX + 2.0 * f64::from(QR_PAD_PX)) * 0.75)?;
    Ok(r + 1)
}

/// What the department's page is for, under its address.
const LINK_USE: &str = "这是本单位专属的填报页面：用浏览器打开上面的地址（或用手机扫描下面的二维码），可以下载本表、上传填好的表格，并立即看到审核结果。此地址仅供本单位使用，请勿转发。";

fn guide_head(
    sheet: &mut Worksheet,
    r: RowNum,
    text: &str,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    sheet.merge_range(r, 0, r, 1, text, &st.guide_head)?;
    sheet.set_row_height(r, 22)?;
    Ok(r + 1)
}

fn guide_para(
    sheet: &mut Worksheet,
    r: RowNum,
    text: &str,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    sheet.merge_range(r, 0, r, 1, text, &st.guide_text)?;
    sheet.set_row_height(r, guide_height(text, 100))?;
    Ok(r + 1)
}

fn guide_item(
    sheet: &mut Worksheet,
    r: RowNum,
    key: &str,
    text: &str,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    sheet.write_string_with_format(r, 0, key, &st.guide_key)?;
    sheet.write_string_with_format(r, 1, text, &st.guide_text)?;
    sheet.set_row_height(r, guide_height(text, 84))?;
    Ok(r + 1)
}

/// Row height for wrapped 12-point text in a column `cols` wide. Merged cells
/// never grow by themselves in Excel, so the guide sets its heights.
fn guide_height(text: &str, cols: usize) -> f64 {
    let usable = cols.saturating_sub(2).max(1) as f64;
    let lines = ((width(text) as f64 * 1.1) / usable).ceil().max(1.0);
    lines * 17.0 + 5.0
}
