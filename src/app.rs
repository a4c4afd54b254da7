//! Runs one command: opens the workspace, calls the stage that does the
//! work, prints what the office needs to see.

use crate::cli::{CatalogAction, Cli, Command, LogFormat};
use crate::error::UserError;
use crate::period::Period;
use crate::workspace::Workspace;
use anyhow::Result;
use std::io::Write;

pub fn run(cli: Cli) -> Result<()> {
    init_logging(cli.log_format, matches!(cli.command, Command::Run));
    let ws_dir = cli.workspace.as_deref();
    match cli.command {
        Command::Init { dir } => {
            Workspace::init(&dir)?;
            println!("已新建工作目录：{}", dir.display());
            println!(
                "下一步：编辑 {}/minsheng.toml，然后运行 minsheng --workspace {} forms",
                dir.display(),
                dir.display()
            );
            Ok(())
        }
        // Drafting and comparing work on the files named, not on a workspace.
        Command::Catalog {
            action: Some(action),
            ..
        } => match action {
            CatalogAction::Draft { plan, out } => crate::draft::command(&plan, out.as_deref()),
            CatalogAction::Diff { a, b } => crate::catalog_diff::command(&a, &b),
        },
        Command::Catalog { json, action: None } => {
            let ws = Workspace::open(ws_dir)?;
            if json {
                print_json(&ws.catalog.to_json())
            } else {
                print_text(&crate::catalog_table::render(&ws.catalog))
            }
        }
        Command::Forms {
            period,
            department,
            json,
        } => {
            let ws = Workspace::open(ws_dir)?;
            crate::form::command(&ws, period.as_deref(), department.as_deref(), json)
        }
        Command::Ingest { files, json } => {
            let ws = Workspace::open(ws_dir)?;
            crate::intake::command(&ws, &files, json)
        }
        Command::Status { period, json } => {
            let ws = Workspace::open(ws_dir)?;
            crate::status::command(&ws, period.as_deref(), json)
        }
        Command::Report { period, send } => {
            let ws = Workspace::open(ws_dir)?;
            crate::report::command(&ws, period.as_deref(), send)
        }
        Command::Remind { period } => {
            let ws = Workspace::open(ws_dir)?;
            crate::mail::remind_command(&ws, period.as_deref())
        }
        Command::Mail { action } => {
            let ws = Workspace::open(ws_dir)?;
            crate::mail::command(&ws, &action)
        }
        Command::Run => crate::daemon::command(Workspace::open(ws_dir)?),
        Command::Demo { dir } => crate::demo::command(dir.as_deref()),
    }
}

/// The period a command was given, or the default one, checked against the plan year.
pub fn period_arg(ws: &Workspace, given: Option<&str>) -> Result<Period> {
    let Some(s) = given else {
        return Ok(ws.default_period());
    };
    let p: Period = s
        .parse()
        .map_err(|e: crate::period::BadPeriod| UserError::usage(e.to_string()))?;
    if p.year != ws.catalog.plan.year {
        return Err(UserError::usage(format!(
            "期次 {p} 不在计划年度 {} 年内（应为 {}-01 至 {}-12）",
            ws.catalog.plan.year, ws.catalog.plan.year, ws.catalog.plan.year
        ))
        .into());
    }
    Ok(p)
}

pub fn print_json(v: &serde_json::Value) -> Result<()> {
    print_text(&format!("{}\n", serde_json::to_string_pretty(v)?))
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
pub fn print_text(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
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
