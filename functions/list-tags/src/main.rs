fn main() -> shared::Served {
    shared::serve(shared::Function::ListTags, list_tags::handler)
}
