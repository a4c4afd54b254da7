//! How received files are told apart by name and filed: which names are
//! never returns, a file's stem, and where the original is archived.

use crate::fsx::safe_component;
use crate::plan::Period;
use chrono::{DateTime, FixedOffset};

/// Where files of no known period (or no known department) are filed.
pub(crate) const UNIDENTIFIED: &str = "_unidentified";

/// Excel and LibreOffice lock files, browser partial downloads, editor temp
/// files and hidden files: never a return, never touched.
pub(crate) fn is_ignored(name: &str) -> bool {
    let lower = name.to_lowercase();
    name.starts_with("~$")
        || name.starts_with('.')
        || name.starts_with('~')
        || [
            ".tmp",
            ".crdownload",
            ".part",
            ".partial",
            ".download",
            "#",
            ".swp",
            ".bak",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
        || lower == "thumbs.db"
        || lower == "desktop.ini"
}

/// The name without its last extension: `报表.v2.xlsx` → `报表.v2`.
pub(crate) fn stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

/// The last extension, without the dot (`xlsx`), or empty.
pub(crate) fn extension(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext,
        _ => "",
    }
}

/// `var/archive/<period>/<department>/<time>-<hash>-<name>`; what is not
/// known goes under `_unidentified`.
pub(crate) fn archive_path(
    department: Option<&str>,
    period: Option<Period>,
    at: DateTime<FixedOffset>,
    sha: &str,
    name: &str,
) -> String {
    let folder = match (period, department) {
        (Some(p), Some(d)) => format!("{p}/{}", safe_component(d)),
        (Some(p), None) => format!("{p}/{UNIDENTIFIED}"),
        (None, Some(d)) => format!("{UNIDENTIFIED}/{}", safe_component(d)),
        (None, None) => UNIDENTIFIED.to_string(),
    };
    format!(
        "var/archive/{folder}/{}-{}-{}",
        at.format("%Y%m%d%H%M%S"),
        sha.get(..12).unwrap_or(sha),
        safe_component(name)
    )
}

/// The name a file is claimed under in `var/processing/` (or set aside
/// under): `<nanoseconds>-<name>`, so two files of one name never meet.
pub(crate) fn claimed(name: &str) -> String {
    let stamp = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
    format!("{stamp}-{}", safe_component(name))
}

/// The name a file had before [`claimed`] named it; what recovery has to
/// go by when the process that claimed it is gone.
pub(crate) fn claimed_original(claimed: &str) -> &str {
    claimed.split_once('-').map_or(claimed, |(_, n)| n)
}

/// The name a file had before [`archive_path`] named it; what recovery has
/// to go by when the ledger lost the file's row.
pub(crate) fn archived_original(archived: &str) -> &str {
    archived.splitn(3, '-').nth(2).unwrap_or(archived)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_as_they_were_written() {
        for name in ["2024-03-县教育局.xlsx", "报表.v2.xlsx", "a-b-c.xls", "x"] {
            assert_eq!(claimed_original(&claimed(name)), name);
            let at = chrono::DateTime::parse_from_rfc3339("2024-04-03T09:12:05+08:00").unwrap();
            let path = archive_path(Some("县教育局"), None, at, &"ab".repeat(32), name);
            let file = path.rsplit('/').next().unwrap();
            assert_eq!(archived_original(file), name);
        }
        // A hash shorter than the archive's 12 digits is no panic.
        assert!(
            archive_path(None, None, chrono::Utc::now().fixed_offset(), "-", "a").ends_with("--a")
        );
    }

    #[test]
    fn lock_and_temp_files_are_ignored() {
        for name in [
            "~$2024-03-县教育局.xlsx",
            ".~lock.2024-03-县教育局.xlsx#",
            "a.tmp",
            "a.xlsx.crdownload",
            "a.part",
            ".DS_Store",
            "Thumbs.db",
        ] {
            assert!(is_ignored(name), "{name}");
        }
        for name in ["2024-03-县教育局.xlsx", "报表.xls", "x.ods", "y.et"] {
            assert!(!is_ignored(name), "{name}");
        }
    }

    #[test]
    fn the_stem_keeps_every_dot_but_the_last() {
        assert_eq!(stem("报表.v2.xlsx"), "报表.v2");
        assert_eq!(stem("2024-03-县教育局.xlsx"), "2024-03-县教育局");
        assert_eq!(stem("报表"), "报表");
        assert_eq!(stem(".xlsx"), ".xlsx");
        assert_eq!(extension("报表.v2.XLSX"), "XLSX");
        assert_eq!(extension("报表"), "");
    }
}
