//! Reading a returned file in a child process, because a guard stops only
//! what was foreseen. The guards, calamine and finding the form run in a
//! worker process of this same binary (`minsheng __reader`) under an
//! address-space limit (`[limits] max_reader_mb`) and a time limit
//! (`[limits] max_reader_secs`); the worker only turns bytes into the form
//! it finds (the sheet, its header, rows and labels), sent back over a
//! pipe. Whatever a file does to the worker — an abort, a panic, running out
//! of memory, hanging — the parent sees a [`ReadError`] for that file and
//! goes on with the next one.
//!
//! Workers are kept and fed file after file: starting one costs a few
//! milliseconds, more than reading a form. One that has served many files is
//! replaced, so memory it kept cannot count against a later file; one that
//! dies after serving others is given the file again, fresh, before the file
//! is blamed.

use super::read::{self, Col, Labeled, ParsedReturn, Row};
use super::workbook::{self, ReadError, Sheet};
use crate::config::Limits;
use anyhow::{Context, Result};
use calamine::{CellErrorType, Data, ExcelDateTime, ExcelDateTimeType, Range};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The hidden subcommand a worker runs.
const WORKER_COMMAND: &str = "__reader";
/// Files a worker reads before it is replaced.
const RECYCLE_AFTER: usize = 500;
/// Debug builds only: `<abort|panic|hang|oom>:<part of a file name>` makes
/// the worker fail that way on such a file, so tests can make a child die.
#[cfg(debug_assertions)]
const FAULT_VAR: &str = "MINSHENG_READER_FAULT";
/// Where the binary is, for programs other than `minsheng` itself that use
/// the library (benchmarks).
const EXE_VAR: &str = "MINSHENG_EXE";

/// What reading a file gave.
#[derive(Debug, Clone)]
pub enum Outcome {
    Form(Box<ParsedReturn>),
    /// A workbook, but no sheet holds the form: what still tells who sent it.
    NotAForm(read::Sender),
    Refused(ReadError),
}

// ------------------------------------------------------------ the wire ---

#[derive(Serialize, Deserialize)]
struct Request {
    name: String,
    limits: Limits,
    len: usize,
}

#[derive(Serialize, Deserialize)]
enum Reply {
    Form(Box<WireForm>),
    NotAForm(read::Sender),
    Refused(ReadError),
    Panicked(String),
}

/// The form as the worker found it: the sheet, and where its header, rows
/// and labels are, so the parent builds nothing again.
#[derive(Serialize, Deserialize)]
struct WireForm {
    sheet: WireSheet,
    meta: Option<BTreeMap<String, String>>,
    unit: Option<WireLabel>,
    period: Option<WireLabel>,
    header_row: u32,
    cols: Vec<(Col, u32)>,
    rows: Vec<(u32, String)>,
    footer: Vec<(String, WireLabel)>,
}

#[derive(Serialize, Deserialize)]
struct WireLabel {
    at: (u32, u32),
    value: Option<Cell>,
}

impl WireLabel {
    fn of(l: &Labeled) -> WireLabel {
        WireLabel {
            at: l.at,
            value: Cell::of(&l.value),
        }
    }

    fn labeled(self) -> Labeled {
        Labeled {
            at: self.at,
            value: self.value.map_or(Data::Empty, Cell::data),
        }
    }
}

impl WireForm {
    fn of(p: ParsedReturn) -> WireForm {
        WireForm {
            sheet: WireSheet::of(&p.sheet),
            unit: p.unit.as_ref().map(WireLabel::of),
            period: p.period.as_ref().map(WireLabel::of),
            header_row: p.header_row,
            cols: p.cols.into_iter().collect(),
            rows: p.rows.into_iter().map(|r| (r.row, r.code)).collect(),
            footer: p
                .footer
                .iter()
                .map(|(k, v)| (k.to_string(), WireLabel::of(v)))
                .collect(),
            meta: p.meta,
        }
    }

    fn parsed(self) -> ParsedReturn {
        ParsedReturn {
            sheet: self.sheet.sheet(),
            meta: self.meta,
            unit: self.unit.map(WireLabel::labeled),
            period: self.period.map(WireLabel::labeled),
            header_row: self.header_row,
            cols: self.cols.into_iter().collect(),
            rows: self
                .rows
                .into_iter()
                .map(|(row, code)| Row { row, code })
                .collect(),
            // Only the labels the form has come back; any other key is no label.
            footer: self
                .footer
                .into_iter()
                .filter_map(|(k, v)| {
                    read::FOOTER_LABELS
                        .iter()
                        .find(|l| **l == k)
                        .map(|l| (*l, v.labeled()))
                })
                .collect(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct WireSheet {
    name: String,
    visible: bool,
    cells: WireRange<Cell>,
    formulas: WireRange<String>,
}

/// A range as its corners and its non-empty cells (absolute positions).
#[derive(Serialize, Deserialize)]
struct WireRange<T> {
    corners: Option<((u32, u32), (u32, u32))>,
    values: Vec<(u32, u32, T)>,
}

/// calamine's `Data`, which has no serde of its own.
#[derive(Serialize, Deserialize)]
enum Cell {
    Int(i64),
    Float(f64),
    String(String),
    Bool(bool),
    DateTime {
        value: f64,
        duration: bool,
        is_1904: bool,
    },
    DateTimeIso(String),
    DurationIso(String),
    Error(u8),
}

const ERRORS: [CellErrorType; 8] = [
    CellErrorType::Div0,
    CellErrorType::NA,
    CellErrorType::Name,
    CellErrorType::Null,
    CellErrorType::Num,
    CellErrorType::Ref,
    CellErrorType::Value,
    CellErrorType::GettingData,
];

fn kind(duration: bool) -> ExcelDateTimeType {
    if duration {
        ExcelDateTimeType::TimeDelta
    } else {
        ExcelDateTimeType::DateTime
    }
}

impl Cell {
    fn of(d: &Data) -> Option<Cell> {
        Some(match d {
            Data::Empty => return None,
            Data::Int(i) => Cell::Int(*i),
            Data::Float(f) => Cell::Float(*f),
            Data::String(s) => Cell::String(s.clone()),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(t) => {
                // calamine keeps the 1904 flag private; tell it by the date
                // the same value gives under the 1900 system.
                let as_1900 = ExcelDateTime::new(t.as_f64(), kind(t.is_duration()), false);
                Cell::DateTime {
                    value: t.as_f64(),
                    duration: t.is_duration(),
                    is_1904: as_1900.as_datetime() != t.as_datetime(),
                }
            }
            Data::DateTimeIso(s) => Cell::DateTimeIso(s.clone()),
            Data::DurationIso(s) => Cell::DurationIso(s.clone()),
            Data::Error(e) => Cell::Error(ERRORS.iter().position(|x| x == e).unwrap_or(6) as u8),
        })
    }

    fn data(self) -> Data {
        match self {
            Cell::Int(i) => Data::Int(i),
            Cell::Float(f) => Data::Float(f),
            Cell::String(s) => Data::String(s),
            Cell::Bool(b) => Data::Bool(b),
            Cell::DateTime {
                value,
                duration,
                is_1904,
            } => Data::DateTime(ExcelDateTime::new(value, kind(duration), is_1904)),
            Cell::DateTimeIso(s) => Data::DateTimeIso(s),
            Cell::DurationIso(s) => Data::DurationIso(s),
            Cell::Error(i) => Data::Error(
                ERRORS
                    .get(i as usize)
                    .cloned()
                    .unwrap_or(CellErrorType::Value),
            ),
        }
    }
}

fn wire_range<T, W>(r: &Range<T>, f: impl Fn(&T) -> Option<W>) -> WireRange<W>
where
    T: calamine::CellType,
{
    WireRange {
        corners: r.start().zip(r.end()),
        values: r
            .cells()
            .filter_map(|(row, col, v)| {
                let (r0, c0) = r.start().unwrap_or((0, 0));
                f(v).map(|w| (r0 + row as u32, c0 + col as u32, w))
            })
            .collect(),
    }
}

fn range<T, W>(w: WireRange<W>, f: impl Fn(W) -> T) -> Range<T>
where
    T: calamine::CellType,
{
    let Some((start, end)) = w.corners else {
        return Range::empty();
    };
    let mut r = Range::new(start, end);
    for (row, col, v) in w.values {
        r.set_value((row, col), f(v));
    }
    r
}

impl WireSheet {
    fn of(s: &Sheet) -> WireSheet {
        WireSheet {
            name: s.name.clone(),
            visible: s.visible,
            cells: wire_range(&s.cells, Cell::of),
            formulas: wire_range(&s.formulas, |f: &String| (!f.is_empty()).then(|| f.clone())),
        }
    }

    fn sheet(self) -> Sheet {
        Sheet {
            name: self.name,
            visible: self.visible,
            cells: range(self.cells, Cell::data),
            formulas: range(self.formulas, |f| f),
        }
    }
}

fn write_frame(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(&(bytes.len() as u32).to_le_bytes())?;
    w.write_all(bytes)?;
    w.flush()
}

/// One frame, or `None` at a clean end of the stream.
fn read_frame(r: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut buf = vec![0u8; u32::from_le_bytes(len) as usize];
    r.read_exact(&mut buf)?;
    Ok(Some(buf))
}

// ----------------------------------------------------------- the worker ---

/// The worker's loop: a request and the file's bytes in, a reply out, until
/// the parent closes the pipe.
pub(crate) fn serve(input: impl Read, output: impl Write) -> Result<()> {
    let mut input = BufReader::new(input);
    let mut output = std::io::BufWriter::new(output);
    // The default hook would print a panic's backtrace note to stderr; the
    // parent logs what the worker says there, so one line is enough.
    std::panic::set_hook(Box::new(|info| {
        tracing::warn!("reader panicked: {info}");
    }));
    while let Some(header) = read_frame(&mut input)? {
        let request: Request =
            serde_json::from_slice(&header).context("malformed request to the reader")?;
        let bytes = read_frame(&mut input)?.context("request without its file")?;
        anyhow::ensure!(bytes.len() == request.len, "truncated file in a request");
        #[cfg(debug_assertions)]
        fault(&request.name);
        let reply = std::panic::catch_unwind(|| read_one(&bytes, &request)).unwrap_or_else(|p| {
            let what = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Reply::Panicked(what)
        });
        write_frame(&mut output, &serde_json::to_vec(&reply)?)?;
    }
    Ok(())
}

fn read_one(bytes: &[u8], request: &Request) -> Reply {
    let ext = super::names::extension(&request.name);
    let mut book = match workbook::read(bytes, ext, &request.limits) {
        Ok(b) => b,
        Err(e) => return Reply::Refused(e),
    };
    match read::parse(&mut book) {
        Ok(parsed) => Reply::Form(Box::new(WireForm::of(parsed))),
        Err(sender) => Reply::NotAForm(sender),
    }
}

#[cfg(debug_assertions)]
fn fault(name: &str) {
    let Ok(spec) = std::env::var(FAULT_VAR) else {
        return;
    };
    let Some((what, needle)) = spec.split_once(':') else {
        return;
    };
    if needle.is_empty() || !name.contains(needle) {
        return;
    }
    match what {
        "abort" => std::process::abort(),
        "panic" => panic!("fault injected for {name}"),
        "hang" => loop {
            std::thread::sleep(Duration::from_secs(3600));
        },
        "oom" => {
            let mut hog: Vec<Vec<u8>> = Vec::new();
            loop {
                hog.push(vec![1u8; 64 << 20]);
            }
        }
        _ => {}
    }
}

// ----------------------------------------------------------- the parent ---

/// Reads files through worker processes, one lane per core: a batch of
/// files is read on all lanes at once, a single file on the first.
pub struct Reader {
    how: Spawn,
    lanes: Vec<Lane>,
}

/// How workers are started.
struct Spawn {
    exe: PathBuf,
    limits: Limits,
}

/// One worker at a time, kept between files.
#[derive(Default)]
struct Lane {
    idle: Option<Worker>,
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<std::io::Result<Option<Vec<u8>>>>,
    /// What the worker wrote to stderr for the file in hand.
    said: Arc<Mutex<Vec<String>>>,
    stderr: Option<std::thread::JoinHandle<()>>,
    served: usize,
}

/// How a worker's attempt at one file ended.
enum Attempt {
    /// The file never reached the worker (its pipe failed): not the file's doing.
    NotDelivered(std::io::Error),
    Replied(Reply),
    /// It died; `fresh` when this was its first file.
    Died {
        oom: bool,
        fresh: bool,
    },
    TimedOut,
}

impl Reader {
    pub fn new(limits: &Limits) -> Result<Reader> {
        let lanes = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4);
        Ok(Reader {
            how: Spawn {
                exe: worker_exe()?,
                limits: limits.clone(),
            },
            lanes: (0..lanes).map(|_| Lane::default()).collect(),
        })
    }

    /// Read one file. `Err` only when no worker can be started at all: the
    /// file is then not to blame and stays where it is.
    pub fn read(&mut self, name: &str, bytes: &[u8]) -> Result<Outcome> {
        self.lanes[0].read(&self.how, name, bytes)
    }

    /// Read several files at once, one lane per core; the outcomes in the
    /// order of `files`.
    pub(crate) fn read_all(&mut self, files: &[(&str, &[u8])]) -> Vec<Result<Outcome>> {
        if files.len() <= 1 || self.lanes.len() == 1 {
            return files.iter().map(|(n, b)| self.read(n, b)).collect();
        }
        let how = &self.how;
        let lanes = self.lanes.len();
        let mut out: Vec<Option<Result<Outcome>>> = (0..files.len()).map(|_| None).collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = self
                .lanes
                .iter_mut()
                .enumerate()
                .map(|(l, lane)| {
                    s.spawn(move || {
                        files
                            .iter()
                            .enumerate()
                            .skip(l)
                            .step_by(lanes)
                            .map(|(i, (n, b))| (i, lane.read(how, n, b)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            for h in handles {
                match h.join() {
                    Ok(done) => {
                        for (i, r) in done {
                            out[i] = Some(r);
                        }
                    }
                    Err(_) => tracing::error!("a reader lane panicked"),
                }
            }
        });
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(anyhow::anyhow!("读取进程的调度线程异常退出"))))
            .collect()
    }
}

impl Lane {
    fn read(&mut self, how: &Spawn, name: &str, bytes: &[u8]) -> Result<Outcome> {
        let limits = &how.limits;
        let mut attempt = self.attempt(how, name, bytes)?;
        if let Attempt::Died { fresh: false, .. } | Attempt::NotDelivered(_) = attempt {
            // It may have died of what earlier files left; a fresh worker decides.
            attempt = self.attempt(how, name, bytes)?;
        }
        Ok(match attempt {
            Attempt::NotDelivered(e) => {
                return Err(e).context("无法把文件交给读取进程");
            }
            Attempt::Replied(Reply::Form(form)) => Outcome::Form(Box::new(form.parsed())),
            Attempt::Replied(Reply::NotAForm(sender)) => Outcome::NotAForm(sender),
            Attempt::Replied(Reply::Refused(e)) => Outcome::Refused(e),
            Attempt::Replied(Reply::Panicked(what)) => {
                tracing::warn!(file = %name, panic = %what, "the reader panicked on a file");
                Outcome::Refused(ReadError::Crashed)
            }
            Attempt::Died { oom: true, .. } => {
                tracing::warn!(file = %name, limit_mb = limits.max_reader_mb, "the reader ran out of memory on a file");
                Outcome::Refused(ReadError::OutOfMemory(limits.max_reader_mb))
            }
            Attempt::Died { oom: false, .. } => {
                tracing::warn!(file = %name, "the reader died on a file");
                Outcome::Refused(ReadError::Crashed)
            }
            Attempt::TimedOut => {
                tracing::warn!(file = %name, secs = limits.max_reader_secs, "the reader took too long on a file");
                Outcome::Refused(ReadError::TimedOut(limits.max_reader_secs))
            }
        })
    }

    fn attempt(&mut self, how: &Spawn, name: &str, bytes: &[u8]) -> Result<Attempt> {
        let limits = &how.limits;
        let mut w = match self.idle.take() {
            Some(w) => w,
            None => how.spawn()?,
        };
        let fresh = w.served == 0;
        w.said.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let header = serde_json::to_vec(&Request {
            name: name.to_string(),
            limits: limits.clone(),
            len: bytes.len(),
        })?;
        let sent =
            write_frame(&mut w.stdin, &header).and_then(|_| write_frame(&mut w.stdin, bytes));
        if let Err(e) = sent {
            w.stop();
            return Ok(Attempt::NotDelivered(e));
        }
        let timeout = Duration::from_secs(limits.max_reader_secs.max(1));
        match w.replies.recv_timeout(timeout) {
            Ok(Ok(Some(frame))) => match serde_json::from_slice::<Reply>(&frame) {
                Ok(reply) => {
                    w.served += 1;
                    if w.served < RECYCLE_AFTER {
                        self.idle = Some(w);
                    } else {
                        w.stop();
                    }
                    Ok(Attempt::Replied(reply))
                }
                Err(_) => {
                    w.stop();
                    Ok(Attempt::Died { oom: false, fresh })
                }
            },
            Ok(Ok(None)) | Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
                let said = w.stop();
                let oom = said.iter().any(|l| l.contains("memory allocation of"));
                Ok(Attempt::Died { oom, fresh })
            }
            Err(RecvTimeoutError::Timeout) => {
                w.stop();
                Ok(Attempt::TimedOut)
            }
        }
    }
}

impl Spawn {
    fn spawn(&self) -> Result<Worker> {
        let mut cmd = Command::new(&self.exe);
        cmd.arg(WORKER_COMMAND)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("RUST_LOG");
        let limit = self.limits.max_reader_mb.saturating_mul(1024 * 1024);
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || {
                // A worker never outlives the process that feeds it.
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                let rl = libc::rlimit {
                    rlim_cur: limit as libc::rlim_t,
                    rlim_max: limit as libc::rlim_t,
                };
                if limit > 0 && libc::setrlimit(libc::RLIMIT_AS, &rl) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = cmd
            .spawn()
            .with_context(|| format!("无法启动读取进程 {}", self.exe.display()))?;
        let stdin = child.stdin.take().context("读取进程没有输入管道")?;
        let mut stdout = child.stdout.take().context("读取进程没有输出管道")?;
        let stderr = child.stderr.take().context("读取进程没有错误输出管道")?;
        let (tx, replies) = mpsc::channel();
        std::thread::Builder::new()
            .name("reader-out".into())
            .spawn(move || {
                loop {
                    let frame = read_frame(&mut stdout);
                    let end = !matches!(frame, Ok(Some(_)));
                    if tx.send(frame).is_err() || end {
                        return;
                    }
                }
            })?;
        let said = Arc::new(Mutex::new(Vec::new()));
        let lines = said.clone();
        let stderr = std::thread::Builder::new()
            .name("reader-err".into())
            .spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { return };
                    // Library warnings (calamine's, in English) are for the log,
                    // never for the office's terminal.
                    tracing::debug!(target: "minsheng::reader", "{line}");
                    let mut said = lines.lock().unwrap_or_else(|e| e.into_inner());
                    if said.len() < 50 {
                        said.push(line);
                    }
                }
            })?;
        Ok(Worker {
            child,
            stdin,
            replies,
            said,
            stderr: Some(stderr),
            served: 0,
        })
    }
}

impl Worker {
    /// End the worker (killed if it still runs) and return what it said.
    fn stop(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(t) = self.stderr.take() {
            let _ = t.join();
        }
        std::mem::take(&mut *self.said.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        if let Some(w) = self.idle.take() {
            // Closing its input ends the worker's loop.
            drop(w.stdin);
            let mut child = w.child;
            let _ = child.wait();
        }
    }
}

/// The binary that runs workers: this one, or for another program using the
/// library, `MINSHENG_EXE` or a `minsheng` beside it or one folder up
/// (`target/release/deps/…` → `target/release/minsheng`).
fn worker_exe() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(EXE_VAR) {
        return Ok(PathBuf::from(p));
    }
    let me = std::env::current_exe().context("无法确定程序所在位置")?;
    if me
        .file_stem()
        .is_some_and(|s| s.to_string_lossy().starts_with("minsheng"))
        && !me.components().any(|c| c.as_os_str() == "deps")
    {
        return Ok(me);
    }
    me.ancestors()
        .skip(1)
        .take(2)
        .map(|d| d.join("minsheng"))
        .find(|p| p.is_file())
        .with_context(|| format!("找不到 minsheng 程序（可用环境变量 {EXE_VAR} 指定）"))
}
