//! A mock interview live over WebSocket: `GET /api/v1/interviews/{id}/live?ticket=…`. The
//! ticket (`POST /interviews/{id}/ticket`) is single-use and short-lived, so no long-lived
//! token travels in a URL. The session lives in PostgreSQL: a dropped connection comes back
//! to the same question, and any API instance serves it. Messages are JSON objects with a
//! `type`; see the README.

mod messages;

use std::{collections::HashSet, time::Duration};

use futures::{SinkExt, StreamExt};
use poem::{
    IntoResponse,
    web::websocket::{Message, WebSocket, WebSocketConfig, WebSocketStream},
};
use poem_openapi::{
    ApiResponse,
    payload::Json,
    registry::{MetaMediaType, MetaResponse, MetaResponses, Registry},
    types::{ParseFromJSON, ToJSON, Type},
};
use prepq_jobs::{
    NewJob,
    kinds::{AnswerFeedback, InterviewFeedback},
};
use prepq_schema::interviews::{self, Interview, Reply, ReplyRefused, Turn};
use redis::AsyncCommands;
use uuid::Uuid;

pub use messages::*;

use crate::{auth::SecretToken, error::ErrorBody, rate_limit, relay::Published, state::AppState};

/// A ticket's life: long enough to open the socket it was asked for.
pub const TICKET_SECS: u64 = 60;
/// The largest message a client may send.
const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// A ping this often; a client silent (no pong, no message) for three of them is gone.
const PING_EVERY: Duration = Duration::from_secs(15);
/// The session is read again this often even without an event (another instance's).
const RESYNC_EVERY: Duration = Duration::from_secs(2);

/// Redis holds a ticket's hash, not the ticket.
fn ticket_key(ticket: &str) -> String {
    format!("prepq:live-ticket:{}", SecretToken::hash_of(ticket))
}

/// A new single-use ticket for the owner's session `id`.
pub async fn issue_ticket(state: &AppState, owner: Uuid, id: Uuid) -> redis::RedisResult<String> {
    let ticket = SecretToken::generate().plain;
    let mut redis = state.redis.clone();
    let () = redis
        .set_ex(ticket_key(&ticket), format!("{owner}:{id}"), TICKET_SECS)
        .await?;
    Ok(ticket)
}

/// The socket, once the upgrade is accepted. Its 101 answer documents what the server
/// sends; the client's messages are kept in the document by `spec`.
pub struct LiveSocket(poem::Response);

impl IntoResponse for LiveSocket {
    fn into_response(self) -> poem::Response {
        self.0
    }
}

impl ApiResponse for LiveSocket {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "Switched to the WebSocket protocol. Every frame is a JSON text: the server's are `LiveServerMessage`s (below), the client's `LiveClientMessage`s.",
                status: Some(101),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: "application/json",
                    schema: LiveServerMessage::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        LiveServerMessage::register(registry);
    }
}

/// Why the socket was not opened.
#[derive(Debug, ApiResponse)]
pub enum LiveRefused {
    /// Not a WebSocket upgrade, or an id that is not a UUID.
    #[oai(status = 400)]
    BadRequest(Json<ErrorBody>),
    /// No ticket, or one unknown, used or expired: ask `POST /interviews/{id}/ticket`.
    #[oai(status = 401)]
    Unauthorized(Json<ErrorBody>),
    /// The ticket is for another session.
    #[oai(status = 404)]
    NotFound(Json<ErrorBody>),
    /// As many of your streams are open as you may hold: close one first.
    #[oai(status = 429)]
    TooManyRequests(Json<ErrorBody>),
    /// Redis is unreachable; try again.
    #[oai(status = 503)]
    Unavailable(Json<ErrorBody>),
}

/// Spends the ticket and upgrades to the session's socket.
pub async fn open(
    state: &AppState,
    id: Uuid,
    ticket: Option<String>,
    ws: WebSocket,
) -> Result<LiveSocket, LiveRefused> {
    let Some(ticket) = ticket.filter(|t| t.len() <= 64) else {
        return Err(LiveRefused::Unauthorized(ErrorBody::new(
            "ticket_required",
            "open the socket with a ticket from POST /interviews/{id}/ticket",
        )));
    };
    let invalid = || {
        LiveRefused::Unauthorized(ErrorBody::new(
            "invalid_ticket",
            "the ticket is unknown, used or expired: ask for another",
        ))
    };
    let mut redis = state.redis.clone();
    let held: Option<String> = redis::cmd("GETDEL")
        .arg(ticket_key(&ticket))
        .query_async(&mut redis)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "reading a live ticket failed");
            LiveRefused::Unavailable(ErrorBody::new("unavailable", "try again"))
        })?;
    let (owner, session) = held
        .as_deref()
        .and_then(|h| h.split_once(':'))
        .ok_or_else(invalid)?;
    let (Ok(owner), Ok(session)) = (owner.parse::<Uuid>(), session.parse::<Uuid>()) else {
        return Err(invalid());
    };
    if session != id {
        return Err(LiveRefused::NotFound(ErrorBody::new(
            "not_found",
            "interview not found",
        )));
    }
    let slot = state.streams.open(owner).map_err(|_| {
        LiveRefused::TooManyRequests(ErrorBody::new(
            "too_many_streams",
            "close another stream first",
        ))
    })?;
    let state = state.clone();
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    Ok(LiveSocket(
        ws.config(config)
            .on_upgrade(move |socket| async move {
                let _slot = slot;
                Live::new(state, owner, id).run(socket).await;
            })
            .into_response(),
    ))
}

struct Live {
    state: AppState,
    owner: Uuid,
    id: Uuid,
    /// Turns whose feedback this connection has sent, and the question it last asked.
    told: HashSet<(i32, i32)>,
    asked: Option<(i32, i32)>,
    reported: bool,
}

impl Live {
    fn new(state: AppState, owner: Uuid, id: Uuid) -> Self {
        Self {
            state,
            owner,
            id,
            told: HashSet::new(),
            asked: None,
            reported: false,
        }
    }

    async fn run(mut self, socket: WebSocketStream) {
        let (mut sink, mut stream) = socket.split();
        let mut events = self.state.events.subscribe();
        let mut ping = tokio::time::interval(PING_EVERY);
        let mut resync = tokio::time::interval(RESYNC_EVERY);
        let mut heard = tokio::time::Instant::now();
        loop {
            let outgoing = tokio::select! {
                message = stream.next() => {
                    let Some(Ok(message)) = message else { break };
                    heard = tokio::time::Instant::now();
                    match message {
                        Message::Text(text) => self.take(&text).await,
                        Message::Close(_) => break,
                        Message::Binary(_) => vec![error("binary_not_accepted", "send JSON text messages")],
                        _ => Vec::new(),
                    }
                }
                event = events.recv() => match event {
                    Ok(Published::Job(event)) if event.owner_id == Some(self.owner) && event.kind.starts_with("interview.") => self.sync().await,
                    Ok(_) => Vec::new(),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => self.sync().await,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                },
                _ = resync.tick() => self.sync().await,
                _ = ping.tick() => {
                    if heard.elapsed() > PING_EVERY * 3 {
                        break;
                    }
                    if sink.send(Message::Ping(Vec::new())).await.is_err() {
                        break;
                    }
                    Vec::new()
                }
            };
            for message in outgoing {
                if sink.send(Message::Text(message)).await.is_err() {
                    return;
                }
            }
            if self.reported {
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
        }
    }

    /// One client message: acted on, then the session as it now is.
    async fn take(&mut self, text: &str) -> Vec<String> {
        let parsed = serde_json::from_str(text)
            .map_err(|e| e.to_string())
            .and_then(|value| {
                LiveClientMessage::parse_from_json(Some(value)).map_err(|e| e.into_message())
            });
        let message = match parsed {
            Ok(message) => message,
            Err(e) => {
                return vec![error(
                    "invalid_message",
                    &format!("not a message this socket takes: {e}"),
                )];
            }
        };
        let result = match message {
            LiveClientMessage::Answer(LiveAnswer { text })
                if text.chars().count() > interviews::MAX_ANSWER_CHARS =>
            {
                return vec![error(
                    "answer_too_long",
                    &format!(
                        "an answer is at most {} characters",
                        interviews::MAX_ANSWER_CHARS
                    ),
                )];
            }
            LiveClientMessage::Answer(LiveAnswer { text }) => {
                self.reply(Reply::Answer(&text)).await
            }
            LiveClientMessage::Skip(_) => self.reply(Reply::Skip).await,
            LiveClientMessage::End(_) => {
                let mut conn = match self.state.conn().await {
                    Ok(conn) => conn,
                    Err(_) => return vec![error("unavailable", "try again")],
                };
                interviews::end(&mut conn, self.owner, self.id)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            LiveClientMessage::HintRequest(_) => return self.hint().await,
        };
        let mut out = match result {
            Ok(()) => Vec::new(),
            Err(message) => vec![error("refused", &message)],
        };
        out.extend(self.sync().await);
        out
    }

    async fn reply(&mut self, reply: Reply<'_>) -> Result<(), String> {
        let quota = self.state.config.limits.answer_user;
        if rate_limit::hit(
            &self.state.redis,
            "answer-user",
            &self.owner.to_string(),
            quota,
        )
        .await
        .is_err()
        {
            return Err("too many answers: wait a minute".into());
        }
        let mut conn = self.state.conn().await.map_err(|e| e.to_string())?;
        let id = self.id;
        let feedback = |question_index: i32, follow_up: i32| {
            NewJob::of(&InterviewFeedback {
                interview_id: id,
                question_index: u32::try_from(question_index).unwrap_or(0),
                follow_up: u32::try_from(follow_up).unwrap_or(0),
            })
        };
        match interviews::reply(&mut conn, self.owner, self.id, reply, feedback).await {
            Ok(_) => Ok(()),
            Err(ReplyRefused::Store(e)) => Err(e.to_string()),
            Err(why) => Err(why.to_string()),
        }
    }

    async fn hint(&mut self) -> Vec<String> {
        let Ok(Some((session, turns))) = self.load().await else {
            return vec![error("unavailable", "try again")];
        };
        if session.mode != "practice" {
            return vec![error("no_hints", "hints are for practice sessions")];
        }
        let hint = turns
            .iter()
            .find(|t| t.is_open())
            .and_then(|t| t.key_points().into_iter().next());
        match hint {
            Some(hint) => vec![encode(LiveServerMessage::Hint(LiveHint { hint }))],
            None => vec![error("no_hint", "there is no question to hint at")],
        }
    }

    async fn load(&self) -> Result<Option<(Interview, Vec<Turn>)>, prepq_schema::StoreError> {
        let mut conn = self.state.conn().await?;
        let Some(session) = interviews::find_owned(&mut conn, self.owner, self.id).await? else {
            return Ok(None);
        };
        let turns = interviews::turns(&mut conn, self.id).await?;
        Ok(Some((session, turns)))
    }

    /// What changed since this connection last said: new feedback, the next question,
    /// the report.
    async fn sync(&mut self) -> Vec<String> {
        let Ok(Some((session, turns))) = self.load().await else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let shows_feedback = session.mode == "practice" || session.status == interviews::FINISHED;
        for turn in &turns {
            let key = (turn.question_index, turn.follow_up);
            if shows_feedback
                && !self.told.contains(&key)
                && let Some(feedback) = turn
                    .feedback
                    .clone()
                    .and_then(|f| serde_json::from_value::<AnswerFeedback>(f).ok())
            {
                self.told.insert(key);
                out.push(encode(LiveServerMessage::Feedback(LiveFeedback {
                    question_index: key.0,
                    follow_up: key.1,
                    feedback,
                })));
            }
        }
        let awaiting_feedback = turns.iter().any(Turn::is_pending);
        if session.status == interviews::IN_PROGRESS
            && !awaiting_feedback
            && let Some(turn) = turns.iter().find(|t| t.is_open())
            && self.asked != Some((turn.question_index, turn.follow_up))
        {
            self.asked = Some((turn.question_index, turn.follow_up));
            let asked = LiveQuestion {
                question_index: turn.question_index,
                follow_up: turn.follow_up,
                question: turn.question.clone(),
                category: turn.category.clone(),
                difficulty: turn.difficulty.clone(),
                seconds: session.seconds_per_question,
            };
            out.push(encode(if turn.follow_up > 0 {
                LiveServerMessage::FollowUp(LiveFollowUp { asked })
            } else {
                LiveServerMessage::Question(asked)
            }));
        }
        let progress = || {
            encode(LiveServerMessage::Progress(LiveProgress {
                status: session.status.clone(),
                answered: turns.iter().filter(|t| t.answer.is_some()).count() as u32,
                asked: turns.len() as u32,
                awaiting_feedback,
            }))
        };
        if !out.is_empty() {
            out.insert(0, progress());
        }
        if !session.is_live() && session.status != interviews::REPORTING {
            // The session is over: its report (or why there is none), then the close.
            self.reported = true;
            out.push(progress());
            if session.status == interviews::FINISHED {
                out.push(encode(LiveServerMessage::ReportReady(LiveReportReady {
                    overall_score: session.overall_score,
                    assessment: session
                        .assessment
                        .clone()
                        .and_then(|a| serde_json::from_value(a).ok()),
                })));
            }
        }
        out
    }
}

/// As the REST answers have it: an optional field is left out, never `null`.
fn encode(message: LiveServerMessage) -> String {
    message.to_json_string()
}

fn error(code: &str, message: &str) -> String {
    encode(LiveServerMessage::Error(LiveError {
        code: code.to_owned(),
        message: message.to_owned(),
    }))
}
