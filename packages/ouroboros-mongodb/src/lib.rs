//! The Rust extension module `ouroboros.mongodb._mongodb`.
//!
//! Module map (GIL: who holds it where):
//! - `bridge`     awaitables completed from the runtime, safe at interpreter exit.
//! - `bson_py`    Python values <-> BSON. Encoding walks Python objects into a
//!   `bson::Document` tree (needs the GIL); the tree is serialised to BSON bytes
//!   on the runtime without it. Decoding reads raw BSON bytes straight into
//!   Python objects (no intermediate `Bson` tree, no Python `bytes`).
//! - `codec`      a Document class's compiled ouroboros-schema validator: decoded
//!   documents become validated model instances in Rust.
//! - `objectid`   the `ObjectId` Python type.
//! - `client`     connecting (`Client`), databases and collections.
//! - `collection` CRUD, aggregation, indexes: each call encodes its arguments with
//!   the GIL, then the driver's future runs on the tokio runtime without it.
//! - `bulk`       bulk writes grouped into insert/update/delete commands.
//! - `cursor`     server-side cursors read one bounded batch at a time.
//! - `session`    client sessions and transactions (`session=` on every operation).
//! - `errors`     driver errors -> the classes of `ouroboros.mongodb._errors`.

mod alloc;
mod bridge;
mod bson_py;
mod bulk;
mod client;
mod codec;
mod collection;
mod cursor;
mod errors;
mod objectid;
mod session;

use pyo3::prelude::*;

#[pymodule]
fn _mongodb(m: &Bound<'_, PyModule>) -> PyResult<()> {
    alloc::configure();
    ouroboros_common::python::init_module(m, env!("CARGO_PKG_VERSION"))?;
    m.add_class::<objectid::ObjectId>()?;
    m.add_class::<codec::Codec>()?;
    m.add_class::<client::Client>()?;
    m.add_class::<collection::Collection>()?;
    m.add_class::<cursor::Cursor>()?;
    m.add_class::<session::Session>()?;
    m.add_function(wrap_pyfunction!(client::connect, m)?)?;
    m.add_function(wrap_pyfunction!(collection::_set_insert_batch_docs, m)?)?;
    m.add_function(wrap_pyfunction!(bson_py::encode_document, m)?)?;
    m.add_function(wrap_pyfunction!(bson_py::decode_document, m)?)?;
    Ok(())
}
