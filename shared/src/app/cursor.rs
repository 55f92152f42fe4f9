//! Cursors: where the next page of a list starts, as the client carries it.
//!
//! A cursor is opaque to clients: URL-safe base64 of a tagged position. It
//! is not a secret and needs no signature: it only says where to start
//! reading, and a forged one can only point somewhere in the same list. The
//! tag keeps an article cursor out of a comment list and back.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::ground::keys::Position;

const ARTICLES: &str = "a:";
const COMMENTS: &str = "c:";

/// Longer than any cursor this API issues; a longer one is not decoded.
const MAX_LEN: usize = 128;

pub fn articles(position: &Position) -> String {
    URL_SAFE_NO_PAD.encode(format!("{ARTICLES}{}", position.as_str()))
}

pub fn comments(before: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{COMMENTS}{before}"))
}

fn decode(cursor: &str, tag: &str) -> Option<String> {
    if cursor.len() > MAX_LEN {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix(tag)
        .map(str::to_owned)
}

/// The position an article-list cursor names, if it is one this API issued.
pub fn parse_articles(cursor: &str) -> Option<Position> {
    Position::parse(&decode(cursor, ARTICLES)?)
}

/// The comment id a comment-list cursor names.
pub fn parse_comments(cursor: &str) -> Option<u64> {
    let id = decode(cursor, COMMENTS)?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    id.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_stay_in_their_kind_of_list() {
        let p = Position::new(
            "2026-01-01T00:00:00.000Z",
            "0190b3a0-0000-7000-8000-000000000001",
        );
        let a = articles(&p);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(parse_articles(&a), Some(p));
        assert_eq!(parse_comments(&comments(42)), Some(42));
        assert_eq!(parse_comments(&a), None);
        assert_eq!(parse_articles(&comments(42)), None);
        for bad in [
            "",
            "!!!",
            "YTo",
            &"A".repeat(500),
            &URL_SAFE_NO_PAD.encode("c:-1"),
        ] {
            assert_eq!(parse_articles(bad), None, "{bad}");
            assert_eq!(parse_comments(bad), None, "{bad}");
        }
    }
}
