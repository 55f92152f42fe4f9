fn main() -> shared::Served {
    shared::serve(shared::Function::DeleteComment, delete_comment::handler)
}
