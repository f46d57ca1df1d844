//! A real SMTP listener on 127.0.0.1 for the mail scenarios: speaks enough of RFC 5321
//! (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) for any client, keeps what it receives, and
//! can be down, come up, refuse a recipient the way a real server does, or hold its
//! answers at one stage of a session (to catch a client mid-send).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinSet,
};

use crate::{redis_server::free_port, wait_until};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: Vec<u8>,
}

impl ReceivedMail {
    pub fn subject(&self) -> String {
        self.parsed()
            .subject()
            .map(str::to_owned)
            .unwrap_or_default()
    }

    /// The plain-text body, transfer encoding undone.
    pub fn text(&self) -> String {
        self.parsed()
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    }

    /// The `Message-ID` header, without its angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed().message_id().map(str::to_owned)
    }

    /// The first link in the body starting with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let text = self.text();
        let start = text.find(prefix)?;
        let link = text[start..]
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or_default();
        Some(link.to_owned())
    }

    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parsable message")
    }
}

/// Where a session can be held until the test lets it go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpStage {
    /// Before the server's greeting: the client has connected and waits.
    Greeting,
    /// After the message is received and kept, before the `250` that says so.
    DataReply,
}

#[derive(Default)]
struct Shared {
    inbox: Vec<ReceivedMail>,
    refused: Vec<String>,
    /// Sessions waiting at a held stage now.
    held: usize,
    /// Sessions that have ended, however.
    ended: usize,
}

pub struct SmtpServer {
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
    hold: watch::Sender<Option<SmtpStage>>,
    tasks: JoinSet<()>,
}

impl SmtpServer {
    /// A server on a free port, listening.
    pub async fn start() -> Self {
        let mut server = Self::down();
        server.up().await;
        server
    }

    /// A server whose port is chosen but which does not listen yet: connections are refused.
    pub fn down() -> Self {
        Self {
            port: free_port(),
            shared: Arc::default(),
            hold: watch::Sender::new(None),
            tasks: JoinSet::new(),
        }
    }

    pub async fn up(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("binding the SMTP port");
        let shared = self.shared.clone();
        let hold = self.hold.clone();
        self.tasks.spawn(async move {
            let mut sessions = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let (shared, hold) = (shared.clone(), hold.subscribe());
                sessions.spawn(async move {
                    session(stream, &shared, hold).await;
                    shared.lock().unwrap().ended += 1;
                });
            }
        });
    }

    /// Holds every session, present and future, when it reaches `stage`.
    pub fn hold(&self, stage: SmtpStage) {
        self.hold.send_replace(Some(stage));
    }

    /// Lets held sessions go on.
    pub fn release(&self) {
        self.hold.send_replace(None);
    }

    /// Waits until `n` sessions are held.
    pub async fn held(&self, n: usize, deadline: Duration) {
        wait_until(&format!("{n} held SMTP sessions"), deadline, || async {
            (self.shared.lock().unwrap().held >= n).then_some(())
        })
        .await;
    }

    /// Sessions that have ended so far.
    pub fn sessions_ended(&self) -> usize {
        self.shared.lock().unwrap().ended
    }

    /// Answers `RCPT TO` for this address with a permanent 550.
    pub fn refuse(&self, address: &str) {
        self.shared
            .lock()
            .unwrap()
            .refused
            .push(address.to_lowercase());
    }

    pub fn inbox(&self) -> Vec<ReceivedMail> {
        self.shared.lock().unwrap().inbox.clone()
    }

    pub fn mail_to(&self, address: &str) -> Vec<ReceivedMail> {
        self.inbox()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to.eq_ignore_ascii_case(address)))
            .collect()
    }

    /// Waits for the `n`-th message (from 1) to `address`.
    pub async fn nth_mail_to(&self, address: &str, n: usize, deadline: Duration) -> ReceivedMail {
        wait_until(&format!("mail {n} to {address}"), deadline, || async move {
            self.mail_to(address).get(n - 1).cloned()
        })
        .await
    }

    /// The worker settings that send mail here.
    pub fn worker_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PREPQ_SMTP_HOST", "127.0.0.1".to_owned()),
            ("PREPQ_SMTP_PORT", self.port.to_string()),
            ("PREPQ_SMTP_TLS", "none".to_owned()),
            ("PREPQ_SMTP_TIMEOUT_SECS", "5".to_owned()),
        ]
    }
}

/// Returns when `stage` is not held (at once if it is not).
async fn pass(
    stage: SmtpStage,
    hold: &mut watch::Receiver<Option<SmtpStage>>,
    shared: &Mutex<Shared>,
) {
    if *hold.borrow() != Some(stage) {
        return;
    }
    shared.lock().unwrap().held += 1;
    let _ = hold.wait_for(|held| *held != Some(stage)).await;
    shared.lock().unwrap().held -= 1;
}

async fn session(
    stream: TcpStream,
    shared: &Mutex<Shared>,
    mut hold: watch::Receiver<Option<SmtpStage>>,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut reply = async |text: &str| write.write_all(text.as_bytes()).await.is_ok();
    pass(SmtpStage::Greeting, &mut hold, shared).await;
    if !reply("220 prepq-test ESMTP ready\r\n").await {
        return;
    }
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => {
                "250-prepq-test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n".to_owned()
            }
            "HELO" | "NOOP" => "250 2.0.0 OK\r\n".to_owned(),
            "RSET" => {
                from.clear();
                to.clear();
                "250 2.0.0 OK\r\n".to_owned()
            }
            "MAIL" => {
                from = address_in(&command);
                to.clear();
                "250 2.1.0 OK\r\n".to_owned()
            }
            "RCPT" => {
                let rcpt = address_in(&command);
                if shared
                    .lock()
                    .unwrap()
                    .refused
                    .contains(&rcpt.to_lowercase())
                {
                    format!("550 5.1.1 <{rcpt}>: no such mailbox here\r\n")
                } else {
                    to.push(rcpt);
                    "250 2.1.5 OK\r\n".to_owned()
                }
            }
            "DATA" if to.is_empty() => "554 5.5.1 no valid recipients\r\n".to_owned(),
            "DATA" => {
                if !reply("354 end data with <CR><LF>.<CR><LF>\r\n").await {
                    return;
                }
                let Some(data) = read_data(&mut lines).await else {
                    return;
                };
                shared.lock().unwrap().inbox.push(ReceivedMail {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                });
                pass(SmtpStage::DataReply, &mut hold, shared).await;
                "250 2.0.0 queued\r\n".to_owned()
            }
            "QUIT" => {
                reply("221 2.0.0 bye\r\n").await;
                return;
            }
            _ => "502 5.5.2 command not recognised\r\n".to_owned(),
        };
        if !reply(&answer).await {
            return;
        }
    }
}

/// The message up to the lone dot, with dot-stuffing undone.
async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if lines.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        if line == b".\r\n" || line == b".\n" {
            return Some(data);
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(unstuffed);
    }
}

fn address_in(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..]
        .find('>')
        .map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}
