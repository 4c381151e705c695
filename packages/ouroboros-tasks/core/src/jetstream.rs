//! NATS JetStream broker: one work-queue stream per queue.
//!
//! - stream `<prefix>_q_<queue>` on subjects `<prefix>.q.<queue>` (priority
//!   0) and `<prefix>.q.<queue>.p<n>` (priority n), retention WorkQueue (a
//!   message is removed when acknowledged), file storage, a duplicate window
//!   keyed by the message id so a retried publish is stored once;
//! - one durable pull consumer per priority (`ob-p<n>`, filtered on its
//!   subject) with explicit acks; the server redelivers after the ack wait.
//!   `fetch` takes from the highest priority's buffer down, and waits on all
//!   of them only when every one is empty, so a high-priority message is
//!   handed out before any lower one the worker has not started; Delivery counts come from the server and are checked
//!   against `max_deliveries` here, so the exhausted message is kept (with
//!   its error) in the dead-letter stream `<prefix>_dlq_<queue>` instead of
//!   being dropped by the server;
//! - a delayed message is negatively acknowledged with the remaining delay;
//! - the key-value space is the KV bucket `<prefix>_kv`; values carry their
//!   own expiry, checked on every read. A value written with a TTL (a task
//!   result) is also published with a `Nats-TTL` header, so the server
//!   removes it when it expires (per-message TTL, nats-server 2.11+; the
//!   bucket's stream gets `allow_msg_ttl` on first use). On an older server
//!   the bucket's `max_age` (7 days) is what removes it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{pull, AckPolicy, PullConsumer};
use async_nats::jetstream::kv;
use async_nats::jetstream::stream::{Config as StreamConfig, RetentionPolicy, StorageType};
use async_nats::jetstream::{self, Context};
use async_nats::HeaderMap;
use bytes::Bytes;
use futures::{FutureExt, StreamExt, TryStreamExt};
use tokio::sync::Mutex;

use crate::{
    exhausted_error, lease_available, lease_value, now_ms, take_token, unwrap_expiring,
    wrap_expiring, DeadLetter, Delivery, Envelope, Error, Options, QueueCounts, Result,
    MAX_PRIORITY,
};

const KV_MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);
/// Messages the client keeps buffered per queue and priority 0; their ack
/// wait already runs.
const PREFETCH: usize = 256;
/// The same for each higher priority (rarer, and ten of them).
const PREFETCH_HIGH: usize = 32;

/// The `Nats-TTL` header of a TTL: whole seconds, rounded up (the server's
/// unit; its minimum is one second). Reads still check the exact expiry.
fn nats_ttl(ttl: Duration) -> String {
    let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    format!("{}s", secs.max(1))
}

/// A key the KV bucket accepts (as `kv::Store::put` checks it).
fn valid_kv_key(key: &str) -> bool {
    !key.is_empty()
        && !key.starts_with('.')
        && !key.ends_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-/_=.".contains(&b))
}

fn err(operation: &str, e: impl std::fmt::Display) -> Error {
    Error::broker("nats", operation, e)
}

struct QueueHandle {
    /// One consumer per priority, highest first.
    consumers: Vec<(u8, PullConsumer)>,
    /// Their message streams, opened on the first fetch, in the same order.
    messages: Mutex<Vec<pull::Stream>>,
}

/// A NATS JetStream broker.
pub struct JetStreamBroker {
    client: async_nats::Client,
    js: Context,
    options: Options,
    queues: Mutex<HashMap<String, Arc<QueueHandle>>>,
    /// The bucket, and whether its stream takes per-message TTLs.
    kv: Mutex<Option<(kv::Store, bool)>>,
}

impl JetStreamBroker {
    pub async fn connect(url: &str, options: Options) -> Result<Self> {
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(Duration::from_secs(5))
            .max_reconnects(None)
            .connect(url)
            .await
            .map_err(|e| err(&format!("connect to {url}"), e))?;
        // A wrong URL must fail here, not on the first publish.
        tokio::time::timeout(Duration::from_secs(5), client.flush())
            .await
            .map_err(|_| err(&format!("connect to {url}"), "no answer within 5 s"))?
            .map_err(|e| err(&format!("connect to {url}"), e))?;
        let js = jetstream::new(client.clone());
        Ok(Self {
            client,
            js,
            options,
            queues: Mutex::new(HashMap::new()),
            kv: Mutex::new(None),
        })
    }

    fn subject(&self, queue: &str, priority: u8) -> String {
        if priority == 0 {
            format!("{}.q.{queue}", self.options.prefix)
        } else {
            format!("{}.q.{queue}.p{priority}", self.options.prefix)
        }
    }

    fn stream_name(&self, queue: &str) -> String {
        format!("{}_q_{queue}", self.options.prefix)
    }

    fn dlq_name(&self, queue: &str) -> String {
        format!("{}_dlq_{queue}", self.options.prefix)
    }

    async fn handle(&self, queue: &str) -> Result<Arc<QueueHandle>> {
        let mut queues = self.queues.lock().await;
        if let Some(h) = queues.get(queue) {
            return Ok(h.clone());
        }
        let stream = self
            .js
            .get_or_create_stream(StreamConfig {
                name: self.stream_name(queue),
                subjects: vec![
                    self.subject(queue, 0),
                    format!("{}.q.{queue}.*", self.options.prefix),
                ],
                retention: RetentionPolicy::WorkQueue,
                storage: StorageType::File,
                duplicate_window: Duration::from_secs(120),
                ..Default::default()
            })
            .await
            .map_err(|e| err(&format!("create stream for queue {queue:?}"), e))?;
        self.js
            .get_or_create_stream(StreamConfig {
                name: self.dlq_name(queue),
                subjects: vec![format!("{}.dlq.{queue}", self.options.prefix)],
                storage: StorageType::File,
                max_messages: i64::try_from(self.options.dead_letter_limit).unwrap_or(i64::MAX),
                ..Default::default()
            })
            .await
            .map_err(|e| err(&format!("create dead-letter stream for queue {queue:?}"), e))?;
        let mut consumers = Vec::with_capacity(usize::from(MAX_PRIORITY) + 1);
        for priority in (0..=MAX_PRIORITY).rev() {
            let name = format!("ob-p{priority}");
            let consumer: PullConsumer = stream
                .get_or_create_consumer(
                    &name,
                    pull::Config {
                        durable_name: Some(name.clone()),
                        filter_subject: self.subject(queue, priority),
                        ack_policy: AckPolicy::Explicit,
                        ack_wait: self.options.ack_wait,
                        // Counted here against max_deliveries so exhausted messages
                        // reach the dead-letter stream with their error.
                        max_deliver: -1,
                        max_ack_pending: 100_000,
                        ..Default::default()
                    },
                )
                .await
                .map_err(|e| err(&format!("create consumer for queue {queue:?}"), e))?;
            consumers.push((priority, consumer));
        }
        let handle = Arc::new(QueueHandle {
            consumers,
            messages: Mutex::new(Vec::new()),
        });
        queues.insert(queue.to_owned(), handle.clone());
        Ok(handle)
    }

    pub(crate) async fn enqueue(&self, queue: &str, envelopes: Vec<Envelope>) -> Result<()> {
        self.handle(queue).await?;
        let mut acks = Vec::with_capacity(envelopes.len());
        for env in envelopes {
            let mut headers = HeaderMap::new();
            headers.insert("Nats-Msg-Id", env.id.as_str());
            headers.insert("Ob-Id", env.id.as_str());
            headers.insert("Ob-Priority", env.priority.to_string().as_str());
            if env.not_before_ms > 0 {
                headers.insert("Ob-Not-Before", env.not_before_ms.to_string().as_str());
            }
            let ack = self
                .js
                .publish_with_headers(
                    self.subject(queue, env.priority),
                    headers,
                    Bytes::from(env.body),
                )
                .await
                .map_err(|e| err(&format!("publish to queue {queue:?}"), e))?;
            acks.push(ack);
        }
        // Publishes are pipelined; each is stored once its ack arrives.
        futures::future::try_join_all(acks.into_iter().map(std::future::IntoFuture::into_future))
            .await
            .map_err(|e| err(&format!("confirm publish to queue {queue:?}"), e))?;
        Ok(())
    }

    /// Take buffered messages without waiting, highest priority first.
    fn drain(
        streams: &mut [pull::Stream],
        raw: &mut Vec<<pull::Stream as futures::Stream>::Item>,
        max: usize,
    ) {
        for stream in streams {
            while raw.len() < max {
                match stream.next().now_or_never() {
                    Some(Some(m)) => raw.push(m),
                    _ => break,
                }
            }
        }
    }

    fn header_u64(message: &async_nats::Message, name: &str) -> u64 {
        message
            .headers
            .as_ref()
            .and_then(|h| h.get(name))
            .and_then(|v| v.as_str().parse().ok())
            .unwrap_or(0)
    }

    pub(crate) async fn fetch(
        &self,
        queue: &str,
        _consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>> {
        let handle = self.handle(queue).await?;
        let mut guard = handle.messages.lock().await;
        if guard.is_empty() {
            for (priority, consumer) in &handle.consumers {
                let stream = consumer
                    .stream()
                    .max_messages_per_batch(if *priority == 0 {
                        PREFETCH
                    } else {
                        PREFETCH_HIGH
                    })
                    .heartbeat(Duration::from_secs(5))
                    .expires(Duration::from_secs(30))
                    .messages()
                    .await
                    .map_err(|e| err(&format!("subscribe to queue {queue:?}"), e))?;
                guard.push(stream);
            }
        }
        let mut raw = Vec::new();
        Self::drain(&mut guard, &mut raw, max);
        if raw.is_empty() {
            // Nothing buffered: wait for the first message of any priority,
            // then take what else arrived, highest priority first.
            let deadline = tokio::time::Instant::now() + wait;
            let first = {
                let nexts = guard.iter_mut().map(StreamExt::next);
                tokio::time::timeout_at(deadline, futures::future::select_all(nexts)).await
            };
            match first {
                Err(_) | Ok((None, _, _)) => return Ok(Vec::new()),
                Ok((Some(m), _, _)) => raw.push(m),
            }
            Self::drain(&mut guard, &mut raw, max);
        }
        drop(guard);
        let now = now_ms();
        let mut out = Vec::with_capacity(raw.len());
        for item in raw {
            // Missed heartbeats and the like: the stream recovers by itself.
            let Ok(message) = item else {
                continue;
            };
            let Some(reply) = message.message.reply.clone() else {
                continue;
            };
            let deliveries = message
                .info()
                .map_or(1, |i| u64::try_from(i.delivered).unwrap_or(1));
            let not_before = Self::header_u64(&message.message, "Ob-Not-Before");
            let id = message
                .message
                .headers
                .as_ref()
                .and_then(|h| h.get("Ob-Id"))
                .map(|v| v.as_str().to_owned())
                .unwrap_or_default();
            let delivery = Delivery {
                token: reply.to_string(),
                id,
                body: message.message.payload.to_vec(),
                priority: u8::try_from(Self::header_u64(&message.message, "Ob-Priority"))
                    .unwrap_or(0),
                deliveries,
            };
            if not_before > now {
                let delay = Duration::from_millis(not_before - now);
                message
                    .ack_with(jetstream::AckKind::Nak(Some(delay)))
                    .await
                    .map_err(|e| err(&format!("delay a message of queue {queue:?}"), e))?;
                continue;
            }
            // A delayed message used one delivery waiting for its time.
            let used = deliveries - u64::from(not_before > 0 && deliveries > 1);
            if self.options.max_deliveries > 0 && used > self.options.max_deliveries {
                self.dead_letter(queue, delivery, &exhausted_error(used - 1))
                    .await?;
                continue;
            }
            out.push(delivery);
        }
        Ok(out)
    }

    async fn reply_all(&self, tokens: &[String], payload: &'static [u8], what: &str) -> Result<()> {
        for token in tokens {
            self.client
                .publish(token.clone(), Bytes::from_static(payload))
                .await
                .map_err(|e| err(what, e))?;
        }
        self.client.flush().await.map_err(|e| err(what, e))
    }

    pub(crate) async fn ack(&self, queue: &str, tokens: Vec<String>) -> Result<()> {
        self.reply_all(
            &tokens,
            b"+ACK",
            &format!("ack messages of queue {queue:?}"),
        )
        .await
    }

    pub(crate) async fn nack(&self, queue: &str, deliveries: Vec<Delivery>) -> Result<()> {
        let tokens: Vec<String> = deliveries.into_iter().map(|d| d.token).collect();
        self.reply_all(
            &tokens,
            b"-NAK",
            &format!("return messages to queue {queue:?}"),
        )
        .await
    }

    pub(crate) async fn touch(
        &self,
        queue: &str,
        _consumer: &str,
        tokens: Vec<String>,
    ) -> Result<()> {
        self.reply_all(
            &tokens,
            b"+WPI",
            &format!("extend the ack wait on queue {queue:?}"),
        )
        .await
    }

    pub(crate) async fn dead_letter(
        &self,
        queue: &str,
        delivery: Delivery,
        error: &str,
    ) -> Result<()> {
        let mut headers = HeaderMap::new();
        headers.insert("Ob-Id", delivery.id.as_str());
        headers.insert("Ob-At", now_ms().to_string().as_str());
        // The error may span lines (a traceback): it goes in the payload,
        // length-prefixed, ahead of the body.
        let mut payload = Vec::with_capacity(4 + error.len() + delivery.body.len());
        payload.extend_from_slice(&u32::try_from(error.len()).unwrap_or(u32::MAX).to_be_bytes());
        payload.extend_from_slice(error.as_bytes());
        payload.extend_from_slice(&delivery.body);
        self.js
            .publish_with_headers(
                format!("{}.dlq.{queue}", self.options.prefix),
                headers,
                Bytes::from(payload),
            )
            .await
            .map_err(|e| err(&format!("dead-letter a message of queue {queue:?}"), e))?
            .await
            .map_err(|e| err(&format!("dead-letter a message of queue {queue:?}"), e))?;
        self.reply_all(
            &[delivery.token],
            b"+TERM",
            &format!("end a message of queue {queue:?}"),
        )
        .await
    }

    pub(crate) async fn dead_letters(&self, queue: &str, limit: usize) -> Result<Vec<DeadLetter>> {
        self.handle(queue).await?;
        let what = format!("read the dead letters of queue {queue:?}");
        let mut stream = self
            .js
            .get_stream(self.dlq_name(queue))
            .await
            .map_err(|e| err(&what, e))?;
        let state = stream
            .info()
            .await
            .map_err(|e| err(&what, e))?
            .state
            .clone();
        let mut out = Vec::new();
        let mut seq = state.last_sequence;
        while seq >= state.first_sequence && seq > 0 && out.len() < limit {
            if let Ok(m) = stream.get_raw_message(seq).await {
                let payload = &m.payload;
                if let Some((head, rest)) = payload.split_at_checked(4) {
                    let n = u32::from_be_bytes(head.try_into().unwrap_or([0; 4])) as usize;
                    if let Some((error, body)) = rest.split_at_checked(n) {
                        let header = |name: &str| {
                            m.headers
                                .get(name)
                                .map(|v| v.as_str().to_owned())
                                .unwrap_or_default()
                        };
                        out.push(DeadLetter {
                            id: header("Ob-Id"),
                            body: body.to_vec(),
                            error: String::from_utf8_lossy(error).into_owned(),
                            at_ms: header("Ob-At").parse().unwrap_or(0),
                        });
                    }
                }
            }
            seq -= 1;
        }
        out.reverse();
        Ok(out)
    }

    pub(crate) async fn counts(&self, queue: &str) -> Result<QueueCounts> {
        let handle = self.handle(queue).await?;
        let what = format!("count queue {queue:?}");
        let (mut ready, mut in_flight) = (0, 0);
        for (_, consumer) in &handle.consumers {
            let mut consumer = consumer.clone();
            let info = consumer.info().await.map_err(|e| err(&what, e))?;
            ready += info.num_pending;
            in_flight += info.num_ack_pending as u64;
        }
        let mut dlq = self
            .js
            .get_stream(self.dlq_name(queue))
            .await
            .map_err(|e| err(&what, e))?;
        let dead = dlq.info().await.map_err(|e| err(&what, e))?.state.messages;
        Ok(QueueCounts {
            ready,
            in_flight,
            delayed: 0,
            dead,
        })
    }

    pub(crate) async fn purge(&self, queue: &str) -> Result<()> {
        self.handle(queue).await?;
        let what = format!("purge queue {queue:?}");
        for name in [self.stream_name(queue), self.dlq_name(queue)] {
            let stream = self.js.get_stream(name).await.map_err(|e| err(&what, e))?;
            stream.purge().await.map_err(|e| err(&what, e))?;
        }
        Ok(())
    }

    async fn store(&self) -> Result<kv::Store> {
        Ok(self.bucket().await?.0)
    }

    /// The bucket (made on first use) and whether per-message TTL is on.
    async fn bucket(&self) -> Result<(kv::Store, bool)> {
        let mut guard = self.kv.lock().await;
        if let Some(found) = guard.as_ref() {
            return Ok(found.clone());
        }
        let bucket = format!("{}_kv", self.options.prefix);
        let store = match self.js.get_key_value(&bucket).await {
            Ok(store) => store,
            Err(_) => self
                .js
                .create_key_value(kv::Config {
                    bucket: bucket.clone(),
                    history: 1,
                    max_age: KV_MAX_AGE,
                    storage: StorageType::File,
                    ..Default::default()
                })
                .await
                .map_err(|e| err(&format!("create key-value bucket {bucket}"), e))?,
        };
        let ttl = self.allow_message_ttl(&format!("KV_{bucket}")).await;
        *guard = Some((store.clone(), ttl));
        Ok((store, ttl))
    }

    /// Turn on per-message TTL for a stream (a bucket made by an earlier
    /// version lacks it); false when the server cannot (before 2.11).
    async fn allow_message_ttl(&self, stream: &str) -> bool {
        let Ok(mut handle) = self.js.get_stream(stream).await else {
            return false;
        };
        let Ok(info) = handle.info().await else {
            return false;
        };
        if info.config.allow_message_ttl {
            return true;
        }
        let mut config = info.config.clone();
        config.allow_message_ttl = true;
        self.js.update_stream(config).await.is_ok()
    }

    pub(crate) async fn kv_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let store = self.store().await?;
        let value = store
            .get(key)
            .await
            .map_err(|e| err(&format!("get {key:?}"), e))?;
        Ok(value.and_then(|v| unwrap_expiring(&v).map(<[u8]>::to_vec)))
    }

    pub(crate) async fn kv_get_many(&self, keys: Vec<String>) -> Result<Vec<Option<Vec<u8>>>> {
        futures::future::try_join_all(keys.iter().map(|k| self.kv_get(k))).await
    }

    pub(crate) async fn kv_put_many(
        &self,
        items: Vec<(String, Vec<u8>, Option<Duration>)>,
    ) -> Result<()> {
        let (store, ttl_on) = self.bucket().await?;
        let bucket = format!("{}_kv", self.options.prefix);
        futures::future::try_join_all(items.iter().map(|(k, v, ttl)| {
            let store = store.clone();
            let bucket = &bucket;
            async move {
                let what = || format!("set {k:?}");
                let payload = Bytes::from(wrap_expiring(v, *ttl));
                match ttl.filter(|_| ttl_on) {
                    Some(ttl) => {
                        if !valid_kv_key(k) {
                            return Err(err(&what(), "invalid key"));
                        }
                        let mut headers = HeaderMap::new();
                        headers.insert("Nats-TTL", nats_ttl(ttl).as_str());
                        self.js
                            .publish_with_headers(format!("$KV.{bucket}.{k}"), headers, payload)
                            .await
                            .map_err(|e| err(&what(), e))?
                            .await
                            .map_err(|e| err(&what(), e))?;
                    }
                    None => {
                        store.put(k, payload).await.map_err(|e| err(&what(), e))?;
                    }
                }
                Ok(())
            }
        }))
        .await?;
        Ok(())
    }

    pub(crate) async fn kv_delete(&self, key: &str) -> Result<()> {
        let store = self.store().await?;
        store
            .purge(key)
            .await
            .map_err(|e| err(&format!("delete {key:?}"), e))
    }

    pub(crate) async fn kv_scan(&self, prefix: &str) -> Result<Vec<(String, Vec<u8>)>> {
        let store = self.store().await?;
        let what = format!("scan keys under {prefix:?}");
        let bucket_stream = self
            .js
            .get_stream(format!("KV_{}_kv", self.options.prefix))
            .await
            .map_err(|e| err(&what, e))?;
        let base = format!("$KV.{}_kv.", self.options.prefix);
        let subjects: Vec<(String, usize)> = bucket_stream
            .info_with_subjects(format!("{base}>"))
            .await
            .map_err(|e| err(&what, e))?
            .try_collect()
            .await
            .map_err(|e| err(&what, e))?;
        let mut keys: Vec<String> = subjects
            .into_iter()
            .filter_map(|(s, _)| s.strip_prefix(&base).map(str::to_owned))
            .filter(|k| k.starts_with(prefix))
            .collect();
        keys.sort();
        let mut out = Vec::new();
        for key in keys {
            if let Some(v) = store.get(&key).await.map_err(|e| err(&what, e))? {
                if let Some(value) = unwrap_expiring(&v) {
                    out.push((key, value.to_vec()));
                }
            }
        }
        Ok(out)
    }

    /// Compare-and-set loop over one key: `next` maps the live value (if any)
    /// to the value to store, or None to leave it.
    async fn update_loop<T>(
        &self,
        key: &str,
        what: &str,
        mut next: impl FnMut(Option<&[u8]>) -> (Option<Vec<u8>>, T),
    ) -> Result<T> {
        let store = self.store().await?;
        for _ in 0..100 {
            let entry = store.entry(key).await.map_err(|e| err(what, e))?;
            let live = entry
                .as_ref()
                .filter(|e| e.operation == kv::Operation::Put)
                .map(|e| e.value.clone());
            let (value, result) = next(live.as_deref());
            let Some(value) = value else {
                return Ok(result);
            };
            let written = match entry {
                Some(e) => store
                    .update(key, Bytes::from(value), e.revision)
                    .await
                    .is_ok(),
                None => store.create(key, Bytes::from(value)).await.is_ok(),
            };
            if written {
                return Ok(result);
            }
        }
        Err(err(what, "too many concurrent updates"))
    }

    pub(crate) async fn kv_incr(
        &self,
        key: &str,
        delta: i64,
        ttl: Option<Duration>,
    ) -> Result<i64> {
        self.update_loop(key, &format!("increment {key:?}"), |live| {
            let current = live
                .and_then(unwrap_expiring)
                .and_then(|v| std::str::from_utf8(v).ok())
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
            let value = current.saturating_add(delta);
            (
                Some(wrap_expiring(value.to_string().as_bytes(), ttl)),
                value,
            )
        })
        .await
    }

    pub(crate) async fn rate_acquire(&self, key: &str, rate: f64, burst: f64) -> Result<Duration> {
        let key = format!("rate.{key}");
        self.update_loop(
            &key,
            &format!("take a token of rate limit {key:?}"),
            |live| {
                let (value, wait) =
                    take_token(live.and_then(unwrap_expiring), now_ms(), rate, burst);
                (value, Duration::from_millis(wait))
            },
        )
        .await
    }

    pub(crate) async fn lock(&self, key: &str, holder: &str, ttl: Duration) -> Result<bool> {
        self.update_loop(key, &format!("lock {key:?}"), |live| {
            if live.is_none_or(|v| lease_available(v, holder)) {
                (Some(lease_value(holder, ttl)), true)
            } else {
                (None, false)
            }
        })
        .await
    }

    pub(crate) async fn unlock(&self, key: &str, holder: &str) -> Result<()> {
        let store = self.store().await?;
        let entry = store
            .get(key)
            .await
            .map_err(|e| err(&format!("unlock {key:?}"), e))?;
        let mine = entry.is_some_and(|v| {
            String::from_utf8_lossy(&v)
                .split_once('|')
                .is_some_and(|(_, h)| h == holder)
        });
        if mine {
            store
                .purge(key)
                .await
                .map_err(|e| err(&format!("unlock {key:?}"), e))?;
        }
        Ok(())
    }
}
