fn main() -> shared::Served {
    shared::serve(shared::Function::UnfollowUser, unfollow_user::handler)
}
