//! The hidden `_meta` sheet of a form: who it was issued to, for which
//! period, from which catalog, signed with the workspace's key so a return
//! can be traced to a form this office issued.

use hmac::{KeyInit, Mac};
use std::collections::BTreeMap;

pub const SHEET: &str = "_meta";
const SCHEMA: &str = "1";
/// The keys DESIGN.md fixes, in the order the sheet lists them.
pub const KEYS: [&str; 7] = [
    "schema",
    "catalog",
    "catalog_version",
    "department",
    "period",
    "issued_at",
    "signature",
];

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Lowercase hex HMAC-SHA256 over the lines `key=value\n` of every key but
/// `signature`, sorted by key.
fn sign(meta: &BTreeMap<String, String>, key: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    for (k, v) in meta.iter().filter(|(k, _)| k.as_str() != "signature") {
        mac.update(format!("{k}={v}\n").as_bytes());
    }
    crate::text::hex(&mac.finalize().into_bytes())
}

/// Whether `meta` carries a signature this key made over exactly these values.
pub fn verify(meta: &BTreeMap<String, String>, key: &[u8]) -> bool {
    let Some(given) = meta.get("signature") else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes a key of any length");
    for (k, v) in meta.iter().filter(|(k, _)| k.as_str() != "signature") {
        mac.update(format!("{k}={v}\n").as_bytes());
    }
    let Some(bytes) = Some(given.trim())
        .filter(|g| g.len() == 64)
        .and_then(crate::text::unhex)
    else {
        return false;
    };
    mac.verify_slice(&bytes).is_ok()
}

/// The meta rows of a new form, signature included.
pub(crate) fn issue(
    catalog_id: &str,
    catalog_version: &str,
    department: &str,
    period: &str,
    issued_at: &str,
    key: &[u8],
) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    m.insert("schema".to_string(), SCHEMA.to_string());
    m.insert("catalog".to_string(), catalog_id.to_string());
    m.insert("catalog_version".to_string(), catalog_version.to_string());
    m.insert("department".to_string(), department.to_string());
    m.insert("period".to_string(), period.to_string());
    m.insert("issued_at".to_string(), issued_at.to_string());
    let sig = sign(&m, key);
    m.insert("signature".to_string(), sig);
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_contract_and_breaks_on_any_change() {
        let key = b"0123456789abcdef0123456789abcdef";
        let m = issue(
            "pingjiang-2024",
            "2024.1",
            "县教育局",
            "2024-03",
            "2024-04-01T09:00:00+08:00",
            key,
        );
        let sig = &m["signature"];
        assert_eq!(sig.len(), 64);
        assert!(
            sig.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(verify(&m, key));
        assert!(!verify(&m, b"another key"));
        for k in KEYS.iter().filter(|k| **k != "signature") {
            let mut changed = m.clone();
            changed.get_mut(*k).unwrap().push('x');
            assert!(
                !verify(&changed, key),
                "changing {k} kept the signature valid"
            );
        }
    }

    #[test]
    fn payload_is_sorted_key_equals_value_lines() {
        // Same computation as ../shared/tools/formlib.py meta_signature.
        let mut m = BTreeMap::new();
        m.insert("b".to_string(), "2".to_string());
        m.insert("a".to_string(), "1".to_string());
        let mut mac = HmacSha256::new_from_slice(b"k").unwrap();
        mac.update(b"a=1\nb=2\n");
        assert_eq!(
            sign(&m, b"k"),
            crate::text::hex(&mac.finalize().into_bytes())
        );
    }
}
