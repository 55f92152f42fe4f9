fn main() -> shared::Served {
    shared::serve(shared::Function::RegisterUser, register_user::handler)
}
