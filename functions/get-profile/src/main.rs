fn main() -> shared::Served {
    shared::serve(shared::Function::GetProfile, get_profile::handler)
}
