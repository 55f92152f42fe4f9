//! What a page shows, read at once: its articles (each head with its
//! all-articles entry, which holds the other share of its favorites count,
//! and the body where one article is shown), each
//! author's profile, for a signed-in viewer whether they follow each author
//! and favorited each article, and whatever count the page carries. Every
//! key is known before the read (list entries and slug claims name their
//! article's author), so it is one `BatchGetItem` of up to 100 keys
//! (larger pages: one per hundred, at the same time), strongly consistent:
//! a favorite shows in the count of every page read after it.
//!
//! A signed-in reader's session is checked by the same read: the item
//! that says whether it is on (the user's counts) rides along the batch
//! ([`Viewer`]), so a signed-in page costs no call more than an anonymous one.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, OnceLock},
};

use futures::future::try_join_all;

use crate::{
    ground::{
        error::ApiError,
        keys::{self, ArticlePart, Item, Key},
    },
    table::from_item,
};

use super::{
    Store,
    records::{ArticleRecord, BodyItem, EntryFavorites, Shows, UserCounts, UserRecord},
};

/// The signed-in user a read shows things to: their follows and favorites
/// are read with the page. A reader whose session is still to be checked
/// ([`Viewer::unchecked`], the `GET`s) has the user's counts item, which
/// says whether the session is on, read in the same batch, the first read
/// that has one; the caller checks what it found ([`Viewer::counts_found`]).
#[derive(Clone, Debug)]
pub struct Viewer {
    id: String,
    unchecked: Option<Arc<Unchecked>>,
}

/// A reader's session, still to be checked.
#[derive(Debug)]
struct Unchecked {
    session: String,
    started: u64,
    /// The user's counts once a read has read them (`None` inside: the
    /// user is gone).
    counts: OnceLock<Option<UserCounts>>,
}

impl Viewer {
    /// A user whose session is already checked (a write checks first).
    pub fn checked(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            unchecked: None,
        }
    }

    /// User `id` in session `session`, signed in at `started` (epoch
    /// milliseconds), still to be checked: the read's batch reads the
    /// counts item too.
    pub fn unchecked(id: &str, session: &str, started: u64) -> Self {
        Self {
            id: id.to_owned(),
            unchecked: Some(Arc::new(Unchecked {
                session: session.to_owned(),
                started,
                counts: OnceLock::new(),
            })),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The user's counts as a read found them (`Some(None)`: the user is
    /// gone); `None` if no read has read them.
    pub fn counts_found(&self) -> Option<Option<UserCounts>> {
        self.unchecked.as_ref()?.counts.get().cloned()
    }

    /// Whether a read found the session over (or the user gone): what is
    /// read is answered with a 401, and nothing may be written for it.
    pub(crate) fn session_over(&self) -> bool {
        self.unchecked.as_ref().is_some_and(|u| {
            u.counts.get().is_some_and(|counts| {
                !counts
                    .as_ref()
                    .is_some_and(|c| c.session_is_on(&u.session, u.started))
            })
        })
    }

    /// The key of the user's counts, while a read still has to read them.
    fn counts_key(&self) -> Option<Key> {
        let unchecked = self.unchecked.as_ref()?;
        unchecked
            .counts
            .get()
            .is_none()
            .then(|| keys::user_counts(&self.id))
    }

    fn record_counts(&self, found: Option<UserCounts>) {
        if let Some(unchecked) = &self.unchecked {
            // A later read (none reads twice) would find the same item.
            let _ = unchecked.counts.set(found);
        }
    }
}

/// The authors of a page and the viewer's relation to them.
#[derive(Default)]
pub struct Context {
    authors: HashMap<String, UserRecord>,
    following: HashSet<String>,
    favorited: HashSet<String>,
}

impl Context {
    /// The author with this id, if the user still exists.
    pub fn author(&self, id: &str) -> Option<&UserRecord> {
        self.authors.get(id)
    }

    /// Whether the viewer follows user `id`.
    pub fn follows(&self, id: &str) -> bool {
        self.following.contains(id)
    }

    /// Whether the viewer favorited article `id`.
    pub fn favorited(&self, id: &str) -> bool {
        self.favorited.contains(id)
    }
}

/// A page of articles as its viewer sees it.
pub struct Shown {
    pub articles: Vec<ArticleRecord>,
    /// All matches, not just this page's.
    pub count: u64,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<keys::Position>,
    pub context: Context,
}

/// Articles assembled from their parts, read in any order and mixed with
/// other items (a page's batched read): each head with its all-articles
/// entry's share of the favorites count and, if read, its body.
#[derive(Default)]
pub(crate) struct Assembly {
    heads: HashMap<String, ArticleRecord>,
    favorites: HashMap<String, i64>,
    bodies: HashMap<String, String>,
}

impl Assembly {
    /// Takes `item` if it is a part of an article; gives it back otherwise.
    pub(crate) fn take(&mut self, item: Item) -> Result<Option<Item>, ApiError> {
        let Some(key) = Key::of(&item) else {
            return Ok(Some(item));
        };
        if let Some(position) = keys::all_articles_entry_of(&key) {
            let favorites = from_item::<EntryFavorites>(item)?.favorites;
            self.counted(position.article_id(), favorites);
            return Ok(None);
        }
        let (Some(id), Some(part)) = (keys::article_id_of(&key.pk), keys::article_part(&key.sk))
        else {
            return Ok(Some(item));
        };
        let id = id.to_owned();
        match part {
            ArticlePart::Head => {
                self.heads.insert(id, from_item(item)?);
            }
            ArticlePart::Body => {
                self.bodies.insert(id, from_item::<BodyItem>(item)?.body);
            }
            ArticlePart::CommentSequence => {}
        }
        Ok(None)
    }

    /// Adds the all-articles entry's share of article `id`'s favorites.
    fn counted(&mut self, id: &str, favorites: i64) {
        *self.favorites.entry(id.to_owned()).or_default() += favorites;
    }

    /// Article `id`, if its head was read: its count is the head's and the
    /// entry's together (either can dip below zero, since an unfavorite
    /// takes from either; the sum cannot).
    pub(crate) fn article(&mut self, id: &str) -> Option<ArticleRecord> {
        let mut article = self.heads.remove(id)?;
        article.favorites_count =
            (article.favorites_count + self.favorites.remove(id).unwrap_or(0)).max(0);
        article.body = self.bodies.remove(id);
        Some(article)
    }

    /// The items read of `article` (its head, its all-articles entry unless
    /// the page has it already, and its body if `body`).
    pub(crate) fn keys(&mut self, article: &Shows, body: bool) -> Vec<Key> {
        let [head, entry] = keys::favorite_counters(&article.position);
        let mut keys = vec![head];
        match article.counted {
            Some(favorites) => self.counted(article.id(), favorites),
            None => keys.push(entry),
        }
        if body {
            keys.push(keys::article_body(article.id()));
        }
        keys
    }
}

/// What a page asks of its one read.
#[derive(Default)]
pub(crate) struct Ask<'a> {
    /// The viewer, if signed in.
    pub(crate) viewer: Option<&'a Viewer>,
    /// The page's articles, in order.
    pub(crate) articles: &'a [Shows],
    /// Whether each article's body is read too.
    pub(crate) bodies: bool,
    /// Users shown beside the articles (a page of comments' authors).
    pub(crate) users: &'a [String],
    /// Other items read with it (a count).
    pub(crate) extra: Vec<Key>,
}

/// What the read found.
pub(crate) struct Read {
    /// The page's articles that exist, in the page's order.
    pub(crate) articles: Vec<ArticleRecord>,
    pub(crate) context: Context,
    /// The `extra` items that exist.
    pub(crate) extra: HashMap<Key, Item>,
}

/// Keys per `BatchGetItem`, DynamoDB's limit.
const BATCH: usize = 100;

/// The role of each key of a page's read.
enum Role {
    Part,
    Author(String),
    Follow(String),
    Favorite(String),
    Extra,
    Session,
}

impl Store {
    /// Reads what `ask` names, in one batched read per hundred keys.
    pub(crate) async fn read(&self, ask: Ask<'_>) -> Result<Read, ApiError> {
        let mut roles: HashMap<Key, Role> = HashMap::new();
        let mut order: Vec<Key> = Vec::new();
        let mut add = |key: Key, role: Role| {
            if let std::collections::hash_map::Entry::Vacant(slot) = roles.entry(key.clone()) {
                slot.insert(role);
                order.push(key);
            }
        };
        let authors = ask
            .articles
            .iter()
            .map(|a| &a.author_id)
            .chain(ask.users.iter());
        let mut assembly = Assembly::default();
        let viewer = ask.viewer.map(Viewer::id);
        for article in ask.articles {
            for key in assembly.keys(article, ask.bodies) {
                add(key, Role::Part);
            }
            if let Some(viewer) = viewer {
                add(
                    keys::favorite(article.id(), viewer),
                    Role::Favorite(article.id().to_owned()),
                );
            }
        }
        for author in authors {
            add(keys::user(author), Role::Author(author.clone()));
            if let Some(viewer) = viewer.filter(|viewer| *viewer != author) {
                add(keys::follow(viewer, author), Role::Follow(author.clone()));
            }
        }
        for key in ask.extra {
            add(key, Role::Extra);
        }
        let session = ask.viewer.and_then(Viewer::counts_key);
        if let Some(key) = &session {
            // Already asked for where the page's count is the viewer's own
            // (their feed, their articles, their favorites).
            add(key.clone(), Role::Session);
        }
        let batches = order
            .chunks(BATCH)
            .map(|chunk| self.table().batch_get("read page", chunk.to_vec()));
        let items = try_join_all(batches).await?;

        let mut context = Context::default();
        let mut extra = HashMap::new();
        let mut counts = None;
        for item in items.into_iter().flatten() {
            let Some(key) = Key::of(&item) else { continue };
            match roles.remove(&key) {
                Some(Role::Part) => {
                    assembly.take(item)?;
                }
                Some(Role::Author(id)) => {
                    context.authors.insert(id, from_item(item)?);
                }
                Some(Role::Follow(id)) => {
                    context.following.insert(id);
                }
                Some(Role::Favorite(id)) => {
                    context.favorited.insert(id);
                }
                Some(Role::Extra) => {
                    // The session's item may also be the page's count.
                    if session.as_ref() == Some(&key) {
                        counts = Some(from_item(item.clone())?);
                    }
                    extra.insert(key, item);
                }
                Some(Role::Session) => {
                    counts = Some(from_item(item)?);
                }
                None => {}
            }
        }
        if session.is_some()
            && let Some(viewer) = ask.viewer
        {
            viewer.record_counts(counts);
        }
        let articles = ask
            .articles
            .iter()
            .filter_map(|a| assembly.article(a.id()))
            .collect();
        Ok(Read {
            articles,
            context,
            extra,
        })
    }

    /// The context of a page by `authors` (user ids, repeats allowed) as
    /// `viewer` sees it: the authors' profiles and the viewer's follows of
    /// them, in one read.
    pub async fn context(
        &self,
        viewer: Option<&Viewer>,
        authors: &[String],
    ) -> Result<Context, ApiError> {
        let read = self
            .read(Ask {
                viewer,
                users: authors,
                ..Ask::default()
            })
            .await?;
        Ok(read.context)
    }

    /// One article (with its body if `body`) and its context, as `viewer`
    /// sees it, in one read; `None` if it is gone.
    pub async fn article_seen_by(
        &self,
        viewer: Option<&Viewer>,
        article: &Shows,
        body: bool,
    ) -> Result<Option<(ArticleRecord, Context)>, ApiError> {
        let mut read = self
            .read(Ask {
                viewer,
                articles: std::slice::from_ref(article),
                bodies: body,
                ..Ask::default()
            })
            .await?;
        Ok(read.articles.pop().map(|found| (found, read.context)))
    }
}
