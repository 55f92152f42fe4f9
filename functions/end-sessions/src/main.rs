fn main() -> shared::Served {
    shared::serve(shared::Function::EndSessions, end_sessions::handler)
}
