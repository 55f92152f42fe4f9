//! Slugs: the URL name of an article, made from its title.

/// Longest slug made from a title, before any suffix.
const SLUG_MAX: usize = 80;

/// Fixed path segments where a slug would stand (`/api/articles/feed`): a
/// slug equal to one could never be fetched, so such a title gets
/// `<segment>-article`. A test checks this against the router's routes.
pub const RESERVED: &[&str] = &["feed"];

/// Lower-case ASCII letters and digits, runs of anything else made one `-`.
/// A title with none of those gets the slug `article`.
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len().min(SLUG_MAX));
    for c in title.chars() {
        if slug.len() >= SLUG_MAX {
            break;
        }
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "article".to_owned()
    } else if RESERVED.contains(&slug) {
        format!("{slug}-article")
    } else {
        slug.to_owned()
    }
}

/// `base` with a random suffix, for a title whose slug is taken.
pub fn with_suffix(base: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut bits = uuid::Uuid::new_v4().as_u128();
    let suffix: String = (0..8)
        .map(|_| {
            let c = ALPHABET[(bits % 36) as usize] as char;
            bits /= 36;
            c
        })
        .collect();
    format!("{base}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(
            slugify("How to train your dragon"),
            "how-to-train-your-dragon"
        );
        assert_eq!(slugify("  Hello, World!! 2026 "), "hello-world-2026");
        assert_eq!(slugify("Ünïcode—only?"), "n-code-only");
        assert_eq!(slugify("日本語"), "article");
        assert!(slugify(&"word ".repeat(100)).len() <= SLUG_MAX);
    }

    #[test]
    fn no_slug_is_a_fixed_route_segment() {
        assert_eq!(slugify("Feed"), "feed-article");
        assert_eq!(slugify("  FEED!"), "feed-article");
        assert_eq!(slugify("Feed me"), "feed-me");
        for segment in RESERVED {
            assert_ne!(slugify(segment), *segment);
        }
    }

    #[test]
    fn suffixes_differ() {
        let a = with_suffix("t");
        let b = with_suffix("t");
        assert!(a.starts_with("t-") && a.len() == 10);
        assert_ne!(a, b);
    }
}
