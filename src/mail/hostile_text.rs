//! Text the mail code did not write: server replies, queued `.eml` files
//! that a disk or a hand may have damaged, addresses and names from the
//! configuration. Every parser of it, fed generated hostile text and
//! bytes, answers without panicking; what it answers still holds.

use super::mime::{self, Mailbox};
use super::reply::Reply;
use crate::hostile::Hostile;

const CASES: u64 = 4000;

#[test]
fn server_replies_of_any_shape_are_read_or_refused() {
    let mut g = Hostile::new(1);
    for _ in 0..CASES {
        let line = g.text(12);
        if let Some(r) = Reply::parse(&line) {
            assert!((200..600).contains(&r.code), "{line:?}");
            let _ = (r.permanent(), r.meaning().label());
        }
        let lossy = String::from_utf8_lossy(&g.bytes(12)).into_owned();
        let _ = Reply::parse(&lossy);
    }
}

#[test]
fn damaged_queue_files_keep_their_body_and_never_panic() {
    let mut g = Hostile::new(2);
    let from = Mailbox::parse("专班 <zhuanban@example.cn>").unwrap();
    for _ in 0..CASES {
        let mut eml = g.bytes(10);
        if g.below(2) == 0 {
            eml.extend_from_slice(b"\r\n\r\n");
            eml.extend_from_slice(&g.bytes(6));
        }
        let _ = mime::message_id(&eml);
        let replaced = mime::replace_from(&eml, &from);
        if let Some(end) = eml.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(replaced.ends_with(&eml[end + 2..]), "the body kept");
        }
    }
}

#[test]
fn names_and_addresses_from_the_configuration_are_parsed_or_refused() {
    let mut g = Hostile::new(3);
    for _ in 0..CASES {
        let s = g.text(10);
        if let Ok(m) = Mailbox::parse(&s) {
            let _ = m;
        }
        let _ = mime::parse_address(&s);
        let cleaned = mime::clean(&s);
        assert!(!cleaned.contains(['\r', '\n']), "{s:?} → {cleaned:?}");
        let name = mime::attachment_name(&s);
        assert!(name.chars().count() <= 80 && !name.is_empty(), "{s:?}");
        for w in mime::encode_words(&s) {
            assert!(w.is_ascii(), "{w}");
        }
        assert!(mime::rfc2231(&s).is_ascii());
    }
}
