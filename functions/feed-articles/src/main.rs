fn main() -> shared::Served {
    shared::serve(shared::Function::FeedArticles, feed_articles::handler)
}
