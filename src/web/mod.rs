//! The office's console on the LAN, served by `minsheng run`: a door beside
//! [`crate::cli`]. Handlers turn a request into typed values (a period, a
//! ledger id), call what the commands call ([`crate::cycle`],
//! [`crate::report`], the ledger), and render a page on the server. Nothing
//! here prints, and no part of a URL is ever joined into a path.
//!
//! The board is drawn by [`board`] for whoever may see it; the office's
//! routes add the actions, so a department's or a leader's read-only page
//! can reuse it.

mod actions;
mod auth;
mod board;
mod chart;
mod department;
mod drain;
mod leaders;
mod links;
mod pages;
mod serve;
mod upload;

pub use auth::{password_path, set_password};
pub use serve::start;

use crate::error::UserError;
use crate::workspace::Workspace;
use anyhow::Result;
use std::net::{SocketAddr, ToSocketAddrs};

/// What `run` made of `[web] listen`.
#[derive(Debug, Clone, PartialEq)]
pub enum Serving {
    /// `listen = ""`.
    Off,
    /// Serving; `lan` when other machines can reach it.
    At { url: String, lan: bool },
    /// The address could not be taken; the daemon goes on without a page.
    Failed { listen: String, why: String },
}

/// Refuse to serve the office pages beyond this machine without a
/// password (a usage error, so `run` exits 2 naming the command to run).
pub(crate) fn check_exposure(ws: &Workspace) -> Result<()> {
    let listen = ws.config.web.listen.trim();
    if listen.is_empty() {
        return Ok(());
    }
    let addrs = addresses(listen)?;
    if addrs.iter().all(|a| a.ip().is_loopback()) || auth::has_password(ws) {
        return Ok(());
    }
    Err(UserError::usage(format!(
        "[web] listen = \"{listen}\" 让局域网内其他电脑也能打开办公室网页，但还没有设置密码。\
         请先运行 minsheng web password 设置办公室网页密码，或把 listen 改回 \"127.0.0.1:8080\" 只在本机使用"
    ))
    .into())
}

/// The socket addresses `listen` names.
fn addresses(listen: &str) -> Result<Vec<SocketAddr>> {
    let bad = || {
        UserError::usage(format!(
            "[web] listen = \"{listen}\" 不是有效的地址，应写成 \"127.0.0.1:8080\" 或 \"0.0.0.0:8080\""
        ))
    };
    let addrs: Vec<SocketAddr> = listen.to_socket_addrs().map_err(|_| bad())?.collect();
    if addrs.is_empty() {
        return Err(bad().into());
    }
    Ok(addrs)
}
