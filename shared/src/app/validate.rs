//! Input rules, each in one place. Every limit here is documented in
//! `docs/api.md` ("Input limits") and enforced before anything reaches DynamoDB, so no client input can turn
//! into a database validation error or a 5xx.

use crate::ground::error::FieldErrors;

pub const USERNAME_MAX: usize = 40;
pub const EMAIL_MAX: usize = 254;
pub const PASSWORD_MIN: usize = 8;
pub const PASSWORD_MAX: usize = 64;
pub const BIO_MAX: usize = 2_000;
pub const IMAGE_MAX: usize = 2_048;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 1_000;
pub const ARTICLE_BODY_MAX: usize = 50_000;
pub const COMMENT_BODY_MAX: usize = 10_000;
pub const TAGS_MAX: usize = 10;
pub const TAG_MAX: usize = 32;
pub const LIMIT_DEFAULT: usize = 20;
pub const LIMIT_MAX: usize = 100;
/// Skipping is paid entry by entry (~100 bytes each, so 1,000 cost about 25
/// read units); deeper pages are reached with a cursor, which costs one page
/// wherever it points.
pub const OFFSET_MAX: usize = 1_000;
/// A comment page holds at most this many, and by default as many: a
/// client that knows no cursor (the RealWorld front ends read comments in
/// one request) sees an ordinary thread whole. Bytes bound it as well
/// (`store::comments::PAGE_BYTES`, `app::views::COMMENT_ANSWER_BYTES`), so
/// only a thread of long comments is cut.
pub const COMMENT_LIMIT_MAX: usize = 500;
pub const COMMENT_LIMIT_DEFAULT: usize = COMMENT_LIMIT_MAX;

pub const BLANK: &str = "can't be blank";
pub const HIDDEN: &str = "can't contain control or invisible formatting characters";

/// What a text field holds, which decides its character policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One line (a title, a tag, a name): trimmed; no control characters and
    /// no invisible formatting characters at all.
    Line,
    /// Running text (a body, a bio): kept as sent; tab, line feed and
    /// carriage return allowed, and the zero-width joiner and non-joiner,
    /// which emoji sequences and several scripts need.
    Prose,
}

/// Whether `c` may stand in a field of this kind. Refused everywhere: NUL
/// and every other control character, bidirectional marks, embeddings,
/// overrides and isolates (U+061C, U+200E-U+200F, U+202A-U+202E,
/// U+2066-U+2069, which can make text read other than it is stored), zero-width
/// spaces and the word joiner (U+200B, U+2060-U+2064), the byte-order mark
/// (U+FEFF), the soft hyphen, and noncharacters.
fn allowed(c: char, kind: Kind) -> bool {
    let prose_only = matches!(c, '\t' | '\n' | '\r' | '\u{200C}' | '\u{200D}');
    if prose_only {
        return kind == Kind::Prose;
    }
    let hidden = c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}' | '\u{200E}' | '\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{FDD0}'..='\u{FDEF}')
        || (u32::from(c) & 0xFFFE) == 0xFFFE;
    !hidden
}

/// The one character rule every text field goes through: Unicode NFC (so
/// one text has one stored form), the characters `kind` allows, and for one
/// line the surrounding whitespace trimmed. `None` (with the error added)
/// for a refused character; a blank result is the caller's to judge.
pub fn clean(
    field: &'static str,
    value: &str,
    kind: Kind,
    errors: &mut FieldErrors,
) -> Option<String> {
    use unicode_normalization::UnicodeNormalization;
    if !value.chars().all(|c| allowed(c, kind)) {
        errors.add(field, HIDDEN);
        return None;
    }
    let value = if kind == Kind::Line {
        value.trim()
    } else {
        value
    };
    Some(value.nfc().collect())
}

/// A field of a partial update: absent, explicitly `null`, or a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Patch<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Only called when the key is present (absent keys take the default).
        Ok(match Option::<T>::deserialize(deserializer)? {
            Some(value) => Patch::Value(value),
            None => Patch::Null,
        })
    }
}

impl Patch<String> {
    /// A field that may be left out but, once given, must be valid: `null` is
    /// "can't be blank", a value goes through `check`.
    pub fn required(
        self,
        field: &'static str,
        errors: &mut FieldErrors,
        check: impl FnOnce(&str, &mut FieldErrors) -> Option<String>,
    ) -> Option<String> {
        match self {
            Patch::Absent => None,
            Patch::Null => {
                errors.add(field, BLANK);
                None
            }
            Patch::Value(value) => check(&value, errors),
        }
    }

    /// A field that may be cleared: `Some(None)` for `null` (and for whatever
    /// `check` maps to `None`, such as `""`), `None` when left out.
    pub fn clearable(
        self,
        errors: &mut FieldErrors,
        check: impl FnOnce(&str, &mut FieldErrors) -> Option<String>,
    ) -> Option<Option<String>> {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(value) => Some(check(&value, errors)),
        }
    }
}

fn too_long(max: usize) -> String {
    format!("is too long (maximum is {max} characters)")
}

fn length(value: &str) -> usize {
    value.chars().count()
}

/// Any required value: present and not blank.
pub fn required(
    field: &'static str,
    value: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<String> {
    match value {
        Some(v) if !v.trim().is_empty() => Some(v.to_owned()),
        _ => {
            errors.add(field, BLANK);
            None
        }
    }
}

/// A required username: 1 to 40 of `A-Z a-z 0-9 _ - .`, so it is safe in a URL path.
pub fn username(value: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let value = value.unwrap_or_default();
    if value.trim().is_empty() {
        errors.add("username", BLANK);
        return None;
    }
    if length(value) > USERNAME_MAX {
        errors.add("username", too_long(USERNAME_MAX));
        return None;
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        errors.add(
            "username",
            "may only contain letters, digits, '_', '-' and '.'",
        );
        return None;
    }
    if value == "." || value == ".." {
        // A profile URL ending in `/.` or `/..` is normalised away by clients.
        errors.add("username", "can't be '.' or '..'");
        return None;
    }
    Some(value.to_owned())
}

/// A required email address, trimmed. The check is deliberately loose (one `@`,
/// a dotted domain, no spaces): the only real test of an address is mail.
pub fn email(value: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let value = clean("email", value.unwrap_or_default(), Kind::Line, errors)?;
    let value = value.as_str();
    if value.is_empty() {
        errors.add("email", BLANK);
        return None;
    }
    if length(value) > EMAIL_MAX {
        errors.add("email", too_long(EMAIL_MAX));
        return None;
    }
    let valid = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !value.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if !valid {
        errors.add("email", "is invalid");
        return None;
    }
    Some(value.to_owned())
}

/// An email as a login sends it, read as registration stored it: the same
/// character policy (NFC, trimmed, nothing hidden), but no format rule, so
/// an address stored under older rules still signs in.
pub fn login_email(value: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let value = clean("email", value.unwrap_or_default(), Kind::Line, errors)?;
    if value.is_empty() {
        errors.add("email", BLANK);
        return None;
    }
    Some(value)
}

/// A password as a login or a credential change sends it: present, and
/// taken as it is (never trimmed, as registration takes it), whatever the
/// rules for new passwords are now.
pub fn login_password(
    field: &'static str,
    value: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<String> {
    match value {
        Some(v) if !v.is_empty() => Some(v.to_owned()),
        _ => {
            errors.add(field, BLANK);
            None
        }
    }
}

/// A required password of 8 to 64 characters (NIST SP 800-63B: length, no
/// composition rules). It is never trimmed: spaces are characters too.
pub fn password(value: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let value = value.unwrap_or_default();
    if value.is_empty() {
        errors.add("password", BLANK);
        return None;
    }
    let n = length(value);
    if n < PASSWORD_MIN {
        errors.add(
            "password",
            format!("is too short (minimum is {PASSWORD_MIN} characters)"),
        );
        return None;
    }
    if n > PASSWORD_MAX {
        errors.add("password", too_long(PASSWORD_MAX));
        return None;
    }
    Some(value.to_owned())
}

/// An optional profile text: `""` and `null` both mean "no value".
pub fn bio(value: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let value = value.filter(|v| !v.trim().is_empty())?;
    stored("bio", value, Kind::Prose, BIO_MAX, errors)
}

/// How much longer than its limit a text may be as sent: normalisation
/// never composes more than a few characters into one, so what is longer
/// is refused before any work on it, and cleaning costs at most this many
/// times the limit.
const SENT_FACTOR: usize = 4;

/// A text of at most `max` characters as it is stored, after [`clean`]:
/// normalisation can make a text longer (U+1D160 is three characters in
/// NFC) or shorter, and the stored form is what DynamoDB's item limit and
/// Lambda's response limit meet. Each character is at most 4 bytes, so
/// this bounds the stored bytes too.
fn stored(
    field: &'static str,
    value: &str,
    kind: Kind,
    max: usize,
    errors: &mut FieldErrors,
) -> Option<String> {
    if length(value) > max * SENT_FACTOR {
        errors.add(field, too_long(max));
        return None;
    }
    let value = clean(field, value, kind, errors)?;
    if length(&value) > max {
        errors.add(field, too_long(max));
        return None;
    }
    Some(value)
}

/// An optional avatar URL: `""` and `null` mean none; otherwise http(s).
pub fn image(value: Option<&str>, errors: &mut FieldErrors) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !v.is_empty())?;
    let value = clean("image", value, Kind::Line, errors)?;
    let value = value.as_str();
    if length(value) > IMAGE_MAX {
        errors.add("image", too_long(IMAGE_MAX));
        return None;
    }
    let lower = value.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://"))
        || value.chars().any(char::is_whitespace)
    {
        errors.add("image", "must be an http(s) URL");
        return None;
    }
    Some(value.to_owned())
}

/// A required text of at most `max` characters (title, description: one
/// line; bodies: prose), under the character policy of [`clean`].
pub fn text(
    field: &'static str,
    value: Option<&str>,
    kind: Kind,
    max: usize,
    errors: &mut FieldErrors,
) -> Option<String> {
    let value = required(field, value, errors)?;
    let value = stored(field, &value, kind, max, errors)?;
    if value.trim().is_empty() {
        errors.add(field, BLANK);
        return None;
    }
    Some(value)
}

/// A tag list: at most 10 tags of 1 to 32 characters, trimmed. Repeats are
/// dropped and the order is kept.
pub fn tags(values: Vec<String>, errors: &mut FieldErrors) -> Option<Vec<String>> {
    let too_many = || format!("can't have more than {TAGS_MAX} tags");
    // Counted before contents: a huge list is refused without reading it.
    // (Repeats are dropped, so a list may name a tag more than once.)
    if values.len() > TAGS_MAX * 4 {
        errors.add("tagList", too_many());
        return None;
    }
    let mut tags: Vec<String> = Vec::with_capacity(values.len());
    let mut seen = std::collections::HashSet::new();
    for value in values {
        if length(&value) > TAG_MAX * 4 {
            errors.add(
                "tagList",
                format!("can't contain tags longer than {TAG_MAX} characters"),
            );
            return None;
        }
        let tag = clean("tagList", &value, Kind::Line, errors)?;
        let tag = tag.as_str();
        if tag.is_empty() {
            errors.add("tagList", "can't contain blank tags");
            return None;
        }
        if length(tag) > TAG_MAX {
            errors.add(
                "tagList",
                format!("can't contain tags longer than {TAG_MAX} characters"),
            );
            return None;
        }
        if seen.insert(tag.to_owned()) {
            tags.push(tag.to_owned());
        }
    }
    if tags.len() > TAGS_MAX {
        errors.add("tagList", too_many());
        return None;
    }
    Some(tags)
}

/// A tag list as a body sends it: `absent` when left out, a 422 for `null`,
/// else [`tags`].
pub fn tag_list(
    value: Patch<Vec<String>>,
    absent: Option<Vec<String>>,
    errors: &mut FieldErrors,
) -> Option<Vec<String>> {
    match value {
        Patch::Absent => absent,
        Patch::Null => {
            errors.add("tagList", "must be a list");
            None
        }
        Patch::Value(tags) => self::tags(tags, errors),
    }
}

/// What a list request asks for, before its cursor is decoded.
#[derive(Debug, PartialEq, Eq)]
pub struct PageRequest<'a> {
    pub limit: usize,
    pub offset: usize,
    pub cursor: Option<&'a str>,
}

/// `limit` (1 to `max_limit`, default `default_limit`), `offset` (0 to
/// `max_offset`) and `cursor`, which starts where the page that returned it
/// ended and so can't be combined with an offset: the read cost of any page
/// is bounded.
pub fn page<'a>(
    limit: Option<&str>,
    offset: Option<&str>,
    cursor: Option<&'a str>,
    (default_limit, max_limit, max_offset): (usize, usize, usize),
    errors: &mut FieldErrors,
) -> Option<PageRequest<'a>> {
    let limit = bounded("limit", limit, default_limit, 1, max_limit, errors);
    let offset = bounded("offset", offset, 0, 0, max_offset, errors);
    if cursor.is_some() && offset.is_some_and(|o| o > 0) {
        errors.add("cursor", "can't be combined with offset");
        return None;
    }
    Some(PageRequest {
        limit: limit?,
        offset: offset?,
        cursor,
    })
}

/// The bounds of article lists: limit 1 to 100 (default 20), offset to 1,000.
pub const ARTICLE_PAGES: (usize, usize, usize) = (LIMIT_DEFAULT, LIMIT_MAX, OFFSET_MAX);

/// The bounds of comment lists: limit 1 to 500 (default 500), no offset (a
/// skipped comment would be read whole, body included).
pub const COMMENT_PAGES: (usize, usize, usize) = (COMMENT_LIMIT_DEFAULT, COMMENT_LIMIT_MAX, 0);

fn bounded(
    field: &'static str,
    value: Option<&str>,
    default: usize,
    min: usize,
    max: usize,
    errors: &mut FieldErrors,
) -> Option<usize> {
    let Some(raw) = value else {
        return Some(default);
    };
    match raw.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            errors.add(field, format!("must be an integer from {min} to {max}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T>(
        f: impl Fn(Option<&str>, &mut FieldErrors) -> Option<T>,
        v: Option<&str>,
    ) -> Result<Option<T>, FieldErrors> {
        let mut errors = FieldErrors::new();
        let out = f(v, &mut errors);
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(
            check(username, Some("jake_1.x-y")).unwrap().as_deref(),
            Some("jake_1.x-y")
        );
        assert_eq!(
            check(username, Some(""))
                .unwrap_err()
                .get("username")
                .unwrap(),
            [BLANK]
        );
        assert!(check(username, None).is_err());
        assert!(check(username, Some("   ")).is_err());
        assert!(check(username, Some("has space")).is_err());
        assert!(check(username, Some("slash/es")).is_err());
        assert!(check(username, Some(&"a".repeat(USERNAME_MAX))).is_ok());
        assert!(check(username, Some(&"a".repeat(USERNAME_MAX + 1))).is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            check(email, Some("  Jake@Example.com "))
                .unwrap()
                .as_deref(),
            Some("Jake@Example.com")
        );
        assert_eq!(
            check(email, Some("")).unwrap_err().get("email").unwrap(),
            [BLANK]
        );
        for bad in [
            "jake",
            "@x.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
            "a@com.",
        ] {
            assert!(check(email, Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_8_to_64_characters() {
        assert_eq!(
            check(password, Some(""))
                .unwrap_err()
                .get("password")
                .unwrap(),
            [BLANK]
        );
        assert!(check(password, Some("short7c")).is_err());
        assert!(check(password, Some("bonjour1")).is_ok());
        assert!(check(password, Some(&"a".repeat(64))).is_ok());
        assert!(check(password, Some(&"a".repeat(65))).is_err());
        // Characters, not bytes: eight accented letters are enough.
        assert!(check(password, Some("éééééééé")).is_ok());
    }

    #[test]
    fn optional_texts_normalise_empty_to_none() {
        assert_eq!(check(bio, Some("")).unwrap(), None);
        assert_eq!(check(bio, None).unwrap(), None);
        assert_eq!(check(bio, Some("hi")).unwrap().as_deref(), Some("hi"));
        assert!(check(bio, Some(&"a".repeat(BIO_MAX + 1))).is_err());
        assert_eq!(check(image, Some("")).unwrap(), None);
        assert!(check(image, Some("https://x.io/a.png")).unwrap().is_some());
        assert!(check(image, Some("javascript:alert(1)")).is_err());
    }

    #[test]
    fn article_texts() {
        let mut errors = FieldErrors::new();
        assert_eq!(
            text("title", Some("Hi"), Kind::Line, TITLE_MAX, &mut errors).as_deref(),
            Some("Hi")
        );
        assert!(text("title", Some(" "), Kind::Line, TITLE_MAX, &mut errors).is_none());
        assert!(
            text(
                "title",
                Some(&"a".repeat(TITLE_MAX + 1)),
                Kind::Line,
                TITLE_MAX,
                &mut errors
            )
            .is_none()
        );
        assert_eq!(errors.get("title").unwrap().len(), 2);
    }

    #[test]
    fn lengths_are_of_the_stored_form() {
        // U+1D160 is one character as sent and three in NFC.
        let grows = "\u{1D160}";
        assert_eq!(
            unicode_normalization::UnicodeNormalization::nfc(grows).count(),
            3
        );
        let mut errors = FieldErrors::new();
        let fits = grows.repeat(TITLE_MAX / 3);
        assert!(text("title", Some(&fits), Kind::Line, TITLE_MAX, &mut errors).is_some());
        let over = grows.repeat(TITLE_MAX / 3 + 1);
        assert!(text("title", Some(&over), Kind::Line, TITLE_MAX, &mut errors).is_none());
        assert_eq!(errors.get("title"), Some(&[too_long(TITLE_MAX)][..]));
        // What composes is counted composed: 200 "e" + U+0301 fit in 200.
        let composes = "e\u{301}".repeat(TITLE_MAX);
        let mut errors = FieldErrors::new();
        let title = text("title", Some(&composes), Kind::Line, TITLE_MAX, &mut errors).unwrap();
        assert_eq!(length(&title), TITLE_MAX);
        // Far longer than any stored form could be: refused unread.
        let huge = "a".repeat(TITLE_MAX * SENT_FACTOR + 1);
        assert!(text("title", Some(&huge), Kind::Line, TITLE_MAX, &mut errors).is_none());
        let mut errors = FieldErrors::new();
        assert!(bio(Some(&grows.repeat(BIO_MAX / 3 + 1)), &mut errors).is_none());
        assert_eq!(errors.get("bio"), Some(&[too_long(BIO_MAX)][..]));
    }

    #[test]
    fn the_character_policy() {
        let mut errors = FieldErrors::new();
        let mut ok = |v: &str, kind| clean("f", v, kind, &mut errors);
        assert_eq!(
            ok("  Cafe\u{301} ", Kind::Line).as_deref(),
            Some("Caf\u{e9}")
        );
        assert_eq!(ok("a\n\tb ", Kind::Prose).as_deref(), Some("a\n\tb "));
        assert!(ok("\u{1F468}\u{200D}\u{1F469}", Kind::Prose).is_some());
        assert!(errors.is_empty());
        for bad in [
            '\0',
            '\u{1B}',
            '\u{7F}',
            '\u{85}',
            '\u{202E}',
            '\u{2066}',
            '\u{200B}',
            '\u{200E}',
            '\u{2060}',
            '\u{FEFF}',
            '\u{AD}',
            '\u{FFFF}',
            '\u{1FFFE}',
        ] {
            for kind in [Kind::Line, Kind::Prose] {
                let mut errors = FieldErrors::new();
                assert!(
                    clean("f", &format!("a{bad}b"), kind, &mut errors).is_none(),
                    "{bad:?} {kind:?}"
                );
                assert_eq!(errors.get("f"), Some(&[HIDDEN.to_owned()][..]));
            }
        }
        for line_only in ['\n', '\t', '\u{200D}', '\u{200C}'] {
            let mut errors = FieldErrors::new();
            assert!(clean("f", &format!("a{line_only}b"), Kind::Line, &mut errors).is_none());
        }
    }

    #[test]
    fn tag_lists_keep_order_and_drop_repeats() {
        let mut errors = FieldErrors::new();
        let got = tags(vec!["b".into(), " a ".into(), "b".into()], &mut errors);
        assert_eq!(got, Some(vec!["b".to_owned(), "a".to_owned()]));
        assert!(errors.is_empty());
        assert!(tags(vec!["".into()], &mut errors).is_none());
        assert!(tags(vec!["x".repeat(TAG_MAX + 1)], &mut errors).is_none());
        assert!(tags((0..=TAGS_MAX).map(|i| i.to_string()).collect(), &mut errors).is_none());
        assert!(
            tags(
                (0..TAGS_MAX).map(|i| i.to_string()).collect(),
                &mut FieldErrors::new()
            )
            .is_some()
        );
    }

    #[test]
    fn pages_are_bounded() {
        let mut errors = FieldErrors::new();
        let first = PageRequest {
            limit: LIMIT_DEFAULT,
            offset: 0,
            cursor: None,
        };
        assert_eq!(
            page(None, None, None, ARTICLE_PAGES, &mut errors),
            Some(first)
        );
        assert_eq!(
            page(Some("100"), Some("1000"), None, ARTICLE_PAGES, &mut errors),
            Some(PageRequest {
                limit: 100,
                offset: 1_000,
                cursor: None
            })
        );
        assert_eq!(
            page(Some("50"), Some("0"), Some("c"), COMMENT_PAGES, &mut errors),
            Some(PageRequest {
                limit: 50,
                offset: 0,
                cursor: Some("c")
            })
        );
        assert!(errors.is_empty());
        for (limit, offset, cursor, bounds) in [
            (Some("0"), None, None, ARTICLE_PAGES),
            (Some("101"), None, None, ARTICLE_PAGES),
            (Some("x"), None, None, ARTICLE_PAGES),
            (None, Some("-1"), None, ARTICLE_PAGES),
            (None, Some("1001"), None, ARTICLE_PAGES),
            (None, Some("5"), Some("c"), ARTICLE_PAGES),
            (Some("501"), None, None, COMMENT_PAGES),
            (None, Some("1"), None, COMMENT_PAGES),
        ] {
            assert!(
                page(limit, offset, cursor, bounds, &mut FieldErrors::new()).is_none(),
                "{limit:?} {offset:?} {cursor:?}"
            );
        }
    }

    #[test]
    fn patch_distinguishes_absent_null_and_value() {
        #[derive(serde::Deserialize)]
        struct P {
            #[serde(default)]
            bio: Patch<String>,
        }
        let p: P = serde_json::from_str("{}").unwrap();
        assert_eq!(p.bio, Patch::Absent);
        let p: P = serde_json::from_str(r#"{"bio": null}"#).unwrap();
        assert_eq!(p.bio, Patch::Null);
        let p: P = serde_json::from_str(r#"{"bio": "x"}"#).unwrap();
        assert_eq!(p.bio, Patch::Value("x".into()));
    }
}
