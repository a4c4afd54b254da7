//! The Word bulletin in the layout of GB/T 9704 (党政机关公文格式): A4,
//! margins 37/35/28/26 mm, title in 小标宋 二号, body 仿宋 三号 at a fixed
//! 28-point line pitch, level-one headings in 黑体, level-two in 楷体, page
//! numbers `— 1 —` at the foot; the lagging items as an attached table.
//!
//! The package is written here, part by part, from a [`Document`]: docx-rs
//! (which reads county plans) cannot mark a table's header row to repeat on
//! every page (`w:tblHeader`), keeps kilobytes per table cell in memory (a
//! province-scale list of a thousand items took 50 MB), stores its parts
//! uncompressed and writes a font table without the fallbacks below, so
//! its package had to be taken apart and written again. What is written
//! depends on the document alone: its creation time is its issue date and
//! every zip entry carries the same fixed time, so the same bulletin is the
//! same bytes, which is how the mail queue knows it was sent already.

use super::document::{Block, Document, Table};
use crate::text::xml_escape;
use anyhow::Result;
use std::fmt::Write as _;
use std::io::{Cursor, Write};

const FANGSONG: &str = "仿宋_GB2312";
const HEITI: &str = "黑体";
const KAITI: &str = "楷体_GB2312";
const XIAOBIAOSONG: &str = "方正小标宋简体";
const SONGTI: &str = "宋体";
/// Half-points: 二号 22 pt, 三号 16 pt, 四号 14 pt, 五号 10.5 pt.
const ERHAO: u32 = 44;
const SANHAO: u32 = 32;
const SIHAO: u32 = 28;
const WUHAO: u32 = 21;
/// Twips (1/20 pt, 1/1440 inch).
const A4: (u32, u32) = (11906, 16838);
const MARGIN_TOP: u32 = 2098;
const MARGIN_BOTTOM: u32 = 1984;
const MARGIN_LEFT: u32 = 1588;
const MARGIN_RIGHT: u32 = 1474;
const LINE: u32 = 560;
/// Two characters of 三号 text: the first-line indent of a paragraph.
const INDENT: u32 = 640;

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_DECL: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#;

/// The `.docx` bytes of `doc`.
pub(crate) fn write(doc: &Document) -> Result<Vec<u8>> {
    let parts: [(&str, String); 10] = [
        ("[Content_Types].xml", content_types()),
        ("_rels/.rels", package_rels()),
        ("docProps/core.xml", core(doc)),
        ("docProps/app.xml", app()),
        ("word/_rels/document.xml.rels", document_rels()),
        ("word/document.xml", document(doc)),
        ("word/styles.xml", styles()),
        ("word/settings.xml", settings()),
        ("word/fontTable.xml", font_table()),
        ("word/footer1.xml", footer()),
    ];
    // Deflated: a long bulletin is a tenth of the size as a mail attachment.
    // Every entry has the zip format's earliest time, not the clock's.
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, xml) in &parts {
        zip.start_file(*name, opts)?;
        zip.write_all(xml.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

// --------------------------------------------------------------- package ---

fn content_types() -> String {
    let part = |name: &str, kind: &str| {
        format!(
            r#"<Override PartName="/{name}" ContentType="application/vnd.openxmlformats-{kind}+xml"/>"#
        )
    };
    format!(
        concat!(
            "{}",
            r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
            r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
            r#"<Default Extension="xml" ContentType="application/xml"/>"#,
            "{}{}{}{}{}{}{}",
            "</Types>"
        ),
        XML_DECL,
        part(
            "word/document.xml",
            "officedocument.wordprocessingml.document.main"
        ),
        part("word/styles.xml", "officedocument.wordprocessingml.styles"),
        part(
            "word/settings.xml",
            "officedocument.wordprocessingml.settings"
        ),
        part(
            "word/fontTable.xml",
            "officedocument.wordprocessingml.fontTable"
        ),
        part("word/footer1.xml", "officedocument.wordprocessingml.footer"),
        part("docProps/core.xml", "package.core-properties"),
        part("docProps/app.xml", "officedocument.extended-properties"),
    )
}

fn relationships(rels: &[(&str, &str, &str)]) -> String {
    let mut x = format!(
        r#"{XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
    );
    for (id, kind, target) in rels {
        let _ = write!(
            x,
            r#"<Relationship Id="{id}" Type="{kind}" Target="{target}"/>"#
        );
    }
    x.push_str("</Relationships>");
    x
}

fn package_rels() -> String {
    relationships(&[
        (
            "rId1",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument",
            "word/document.xml",
        ),
        (
            "rId2",
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
            "docProps/core.xml",
        ),
        (
            "rId3",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
            "docProps/app.xml",
        ),
    ])
}

fn document_rels() -> String {
    relationships(&[
        (
            "rId1",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles",
            "styles.xml",
        ),
        (
            "rId2",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings",
            "settings.xml",
        ),
        (
            "rId3",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable",
            "fontTable.xml",
        ),
        (
            "rId4",
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer",
            "footer1.xml",
        ),
    ])
}

/// Title, author and creation time as Word's 属性 shows them: the issue
/// date at midnight, so the file says the day it speaks for.
fn core(doc: &Document) -> String {
    let created = doc.date.format("%Y-%m-%dT00:00:00Z");
    format!(
        concat!(
            "{}",
            r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" "#,
            r#"xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" "#,
            r#"xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
            "<dc:title>{}</dc:title><dc:creator>{}</dc:creator>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">{}</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">{}</dcterms:modified>"#,
            "</cp:coreProperties>"
        ),
        XML_DECL,
        xml_escape(&format!(
            "{}{}",
            doc.title,
            doc.issue.as_deref().unwrap_or("")
        )),
        xml_escape(&doc.issuer),
        created,
        created,
    )
}

fn app() -> String {
    format!(
        r#"{XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>minsheng</Application></Properties>"#
    )
}

/// 宋体 四号 unless a run says otherwise; Chinese text, so Word checks it
/// as Chinese.
fn styles() -> String {
    format!(
        concat!(
            r#"{}<w:styles xmlns:w="{}"><w:docDefaults><w:rPrDefault><w:rPr>"#,
            "{}",
            r#"<w:sz w:val="{}"/><w:szCs w:val="{}"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>"#,
            r#"</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr/></w:pPrDefault></w:docDefaults>"#,
            r#"<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>"#,
            "</w:styles>"
        ),
        XML_DECL,
        W,
        fonts(SONGTI),
        SIHAO,
        SIHAO,
    )
}

/// Word 2013 and later layout, East Asian line breaking.
fn settings() -> String {
    format!(
        concat!(
            r#"{}<w:settings xmlns:w="{}"><w:defaultTabStop w:val="420"/>"#,
            r#"<w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:useFELayout/>"#,
            r#"<w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/>"#,
            "</w:compat></w:settings>"
        ),
        XML_DECL, W
    )
}

/// Word substitutes a missing font by the table's `altName`, so the
/// official fonts (仿宋_GB2312, 方正小标宋简体, 楷体_GB2312), absent from
/// many office PCs, fall back to the 仿宋, 宋体 and 楷体 every Windows has
/// instead of to the default font.
fn font_table() -> String {
    let mut x = format!(
        r#"{XML_DECL}<w:fonts xmlns:w="{W}"><w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>"#
    );
    for (name, alt) in [
        (FANGSONG, "仿宋"),
        (XIAOBIAOSONG, SONGTI),
        (KAITI, "楷体"),
        (HEITI, "SimHei"),
        (SONGTI, "SimSun"),
    ] {
        let _ = write!(
            x,
            r#"<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>"#
        );
    }
    x.push_str("</w:fonts>");
    x
}

/// `— 1 —`, centred.
fn footer() -> String {
    let mut x =
        format!(r#"{XML_DECL}<w:ftr xmlns:w="{W}"><w:p><w:pPr><w:jc w:val="center"/></w:pPr>"#);
    run(&mut x, "— ", SONGTI, SIHAO);
    let _ = write!(
        x,
        r#"<w:r><w:rPr>{}<w:sz w:val="{SIHAO}"/><w:szCs w:val="{SIHAO}"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>"#,
        fonts(SONGTI)
    );
    run(&mut x, " —", SONGTI, SIHAO);
    x.push_str("</w:p></w:ftr>");
    x
}

// -------------------------------------------------------------- document ---

fn fonts(name: &str) -> String {
    format!(r#"<w:rFonts w:ascii="{name}" w:eastAsia="{name}" w:hAnsi="{name}" w:cs="{name}"/>"#)
}

fn run(x: &mut String, text: &str, font: &str, size: u32) {
    let _ = write!(
        x,
        r#"<w:r><w:rPr>{}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>"#,
        fonts(font),
        xml_escape(text)
    );
}

/// How a paragraph sits: its alignment, line pitch and indents.
#[derive(Clone, Copy)]
struct Layout {
    align: &'static str,
    line: u32,
    first_line: u32,
    right: u32,
    keep_next: bool,
    page_break_before: bool,
}

impl Layout {
    /// Body text: justified, the first line two characters in.
    const BODY: Layout = Layout {
        align: "both",
        line: LINE,
        first_line: INDENT,
        right: 0,
        keep_next: false,
        page_break_before: false,
    };
    const fn centred(line: u32) -> Layout {
        Layout {
            align: "center",
            line,
            first_line: 0,
            right: 0,
            keep_next: false,
            page_break_before: false,
        }
    }
}

/// A paragraph of runs `(text, font, size)`; its properties in the order
/// the schema gives them.
fn paragraph(x: &mut String, layout: Layout, runs: &[(&str, &str, u32)]) {
    x.push_str("<w:p><w:pPr>");
    if layout.keep_next {
        x.push_str("<w:keepNext/>");
    }
    if layout.page_break_before {
        x.push_str("<w:pageBreakBefore/>");
    }
    let _ = write!(
        x,
        r#"<w:spacing w:line="{}" w:lineRule="exact"/>"#,
        layout.line
    );
    if layout.first_line > 0 || layout.right > 0 {
        let _ = write!(
            x,
            r#"<w:ind w:right="{}" w:firstLine="{}"/>"#,
            layout.right, layout.first_line
        );
    }
    let _ = write!(x, r#"<w:jc w:val="{}"/></w:pPr>"#, layout.align);
    for (text, font, size) in runs {
        run(x, text, font, *size);
    }
    x.push_str("</w:p>");
}

fn document(doc: &Document) -> String {
    let mut x = String::with_capacity(
        16 * 1024 + doc.attachment.as_ref().map_or(0, |t| t.rows.len() * 3000),
    );
    let _ = write!(
        x,
        r#"{XML_DECL}<w:document xmlns:w="{W}" xmlns:r="{R}"><w:body>"#
    );
    paragraph(
        &mut x,
        Layout::centred(700),
        &[(&doc.title, XIAOBIAOSONG, ERHAO)],
    );
    if let Some(issue) = &doc.issue {
        paragraph(&mut x, Layout::centred(LINE), &[(issue, KAITI, SANHAO)]);
    }
    paragraph(&mut x, Layout::centred(LINE), &[]);
    for b in &doc.blocks {
        match b {
            Block::Heading(t) => paragraph(
                &mut x,
                Layout {
                    keep_next: true,
                    ..Layout::BODY
                },
                &[(t, HEITI, SANHAO)],
            ),
            Block::RunIn { head, rest } => paragraph(
                &mut x,
                Layout::BODY,
                &[(head, KAITI, SANHAO), (rest, FANGSONG, SANHAO)],
            ),
            Block::Body(t) => paragraph(&mut x, Layout::BODY, &[(t, FANGSONG, SANHAO)]),
            Block::Issuer(t) | Block::Date(t) => {
                // 署名 and 成文日期 sit right, the date four characters in.
                let right = if matches!(b, Block::Date(_)) {
                    INDENT * 2
                } else {
                    0
                };
                paragraph(
                    &mut x,
                    Layout {
                        align: "right",
                        first_line: 0,
                        right,
                        ..Layout::BODY
                    },
                    &[(t, FANGSONG, SANHAO)],
                )
            }
        }
    }
    if let Some(t) = &doc.attachment {
        attachment(&mut x, t);
    }
    let _ = write!(
        x,
        concat!(
            r#"<w:sectPr><w:footerReference w:type="default" r:id="rId4"/>"#,
            r#"<w:pgSz w:w="{}" w:h="{}"/>"#,
            r#"<w:pgMar w:top="{}" w:right="{}" w:bottom="{}" w:left="{}" w:header="851" w:footer="992" w:gutter="0"/>"#,
            r#"<w:cols w:space="425"/></w:sectPr></w:body></w:document>"#
        ),
        A4.0, A4.1, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT
    );
    x
}

/// 附件 on a page of its own: the label, the table's title and note, the
/// table.
fn attachment(x: &mut String, t: &Table) {
    paragraph(
        x,
        Layout {
            align: "left",
            first_line: 0,
            page_break_before: true,
            ..Layout::BODY
        },
        &[("附件", HEITI, SANHAO)],
    );
    paragraph(
        x,
        Layout::centred(LINE * 5 / 4),
        &[(&t.title, XIAOBIAOSONG, SANHAO + 4)],
    );
    paragraph(x, Layout::centred(LINE), &[(&t.note, KAITI, WUHAO + 3)]);
    table(x, t);
    // A table may not end the body: Word wants a paragraph after it.
    paragraph(x, Layout::centred(LINE), &[]);
}

/// The table, its header row repeated at the top of every page and no row
/// broken across pages; narrow cell margins leave `24.9%` room on one line.
fn table(x: &mut String, t: &Table) {
    let width: u32 = t.columns.iter().map(|c| c.width).sum();
    let _ = write!(
        x,
        r#"<w:tbl><w:tblPr><w:tblW w:w="{width}" w:type="dxa"/><w:jc w:val="center"/><w:tblBorders>"#
    );
    for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
        let _ = write!(
            x,
            r#"<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>"#
        );
    }
    x.push_str(concat!(
        r#"</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar>"#,
        r#"<w:top w:w="40" w:type="dxa"/><w:left w:w="60" w:type="dxa"/>"#,
        r#"<w:bottom w:w="40" w:type="dxa"/><w:right w:w="60" w:type="dxa"/>"#,
        "</w:tblCellMar></w:tblPr><w:tblGrid>"
    ));
    for c in t.columns {
        let _ = write!(x, r#"<w:gridCol w:w="{}"/>"#, c.width);
    }
    x.push_str("</w:tblGrid>");
    row(x, t, true, t.columns.iter().map(|c| c.name));
    for cells in &t.rows {
        row(x, t, false, cells.iter().map(String::as_str));
    }
    x.push_str("</w:tbl>");
}

fn row<'a>(x: &mut String, t: &Table, header: bool, cells: impl Iterator<Item = &'a str>) {
    x.push_str("<w:tr><w:trPr><w:cantSplit/>");
    if header {
        x.push_str("<w:tblHeader/>");
    }
    x.push_str("</w:trPr>");
    let font = if header { HEITI } else { FANGSONG };
    for (text, c) in cells.zip(t.columns) {
        let shade = if header {
            r#"<w:shd w:val="clear" w:color="auto" w:fill="D9E1F2"/>"#
        } else {
            ""
        };
        let align = if c.left && !header { "left" } else { "center" };
        let _ = write!(
            x,
            r#"<w:tc><w:tcPr><w:tcW w:w="{}" w:type="dxa"/>{shade}<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:spacing w:line="260" w:lineRule="auto"/><w:jc w:val="{align}"/></w:pPr>"#,
            c.width
        );
        // A cell is one line of text: a department's line breaks and tabs
        // become spaces.
        run(x, &text.replace(['\t', '\n', '\r'], " "), font, WUHAO);
        x.push_str("</w:p></w:tc>");
    }
    x.push_str("</w:tr>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use std::io::Read;

    fn doc(rows: usize) -> Document {
        Document {
            title: "平江县民生可感行动调度通报".into(),
            issue: Some("（2024年第3期）".into()),
            blocks: vec![
                Block::Body("为兑现向群众作出的民生承诺 <b>&\u{1}".into()),
                Block::Heading("一、总体进展情况".into()),
                Block::RunIn {
                    head: "（一）压实工作责任。".into(),
                    rest: "各牵头单位要……".into(),
                },
                Block::Issuer("平江县民生可感行动工作专班".into()),
                Block::Date("2024年4月8日".into()),
            ],
            attachment: (rows > 0).then(|| Table {
                title: "2024年3月滞后事项清单".into(),
                note: "（序时进度 24.9%）".into(),
                columns: &[
                    super::super::document::Column {
                        name: "指标",
                        width: 6000,
                        left: true,
                    },
                    super::super::document::Column {
                        name: "完成率",
                        width: 2844,
                        left: false,
                    },
                ],
                rows: (0..rows)
                    .map(|n| vec![format!("指标{n}\t（P{n}）"), "10.0%".into()])
                    .collect(),
            }),
            issuer: "平江县民生可感行动工作专班".into(),
            date: NaiveDate::from_ymd_opt(2024, 4, 8).unwrap(),
        }
    }

    fn parts(bytes: &[u8]) -> Vec<(String, String)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|n| {
                let mut f = zip.by_index(n).unwrap();
                assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
                assert_eq!(f.last_modified(), Some(zip::DateTime::default()));
                let mut s = String::new();
                f.read_to_string(&mut s).unwrap();
                (f.name().unwrap().into_owned(), s)
            })
            .collect()
    }

    #[track_caller]
    fn well_formed(name: &str, xml: &str) {
        let mut reader = quick_xml::Reader::from_str(xml);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{name} is not well-formed: {e}"),
            }
        }
    }

    #[test]
    fn every_part_is_well_formed_and_named_by_the_package() {
        for rows in [0, 3] {
            let bytes = write(&doc(rows)).unwrap();
            let parts = parts(&bytes);
            for (name, xml) in &parts {
                well_formed(name, xml);
            }
            let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
            let types = &parts[0].1;
            for name in names
                .iter()
                .filter(|n| !n.ends_with(".rels") && n.contains('/'))
            {
                assert!(types.contains(&format!("PartName=\"/{name}\"")), "{name}");
            }
            let all = parts.iter().map(|(_, x)| x.as_str()).collect::<String>();
            for target in ["word/document.xml", "docProps/core.xml", "docProps/app.xml"] {
                assert!(all.contains(&format!("Target=\"{target}\"")), "{target}");
            }
            for target in ["styles.xml", "settings.xml", "fontTable.xml", "footer1.xml"] {
                assert!(all.contains(&format!("Target=\"{target}\"")), "{target}");
            }
        }
    }

    #[test]
    fn the_document_says_each_block_in_its_font_and_escapes_what_departments_wrote() {
        let bytes = write(&doc(2)).unwrap();
        let parts = parts(&bytes);
        let document = &parts
            .iter()
            .find(|(n, _)| n == "word/document.xml")
            .unwrap()
            .1;
        assert!(document.contains("为兑现向群众作出的民生承诺 &lt;b&gt;&amp;</w:t>"));
        assert!(
            !document.contains('\u{1}'),
            "a control character Word refuses"
        );
        let heading = document.find("一、总体进展情况").unwrap();
        let before = &document[..heading];
        let run_start = before.rfind("<w:r>").unwrap();
        assert!(before[run_start..].contains(HEITI));
        assert!(before[before.rfind("<w:p>").unwrap()..].contains("<w:keepNext/>"));
        assert_eq!(document.matches("<w:tblHeader/>").count(), 1);
        assert_eq!(document.matches("<w:tr>").count(), 3);
        assert!(
            document.contains("指标1 （P1）"),
            "a tab in a cell is a space"
        );
        assert!(
            document.contains("<w:pageBreakBefore/>"),
            "附件 starts a page"
        );
        let core = &parts
            .iter()
            .find(|(n, _)| n == "docProps/core.xml")
            .unwrap()
            .1;
        assert!(
            core.contains(">2024-04-08T00:00:00Z</dcterms:created>"),
            "{core}"
        );
        assert!(core.contains("<dc:creator>平江县民生可感行动工作专班</dc:creator>"));
    }

    /// Whatever the template's lines or a department's words hold, every
    /// part is well-formed XML with no character XML forbids.
    #[test]
    fn any_text_makes_a_well_formed_package() {
        let mut g = crate::hostile::Hostile::new(31);
        for _ in 0..300 {
            let mut d = doc(1);
            d.title = g.text(6);
            d.issue = Some(g.text(3));
            d.issuer = g.text(3);
            d.blocks = (0..g.below(8))
                .map(|_| match g.below(5) {
                    0 => Block::Heading(g.text(4)),
                    1 => Block::RunIn {
                        head: g.text(3),
                        rest: g.text(6),
                    },
                    2 => Block::Issuer(g.text(2)),
                    3 => Block::Date(g.text(2)),
                    _ => Block::Body(g.text(8)),
                })
                .collect();
            if let Some(t) = d.attachment.as_mut() {
                t.title = g.text(3);
                t.note = g.text(3);
                t.rows = (0..g.below(5))
                    .map(|_| vec![g.text(4), g.text(4)])
                    .collect();
            }
            for (name, xml) in parts(&write(&d).unwrap()) {
                assert!(
                    xml.chars().all(crate::text::xml_char),
                    "{name}: a character XML forbids"
                );
                well_formed(&name, &xml);
            }
        }
    }

    #[test]
    fn the_same_document_is_the_same_bytes() {
        let a = write(&doc(5)).unwrap();
        let b = write(&doc(5)).unwrap();
        assert_eq!(a, b);
        let mut later = doc(5);
        later.date = NaiveDate::from_ymd_opt(2024, 4, 9).unwrap();
        assert_ne!(a, write(&later).unwrap());
    }
}
