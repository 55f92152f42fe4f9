fn main() -> shared::Served {
    shared::serve(shared::Function::UpdateArticle, update_article::handler)
}
