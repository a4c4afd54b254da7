//! Zip packages — `.xlsx`, `.xlsm`, `.xlsb`, `.ods` — opened whatever their
//! part names, recognised by what `_rels/.rels` and `[Content_Types].xml`
//! say, re-packed where calamine would stumble, and every part calamine may
//! read inflated under a cap with its cells counted first.

use super::{Book, Format, MB, ReadError, Tally, check_declared, corrupt, too_many_cells};
use super::{calamine_error, open_book};
use crate::config::Limits;
use calamine::Reader;
use std::io::{Cursor, Read};

pub(super) fn read(bytes: &[u8], limits: &Limits) -> Result<Book, ReadError> {
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
        "文件解压后超过 {} MB（约 {} MB），不像是一张填报表；请删除表格中插入的图片等多余内容，另存为 .xlsx 后重新报送",
        limits.max_uncompressed_mb,
        size / MB
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a1_parsing() {
        assert_eq!(parse_a1("A1"), Some((1, 1)));
        assert_eq!(parse_a1("XFD1048576"), Some((1_048_576, 16_384)));
        assert_eq!(parse_a1("1A"), None);
    }
}
