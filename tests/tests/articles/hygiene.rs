//! Input hygiene: what a hostile or careless client sends is refused with a
//! 422 naming the field, and nothing odd is stored (the character policy of
//! `shared::app::validate::clean`).

use serde_json::json;
use shared::app::validate;

use crate::*;

const HIDDEN: &str = "can't contain control or invisible formatting characters";

fn user_body(username: &str, email: &str) -> serde_json::Value {
    json!({"user": {"username": username, "email": email, "password": PASSWORD}})
}

async fn register_body(app: &App, body: serde_json::Value) -> Reply {
    send(app, call("POST", "/api/users").json(body)).await
}

async fn put_user(app: &App, token: &str, body: serde_json::Value) -> Reply {
    let c = call("PUT", "/api/user").token(token).json(body);
    send(app, c).await
}

#[tokio::test]
async fn hidden_characters_are_refused_in_every_text_field() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    for bad in ["\u{0}", "\u{202E}", "\u{200B}", "\u{FEFF}", "\u{7}"] {
        let r = register_body(&app, user_body("ann", &format!("ann{bad}@example.com"))).await;
        assert_reply(&r, 422, errors(json!({"email": [HIDDEN]})));
        for field in ["title", "description", "body"] {
            let mut draft = draft("Fine", &[]);
            draft["article"][field] = json!(format!("text {bad} here"));
            let r = create_article_body(&app, Some(&jake), draft).await;
            assert_reply(&r, 422, errors(json!({ field: [HIDDEN] })));
        }
        let r = create_article_body(&app, Some(&jake), draft("Fine", &[&format!("t{bad}")])).await;
        assert_reply(&r, 422, errors(json!({"tagList": [HIDDEN]})));
        let r = put_user(&app, &jake, json!({"user": {"bio": format!("hi{bad}")}})).await;
        assert_reply(&r, 422, errors(json!({"bio": [HIDDEN]})));
    }
    let slug = create_article(&app, &jake, "Commented", &[]).await;
    let r = create_comment(&app, Some(&jake), &slug, json!("a\u{0}b")).await;
    assert_reply(&r, 422, errors(json!({"body": [HIDDEN]})));
    assert_list(&list(&app, None, &[]).await, &[&slug], 1);
}

#[tokio::test]
async fn a_title_of_invisible_characters_is_not_a_title() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let r = create_article_body(&app, Some(&jake), draft("\u{200B}", &[])).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = create_article_body(&app, Some(&jake), draft("   ", &[])).await;
    assert_reply(&r, 422, errors(json!({"title": ["can't be blank"]})));
}

#[tokio::test]
async fn prose_keeps_lines_and_emoji_and_text_is_stored_in_nfc() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let body = "Line one\n\tLine two\r\nA family: \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
    let mut d = draft("Cafe\u{0301}  ", &[" Cafe\u{0301} "]);
    d["article"]["body"] = json!(body);
    let r = create_article_body(&app, Some(&jake), d).await;
    assert_status(&r, 201);
    assert_eq!(
        r.body["article"]["title"], "Caf\u{e9}",
        "trimmed and composed"
    );
    assert_eq!(r.body["article"]["tagList"], json!(["Caf\u{e9}"]));
    let r = get_article(&app, &slug_of(&r), None).await;
    assert_eq!(r.body["article"]["body"], body);
}

#[tokio::test]
async fn dot_usernames_are_refused() {
    let app = app().await;
    for name in [".", ".."] {
        let r = register_body(&app, user_body(name, "dots@example.com")).await;
        assert_reply(
            &r,
            422,
            errors(json!({"username": ["can't be '.' or '..'"]})),
        );
    }
    assert_status(
        &register_body(&app, user_body("a.b", "dots@example.com")).await,
        201,
    );
}

#[tokio::test]
async fn envelopes_must_be_objects() {
    let app = app().await;
    let r = register_body(&app, json!({"user": ["u", "e@x.io", "password1"]})).await;
    assert_reply(&r, 422, errors(json!({"user": ["must be an object"]})));
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Shapes", &[]).await;
    let c = call("POST", "/api/articles/{slug}/comments")
        .param("slug", &slug)
        .token(&jake)
        .json(json!({"comment": [null, null]}));
    let r = send(&app, c).await;
    assert_reply(&r, 422, errors(json!({"comment": ["must be an object"]})));
    let r = register_body(&app, json!([1, 2])).await;
    assert_reply(&r, 422, errors(json!({"body": ["must be a JSON object"]})));
    let c = call("POST", "/api/users").body("{not json");
    let r = send(&app, c).await;
    assert_reply(&r, 400, errors(json!({"body": ["is not valid JSON"]})));
}

#[tokio::test]
async fn an_update_that_changes_nothing_is_refused_and_stores_nothing() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let r = put_user(&app, &jake, json!({"user": {}})).await;
    assert_reply(
        &r,
        422,
        errors(json!({"user": ["must change at least one field"]})),
    );
    let slug = create_article(&app, &jake, "Unchanged", &[]).await;
    let before = get_article(&app, &slug, None).await;
    let r = update_article(&app, Some(&jake), &slug, json!({})).await;
    assert_reply(
        &r,
        422,
        errors(json!({"article": ["must change at least one field"]})),
    );
    let after = get_article(&app, &slug, None).await;
    assert_eq!(
        before.body["article"]["updatedAt"],
        after.body["article"]["updatedAt"]
    );
}

#[tokio::test]
async fn two_authorization_headers_are_refused() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let ann = register(&app, "ann").await;
    // API Gateway joins a repeated header's values with a comma.
    let c = call("GET", "/api/user").header("authorization", &format!("Token {jake},Token {ann}"));
    let r = send(&app, c).await;
    assert_reply(
        &r,
        401,
        errors(json!({"token": ["is sent more than once"]})),
    );
}

#[tokio::test]
async fn path_parameters_behave_alike_decoded_or_not() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Encoded path", &[]).await;
    // API Gateway hands the function `encoded-path`; cargo lambda watch
    // hands it `encoded%2Dpath`. Both name the article.
    for sent in [slug.clone(), slug.replace('-', "%2D")] {
        assert_status(&get_article(&app, &sent, None).await, 200);
    }
    for sent in ["ja%6Be", "jake"] {
        let c = call("GET", "/api/profiles/{username}").param("username", sent);
        let r = send(&app, c).await;
        assert_eq!(r.body["profile"]["username"], "jake", "{sent}");
    }
    // What no name can be is not found, decoded or not, never a 5xx.
    for sent in ["%20", "%FF%FE", "%", "a%2", "j\u{e4}ke", "j%C3%A4ke"] {
        let c = call("GET", "/api/profiles/{username}").param("username", sent);
        let r = send(&app, c).await;
        assert_reply(&r, 404, not_found("profile"));
    }
}

/// A body of `tags` distinct tags: 600,000 make about 6 MB, Lambda's request limit.
fn huge_tags_body(tags: usize) -> String {
    use std::fmt::Write;
    let mut body = String::from(
        r#"{"article": {"title": "Huge", "description": "d", "body": "b", "tagList": ["t0""#,
    );
    for i in 1..tags {
        write!(body, r#", "t{i}""#).unwrap();
    }
    body.push_str("]}}");
    body
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_before_parsing_and_stores_nothing() {
    let app = app().await;
    let token = register(&app, "heavy").await;
    let slug = create_article(&app, &token, "Kept", &[]).await;
    let body = huge_tags_body(600_000);
    assert!(body.len() > 5_000_000, "{} bytes", body.len());
    // Just over the limit, for the other routes.
    let over = huge_tags_body(120_000);
    assert!(
        over.len() > shared::request::MAX_BODY_BYTES,
        "{} bytes",
        over.len()
    );
    let too_large = json!({"errors": {"body": [format!("is larger than {} bytes", shared::request::MAX_BODY_BYTES)]}});

    let c = call("POST", "/api/articles").token(&token).body(&body);
    let r = send(&app, c).await;
    assert_reply(&r, 413, too_large.clone());
    let c = call("PUT", "/api/articles/{slug}")
        .param("slug", &slug)
        .token(&token)
        .body(&over);
    let r = send(&app, c).await;
    assert_reply(&r, 413, too_large.clone());
    let r = send(&app, call("POST", "/api/users").body(&over)).await;
    assert_reply(&r, 413, too_large.clone());
    // None of them wrote anything.
    let listed = list(&app, None, &[]).await;
    assert_eq!(listed.body["articlesCount"], 1, "{}", listed.body);
}

/// `c` repeated `n` times as JSON `\u` escapes (a surrogate pair each when
/// `c` is outside the Basic Multilingual Plane).
fn escaped(c: char, n: usize) -> String {
    let mut units = [0u16; 2];
    let one: String = c
        .encode_utf16(&mut units)
        .iter()
        .map(|u| format!("\\u{u:04X}"))
        .collect();
    one.repeat(n)
}

#[tokio::test]
async fn the_largest_valid_article_in_its_longest_encoding_fits_the_limit() {
    let app = app().await;
    let token = register(&app, "longest").await;
    let tags: Vec<String> = (0..validate::TAGS_MAX)
        .map(|i| format!("\"{}{}\"", escaped('t', validate::TAG_MAX - 1), i))
        .collect();
    let body = format!(
        r#"{{"article": {{"title": "{}", "description": "{}", "body": "{}", "tagList": [{}]}}}}"#,
        escaped('😀', validate::TITLE_MAX),
        escaped('😀', validate::DESCRIPTION_MAX),
        escaped('😀', validate::ARTICLE_BODY_MAX),
        tags.join(", ")
    );
    assert!(
        body.len() > 600_000 && body.len() <= shared::request::MAX_BODY_BYTES,
        "{}",
        body.len()
    );
    let c = call("POST", "/api/articles").token(&token).body(&body);
    let r = send(&app, c).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["article"]["body"].as_str().unwrap().chars().count(),
        validate::ARTICLE_BODY_MAX
    );
}

/// U+1D160 is one character as sent and three in NFC, 4 bytes and 12: what
/// the limits admit is measured as it is stored, so no body that passes the
/// limits is a 500 at DynamoDB's item limit or Lambda's response limit.
#[tokio::test]
async fn text_that_grows_under_normalisation_is_measured_as_stored() {
    const GROWS: char = '\u{1D160}';
    let app = app().await;
    let token = register(&app, "grower").await;
    let many = |n: usize| GROWS.to_string().repeat(n);
    let article = |body: String| {
        call("POST", "/api/articles")
            .token(&token)
            .json(json!({"article": {"title": "Grows", "description": "d", "body": body}}))
    };
    let too_long = |max: usize| format!("is too long (maximum is {max} characters)");
    // As many as the limit as sent: three times over it once stored.
    let r = send(&app, article(many(validate::ARTICLE_BODY_MAX))).await;
    assert_reply(
        &r,
        422,
        errors(json!({"body": [too_long(validate::ARTICLE_BODY_MAX)]})),
    );
    // As many as fit once stored: published, stored and answered in NFC.
    let fits = validate::ARTICLE_BODY_MAX / 3;
    let r = send(&app, article(many(fits))).await;
    assert_status(&r, 201);
    assert_eq!(
        r.body["article"]["body"].as_str().unwrap().chars().count(),
        fits * 3
    );
    let slug = slug_of(&r);
    let comment = |body: String| {
        call("POST", "/api/articles/{slug}/comments")
            .param("slug", &slug)
            .token(&token)
            .json(json!({"comment": {"body": body}}))
    };
    let r = send(&app, comment(many(validate::COMMENT_BODY_MAX))).await;
    assert_reply(
        &r,
        422,
        errors(json!({"body": [too_long(validate::COMMENT_BODY_MAX)]})),
    );
    assert_status(
        &send(&app, comment(many(validate::COMMENT_BODY_MAX / 3))).await,
        201,
    );
    let r = put_user(
        &app,
        &token,
        json!({"user": {"bio": many(validate::BIO_MAX)}}),
    )
    .await;
    assert_reply(
        &r,
        422,
        errors(json!({"bio": [too_long(validate::BIO_MAX)]})),
    );
    audit::assert_consistent(&app).await;
}

#[tokio::test]
async fn a_key_named_twice_is_a_400_naming_it() {
    let app = app().await;
    let twice = r#"{"user":{"username":"a","email":"a@example.com","username":"b","password":"password123"}}"#;
    let r = send(&app, call("POST", "/api/users").body(twice)).await;
    assert_reply(
        &r,
        400,
        errors(json!({"body": ["has the key \"username\" more than once"]})),
    );
    let token = register(&app, "jake").await;
    let nested =
        r#"{"article":{"title":"t","description":"d","body":"b","tagList":["x"]},"article":{}}"#;
    let c = call("POST", "/api/articles").token(&token).body(nested);
    let r = send(&app, c).await;
    assert_reply(
        &r,
        400,
        errors(json!({"body": ["has the key \"article\" more than once"]})),
    );
    assert_list(&list(&app, None, &[]).await, &[], 0);
}
