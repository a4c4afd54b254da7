//! Bytes of a returned file → sheets of cells. Decides the format by
//! content, not by name, and guards calamine against what it cannot survive:
//! zip bombs, crafted sheet extents that make it allocate a dense grid of
//! billions of cells, encrypted workbooks, and WPS zips with backslash paths
//! (tafia/calamine#530). Every guard runs before calamine parses a sheet:
//! [`package`] for zip packages, [`biff`] for old-format Excel.

use crate::config::Limits;
use crate::model::FindingCode;
use calamine::{Data, Range, Reader, SheetVisible};
use std::io::Cursor;

/// How a file's bytes identify themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Xlsx,
    Xlsb,
    Ods,
    /// An OLE2 compound file: .xls, or a WPS .et saved in the old format.
    Xls,
}

/// A sheet as read: its name, whether a person sees it, its cells, and the
/// formula text of each cell that has one.
#[derive(Debug, Clone)]
pub(crate) struct Sheet {
    pub(crate) name: String,
    pub(crate) visible: bool,
    pub(crate) cells: Range<Data>,
    pub(crate) formulas: Range<String>,
}

impl Sheet {
    /// A sheet from rows of values, for tests of the logic after reading.
    #[cfg(test)]
    pub(crate) fn from_rows(name: &str, rows: &[&[Data]]) -> Sheet {
        let width = rows.iter().map(|r| r.len()).max().unwrap_or(0) as u32;
        let mut cells = Range::new((0, 0), (rows.len().max(1) as u32 - 1, width.max(1) - 1));
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                cells.set_value((r as u32, c as u32), v.clone());
            }
        }
        Sheet {
            name: name.to_string(),
            visible: true,
            cells,
            formulas: Range::empty(),
        }
    }

    pub(crate) fn value(&self, row: u32, col: u32) -> &Data {
        self.cells.get_value((row, col)).unwrap_or(&Data::Empty)
    }

    pub(crate) fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.formulas
            .get_value((row, col))
            .map(String::as_str)
            .filter(|f| !f.is_empty())
    }

    /// Last row index holding anything, if any.
    pub(crate) fn last_row(&self) -> Option<u32> {
        self.cells.end().map(|(r, _)| r)
    }
}

/// A workbook opened for reading. Sheets are parsed only when asked for:
/// the form is usually the first sheet, and the guide sheet beside it need
/// not be read at all.
pub struct Book {
    pub(crate) format: Format,
    /// Sheet names and whether a person sees them, in workbook order.
    pub(crate) names: Vec<(String, bool)>,
    source: Source,
}

impl std::fmt::Debug for Book {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Book")
            .field("format", &self.format)
            .field("names", &self.names)
            .finish()
    }
}

enum Source {
    File(Box<calamine::Sheets<Cursor<Vec<u8>>>>),
    /// Sheets built in memory, for tests of the logic after reading.
    #[cfg(test)]
    Memory(Vec<Sheet>),
}

impl Book {
    #[cfg(test)]
    pub(crate) fn from_sheets(format: Format, sheets: Vec<Sheet>) -> Book {
        let names = sheets.iter().map(|s| (s.name.clone(), s.visible)).collect();
        Book {
            format,
            names,
            source: Source::Memory(sheets),
        }
    }

    /// The cells of sheet `name`; `None` for a sheet without cells (a chart
    /// sheet) or one that cannot be read, so the form is looked for elsewhere.
    pub(crate) fn sheet(&mut self, name: &str) -> Option<Sheet> {
        let visible = self
            .names
            .iter()
            .find(|(n, _)| n == name)
            .is_some_and(|(_, v)| *v);
        match &mut self.source {
            #[cfg(test)]
            Source::Memory(sheets) => sheets.iter().find(|s| s.name == name).cloned(),
            Source::File(wb) => match wb.worksheet_range(name) {
                Ok(cells) => Some(Sheet {
                    name: name.to_string(),
                    visible,
                    cells,
                    formulas: Range::empty(),
                }),
                Err(e) => {
                    tracing::debug!(sheet = %name, error = %e, "sheet skipped");
                    None
                }
            },
        }
    }

    /// The formula text of the cells of sheet `name` (empty if none).
    pub(crate) fn formulas(&mut self, name: &str) -> Range<String> {
        match &mut self.source {
            #[cfg(test)]
            Source::Memory(sheets) => sheets
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.formulas.clone())
                .unwrap_or_else(Range::empty),
            Source::File(wb) => wb
                .worksheet_formula(name)
                .unwrap_or_else(|_| Range::empty()),
        }
    }
}

/// Why a file could not be read as a workbook; each maps to a finding code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum ReadError {
    #[error("文件为空（0 字节），可能在保存或发送时出错；请重新保存表格后再报送")]
    Empty,
    #[error("文件已加密（设置了打开密码），无法读取；请取消密码后重新报送")]
    Encrypted,
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Unreadable(String),
    /// The reader process died (abort, panic, signal) on this file.
    #[error(
        "读取该文件时程序异常终止，文件可能已损坏或格式特殊；请用 Excel 或 WPS 打开后另存为 .xlsx，再重新报送"
    )]
    Crashed,
    /// The reader process used up `[limits] max_reader_mb`.
    #[error(
        "读取该文件需要的内存超过 {0} MB 的上限，不像是一张填报表；请用 Excel 或 WPS 打开后另存为 .xlsx，再重新报送"
    )]
    OutOfMemory(u64),
    /// The reader process did not finish within `[limits] max_reader_secs`.
    #[error(
        "读取该文件超过 {0} 秒仍未完成，已停止读取；请用 Excel 或 WPS 打开后另存为 .xlsx，再重新报送"
    )]
    TimedOut(u64),
}

impl ReadError {
    pub fn code(&self) -> FindingCode {
        match self {
            ReadError::Empty
            | ReadError::Unreadable(_)
            | ReadError::Crashed
            | ReadError::TimedOut(_) => FindingCode::Unreadable,
            ReadError::Encrypted => FindingCode::Encrypted,
            ReadError::TooLarge(_) | ReadError::OutOfMemory(_) => FindingCode::TooLarge,
            ReadError::Unsupported(_) => FindingCode::UnsupportedFormat,
        }
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
/// A dense grid larger than this is refused whatever the cell count: calamine
/// allocates every cell of the rectangle that spans the used cells.
const MAX_EXTENT: u64 = 2_000_000;

const MB: u64 = 1024 * 1024;

/// Read every sheet of a workbook held in memory. `ext` is the file's
/// extension, used only to word a message (a WPS `.et` that is not an old
/// Excel file).
pub fn read(bytes: &[u8], ext: &str, limits: &Limits) -> Result<Book, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() as u64 > limits.max_file_mb * MB {
        return Err(too_large_file(bytes.len() as u64, limits));
    }
    if bytes.starts_with(ZIP_MAGIC) {
        package::read(bytes, limits)
    } else if bytes.starts_with(OLE_MAGIC) {
        biff::read(bytes, ext, limits)
    } else {
        Err(not_a_workbook(bytes, ext))
    }
}

pub(crate) fn too_large_file(size: u64, limits: &Limits) -> ReadError {
    ReadError::TooLarge(format!(
        "文件大小 {:.1} MB，超过上限 {} MB；请删除表格中插入的图片等多余内容，另存为 .xlsx 后重新报送",
        size as f64 / MB as f64,
        limits.max_file_mb
    ))
}

fn not_a_workbook(bytes: &[u8], ext: &str) -> ReadError {
    let head = &bytes[..bytes.len().min(512)];
    let looks_text = std::str::from_utf8(head).is_ok() || head.iter().all(|b| *b >= 0x09);
    if ext.eq_ignore_ascii_case("csv") || (looks_text && head.contains(&b',')) {
        ReadError::Unsupported(
            "这是文本（CSV）文件，不是 Excel 表格；请直接在下发的填报表中填写后报送".into(),
        )
    } else if head.starts_with(b"%PDF") {
        ReadError::Unsupported("这是 PDF 文件，不是 Excel 表格；请报送下发的 Excel 填报表".into())
    } else if head.starts_with(b"<") || looks_text {
        ReadError::Unsupported(
            "这不是 Excel 表格文件（内容是文本或网页）；请报送下发的 Excel 填报表".into(),
        )
    } else {
        ReadError::Unreadable("文件不是 Excel 表格，或已损坏，无法打开；请在 Excel 或 WPS 中打开下发的填报表，填好后另存为 .xlsx 再报送".into())
    }
}

pub(super) fn corrupt() -> ReadError {
    ReadError::Unreadable("文件已损坏或不完整，无法打开；请重新保存后报送".into())
}

mod biff;
mod package;

/// Cells counted so far in a pre-scan and the rectangle they span, checked
/// against the limits as they grow.
#[derive(Default)]
pub(super) struct Tally {
    count: u64,
    max_row: u64,
    max_col: u64,
}

impl Tally {
    /// Add `n` cells reaching (one-based) `row` and `col`.
    pub(super) fn add(
        &mut self,
        n: u64,
        row: u64,
        col: u64,
        limits: &Limits,
    ) -> Result<(), ReadError> {
        self.count = self.count.saturating_add(n);
        self.max_row = self.max_row.max(row);
        self.max_col = self.max_col.max(col);
        if self.count > limits.max_cells {
            return Err(too_many_cells(self.count, limits));
        }
        if self.max_row.saturating_mul(self.max_col) > MAX_EXTENT {
            return Err(extent_too_large(self.max_row, self.max_col));
        }
        Ok(())
    }
}

pub(super) fn too_many_cells(count: u64, limits: &Limits) -> ReadError {
    ReadError::TooLarge(format!(
        "表格含有超过 {} 个单元格（至少 {count} 个），不像是一张填报表；请删除多余的工作表和内容，或在下发的填报表中填写后重新报送",
        limits.max_cells
    ))
}

/// A sheet's declared extent, which calamine reserves memory for before it
/// reads a cell: more than `max_cells` is a lie (or no form) either way.
pub(super) fn check_declared(rows: u64, cols: u64, limits: &Limits) -> Result<(), ReadError> {
    if rows.saturating_mul(cols) > limits.max_cells {
        return Err(ReadError::TooLarge(format!(
            "表格声明的范围有 {} 行 × {} 列，超过 {} 个单元格的上限，不像是一张填报表；请另存为 .xlsx 后重新报送",
            rows.min(u32::MAX as u64),
            cols.min(u32::MAX as u64),
            limits.max_cells
        )));
    }
    Ok(())
}

fn extent_too_large(rows: u64, cols: u64) -> ReadError {
    ReadError::TooLarge(format!(
        "表格内容分布到第 {rows} 行、第 {cols} 列，范围过大，不像是一张填报表；请删除表格远处的多余内容后重新报送"
    ))
}

// ------------------------------------------------------------ calamine ---

pub(super) fn calamine_error(msg: &str) -> ReadError {
    let lower = msg.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        ReadError::Encrypted
    } else {
        tracing::debug!(error = msg, "calamine could not open the workbook");
        corrupt()
    }
}

pub(super) fn open_book(
    sheets: calamine::Sheets<Cursor<Vec<u8>>>,
    format: Format,
) -> Result<Book, ReadError> {
    let names: Vec<_> = sheets
        .sheets_metadata()
        .iter()
        .map(|s| (s.name.clone(), s.visible == SheetVisible::Visible))
        .collect();
    if names.is_empty() {
        return Err(corrupt());
    }
    Ok(Book {
        format,
        names,
        source: Source::File(Box::new(sheets)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(book: &mut Book) -> Sheet {
        let name = book.names[0].0.clone();
        book.sheet(&name).unwrap()
    }

    fn limits() -> Limits {
        Limits::default()
    }

    fn xlsx(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, c, v) in cells {
            ws.write_string(*r, *c, *v).unwrap();
        }
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn reads_an_xlsx_by_content_whatever_its_name() {
        let mut book = read(
            &xlsx(&[(0, 0, "指标编号"), (1, 0, "P01-1")]),
            "pdf",
            &limits(),
        )
        .unwrap();
        assert_eq!(book.format, Format::Xlsx);
        assert_eq!(first(&mut book).value(1, 0), &Data::String("P01-1".into()));
    }

    #[test]
    fn empty_text_and_garbage_are_told_apart() {
        assert_eq!(read(b"", "xlsx", &limits()).unwrap_err(), ReadError::Empty);
        assert_eq!(
            read(b"a,b,c\n1,2,3\n", "xlsx", &limits())
                .unwrap_err()
                .code()
                .as_str(),
            "unsupported_format"
        );
        assert_eq!(
            read(&[0x00, 0xff, 0x13, 0x37, 0x80], "xlsx", &limits())
                .unwrap_err()
                .code()
                .as_str(),
            "unreadable"
        );
        let mut truncated = xlsx(&[(0, 0, "x")]);
        truncated.truncate(truncated.len() / 2);
        assert_eq!(
            read(&truncated, "xlsx", &limits())
                .unwrap_err()
                .code()
                .as_str(),
            "unreadable"
        );
    }

    #[test]
    fn too_many_cells_is_refused_before_parsing() {
        let tight = Limits {
            max_cells: 10,
            ..Limits::default()
        };
        let cells: Vec<(u32, u16, &str)> = (0..20).map(|r| (r, 0, "x")).collect();
        assert_eq!(
            read(&xlsx(&cells), "xlsx", &tight)
                .unwrap_err()
                .code()
                .as_str(),
            "too_large"
        );
    }

    #[test]
    fn a_far_corner_cell_is_refused_before_calamine_allocates_it() {
        let bytes = xlsx(&[(0, 0, "a"), (1_048_575, 16_383, "b")]);
        let e = read(&bytes, "xlsx", &limits()).unwrap_err();
        assert_eq!(e.code().as_str(), "too_large", "{e}");
    }

    #[test]
    fn backslash_paths_from_wps_are_read() {
        let good = xlsx(&[(0, 0, "指标编号")]);
        let mut zip = zip::ZipArchive::new(Cursor::new(&good[..])).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let f = zip.by_index_raw(i).unwrap();
            let name = f.name().unwrap().replace('/', "\\");
            out.raw_copy_file_rename(f, name).unwrap();
        }
        let bad = out.finish().unwrap().into_inner();
        let mut book = read(&bad, "xlsx", &limits()).unwrap();
        assert_eq!(
            first(&mut book).value(0, 0),
            &Data::String("指标编号".into())
        );
    }

    /// tafia/calamine#577: some writers put a `<dimension>` that covers less
    /// than the cells; every cell must still be read.
    #[test]
    fn a_wrong_dimension_element_does_not_hide_cells() {
        use std::io::{Read as _, Write as _};
        let good = xlsx(&[(0, 0, "指标编号"), (9, 3, "P01-1")]);
        let mut zip = zip::ZipArchive::new(Cursor::new(&good[..])).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                let text = String::from_utf8(data).unwrap();
                let start = text.find("<dimension ref=\"").unwrap() + "<dimension ref=\"".len();
                let end = start + text[start..].find('"').unwrap();
                data = format!("{}A1{}", &text[..start], &text[end..]).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&data).unwrap();
        }
        let bad = out.finish().unwrap().into_inner();
        let mut sheet = String::new();
        zip::ZipArchive::new(Cursor::new(&bad[..]))
            .unwrap()
            .by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut sheet)
            .unwrap();
        assert!(
            sheet.contains("<dimension ref=\"A1\""),
            "the fixture really lies"
        );
        let mut book = read(&bad, "xlsx", &limits()).unwrap();
        assert_eq!(first(&mut book).value(9, 3), &Data::String("P01-1".into()));
    }

    /// An ods asks for a hundred million cells in a few hundred bytes with
    /// `number-rows-repeated` and `number-columns-repeated`.
    #[test]
    fn an_ods_repeat_bomb_is_refused_before_calamine_expands_it() {
        use std::io::Write as _;
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        z.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(
            br#"<office:document-content><office:body><office:spreadsheet><table:table table:name="S">
<table:table-row table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row>
</table:table></office:spreadsheet></office:body></office:document-content>"#,
        )
        .unwrap();
        let bytes = z.finish().unwrap().into_inner();
        assert!(bytes.len() < 2000);
        let e = read(&bytes, "ods", &limits()).unwrap_err();
        assert_eq!(e.code().as_str(), "too_large", "{e}");
    }
}
