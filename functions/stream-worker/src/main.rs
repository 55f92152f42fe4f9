fn main() -> shared::Served {
    shared::serve_events(shared::Function::StreamWorker, stream_worker::handler)
}
