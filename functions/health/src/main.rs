fn main() -> shared::Served {
    shared::serve(shared::Function::Health, health::handler)
}
