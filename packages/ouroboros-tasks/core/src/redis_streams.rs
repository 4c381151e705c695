//! Redis Streams broker: one stream per queue and priority, each with the
//! consumer group `ob`.
//!
//! - enqueue: `XADD` to the stream of the message's priority (`…:q:<queue>`
//!   for priority 0, `…:q:<queue>:<p>` above), pipelined for batches;
//!   delayed messages wait in a sorted set (score = due time) plus a hash of
//!   bodies, and a Lua script moves due ones into their stream atomically.
//! - fetch: strict priority across the whole queue: one Lua script reads the
//!   streams from the highest priority down (`XREADGROUP … >` without
//!   blocking) until it has `max` entries, so a high-priority message waiting
//!   anywhere in the queue is taken before any lower one. Only when every
//!   stream is empty does the worker block (`XREADGROUP BLOCK` on all of
//!   them, on a connection of its own: a blocking read on the shared
//!   multiplexed connection would stall every other command). Every quarter
//!   ack wait `XPENDING IDLE` finds entries whose worker went quiet: `XCLAIM`
//!   takes them over, or, past `max_deliveries`, they go to the dead-letter
//!   stream.
//! - ack: `XACK` + `XDEL` so the streams hold only unfinished work. A
//!   delivery's token is the entry id, prefixed by `<p>/` above priority 0.
//! - key-value space: plain keys with `PX` expiry; rate limits are token
//!   buckets updated by a Lua script on the server clock.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig, MultiplexedConnection};
use redis::streams::{
    StreamClaimReply, StreamId, StreamPendingCountReply, StreamRangeReply, StreamReadReply,
};
use redis::{AsyncConnectionConfig, Client, Script};

use crate::{
    exhausted_error, now_ms, DeadLetter, Delivery, Envelope, Error, Options, QueueCounts, Result,
    MAX_PRIORITY,
};

const GROUP: &str = "ob";
/// Longest single blocking read, so due delayed messages are promoted promptly.
const BLOCK_SLICE: Duration = Duration::from_millis(100);

// KEYS: the delayed set, the bodies hash, then the streams of priority 0..9.
const PROMOTE: &str = r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local sep = string.find(m, ':', 1, true)
  local prio = string.sub(m, 1, sep - 1)
  local id = string.sub(m, sep + 1)
  local body = redis.call('HGET', KEYS[2], id)
  local stream = KEYS[3 + (tonumber(prio) or 0)] or KEYS[3]
  if body then
    redis.call('XADD', stream, '*', 'i', id, 'b', body, 'p', prio)
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('ZREM', KEYS[1], m)
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if nxt[2] then return tonumber(nxt[2]) end
return -1
";

// KEYS: the streams from the highest priority down; ARGV: group, consumer,
// count, then each stream's priority. Returns flat triples (priority, entry
// id, fields). A stream whose group is missing (purged) gets it back.
const READ_BY_PRIORITY: &str = r"
local want = tonumber(ARGV[3])
local out = {}
for i, key in ipairs(KEYS) do
  if want <= 0 then break end
  local ok, reply = pcall(redis.call, 'XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', want, 'STREAMS', key, '>')
  if not ok then
    redis.pcall('XGROUP', 'CREATE', key, ARGV[1], '0', 'MKSTREAM')
    reply = false
  end
  if reply then
    for _, entry in ipairs(reply[1][2]) do
      out[#out + 1] = tonumber(ARGV[3 + i])
      out[#out + 1] = entry[1]
      out[#out + 1] = entry[2]
      want = want - 1
    end
  end
end
return out
";

const GROUPS: &str = r"
for _, key in ipairs(KEYS) do
  redis.pcall('XGROUP', 'CREATE', key, ARGV[1], '0', 'MKSTREAM')
end
return 0
";

// Token bucket on the server clock. KEYS[1]: the bucket hash; ARGV: rate
// per second, burst. Returns 0 when a token was taken, else the
// milliseconds until one is due.
const RATE: &str = r"
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 60000)
return wait
";

const LOCK: &str = r"
local v = redis.call('GET', KEYS[1])
if (not v) or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
";

const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
";

fn err(operation: &str, e: impl std::fmt::Display) -> Error {
    Error::broker("redis", operation, e)
}

#[derive(Default)]
struct QueueState {
    group_ready: bool,
    /// Unix ms of the next delayed message known to this process (None: check).
    next_due: Option<u64>,
    last_promote: Option<Instant>,
    last_reclaim: Option<Instant>,
}

/// A Redis Streams broker.
pub struct RedisBroker {
    client: Client,
    conn: ConnectionManager,
    /// Connections for blocking reads, reused; at most one per concurrent fetch.
    blocking: tokio::sync::Mutex<Vec<MultiplexedConnection>>,
    options: Options,
    queues: Mutex<HashMap<String, QueueState>>,
    promote: Script,
    read_script: Script,
    groups_script: Script,
    rate_script: Script,
    lock_script: Script,
    unlock_script: Script,
}

impl RedisBroker {
    pub async fn connect(url: &str, options: Options) -> Result<Self> {
        let client = Client::open(url).map_err(|e| err(&format!("open {url}"), e))?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(30)))
            .set_number_of_retries(3);
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(|e| err(&format!("connect to {url}"), e))?;
        Ok(Self {
            client,
            conn,
            blocking: tokio::sync::Mutex::new(Vec::new()),
            options,
            queues: Mutex::new(HashMap::new()),
            promote: Script::new(PROMOTE),
            read_script: Script::new(READ_BY_PRIORITY),
            groups_script: Script::new(GROUPS),
            rate_script: Script::new(RATE),
            lock_script: Script::new(LOCK),
            unlock_script: Script::new(UNLOCK),
        })
    }

    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}:{kind}:{name}", self.options.prefix)
    }

    /// The stream holding a queue's messages of one priority.
    fn stream(&self, queue: &str, priority: u8) -> String {
        if priority == 0 {
            self.key("q", queue)
        } else {
            format!("{}:{priority}", self.key("q", queue))
        }
    }

    /// Every stream of a queue, highest priority first.
    fn streams(&self, queue: &str) -> Vec<(u8, String)> {
        (0..=MAX_PRIORITY)
            .rev()
            .map(|p| (p, self.stream(queue, p)))
            .collect()
    }

    /// The priority and stream entry id a delivery token names.
    fn split_token(token: &str) -> (u8, &str) {
        match token.split_once('/') {
            Some((p, id)) => (p.parse().unwrap_or(0).min(MAX_PRIORITY), id),
            None => (0, token),
        }
    }

    fn token(priority: u8, id: &str) -> String {
        if priority == 0 {
            id.to_owned()
        } else {
            format!("{priority}/{id}")
        }
    }

    /// Tokens grouped by the stream they belong to, as entry ids.
    fn by_stream(&self, queue: &str, tokens: &[String]) -> HashMap<String, Vec<String>> {
        let mut out: HashMap<String, Vec<String>> = HashMap::new();
        for token in tokens {
            let (p, id) = Self::split_token(token);
            out.entry(self.stream(queue, p))
                .or_default()
                .push(id.to_owned());
        }
        out
    }

    fn state<T>(&self, queue: &str, f: impl FnOnce(&mut QueueState) -> T) -> T {
        let mut map = self
            .queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(map.entry(queue.to_owned()).or_default())
    }

    async fn ensure_group(&self, queue: &str) -> Result<()> {
        if self.state(queue, |s| s.group_ready) {
            return Ok(());
        }
        let mut conn = self.conn.clone();
        let mut invocation = self.groups_script.prepare_invoke();
        for (_, stream) in self.streams(queue) {
            invocation.key(stream);
        }
        invocation
            .arg(GROUP)
            .invoke_async::<i64>(&mut conn)
            .await
            .map_err(|e| err(&format!("create consumer groups of queue {queue:?}"), e))?;
        self.state(queue, |s| s.group_ready = true);
        Ok(())
    }

    pub(crate) async fn enqueue(&self, queue: &str, envelopes: Vec<Envelope>) -> Result<()> {
        let zset = self.key("d", queue);
        let bodies = self.key("dh", queue);
        let now = now_ms();
        let mut pipe = redis::pipe();
        let mut earliest: Option<u64> = None;
        for env in &envelopes {
            if env.not_before_ms > now {
                pipe.cmd("HSET")
                    .arg(&bodies)
                    .arg(&env.id)
                    .arg(&env.body)
                    .ignore();
                pipe.cmd("ZADD")
                    .arg(&zset)
                    .arg(env.not_before_ms)
                    .arg(format!("{}:{}", env.priority, env.id))
                    .ignore();
                earliest = Some(earliest.map_or(env.not_before_ms, |e| e.min(env.not_before_ms)));
            } else {
                pipe.cmd("XADD")
                    .arg(self.stream(queue, env.priority))
                    .arg("*")
                    .arg("i")
                    .arg(&env.id)
                    .arg("b")
                    .arg(&env.body)
                    .arg("p")
                    .arg(env.priority)
                    .ignore();
            }
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(|e| {
            err(
                &format!("enqueue {} message(s) on queue {queue:?}", envelopes.len()),
                e,
            )
        })?;
        if let Some(at) = earliest {
            self.state(queue, |s| {
                s.next_due = Some(s.next_due.map_or(at, |n| n.min(at)));
            });
        }
        Ok(())
    }

    async fn promote_due(&self, queue: &str) -> Result<()> {
        let now = now_ms();
        let run = self.state(queue, |s| {
            s.last_promote.is_none_or(|t| t.elapsed() >= BLOCK_SLICE)
                || s.next_due.is_some_and(|d| d <= now)
        });
        if !run {
            return Ok(());
        }
        let mut conn = self.conn.clone();
        let mut invocation = self.promote.prepare_invoke();
        invocation
            .key(self.key("d", queue))
            .key(self.key("dh", queue));
        for p in 0..=MAX_PRIORITY {
            invocation.key(self.stream(queue, p));
        }
        let next: i64 = invocation
            .arg(now)
            .arg(1000)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| err(&format!("move due delayed messages of queue {queue:?}"), e))?;
        self.state(queue, |s| {
            s.last_promote = Some(Instant::now());
            s.next_due = u64::try_from(next).ok();
        });
        Ok(())
    }

    fn delivery(stream_priority: u8, entry: &StreamId, deliveries: u64) -> Option<Delivery> {
        Some(Delivery {
            token: Self::token(stream_priority, &entry.id),
            id: entry.get::<String>("i")?,
            body: entry.get::<Vec<u8>>("b")?,
            priority: entry.get::<u8>("p").unwrap_or(stream_priority),
            deliveries,
        })
    }

    /// Parse the flat (priority, id, fields) triples of `READ_BY_PRIORITY`.
    fn parse_read(reply: redis::Value) -> Vec<Delivery> {
        let redis::Value::Array(items) = reply else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len() / 3);
        for triple in items.chunks_exact(3) {
            let (redis::Value::Int(p), id, redis::Value::Array(fields)) =
                (&triple[0], &triple[1], &triple[2])
            else {
                continue;
            };
            let Ok(id) = redis::from_redis_value::<String>(id.clone()) else {
                continue;
            };
            let mut map = HashMap::new();
            for pair in fields.chunks_exact(2) {
                if let Ok(name) = redis::from_redis_value::<String>(pair[0].clone()) {
                    map.insert(name, pair[1].clone());
                }
            }
            let entry = StreamId {
                id,
                map,
                ..Default::default()
            };
            let priority = u8::try_from(*p).unwrap_or(0).min(MAX_PRIORITY);
            out.extend(Self::delivery(priority, &entry, 1));
        }
        out
    }

    /// Claim entries idle past the ack wait (highest priority first);
    /// dead-letter the exhausted ones.
    async fn reclaim(&self, queue: &str, consumer: &str, max: usize) -> Result<Vec<Delivery>> {
        let quarter = self.options.ack_wait / 4;
        let due = self.state(queue, |s| {
            s.last_reclaim.is_none_or(|t| t.elapsed() >= quarter)
        });
        if !due {
            return Ok(Vec::new());
        }
        self.state(queue, |s| s.last_reclaim = Some(Instant::now()));
        let idle = u64::try_from(self.options.ack_wait.as_millis()).unwrap_or(u64::MAX);
        let mut conn = self.conn.clone();
        let streams = self.streams(queue);
        let mut pipe = redis::pipe();
        for (_, stream) in &streams {
            pipe.cmd("XPENDING")
                .arg(stream)
                .arg(GROUP)
                .arg("IDLE")
                .arg(idle)
                .arg("-")
                .arg("+")
                .arg(max);
        }
        let pendings: Vec<StreamPendingCountReply> = pipe
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("list stuck messages of queue {queue:?}"), e))?;
        let mut out = Vec::new();
        for ((priority, stream), pending) in streams.iter().zip(pendings) {
            if pending.ids.is_empty() || out.len() >= max {
                continue;
            }
            let counts: HashMap<String, u64> = pending
                .ids
                .iter()
                .map(|p| (p.id.clone(), p.times_delivered as u64))
                .collect();
            let ids: Vec<&str> = pending.ids.iter().map(|p| p.id.as_str()).collect();
            let claimed: StreamClaimReply = redis::cmd("XCLAIM")
                .arg(stream)
                .arg(GROUP)
                .arg(consumer)
                .arg(idle)
                .arg(&ids)
                .query_async(&mut conn)
                .await
                .map_err(|e| err(&format!("claim stuck messages of queue {queue:?}"), e))?;
            for entry in &claimed.ids {
                let before = counts.get(&entry.id).copied().unwrap_or(1);
                let Some(delivery) = Self::delivery(*priority, entry, before + 1) else {
                    continue;
                };
                if self.options.max_deliveries > 0 && before >= self.options.max_deliveries {
                    let error = exhausted_error(before);
                    self.dead_letter(queue, delivery, &error).await?;
                } else {
                    out.push(delivery);
                }
            }
        }
        Ok(out)
    }

    async fn blocking_conn(&self) -> Result<MultiplexedConnection> {
        if let Some(conn) = self.blocking.lock().await.pop() {
            return Ok(conn);
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(BLOCK_SLICE + Duration::from_secs(10)));
        self.client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|e| err("open a connection for blocking reads", e))
    }

    /// Take up to `max` new entries without blocking, highest priority first.
    async fn read_now(&self, queue: &str, consumer: &str, max: usize) -> Result<Vec<Delivery>> {
        let mut conn = self.conn.clone();
        let streams = self.streams(queue);
        let mut invocation = self.read_script.prepare_invoke();
        for (_, stream) in &streams {
            invocation.key(stream);
        }
        invocation.arg(GROUP).arg(consumer).arg(max);
        for (p, _) in &streams {
            invocation.arg(*p);
        }
        let reply: redis::Value = invocation
            .invoke_async(&mut conn)
            .await
            .map_err(|e| err(&format!("read queue {queue:?}"), e))?;
        Ok(Self::parse_read(reply))
    }

    pub(crate) async fn fetch(
        &self,
        queue: &str,
        consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>> {
        self.ensure_group(queue).await?;
        let deadline = Instant::now() + wait;
        let streams = self.streams(queue);
        loop {
            let mut out = self.reclaim(queue, consumer, max).await?;
            if out.len() >= max {
                return Ok(out);
            }
            self.promote_due(queue).await?;
            out.extend(self.read_now(queue, consumer, max - out.len()).await?);
            let remaining = deadline.saturating_duration_since(Instant::now());
            if !out.is_empty() || remaining.is_zero() {
                return Ok(out);
            }
            // Every stream is empty: block on all of them for the first arrival.
            let block = remaining.min(BLOCK_SLICE);
            let mut conn = self.blocking_conn().await?;
            let mut cmd = redis::cmd("XREADGROUP");
            cmd.arg("GROUP")
                .arg(GROUP)
                .arg(consumer)
                .arg("COUNT")
                .arg(max)
                .arg("BLOCK")
                .arg(u64::try_from(block.as_millis()).unwrap_or(1).max(1))
                .arg("STREAMS");
            for (_, stream) in &streams {
                cmd.arg(stream);
            }
            for _ in &streams {
                cmd.arg(">");
            }
            let reply: redis::RedisResult<Option<StreamReadReply>> =
                cmd.query_async(&mut conn).await;
            let reply = match reply {
                Ok(r) => {
                    self.blocking.lock().await.push(conn);
                    r
                }
                Err(e) if e.code() == Some("NOGROUP") => {
                    // A stream was purged or deleted: make the groups again.
                    self.state(queue, |s| s.group_ready = false);
                    self.ensure_group(queue).await?;
                    continue;
                }
                Err(e) => return Err(err(&format!("read queue {queue:?}"), e)),
            };
            for key in reply.map(|r| r.keys).unwrap_or_default() {
                let priority = streams
                    .iter()
                    .find(|(_, s)| *s == key.key)
                    .map_or(0, |(p, _)| *p);
                out.extend(
                    key.ids
                        .iter()
                        .filter_map(|e| Self::delivery(priority, e, 1)),
                );
            }
            if !out.is_empty() || Instant::now() >= deadline {
                return Ok(out);
            }
        }
    }

    pub(crate) async fn ack(&self, queue: &str, tokens: Vec<String>) -> Result<()> {
        let mut pipe = redis::pipe();
        for (stream, ids) in self.by_stream(queue, &tokens) {
            pipe.cmd("XACK")
                .arg(&stream)
                .arg(GROUP)
                .arg(&ids)
                .ignore()
                .cmd("XDEL")
                .arg(&stream)
                .arg(&ids)
                .ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(|e| {
            err(
                &format!("ack {} message(s) of queue {queue:?}", tokens.len()),
                e,
            )
        })
    }

    pub(crate) async fn nack(&self, queue: &str, deliveries: Vec<Delivery>) -> Result<()> {
        // A stream entry cannot be handed back to the group; add it anew and
        // drop the old one in one transaction.
        let mut pipe = redis::pipe();
        pipe.atomic();
        for d in &deliveries {
            let (p, entry) = Self::split_token(&d.token);
            let old = self.stream(queue, p);
            pipe.cmd("XADD")
                .arg(self.stream(queue, d.priority.min(MAX_PRIORITY)))
                .arg("*")
                .arg("i")
                .arg(&d.id)
                .arg("b")
                .arg(&d.body)
                .arg("p")
                .arg(d.priority)
                .ignore();
            pipe.cmd("XACK").arg(&old).arg(GROUP).arg(entry).ignore();
            pipe.cmd("XDEL").arg(&old).arg(entry).ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(|e| err(&format!("return messages to queue {queue:?}"), e))
    }

    pub(crate) async fn touch(
        &self,
        queue: &str,
        consumer: &str,
        tokens: Vec<String>,
    ) -> Result<()> {
        let mut pipe = redis::pipe();
        for (stream, ids) in self.by_stream(queue, &tokens) {
            pipe.cmd("XCLAIM")
                .arg(stream)
                .arg(GROUP)
                .arg(consumer)
                .arg(0)
                .arg(&ids)
                .arg("JUSTID")
                .ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(|e| err(&format!("extend the ack wait on queue {queue:?}"), e))
    }

    pub(crate) async fn dead_letter(
        &self,
        queue: &str,
        delivery: Delivery,
        error: &str,
    ) -> Result<()> {
        let (p, entry) = Self::split_token(&delivery.token);
        let stream = self.stream(queue, p);
        let mut conn = self.conn.clone();
        redis::pipe()
            .atomic()
            .cmd("XADD")
            .arg(self.key("dlq", queue))
            .arg("MAXLEN")
            .arg("~")
            .arg(self.options.dead_letter_limit)
            .arg("*")
            .arg("i")
            .arg(&delivery.id)
            .arg("b")
            .arg(&delivery.body)
            .arg("e")
            .arg(error)
            .arg("t")
            .arg(now_ms())
            .ignore()
            .cmd("XACK")
            .arg(&stream)
            .arg(GROUP)
            .arg(entry)
            .ignore()
            .cmd("XDEL")
            .arg(&stream)
            .arg(entry)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| err(&format!("dead-letter a message of queue {queue:?}"), e))
    }

    pub(crate) async fn dead_letters(&self, queue: &str, limit: usize) -> Result<Vec<DeadLetter>> {
        let mut conn = self.conn.clone();
        let reply: StreamRangeReply = redis::cmd("XREVRANGE")
            .arg(self.key("dlq", queue))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(limit)
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("read the dead letters of queue {queue:?}"), e))?;
        let mut out: Vec<DeadLetter> = reply
            .ids
            .iter()
            .filter_map(|e| {
                Some(DeadLetter {
                    id: e.get("i")?,
                    body: e.get("b")?,
                    error: e.get("e").unwrap_or_default(),
                    at_ms: e.get("t").unwrap_or(0),
                })
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    pub(crate) async fn counts(&self, queue: &str) -> Result<QueueCounts> {
        self.ensure_group(queue).await?;
        let mut conn = self.conn.clone();
        let streams = self.streams(queue);
        let mut pipe = redis::pipe();
        for (_, stream) in &streams {
            pipe.cmd("XLEN")
                .arg(stream)
                .cmd("XPENDING")
                .arg(stream)
                .arg(GROUP);
        }
        pipe.cmd("ZCARD")
            .arg(self.key("d", queue))
            .cmd("XLEN")
            .arg(self.key("dlq", queue));
        let values: Vec<redis::Value> = pipe
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("count queue {queue:?}"), e))?;
        let int = |v: &redis::Value| match v {
            redis::Value::Int(n) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        };
        let (mut len, mut in_flight) = (0, 0);
        for pair in values[..streams.len() * 2].chunks_exact(2) {
            len += int(&pair[0]);
            in_flight += match &pair[1] {
                redis::Value::Array(items) => items.first().map_or(0, int),
                _ => 0,
            };
        }
        let tail = &values[streams.len() * 2..];
        Ok(QueueCounts {
            ready: len.saturating_sub(in_flight),
            in_flight,
            delayed: tail.first().map_or(0, int),
            dead: tail.get(1).map_or(0, int),
        })
    }

    pub(crate) async fn purge(&self, queue: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        let mut cmd = redis::cmd("DEL");
        for (_, stream) in self.streams(queue) {
            cmd.arg(stream);
        }
        cmd.arg(self.key("d", queue))
            .arg(self.key("dh", queue))
            .arg(self.key("dlq", queue))
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| err(&format!("purge queue {queue:?}"), e))?;
        self.state(queue, |s| *s = QueueState::default());
        Ok(())
    }

    /// Take one token of the bucket `key`; zero when taken, else how long
    /// until one is due.
    pub(crate) async fn rate_acquire(&self, key: &str, rate: f64, burst: f64) -> Result<Duration> {
        let mut conn = self.conn.clone();
        let wait: u64 = self
            .rate_script
            .key(self.key("rate", key))
            .arg(rate)
            .arg(burst)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| err(&format!("take a token of rate limit {key:?}"), e))?;
        Ok(Duration::from_millis(wait))
    }

    pub(crate) async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let mut conn = self.conn.clone();
        redis::cmd("GET")
            .arg(self.key("kv", key))
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("get {key:?}"), e))
    }

    pub(crate) async fn kv_get_many(&self, keys: Vec<String>) -> Result<Vec<Option<Vec<u8>>>> {
        let mut conn = self.conn.clone();
        let full: Vec<String> = keys.iter().map(|k| self.key("kv", k)).collect();
        redis::cmd("MGET")
            .arg(&full)
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("get {} key(s)", keys.len()), e))
    }

    pub(crate) async fn kv_put_many(
        &self,
        items: Vec<(String, Vec<u8>, Option<Duration>)>,
    ) -> Result<()> {
        let mut pipe = redis::pipe();
        for (k, v, ttl) in &items {
            let cmd = pipe.cmd("SET").arg(self.key("kv", k)).arg(v);
            if let Some(ttl) = ttl {
                cmd.arg("PX")
                    .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1));
            }
            cmd.ignore();
        }
        let mut conn = self.conn.clone();
        pipe.query_async::<()>(&mut conn)
            .await
            .map_err(|e| err(&format!("set {} key(s)", items.len()), e))
    }

    pub(crate) async fn kv_delete(&self, key: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL")
            .arg(self.key("kv", key))
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| err(&format!("delete {key:?}"), e))
    }

    pub(crate) async fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let mut conn = self.conn.clone();
        let pattern = format!(
            "{}*",
            self.key("kv", prefix).replace(['*', '?', '['], "\\$0")
        );
        let strip = self.key("kv", "").len();
        let mut cursor: u64 = 0;
        let mut keys: Vec<String> = Vec::new();
        loop {
            let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(1000)
                .query_async(&mut conn)
                .await
                .map_err(|e| err(&format!("scan keys under {prefix:?}"), e))?;
            keys.extend(batch);
            cursor = next;
            if cursor == 0 {
                break;
            }
        }
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("read keys under {prefix:?}"), e))?;
        Ok(keys
            .into_iter()
            .zip(values)
            .filter_map(|(k, v)| Some((k[strip..].to_owned(), v?)))
            .collect())
    }

    pub(crate) async fn kv_incr(
        &self,
        key: &str,
        delta: i64,
        ttl: Option<Duration>,
    ) -> Result<i64> {
        let mut conn = self.conn.clone();
        let full = self.key("kv", key);
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("INCRBY").arg(&full).arg(delta);
        if let Some(ttl) = ttl {
            pipe.cmd("PEXPIRE")
                .arg(&full)
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
                .ignore();
        }
        let (value,): (i64,) = pipe
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("increment {key:?}"), e))?;
        Ok(value)
    }

    pub(crate) async fn lock(&self, key: &str, holder: &str, ttl: Duration) -> Result<bool> {
        let mut conn = self.conn.clone();
        let taken: i64 = self
            .lock_script
            .key(self.key("kv", key))
            .arg(holder)
            .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1))
            .invoke_async(&mut conn)
            .await
            .map_err(|e| err(&format!("lock {key:?}"), e))?;
        Ok(taken == 1)
    }

    pub(crate) async fn unlock(&self, key: &str, holder: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        self.unlock_script
            .key(self.key("kv", key))
            .arg(holder)
            .invoke_async::<i64>(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| err(&format!("unlock {key:?}"), e))
    }
}
