fn main() -> shared::Served {
    shared::serve(shared::Function::FollowUser, follow_user::handler)
}
