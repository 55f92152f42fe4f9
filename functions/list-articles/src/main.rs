fn main() -> shared::Served {
    shared::serve(shared::Function::ListArticles, list_articles::handler)
}
