//! A plan document as lines of text. Offices receive plans as `.docx` and
//! sometimes save them as `.txt`; both end up as the same list of lines, so
//! the parser never knows which it was given.

use std::io::{Cursor, Read};

/// Past this a file is not a plan (the 2024 plan is 12 KB as text, a few
/// hundred KB as Word); refusing early keeps a mistaken drop cheap.
const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;
/// Declared size of all parts of a `.docx` together; a zip bomb is refused
/// before docx-rs inflates anything.
const MAX_UNZIPPED_BYTES: u64 = 200 * 1024 * 1024;

/// Why a plan could not be read; the message is for the office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceError(pub String);

/// The lines of a plan file, `.docx` or text, decided by content first and
/// by extension only where content cannot tell.
pub(crate) fn lines_of(bytes: &[u8], ext: &str) -> Result<Vec<String>, SourceError> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SourceError(format!(
            "文件超过 {} MB，不像是一份实施方案",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    if is_spreadsheet(bytes, ext) {
        return spreadsheet_lines(bytes);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return docx_lines(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(SourceError(
            "这是旧版 Word（.doc）或 WPS 文件，无法直接读取；请在 Word 或 WPS 中另存为 .docx 或 .txt 后再试"
                .into(),
        ));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(SourceError(
            "这是 PDF 文件，无法可靠地取出文字；请使用 Word 原件（.docx），或把文字另存为 .txt 后再试"
                .into(),
        ));
    }
    if ext.eq_ignore_ascii_case("docx") {
        return Err(SourceError(
            "文件扩展名是 .docx，但内容不是 Word 文档（可能已损坏）".into(),
        ));
    }
    let text = decode_text(bytes)?;
    Ok(split_lines(&text))
}

fn split_lines(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split(['\n', '\r', '\u{2028}', '\u{2029}', '\u{000B}', '\u{000C}'])
        .map(|l| l.trim_start_matches('\u{FEFF}').to_string())
        .collect()
}

/// UTF-8 (with or without BOM) or UTF-16 with a BOM, as Notepad saves
/// "Unicode". Anything else is most likely GBK; saying so is more useful than
/// showing mojibake.
fn decode_text(bytes: &[u8]) -> Result<String, SourceError> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, u16::from_be_bytes);
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| {
        SourceError(
            "文本不是 UTF-8 编码（可能是 GBK）；请用记事本或 WPS 打开，“另存为”时选择 UTF-8 编码后再试"
                .into(),
        )
    })?;
    if text.contains('\0') {
        return Err(SourceError(
            "文件不是文本，也不是 Word 文档；请提供 .txt 或 .docx 格式的实施方案".into(),
        ));
    }
    Ok(text.to_string())
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, SourceError> {
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]])).collect();
    String::from_utf16(&units)
        .map_err(|_| SourceError("文本的 UTF-16 编码有误，请另存为 UTF-8 后再试".into()))
}

// ---------------------------------------------------------- spreadsheet ---

/// A list of items kept as a spreadsheet (`清单.xlsx`, `.xls`), told by its
/// name or by the workbook part inside the zip.
fn is_spreadsheet(bytes: &[u8], ext: &str) -> bool {
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    let by_name = ["xlsx", "xlsm", "xls", "et", "ods"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e));
    let workbook_part = |part: &[u8]| bytes.windows(part.len()).any(|w| w == part);
    (by_name && (zip || ole)) || (zip && workbook_part(b"xl/workbook.xml"))
}

/// The visible sheets as lines, one per row, cells separated by tabs as a
/// table pasted as text is; the table reader takes it from there. The zip is
/// checked as a `.docx` is before calamine inflates it.
fn spreadsheet_lines(bytes: &[u8]) -> Result<Vec<String>, SourceError> {
    use calamine::{Data, Reader};
    let broken =
        || SourceError("表格文件已损坏或不完整，无法打开；请用 Excel 或 WPS 重新保存后再试".into());
    if bytes.starts_with(b"PK\x03\x04") {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| broken())?;
        let mut declared: u64 = 0;
        for i in 0..zip.len() {
            declared = declared.saturating_add(zip.by_index_raw(i).map_err(|_| broken())?.size());
        }
        if declared > MAX_UNZIPPED_BYTES {
            return Err(SourceError(format!(
                "表格解压后超过 {} MB，不像是一份项目清单",
                MAX_UNZIPPED_BYTES / 1024 / 1024
            )));
        }
    }
    let mut book =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|_| broken())?;
    let visible: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == calamine::SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    let mut lines = Vec::new();
    for name in visible {
        let Ok(range) = book.worksheet_range(&name) else {
            continue;
        };
        for row in range.rows() {
            let mut cells: Vec<String> = row
                .iter()
                .map(|d| match d {
                    Data::Empty => String::new(),
                    Data::Float(f) => crate::text::number(*f),
                    other => other.to_string().trim().replace(['\t', '\n', '\r'], " "),
                })
                .collect();
            while cells.last().is_some_and(String::is_empty) {
                cells.pop();
            }
            lines.push(cells.join("\t"));
        }
        lines.push(String::new());
    }
    Ok(lines)
}

// ---------------------------------------------------------------- docx ---

fn docx_lines(bytes: &[u8]) -> Result<Vec<String>, SourceError> {
    let broken = || SourceError("Word 文档已损坏或不完整，无法打开；请重新保存后再试".into());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| broken())?;
    let mut declared: u64 = 0;
    let mut has_document = false;
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|_| broken())?;
        declared = declared.saturating_add(f.size());
        has_document |= f.name().is_ok_and(|n| {
            n.replace('\\', "/")
                .eq_ignore_ascii_case("word/document.xml")
        });
    }
    if declared > MAX_UNZIPPED_BYTES {
        return Err(SourceError(format!(
            "文档解压后超过 {} MB，不像是一份实施方案",
            MAX_UNZIPPED_BYTES / 1024 / 1024
        )));
    }
    if !has_document {
        return Err(SourceError(
            "这是压缩包，不是 Word 文档；请提供 .docx 或 .txt 格式的实施方案".into(),
        ));
    }
    // The part is read once more, capped, so a lying size header cannot make
    // docx-rs inflate more than the limit.
    if let Ok(f) = zip.by_name("word/document.xml") {
        let n = std::io::copy(&mut f.take(MAX_UNZIPPED_BYTES + 1), &mut std::io::sink())
            .map_err(|_| broken())?;
        if n > MAX_UNZIPPED_BYTES {
            return Err(broken());
        }
    }
    let docx = read_docx_quietly(bytes).ok_or_else(broken)?;
    let mut numbering = Numbering::new(&docx.numberings);
    let mut lines = Vec::new();
    for child in &docx.document.children {
        document_child(child, &mut numbering, &mut lines);
    }
    Ok(lines)
}

/// docx-rs unwraps in places on malformed XML; a user's file must never
/// crash the command, so a panic there is an unreadable document. The hook is
/// silenced for the call so no Rust panic text reaches the office.
fn read_docx_quietly(bytes: &[u8]) -> Option<docx_rs::Docx> {
    let options = docx_rs::ReadDocxOptions::default().with_image_previews(false);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| docx_rs::read_docx_with_options(bytes, options));
    std::panic::set_hook(previous);
    result.ok()?.ok()
}

fn document_child(child: &docx_rs::DocumentChild, num: &mut Numbering, out: &mut Vec<String>) {
    use docx_rs::DocumentChild as D;
    match child {
        D::Paragraph(p) => paragraph(p, num, out),
        D::Table(t) => table(t, num, out),
        D::StructuredDataTag(t) => sdt(t, num, out),
        _ => {}
    }
}

fn sdt(t: &docx_rs::StructuredDataTag, num: &mut Numbering, out: &mut Vec<String>) {
    use docx_rs::StructuredDataTagChild as S;
    for c in &t.children {
        match c {
            S::Paragraph(p) => paragraph(p, num, out),
            S::Table(t) => table(t, num, out),
            S::StructuredDataTag(t) => sdt(t, num, out),
            S::Run(r) => {
                let mut s = String::new();
                run_text(r, &mut s);
                out.extend(s.split('\n').map(str::to_string));
            }
            _ => {}
        }
    }
}

/// A table as one tab-separated line per row, so the table reader finds its
/// header and columns. A cell merged down (`vMerge`) takes the text of the
/// cell it continues; a cell spanning columns fills the first, the rest left
/// empty, so every row keeps the header's columns.
fn table(t: &docx_rs::Table, num: &mut Numbering, out: &mut Vec<String>) {
    use docx_rs::{TableCellContent, TableChild, TableRowChild};
    let mut above: Vec<String> = Vec::new();
    for TableChild::TableRow(row) in &t.rows {
        let mut cells: Vec<String> = Vec::new();
        for TableRowChild::TableCell(cell) in &row.cells {
            let prop = serde_json::to_value(&cell.property).unwrap_or_default();
            let span = prop["gridSpan"].as_u64().unwrap_or(1).clamp(1, 64) as usize;
            let col = cells.len();
            let mut text = String::new();
            if prop["verticalMerge"].as_str() == Some("continue") {
                text = above.get(col).cloned().unwrap_or_default();
            } else {
                let mut lines = Vec::new();
                for c in &cell.children {
                    match c {
                        TableCellContent::Paragraph(p) => paragraph(p, num, &mut lines),
                        TableCellContent::Table(t) => table(t, num, &mut lines),
                        TableCellContent::StructuredDataTag(t) => sdt(t, num, &mut lines),
                        TableCellContent::TableOfContents(_) => {}
                    }
                }
                for l in lines.iter().map(|l| l.replace('\t', " ")) {
                    let l = l.trim();
                    if l.is_empty() {
                        continue;
                    }
                    if !text.is_empty() && !text.ends_with(['。', '；', '，', '：']) {
                        text.push(' ');
                    }
                    text.push_str(l);
                }
            }
            cells.push(text);
            cells.extend(std::iter::repeat_n(String::new(), span - 1));
        }
        out.push(cells.join("\t"));
        above = cells;
    }
}

fn paragraph(p: &docx_rs::Paragraph, num: &mut Numbering, out: &mut Vec<String>) {
    let mut text = String::new();
    if let Some(np) = &p.property.numbering_property
        && let (Some(id), Some(level)) = (&np.id, &np.level)
    {
        text.push_str(&num.label(id.id, level.val));
    }
    for c in &p.children {
        paragraph_child(c, &mut text);
    }
    // A soft line break (Shift+Enter) inside a paragraph is a line like any other.
    out.extend(text.split('\n').map(str::to_string));
}

fn paragraph_child(c: &docx_rs::ParagraphChild, s: &mut String) {
    use docx_rs::{InsertChild, ParagraphChild as P};
    match c {
        P::Run(r) => run_text(r, s),
        P::Insert(i) => {
            for c in &i.children {
                if let InsertChild::Run(r) = c {
                    run_text(r, s);
                }
            }
        }
        P::Hyperlink(h) => {
            for c in &h.children {
                paragraph_child(c, s);
            }
        }
        P::StructuredDataTag(t) => {
            for c in &t.children {
                if let docx_rs::StructuredDataTagChild::Run(r) = c {
                    run_text(r, s);
                }
            }
        }
        // Deleted and moved-away text is not part of the plan as it reads now.
        _ => {}
    }
}

fn run_text(r: &docx_rs::Run, s: &mut String) {
    use docx_rs::RunChild as R;
    for c in &r.children {
        match c {
            R::Text(t) => s.push_str(&t.text),
            R::Tab(_) | R::PTab(_) => s.push(' '),
            R::Break(_) | R::CarriageReturn(_) => s.push('\n'),
            _ => {}
        }
    }
}

/// Word's automatic list numbers are not in the text; a plan numbered by
/// Word (一、 （一） 1. （1）) would lose its structure without them, so they
/// are rebuilt from `numbering.xml`.
struct Numbering {
    /// numId → levels (start, format, level text), by level index.
    lists: std::collections::HashMap<usize, Vec<(usize, String, String)>>,
    counters: std::collections::HashMap<usize, [usize; 9]>,
}

impl Numbering {
    fn new(n: &docx_rs::Numberings) -> Numbering {
        let mut lists = std::collections::HashMap::new();
        for num in &n.numberings {
            let Some(abs) = n.abstract_nums.iter().find(|a| a.id == num.abstract_num_id) else {
                continue;
            };
            let mut levels = vec![(1, "decimal".to_string(), String::new()); 9];
            for l in &abs.levels {
                if l.level < 9 {
                    // `Start` and `LevelText` keep their values private;
                    // their serde forms are the plain value.
                    let start = serde_json::to_value(&l.start)
                        .ok()
                        .and_then(|v| v.as_u64())
                        .unwrap_or(1) as usize;
                    let text = serde_json::to_value(&l.text)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    levels[l.level] = (start, l.format.val.clone(), text);
                }
            }
            lists.insert(num.id, levels);
        }
        Numbering {
            lists,
            counters: Default::default(),
        }
    }

    fn label(&mut self, num_id: usize, level: usize) -> String {
        let Some(levels) = self.lists.get(&num_id) else {
            return String::new();
        };
        if level >= 9 {
            return String::new();
        }
        let counters = self.counters.entry(num_id).or_insert([0; 9]);
        counters[level] += 1;
        for c in counters.iter_mut().skip(level + 1) {
            *c = 0;
        }
        let (_, format, text) = &levels[level];
        if format == "bullet" || format == "none" {
            return String::new();
        }
        let mut label = text.clone();
        for (k, (start, fmt, _)) in levels.iter().enumerate().take(level + 1) {
            let n = start + counters[k].max(1) - 1;
            label = label.replace(&format!("%{}", k + 1), &format_number(n, fmt));
        }
        label
    }
}

fn format_number(n: usize, format: &str) -> String {
    match format {
        "chineseCounting"
        | "chineseCountingThousand"
        | "ideographTraditional"
        | "japaneseCounting"
        | "taiwaneseCounting"
        | "ideographLegalTraditional" => super::structure::chinese_numeral(n),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n as u32 - 1)
                .map(String::from)
                .unwrap_or_else(|| n.to_string())
        }
        "decimalEnclosedParen" => format!("({n})"),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_in_utf8_with_bom_and_utf16_reads_the_same() {
        let want = vec!["一、工作任务".to_string(), "（一）省级".to_string()];
        let utf8 = "\u{FEFF}一、工作任务\r\n（一）省级";
        assert_eq!(lines_of(utf8.as_bytes(), "txt").unwrap(), want);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "一、工作任务\r\n（一）省级".encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        assert_eq!(lines_of(&utf16, "txt").unwrap(), want);
    }

    #[test]
    fn gbk_old_word_and_broken_docx_are_refused_in_chinese() {
        // "平江" in GBK.
        let e = lines_of(&[0xC6, 0xBD, 0xBD, 0xAD], "txt").unwrap_err();
        assert!(e.0.contains("UTF-8"), "{e:?}");
        let e = lines_of(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], "doc").unwrap_err();
        assert!(e.0.contains(".docx"), "{e:?}");
        let e = lines_of(b"PK\x03\x04garbage", "docx").unwrap_err();
        assert!(e.0.contains("损坏"), "{e:?}");
        let e = lines_of(b"plain", "docx").unwrap_err();
        assert!(e.0.contains("不是 Word"), "{e:?}");
    }

    #[test]
    fn word_list_numbers_are_put_back_into_the_text() {
        use docx_rs::*;
        let doc = Docx::new()
            .add_abstract_numbering(
                AbstractNumbering::new(2)
                    .add_level(Level::new(
                        0,
                        Start::new(1),
                        NumberFormat::new("chineseCounting"),
                        LevelText::new("（%1）"),
                        LevelJc::new("left"),
                    ))
                    .add_level(Level::new(
                        1,
                        Start::new(1),
                        NumberFormat::new("decimal"),
                        LevelText::new("%2."),
                        LevelJc::new("left"),
                    )),
            )
            .add_numbering(docx_rs::Numbering::new(2, 2))
            .add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text("办好省级实事"))
                    .numbering(NumberingId::new(2), IndentLevel::new(0)),
            )
            .add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text("建成学校 2 所。"))
                    .numbering(NumberingId::new(2), IndentLevel::new(1)),
            )
            .add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text("新增托位 30 个。"))
                    .numbering(NumberingId::new(2), IndentLevel::new(1)),
            )
            .add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text("办好市级实事"))
                    .numbering(NumberingId::new(2), IndentLevel::new(0)),
            );
        let mut buf = Cursor::new(Vec::new());
        doc.build().pack(&mut buf).unwrap();
        let lines = lines_of(buf.get_ref(), "docx").unwrap();
        let lines: Vec<_> = lines.into_iter().filter(|l| !l.is_empty()).collect();
        assert_eq!(
            lines,
            [
                "（一）办好省级实事",
                "1.建成学校 2 所。",
                "2.新增托位 30 个。",
                "（二）办好市级实事"
            ]
        );
    }
}
