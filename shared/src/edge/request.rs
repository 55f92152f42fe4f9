//! Reading a request: the body, path and query parameters, and page
//! bounds, as API Gateway's HTTP API (payload 2.0) delivers them through
//! `lambda_http`.

use lambda_http::{Body, Request, RequestExt};
use serde::{
    Deserialize, Deserializer,
    de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor},
};
use serde_json::Value;

use crate::{
    app::{cursor, validate},
    ground::{
        error::{ApiError, FieldErrors},
        precondition::IfMatch,
    },
    store::{
        comments::CommentPage,
        lists::{Page, Start},
        requests::IDEMPOTENCY_KEY,
    },
};

/// The largest body any route takes, checked before it is parsed. The
/// largest valid body, an article at every field's limit with each character
/// sent as a JSON `\u` escape pair (12 bytes), is about 640 KB; 1 MiB covers
/// it with room, and bounds the parsing work of any request.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Parses the JSON body. An empty body reads as `{}`, so a missing envelope is
/// reported field by field ("can't be blank") rather than as a parse error.
/// Broken JSON is a 400, and so is an object that names a key twice (a
/// proxy, a firewall rule or a log that reads the first would see another
/// request than the one run on the last); JSON of the wrong shape (a number
/// for a string) is a 422. Every body is an object of envelopes
/// (`{"user": {...}}`), and each envelope must itself be an object: serde
/// would otherwise read a list as a struct, field by position.
/// The `If-Match` precondition a write was sent with, if any.
pub fn if_match(req: &Request) -> Option<IfMatch> {
    req.headers()
        .get(lambda_http::http::header::IF_MATCH)
        .map(|v| IfMatch::parse(v.to_str().unwrap_or_default()))
}

pub fn parse_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"{}",
        Body::Text(text) if text.trim().is_empty() => b"{}",
        body => body.as_ref(),
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::TooLarge(MAX_BODY_BYTES));
    }
    let value = strict_json(bytes)?;
    let Some(envelopes) = value.as_object() else {
        return Err(ApiError::field("body", "must be a JSON object"));
    };
    let mut errors = FieldErrors::new();
    for (name, inner) in envelopes {
        if !(inner.is_object() || inner.is_null()) {
            errors.add(envelope_field(name), "must be an object");
        }
    }
    errors.into_result()?;
    serde_json::from_value(value)
        .map_err(|err| ApiError::field("body", format!("is invalid: {err}")))
}

/// JSON whose objects each name a key at most once.
fn strict_json(bytes: &[u8]) -> Result<Value, ApiError> {
    match serde_json::from_slice::<Strict>(bytes) {
        Ok(Strict(value)) => Ok(value),
        Err(err) => {
            let message = err.to_string();
            match message.strip_prefix(REPEATED) {
                Some(rest) => {
                    let key = rest.split(REPEATED_END).next().unwrap_or_default();
                    Err(ApiError::BadRequest(format!(
                        "has the key {key} more than once"
                    )))
                }
                None => Err(ApiError::BadRequest("is not valid JSON".to_owned())),
            }
        }
    }
}

const REPEATED: &str = "repeated key ";
const REPEATED_END: &str = " |";

/// A JSON value read with every object's keys checked for repeats.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JSON")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Strict::deserialize(deserializer).map(|s| s.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                let shown = serde_json::to_string(&key).unwrap_or_default();
                return Err(de::Error::custom(format!(
                    "{REPEATED}{shown}{REPEATED_END}"
                )));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// The name an envelope's error is reported under.
fn envelope_field(name: &str) -> &'static str {
    match name {
        "user" => "user",
        "article" => "article",
        "comment" => "comment",
        _ => "body",
    }
}

/// A path parameter from the route template (`/api/profiles/{username}`),
/// percent-decoded. API Gateway decodes path parameters and `cargo lambda
/// watch` does not; no valid username, slug or comment id contains `%`, so
/// decoding what is still encoded makes both behave alike. What does not
/// decode to UTF-8 stays as sent and matches nothing. Its absence means the
/// route and the function disagree: a deploy error.
pub fn path_param(req: &Request, name: &str) -> Result<String, ApiError> {
    req.path_parameters()
        .first(name)
        .map(percent_decoded)
        .ok_or_else(|| ApiError::internal(format!("route has no path parameter {name}")))
}

fn percent_decoded(raw: &str) -> String {
    if !raw.contains('%') {
        return raw.to_owned();
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_owned())
}

/// The `Idempotency-Key` a client names a create by (1 to 255 visible
/// ASCII characters, no spaces), if it sent one; 422 otherwise.
pub fn idempotency_key(req: &Request) -> Result<Option<String>, ApiError> {
    let mut values = req.headers().get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    let valid = value.len() <= 255
        && !value.is_empty()
        && value.as_bytes().iter().all(|b| b.is_ascii_graphic())
        && !value.as_bytes().contains(&b',')
        && values.next().is_none();
    match value.to_str() {
        Ok(key) if valid => Ok(Some(key.to_owned())),
        _ => Err(ApiError::field(
            IDEMPOTENCY_KEY,
            "must be one value of 1 to 255 visible characters",
        )),
    }
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters().first(name).map(str::to_owned)
}

/// The page of an article list a request asks for: `limit`, and `offset` or
/// `cursor` (422 when out of bounds, combined, or not a cursor this API issued).
pub fn article_page(req: &Request) -> Result<Page, ApiError> {
    let (limit, offset, cursor) = page_params(req);
    let asked = page_request(&limit, &offset, &cursor, validate::ARTICLE_PAGES)?;
    let start = match asked.cursor {
        None => Start::Offset(asked.offset),
        Some(cursor) => Start::After(
            cursor::parse_articles(cursor)
                .ok_or_else(|| ApiError::field("cursor", "is invalid"))?,
        ),
    };
    Ok(Page {
        start,
        limit: asked.limit,
    })
}

/// The page of a comment list a request asks for: `limit` and `cursor`.
pub fn comment_page(req: &Request) -> Result<CommentPage, ApiError> {
    let (limit, offset, cursor) = page_params(req);
    // Comments page by cursor only, so any offset, even 0, is refused: a
    // client that sends one expects skipping that never happens.
    if offset.is_some() {
        return Err(ApiError::field(
            "offset",
            "is not supported for comments, use cursor",
        ));
    }
    let asked = page_request(&limit, &None, &cursor, validate::COMMENT_PAGES)?;
    let before = asked
        .cursor
        .map(|cursor| {
            cursor::parse_comments(cursor).ok_or_else(|| ApiError::field("cursor", "is invalid"))
        })
        .transpose()?;
    Ok(CommentPage {
        limit: asked.limit,
        before,
    })
}

type PageParams = (Option<String>, Option<String>, Option<String>);

fn page_params(req: &Request) -> PageParams {
    (
        query_param(req, "limit"),
        query_param(req, "offset"),
        query_param(req, "cursor"),
    )
}

/// The page parameters checked against `bounds` (422 otherwise).
fn page_request<'a>(
    limit: &Option<String>,
    offset: &Option<String>,
    cursor: &'a Option<String>,
    bounds: (usize, usize, usize),
) -> Result<validate::PageRequest<'a>, ApiError> {
    let mut errors = FieldErrors::new();
    validate::page(
        limit.as_deref(),
        offset.as_deref(),
        cursor.as_deref(),
        bounds,
        &mut errors,
    )
    .ok_or(ApiError::Validation(errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http;

    fn request(headers: &[(&str, &str)], body: &str) -> Request {
        let mut builder = http::Request::builder().uri("/api/user");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::Text(body.to_owned())).unwrap()
    }

    #[derive(serde::Deserialize, Debug)]
    struct Shape {
        #[allow(dead_code)]
        name: Option<String>,
    }

    #[test]
    fn a_key_named_twice_in_any_object_is_refused_by_name() {
        let twice = r#"{"user":{"username":"a","username":"b"}}"#;
        match parse_body::<serde_json::Value>(&request(&[], twice)) {
            Err(ApiError::BadRequest(message)) => {
                assert_eq!(message, r#"has the key "username" more than once"#)
            }
            other => panic!("{other:?}"),
        }
        let nested = r#"{"article":{"tagList":[{"a":1,"a":2}]}}"#;
        assert!(matches!(
            parse_body::<serde_json::Value>(&request(&[], nested)),
            Err(ApiError::BadRequest(m)) if m.contains("\"a\"")
        ));
        let once = r#"{"user":{"username":"a","email":"b"},"other":{"username":1}}"#;
        assert!(parse_body::<serde_json::Value>(&request(&[], once)).is_ok());
    }

    #[test]
    fn body_errors_are_classified() {
        assert!(parse_body::<Shape>(&request(&[], "")).is_ok());
        assert!(matches!(
            parse_body::<Shape>(&request(&[], "{not json")),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse_body::<Shape>(&request(&[], r#"{"name": 5}"#)),
            Err(ApiError::Validation(_))
        ));
    }
}
