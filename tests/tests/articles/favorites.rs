//! `POST` and `DELETE /api/articles/{slug}/favorite`.

use crate::*;

/// `(favorited, favoritesCount)` of an `{"article": ...}` reply, insisting on a 200.
#[track_caller]
fn state(r: &Reply) -> (bool, u64) {
    assert_status(r, 200);
    (
        r.body["article"]["favorited"].as_bool().expect("favorited"),
        r.body["article"]["favoritesCount"]
            .as_u64()
            .expect("favoritesCount"),
    )
}

#[tokio::test]
async fn favorite_twice_then_unfavorite() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let fan = register(&app, "fan").await;
    let slug = create_article(&app, &jake, "Lovable", &[]).await;

    let r = favorite(&app, Some(&fan), &slug).await;
    assert_eq!(state(&r), (true, 1));
    assert_eq!(r.body["article"]["slug"], slug);
    assert_eq!(r.body["article"]["body"], "The body of Lovable");
    assert_eq!(r.body["article"]["author"]["username"], "jake");
    assert_eq!(state(&favorite(&app, Some(&fan), &slug).await), (true, 1));
    assert_eq!(
        state(&get_article(&app, &slug, Some(&fan)).await),
        (true, 1)
    );
    assert_eq!(state(&get_article(&app, &slug, None).await), (false, 1));

    // The author may favorite too; counts add up.
    assert_eq!(state(&favorite(&app, Some(&jake), &slug).await), (true, 2));
    assert_eq!(
        state(&unfavorite(&app, Some(&jake), &slug).await),
        (false, 1)
    );

    assert_eq!(
        state(&unfavorite(&app, Some(&fan), &slug).await),
        (false, 0)
    );
    assert_eq!(
        state(&unfavorite(&app, Some(&fan), &slug).await),
        (false, 0)
    );
    assert_eq!(
        state(&get_article(&app, &slug, Some(&fan)).await),
        (false, 0)
    );
    assert_eq!(state(&get_article(&app, &slug, None).await), (false, 0));
}

#[tokio::test]
async fn unfavoriting_what_was_never_favorited_changes_nothing() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let fan = register(&app, "fan").await;
    let other = register(&app, "other").await;
    let slug = create_article(&app, &jake, "Untouched", &[]).await;
    assert_eq!(
        state(&unfavorite(&app, Some(&fan), &slug).await),
        (false, 0)
    );
    assert_eq!(state(&get_article(&app, &slug, None).await), (false, 0));
    assert_list(&list(&app, None, &[("favorited", "fan")]).await, &[], 0);

    // Also with someone else's favorite in place.
    assert_eq!(state(&favorite(&app, Some(&other), &slug).await), (true, 1));
    assert_eq!(
        state(&unfavorite(&app, Some(&fan), &slug).await),
        (false, 1)
    );
    assert_eq!(
        state(&get_article(&app, &slug, Some(&other)).await),
        (true, 1)
    );
    assert_list(&list(&app, None, &[("favorited", "fan")]).await, &[], 0);
    assert_list(
        &list(&app, None, &[("favorited", "other")]).await,
        &[&slug],
        1,
    );
}

#[tokio::test]
async fn unknown_articles_and_missing_tokens() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let slug = create_article(&app, &jake, "Exists", &[]).await;
    assert_reply(
        &favorite(&app, Some(&jake), "no-such-article").await,
        404,
        not_found("article"),
    );
    assert_reply(
        &unfavorite(&app, Some(&jake), "no-such-article").await,
        404,
        not_found("article"),
    );
    assert_reply(&favorite(&app, None, &slug).await, 401, token_missing());
    assert_reply(&unfavorite(&app, None, &slug).await, 401, token_missing());
    assert_eq!(state(&get_article(&app, &slug, None).await), (false, 0));
}

#[tokio::test]
async fn the_favorited_filter_follows_favorites() {
    let app = app().await;
    let jake = register(&app, "jake").await;
    let fan = register(&app, "fan").await;
    let a = create_article(&app, &jake, "Alpha", &[]).await;
    let b = create_article(&app, &jake, "Beta", &[]).await;
    let c = create_article(&app, &jake, "Gamma", &[]).await;
    assert_list(&list(&app, None, &[("favorited", "fan")]).await, &[], 0);

    // Listed in article order (newest first), whatever the favoriting order.
    assert_status(&favorite(&app, Some(&fan), &c).await, 200);
    assert_status(&favorite(&app, Some(&fan), &a).await, 200);
    assert_status(&favorite(&app, Some(&fan), &b).await, 200);
    assert_status(&favorite(&app, Some(&fan), &b).await, 200);
    assert_list(
        &list(&app, None, &[("favorited", "fan")]).await,
        &[&c, &b, &a],
        3,
    );
    assert_list(
        &list(
            &app,
            None,
            &[("favorited", "fan"), ("limit", "2"), ("offset", "1")],
        )
        .await,
        &[&b, &a],
        3,
    );

    assert_status(&unfavorite(&app, Some(&fan), &b).await, 200);
    assert_list(
        &list(&app, None, &[("favorited", "fan")]).await,
        &[&c, &a],
        2,
    );
    assert_status(&unfavorite(&app, Some(&fan), &b).await, 200);
    assert_list(
        &list(&app, None, &[("favorited", "fan")]).await,
        &[&c, &a],
        2,
    );
    let r = list(&app, None, &[]).await;
    let counts: Vec<u64> = r.body["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["favoritesCount"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1, 0, 1]);
}
