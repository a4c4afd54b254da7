//! Old-format Excel (`.xls`, BIFF in an OLE compound file): encryption told
//! from the FILEPASS record, and every cell and every sheet's declared
//! extent counted before calamine reads a cell.

use super::{Book, Format, MB, ReadError, Tally, check_declared, corrupt};
use super::{calamine_error, open_book};
use crate::config::Limits;
use calamine::Reader;
use std::io::{Cursor, Read};

pub(super) fn read(bytes: &[u8], ext: &str, limits: &Limits) -> Result<Book, ReadError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            check_declared(10, 101, &tight).unwrap_err().code().as_str(),
            "too_large"
        );
    }
}
