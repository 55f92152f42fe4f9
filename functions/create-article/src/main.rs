fn main() -> shared::Served {
    shared::serve(shared::Function::CreateArticle, create_article::handler)
}
