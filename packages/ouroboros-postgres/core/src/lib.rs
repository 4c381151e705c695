//! The PostgreSQL engine of `ouroboros-postgres`, free of Python.
//!
//! The binding crate (`ouroboros-postgres-py`) converts Python arguments into
//! [`Param`]s and [`Value`]s into Python objects; everything between (the
//! socket, the binary protocol, the pool, prepared statements, timeouts and
//! cancellation, LISTEN/NOTIFY, COPY) happens here on the tokio runtime with no
//! GIL held.
//!
//! | module | what it holds |
//! |---|---|
//! | [`connection`] | one server connection: statement cache, queries, pipelined `executemany`, COPY, notifications |
//! | [`pool`] | the deadpool manager that creates and recycles [`Connection`]s |
//! | [`value`] | binary result cells -> [`Value`] (borrowed, no copy of text or bytes) |
//! | [`param`] | [`Param`] -> binary parameters, checked against the type the server expects |
//! | [`numeric`] | PostgreSQL `numeric` <-> decimal text, exact |
//! | [`temporal`] | day counts <-> calendar dates, the 2000-01-01 epoch and infinities |
//! | [`transport`] | a caller-supplied home for a connection's socket I/O (the binding's event loop) |
//! | [`pipeline`] | many executions under one Sync (`executemany` of anything but a plain insert) |
//! | [`status`] | the command status string (`INSERT 0 1`) that `execute` returns |

pub mod batch;
mod cancel;
pub mod connection;
pub mod error;
pub mod numeric;
pub mod param;
pub mod pipeline;
pub mod pool;
pub mod status;
pub mod temporal;
pub mod tls;
pub mod transport;
pub mod value;

pub use connection::{
    quote_ident, ConnectOptions, Connection, CopySource, Notification, QueryResult,
};
pub use error::{DbErrorFields, PgError, Result};
pub use param::Param;
pub use pool::{Pool, PoolOptions};
pub use tokio_postgres::types::{Kind, Type};
pub use tokio_postgres::{Column, Row, Statement};
pub use value::{RawCell, Value};
