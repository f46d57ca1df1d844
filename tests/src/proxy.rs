//! A TCP proxy a test can break: how we take a dependency away from one
//! process (the API's Redis link, say) without mocking anything.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    net::{TcpListener, TcpStream},
    sync::broadcast,
    task::JoinHandle,
};

pub struct ChaosProxy {
    pub port: u16,
    broken: Arc<AtomicBool>,
    cut: broadcast::Sender<()>,
    accept: JoinHandle<()>,
}

impl ChaosProxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let broken = Arc::new(AtomicBool::new(false));
        let (cut, _) = broadcast::channel(1);
        let accept = tokio::spawn({
            let broken = broken.clone();
            let cut = cut.clone();
            async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    if broken.load(Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let mut cut = cut.subscribe();
                    tokio::spawn(async move {
                        let Ok(mut outbound) = TcpStream::connect(target).await else {
                            return;
                        };
                        let mut inbound = inbound;
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = cut.recv() => {}
                        }
                    });
                }
            }
        });
        Self {
            port,
            broken,
            cut,
            accept,
        }
    }

    /// Drops every open connection and refuses new ones.
    pub fn break_links(&self) {
        self.broken.store(true, Ordering::SeqCst);
        let _ = self.cut.send(());
    }

    /// Lets new connections through again.
    pub fn heal(&self) {
        self.broken.store(false, Ordering::SeqCst);
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
