//! `If-Match`: a client's condition that a resource is still the version
//! it read. The tags this API issues for articles and users name the
//! stored `version` (`"v<version>-<digest>"`); a tag matches when its
//! version is the stored one, so a favorite or a profile change of the
//! author (which change the answer's digest, not the article's version)
//! never fails an edit.

/// What an `If-Match` header asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: the resource exists.
    Any,
    /// The versions the listed tags name (a tag this API did not issue
    /// names none, and matches nothing).
    Versions(Vec<u64>),
}

impl IfMatch {
    pub fn parse(header: &str) -> Self {
        if header.trim() == "*" {
            return Self::Any;
        }
        Self::Versions(header.split(',').filter_map(version_of).collect())
    }

    /// Whether the stored `version` is one the client asked for.
    pub fn holds(&self, version: u64) -> bool {
        match self {
            Self::Any => true,
            Self::Versions(versions) => versions.contains(&version),
        }
    }
}

/// The version an entity tag of this API names.
fn version_of(tag: &str) -> Option<u64> {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let inner = tag.strip_prefix('"')?.strip_suffix('"')?;
    let rest = inner.strip_prefix('v')?;
    let digits = rest.split('-').next()?;
    digits.parse().ok()
}

/// The entity tag of a versioned resource's answer: its version, and a
/// digest of the answer's body (what a cache compares for `If-None-Match`).
pub fn versioned_tag(version: u64, body: &[u8]) -> String {
    format!("\"v{version}-{:016x}\"", digest(body))
}

/// The entity tag of any other answer: a digest of its body.
pub fn tag(body: &[u8]) -> String {
    format!("\"{:016x}\"", digest(body))
}

/// FNV-1a over the bytes, 64 bits: a tag needs to change when the body
/// does, not to resist a forger (a client can only fool its own cache).
fn digest(body: &[u8]) -> u64 {
    body.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_matches_by_the_version_it_names() {
        let tag = versioned_tag(7, b"{}");
        assert!(IfMatch::parse(&tag).holds(7));
        assert!(!IfMatch::parse(&tag).holds(8));
        assert!(IfMatch::parse(&format!("W/{tag}, \"v9-0\"")).holds(9));
        assert!(IfMatch::parse("*").holds(3));
        for foreign in ["\"abc\"", "v7", "\"7\"", "", "\"v-1\""] {
            assert_eq!(
                IfMatch::parse(foreign),
                IfMatch::Versions(vec![]),
                "{foreign}"
            );
        }
        assert_ne!(tag, versioned_tag(7, b"{ }"));
        assert_eq!(self::tag(b"x"), self::tag(b"x"));
    }
}
