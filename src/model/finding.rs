//! A finding: one thing wrong (or worth a look) in a returned file, with the
//! sheet and cell it is about, in words a department clerk understands.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    pub sheet: Option<String>,
    pub cell: Option<String>,
    pub indicator: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn error(code: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            sheet: None,
            cell: None,
            indicator: None,
            message: message.into(),
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(code, message)
        }
    }

    /// The finding placed on `sheet`, at `cell` (zero-based row, column)
    /// when it is about one; the message then starts with the cell (`G7：…`).
    pub fn at(mut self, sheet: &str, cell: Option<(u32, u32)>) -> Finding {
        self.sheet = Some(sheet.to_string());
        if let Some((r, c)) = cell {
            let reference = a1(r, c);
            self.message = format!("{reference}：{}", self.message);
            self.cell = Some(reference);
        }
        self
    }

    /// The finding about `cell` on `sheet`, when its message names the cell
    /// in its own words (`表头 G3 应为…`) and needs no `G3：` before it.
    pub fn naming(mut self, sheet: &str, (r, c): (u32, u32)) -> Finding {
        self.sheet = Some(sheet.to_string());
        self.cell = Some(a1(r, c));
        self
    }

    pub fn of(mut self, indicator: &str) -> Finding {
        self.indicator = Some(indicator.to_string());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// A finding code read back from storage, as the `&'static str` of the
    /// known set, so no code is leaked per read; an unknown one is `unknown`.
    pub fn known_code(code: &str) -> &'static str {
        CODES
            .iter()
            .find(|c| **c == code)
            .copied()
            .unwrap_or("unknown")
    }
}

/// The stable finding codes of DESIGN.md.
const CODES: &[&str] = &[
    "unreadable",
    "encrypted",
    "too_large",
    "unsupported_format",
    "not_a_form",
    "header_changed",
    "meta_missing",
    "signature_invalid",
    "unknown_department",
    "unknown_period",
    "period_closed",
    "unknown_indicator",
    "duplicate_indicator",
    "foreign_indicator",
    "missing_indicator",
    "target_changed",
    "unit_changed",
    "value_missing",
    "not_a_number",
    "negative",
    "percent_over_100",
    "percent_scaled",
    "decreased",
    "far_above_target",
    "bad_stage",
    "formula_no_value",
    "reason_missing",
    "contact_missing",
    "phone_invalid",
];

/// `(row, col)` zero-based → `G7`.
pub fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        letters.push((b'A' + ((n - 1) % 26) as u8) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(row + 1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_plain_a1_references() {
        assert_eq!(a1(6, 6), "G7");
        assert_eq!(a1(0, 26), "AA1");
        let f = Finding::error("negative", "不能为负数").at("填报表", Some((6, 6)));
        assert_eq!(f.cell.as_deref(), Some("G7"));
        assert_eq!(f.message, "G7：不能为负数");
    }

    #[test]
    fn known_codes_read_back_and_strangers_do_not_leak() {
        assert_eq!(Finding::known_code("decreased"), "decreased");
        assert_eq!(Finding::known_code("made_up"), "unknown");
    }
}
