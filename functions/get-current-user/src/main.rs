fn main() -> shared::Served {
    shared::serve(shared::Function::GetCurrentUser, get_current_user::handler)
}
