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
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Declares the finding codes with the stable strings of DESIGN.md: a typo
/// is a compile error, and every code has exactly one spelling.
macro_rules! finding_codes {
    ($($variant:ident => $text:literal,)*) => {
        /// What a finding is about; serialised as DESIGN.md's string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FindingCode {
            $($variant,)*
            /// A code read back from a ledger written by a later version.
            Unknown,
        }

        impl FindingCode {
            #[cfg(test)]
            pub(crate) const ALL: &[FindingCode] = &[$(FindingCode::$variant,)*];

            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(FindingCode::$variant => $text,)*
                    FindingCode::Unknown => "unknown",
                }
            }

            /// A code read back from storage; one this version does not know is `Unknown`.
            pub fn parse(code: &str) -> FindingCode {
                match code {
                    $($text => FindingCode::$variant,)*
                    _ => FindingCode::Unknown,
                }
            }
        }
    };
}

finding_codes! {
    Unreadable => "unreadable",
    Encrypted => "encrypted",
    TooLarge => "too_large",
    UnsupportedFormat => "unsupported_format",
    NotAForm => "not_a_form",
    HeaderChanged => "header_changed",
    MetaMissing => "meta_missing",
    SignatureInvalid => "signature_invalid",
    UnknownDepartment => "unknown_department",
    UnknownPeriod => "unknown_period",
    PeriodClosed => "period_closed",
    UnknownIndicator => "unknown_indicator",
    DuplicateIndicator => "duplicate_indicator",
    ForeignIndicator => "foreign_indicator",
    MissingIndicator => "missing_indicator",
    TargetChanged => "target_changed",
    UnitChanged => "unit_changed",
    ValueMissing => "value_missing",
    NotANumber => "not_a_number",
    Negative => "negative",
    PercentOver100 => "percent_over_100",
    PercentScaled => "percent_scaled",
    Decreased => "decreased",
    FarAboveTarget => "far_above_target",
    BadStage => "bad_stage",
    FormulaNoValue => "formula_no_value",
    ReasonMissing => "reason_missing",
    ContactMissing => "contact_missing",
    PhoneInvalid => "phone_invalid",
    WrongDepartment => "wrong_department",
}

impl Serialize for FindingCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for FindingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub(crate) code: FindingCode,
    pub(crate) severity: Severity,
    pub(crate) sheet: Option<String>,
    pub(crate) cell: Option<String>,
    pub(crate) indicator: Option<String>,
    pub(crate) message: String,
}

impl Finding {
    pub(crate) fn error(code: FindingCode, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity: Severity::Error,
            sheet: None,
            cell: None,
            indicator: None,
            message: message.into(),
        }
    }

    pub(crate) fn warning(code: FindingCode, message: impl Into<String>) -> Finding {
        Finding {
            severity: Severity::Warning,
            ..Finding::error(code, message)
        }
    }

    /// The finding placed on `sheet`, at `cell` (zero-based row, column)
    /// when it is about one; the message then starts with the cell (`G7：…`).
    pub(crate) fn at(mut self, sheet: &str, cell: Option<(u32, u32)>) -> Finding {
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
    pub(crate) fn naming(mut self, sheet: &str, (r, c): (u32, u32)) -> Finding {
        self.sheet = Some(sheet.to_string());
        self.cell = Some(a1(r, c));
        self
    }

    pub(crate) fn of(mut self, indicator: &str) -> Finding {
        self.indicator = Some(indicator.to_string());
        self
    }

    pub(crate) fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

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
        let f = Finding::error(FindingCode::Negative, "不能为负数").at("填报表", Some((6, 6)));
        assert_eq!(f.cell.as_deref(), Some("G7"));
        assert_eq!(f.message, "G7：不能为负数");
    }

    #[test]
    fn codes_read_back_as_they_were_written_and_strangers_are_unknown() {
        for code in FindingCode::ALL {
            assert_eq!(FindingCode::parse(code.as_str()), *code);
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::json!(code.as_str())
            );
        }
        assert_eq!(
            FindingCode::parse("percent_over_100"),
            FindingCode::PercentOver100
        );
        assert_eq!(FindingCode::parse("made_up"), FindingCode::Unknown);
    }
}
