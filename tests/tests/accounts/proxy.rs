//! A TCP proxy in front of DynamoDB Local that holds back the first request
//! whose bytes contain a marker until the test releases it. It lets a test
//! force one interleaving of two calls: "A has read, B commits, then A writes".

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::Notify,
    task::JoinHandle,
};

pub struct HoldingProxy {
    /// `http://127.0.0.1:<port>`, for `harness::app_at`.
    pub endpoint: String,
    gate: Arc<Gate>,
    task: JoinHandle<()>,
}

struct Gate {
    marker: Vec<u8>,
    held: AtomicBool,
    arrived: Notify,
    release: Notify,
}

impl HoldingProxy {
    /// Proxies to `upstream` (`http://host:port`), holding the first request
    /// that contains `marker`.
    pub async fn start(upstream: &str, marker: &str) -> Self {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let gate = Arc::new(Gate {
            marker: marker.as_bytes().to_vec(),
            held: AtomicBool::new(false),
            arrived: Notify::new(),
            release: Notify::new(),
        });
        let task = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move {
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        continue;
                    };
                    tokio::spawn(pipe(client, server, Arc::clone(&gate)));
                }
            })
        };
        Self {
            endpoint,
            gate,
            task,
        }
    }

    /// Waits until the marked request has reached the proxy (and is held).
    pub async fn arrived(&self) {
        self.gate.arrived.notified().await;
    }

    /// Lets the held request through.
    pub fn release(&self) {
        self.gate.release.notify_one();
    }
}

impl Drop for HoldingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pipe(client: TcpStream, server: TcpStream, gate: Arc<Gate>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let answers = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    // The end of the previous read, so a marker split across reads is found.
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let n = match client_read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        let mut window = std::mem::take(&mut tail);
        window.extend_from_slice(chunk);
        if window
            .windows(gate.marker.len())
            .any(|w| w == gate.marker.as_slice())
            && !gate.held.swap(true, Ordering::SeqCst)
        {
            gate.arrived.notify_one();
            gate.release.notified().await;
        }
        let keep = gate.marker.len().saturating_sub(1).min(window.len());
        tail = window[window.len() - keep..].to_vec();
        if server_write.write_all(chunk).await.is_err() {
            break;
        }
    }
    let _ = server_write.shutdown().await;
    let _ = answers.await;
}
