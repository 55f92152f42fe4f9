fn main() -> shared::Served {
    shared::serve(shared::Function::DeleteArticle, delete_article::handler)
}
