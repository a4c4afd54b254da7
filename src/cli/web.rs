//! `minsheng web password`, and what `run` says about the page it serves.

use super::args::WebAction;
use super::output::print_text;
use crate::error::UserError;
use crate::web::{self, Serving};
use crate::workspace::Workspace;
use anyhow::{Context, Result};
use std::io::{BufRead, IsTerminal, Write};

pub(super) fn run(ws: &Workspace, action: WebAction) -> Result<()> {
    match action {
        WebAction::Password => password(ws),
    }
}

/// `run`: refuse a LAN page without a password before anything starts,
/// then tell the office where the page is once it is (or is not) served.
pub(super) fn run_daemon(ws: Workspace) -> Result<()> {
    web::check_exposure(&ws)?;
    crate::daemon::run(ws, |serving| {
        let text = match serving {
            Serving::Off => {
                "未开启办公室网页（minsheng.toml 中 [web] listen 为空）。\n".to_string()
            }
            Serving::At { url, lan } => {
                let mut s = format!("办公室网页：{url}  （用浏览器打开）\n");
                if !lan {
                    s.push_str("目前只有本机能打开；要让局域网其他电脑打开，先运行 minsheng web password 设置密码，再把 [web] listen 改为 \"0.0.0.0:8080\"。\n");
                }
                s
            }
            Serving::Failed { listen, why } => {
                format!("办公室网页未能启动（{listen}：{why}）；收件、定时任务和发信照常进行。\n")
            }
        };
        let _ = print_text(&text);
    })
}

fn password(ws: &Workspace) -> Result<()> {
    let stdin = std::io::stdin();
    let password = if stdin.is_terminal() {
        let first = ask("请输入办公室网页密码：")?;
        let second = ask("请再输入一次：")?;
        if first != second {
            return Err(UserError::usage("两次输入的密码不一致，密码未更改").into());
        }
        first
    } else {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("无法读取标准输入")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    if password.trim().is_empty() {
        return Err(UserError::usage("密码不能为空，密码未更改").into());
    }
    let path = web::set_password(ws, &password)?;
    print_text(&format!(
        "办公室网页密码已设置（只保存其哈希值，在 {}）。已登录的人需要重新登录。\n",
        path.display()
    ))
}

/// Ask on the terminal without echoing what is typed.
fn ask(prompt: &str) -> Result<String> {
    let mut err = std::io::stderr();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let _echo = EchoOff::new();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("无法读取输入")?;
    let _ = writeln!(err);
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The terminal's echo turned off while it lives.
struct EchoOff(Option<libc::termios>);

impl EchoOff {
    fn new() -> EchoOff {
        // SAFETY: tcgetattr/tcsetattr only read and write the struct given.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(0, &mut t) != 0 {
                return EchoOff(None);
            }
            let saved = t;
            t.c_lflag &= !libc::ECHO;
            libc::tcsetattr(0, libc::TCSANOW, &t);
            EchoOff(Some(saved))
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if let Some(t) = &self.0 {
            // SAFETY: restores the settings read in `new`.
            unsafe {
                libc::tcsetattr(0, libc::TCSANOW, t);
            }
        }
    }
}
