fn main() -> shared::Served {
    shared::serve(shared::Function::ListComments, list_comments::handler)
}
