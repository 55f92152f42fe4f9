fn main() -> shared::Served {
    shared::serve(shared::Function::FavoriteArticle, favorite_article::handler)
}
