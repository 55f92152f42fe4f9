fn main() -> shared::Served {
    shared::serve(shared::Function::GetArticle, get_article::handler)
}
