//! Engine tests against the PostgreSQL of `OUROBOROS_POSTGRES_DSN`.
//!
//! Without the variable the tests print why and pass, unless
//! `OUROBOROS_REQUIRE_SERVICES=1` (set by `scripts/dev test`), which makes a
//! missing server a failure.

use std::time::Duration;

use ouroboros_postgres_core::{
    ConnectOptions, Connection, Param, PgError, Pool, PoolOptions, RawCell, Value,
};

fn dsn() -> Option<String> {
    if let Ok(d) = std::env::var("OUROBOROS_POSTGRES_DSN") {
        return Some(d);
    }
    assert!(
        std::env::var("OUROBOROS_REQUIRE_SERVICES").as_deref() != Ok("1"),
        "OUROBOROS_POSTGRES_DSN is not set but OUROBOROS_REQUIRE_SERVICES=1"
    );
    eprintln!("skipped: OUROBOROS_POSTGRES_DSN is not set");
    None
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn round_trip_of_scalars_through_the_binary_protocol() {
    let Some(dsn) = dsn() else { return };
    rt().block_on(async {
        let c = Connection::connect(&dsn, ConnectOptions::default())
            .await
            .unwrap();
        assert!(c.pid() > 0);
        let r = c
            .query(
                "SELECT $1::int8 AS a, $2::text AS b, $3::numeric AS c, $4::int4[] AS d",
                &[
                    Param::Int(42),
                    Param::Text("héllo".into()),
                    Param::Decimal("-12.340".into()),
                    Param::Array(vec![Param::Int(1), Param::Null]),
                ],
                None,
            )
            .await
            .unwrap();
        let row = &r.rows[0];
        let cell = |i: usize| {
            Value::decode(row.columns()[i].type_(), row.get::<_, RawCell<'_>>(i).0).unwrap()
        };
        assert_eq!(cell(0), Value::Int(42));
        assert_eq!(cell(1), Value::Text("héllo"));
        assert_eq!(cell(2), Value::Numeric("-12.340".into()));
        assert_eq!(
            cell(3),
            Value::Array {
                dims: vec![(2, 1)],
                elements: vec![Value::Int(1), Value::Null]
            }
        );
        assert_eq!(r.statement.columns()[1].name(), "b");
        assert_eq!(c.cached_statements(), 1);
    });
}

#[test]
fn server_errors_keep_sqlstate_and_message() {
    let Some(dsn) = dsn() else { return };
    rt().block_on(async {
        let c = Connection::connect(&dsn, ConnectOptions::default())
            .await
            .unwrap();
        let e = c.query("SELECT 1/0", &[], None).await.err().unwrap();
        assert_eq!(e.sqlstate(), Some("22012"));
        assert!(e.to_string().contains("division by zero"), "{e}");
        let e = c
            .query("SELECT $1::int2", &[Param::Int(70_000)], None)
            .await
            .err()
            .unwrap();
        assert!(matches!(e, PgError::Argument { position: 1, .. }), "{e:?}");
        let e = c.query("SELECT $1::int", &[], None).await.err().unwrap();
        assert!(e.to_string().contains("expects 1 parameters"), "{e}");
    });
}

#[test]
fn timeout_cancels_on_the_server_and_the_connection_stays_usable() {
    let Some(dsn) = dsn() else { return };
    rt().block_on(async {
        let c = Connection::connect(&dsn, ConnectOptions::default())
            .await
            .unwrap();
        let e = c
            .execute("SELECT pg_sleep(10)", &[], Some(Duration::from_millis(100)))
            .await
            .err()
            .unwrap();
        assert!(matches!(e, PgError::Timeout(_)), "{e:?}");
        let r = c.query("SELECT 7::int4", &[], None).await.unwrap();
        let cell: RawCell<'_> = r.rows[0].get(0);
        assert_eq!(
            Value::decode(r.rows[0].columns()[0].type_(), cell.0).unwrap(),
            Value::Int(7)
        );
    });
}

#[test]
fn executemany_is_pipelined_and_atomic() {
    let Some(dsn) = dsn() else { return };
    rt().block_on(async {
        let c = Connection::connect(&dsn, ConnectOptions::default())
            .await
            .unwrap();
        c.execute("CREATE TEMP TABLE em (id int PRIMARY KEY)", &[], None)
            .await
            .unwrap();
        let rows: Vec<Vec<Param>> = (0..1000).map(|i| vec![Param::Int(i)]).collect();
        assert_eq!(
            c.executemany("INSERT INTO em VALUES ($1)", &rows, None)
                .await
                .unwrap(),
            1000
        );
        let dup = vec![vec![Param::Int(5000)], vec![Param::Int(1)]];
        let e = c
            .executemany("INSERT INTO em VALUES ($1)", &dup, None)
            .await
            .err()
            .unwrap();
        assert_eq!(e.sqlstate(), Some("23505"));
        // The batch was refused as a whole; the rerun row by row names the row.
        let PgError::Db(fields) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(fields.row, Some(1));
        // Inside a transaction block the batch runs under a savepoint: a
        // refused batch leaves the block usable and names the row too.
        c.execute("BEGIN", &[], None).await.unwrap();
        c.set_tx_depth(1);
        let more: Vec<Vec<Param>> = (1000..1010).map(|i| vec![Param::Int(i)]).collect();
        assert_eq!(
            c.executemany("INSERT INTO em VALUES ($1)", &more, None)
                .await
                .unwrap(),
            10
        );
        let bad = vec![
            vec![Param::Int(2000)],
            vec![Param::Int(2001)],
            vec![Param::Int(3)],
        ];
        let e = c
            .executemany("INSERT INTO em VALUES ($1)", &bad, None)
            .await
            .err()
            .unwrap();
        let PgError::Db(fields) = &e else {
            panic!("{e:?}")
        };
        assert_eq!((fields.sqlstate.as_str(), fields.row), ("23505", Some(2)));
        c.execute("ROLLBACK", &[], None).await.unwrap();
        c.set_tx_depth(0);
        let r = c.query("SELECT count(*) FROM em", &[], None).await.unwrap();
        let cell: RawCell<'_> = r.rows[0].get(0);
        assert_eq!(
            Value::decode(r.rows[0].columns()[0].type_(), cell.0).unwrap(),
            Value::Int(1000)
        );
    });
}

#[test]
fn pool_bounds_and_reuses_connections() {
    let Some(dsn) = dsn() else { return };
    rt().block_on(async {
        let opts = PoolOptions {
            min_size: 1,
            max_size: 2,
            acquire_timeout: None,
            connect: ConnectOptions::default(),
        };
        let pool = Pool::connect(&dsn, opts).await.unwrap();
        assert_eq!(pool.status().0, 1);
        let a = pool.acquire(None).await.unwrap();
        let b = pool.acquire(None).await.unwrap();
        let e = pool
            .acquire(Some(Duration::from_millis(50)))
            .await
            .err()
            .unwrap();
        assert!(e.to_string().contains("acquire timeout"), "{e}");
        let pid = a.pid();
        drop(b);
        pool.release(a);
        let again = pool.acquire(None).await.unwrap();
        assert!(again.pid() == pid || pool.status().0 == 2);
        assert!(Pool::connect(
            &dsn,
            PoolOptions {
                min_size: 3,
                max_size: 2,
                acquire_timeout: None,
                connect: ConnectOptions::default()
            }
        )
        .await
        .is_err());
    });
}
