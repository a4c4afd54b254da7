//! The Word bulletin in the layout of GB/T 9704 (党政机关公文格式): A4,
//! margins 37/35/28/26 mm, title in 小标宋 二号, body 仿宋 三号 at a fixed
//! 28-point line pitch, level-one headings in 黑体, level-two in 楷体, page
//! numbers `— 1 —` at the foot; the lagging items as an attached table.

use super::bulletin::Context;
use anyhow::Result;
use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, LineSpacing, LineSpacingType, PageMargin, PageNum,
    Paragraph, Run, RunFonts,
};
use std::io::{Cursor, Read, Write};

const FANGSONG: &str = "仿宋_GB2312";
const HEITI: &str = "黑体";
const KAITI: &str = "楷体_GB2312";
const XIAOBIAOSONG: &str = "方正小标宋简体";
const SONGTI: &str = "宋体";
/// Half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt.
const ERHAO: usize = 44;
const SANHAO: usize = 32;
const SIHAO: usize = 28;
const WUHAO: usize = 21;
/// Twips (1/20 pt, 1/1440 inch).
const A4: (u32, u32) = (11906, 16838);
const MARGIN_TOP: i32 = 2098;
const MARGIN_BOTTOM: i32 = 1984;
const MARGIN_LEFT: i32 = 1588;
const MARGIN_RIGHT: i32 = 1474;
const LINE: i32 = 560;
/// Two characters of 三号 text: the first-line indent of a paragraph.
const INDENT: i32 = 640;

fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .east_asia(name)
        .ascii(name)
        .hi_ansi(name)
        .cs(name)
}

fn run(text: &str, font: &str, size: usize) -> Run {
    Run::new()
        .add_text(allowed_in_xml(text))
        .fonts(fonts(font))
        .size(size)
}

/// docx-rs escapes markup but passes control characters through, which
/// XML 1.0 forbids and Word then refuses to open the file.
fn allowed_in_xml(s: &str) -> String {
    s.chars().filter(|&c| crate::text::xml_char(c)).collect()
}

fn exact(line: i32) -> LineSpacing {
    LineSpacing::new()
        .line_rule(LineSpacingType::Exact)
        .line(line)
}

fn body(runs: Vec<Run>) -> Paragraph {
    let mut p = Paragraph::new()
        .align(AlignmentType::Both)
        .line_spacing(exact(LINE))
        .indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(INDENT)),
            None,
            None,
        );
    for r in runs {
        p = p.add_run(r);
    }
    p
}

/// A text line as a paragraph: headings by their numbering (`一、`,
/// `（一）`), the issuer and date flush right, the rest body text.
fn paragraph(line: &str, ctx: &Context) -> Paragraph {
    let line = line.trim();
    if is_level_one(line) {
        return body(vec![run(line, HEITI, SANHAO)]).keep_next(true);
    }
    if line.starts_with('（')
        && let Some(end) = line.find('）')
        && line[..end].chars().skip(1).all(is_cjk_numeral)
    {
        // A run-in heading: the heading sentence in 楷体, the rest in 仿宋.
        let cut = line
            .find('。')
            .map(|i| i + '。'.len_utf8())
            .unwrap_or(line.len());
        let (head, rest) = line.split_at(cut);
        let mut runs = vec![run(head, KAITI, SANHAO)];
        if !rest.is_empty() {
            runs.push(run(rest, FANGSONG, SANHAO));
        }
        return body(runs);
    }
    if line == ctx.words.issuer || line == ctx.date {
        // 署名 and 成文日期 sit right, the date four characters in.
        let right = if line == ctx.date { INDENT * 2 } else { 0 };
        return Paragraph::new()
            .align(AlignmentType::Right)
            .line_spacing(exact(LINE))
            .indent(None, None, Some(right), None)
            .add_run(run(line, FANGSONG, SANHAO));
    }
    body(vec![run(line, FANGSONG, SANHAO)])
}

fn is_cjk_numeral(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

fn is_level_one(line: &str) -> bool {
    let mut chars = line.chars();
    let mut numerals = 0;
    for c in chars.by_ref() {
        if is_cjk_numeral(c) {
            numerals += 1;
        } else {
            return numerals > 0 && c == '、';
        }
    }
    false
}

pub fn build(text: &str, ctx: &Context) -> Result<Vec<u8>> {
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .peekable();
    let mut doc = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TOP)
                .bottom(MARGIN_BOTTOM)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT)
                .header(851)
                .footer(992),
        )
        .default_fonts(fonts(SONGTI))
        .default_size(SIHAO)
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .align(AlignmentType::Center)
                    .add_run(run("— ", SONGTI, SIHAO))
                    .add_page_num(PageNum::new())
                    .add_run(run(" —", SONGTI, SIHAO)),
            ),
        );
    // The title, and the issue line under it when the template keeps one.
    if let Some(title) = lines.next() {
        doc = doc.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(exact(700))
                .add_run(run(title, XIAOBIAOSONG, ERHAO)),
        );
    }
    if let Some(sub) = lines.next_if(|l| l.starts_with('（') && l.ends_with('）')) {
        doc = doc.add_paragraph(
            Paragraph::new()
                .align(AlignmentType::Center)
                .line_spacing(exact(LINE))
                .add_run(run(sub, KAITI, SANHAO)),
        );
    }
    doc = doc.add_paragraph(Paragraph::new().line_spacing(exact(LINE)));
    for line in lines {
        doc = doc.add_paragraph(paragraph(line, ctx));
    }
    let table = if ctx.lagging.is_empty() {
        None
    } else {
        doc = attachment(doc, ctx);
        Some(table_xml(ctx))
    };
    let mut out = Cursor::new(Vec::new());
    doc.pack(&mut out)?;
    finish(&out.into_inner(), table.as_deref())
}

/// Stands in the document for the attached table until [`finish`]
/// puts the table there.
const TABLE_MARK: &str = "\u{E000}minsheng-attachment-table\u{E000}";

/// 附件: the lagging items as a table, the way bulletins attach their
/// 慢序时项目 list.
fn attachment(doc: Docx, ctx: &Context) -> Docx {
    doc.add_paragraph(
        Paragraph::new()
            .line_spacing(exact(LINE))
            .add_run(Run::new().add_break(BreakType::Page))
            .add_run(run("附件", HEITI, SANHAO)),
    )
    .add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(exact(LINE * 5 / 4))
            .add_run(run(
                &format!("{}滞后事项清单", ctx.period_text),
                XIAOBIAOSONG,
                SANHAO + 4,
            )),
    )
    .add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .line_spacing(exact(LINE))
            .add_run(run(
                &format!("（序时进度 {}，按落后序时进度多少排列）", ctx.time_progress),
                KAITI,
                WUHAO + 3,
            )),
    )
    .add_paragraph(Paragraph::new().add_run(Run::new().add_text(TABLE_MARK)))
}

/// Widths in twips; they add up to the type area (8844).
const COLS: [(&str, usize); 8] = [
    ("序号", 560),
    ("指标", 2240),
    ("牵头单位", 1450),
    ("年度目标", 1050),
    ("累计完成", 1050),
    ("完成率", 830),
    ("序时进度", 830),
    ("落后（百分点）", 834),
];

/// The attached table as WordprocessingML, written directly: docx-rs
/// keeps some kilobytes per table cell in memory (a province-scale
/// list of a thousand items took 50 MB) and cannot mark a header row to
/// repeat on every page (`w:tblHeader`), which a long list needs.
fn table_xml(ctx: &Context) -> String {
    let mut x = String::with_capacity(2048 + ctx.lagging.len() * 3000);
    let border =
        |side: &str| format!(r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#);
    x.push_str(r#"<w:tbl><w:tblPr><w:tblW w:w=""#);
    x.push_str(&COLS.iter().map(|c| c.1).sum::<usize>().to_string());
    x.push_str(r#"" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#);
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        x.push_str(&border(side));
    }
    // Narrow side margins leave `24.9%` room on one line.
    x.push_str(
        r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="60" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="60" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblGrid>"#,
    );
    for (_, w) in COLS {
        x.push_str(&format!(r#"<w:gridCol w:w="{w}"/>"#));
    }
    x.push_str("</w:tblGrid>");
    row_xml(&mut x, true, COLS.iter().map(|c| (c.0.to_string(), false)));
    for (n, i) in ctx.lagging.iter().enumerate() {
        row_xml(
            &mut x,
            false,
            [
                ((n + 1).to_string(), false),
                (format!("{}（{}）", i.name, i.code), true),
                (i.department.clone(), true),
                (i.target.clone(), false),
                (i.done.clone(), false),
                (i.rate.clone(), false),
                (i.time.clone(), false),
                (i.gap.clone(), false),
            ]
            .into_iter(),
        );
    }
    x.push_str("</w:tbl>");
    x
}

/// One row; the header row repeats at the top of every page, and no
/// row breaks across pages.
fn row_xml(x: &mut String, header: bool, cells: impl Iterator<Item = (String, bool)>) {
    x.push_str("<w:tr><w:trPr><w:cantSplit/>");
    if header {
        x.push_str("<w:tblHeader/>");
    }
    x.push_str("</w:trPr>");
    let font = if header { HEITI } else { FANGSONG };
    for ((text, left), (_, w)) in cells.zip(COLS) {
        x.push_str(&format!(
            r#"<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{}<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:spacing w:line="260" w:lineRule="auto"/><w:jc w:val="{}"/></w:pPr><w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/><w:sz w:val="{WUHAO}"/><w:szCs w:val="{WUHAO}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r></w:p></w:tc>"#,
            if header {
                r#"<w:shd w:val="clear" w:color="auto" w:fill="D9E1F2"/>"#
            } else {
                ""
            },
            if left { "left" } else { "center" },
            xml_text(&text)
        ));
    }
    x.push_str("</w:tr>");
}

/// Text as a table cell's character data: one line, escaped.
fn xml_text(s: &str) -> String {
    crate::text::xml_escape(&s.replace(['\t', '\n', '\r'], " "))
}

/// Repackage what docx-rs wrote: the attached table in place of its
/// mark, every part deflated, and a font table with fallbacks. docx-rs
/// writes a fixed font table; Word substitutes a missing font by the
/// table's `altName`, so the official fonts (仿宋_GB2312, 方正小标宋简体,
/// 楷体_GB2312), absent from many office PCs, fall back to the 仿宋, 宋体
/// and 楷体 every Windows has instead of to the default font.
fn finish(docx: &[u8], table: Option<&str>) -> Result<Vec<u8>> {
    const DOCUMENT: &str = "word/document.xml";
    const FONT_TABLE: &str = "word/fontTable.xml";
    let entry = |name: &str, alt: &str| {
        format!(
            r#"<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#
        )
    };
    let fonts = format!(
        concat!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
            r#"<w:fonts xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" "#,
            r#"xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
            r#"<w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#,
            "{}{}{}{}{}",
            "</w:fonts>"
        ),
        entry(FANGSONG, "仿宋"),
        entry(XIAOBIAOSONG, SONGTI),
        entry(KAITI, "楷体"),
        entry(HEITI, "SimHei"),
        entry(SONGTI, "SimSun"),
    );
    // docx-rs stores its parts uncompressed; deflating them here makes
    // a long bulletin a tenth of the size as a mail attachment.
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut zin = zip::ZipArchive::new(Cursor::new(docx))?;
    let mut zout = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(docx.len() / 4)));
    let mut part = Vec::new();
    for n in 0..zin.len() {
        let mut file = zin.by_index(n)?;
        let name = file.name()?.to_string();
        if name == FONT_TABLE || file.is_dir() {
            continue;
        }
        part.clear();
        file.read_to_end(&mut part)?;
        zout.start_file(name.as_str(), opts)?;
        match table {
            Some(t) if name == DOCUMENT => zout.write_all(&splice(&part, t)?)?,
            _ => zout.write_all(&part)?,
        }
    }
    zout.start_file(FONT_TABLE, opts)?;
    zout.write_all(fonts.as_bytes())?;
    let out = zout.finish()?.into_inner();
    // A package that cannot be opened again fails here, not in Word.
    zip::ZipArchive::new(Cursor::new(&out))?.by_name(DOCUMENT)?;
    Ok(out)
}

/// document.xml with the paragraph holding [`TABLE_MARK`] replaced by `table`.
fn splice(document: &[u8], table: &str) -> Result<Vec<u8>> {
    let doc = std::str::from_utf8(document)?;
    let at = doc
        .find(TABLE_MARK)
        .ok_or_else(|| anyhow::anyhow!("附件表格的位置标记丢失"))?;
    let start = doc[..at]
        .rfind("<w:p ")
        .or_else(|| doc[..at].rfind("<w:p>"))
        .ok_or_else(|| anyhow::anyhow!("附件表格的位置标记不在段落中"))?;
    let end = doc[at..]
        .find("</w:p>")
        .map(|i| at + i + "</w:p>".len())
        .ok_or_else(|| anyhow::anyhow!("附件表格的位置标记不在段落中"))?;
    let mut out = String::with_capacity(doc.len() + table.len());
    out.push_str(&doc[..start]);
    out.push_str(table);
    out.push_str(&doc[end..]);
    Ok(out.into_bytes())
}
