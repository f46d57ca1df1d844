use std::process::{Child, Command, Stdio};

use crate::wait_until;

/// A private redis-server for one scenario, so it can be flushed, broken or restarted
/// without touching another test. Killed on drop.
pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl RedisServer {
    pub async fn start() -> Self {
        let port = free_port();
        let server = Self {
            child: spawn(port),
            port,
        };
        server.wait_ready().await;
        server
    }

    /// Stops the server and starts an empty one on the same port, as a crash and restart
    /// of a Redis without persistence would.
    pub async fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(self.port);
        self.wait_ready().await;
    }

    async fn wait_ready(&self) {
        let url = self.url();
        wait_until(
            "redis to answer",
            std::time::Duration::from_secs(10),
            || {
                let url = url.clone();
                async move {
                    let client = redis::Client::open(url).ok()?;
                    let mut conn = client.get_multiplexed_async_connection().await.ok()?;
                    redis::cmd("PING")
                        .query_async::<String>(&mut conn)
                        .await
                        .ok()
                }
            },
        )
        .await;
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    pub async fn connection(&self) -> redis::aio::ConnectionManager {
        redis::Client::open(self.url())
            .expect("redis url")
            .get_connection_manager()
            .await
            .expect("connecting to the test redis")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("finding a free port")
}

fn spawn(port: u16) -> Child {
    Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting redis-server (is it installed? run scripts/test)")
}
