fn main() -> shared::Served {
    shared::serve(shared::Function::GetOpenApi, get_openapi::handler)
}
