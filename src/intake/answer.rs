//! Answering: the receipt of a recorded file, written under
//! `outbox/receipts/` from what the ledger holds, never replacing another.

use super::names::{self, UNIDENTIFIED};
use super::read::ParsedReturn;
use super::receipt::{self, ReceiptInfo};
use super::settle::Recorded;
use super::take::{FiledReceipt, Intake};
use crate::fsx;
use crate::model::Verdict;
use crate::plan::Period;
use anyhow::Result;
use chrono::{DateTime, FixedOffset};
use std::path::PathBuf;

/// Receipts of one department, period, second and verdict: far more than a
/// clerk can send, few enough that a ledger that answers wrongly cannot
/// keep the intake looking for a free name for long.
const MAX_SAME_STEM: u32 = 10_000;

impl Intake<'_> {
    /// `<period>/<who>-<YYYYMMDDHHMMSS>-<verdict>`, with `-2`, `-3`, … when
    /// that name is taken, so no receipt ever replaces another.
    pub(super) fn free_receipt_stem(
        &self,
        period: Option<Period>,
        department: Option<&str>,
        name: &str,
        at: DateTime<FixedOffset>,
        verdict: Verdict,
    ) -> Result<String> {
        let folder = period.map_or_else(|| UNIDENTIFIED.to_string(), |p| p.to_string());
        let who = fsx::safe_component(department.unwrap_or(names::stem(name)));
        let base = format!(
            "{folder}/{who}-{}-{}",
            at.format("%Y%m%d%H%M%S"),
            verdict.as_str()
        );
        for n in 1..=MAX_SAME_STEM {
            let stem = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            if !self.receipt_path(&stem, "txt").exists() && !self.ledger.has_receipt_stem(&stem)? {
                return Ok(stem);
            }
        }
        anyhow::bail!("回执名 {base} 已被占用 {MAX_SAME_STEM} 次，无法再为该文件命名回执")
    }

    pub(super) fn receipt_path(&self, stem: &str, ext: &str) -> PathBuf {
        self.ws.receipts_dir("").join(format!("{stem}.{ext}"))
    }

    /// The one place a receipt is made: from what the ledger recorded.
    pub(super) fn answer(
        &self,
        r: &Recorded,
        parsed: Option<&ParsedReturn>,
    ) -> Result<FiledReceipt> {
        let info = ReceiptInfo {
            catalog: &self.ws.catalog,
            file: &r.name,
            department: r.department.as_deref(),
            period: r.period,
            received_at: r.received_at,
            verdict: r.verdict,
            findings: &r.findings,
            duplicate_of: r.duplicate_of.as_ref().map(|(n, at)| (n.as_str(), *at)),
        };
        let receipt = receipt::compose(&self.templates, &info, parsed)?;
        let xlsx = match &receipt.marked {
            Some(bytes) => {
                let path = self.receipt_path(&r.receipt_stem, "xlsx");
                fsx::write_derived(&path, bytes)?;
                Some(path)
            }
            None => None,
        };
        let txt = self.receipt_path(&r.receipt_stem, "txt");
        fsx::write_derived(&txt, receipt.text.as_bytes())?;
        Ok(FiledReceipt {
            id: r.id,
            txt,
            xlsx,
            receipt,
            file_name: r.name.clone(),
        })
    }
}
