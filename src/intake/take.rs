//! The one intake step, the only way a file enters: claim → read (in reader
//! processes) → decide → record in one transaction → archive → answer.
//! Whatever a crash left is finished first, by whichever door opens first.

use super::claim::{self, Claimed, Held, Unread};
use super::door::{Arrival, TakeError};
use super::read::ParsedReturn;
use super::reader::{Outcome, Reader};
use super::receipt::Receipt;
use crate::ledger::Ledger;
use crate::model::{Finding, Verdict};
use crate::plan::Period;
use crate::templates::Templates;
use crate::workspace::Workspace;
use anyhow::Result;
use serde::Serialize;
use std::collections::VecDeque;
use std::fs;
use std::path::PathBuf;
use std::sync::mpsc;

/// The outcome for one file, as `ingest --json` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct FileResult {
    pub file: String,
    pub department: Option<String>,
    pub period: Option<Period>,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    #[serde(skip)]
    pub receipt: Option<FiledReceipt>,
}

/// A receipt as written under `outbox/receipts/`, with its content kept in
/// memory for whoever sends it on.
#[derive(Debug, Clone, PartialEq)]
pub struct FiledReceipt {
    /// The ledger row of the file it answers.
    pub id: i64,
    pub txt: PathBuf,
    /// The marked copy, when there is one.
    pub xlsx: Option<PathBuf>,
    pub receipt: Receipt,
    /// The name the department gave the file.
    pub file_name: String,
}

/// What one call of [`Intake::take`] did: the files given, in order, and
/// the files a crash had left, finished before them.
pub struct Taken {
    pub(crate) results: Vec<Result<FileResult, TakeError>>,
    pub(crate) recovered: Vec<FileResult>,
}

/// How many files share one ledger transaction (one flush): enough to
/// spread the flush thin, few enough to keep memory flat.
const BATCH: usize = 64;

pub struct Intake<'a> {
    pub(super) ws: &'a Workspace,
    pub(super) ledger: Ledger,
    pub(super) templates: Templates,
    pub(super) key: Vec<u8>,
    inbox: Option<PathBuf>,
    /// Out of its place only while a call lends it to the thread that reads
    /// the next batch.
    pub(super) reader: Option<Reader>,
    /// Whether what a crash left has been finished by this intake.
    recovered: bool,
}

/// One file on its way: answered unread, or held for the reader.
pub(super) enum Entry {
    Done(Result<FileResult, TakeError>),
    Unread(Unread),
    Held(Held),
}

impl<'a> Intake<'a> {
    pub(crate) fn open(ws: &'a Workspace) -> Result<Intake<'a>> {
        Ok(Intake {
            ws,
            ledger: Ledger::open(&ws.ledger_path())?,
            templates: Templates::load(&ws.root)?,
            key: ws.signing_key()?,
            inbox: fs::canonicalize(ws.inbox()).ok(),
            reader: Some(Reader::new(&ws.config.limits)?),
            recovered: false,
        })
    }

    /// Take files in, in order, from whatever door: the first call finishes
    /// the files a crash left in hand before it takes anything new. An `Err` for the
    /// recovery itself means the workspace failed; nothing new is taken.
    pub(crate) fn take(&mut self, arrivals: &[Arrival]) -> Result<Taken> {
        let recovered = if self.recovered {
            Vec::new()
        } else {
            let r = self.finish_leftovers()?;
            self.recovered = true;
            r
        };
        let (ws, inbox) = (self.ws, self.inbox.clone());
        // Claimed a batch at a time, as the reader gets to it: memory stays
        // flat however many files come.
        let batches = arrivals.chunks(BATCH).map(move |batch| {
            batch
                .iter()
                .map(|a| match claim::claim(ws, inbox.as_deref(), a) {
                    Ok(Claimed::Held(h)) => Entry::Held(h),
                    Ok(Claimed::Unread(u)) => Entry::Unread(u),
                    Err(e) => Entry::Done(Err(e)),
                })
                .collect()
        });
        Ok(Taken {
            results: self.settle_all(batches),
            recovered,
        })
    }

    /// Read, decide, record and answer batches of entries, in order. While
    /// one batch is decided and recorded here, the next is read on the
    /// other cores.
    pub(super) fn settle_all(
        &mut self,
        batches: impl Iterator<Item = Vec<Entry>>,
    ) -> Vec<Result<FileResult, TakeError>> {
        let Some(mut reader) = self.reader.take() else {
            // What is claimed stays in `var/processing/` for the next start.
            return batches
                .flatten()
                .map(|e| match e {
                    Entry::Done(r) => r,
                    _ => Err(TakeError::Failed(anyhow::anyhow!("读取进程不可用"))),
                })
                .collect();
        };
        let (out, reader) = std::thread::scope(|s| {
            let (ask, asked) = mpsc::channel::<Vec<(String, Vec<u8>)>>();
            let (tell, told) = mpsc::channel::<Vec<Result<Outcome>>>();
            let lane = s.spawn(move || {
                for batch in asked {
                    let refs: Vec<(&str, &[u8])> = batch
                        .iter()
                        .map(|(n, b)| (n.as_str(), b.as_slice()))
                        .collect();
                    if tell.send(reader.read_all(&refs)).is_err() {
                        break;
                    }
                }
                reader
            });
            let mut out = Vec::new();
            let mut in_flight: VecDeque<Vec<Entry>> = VecDeque::new();
            let next = |this: &mut Self, batch: Vec<Entry>, out: &mut Vec<_>| {
                let outcomes = told.recv().unwrap_or_default();
                out.extend(this.settle(batch, outcomes));
            };
            for mut batch in batches {
                let _ = ask.send(wanted(&mut batch));
                in_flight.push_back(batch);
                if in_flight.len() > 1
                    && let Some(b) = in_flight.pop_front()
                {
                    next(self, b, &mut out);
                }
            }
            while let Some(b) = in_flight.pop_front() {
                next(self, b, &mut out);
            }
            drop(ask);
            (out, lane.join())
        });
        match reader {
            Ok(r) => self.reader = Some(r),
            Err(_) => tracing::error!("the reading thread panicked; a new reader starts"),
        }
        if self.reader.is_none() {
            self.reader = Reader::new(&self.ws.config.limits).ok();
        }
        out
    }

    /// Read archived originals again through the reader, for the marked
    /// copies of receipts a crash lost: the same reading as any file.
    pub(super) fn read_again(&mut self, files: &[(String, Vec<u8>)]) -> Vec<Option<ParsedReturn>> {
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect();
        let Some(reader) = self.reader.as_mut() else {
            return files.iter().map(|_| None).collect();
        };
        reader
            .read_all(&refs)
            .into_iter()
            .map(|o| match o {
                Ok(Outcome::Form(p)) => Some(*p),
                _ => None,
            })
            .collect()
    }
}

/// The names and bytes the reader is to read, moved out of the held
/// entries (a file too big to read, or not to be read again, is left out).
fn wanted(batch: &mut [Entry]) -> Vec<(String, Vec<u8>)> {
    batch
        .iter_mut()
        .filter_map(|e| match e {
            Entry::Held(h) if h.to_read() => Some((h.name.clone(), std::mem::take(&mut h.bytes))),
            _ => None,
        })
        .collect()
}
