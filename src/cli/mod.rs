//! The command line: what the user typed ([`args`]) becomes typed values (a
//! [`Period`], a department the catalog knows, paths), the library does the
//! work, and the command prints text or `--json`. Only this folder and
//! `main.rs` print to stdout or read command-line arguments.

mod args;
mod catalog;
mod demo;
mod doctor;
mod forms;
mod ingest;
mod init;
mod links;
mod mail;
mod output;
mod remind;
mod report;
mod status;
mod web;

pub use args::Cli;

use crate::error::UserError;
use crate::plan::{BadPeriod, Period};
use crate::workspace::Workspace;
use anyhow::Result;
use args::{Command, LogFormat};

/// Run one command.
pub fn run(cli: Cli) -> Result<()> {
    init_logging(cli.log_format, matches!(cli.command, Command::Run));
    let ws_dir = cli.workspace.as_deref();
    let open = || Workspace::open(ws_dir);
    match cli.command {
        Command::Init { dir, plan } => init::run(&dir, plan.as_deref()),
        Command::Catalog { json, action } => catalog::run(ws_dir, json, action),
        Command::Forms {
            period,
            department,
            draft,
            json,
        } => forms::run(
            &open()?,
            period.as_deref(),
            department.as_deref(),
            draft,
            json,
        ),
        Command::Ingest { files, json } => ingest::run(&open()?, &files, json),
        Command::Status { period, json } => status::run(&open()?, period.as_deref(), json),
        Command::Report {
            period,
            send,
            draft,
        } => report::run(&open()?, period.as_deref(), send, draft),
        Command::Remind { period, draft } => remind::run(&open()?, period.as_deref(), draft),
        Command::Mail { action } => mail::run(&open()?, &action),
        Command::Doctor { json } => doctor::run(ws_dir, json),
        Command::Run => web::run_daemon(open()?),
        Command::Web { action } => web::run(&open()?, action),
        Command::Links {
            json,
            renew,
            renew_all,
        } => links::run(&open()?, renew.as_deref(), renew_all, json),
        Command::Demo { dir } => demo::run(dir.as_deref()),
        // Frames on stdin and stdout, not text for a person.
        Command::Reader => {
            crate::intake::reader::serve(std::io::stdin().lock(), std::io::stdout().lock())
        }
    }
}

/// The period a command was given, or the default one, checked against the plan year.
fn period_arg(ws: &Workspace, given: Option<&str>) -> Result<Period> {
    let Some(s) = given else {
        return Ok(ws.default_period());
    };
    let p: Period = s
        .parse()
        .map_err(|e: BadPeriod| UserError::usage(e.to_string()))?;
    if p.year != ws.catalog.plan.year {
        return Err(UserError::usage(format!(
            "期次 {p} 不在计划年度 {} 年内（应为 {}-01 至 {}-12）",
            ws.catalog.plan.year, ws.catalog.plan.year, ws.catalog.plan.year
        ))
        .into());
    }
    Ok(p)
}

fn init_logging(format: LogFormat, daemon: bool) {
    use tracing_subscriber::EnvFilter;
    let default = if daemon { "info" } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Colours only on a terminal: a service's log file must stay plain text.
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Human => builder.with_target(false).try_init(),
    };
}
