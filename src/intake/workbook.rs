//! Bytes of a returned file → sheets of cells. Decides the format by
//! content, not by name, and guards calamine against what it cannot survive:
//! zip bombs, crafted sheet extents that make it allocate a dense grid of
//! billions of cells, encrypted workbooks, and WPS zips with backslash paths
//! (tafia/calamine#530). Every guard runs before calamine parses a sheet.

use crate::config::Limits;
use calamine::{Data, Range, Reader, SheetVisible};
use std::io::{Cursor, Read};

/// How a file's bytes identify themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xlsb,
    Ods,
    /// An OLE2 compound file: .xls, or a WPS .et saved in the old format.
    Xls,
}

/// A sheet as read: its name, whether a person sees it, its cells, and the
/// formula text of each cell that has one.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub visible: bool,
    pub cells: Range<Data>,
    pub formulas: Range<String>,
}

impl Sheet {
    /// A sheet from rows of values, for tests of the logic after reading.
    pub fn from_rows(name: &str, rows: &[&[Data]]) -> Sheet {
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

    pub fn value(&self, row: u32, col: u32) -> &Data {
        self.cells.get_value((row, col)).unwrap_or(&Data::Empty)
    }

    pub fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.formulas
            .get_value((row, col))
            .map(String::as_str)
            .filter(|f| !f.is_empty())
    }

    /// Last row index holding anything, if any.
    pub fn last_row(&self) -> Option<u32> {
        self.cells.end().map(|(r, _)| r)
    }
}

/// A workbook opened for reading. Sheets are parsed only when asked for:
/// the form is usually the first sheet, and the guide sheet beside it need
/// not be read at all.
pub struct Book {
    pub format: Format,
    /// Sheet names and whether a person sees them, in workbook order.
    pub names: Vec<(String, bool)>,
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
    Memory(Vec<Sheet>),
}

impl Book {
    pub fn from_sheets(format: Format, sheets: Vec<Sheet>) -> Book {
        let names = sheets.iter().map(|s| (s.name.clone(), s.visible)).collect();
        Book {
            format,
            names,
            source: Source::Memory(sheets),
        }
    }

    /// The cells of sheet `name`; `None` for a sheet without cells (a chart
    /// sheet) or one that cannot be read, so the form is looked for elsewhere.
    pub fn sheet(&mut self, name: &str) -> Option<Sheet> {
        let visible = self
            .names
            .iter()
            .find(|(n, _)| n == name)
            .is_some_and(|(_, v)| *v);
        match &mut self.source {
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
    pub fn formulas(&mut self, name: &str) -> Range<String> {
        match &mut self.source {
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
    #[error("文件为空")]
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
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::Empty
            | ReadError::Unreadable(_)
            | ReadError::Crashed
            | ReadError::TimedOut(_) => "unreadable",
            ReadError::Encrypted => "encrypted",
            ReadError::TooLarge(_) | ReadError::OutOfMemory(_) => "too_large",
            ReadError::Unsupported(_) => "unsupported_format",
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
        read_zip(bytes, limits)
    } else if bytes.starts_with(OLE_MAGIC) {
        read_ole(bytes, ext, limits)
    } else {
        Err(not_a_workbook(bytes, ext))
    }
}

pub fn too_large_file(size: u64, limits: &Limits) -> ReadError {
    ReadError::TooLarge(format!(
        "文件大小 {:.1} MB，超过上限 {} MB",
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
        ReadError::Unreadable("文件不是 Excel 表格，或已损坏，无法打开".into())
    }
}

fn corrupt() -> ReadError {
    ReadError::Unreadable("文件已损坏或不完整，无法打开；请重新保存后报送".into())
}

// ---------------------------------------------------------------- zip ---

fn read_zip(bytes: &[u8], limits: &Limits) -> Result<Book, ReadError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| corrupt())?;
    let names: Vec<String> = (0..zip.len())
        .map(|i| {
            zip.by_index_raw(i)
                .map(|f| f.name().map(|n| n.into_owned()).unwrap_or_default())
        })
        .collect::<Result<_, _>>()
        .map_err(|_| corrupt())?;
    // Declared sizes first: refuses an honest bomb without inflating a byte.
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        declared = declared.saturating_add(zip.by_index_raw(i).map_err(|_| corrupt())?.size());
    }
    if declared > limits.max_uncompressed_mb * MB {
        return Err(too_large_unzipped(declared, limits));
    }
    let lookup = |n: &str| {
        names
            .iter()
            .find(|x| x.replace('\\', "/").eq_ignore_ascii_case(n))
            .cloned()
    };
    let format = match office_document(&mut zip, &lookup) {
        Some(part) => match content_type(&mut zip, &lookup, &part).as_deref() {
            Some(t) if t.contains("wordprocessingml") => return Err(word_document()),
            Some(t) if t.contains("presentationml") => {
                return Err(ReadError::Unsupported(
                    "这是 PowerPoint 演示文稿，不是 Excel 表格；请报送下发的 Excel 填报表".into(),
                ));
            }
            Some(t) if t.contains(".binary.") => Format::Xlsb,
            Some(t) if t.contains("spreadsheetml") || t.contains("ms-excel") => Format::Xlsx,
            Some(_) => return Err(other_office_document()),
            None if part.to_ascii_lowercase().ends_with(".bin") => Format::Xlsb,
            None => Format::Xlsx,
        },
        None if lookup("xl/workbook.xml").is_some() => Format::Xlsx,
        None if lookup("xl/workbook.bin").is_some() => Format::Xlsb,
        None if lookup("content.xml").is_some() && is_ods_mimetype(&mut zip) => Format::Ods,
        None if lookup("word/document.xml").is_some() => return Err(word_document()),
        None if lookup("[Content_Types].xml").is_some() => return Err(other_office_document()),
        None => {
            return Err(ReadError::Unsupported(
                "这是压缩包，不是 Excel 表格；请报送下发的 Excel 填报表".into(),
            ));
        }
    };
    if format == Format::Ods && ods_encrypted(&mut zip, &lookup) {
        return Err(ReadError::Encrypted);
    }
    // Some WPS versions write `xl\worksheets\sheet1.xml`, and calamine looks
    // for forward slashes only; calamine also refuses a workbook that lists a
    // macro sheet (.xlsm). Such a file is re-packed: slashes put right, macro
    // sheets listed as dialog sheets, which calamine skips as it skips charts.
    let sheet_rels = if format == Format::Xlsx {
        workbook_rels(&mut zip, &lookup)
    } else {
        None
    };
    let macro_rels = sheet_rels
        .as_ref()
        .filter(|r| r.has_macro_sheets)
        .map(|r| r.part.clone());
    let fixed;
    let bytes = if names.iter().any(|n| n.contains('\\')) || macro_rels.is_some() {
        fixed = repack(&mut zip, macro_rels.as_deref()).map_err(|_| corrupt())?;
        &fixed[..]
    } else {
        bytes
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| corrupt())?;
    let sheets = sheet_rels.map(|r| r.sheets).unwrap_or_default();
    guard_zip_parts(&mut zip, format, &sheets, limits)?;
    let cursor = Cursor::new(bytes.to_vec());
    let sheets = match format {
        Format::Xlsx => calamine::Xlsx::new(cursor)
            .map(calamine::Sheets::Xlsx)
            .map_err(|e| calamine_error(&e.to_string()))?,
        Format::Xlsb => calamine::Xlsb::new(cursor)
            .map(calamine::Sheets::Xlsb)
            .map_err(|e| calamine_error(&e.to_string()))?,
        Format::Ods => calamine::Ods::new(cursor)
            .map(calamine::Sheets::Ods)
            .map_err(|e| calamine_error(&e.to_string()))?,
        Format::Xls => unreachable!("xls is not a zip"),
    };
    open_book(sheets, format)
}

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

fn word_document() -> ReadError {
    ReadError::Unsupported("这是 Word 文档，不是 Excel 表格；请报送下发的 Excel 填报表".into())
}

fn other_office_document() -> ReadError {
    ReadError::Unsupported("这是 Office 文档，但不是 Excel 表格；请报送下发的 Excel 填报表".into())
}

/// The content type `[Content_Types].xml` gives `part`: its own Override,
/// else the Default for its extension.
fn content_type(
    zip: &mut Zip,
    lookup: &dyn Fn(&str) -> Option<String>,
    part: &str,
) -> Option<String> {
    use quick_xml::events::Event;
    let xml = part_text(zip, &lookup("[Content_Types].xml")?)?;
    let part = part.replace('\\', "/");
    let name = format!("/{}", part.trim_start_matches('/'));
    // Every .xml part defaults to plain XML: only an Override tells a workbook.
    let ext = part
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| !e.eq_ignore_ascii_case("xml"));
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut default = None;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "Override"
                    if attr(&e, "PartName").is_some_and(|p| p.eq_ignore_ascii_case(&name)) =>
                {
                    return attr(&e, "ContentType");
                }
                "Default"
                    if ext.is_some_and(|ext| {
                        attr(&e, "Extension").is_some_and(|x| x.eq_ignore_ascii_case(ext))
                    }) =>
                {
                    default = attr(&e, "ContentType");
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => return default,
            Ok(_) => {}
        }
    }
}

/// A part's text, inflated with a cap (rels and manifests are small).
fn part_text(zip: &mut Zip, name: &str) -> Option<String> {
    let f = zip.by_name(name).ok()?;
    let mut s = String::new();
    f.take(4 * MB).read_to_string(&mut s).ok()?;
    Some(s)
}

/// The `Relationship` elements of a rels part: (type, target).
fn relationships(xml: &str) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e))
                if e.local_name().into_inner() == "Relationship" =>
            {
                if let (Some(t), Some(target)) = (attr(&e, "Type"), attr(&e, "Target")) {
                    out.push((t, target));
                }
            }
            Ok(Event::Eof) | Err(_) => return out,
            Ok(_) => {}
        }
    }
}

/// `target` of a relationship in the part `from`, as a name in the zip.
fn resolve(from: &str, target: &str) -> String {
    let from = from.replace('\\', "/");
    let target = target.replace('\\', "/");
    let mut parts: Vec<&str> = match target.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => from.rsplit_once('/').map_or(Vec::new(), |(dir, _)| {
            dir.split('/').filter(|s| !s.is_empty()).collect()
        }),
    };
    for seg in target.trim_start_matches('/').split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// The workbook part the package's `_rels/.rels` names, if it names one
/// that is there: any part name, not only `xl/workbook.xml`.
fn office_document(zip: &mut Zip, lookup: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let rels = part_text(zip, &lookup("_rels/.rels")?)?;
    relationships(&rels)
        .into_iter()
        .find(|(t, _)| t.ends_with("/officeDocument"))
        // The package's own relationships are relative to its root.
        .and_then(|(_, target)| lookup(&resolve("", &target)))
}

/// What the workbook's relationships say about its sheets.
struct SheetRels {
    /// The rels part itself, as named in the zip.
    part: String,
    /// Sheet parts (worksheets, macro and dialog sheets), lowercased.
    sheets: Vec<String>,
    has_macro_sheets: bool,
}

const MACRO_SHEET_TYPES: [&str; 2] = ["/xlMacrosheet", "/xlIntlMacrosheet"];
const DIALOG_SHEET_TYPE: &str =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/dialogsheet";

fn workbook_rels(zip: &mut Zip, lookup: &dyn Fn(&str) -> Option<String>) -> Option<SheetRels> {
    let workbook = office_document(zip, lookup).or_else(|| lookup("xl/workbook.xml"))?;
    let (dir, file) = workbook
        .replace('\\', "/")
        .rsplit_once('/')
        .map_or((String::new(), workbook.clone()), |(d, f)| {
            (format!("{d}/"), f.to_string())
        });
    let part = lookup(&format!("{dir}_rels/{file}.rels"))?;
    let rels = relationships(&part_text(zip, &part)?);
    let is_sheet = |t: &str| {
        t.ends_with("/worksheet")
            || t.ends_with("/dialogsheet")
            || MACRO_SHEET_TYPES.iter().any(|m| t.ends_with(m))
    };
    Some(SheetRels {
        sheets: rels
            .iter()
            .filter(|(t, _)| is_sheet(t))
            .map(|(_, target)| resolve(&workbook, target).to_lowercase())
            .collect(),
        has_macro_sheets: rels
            .iter()
            .any(|(t, _)| MACRO_SHEET_TYPES.iter().any(|m| t.ends_with(m))),
        part,
    })
}

/// An encrypted ODS keeps its manifest readable and says so in it.
fn ods_encrypted(zip: &mut Zip, lookup: &dyn Fn(&str) -> Option<String>) -> bool {
    lookup("META-INF/manifest.xml")
        .and_then(|m| part_text(zip, &m))
        .is_some_and(|m| m.contains("encryption-data"))
}

fn too_large_unzipped(size: u64, limits: &Limits) -> ReadError {
    ReadError::TooLarge(format!(
        "文件解压后超过 {} MB（约 {} MB），不像是一张填报表",
        limits.max_uncompressed_mb,
        size / MB
    ))
}

/// Cells counted so far in a pre-scan and the rectangle they span, checked
/// against the limits as they grow.
#[derive(Default)]
struct Tally {
    count: u64,
    max_row: u64,
    max_col: u64,
}

impl Tally {
    /// Add `n` cells reaching (one-based) `row` and `col`.
    fn add(&mut self, n: u64, row: u64, col: u64, limits: &Limits) -> Result<(), ReadError> {
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

fn too_many_cells(count: u64, limits: &Limits) -> ReadError {
    ReadError::TooLarge(format!(
        "表格含有超过 {} 个单元格（至少 {count} 个），不像是一张填报表",
        limits.max_cells
    ))
}

fn is_ods_mimetype(zip: &mut Zip) -> bool {
    let Ok(f) = zip.by_name("mimetype") else {
        return false;
    };
    let mut s = String::new();
    f.take(200).read_to_string(&mut s).is_ok()
        && s.trim() == "application/vnd.oasis.opendocument.spreadsheet"
}

/// The same package with forward slashes in every name and, in the rels part
/// `macro_rels`, macro sheets listed as dialog sheets.
fn repack(zip: &mut Zip, macro_rels: Option<&str>) -> zip::result::ZipResult<Vec<u8>> {
    use std::io::Write as _;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let raw_name = zip.by_index_raw(i)?.name()?.into_owned();
        let name = raw_name.replace('\\', "/");
        if Some(raw_name.as_str()) == macro_rels {
            let mut text = String::new();
            zip.by_index(i)?
                .take(4 * MB)
                .read_to_string(&mut text)
                .map_err(zip::result::ZipError::Io)?;
            for (t, _) in relationships(&text) {
                if MACRO_SHEET_TYPES.iter().any(|m| t.ends_with(m)) {
                    text = text.replace(&format!("\"{t}\""), &format!("\"{DIALOG_SHEET_TYPE}\""));
                }
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())?;
            out.write_all(text.as_bytes())
                .map_err(zip::result::ZipError::Io)?;
        } else {
            let f = zip.by_index_raw(i)?;
            out.raw_copy_file_rename(f, name)?;
        }
    }
    Ok(out.finish()?.into_inner())
}

/// Inflate each sheet part with a hard cap on bytes and count its cells and
/// their extent, so neither a lying size header nor a crafted sheet reaches
/// calamine.
fn guard_zip_parts(
    zip: &mut Zip,
    format: Format,
    sheets: &[String],
    limits: &Limits,
) -> Result<(), ReadError> {
    let cap = limits.max_uncompressed_mb * MB;
    let mut inflated: u64 = 0;
    let mut cells: u64 = 0;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).map_err(|_| corrupt())?;
        let name = f.name().map(|n| n.into_owned()).unwrap_or_default();
        let lower = name.to_lowercase();
        let is_sheet = match format {
            Format::Xlsx => {
                sheets.contains(&lower)
                    || (lower.starts_with("xl/worksheets/") && lower.ends_with(".xml"))
            }
            Format::Xlsb => lower.contains("worksheets/") && lower.ends_with(".bin"),
            Format::Ods => name == "content.xml",
            Format::Xls => false,
        };
        let remaining = cap.saturating_sub(inflated);
        if !is_sheet {
            let n = std::io::copy(&mut (&mut f).take(remaining + 1), &mut std::io::sink())
                .map_err(|_| corrupt())?;
            inflated += n;
        } else {
            let mut reader = CountingReader {
                inner: (&mut f).take(remaining + 1),
                count: 0,
            };
            let scan = match format {
                Format::Ods => scan_ods(&mut reader, limits),
                Format::Xlsb => scan_xlsb_sheet(&mut reader, limits),
                _ => scan_xlsx_sheet(&mut reader, limits),
            };
            inflated += reader.count;
            if inflated > cap {
                return Err(too_large_unzipped(inflated, limits));
            }
            let found = scan?;
            cells += found;
        }
        if inflated > cap {
            return Err(too_large_unzipped(inflated, limits));
        }
        if cells > limits.max_cells {
            return Err(too_many_cells(cells, limits));
        }
    }
    Ok(())
}

struct CountingReader<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

/// Count the `<c>` elements of one xlsx sheet and the rectangle they span.
fn scan_xlsx_sheet<R: Read>(r: R, limits: &Limits) -> Result<u64, ReadError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(r));
    let mut buf = Vec::new();
    let mut tally = Tally::default();
    let (mut row, mut col) = (0u64, 0u64);
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().into_inner() {
                "row" => {
                    row = attr(&e, "r")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(row + 1);
                    col = 0;
                }
                "c" => {
                    col = match attr(&e, "r").and_then(|v| parse_a1(&v)) {
                        Some((r, c)) => {
                            row = r;
                            c
                        }
                        None => col + 1,
                    };
                    tally.add(1, row, col, limits)?;
                }
                _ => {}
            },
            Ok(Event::Eof) => return Ok(tally.count),
            Ok(_) => {}
            Err(_) => return Err(corrupt()),
        }
        buf.clear();
    }
}

/// Walk the BIFF12 records of one xlsb sheet part: the sheet's declared
/// dimension (BrtWsDim) against `max_cells`, and the cells (BrtRowHdr gives
/// the row, each cell record its column) against the count and extent.
fn scan_xlsb_sheet<R: Read>(r: R, limits: &Limits) -> Result<u64, ReadError> {
    let mut r = std::io::BufReader::new(r);
    let mut tally = Tally::default();
    let mut row = 0u64;
    let mut data = Vec::new();
    let byte = |r: &mut std::io::BufReader<R>| -> Result<Option<u8>, ReadError> {
        let mut b = [0u8];
        match r.read(&mut b) {
            Ok(0) => Ok(None),
            Ok(_) => Ok(Some(b[0])),
            Err(_) => Err(corrupt()),
        }
    };
    loop {
        let Some(b) = byte(&mut r)? else {
            return Ok(tally.count);
        };
        let typ = if b & 0x80 != 0 {
            let b2 = byte(&mut r)?.ok_or_else(corrupt)?;
            (b & 0x7F) as u32 | (((b2 & 0x7F) as u32) << 7)
        } else {
            b as u32
        };
        let mut len = 0usize;
        for i in 0..4 {
            let b = byte(&mut r)?.ok_or_else(corrupt)?;
            len |= ((b & 0x7F) as usize) << (7 * i);
            if b & 0x80 == 0 {
                break;
            }
        }
        data.resize(len, 0);
        r.read_exact(&mut data).map_err(|_| corrupt())?;
        let u32_at = |i: usize| {
            data.get(i..i + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64)
        };
        match typ {
            // BrtWsDim: first row, last row, first column, last column.
            0x0094 => {
                if let (Some(r0), Some(r1), Some(c0), Some(c1)) =
                    (u32_at(0), u32_at(4), u32_at(8), u32_at(12))
                {
                    let rows = r1.checked_sub(r0).map_or(u64::MAX, |d| d + 1);
                    let cols = c1.checked_sub(c0).map_or(u64::MAX, |d| d + 1);
                    check_declared(rows, cols, limits)?;
                }
            }
            // BrtRowHdr
            0x0000 => row = u32_at(0).unwrap_or(row),
            // BrtCellBlank … BrtFmlaError: the column comes first.
            0x0001..=0x000B => {
                let col = u32_at(0).unwrap_or(0);
                tally.add(1, row + 1, col + 1, limits)?;
            }
            _ => {}
        }
    }
}

/// A sheet's declared extent, which calamine reserves memory for before it
/// reads a cell: more than `max_cells` is a lie (or no form) either way.
fn check_declared(rows: u64, cols: u64, limits: &Limits) -> Result<(), ReadError> {
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

/// Count the cells of an ods `content.xml` with their repeats, and the
/// rectangle they span: `number-columns-repeated` on a filled cell is how
/// an ods bomb asks for billions of cells in a few bytes.
fn scan_ods<R: Read>(r: R, limits: &Limits) -> Result<u64, ReadError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(r));
    let mut buf = Vec::new();
    let mut tally = Tally::default();
    let (mut row, mut row_repeat, mut col) = (0u64, 1u64, 0u64);
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.name().into_inner() {
                "table:table" => {
                    row = 0;
                }
                "table:table-row" => {
                    row_repeat = attr(&e, "table:number-rows-repeated")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1);
                    row = row.saturating_add(row_repeat);
                    col = 0;
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let repeat: u64 = attr(&e, "table:number-columns-repeated")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1);
                    col = col.saturating_add(repeat);
                    let filled = attr(&e, "office:value-type").is_some()
                        || attr(&e, "table:formula").is_some();
                    if filled {
                        tally.add(repeat.saturating_mul(row_repeat), row, col, limits)?;
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => return Ok(tally.count),
            Ok(_) => {}
            Err(_) => return Err(corrupt()),
        }
        buf.clear();
    }
}

fn attr(e: &quick_xml::events::BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| a.value.to_string())
}

/// `XFD1048576` → (1048576, 16384), one-based.
fn parse_a1(s: &str) -> Option<(u64, u64)> {
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let col = letters.bytes().try_fold(0u64, |acc, b| {
        b.is_ascii_alphabetic()
            .then(|| acc * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u64)
    })?;
    Some((digits.parse().ok()?, col))
}

// ---------------------------------------------------------------- ole ---

fn read_ole(bytes: &[u8], ext: &str, limits: &Limits) -> Result<Book, ReadError> {
    let mut comp = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| corrupt())?;
    // An encrypted .xlsx is an OLE file holding the encrypted package.
    if comp.exists("/EncryptionInfo") || comp.exists("/EncryptedPackage") {
        return Err(ReadError::Encrypted);
    }
    let stream = ["/Workbook", "/Book", "/WORKBOOK", "/BOOK"]
        .into_iter()
        .find(|s| comp.exists(s));
    let Some(stream) = stream else {
        return Err(if ext.eq_ignore_ascii_case("et") {
            ReadError::Unsupported(
                "WPS 表格格式（.et）无法读取，请在WPS中另存为 .xlsx 后重新报送".into(),
            )
        } else if comp.exists("/WordDocument") {
            ReadError::Unsupported(
                "这是 Word 文档，不是 Excel 表格；请报送下发的 Excel 填报表".into(),
            )
        } else {
            ReadError::Unsupported("无法识别的文件格式；请报送下发的 Excel 填报表（.xlsx）".into())
        });
    };
    let mut workbook = Vec::new();
    comp.open_stream(stream)
        .and_then(|s| {
            s.take(limits.max_uncompressed_mb * MB + 1)
                .read_to_end(&mut workbook)
        })
        .map_err(|_| corrupt())?;
    scan_biff(&workbook, limits)?;
    let wb = calamine::Xls::new(Cursor::new(bytes.to_vec())).map_err(|e| {
        if ext.eq_ignore_ascii_case("et") {
            ReadError::Unsupported(
                "WPS 表格格式（.et）无法读取，请在WPS中另存为 .xlsx 后重新报送".into(),
            )
        } else {
            calamine_error(&e.to_string())
        }
    })?;
    open_book(calamine::Sheets::Xls(wb), Format::Xls)
}

/// Walk the BIFF records of an .xls workbook stream: a FILEPASS record means
/// the file is encrypted; cell records give the count and extent of cells.
fn scan_biff(stream: &[u8], limits: &Limits) -> Result<(), ReadError> {
    let mut pos = 0usize;
    let mut tally = Tally::default();
    while pos + 4 <= stream.len() {
        let kind = u16::from_le_bytes([stream[pos], stream[pos + 1]]);
        let len = u16::from_le_bytes([stream[pos + 2], stream[pos + 3]]) as usize;
        let data = &stream[pos + 4..(pos + 4 + len).min(stream.len())];
        match kind {
            0x002F => return Err(ReadError::Encrypted),
            // DIMENSIONS, read the way calamine reads it (which reserves
            // rows × columns cells from it).
            0x0200 => {
                let (rows, cols) = biff_dimensions(data);
                check_declared(rows, cols, limits)?;
            }
            // LABELSST, NUMBER, RK, BLANK, LABEL, BOOLERR, FORMULA, RSTRING
            0x00FD | 0x0203 | 0x027E | 0x0201 | 0x0204 | 0x0205 | 0x0006 | 0x00D6
                if data.len() >= 4 =>
            {
                let row = u16::from_le_bytes([data[0], data[1]]) as u64 + 1;
                let col = u16::from_le_bytes([data[2], data[3]]) as u64 + 1;
                tally.add(1, row, col, limits)?;
            }
            // MULRK, MULBLANK: row, first col, …, last col
            0x00BD | 0x00BE if data.len() >= 6 => {
                let first = u16::from_le_bytes([data[2], data[3]]) as u64;
                let last = u16::from_le_bytes([data[len - 2], data[len - 1]]) as u64;
                let row = u16::from_le_bytes([data[0], data[1]]) as u64 + 1;
                tally.add(last.saturating_sub(first) + 1, row, last + 1, limits)?;
            }
            _ => {}
        }
        pos += 4 + len;
    }
    Ok(())
}

/// Rows × columns of a DIMENSIONS record as calamine 0.38 computes them
/// (`parse_dimensions`): BIFF8 rows are 32-bit, earlier ones 16-bit; a first
/// column past 0xFF (or after the last) counts from 0; an inverted range,
/// which calamine's subtraction would wrap, is as large as can be.
fn biff_dimensions(d: &[u8]) -> (u64, u64) {
    let u16_at = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]) as u64;
    let u32_at = |i: usize| u32::from_le_bytes([d[i], d[i + 1], d[i + 2], d[i + 3]]) as u64;
    let (rf, rl, mut cf, cl) = match d.len() {
        10 => (u16_at(0), u16_at(2), u16_at(4), u16_at(6)),
        14 | 16 => (u32_at(0), u32_at(4), u16_at(8), u16_at(10)),
        _ => return (1, 1),
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    if rl == 0 || cl == 0 {
        return (1, 1);
    }
    let span = |first: u64, last: u64| {
        last.checked_sub(first)
            .filter(|n| *n > 0)
            .unwrap_or(u64::MAX)
    };
    (span(rf, rl), span(cf, cl))
}

// ------------------------------------------------------------ calamine ---

fn calamine_error(msg: &str) -> ReadError {
    let lower = msg.to_lowercase();
    if lower.contains("password") || lower.contains("encrypt") {
        ReadError::Encrypted
    } else {
        tracing::debug!(error = msg, "calamine could not open the workbook");
        corrupt()
    }
}

fn open_book(sheets: calamine::Sheets<Cursor<Vec<u8>>>, format: Format) -> Result<Book, ReadError> {
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
                .code(),
            "unsupported_format"
        );
        assert_eq!(
            read(&[0x00, 0xff, 0x13, 0x37, 0x80], "xlsx", &limits())
                .unwrap_err()
                .code(),
            "unreadable"
        );
        let mut truncated = xlsx(&[(0, 0, "x")]);
        truncated.truncate(truncated.len() / 2);
        assert_eq!(
            read(&truncated, "xlsx", &limits()).unwrap_err().code(),
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
            read(&xlsx(&cells), "xlsx", &tight).unwrap_err().code(),
            "too_large"
        );
    }

    #[test]
    fn a_far_corner_cell_is_refused_before_calamine_allocates_it() {
        let bytes = xlsx(&[(0, 0, "a"), (1_048_575, 16_383, "b")]);
        let e = read(&bytes, "xlsx", &limits()).unwrap_err();
        assert_eq!(e.code(), "too_large", "{e}");
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
        assert_eq!(e.code(), "too_large", "{e}");
    }

    #[test]
    fn part_names_resolve_as_the_package_says() {
        assert_eq!(resolve("", "xl/workbook.xml"), "xl/workbook.xml");
        assert_eq!(resolve("", "/xl/book.xml"), "xl/book.xml");
        assert_eq!(
            resolve("xl/workbook.xml", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(resolve("xl/book.xml", "../tables/s.xml"), "tables/s.xml");
        assert_eq!(resolve("xl/book.xml", "/xl/s.xml"), "xl/s.xml");
        assert_eq!(resolve("xl\\book.xml", "a\\b.xml"), "xl/a/b.xml");
    }

    #[test]
    fn biff_dimensions_read_as_calamine_reads_them() {
        let biff8 = |rf: u32, rl: u32, cf: u16, cl: u16| {
            let mut d = rf.to_le_bytes().to_vec();
            d.extend(rl.to_le_bytes());
            d.extend(cf.to_le_bytes());
            d.extend(cl.to_le_bytes());
            d.extend([0, 0]);
            d
        };
        assert_eq!(biff_dimensions(&biff8(0, 30, 0, 11)), (30, 11));
        assert_eq!(
            biff_dimensions(&biff8(0, 65_536, 0, 16_384)),
            (65_536, 16_384)
        );
        assert_eq!(
            biff_dimensions(&biff8(0, 0, 0, 0)),
            (1, 1),
            "an empty sheet"
        );
        assert_eq!(biff_dimensions(&biff8(9, 3, 0, 5)).0, u64::MAX, "inverted");
        // A first column past 0xFF counts from 0, as calamine does.
        assert_eq!(biff_dimensions(&biff8(0, 10, 300, 310)), (10, 310));
        // BIFF5: 16-bit rows.
        let biff5: Vec<u8> = [0u16, 200, 0, 10, 0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(biff_dimensions(&biff5), (200, 10));
        assert_eq!(
            biff_dimensions(&[1, 2, 3]),
            (1, 1),
            "not a record calamine reads"
        );
        let tight = Limits {
            max_cells: 1000,
            ..Limits::default()
        };
        assert!(check_declared(10, 100, &tight).is_ok());
        assert_eq!(
            check_declared(10, 101, &tight).unwrap_err().code(),
            "too_large"
        );
    }

    #[test]
    fn a1_parsing() {
        assert_eq!(parse_a1("A1"), Some((1, 1)));
        assert_eq!(parse_a1("XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(parse_a1("1A"), None);
    }
}
