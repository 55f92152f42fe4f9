fn main() -> shared::Served {
    shared::serve(shared::Function::UpdateUser, update_user::handler)
}
