//! Integration tests of the engine (no Python): the embedded backends
//! directly, Redis when `OUROBOROS_REDIS_URL` is set.

use std::time::Duration;

use ouroboros_kv_core::{
    ttl_from_secs, BatchOp, BatchResult, KvError, SetMode, SetOptions, Store, Ttl,
};

fn block<T>(fut: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(fut)
}

fn redis_url() -> Option<String> {
    let url = std::env::var("OUROBOROS_REDIS_URL").ok();
    assert!(
        url.is_some() || std::env::var("OUROBOROS_REQUIRE_SERVICES").as_deref() != Ok("1"),
        "OUROBOROS_REDIS_URL is not set but OUROBOROS_REQUIRE_SERVICES=1"
    );
    url
}

async fn exercise(store: &Store, p: &str) {
    let k = |s: &str| format!("{p}{s}").into_bytes();
    let opts = SetOptions::default();
    assert!(store.set(k("a"), b"1".to_vec(), opts).await.unwrap());
    assert_eq!(store.get(k("a")).await.unwrap(), Some(b"1".to_vec()));
    let nx = SetOptions {
        mode: SetMode::IfAbsent,
        ..opts
    };
    assert!(!store.set(k("a"), b"2".to_vec(), nx).await.unwrap());
    assert_eq!(store.incr(k("a"), 41).await.unwrap(), 42);
    assert!(store
        .compare_and_swap(k("a"), Some(b"42".to_vec()), b"x".to_vec(), None)
        .await
        .unwrap());
    assert!(matches!(
        store.incr(k("a"), 1).await,
        Err(KvError::NotAnInteger(_))
    ));
    assert_eq!(store.ttl(k("a")).await.unwrap(), Ttl::Persistent);
    assert_eq!(store.ttl(k("zz")).await.unwrap(), Ttl::Missing);
    let short = SetOptions {
        ttl_ms: Some(30),
        ..opts
    };
    store.set(k("short"), b"v".to_vec(), short).await.unwrap();
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(store.get(k("short")).await.unwrap(), None);
    let results = store
        .batch(vec![
            BatchOp::Set {
                key: k("b"),
                value: b"5".to_vec(),
                opts,
            },
            BatchOp::Incr { key: k("b"), by: 2 },
            BatchOp::Delete { key: k("a") },
        ])
        .await
        .unwrap();
    assert_eq!(
        results,
        vec![
            BatchResult::Bool(true),
            BatchResult::Int(7),
            BatchResult::Bool(true)
        ]
    );
    let t1 = store
        .lock_acquire(k("l"), k("lf"), b"me".to_vec(), 5000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .lock_acquire(k("l"), k("lf"), b"you".to_vec(), 5000)
            .await
            .unwrap(),
        None
    );
    assert!(!store.lock_release(k("l"), b"you".to_vec()).await.unwrap());
    assert!(store.lock_release(k("l"), b"me".to_vec()).await.unwrap());
    let t2 = store
        .lock_acquire(k("l"), k("lf"), b"you".to_vec(), 5000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t2, t1 + 1);
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = store.scan(k(""), cursor, 2).await.unwrap();
        all.extend(page.keys);
        cursor = page.cursor;
        if cursor.is_none() {
            break;
        }
    }
    all.sort();
    all.dedup();
    assert_eq!(all, vec![k("b"), k("l"), k("lf")]);
    assert_eq!(
        store
            .delete_many(vec![k("b"), k("l"), k("lf"), k("none")])
            .await
            .unwrap(),
        3
    );
}

#[test]
fn memory_backend() {
    let store = Store::open("memory://").unwrap();
    block(exercise(&store, ""));
}

#[test]
fn file_backend_and_second_open_in_process_is_shared() {
    let dir = std::env::temp_dir().join(format!("ouroboros-kv-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("file://{}/store.redb", dir.display());
    let store = Store::open(&url).unwrap();
    block(exercise(&store, "x:"));
    let again = Store::open(&url).unwrap();
    block(async {
        store
            .set(b"shared".to_vec(), b"1".to_vec(), SetOptions::default())
            .await
            .unwrap();
        assert_eq!(
            again.get(b"shared".to_vec()).await.unwrap(),
            Some(b"1".to_vec())
        );
    });
    drop((store, again));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn redis_backend() {
    let Some(url) = redis_url() else { return };
    let store = Store::open(&url).unwrap();
    let prefix = format!("it{}:", std::process::id());
    let rt = ouroboros_rt();
    rt.block_on(exercise(&store, &prefix));
}

fn ouroboros_rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn ttls_are_checked() {
    assert_eq!(ttl_from_secs("ttl", 1.5).unwrap(), 1500);
    assert_eq!(ttl_from_secs("ttl", 0.0001).unwrap(), 1);
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e12] {
        assert!(
            matches!(
                ttl_from_secs("ttl", bad),
                Err(KvError::InvalidArgument { .. })
            ),
            "{bad}"
        );
    }
}

#[test]
fn unknown_schemes_are_refused() {
    assert!(matches!(
        Store::open("ftp://x"),
        Err(KvError::InvalidArgument { .. })
    ));
}

#[test]
fn concurrent_sets_on_a_file_store_are_group_committed() {
    use ouroboros_kv_core::Embedded;
    let dir = std::env::temp_dir().join(format!("ouroboros-kv-group-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Embedded::open_url(&format!("file://{}/group.redb", dir.display())).unwrap();
    let before = store.commits();
    let threads = 16;
    let per_thread = 25;
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (store, start) = (&store, &start);
            scope.spawn(move || {
                start.wait();
                for i in 0..per_thread {
                    let key = format!("t{t}:{i}");
                    assert!(store
                        .set(key.as_bytes(), key.as_bytes(), SetOptions::default())
                        .unwrap());
                    // Acknowledged means committed: readable at once.
                    assert_eq!(store.get(key.as_bytes()).unwrap(), Some(key.into_bytes()));
                }
            });
        }
    });
    let commits = store.commits() - before;
    let writes = u64::try_from(threads * per_thread).unwrap();
    assert!(commits < writes, "{commits} commits for {writes} sets");
    // NX inside one group sees the writes queued before it.
    let nx = SetOptions {
        ttl_ms: None,
        mode: SetMode::IfAbsent,
    };
    assert!(!store.set(b"t0:0", b"other", nx).unwrap());
    assert_eq!(store.get(b"t0:0").unwrap(), Some(b"t0:0".to_vec()));
    store.close();
    assert!(matches!(
        store.set(b"after", b"1", SetOptions::default()),
        Err(KvError::Closed(_))
    ));
    drop(store);
    std::fs::remove_dir_all(&dir).ok();
}

/// `durability=eventual` commits go to the change log and redb's in-memory
/// state; a copy of the files taken while the store is open is what a killed
/// process leaves. Opening it must replay every write, and a damaged tail of
/// the log must end the replay without an error.
#[test]
fn eventual_store_replays_its_change_log_after_a_crash() {
    let dir = std::env::temp_dir().join(format!("ouroboros-kv-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = |name: &str| {
        format!(
            "file://{}/{name}.redb?durability=eventual&reap_interval=3600",
            dir.display()
        )
    };
    let store = Store::open(&url("live")).unwrap();
    let opts = SetOptions::default();
    block(async {
        // 300 single writes: several durable commits' worth (64 each).
        for i in 0..300 {
            let value = format!("v{i}").into_bytes();
            store
                .set(format!("k{i:03}").into_bytes(), value, opts)
                .await
                .unwrap();
        }
        let ttl = SetOptions {
            ttl_ms: Some(600_000),
            ..opts
        };
        store
            .set(b"ttl".to_vec(), b"t".to_vec(), ttl)
            .await
            .unwrap();
        store
            .set(b"ttl2".to_vec(), b"t".to_vec(), ttl)
            .await
            .unwrap();
        store.expire(b"ttl2".to_vec(), None).await.unwrap();
        assert_eq!(store.delete_many(vec![b"k007".to_vec()]).await.unwrap(), 1);
        assert_eq!(store.incr(b"n".to_vec(), 5).await.unwrap(), 5);
        let pairs = vec![
            (b"m1".to_vec(), b"a".to_vec()),
            (b"m2".to_vec(), b"b".to_vec()),
        ];
        store.set_many(pairs, None).await.unwrap();
    });
    let live_log = dir.join("live.redb.log");
    assert!(
        std::fs::metadata(&live_log).unwrap().len() > 0,
        "the log holds the last writes"
    );
    for name in ["crashed", "torn"] {
        std::fs::copy(dir.join("live.redb"), dir.join(format!("{name}.redb"))).unwrap();
        std::fs::copy(&live_log, dir.join(format!("{name}.redb.log"))).unwrap();
    }
    // A frame header promising more bytes than were written, then junk.
    let mut torn = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("torn.redb.log"))
        .unwrap();
    std::io::Write::write_all(&mut torn, &[200, 0, 0, 0, 1, 2, 3, 4, 1, 9]).unwrap();
    drop(torn);
    drop(store);
    assert_eq!(
        std::fs::metadata(&live_log).unwrap().len(),
        0,
        "closing empties the log"
    );
    for name in ["live", "crashed", "torn"] {
        let store = Store::open(&url(name)).unwrap();
        block(async {
            for i in 0..300 {
                let want = (i != 7).then(|| format!("v{i}").into_bytes());
                let got = store.get(format!("k{i:03}").into_bytes()).await.unwrap();
                assert_eq!(got, want, "{name}: k{i:03}");
            }
            assert!(
                matches!(store.ttl(b"ttl".to_vec()).await.unwrap(), Ttl::Millis(ms) if ms > 500_000)
            );
            assert_eq!(store.ttl(b"ttl2".to_vec()).await.unwrap(), Ttl::Persistent);
            assert_eq!(store.get(b"n".to_vec()).await.unwrap(), Some(b"5".to_vec()));
            let many = store
                .get_many(vec![b"m1".to_vec(), b"m2".to_vec()])
                .await
                .unwrap();
            assert_eq!(
                many,
                vec![Some(b"a".to_vec()), Some(b"b".to_vec())],
                "{name}"
            );
            // The store takes writes after the replay.
            store
                .set(b"after".to_vec(), b"1".to_vec(), opts)
                .await
                .unwrap();
        });
        drop(store);
        let log = dir.join(format!("{name}.redb.log"));
        assert_eq!(
            std::fs::metadata(&log).unwrap().len(),
            0,
            "{name}: replayed and emptied"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
