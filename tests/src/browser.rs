//! A real headless Chromium (Debian's `chromium`) driven over the DevTools protocol: pages
//! are read and used by evaluating script in them, as a person's clicks would, and
//! photographed. One command at a time, so a command's answer is the next message with its
//! id; the events in between are of no interest here.

use std::{path::Path, process::Stdio, time::Duration};

use base64::Engine;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    net::TcpStream,
    process::{Child, Command},
    time::Instant,
};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message};

use crate::JOB_DEADLINE;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

pub struct Browser {
    _chromium: Child,
    socket: Socket,
    session: String,
    next_id: u64,
}

impl Browser {
    /// Starts Chromium with a fresh profile under `dir` and opens one empty tab.
    pub async fn launch(dir: &Path) -> Browser {
        let profile = dir.join("chromium-profile");
        std::fs::create_dir_all(&profile).expect("a Chromium profile folder");
        // The background-networking flags keep Chromium from calling home, which this
        // machine's closed network refuses many times over.
        let mut chromium = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,900",
                "--remote-debugging-port=0",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("starting chromium (Debian's package `chromium`)");
        let mut lines = BufReader::new(chromium.stderr.take().expect("stderr")).lines();
        let address = tokio::time::timeout(JOB_DEADLINE, async {
            while let Some(line) = lines.next_line().await.expect("reading chromium") {
                if let Some(at) = line.strip_prefix("DevTools listening on ") {
                    return at.trim().to_owned();
                }
            }
            panic!("chromium exited before it listened");
        })
        .await
        .expect("chromium to listen for DevTools");
        // Chromium keeps writing to stderr; drain it so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let (socket, _) = tokio_tungstenite::connect_async(&address)
            .await
            .expect("connecting to DevTools");
        let mut browser = Browser {
            _chromium: chromium,
            socket,
            session: String::new(),
            next_id: 0,
        };
        let target = browser
            .browser_command("Target.createTarget", json!({ "url": "about:blank" }))
            .await;
        let attached = browser
            .browser_command(
                "Target.attachToTarget",
                json!({ "targetId": target["targetId"], "flatten": true }),
            )
            .await;
        browser.session = attached["sessionId"]
            .as_str()
            .expect("a session")
            .to_owned();
        browser
    }

    async fn browser_command(&mut self, method: &str, params: Value) -> Value {
        self.send(method, params, None).await
    }

    async fn command(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(method, params, Some(session)).await
    }

    async fn send(&mut self, method: &str, params: Value, session: Option<String>) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = session.into();
        }
        self.socket
            .send(Message::text(message.to_string()))
            .await
            .expect("sending a DevTools command");
        loop {
            let answer = tokio::time::timeout(JOB_DEADLINE, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("no answer to {method}"))
                .expect("DevTools closed")
                .expect("reading DevTools");
            let Message::Text(text) = answer else {
                continue;
            };
            let answer: Value = serde_json::from_str(&text).expect("DevTools speaks JSON");
            if answer["id"] != id {
                continue;
            }
            assert!(answer["error"].is_null(), "{method}: {}", answer["error"]);
            return answer["result"].clone();
        }
    }

    /// Loads `url` in the tab.
    pub async fn open(&mut self, url: &str) {
        let navigated = self.command("Page.navigate", json!({ "url": url })).await;
        assert!(navigated["errorText"].is_null(), "{url}: {navigated}");
    }

    /// The value of `expression` in the page (a promise is awaited).
    pub async fn eval(&mut self, expression: &str) -> Value {
        let evaluated = self
            .command(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
            )
            .await;
        assert!(
            evaluated["exceptionDetails"].is_null(),
            "{expression}: {}",
            evaluated["exceptionDetails"]
        );
        evaluated["result"]["value"].clone()
    }

    /// Evaluates `expression` until it is truthy (neither null, false, 0 nor ""), and
    /// answers that value.
    pub async fn wait_for(&mut self, what: &str, expression: &str) -> Value {
        let end = Instant::now() + JOB_DEADLINE;
        let mut pause = Duration::from_millis(10);
        loop {
            let value = self.eval(expression).await;
            let falsy = value.is_null()
                || value == false
                || value == 0
                || value.as_str().is_some_and(str::is_empty);
            if !falsy {
                return value;
            }
            assert!(
                Instant::now() < end,
                "timed out waiting in the browser for {what}"
            );
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(200));
        }
    }

    /// The text of the first element `selector` finds, once there is one.
    pub async fn text_of(&mut self, selector: &str) -> String {
        let expression = format!("document.querySelector({})?.textContent", json!(selector));
        let text = self.wait_for(selector, &expression).await;
        text.as_str().unwrap_or_default().to_owned()
    }

    /// Clicks the first element `selector` finds, once there is one.
    pub async fn click(&mut self, selector: &str) {
        let expression = format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return false; e.click(); return true; }})()",
            json!(selector)
        );
        self.wait_for(selector, &expression).await;
    }

    /// Types `value` into the field `selector` finds, as input events.
    pub async fn fill(&mut self, selector: &str, value: &str) {
        let expression = format!(
            "(() => {{ const e = document.querySelector({}); if (!e) return false; e.value = {}; \
             e.dispatchEvent(new Event('input', {{ bubbles: true }})); return true; }})()",
            json!(selector),
            json!(value)
        );
        self.wait_for(selector, &expression).await;
    }

    /// A PNG of the tab as it is now, written to `path`.
    pub async fn screenshot(&mut self, path: &Path) {
        let shot = self
            .command("Page.captureScreenshot", json!({ "format": "png" }))
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("image data"))
            .expect("base64 image");
        std::fs::write(path, png).expect("writing the screenshot");
    }
}
