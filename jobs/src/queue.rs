//! How a job travels over Redis. apalis-redis is the dispatch channel, never the record:
//! each queue holds a bounded *window* of jobs (apalis-redis 1.0 crashes every worker on a
//! backlog of ~8k due jobs), the rest waits in PostgreSQL for the dispatcher.
//!
//! The window is a sorted set of job ids per queue: a job takes a slot before it is pushed
//! and gives it back when a worker takes it. The check and the take are one script, so API
//! instances and the dispatcher together never push past the capacity.

use std::sync::LazyLock;

use apalis_core::task::{builder::TaskBuilder, task_id::TaskId};
use apalis_redis::{Config, RedisTask};
use redis::{AsyncCommands, Script, aio::ConnectionManager};
use uuid::Uuid;

use crate::{Dispatch, JobEvent};

/// The channel every job state change is published on.
pub const EVENTS_CHANNEL: &str = "prepq:events";
/// Where new inbox messages are published, for their owners' event streams.
pub const MESSAGES_CHANNEL: &str = "prepq:messages";
/// Where each batch of an announcement's delivery is published: one event for thousands of
/// inboxes, which each API instance hands to the streams of the users it reached.
pub const ANNOUNCEMENTS_CHANNEL: &str = "prepq:announcements";

/// A batch of an announcement delivered: to the users with ids after `after` (all when
/// none) up to `through`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnnouncementBatch {
    pub announcement_id: uuid::Uuid,
    pub after: Option<uuid::Uuid>,
    pub through: uuid::Uuid,
}

impl AnnouncementBatch {
    pub fn reached(&self, user: uuid::Uuid) -> bool {
        self.after.is_none_or(|after| user > after) && user <= self.through
    }
}
/// Present while Redis keeps its data; its absence tells the dispatcher Redis was wiped.
pub const EPOCH_KEY: &str = "prepq:epoch";

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("apalis push: {0}")]
    Push(#[from] apalis_redis::Error),
    #[error("encoding a dispatch: {0}")]
    Encode(#[from] serde_json::Error),
}

/// The apalis queue of a job kind. Set explicitly: apalis defaults to the Rust type name.
pub fn queue_name(kind: &str) -> String {
    format!("prepq:{kind}")
}

/// How often apalis workers report alive, and how many reports they may miss. Short on
/// purpose: apalis' own poll strategy was measured here losing an idle worker's wake-up
/// (the workers now poll with a strategy of their own); the heartbeat is the second line.
pub const WORKER_HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(1);
pub const WORKER_MISSED_HEARTBEATS: usize = 10;

/// The apalis configuration of a kind's queue.
pub fn apalis_config(kind: &str) -> Config {
    Config::default()
        .queue(queue_name(kind))
        // apalis' own pub/sub notices: nobody listens, and they cost on every push and ack.
        .emit_events(false)
        .heartbeat_interval(WORKER_HEARTBEAT)
        .missed_heartbeats(WORKER_MISSED_HEARTBEATS)
}

/// The name of the apalis worker serving `kind` in `process`, after `restart` restarts.
/// Kinds hold no `-`, so the process is what precedes the last two dashes (`HAND_BACK`).
pub fn worker_name(process: &str, kind: &str, restart: usize) -> String {
    format!("{process}-{kind}-{restart}")
}

/// How long a worker process's alive mark outlasts its last renewal; renewed every
/// `WORKER_HEARTBEAT`, so a process is taken for dead after about three missed beats.
pub const PROCESS_ALIVE: std::time::Duration = std::time::Duration::from_secs(3);

fn alive_key(process: &str) -> String {
    format!("{ALIVE_PREFIX}{process}")
}

const ALIVE_PREFIX: &str = "prepq:alive:";

/// Marks a worker process alive for `PROCESS_ALIVE`. Redis counts the time, so no two
/// machines' clocks are compared.
pub async fn mark_alive(conn: &mut ConnectionManager, process: &str) -> Result<(), QueueError> {
    let ttl = PROCESS_ALIVE.as_millis() as u64;
    let _: () = conn.pset_ex(alive_key(process), 1, ttl).await?;
    Ok(())
}

static HAND_BACK: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        -- KEYS[1] workers set; KEYS[2] active list; KEYS[3] signal list
        -- ARGV[1] in-flight set prefix; ARGV[2] alive mark prefix
        local handed = 0
        for _, worker in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
            local process = string.match(worker, '^(.+)%-[^%-]+%-%d+$')
            if process and redis.call('EXISTS', ARGV[2] .. process) == 0 then
                local inflight = ARGV[1] .. ':' .. worker
                local tasks = redis.call('SMEMBERS', inflight)
                if #tasks > 0 then
                    -- to the front: they were due before anything waiting now
                    redis.call('LPUSH', KEYS[2], unpack(tasks))
                    redis.call('DEL', inflight)
                    handed = handed + #tasks
                end
            end
        end
        if handed > 0 then
            redis.call('DEL', KEYS[3])
            redis.call('LPUSH', KEYS[3], 1)
        end
        return handed
        ",
    )
});

/// Puts the tasks that dead worker processes had fetched but not taken back in front of
/// `kind`'s queue; how many. A process is dead when its alive mark is gone: apalis' own
/// recovery waits for its worker heartbeats to be missed for ten seconds and more. A
/// process that was only paused finds the job taken when it wakes, and skips it.
pub async fn hand_back_orphans(
    conn: &mut ConnectionManager,
    kind: &str,
) -> Result<usize, QueueError> {
    let config = apalis_config(kind);
    let handed: usize = HAND_BACK
        .key(config.workers_set())
        .key(config.active_jobs_list())
        .key(config.signal_list())
        .arg(config.inflight_jobs_set())
        .arg(ALIVE_PREFIX)
        .invoke_async(conn)
        .await?;
    Ok(handed)
}

fn window_key(kind: &str) -> String {
    format!("prepq:window:{kind}")
}

/// Present while `kind`'s queue is paused: admission then takes nothing.
fn paused_key(kind: &str) -> String {
    format!("prepq:paused:{kind}")
}

/// Writes which queues are paused (PostgreSQL's record) into Redis, where admission reads
/// it; every kind not named is resumed.
pub async fn mirror_paused(
    conn: &mut ConnectionManager,
    paused: &[String],
) -> Result<(), QueueError> {
    let mut pipe = redis::pipe();
    for kind in crate::KINDS {
        if paused.iter().any(|p| p == kind) {
            pipe.set(paused_key(kind), 1).ignore();
        } else {
            pipe.del(paused_key(kind)).ignore();
        }
    }
    let () = pipe.query_async(conn).await?;
    Ok(())
}

static ADMIT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        -- KEYS[1] window; KEYS[2] the paused flag; ARGV[1] capacity; ARGV[2] now (ms);
        -- ARGV[3..] job ids
        if redis.call('EXISTS', KEYS[2]) == 1 then
            return {}
        end
        local free = tonumber(ARGV[1]) - redis.call('ZCARD', KEYS[1])
        local admitted = {}
        for i = 3, #ARGV do
            local id = ARGV[i]
            if redis.call('ZSCORE', KEYS[1], id) then
                -- a job that already holds a slot (a re-push) keeps it
                redis.call('ZADD', KEYS[1], 'XX', ARGV[2], id)
                admitted[#admitted + 1] = id
            elseif free > 0 then
                redis.call('ZADD', KEYS[1], ARGV[2], id)
                free = free - 1
                admitted[#admitted + 1] = id
            end
        end
        return admitted
        ",
    )
});

static HELD: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        -- KEYS[1] scheduled set; KEYS[2] active list; KEYS[3] workers set
        -- ARGV[1] in-flight set prefix; ARGV[2] workers seen since (s); ARGV[3..] task ids
        local live = redis.call('ZRANGEBYSCORE', KEYS[3], ARGV[2], '+inf')
        local found = {}
        for i = 3, #ARGV do
            local id = ARGV[i]
            local held = 0
            if redis.call('ZSCORE', KEYS[1], id) or redis.call('LPOS', KEYS[2], id) then
                held = 1
            else
                for _, worker in ipairs(live) do
                    if redis.call('SISMEMBER', ARGV[1] .. ':' .. worker, id) == 1 then
                        held = 2
                        break
                    end
                end
            end
            found[#found + 1] = held
        end
        return found
        ",
    )
});

/// Takes window slots for `ids` in `kind`'s queue, up to `capacity`; returns the admitted.
/// A paused queue admits none.
pub async fn admit(
    conn: &mut ConnectionManager,
    kind: &str,
    capacity: usize,
    ids: &[Uuid],
) -> Result<Vec<Uuid>, QueueError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut invocation = ADMIT.prepare_invoke();
    invocation
        .key(window_key(kind))
        .key(paused_key(kind))
        .arg(capacity)
        .arg(chrono::Utc::now().timestamp_millis());
    for id in ids {
        invocation.arg(id.to_string());
    }
    let admitted: Vec<String> = invocation.invoke_async(conn).await?;
    Ok(admitted.iter().filter_map(|id| id.parse().ok()).collect())
}

/// Gives back the slot of a job a worker has taken.
pub async fn release(conn: &mut ConnectionManager, kind: &str, id: Uuid) -> Result<(), QueueError> {
    let _: i64 = conn.zrem(window_key(kind), id.to_string()).await?;
    Ok(())
}

/// Gives back slots in bulk (the dispatcher repairing leaks).
pub async fn release_many(
    conn: &mut ConnectionManager,
    kind: &str,
    ids: &[Uuid],
) -> Result<(), QueueError> {
    if ids.is_empty() {
        return Ok(());
    }
    let members: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let _: i64 = conn.zrem(window_key(kind), members).await?;
    Ok(())
}

/// Slots taken longer ago than `older_than_ms`.
pub async fn old_slots(
    conn: &mut ConnectionManager,
    kind: &str,
    older_than_ms: i64,
    limit: isize,
) -> Result<Vec<Uuid>, QueueError> {
    let cutoff = chrono::Utc::now().timestamp_millis() - older_than_ms;
    let members: Vec<String> = conn
        .zrangebyscore_limit(window_key(kind), "-inf", cutoff, 0, limit)
        .await?;
    Ok(members.iter().filter_map(|m| m.parse().ok()).collect())
}

/// How many slots of `kind`'s window are taken.
pub async fn window_len(conn: &mut ConnectionManager, kind: &str) -> Result<usize, QueueError> {
    Ok(conn.zcard(window_key(kind)).await?)
}

/// Jobs waiting in Redis for a worker in `kind`'s queue, as apalis keeps them.
pub async fn waiting_len(conn: &mut ConnectionManager, kind: &str) -> Result<usize, QueueError> {
    let config = apalis_config(kind);
    // Atomic: apalis moves ids from one to the other, which a plain pipeline could count twice.
    let (scheduled, active): (usize, usize) = redis::pipe()
        .atomic()
        .zcard(config.scheduled_jobs_set())
        .llen(config.active_jobs_list())
        .query_async(conn)
        .await?;
    Ok(scheduled + active)
}

/// Where Redis holds a push, if anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Nowhere (or in a dead worker's in-flight set: apalis-redis does not always recover
    /// those, its issue #504).
    Lost,
    /// Waiting to be fetched.
    Waiting,
    /// Fetched by a worker that is alive.
    Fetched,
}

/// For each push id, where Redis holds that push.
pub async fn still_held(
    conn: &mut ConnectionManager,
    kind: &str,
    dispatch_ids: &[String],
    worker_alive_secs: u64,
) -> Result<Vec<Held>, QueueError> {
    if dispatch_ids.is_empty() {
        return Ok(Vec::new());
    }
    let config = apalis_config(kind);
    let alive_since = chrono::Utc::now().timestamp() - worker_alive_secs as i64;
    let mut invocation = HELD.prepare_invoke();
    invocation
        .key(config.scheduled_jobs_set())
        .key(config.active_jobs_list())
        .key(config.workers_set())
        .arg(config.inflight_jobs_set())
        .arg(alive_since);
    for id in dispatch_ids {
        invocation.arg(id);
    }
    let found: Vec<i64> = invocation.invoke_async(conn).await?;
    Ok(found
        .into_iter()
        .map(|f| match f {
            1 => Held::Waiting,
            2 => Held::Fetched,
            _ => Held::Lost,
        })
        .collect())
}

/// Pushes admitted jobs, each under its own fresh push id: apalis keeps a task's data
/// under its id, so re-pushing a job under an old id would be silently dropped.
pub async fn push(
    conn: &mut ConnectionManager,
    kind: &str,
    jobs: &[(Uuid, String)],
) -> Result<(), QueueError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let tasks = jobs
        .iter()
        .map(|(job_id, dispatch_id)| {
            let bytes = serde_json::to_vec(&Dispatch { job_id: *job_id })?;
            Ok(TaskBuilder::new(bytes)
                .task_id(TaskId::from_string(dispatch_id.clone()))
                .build())
        })
        .collect::<Result<Vec<RedisTask>, QueueError>>()?;
    apalis_redis::queries::push_tasks(conn, &apalis_config(kind), &tasks).await?;
    Ok(())
}

/// A new id for one push of a job.
pub fn new_dispatch_id() -> String {
    Uuid::now_v7().to_string()
}

pub async fn publish(conn: &mut ConnectionManager, event: &JobEvent) -> Result<(), QueueError> {
    let _: i64 = conn
        .publish(EVENTS_CHANNEL, serde_json::to_string(event)?)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `HAND_BACK` finds a worker's process by the last two dashes of its name.
    #[test]
    fn no_kind_holds_a_dash() {
        for kind in crate::KINDS {
            assert!(!kind.contains('-'), "{kind}");
            let name = worker_name("host-1-2-ab12", kind, 3);
            assert_eq!(name.rsplitn(3, '-').nth(2), Some("host-1-2-ab12"));
        }
    }
}
