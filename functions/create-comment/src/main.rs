fn main() -> shared::Served {
    shared::serve(shared::Function::CreateComment, create_comment::handler)
}
