//! Serving TCP connections with bounds an anonymous client cannot lift: how many are open
//! at once, and how long one may sit between requests (sending nothing, half a request
//! head, or idling on keep-alive, over HTTP/1 or HTTP/2).

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::Duration,
};

use clap::Args;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
};
use poem::{
    Addr, Endpoint,
    http::uri::Scheme,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::Semaphore,
    time::Instant,
};
use tokio_util::sync::CancellationToken;

/// How many connections may be open and how long one may wait between requests.
#[derive(Debug, Clone, Args)]
pub struct ConnectionLimits {
    /// Connections open at once; one more is closed as soon as it is accepted.
    #[arg(long, env = "PREPQ_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Longest a connection may go without a request in progress: before its first
    /// request's head is complete, and between requests.
    #[arg(long, env = "PREPQ_IDLE_TIMEOUT_SECS", default_value_t = 20)]
    pub idle_timeout_secs: u64,
}

/// Serves `endpoint` on `listener` until `shutdown` resolves, then lets open requests finish
/// for up to `grace`.
pub async fn serve<E>(
    listener: TcpListener,
    endpoint: E,
    limits: &ConnectionLimits,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) -> std::io::Result<()>
where
    E: Endpoint<Output = poem::Response> + 'static,
{
    let endpoint = Arc::new(endpoint);
    let local = listener.local_addr()?;
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let idle = Duration::from_secs(limits.idle_timeout_secs.max(1));
    let stopping = CancellationToken::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of descriptors or similar: wait for some to close instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            metrics::counter!("api_connections_refused_total").increment(1);
            tracing::warn!(%remote, max = limits.max_connections, "connection limit reached; closing a new connection");
            drop(stream);
            continue;
        };
        let endpoint = endpoint.clone();
        let stopping = stopping.clone();
        tokio::spawn(async move {
            serve_connection(stream, local, remote, endpoint, idle, stopping).await;
            drop(slot);
        });
    }
    stopping.cancel();
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, slots.acquire_many(all)).await;
    Ok(())
}

async fn serve_connection<E>(
    stream: TcpStream,
    local: SocketAddr,
    remote: SocketAddr,
    endpoint: Arc<E>,
    idle: Duration,
    stopping: CancellationToken,
) where
    E: Endpoint<Output = poem::Response> + 'static,
{
    let activity = Arc::new(Activity::new());
    let service = hyper::service::service_fn({
        let activity = activity.clone();
        move |request: hyper::Request<Incoming>| {
            let endpoint = endpoint.clone();
            let in_flight = activity.start();
            async move {
                let request = poem::Request::from((
                    request,
                    LocalAddr(Addr::SocketAddr(local)),
                    RemoteAddr(Addr::SocketAddr(remote)),
                    Scheme::HTTP,
                ));
                let response: hyper::Response<_> = endpoint.get_response(request).await.into();
                // The request counts as in progress until its body (an event stream, say)
                // is done or dropped.
                Ok::<_, std::convert::Infallible>(response.map(|body| {
                    body.map_frame(move |frame| {
                        let _ = &in_flight;
                        frame
                    })
                    .boxed()
                }))
            }
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(idle);
    builder.http2().timer(TokioTimer::new());
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(connection);
    tokio::select! {
        _ = &mut connection => return,
        () = activity.idle_for(idle) => {
            tracing::debug!(%remote, "closing a connection idle for {idle:?}");
        }
        () = stopping.cancelled() => {}
    }
    connection.as_mut().graceful_shutdown();
    // Nothing is in progress when idle; when stopping, open requests get a moment to end.
    let _ = tokio::time::timeout(Duration::from_secs(5), connection).await;
}

/// Requests in progress on one connection, and since when none has been.
struct Activity {
    opened: Instant,
    in_flight: AtomicUsize,
    idle_since_ms: AtomicU64,
}

/// Held while one request is in progress.
struct InFlight(Arc<Activity>);

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since_ms: AtomicU64::new(0),
        }
    }

    fn start(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Resolves once no request has been in progress for `idle`.
    async fn idle_for(&self, idle: Duration) {
        let idle_ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        loop {
            let wait_ms = if self.in_flight.load(Ordering::SeqCst) > 0 {
                idle_ms
            } else {
                let since = self.idle_since_ms.load(Ordering::SeqCst);
                let quiet = self.elapsed_ms().saturating_sub(since);
                if quiet >= idle_ms {
                    return;
                }
                idle_ms - quiet
            };
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0
            .idle_since_ms
            .store(self.0.elapsed_ms(), Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}
