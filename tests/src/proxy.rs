//! A TCP proxy a test can break: how we take a dependency away from one
//! process (the API's Redis link, say) without mocking anything.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{
        TcpListener, TcpStream,
        tcp::{OwnedReadHalf, OwnedWriteHalf},
    },
    sync::broadcast,
    task::JoinHandle,
};

pub struct ChaosProxy {
    pub port: u16,
    broken: Arc<AtomicBool>,
    cut: broadcast::Sender<()>,
    loss: Arc<AnswerLoss>,
    accept: JoinHandle<()>,
}

/// The statement whose answer the next link that sends it loses, and whether one has.
#[derive(Default)]
struct AnswerLoss {
    armed: Mutex<Option<Vec<u8>>>,
    lost: AtomicBool,
}

impl ChaosProxy {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let broken = Arc::new(AtomicBool::new(false));
        let loss = Arc::new(AnswerLoss::default());
        let (cut, _) = broadcast::channel(1);
        let accept = tokio::spawn({
            let broken = broken.clone();
            let cut = cut.clone();
            let loss = loss.clone();
            async move {
                while let Ok((inbound, _)) = listener.accept().await {
                    if broken.load(Ordering::SeqCst) {
                        drop(inbound);
                        continue;
                    }
                    let mut cut = cut.subscribe();
                    let loss = loss.clone();
                    tokio::spawn(async move {
                        let Ok(outbound) = TcpStream::connect(target).await else {
                            return;
                        };
                        let (from_client, to_client) = inbound.into_split();
                        let (from_server, to_server) = outbound.into_split();
                        let doomed = AtomicBool::new(false);
                        tokio::select! {
                            _ = upstream(from_client, to_server, &loss, &doomed) => {}
                            _ = downstream(from_server, to_client, &loss, &doomed) => {}
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
            loss,
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

    /// The next PostgreSQL statement whose text holds `statement` runs and commits, and
    /// then its link is cut before the answer reaches the client: the moment a failing
    /// link leaves a client unsure whether its write happened.
    pub fn lose_the_answer_to(&self, statement: &str) {
        self.loss.lost.store(false, Ordering::SeqCst);
        *self
            .loss
            .armed
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(statement.as_bytes().to_vec());
    }

    /// Whether the statement `lose_the_answer_to` named has run and lost its answer.
    pub fn answer_lost(&self) -> bool {
        self.loss.lost.load(Ordering::SeqCst)
    }
}

/// Client to server; the link that sends the armed statement is doomed before the
/// statement leaves, so that none of its answer can slip through.
async fn upstream(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    loss: &AnswerLoss,
    doomed: &AtomicBool,
) -> std::io::Result<()> {
    let mut buf = vec![0; 16 * 1024];
    // What was sent lately, so that a statement split between reads is still seen.
    let mut recent: Vec<u8> = Vec::new();
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        {
            let mut armed = loss.armed.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(statement) = armed.as_ref() {
                recent.extend_from_slice(&buf[..n]);
                if recent.windows(statement.len()).any(|w| w == statement) {
                    *armed = None;
                    doomed.store(true, Ordering::SeqCst);
                } else {
                    let keep = recent.len().saturating_sub(statement.len());
                    recent.drain(..keep);
                }
            }
        }
        to.write_all(&buf[..n]).await?;
    }
}

/// Server to client. On a doomed link, every message goes through but the completions that
/// end the transaction: a completion is held until the ready-for-query after it, which goes
/// through with it while a transaction is open (the statement ran inside one: its COMMIT is
/// to come), and otherwise cuts the link, both unsent: by then PostgreSQL has committed.
/// Messages before a completion go through, as a client that prepares first waits for them.
async fn downstream(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    loss: &AnswerLoss,
    doomed: &AtomicBool,
) -> std::io::Result<()> {
    let mut buf = vec![0; 16 * 1024];
    let mut pending: Vec<u8> = Vec::new();
    let mut held: Vec<u8> = Vec::new();
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        if !doomed.load(Ordering::SeqCst) {
            to.write_all(&buf[..n]).await?;
            continue;
        }
        pending.extend_from_slice(&buf[..n]);
        // A message: its type, then its length (which counts itself), then its body.
        while pending.len() >= 5 {
            let length = u32::from_be_bytes([pending[1], pending[2], pending[3], pending[4]]);
            let end = 1 + length as usize;
            if pending.len() < end {
                break;
            }
            let message: Vec<u8> = pending.drain(..end).collect();
            match message[0] {
                b'C' => held.extend_from_slice(&message),
                // The status after the completion: idle, so the transaction is over.
                b'Z' if !held.is_empty() && message.get(5) == Some(&b'I') => {
                    loss.lost.store(true, Ordering::SeqCst);
                    return Ok(());
                }
                _ => {
                    to.write_all(&held).await?;
                    held.clear();
                    to.write_all(&message).await?;
                }
            }
        }
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
