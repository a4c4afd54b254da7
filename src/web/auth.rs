//! The office's password (an Argon2id hash under `var/`), sessions held in
//! memory, and the throttle on failed logins.

use crate::workspace::Workspace;
use anyhow::{Context, Result};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A session ends after this long without a request.
const IDLE: Duration = Duration::from_secs(12 * 3600);
/// Failed logins from one address counted over this window…
const FAIL_WINDOW: Duration = Duration::from_secs(10 * 60);
/// …this many of them…
const MAX_FAILS: usize = 10;
/// …block the address for this long.
const BLOCK: Duration = Duration::from_secs(15 * 60);

pub(crate) const COOKIE: &str = "minsheng_session";

/// Where the office password's hash is kept (a PHC string, mode 0600).
pub fn password_path(ws: &Workspace) -> PathBuf {
    ws.var().join("web-password")
}

pub(crate) fn has_password(ws: &Workspace) -> bool {
    password_path(ws).is_file()
}

/// Hash `password` with Argon2id and a fresh salt, and replace the stored hash.
pub fn set_password(ws: &Workspace, password: &str) -> Result<PathBuf> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("无法生成随机数：{e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    let phc = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("无法计算密码哈希：{e}"))?
        .to_string();
    let path = password_path(ws);
    crate::fsx::write_private_atomic(&path, format!("{phc}\n").as_bytes())?;
    Ok(path)
}

/// Whether `password` is the office's; a missing or damaged hash matches nothing.
pub fn verify(ws: &Workspace, password: &str) -> Result<bool> {
    let path = password_path(ws);
    let phc = std::fs::read_to_string(&path)
        .with_context(|| format!("无法读取密码文件 {}", path.display()))?;
    let Ok(hash) = PasswordHash::new(phc.trim()) else {
        tracing::error!(file = %path.display(), "the stored password hash is damaged");
        return Ok(false);
    };
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &hash)
        .is_ok())
}

/// A random token, hex.
pub(crate) fn token() -> String {
    let mut b = [0u8; 32];
    // The OS random source failing is not something a request can recover from.
    getrandom::fill(&mut b).expect("the OS random source works");
    crate::text::hex(&b)
}

#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) csrf: String,
    seen: Instant,
}

#[derive(Default)]
struct Failures {
    at: VecDeque<Instant>,
    blocked_until: Option<Instant>,
}

#[derive(Default)]
pub(crate) struct Auth {
    sessions: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

impl Auth {
    /// A new session.
    pub(crate) fn open(&self) -> Session {
        let s = Session {
            id: token(),
            csrf: token(),
            seen: Instant::now(),
        };
        let mut all = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        all.retain(|_, x| x.seen.elapsed() < IDLE);
        all.insert(s.id.clone(), s.clone());
        s
    }

    /// The live session with this id, its idle clock restarted.
    pub(crate) fn find(&self, id: &str) -> Option<Session> {
        let mut all = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let s = all.get_mut(id)?;
        if s.seen.elapsed() >= IDLE {
            all.remove(id);
            return None;
        }
        s.seen = Instant::now();
        Some(s.clone())
    }

    pub(crate) fn close(&self, id: &str) {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    /// Whether the address is blocked for too many failed logins.
    pub(crate) fn blocked(&self, ip: IpAddr) -> bool {
        let all = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        all.get(&ip)
            .and_then(|f| f.blocked_until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Count a failed login; the tenth within the window blocks the address.
    pub(crate) fn failed(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut all = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let f = all.entry(ip).or_default();
        while f
            .at
            .front()
            .is_some_and(|t| now.duration_since(*t) >= FAIL_WINDOW)
        {
            f.at.pop_front();
        }
        f.at.push_back(now);
        if f.at.len() >= MAX_FAILS {
            f.blocked_until = Some(now + BLOCK);
            f.at.clear();
            tracing::warn!(client = %ip, "too many failed logins: blocked for 15 minutes");
        }
    }
}

/// The session id the request's cookie carries.
pub(crate) fn cookie_id(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_string())
}

/// Compare two secrets in time that does not depend on where they differ.
pub(crate) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_block_an_address_and_others_stay_free() {
        let a = Auth::default();
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..9 {
            a.failed(ip);
        }
        assert!(!a.blocked(ip));
        a.failed(ip);
        assert!(a.blocked(ip));
        assert!(!a.blocked("192.0.2.2".parse().unwrap()));
    }

    #[test]
    fn a_session_is_found_by_its_id_until_closed() {
        let a = Auth::default();
        let s = a.open();
        assert_eq!(a.find(&s.id).unwrap().csrf, s.csrf);
        a.close(&s.id);
        assert!(a.find(&s.id).is_none());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
