//! The one list of the API's functions and the routes they serve. The
//! template, the local router and the README are checked against it; the
//! test client, the least-privilege test and the benchmark match on
//! [`Function`] exhaustively, so a function missing from any of them does
//! not compile.

use crate::app::Keys;

/// Whether a route reads a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// No token is read.
    None,
    /// A token is read when sent (and must then be valid).
    Optional,
    /// A valid token is required.
    Required,
}

/// An HTTP API route: method and path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

/// Every function of the API, one Lambda function (and crate) each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Function {
    RegisterUser,
    LoginUser,
    GetCurrentUser,
    UpdateUser,
    EndSessions,
    GetProfile,
    FollowUser,
    UnfollowUser,
    ListArticles,
    FeedArticles,
    CreateArticle,
    GetArticle,
    UpdateArticle,
    DeleteArticle,
    FavoriteArticle,
    UnfavoriteArticle,
    ListComments,
    CreateComment,
    DeleteComment,
    ListTags,
    Health,
    GetOpenApi,
    /// The table's stream worker: no route, the stream's records.
    StreamWorker,
}

use Function::*;

impl Function {
    pub const ALL: [Function; 23] = [
        RegisterUser,
        LoginUser,
        GetCurrentUser,
        UpdateUser,
        EndSessions,
        GetProfile,
        FollowUser,
        UnfollowUser,
        ListArticles,
        FeedArticles,
        CreateArticle,
        GetArticle,
        UpdateArticle,
        DeleteArticle,
        FavoriteArticle,
        UnfavoriteArticle,
        ListComments,
        CreateComment,
        DeleteComment,
        ListTags,
        Health,
        GetOpenApi,
        StreamWorker,
    ];

    /// The function's crate, binary and Lambda function name.
    pub fn name(self) -> &'static str {
        match self {
            RegisterUser => "register-user",
            LoginUser => "login-user",
            GetCurrentUser => "get-current-user",
            UpdateUser => "update-user",
            EndSessions => "end-sessions",
            GetProfile => "get-profile",
            FollowUser => "follow-user",
            UnfollowUser => "unfollow-user",
            ListArticles => "list-articles",
            FeedArticles => "feed-articles",
            CreateArticle => "create-article",
            GetArticle => "get-article",
            UpdateArticle => "update-article",
            DeleteArticle => "delete-article",
            FavoriteArticle => "favorite-article",
            UnfavoriteArticle => "unfavorite-article",
            ListComments => "list-comments",
            CreateComment => "create-comment",
            DeleteComment => "delete-comment",
            ListTags => "list-tags",
            Health => "health",
            GetOpenApi => "get-openapi",
            StreamWorker => "stream-worker",
        }
    }

    /// The route it serves; `None` for the stream worker.
    pub fn route(self) -> Option<Route> {
        let route = |method, path| Some(Route { method, path });
        match self {
            RegisterUser => route("POST", "/api/users"),
            LoginUser => route("POST", "/api/users/login"),
            GetCurrentUser => route("GET", "/api/user"),
            UpdateUser => route("PUT", "/api/user"),
            EndSessions => route("DELETE", "/api/user/sessions"),
            GetProfile => route("GET", "/api/profiles/{username}"),
            FollowUser => route("POST", "/api/profiles/{username}/follow"),
            UnfollowUser => route("DELETE", "/api/profiles/{username}/follow"),
            ListArticles => route("GET", "/api/articles"),
            FeedArticles => route("GET", "/api/articles/feed"),
            CreateArticle => route("POST", "/api/articles"),
            GetArticle => route("GET", "/api/articles/{slug}"),
            UpdateArticle => route("PUT", "/api/articles/{slug}"),
            DeleteArticle => route("DELETE", "/api/articles/{slug}"),
            FavoriteArticle => route("POST", "/api/articles/{slug}/favorite"),
            UnfavoriteArticle => route("DELETE", "/api/articles/{slug}/favorite"),
            ListComments => route("GET", "/api/articles/{slug}/comments"),
            CreateComment => route("POST", "/api/articles/{slug}/comments"),
            DeleteComment => route("DELETE", "/api/articles/{slug}/comments/{id}"),
            ListTags => route("GET", "/api/tags"),
            Health => route("GET", "/api/health"),
            GetOpenApi => route("GET", "/api/openapi.json"),
            StreamWorker => None,
        }
    }

    /// Whether it reads a token.
    pub fn auth(self) -> Auth {
        match self {
            RegisterUser | LoginUser | ListTags | Health | GetOpenApi | StreamWorker => Auth::None,
            GetProfile | ListArticles | GetArticle | ListComments => Auth::Optional,
            GetCurrentUser | UpdateUser | EndSessions | FollowUser | UnfollowUser
            | FeedArticles | CreateArticle | UpdateArticle | DeleteArticle | FavoriteArticle
            | UnfavoriteArticle | CreateComment | DeleteComment => Auth::Required,
        }
    }

    /// Whether it needs the token signing key: to verify tokens, or to
    /// issue them (registration and login).
    pub fn keys(self) -> Keys {
        match (self, self.auth()) {
            (RegisterUser | LoginUser, _) => Keys::Signing,
            (_, Auth::None) => Keys::None,
            _ => Keys::Signing,
        }
    }

    /// The rate limits it applies, by their environment variable
    /// (`ground::config::RateLimits::VARIABLES`): the template sets each on
    /// exactly the functions that apply it, and no other reads it.
    pub fn rate_limits(self) -> &'static [&'static str] {
        match self {
            LoginUser => &["RATE_LIMIT_LOGIN_PER_IP", "RATE_LIMIT_LOGIN_PER_EMAIL"],
            RegisterUser => &["RATE_LIMIT_REGISTER_PER_IP"],
            // A credential change may check the current password, which
            // counts as a login does.
            UpdateUser => &[
                "RATE_LIMIT_PROFILE_UPDATES_PER_USER",
                "RATE_LIMIT_LOGIN_PER_EMAIL",
            ],
            FollowUser | UnfollowUser => &["RATE_LIMIT_FOLLOWS_PER_USER"],
            FavoriteArticle | UnfavoriteArticle => &["RATE_LIMIT_FAVORITES_PER_USER"],
            CreateArticle => &["RATE_LIMIT_ARTICLES_PER_USER"],
            CreateComment => &["RATE_LIMIT_COMMENTS_PER_USER"],
            _ => &[],
        }
    }

    /// The function of this name.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The function serving `method` on the route template `path`.
    pub fn serving(method: &str, path: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| {
            f.route()
                .is_some_and(|r| r.method.eq_ignore_ascii_case(method) && r.path == path)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_routes_are_unique() {
        let mut names: Vec<&str> = Function::ALL.iter().map(|f| f.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Function::ALL.len());
        for f in Function::ALL {
            assert_eq!(Function::named(f.name()), Some(f));
            if let Some(route) = f.route() {
                assert_eq!(Function::serving(route.method, route.path), Some(f));
            }
        }
    }
}
