//! Text as Chinese office users type and read it: NFKC folding (full-width
//! digits and punctuation), and terminal tables whose columns line up with
//! double-width characters.

use unicode_normalization::UnicodeNormalization;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Fold full-width forms to their ASCII equivalents (`４２００` → `4200`,
/// `（` → `(`), leaving CJK ideographs as they are.
pub(crate) fn nfkc(s: &str) -> String {
    s.nfkc().collect()
}

/// A label as a person reads it: folded, without any white space and without
/// a trailing colon (`填报单位：` and ` 填报 单位 ` both read `填报单位`).
pub(crate) fn label(s: &str) -> String {
    let folded: String = nfkc(s).chars().filter(|c| !c.is_whitespace()).collect();
    folded.trim_end_matches(':').to_string()
}

pub(crate) fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cut `s` to at most `max` display columns, marking a cut with `…`.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Pad `s` with spaces to `cols` display columns (never cuts).
pub(crate) fn pad(s: &str, cols: usize) -> String {
    let w = width(s);
    let mut out = s.to_string();
    out.extend(std::iter::repeat_n(' ', cols.saturating_sub(w)));
    out
}

/// Pad on the left, for numbers.
pub(crate) fn pad_left(s: &str, cols: usize) -> String {
    let w = width(s);
    let mut out: String = std::iter::repeat_n(' ', cols.saturating_sub(w)).collect();
    out.push_str(s);
    out
}

/// A number the way a report prints it: integers without a decimal point,
/// others with up to two decimals and no trailing zeros.
pub(crate) fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// `2024年4月5日`.
pub(crate) fn chinese_date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Lowercase hex of some bytes (hashes, keys).
/// Whether XML 1.0 allows `c` at all: most control characters it forbids,
/// and Word refuses a file that holds one.
pub(crate) fn xml_char(c: char) -> bool {
    !((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Text as XML or HTML character data (attribute values included):
/// markup escaped, characters XML forbids left out.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if !xml_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The bytes of a lowercase or uppercase hex string; `None` when it is not one.
pub(crate) fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A fraction as a percentage with one decimal: 0.2486 → `24.9%`, rounded
/// half-up like [`permille`].
pub(crate) fn percent(fraction: f64) -> String {
    let t = permille(fraction);
    format!(
        "{}{}.{}%",
        if t < 0 { "-" } else { "" },
        t.abs() / 10,
        t.abs() % 10
    )
}

/// A fraction in tenths of a percent, rounded once, half away from zero:
/// 0.0625 → 63 (6.3%), as a spreadsheet shows it. The fraction is first read
/// as the 15 significant digits a spreadsheet keeps, then rounded in
/// decimal, so a binary 0.0075 (0.00749999…) still gives 8 (0.8%).
/// Not a number counts as 0.
pub(crate) fn permille(fraction: f64) -> i64 {
    if !fraction.is_finite() || fraction == 0.0 {
        return 0;
    }
    // `d.dddddddddddddde-2`: 15 significant digits and a decimal exponent.
    let sci = format!("{:.14e}", fraction.abs());
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return 0;
    };
    let digits: i128 = mantissa.replace('.', "").parse().unwrap_or(0);
    let exp: i32 = exp.parse().unwrap_or(0);
    // value = digits × 10^(exp − 14); in tenths of a percent, × 10^3.
    let shift = exp - 14 + 3;
    let tenths = if shift >= 0 {
        digits.saturating_mul(10i128.saturating_pow(shift.min(30) as u32))
    } else if shift < -30 {
        0
    } else {
        let unit = 10i128.pow((-shift) as u32);
        digits / unit + i128::from(digits % unit * 2 >= unit)
    };
    let tenths = tenths.min(i64::MAX as i128) as i64;
    if fraction < 0.0 { -tenths } else { tenths }
}

/// A number as JSON: integral values as integers, so `4200` never reads `4200.0`.
pub(crate) fn json_number(v: f64) -> serde_json::Value {
    if v.fract() == 0.0 && v.abs() < 9e15 {
        serde_json::Value::from(v as i64)
    } else {
        serde_json::Value::from(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_what_xml_forbids_left_out() {
        assert_eq!(xml_escape("<script>&\"'"), "&lt;script&gt;&amp;&quot;&#39;");
        assert_eq!(xml_escape("a\u{0c}b\tc\u{FFFF}"), "ab\tc");
    }

    #[test]
    fn folds_full_width_and_labels() {
        assert_eq!(nfkc("４，２００人"), "4,200人");
        assert_eq!(label(" 填报单位： "), "填报单位");
        assert_eq!(label("累计\n完成"), "累计完成");
    }

    #[test]
    fn pads_and_cuts_by_display_width() {
        assert_eq!(width("县教育局"), 8);
        assert_eq!(pad("县", 4), "县  ");
        assert_eq!(pad_left("7", 3), "  7");
        assert_eq!(truncate("平江县民生可感行动", 9), "平江县民…");
        assert!(width(&truncate("平江县民生可感行动", 9)) <= 9);
        assert_eq!(truncate("abc", 9), "abc");
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0x00, 0xab, 0x7f]), "00ab7f");
        assert_eq!(unhex("00ab7f"), Some(vec![0x00, 0xab, 0x7f]));
        assert_eq!(unhex("00AB"), Some(vec![0x00, 0xab]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }

    #[test]
    fn numbers_read_like_a_report() {
        assert_eq!(number(4200.0), "4200");
        assert_eq!(number(246.3), "246.3");
        assert_eq!(number(31.94), "31.94");
        assert_eq!(percent(91.0 / 366.0), "24.9%");
    }

    #[test]
    fn percentages_round_half_up_once_as_a_spreadsheet_shows_them() {
        // Ties that a binary float or `{:.1}` would round down or to even.
        for (fraction, want) in [
            (0.0625, "6.3%"),
            (1.0 / 16.0, "6.3%"),
            (0.0075, "0.8%"),
            (3.0 / 400.0, "0.8%"),
            (0.00125, "0.1%"),
            (0.12345, "12.3%"),
            (0.9995, "100.0%"),
            (0.0, "0.0%"),
            (1.0, "100.0%"),
            (1.2, "120.0%"),
            (10.0 / 419.0, "2.4%"),
            (-0.0625, "-6.3%"),
        ] {
            assert_eq!(percent(fraction), want, "{fraction}");
        }
        assert_eq!(permille(0.0625), 63);
        assert_eq!(permille(91.0 / 366.0), 249);
        assert_eq!(permille(f64::NAN), 0);
        assert_eq!(permille(1e-20), 0);
        // Every tenth of a percent reads back as itself.
        for t in 0..=2000 {
            assert_eq!(permille(t as f64 / 1000.0), t, "{t}");
            assert_eq!(permille((t as f64 + 0.5) / 1000.0), t + 1, "{t}.5");
        }
    }
}
