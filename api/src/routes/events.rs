use std::time::Duration;

use futures::{StreamExt, stream::BoxStream};
use poem::web::sse::Event;
use poem_openapi::{Object, OpenApi, Union, param::Path, payload::EventStream, types::ToJSON};
use prepq_schema::{announcements, jobs, messages::Message, sessions};
use tokio_stream::wrappers::BroadcastStream;
use uuid::Uuid;

use super::ApiTags;
use crate::{
    auth::{Caller, Signed},
    error::{JobStreamError, StreamError},
    relay::Published,
    state::AppState,
    streams::StreamSlot,
    views::JobEventView,
};

#[derive(Default)]
pub struct EventsApi;

const KEEP_ALIVE: Duration = Duration::from_secs(15);

type Events = EventStream<BoxStream<'static, JobEventView>>;

/// What your stream carries: a job's state change (the default event type), or a new
/// message in your inbox (event type `inbox`).
#[derive(Debug, Clone, Union)]
#[oai(one_of)]
pub enum StreamEvent {
    Job(JobEventView),
    Inbox(InboxEvent),
}

#[derive(Debug, Clone, Object)]
pub struct InboxEvent {
    pub message: Message,
}

/// The SSE event type of new messages.
const INBOX_EVENT: &str = "inbox";

#[OpenApi(tag = "ApiTags::Events")]
impl EventsApi {
    /// Every state change of your jobs, as they happen, and every new message of your
    /// inbox (as `inbox` events).
    #[oai(path = "/events", method = "get")]
    async fn all(
        &self,
        me: Signed<'_>,
    ) -> Result<EventStream<BoxStream<'static, StreamEvent>>, StreamError> {
        let slot = me.state.streams.open(me.caller.user_id)?;
        let (state, owner) = (me.state.clone(), me.caller.user_id);
        let stream = owner_published(me.state, owner).filter_map(move |published| {
            let state = state.clone();
            async move {
                let message = match published {
                    Published::Job(event) => return Some(StreamEvent::Job(event.into())),
                    Published::Message(message) => *message,
                    Published::Announcement(batch) => {
                        announcement_for(&state, owner, batch.announcement_id).await?
                    }
                };
                Some(StreamEvent::Inbox(InboxEvent { message }))
            }
        });
        let stream = while_signed_in(me.state, me.caller, slot, stream);
        Ok(EventStream::new(stream)
            .keep_alive(KEEP_ALIVE)
            .to_event(|event| {
                let data = event.to_json_string();
                match event {
                    StreamEvent::Job(_) => Event::message(data),
                    StreamEvent::Inbox(_) => Event::message(data).event_type(INBOX_EVENT),
                }
            }))
    }

    /// One job's state changes: its current state first, then each change; the stream
    /// ends after the job finishes.
    #[oai(path = "/jobs/:id/events", method = "get")]
    async fn job(&self, me: Signed<'_>, id: Path<Uuid>) -> Result<Events, JobStreamError> {
        let slot = me.state.streams.open(me.caller.user_id)?;
        let owner = me.caller.user_id;
        // Subscribed before reading the current state, so no change falls in between.
        let changes = owner_published(me.state, owner).filter_map(move |published| {
            std::future::ready(match published {
                Published::Job(event) if event.job_id == id.0 => Some(JobEventView::from(event)),
                _ => None,
            })
        });
        let mut conn = me.state.conn().await?;
        let row = jobs::find_owned(&mut conn, owner, id.0)
            .await?
            .ok_or_else(|| JobStreamError::not_found("job"))?;
        let current: JobEventView = row.event().into();
        let events = futures::stream::once(std::future::ready(current))
            .chain(changes)
            .boxed();
        let stream = while_signed_in(me.state, me.caller, slot, until_finished(events));
        // No keep-alive here: its ticks would hold the stream open after the job ends.
        Ok(EventStream::new(stream))
    }
}

/// Ends the stream when the caller's session ends (sign-out, a new password, the account
/// deleted), checked every `PREPQ_STREAM_CHECK_SECS`; a failed check keeps it open, as a
/// database blip is not a sign-out. The slot is held as long as the stream.
fn while_signed_in<T: Send + 'static>(
    state: &AppState,
    caller: Caller,
    slot: StreamSlot,
    events: impl futures::Stream<Item = T> + Send + 'static,
) -> BoxStream<'static, T> {
    let state = state.clone();
    let every = Duration::from_secs(state.config.stream_check_secs.max(1));
    let ended = async move {
        loop {
            tokio::time::sleep(every).await;
            let Ok(mut conn) = state.conn().await else {
                continue;
            };
            if let Ok(None) = sessions::live(&mut conn, caller.user_id, caller.session_id).await {
                return;
            }
        }
    };
    events
        .take_until(ended)
        .map(move |event| {
            let _ = &slot;
            event
        })
        .boxed()
}

/// What is published for `owner`. A lagging client skips what it missed: a job's state
/// and the inbox are always one GET away.
fn owner_published(
    state: &AppState,
    owner: Uuid,
) -> impl futures::Stream<Item = Published> + Send + 'static {
    BroadcastStream::new(state.events.subscribe())
        .filter_map(move |event| std::future::ready(event.ok().filter(|e| e.concerns(owner))))
}

/// The announcement's message in `owner`'s inbox; none when they turned announcements off
/// (or the store cannot say now: the inbox still has it).
async fn announcement_for(state: &AppState, owner: Uuid, id: Uuid) -> Option<Message> {
    let mut conn = state.conn().await.ok()?;
    announcements::message_of(&mut conn, owner, id)
        .await
        .ok()
        .flatten()
}

/// Skips repeats and ends right after a final state, without waiting for another event.
fn until_finished(
    events: BoxStream<'static, JobEventView>,
) -> impl futures::Stream<Item = JobEventView> + Send + 'static {
    futures::stream::unfold(
        (events, None, false),
        |(mut events, last, finished)| async move {
            if finished {
                return None;
            }
            loop {
                let event = events.next().await?;
                let key = (event.status, event.attempt, event.progress);
                if last == Some(key) {
                    continue;
                }
                let finished = event.status.is_final();
                return Some((event, (events, Some(key), finished)));
            }
        },
    )
}
