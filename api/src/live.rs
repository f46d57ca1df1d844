//! A mock interview live over WebSocket: `GET /api/v1/interviews/{id}/live?ticket=…`. The
//! ticket (`POST /interviews/{id}/ticket`) is single-use and short-lived, so no long-lived
//! token travels in a URL. The session lives in PostgreSQL: a dropped connection comes back
//! to the same question, and any API instance serves it. Messages are JSON objects with a
//! `type`; see the README.

use std::{collections::HashSet, time::Duration};

use futures::{SinkExt, StreamExt};
use poem::{
    IntoResponse, handler,
    http::StatusCode,
    web::{
        Data, Path, Query,
        websocket::{Message, WebSocket, WebSocketConfig, WebSocketStream},
    },
};
use prepq_jobs::{
    NewJob,
    kinds::{AnswerFeedback, InterviewFeedback},
};
use prepq_schema::interviews::{self, Interview, Reply, ReplyRefused, Turn};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{auth::SecretToken, rate_limit, state::AppState};

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

#[derive(Deserialize)]
pub struct LiveQuery {
    ticket: Option<String>,
}

/// What a client sends.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    Answer { text: String },
    Skip,
    HintRequest,
    End,
}

/// What the server sends.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ServerMessage<'a> {
    Question(Asked<'a>),
    FollowUp(Asked<'a>),
    Feedback {
        question_index: i32,
        follow_up: i32,
        feedback: &'a AnswerFeedback,
    },
    Hint {
        hint: String,
    },
    Progress {
        status: &'a str,
        answered: usize,
        asked: usize,
        awaiting_feedback: bool,
    },
    ReportReady {
        overall_score: Option<i32>,
        assessment: Option<&'a Value>,
    },
    Error {
        code: &'a str,
        message: String,
    },
}

#[derive(Serialize)]
struct Asked<'a> {
    question_index: i32,
    follow_up: i32,
    question: &'a str,
    category: &'a str,
    difficulty: &'a str,
    seconds: Option<i32>,
}

#[handler]
pub async fn live(
    Path(id): Path<Uuid>,
    Query(query): Query<LiveQuery>,
    ws: WebSocket,
    state: Data<&AppState>,
) -> poem::Response {
    let refuse = |status: StatusCode, code: &str, message: &str| {
        poem::Response::builder()
            .status(status)
            .content_type("application/json")
            .body(json!({ "error": { "code": code, "message": message } }).to_string())
    };
    let Some(ticket) = query.ticket.filter(|t| t.len() <= 64) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "ticket_required",
            "open the socket with a ticket from POST /interviews/{id}/ticket",
        );
    };
    let mut redis = state.redis.clone();
    let held: Option<String> = match redis::cmd("GETDEL")
        .arg(ticket_key(&ticket))
        .query_async(&mut redis)
        .await
    {
        Ok(held) => held,
        Err(e) => {
            tracing::warn!(error = %e, "reading a live ticket failed");
            return refuse(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "try again");
        }
    };
    let Some((owner, session)) = held.as_deref().and_then(|h| h.split_once(':')) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_ticket",
            "the ticket is unknown, used or expired: ask for another",
        );
    };
    let (Ok(owner), Ok(session)) = (owner.parse::<Uuid>(), session.parse::<Uuid>()) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "invalid_ticket",
            "the ticket is unknown, used or expired: ask for another",
        );
    };
    if session != id {
        return refuse(StatusCode::NOT_FOUND, "not_found", "interview not found");
    }
    let slot = match state.streams.open(owner) {
        Ok(slot) => slot,
        Err(_) => {
            return refuse(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                "close another stream first",
            );
        }
    };
    let state = state.clone();
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    ws.config(config)
        .on_upgrade(move |socket| async move {
            let _slot = slot;
            Live::new(state, owner, id).run(socket).await;
        })
        .into_response()
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
                    Ok(event) if event.owner_id == Some(self.owner) && event.kind.starts_with("interview.") => self.sync().await,
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
        let message: ClientMessage = match serde_json::from_str(text) {
            Ok(message) => message,
            Err(e) => {
                return vec![error(
                    "invalid_message",
                    &format!("not a message this socket takes: {e}"),
                )];
            }
        };
        let result = match message {
            ClientMessage::Answer { text } if text.chars().count() > 10_000 => {
                return vec![error(
                    "answer_too_long",
                    "an answer is at most 10000 characters",
                )];
            }
            ClientMessage::Answer { text } => self.reply(Reply::Answer(&text)).await,
            ClientMessage::Skip => self.reply(Reply::Skip).await,
            ClientMessage::End => {
                let mut conn = match self.state.conn().await {
                    Ok(conn) => conn,
                    Err(_) => return vec![error("unavailable", "try again")],
                };
                interviews::end(&mut conn, self.owner, self.id)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            ClientMessage::HintRequest => return self.hint().await,
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
            Some(hint) => vec![encode(&ServerMessage::Hint { hint })],
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
                out.push(encode(&ServerMessage::Feedback {
                    question_index: key.0,
                    follow_up: key.1,
                    feedback: &feedback,
                }));
            }
        }
        let awaiting_feedback = turns.iter().any(Turn::is_pending);
        if session.status == interviews::IN_PROGRESS
            && !awaiting_feedback
            && let Some(turn) = turns.iter().find(|t| t.is_open())
            && self.asked != Some((turn.question_index, turn.follow_up))
        {
            self.asked = Some((turn.question_index, turn.follow_up));
            let asked = Asked {
                question_index: turn.question_index,
                follow_up: turn.follow_up,
                question: &turn.question,
                category: &turn.category,
                difficulty: &turn.difficulty,
                seconds: session.seconds_per_question,
            };
            out.push(encode(&if turn.follow_up > 0 {
                ServerMessage::FollowUp(asked)
            } else {
                ServerMessage::Question(asked)
            }));
        }
        if !out.is_empty() {
            out.insert(
                0,
                encode(&ServerMessage::Progress {
                    status: &session.status,
                    answered: turns.iter().filter(|t| t.answer.is_some()).count(),
                    asked: turns.len(),
                    awaiting_feedback,
                }),
            );
        }
        if !session.is_live() && session.status != interviews::REPORTING {
            // The session is over: its report (or why there is none), then the close.
            self.reported = true;
            out.push(encode(&ServerMessage::Progress {
                status: &session.status,
                answered: turns.iter().filter(|t| t.answer.is_some()).count(),
                asked: turns.len(),
                awaiting_feedback,
            }));
            if session.status == interviews::FINISHED {
                out.push(encode(&ServerMessage::ReportReady {
                    overall_score: session.overall_score,
                    assessment: session.assessment.as_ref(),
                }));
            }
        }
        out
    }
}

/// As the REST answers have it: an optional field is left out, never `null`.
fn encode(message: &ServerMessage<'_>) -> String {
    fn prune(value: &mut Value) {
        match value {
            Value::Object(fields) => {
                fields.retain(|_, v| !v.is_null());
                fields.values_mut().for_each(prune);
            }
            Value::Array(items) => items.iter_mut().for_each(prune),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(message).unwrap_or_default();
    prune(&mut value);
    value.to_string()
}

fn error(code: &str, message: &str) -> String {
    encode(&ServerMessage::Error {
        code,
        message: message.to_owned(),
    })
}
