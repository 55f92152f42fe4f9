fn main() -> shared::Served {
    shared::serve(
        shared::Function::UnfavoriteArticle,
        unfavorite_article::handler,
    )
}
