//! The departments' links (`/d/<token>`) and the leaders' board link
//! (`/b/<token>`): what `minsheng links` lists and renews, what the office
//! page shows, what the guide sheet and the reminder carry, and whose a
//! presented token is.
//!
//! A token is derived from the workspace's link key (`var/link.key`), the
//! department and the link's generation, so the links can be listed again
//! at any time; the ledger keeps only each token's SHA-256, and a token is
//! valid exactly while its hash is there. Renewing one link bumps its
//! generation; renewing all replaces the key as well.

use crate::error::UserError;
use crate::ledger::Ledger;
use crate::workspace::Workspace;
use anyhow::Result;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde::Serialize;
use sha2::Digest;

/// The board's row in the ledger's `links` table.
const BOARD: &str = "";
/// Bytes of a token: 192 random-looking bits, 32 URL-safe characters.
const TOKEN_BYTES: usize = 24;

/// Whose link a token opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    Department(String),
    Board,
}

/// One department's link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DepartmentLink {
    pub(crate) department: String,
    pub(crate) url: String,
}

/// What `links --json` prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Links {
    pub(crate) links: Vec<DepartmentLink>,
    pub(crate) board: String,
}

/// Which links to replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Renew {
    Department(String),
    All,
}

/// The token of `department`'s link ('' for the board) at `generation`.
fn derive(key: &[u8], department: &str, generation: i64) -> String {
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("minsheng-link\0{department}\0{generation}").as_bytes());
    let bytes = mac.finalize().into_bytes();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes[..TOKEN_BYTES])
}

/// How the ledger keeps a token.
fn token_hash(token: &str) -> String {
    crate::text::hex(&sha2::Sha256::digest(token.as_bytes()))
}

/// Whether `token` is shaped like one this module makes; anything else is
/// answered like an unknown token without asking the ledger.
fn well_formed(token: &str) -> bool {
    token.len() == 32
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The address links start with: `[web] public_url`, else `http://<listen>`
/// (the default listen address when the page is turned off).
fn base(ws: &Workspace) -> String {
    ws.config
        .web
        .base_url()
        .or_else(|| crate::config::Web::default().base_url())
        .unwrap_or_default()
}

fn department_url(base: &str, token: &str) -> String {
    format!("{base}/d/{token}")
}

fn board_url(base: &str, token: &str) -> String {
    format!("{base}/b/{token}")
}

/// Every link the catalog's departments and the leaders need, made where
/// missing, with their tokens. A row whose hash no longer matches the key
/// (the key was replaced and a renewal did not finish) is brought in line,
/// so listing also finishes an interrupted `--renew-all`.
fn ensure(ws: &Workspace, ledger: &mut Ledger) -> Result<Vec<(String, String)>> {
    let key = ws.link_key()?;
    let stored = ledger.links()?;
    let mut out = Vec::new();
    let mut changed = Vec::new();
    let owners = std::iter::once(BOARD).chain(ws.catalog.departments.iter().map(String::as_str));
    for owner in owners {
        let generation = stored.get(owner).map_or(1, |(g, _)| *g);
        let token = derive(&key, owner, generation);
        let hash = token_hash(&token);
        if stored.get(owner).is_none_or(|(_, h)| *h != hash) {
            changed.push((owner.to_string(), generation, hash));
        }
        out.push((owner.to_string(), token));
    }
    if !changed.is_empty() {
        ledger.put_links(&changed, ws.clock.now().fixed_offset())?;
    }
    Ok(out)
}

fn listing(ws: &Workspace, tokens: Vec<(String, String)>) -> Links {
    let base = base(ws);
    let mut board = String::new();
    let mut links = Vec::new();
    for (owner, token) in tokens {
        if owner == BOARD {
            board = board_url(&base, &token);
        } else {
            links.push(DepartmentLink {
                url: department_url(&base, &token),
                department: owner,
            });
        }
    }
    Links { links, board }
}

/// Every department's link and the board's, made on first use.
pub(crate) fn links(ws: &Workspace) -> Result<Links> {
    let mut ledger = Ledger::open(&ws.ledger_path())?;
    let tokens = ensure(ws, &mut ledger)?;
    Ok(listing(ws, tokens))
}

/// Replace one department's link, or all of them and the board's: the old
/// tokens open nothing from the moment this returns, in a running daemon too.
pub(crate) fn renew(ws: &Workspace, which: &Renew) -> Result<Links> {
    let mut ledger = Ledger::open(&ws.ledger_path())?;
    match which {
        Renew::All => ws.renew_link_key()?,
        Renew::Department(d) => {
            if !ws.catalog.departments.iter().any(|x| x == d) {
                return Err(UserError::usage(format!(
                    "任务目录中没有单位“{d}”。可用 minsheng links 查看各单位名称"
                ))
                .into());
            }
            let key = ws.link_key()?;
            let generation = ledger.links()?.get(d.as_str()).map_or(1, |(g, _)| *g) + 1;
            let hash = token_hash(&derive(&key, d, generation));
            ledger.put_links(
                &[(d.clone(), generation, hash)],
                ws.clock.now().fixed_offset(),
            )?;
        }
    }
    let tokens = ensure(ws, &mut ledger)?;
    Ok(listing(ws, tokens))
}

/// Whose link `token` is, among the departments the catalog still lists.
pub(crate) fn owner(ws: &Workspace, ledger: &Ledger, token: &str) -> Result<Option<Owner>> {
    if !well_formed(token) {
        return Ok(None);
    }
    Ok(match ledger.link_owner(&token_hash(token))? {
        Some(d) if d == BOARD => Some(Owner::Board),
        Some(d) if ws.catalog.departments.contains(&d) => Some(Owner::Department(d)),
        _ => None,
    })
}

/// `department`'s link for what is handed to people (the guide sheet, the
/// reminder): only when `[web] public_url` says how they reach the page.
pub(crate) fn handed_out(ws: &Workspace, department: &str) -> Result<Option<String>> {
    if ws.config.web.public_url.is_none() {
        return Ok(None);
    }
    Ok(links(ws)?
        .links
        .into_iter()
        .find(|l| l.department == department)
        .map(|l| l.url))
}

/// The leaders' board link for the bulletin mail, under the same condition.
pub(crate) fn board_handed_out(ws: &Workspace) -> Result<Option<String>> {
    if ws.config.web.public_url.is_none() {
        return Ok(None);
    }
    Ok(Some(links(ws)?.board))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_url_safe_and_differ_by_department_generation_and_key() {
        let a = derive(b"k1", "县教育局", 1);
        assert!(well_formed(&a), "{a}");
        assert_eq!(a, derive(b"k1", "县教育局", 1), "listed again, the same");
        let others = [
            derive(b"k1", "县民政局", 1),
            derive(b"k1", "县教育局", 2),
            derive(b"k2", "县教育局", 1),
            derive(b"k1", "", 1),
        ];
        for o in others {
            assert_ne!(a, o);
            assert!(well_formed(&o));
        }
        // 24 bytes of HMAC output: at least 128 bits an attacker must guess.
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&a)
            .unwrap();
        assert!(decoded.len() * 8 >= 128);
    }

    #[test]
    fn only_a_hash_of_the_token_is_kept_and_odd_shapes_are_refused() {
        let t = derive(b"k", "县教育局", 1);
        let h = token_hash(&t);
        assert_eq!(h.len(), 64);
        assert!(!h.contains(&t));
        for bad in [
            "",
            "short",
            &format!("{t}x"),
            "../../../../etc/passwd/aaaaaaaaaa",
            &t.replace(|c: char| c.is_ascii_alphabetic(), "。"),
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
    }
}
