fn main() -> shared::Served {
    shared::serve(shared::Function::LoginUser, login_user::handler)
}
