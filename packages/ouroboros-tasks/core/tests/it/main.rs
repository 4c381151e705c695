//! Integration tests of the broker engine: the same cases on the embedded
//! broker, and on Redis and NATS when `OUROBOROS_REDIS_URL` /
//! `OUROBOROS_NATS_URL` are set (they must be when
//! `OUROBOROS_REQUIRE_SERVICES=1`). Each run uses a fresh prefix.

use std::time::Duration;

use ouroboros_tasks_core::schedule::CronSchedule;
use ouroboros_tasks_core::{now_ms, Broker, Envelope, Error, Options};

fn prefix() -> String {
    format!("it{}{}", std::process::id(), now_ms() % 1_000_000_000)
}

fn options() -> Options {
    Options {
        prefix: prefix(),
        ack_wait: Duration::from_millis(500),
        max_deliveries: 2,
        dead_letter_limit: 100,
    }
}

async fn brokers() -> Vec<Broker> {
    let dir = std::env::temp_dir().join(format!("ob-tasks-it-{}", prefix()));
    let mut out = vec![
        Broker::connect(&format!("local://{}/b.redb", dir.display()), options())
            .await
            .expect("local broker"),
    ];
    for var in ["OUROBOROS_REDIS_URL", "OUROBOROS_NATS_URL"] {
        match std::env::var(var) {
            Ok(url) => out.push(Broker::connect(&url, options()).await.expect(var)),
            Err(_) => assert!(
                std::env::var("OUROBOROS_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "{var} must be set when OUROBOROS_REQUIRE_SERVICES=1"
            ),
        }
    }
    out
}

fn env(id: &str, priority: u8, not_before_ms: u64) -> Envelope {
    Envelope {
        id: id.to_owned(),
        body: format!("body of {id}").into_bytes(),
        priority,
        not_before_ms,
    }
}

async fn fetch_n(b: &Broker, queue: &str, n: usize) -> Vec<ouroboros_tasks_core::Delivery> {
    let mut got = Vec::new();
    for _ in 0..50 {
        got.extend(
            b.fetch(queue, "c", 100, Duration::from_millis(200))
                .await
                .unwrap(),
        );
        if got.len() >= n {
            break;
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enqueue_fetch_ack_on_every_broker() {
    for b in brokers().await {
        b.enqueue("q", vec![env("a", 0, 0), env("b", 0, 0)])
            .await
            .unwrap();
        let got = fetch_n(&b, "q", 2).await;
        let mut ids: Vec<_> = got.iter().map(|d| d.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["a", "b"], "{}", b.kind());
        assert!(got
            .iter()
            .all(|d| d.deliveries == 1 && d.body.starts_with(b"body of ")));
        b.ack("q", got.iter().map(|d| d.token.clone()).collect())
            .await
            .unwrap();
        let rest = b
            .fetch("q", "c", 10, Duration::from_millis(700))
            .await
            .unwrap();
        assert!(rest.is_empty(), "{}: acked messages came back", b.kind());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unacked_messages_are_redelivered_then_dead_lettered() {
    for b in brokers().await {
        b.enqueue("poison", vec![env("p", 0, 0)]).await.unwrap();
        let mut deliveries = Vec::new();
        for _ in 0..40 {
            for d in b
                .fetch("poison", "c", 10, Duration::from_millis(200))
                .await
                .unwrap()
            {
                deliveries.push(d.deliveries);
            }
            if !b.dead_letters("poison", 10).await.unwrap().is_empty() {
                break;
            }
        }
        assert_eq!(deliveries, [1, 2], "{}", b.kind());
        let dead = b.dead_letters("poison", 10).await.unwrap();
        assert_eq!(dead.len(), 1, "{}", b.kind());
        assert_eq!(dead[0].id, "p");
        assert!(
            dead[0].error.contains("delivered 2 times"),
            "{}",
            dead[0].error
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delayed_messages_wait_for_their_time() {
    for b in brokers().await {
        b.enqueue("later", vec![env("d", 0, now_ms() + 600)])
            .await
            .unwrap();
        let early = b
            .fetch("later", "c", 10, Duration::from_millis(100))
            .await
            .unwrap();
        assert!(early.is_empty(), "{}", b.kind());
        let got = fetch_n(&b, "later", 1).await;
        assert_eq!(got.len(), 1, "{}", b.kind());
        assert!(now_ms() >= got[0].body.len() as u64);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_value_space_locks_and_counters() {
    for b in brokers().await {
        b.kv_put_many(vec![
            ("k.1".into(), b"one".to_vec(), None),
            (
                "k.2".into(),
                b"two".to_vec(),
                Some(Duration::from_millis(200)),
            ),
        ])
        .await
        .unwrap();
        assert_eq!(b.kv_get("k.1").await.unwrap().as_deref(), Some(&b"one"[..]));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(b.kv_get("k.2").await.unwrap(), None, "{}", b.kind());
        let scanned = b.kv_scan("k.").await.unwrap();
        assert_eq!(
            scanned,
            vec![("k.1".to_owned(), b"one".to_vec())],
            "{}",
            b.kind()
        );
        assert_eq!(b.kv_incr("n", 5, None).await.unwrap(), 5);
        assert_eq!(b.kv_incr("n", -2, None).await.unwrap(), 3);
        assert!(b.lock("lease", "a", Duration::from_secs(5)).await.unwrap());
        assert!(!b.lock("lease", "b", Duration::from_secs(5)).await.unwrap());
        b.unlock("lease", "a").await.unwrap();
        assert!(b.lock("lease", "b", Duration::from_secs(5)).await.unwrap());
    }
}

#[tokio::test]
async fn bad_arguments_are_typed_errors() {
    let b = &brokers().await[0];
    let err = b
        .enqueue("bad queue", vec![env("x", 0, 0)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidArgument { ref name, .. } if name == "queue"),
        "{err}"
    );
    let err = b.enqueue("q", vec![env("x", 10, 0)]).await.unwrap_err();
    assert!(err.to_string().contains("priority"), "{err}");
    let err = b.kv_get("bad key").await.unwrap_err();
    assert!(err.to_string().contains("key"), "{err}");
    let err = Broker::connect("amqp://x", Options::default())
        .await
        .err()
        .unwrap();
    assert!(err.to_string().contains("unknown broker scheme"), "{err}");
}

#[test]
fn cron_next_times() {
    // 2026-01-01T00:00:30Z
    let t0 = 1_767_225_630_000;
    let every_15 = CronSchedule::parse("*/15 * * * *").unwrap();
    assert_eq!(
        every_15.next_after(t0).unwrap(),
        1_767_225_630_000 - 30_000 + 15 * 60_000
    );
    let err = CronSchedule::parse("61 * * * *").unwrap_err();
    assert!(err.to_string().contains("61 * * * *"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn priority_is_strict_across_the_whole_queue() {
    for b in brokers().await {
        // Open the consumers first: NATS hands messages to them as they arrive.
        assert!(b
            .fetch("prio", "c", 1, Duration::from_millis(50))
            .await
            .unwrap()
            .is_empty());
        let lows: Vec<_> = (0..30).map(|i| env(&format!("low{i}"), 0, 0)).collect();
        b.enqueue("prio", lows).await.unwrap();
        b.enqueue("prio", vec![env("mid", 4, 0), env("high", 9, 0)])
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let first = b
            .fetch("prio", "c", 2, Duration::from_millis(500))
            .await
            .unwrap();
        let ids: Vec<_> = first.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["high", "mid"], "{}", b.kind());
        assert_eq!(first[0].priority, 9);
        let rest = fetch_n(&b, "prio", 30).await;
        assert_eq!(rest.len(), 30, "{}", b.kind());
        assert!(rest.iter().all(|d| d.priority == 0));
        let mut tokens: Vec<String> = first.iter().map(|d| d.token.clone()).collect();
        tokens.extend(rest.iter().map(|d| d.token.clone()));
        b.ack("prio", tokens).await.unwrap();
        // JetStream applies acks after `ack` returns (they are flushed, not
        // confirmed): the counts reach zero shortly after.
        let mut counts = b.counts("prio").await.unwrap();
        for _ in 0..50 {
            if (counts.ready, counts.in_flight) == (0, 0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            counts = b.counts("prio").await.unwrap();
        }
        assert_eq!((counts.ready, counts.in_flight), (0, 0), "{}", b.kind());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_buckets_are_shared() {
    for b in brokers().await {
        let take = || b.rate_acquire("bucket", 2.0, 2.0);
        assert_eq!(take().await.unwrap(), Duration::ZERO, "{}", b.kind());
        assert_eq!(take().await.unwrap(), Duration::ZERO, "{}", b.kind());
        let wait = take().await.unwrap();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(500),
            "{}: {wait:?}",
            b.kind()
        );
        assert!(matches!(
            b.rate_acquire("bucket", 0.0, 1.0).await,
            Err(Error::InvalidArgument { .. })
        ));
    }
}

/// Whether the broker still stores `key` at all (expired or not): the raw
/// Redis key, the raw redb row, the message on the NATS bucket's subject.
async fn stored(b: &Broker, prefix: &str, key: &str) -> bool {
    match b {
        Broker::Local(local) => {
            // Wait for the broker to let go of the file (its lease is 20 ms).
            let db = loop {
                match redb::Database::open(local.path()) {
                    Ok(db) => break db,
                    Err(redb::DatabaseError::DatabaseAlreadyOpen) => {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                    Err(e) => panic!("open {}: {e}", local.path().display()),
                }
            };
            let txn = redb::ReadableDatabase::begin_read(&db).unwrap();
            let table = txn
                .open_table(redb::TableDefinition::<&str, &[u8]>::new("kv"))
                .unwrap();
            table
                .get(format!("{prefix}/{key}").as_str())
                .unwrap()
                .is_some()
        }
        Broker::Redis(_) => {
            let url = std::env::var("OUROBOROS_REDIS_URL").unwrap();
            let mut conn = redis::Client::open(url)
                .unwrap()
                .get_multiplexed_async_connection()
                .await
                .unwrap();
            redis::cmd("EXISTS")
                .arg(format!("{prefix}:kv:{key}"))
                .query_async::<i64>(&mut conn)
                .await
                .unwrap()
                == 1
        }
        Broker::Nats(_) => {
            let url = std::env::var("OUROBOROS_NATS_URL").unwrap();
            let js = async_nats::jetstream::new(async_nats::connect(url).await.unwrap());
            let stream = js.get_stream(format!("KV_{prefix}_kv")).await.unwrap();
            assert!(
                stream.cached_info().config.allow_message_ttl,
                "the bucket's stream takes per-message TTLs"
            );
            stream
                .get_last_raw_message_by_subject(&format!("$KV.{prefix}_kv.{key}"))
                .await
                .is_ok()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_results_are_removed_from_the_broker() {
    let opts = options();
    let p = opts.prefix.clone();
    let dir = std::env::temp_dir().join(format!("ob-tasks-ttl-{p}"));
    let mut all = vec![
        Broker::connect(&format!("local://{}/b.redb", dir.display()), opts.clone())
            .await
            .expect("local broker"),
    ];
    for var in ["OUROBOROS_REDIS_URL", "OUROBOROS_NATS_URL"] {
        if let Ok(url) = std::env::var(var) {
            all.push(Broker::connect(&url, opts.clone()).await.expect(var));
        }
    }
    for b in &all {
        b.kv_put_many(vec![
            (
                "result.short".into(),
                b"done".to_vec(),
                Some(Duration::from_millis(300)),
            ),
            (
                "result.kept".into(),
                b"kept".to_vec(),
                Some(Duration::from_secs(600)),
            ),
            ("result.forever".into(), b"forever".to_vec(), None),
        ])
        .await
        .unwrap();
        assert!(stored(b, &p, "result.short").await, "{}", b.kind());
        // NATS counts per-message TTLs in whole seconds (at least one).
        let mut gone = false;
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            // The embedded broker reclaims as later writes pass by.
            b.kv_put_many(vec![("tick".into(), b"x".to_vec(), None)])
                .await
                .unwrap();
            if !stored(b, &p, "result.short").await {
                gone = true;
                break;
            }
        }
        assert!(gone, "{}: the expired result is still stored", b.kind());
        assert_eq!(b.kv_get("result.short").await.unwrap(), None);
        assert!(stored(b, &p, "result.kept").await, "{}", b.kind());
        assert!(stored(b, &p, "result.forever").await, "{}", b.kind());
        assert_eq!(
            b.kv_get("result.kept").await.unwrap().as_deref(),
            Some(&b"kept"[..]),
            "{}",
            b.kind()
        );
    }
}
