//! Redis Streams broker: one stream and one consumer group (`ob`) per queue.
//!
//! - enqueue: `XADD` (pipelined for batches); delayed messages wait in a
//!   sorted set (score = due time) plus a hash of bodies, and a Lua script
//!   moves due ones into the stream atomically.
//! - fetch: `XREADGROUP … >` on a connection of its own (a blocking read on
//!   the shared multiplexed connection would stall every other command), and
//!   every quarter ack wait `XPENDING IDLE` finds entries whose worker went
//!   quiet: `XCLAIM` takes them over, or, past `max_deliveries`, they go to
//!   the dead-letter stream.
//! - ack: `XACK` + `XDEL` so the stream holds only unfinished work.
//! - key-value space: plain keys with `PX` expiry.

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
};

const GROUP: &str = "ob";
/// Longest single blocking read, so due delayed messages are promoted promptly.
const BLOCK_SLICE: Duration = Duration::from_millis(100);

const PROMOTE: &str = r"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local sep = string.find(m, ':', 1, true)
  local prio = string.sub(m, 1, sep - 1)
  local id = string.sub(m, sep + 1)
  local body = redis.call('HGET', KEYS[2], id)
  if body then
    redis.call('XADD', KEYS[3], '*', 'i', id, 'b', body, 'p', prio)
    redis.call('HDEL', KEYS[2], id)
  end
  redis.call('ZREM', KEYS[1], m)
end
local nxt = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if nxt[2] then return tonumber(nxt[2]) end
return -1
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
            lock_script: Script::new(LOCK),
            unlock_script: Script::new(UNLOCK),
        })
    }

    fn key(&self, kind: &str, name: &str) -> String {
        format!("{}:{kind}:{name}", self.options.prefix)
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
        let created: redis::RedisResult<()> = redis::cmd("XGROUP")
            .arg("CREATE")
            .arg(self.key("q", queue))
            .arg(GROUP)
            .arg("0")
            .arg("MKSTREAM")
            .query_async(&mut conn)
            .await;
        match created {
            Ok(()) => {}
            Err(e) if e.code() == Some("BUSYGROUP") => {}
            Err(e) => return Err(err(&format!("create consumer group of queue {queue:?}"), e)),
        }
        self.state(queue, |s| s.group_ready = true);
        Ok(())
    }

    pub(crate) async fn enqueue(&self, queue: &str, envelopes: Vec<Envelope>) -> Result<()> {
        let stream = self.key("q", queue);
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
                    .arg(&stream)
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
        let next: i64 = self
            .promote
            .key(self.key("d", queue))
            .key(self.key("dh", queue))
            .key(self.key("q", queue))
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

    fn delivery(entry: &StreamId, deliveries: u64) -> Option<Delivery> {
        Some(Delivery {
            token: entry.id.clone(),
            id: entry.get::<String>("i")?,
            body: entry.get::<Vec<u8>>("b")?,
            priority: entry.get::<u8>("p").unwrap_or(0),
            deliveries,
        })
    }

    /// Claim entries idle past the ack wait; dead-letter the exhausted ones.
    async fn reclaim(&self, queue: &str, consumer: &str, max: usize) -> Result<Vec<Delivery>> {
        let quarter = self.options.ack_wait / 4;
        let due = self.state(queue, |s| {
            s.last_reclaim.is_none_or(|t| t.elapsed() >= quarter)
        });
        if !due {
            return Ok(Vec::new());
        }
        self.state(queue, |s| s.last_reclaim = Some(Instant::now()));
        let stream = self.key("q", queue);
        let idle = u64::try_from(self.options.ack_wait.as_millis()).unwrap_or(u64::MAX);
        let mut conn = self.conn.clone();
        let pending: StreamPendingCountReply = redis::cmd("XPENDING")
            .arg(&stream)
            .arg(GROUP)
            .arg("IDLE")
            .arg(idle)
            .arg("-")
            .arg("+")
            .arg(max)
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("list stuck messages of queue {queue:?}"), e))?;
        if pending.ids.is_empty() {
            return Ok(Vec::new());
        }
        let counts: HashMap<String, u64> = pending
            .ids
            .iter()
            .map(|p| (p.id.clone(), p.times_delivered as u64))
            .collect();
        let ids: Vec<&str> = pending.ids.iter().map(|p| p.id.as_str()).collect();
        let claimed: StreamClaimReply = redis::cmd("XCLAIM")
            .arg(&stream)
            .arg(GROUP)
            .arg(consumer)
            .arg(idle)
            .arg(&ids)
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("claim stuck messages of queue {queue:?}"), e))?;
        let mut out = Vec::new();
        for entry in &claimed.ids {
            let before = counts.get(&entry.id).copied().unwrap_or(1);
            let Some(delivery) = Self::delivery(entry, before + 1) else {
                continue;
            };
            if self.options.max_deliveries > 0 && before >= self.options.max_deliveries {
                let error = exhausted_error(before);
                self.dead_letter(queue, delivery, &error).await?;
            } else {
                out.push(delivery);
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

    pub(crate) async fn fetch(
        &self,
        queue: &str,
        consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>> {
        self.ensure_group(queue).await?;
        let deadline = Instant::now() + wait;
        let stream = self.key("q", queue);
        loop {
            let mut out = self.reclaim(queue, consumer, max).await?;
            if out.len() >= max {
                return Ok(out);
            }
            self.promote_due(queue).await?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            let block = remaining.min(BLOCK_SLICE);
            let mut conn = self.blocking_conn().await?;
            let mut cmd = redis::cmd("XREADGROUP");
            cmd.arg("GROUP")
                .arg(GROUP)
                .arg(consumer)
                .arg("COUNT")
                .arg(max - out.len());
            if !block.is_zero() {
                cmd.arg("BLOCK")
                    .arg(u64::try_from(block.as_millis()).unwrap_or(1).max(1));
            }
            cmd.arg("STREAMS").arg(&stream).arg(">");
            let reply: redis::RedisResult<Option<StreamReadReply>> =
                cmd.query_async(&mut conn).await;
            let reply = match reply {
                Ok(r) => {
                    self.blocking.lock().await.push(conn);
                    r
                }
                Err(e) if e.code() == Some("NOGROUP") => {
                    // The stream was purged or deleted: make the group again.
                    self.state(queue, |s| s.group_ready = false);
                    self.ensure_group(queue).await?;
                    continue;
                }
                Err(e) => return Err(err(&format!("read queue {queue:?}"), e)),
            };
            for key in reply.map(|r| r.keys).unwrap_or_default() {
                out.extend(key.ids.iter().filter_map(|e| Self::delivery(e, 1)));
            }
            if !out.is_empty() || Instant::now() >= deadline {
                return Ok(out);
            }
        }
    }

    pub(crate) async fn ack(&self, queue: &str, tokens: Vec<String>) -> Result<()> {
        let stream = self.key("q", queue);
        let mut conn = self.conn.clone();
        redis::pipe()
            .cmd("XACK")
            .arg(&stream)
            .arg(GROUP)
            .arg(&tokens)
            .ignore()
            .cmd("XDEL")
            .arg(&stream)
            .arg(&tokens)
            .ignore()
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| {
                err(
                    &format!("ack {} message(s) of queue {queue:?}", tokens.len()),
                    e,
                )
            })
    }

    pub(crate) async fn nack(&self, queue: &str, deliveries: Vec<Delivery>) -> Result<()> {
        // A stream entry cannot be handed back to the group; add it anew and
        // drop the old one in one transaction.
        let stream = self.key("q", queue);
        let mut pipe = redis::pipe();
        pipe.atomic();
        for d in &deliveries {
            pipe.cmd("XADD")
                .arg(&stream)
                .arg("*")
                .arg("i")
                .arg(&d.id)
                .arg("b")
                .arg(&d.body)
                .arg("p")
                .arg(d.priority)
                .ignore();
            pipe.cmd("XACK")
                .arg(&stream)
                .arg(GROUP)
                .arg(&d.token)
                .ignore();
            pipe.cmd("XDEL").arg(&stream).arg(&d.token).ignore();
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
        let mut conn = self.conn.clone();
        redis::cmd("XCLAIM")
            .arg(self.key("q", queue))
            .arg(GROUP)
            .arg(consumer)
            .arg(0)
            .arg(&tokens)
            .arg("JUSTID")
            .query_async::<redis::Value>(&mut conn)
            .await
            .map(|_| ())
            .map_err(|e| err(&format!("extend the ack wait on queue {queue:?}"), e))
    }

    pub(crate) async fn dead_letter(
        &self,
        queue: &str,
        delivery: Delivery,
        error: &str,
    ) -> Result<()> {
        let stream = self.key("q", queue);
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
            .arg(&delivery.token)
            .ignore()
            .cmd("XDEL")
            .arg(&stream)
            .arg(&delivery.token)
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
        let stream = self.key("q", queue);
        let mut conn = self.conn.clone();
        let (len, pending, delayed, dead): (u64, redis::Value, u64, u64) = redis::pipe()
            .cmd("XLEN")
            .arg(&stream)
            .cmd("XPENDING")
            .arg(&stream)
            .arg(GROUP)
            .cmd("ZCARD")
            .arg(self.key("d", queue))
            .cmd("XLEN")
            .arg(self.key("dlq", queue))
            .query_async(&mut conn)
            .await
            .map_err(|e| err(&format!("count queue {queue:?}"), e))?;
        let in_flight = match pending {
            redis::Value::Array(items) => match items.first() {
                Some(redis::Value::Int(n)) => u64::try_from(*n).unwrap_or(0),
                _ => 0,
            },
            _ => 0,
        };
        Ok(QueueCounts {
            ready: len.saturating_sub(in_flight),
            in_flight,
            delayed,
            dead,
        })
    }

    pub(crate) async fn purge(&self, queue: &str) -> Result<()> {
        let mut conn = self.conn.clone();
        redis::cmd("DEL")
            .arg(self.key("q", queue))
            .arg(self.key("d", queue))
            .arg(self.key("dh", queue))
            .arg(self.key("dlq", queue))
            .query_async::<()>(&mut conn)
            .await
            .map_err(|e| err(&format!("purge queue {queue:?}"), e))?;
        self.state(queue, |s| *s = QueueState::default());
        Ok(())
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
