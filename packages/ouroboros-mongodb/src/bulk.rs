//! Bulk writes: a list of inserts, updates, replaces and deletes sent as the
//! server's `insert` / `update` / `delete` commands, consecutive operations of
//! one kind grouped into one command (as PyMongo's `bulk_write` does), in
//! chunks bounded by count and size.
//!
//! Ordered runs stop at the first failed write; unordered runs send every
//! group. Either way the result says what was written: counts, upserted ids
//! and each write error with its index in the caller's list.

use bson::{doc, Bson, Document, RawDocumentBuf};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

use crate::bson_py::{self, DecodeOpts};
use crate::codec::{self, Codec};
use crate::errors;

/// Statements per command; also bounded by [`MAX_GROUP_BYTES`].
const MAX_GROUP_OPS: usize = 1000;
/// Well under the server's 16 MiB command limit, leaving room for the envelope.
const MAX_GROUP_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Insert,
    Update,
    Delete,
}

/// One operation, already encoded.
pub struct Op {
    kind: Kind,
    /// The statement as the command wants it (`{q, u, upsert, multi}`,
    /// `{q, limit}` or the document itself).
    statement: Document,
    size: usize,
}

fn flag(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    value.is_truthy()
}

/// Read `(kind, ...)` tuples into encoded operations (GIL held).
pub fn encode_ops(
    py: Python<'_>,
    ops: &Bound<'_, PyAny>,
    codec: Option<&Py<Codec>>,
) -> PyResult<Vec<Op>> {
    let mut out = Vec::new();
    let ids = crate::objectid::IdGen::new();
    for (i, item) in ops.try_iter()?.enumerate() {
        let item = item?;
        let t = item
            .cast::<PyTuple>()
            .map_err(|_| bad_op(i, "each operation is a tuple such as ('insert', document)"))?;
        let kind: String = t.get_item(0)?.extract()?;
        let arg = |n: usize| {
            t.get_item(n)
                .map_err(|_| bad_op(i, &format!("{kind} needs {n} arguments")))
        };
        let (kind, statement) = match kind.as_str() {
            "insert" => {
                let mut d = codec::encode(py, codec, &arg(1)?)?;
                crate::collection::ensure_id(&mut d, &ids);
                (Kind::Insert, d)
            }
            "update" => {
                let update = arg(2)?;
                let u = if let Ok(list) = update.cast::<PyList>() {
                    Bson::Array(
                        list.iter()
                            .map(|s| bson_py::to_document(&s).map(Bson::Document))
                            .collect::<PyResult<_>>()?,
                    )
                } else {
                    let d = bson_py::to_document(&update)?;
                    if d.is_empty() || d.keys().any(|k| !k.starts_with('$')) {
                        return Err(bad_op(
                            i,
                            "an update document contains only operators such as $set",
                        ));
                    }
                    Bson::Document(d)
                };
                let q = bson_py::to_document(&arg(1)?)?;
                (
                    Kind::Update,
                    doc! {"q": q, "u": u, "upsert": flag(&arg(3)?)?, "multi": flag(&arg(4)?)?},
                )
            }
            "replace" => {
                let q = bson_py::to_document(&arg(1)?)?;
                let mut r = codec::encode(py, codec, &arg(2)?)?;
                if r.keys().any(|k| k.starts_with('$')) {
                    return Err(bad_op(i, "a replacement document cannot contain operators"));
                }
                if matches!(r.get("_id"), Some(Bson::Null)) {
                    r.remove("_id");
                }
                (
                    Kind::Update,
                    doc! {"q": q, "u": r, "upsert": flag(&arg(3)?)?, "multi": false},
                )
            }
            "delete" => {
                let q = bson_py::to_document(&arg(1)?)?;
                let limit = i32::from(!flag(&arg(2)?)?);
                (Kind::Delete, doc! {"q": q, "limit": limit})
            }
            other => return Err(bad_op(i, &format!("unknown operation {other:?}"))),
        };
        let size = RawDocumentBuf::from_document(&statement)
            .map_err(|e| errors::invalid_document(&e.to_string()))?
            .as_bytes()
            .len();
        out.push(Op {
            kind,
            statement,
            size,
        });
    }
    if out.is_empty() {
        return Err(ouroboros_common::Error::invalid_argument(
            "operations",
            "a bulk write needs at least one operation",
        )
        .into());
    }
    Ok(out)
}

fn bad_op(index: usize, reason: &str) -> PyErr {
    ouroboros_common::Error::invalid_argument(format!("operations[{index}]"), reason).into()
}

/// What a bulk write did.
#[derive(Default)]
pub struct Outcome {
    pub inserted: i64,
    pub matched: i64,
    pub modified: i64,
    pub deleted: i64,
    pub upserted: Vec<(usize, Bson)>,
    /// `(index in the caller's list, code, message)`.
    pub errors: Vec<(usize, i32, String)>,
    pub opts: DecodeOpts,
}

fn int(reply: &Document, key: &str) -> i64 {
    match reply.get(key) {
        Some(Bson::Int32(i)) => i64::from(*i),
        Some(Bson::Int64(i)) => *i,
        #[allow(clippy::cast_possible_truncation)]
        Some(Bson::Double(f)) => *f as i64,
        _ => 0,
    }
}

/// Send the operations; `Err` only for failures that are not write errors
/// (network, server selection, a refused command).
pub async fn execute(
    coll: &mongodb::Collection<RawDocumentBuf>,
    batch: Vec<Op>,
    ordered: bool,
    opts: DecodeOpts,
    mut session: Option<&mut mongodb::ClientSession>,
) -> mongodb::error::Result<Outcome> {
    let db = coll.client().database(&coll.namespace().db);
    let name = coll.name().to_owned();
    let mut outcome = Outcome {
        opts,
        ..Outcome::default()
    };
    let mut start = 0;
    while start < batch.len() {
        let kind = batch[start].kind;
        let mut end = start;
        let mut bytes = 0;
        while end < batch.len()
            && batch[end].kind == kind
            && end - start < MAX_GROUP_OPS
            && (bytes == 0 || bytes + batch[end].size <= MAX_GROUP_BYTES)
        {
            bytes += batch[end].size;
            end += 1;
        }
        let statements: Vec<Bson> = batch[start..end]
            .iter()
            .map(|o| Bson::Document(o.statement.clone()))
            .collect();
        let command = match kind {
            Kind::Insert => doc! {"insert": &name, "documents": statements, "ordered": ordered},
            Kind::Update => doc! {"update": &name, "updates": statements, "ordered": ordered},
            Kind::Delete => doc! {"delete": &name, "deletes": statements, "ordered": ordered},
        };
        let reply = match session.as_deref_mut() {
            Some(s) => db.run_command(command).session(s).await?,
            None => db.run_command(command).await?,
        };
        let n = int(&reply, "n");
        match kind {
            Kind::Insert => outcome.inserted += n,
            Kind::Delete => outcome.deleted += n,
            Kind::Update => {
                let upserted = match reply.get_array("upserted") {
                    Ok(list) => list.as_slice(),
                    Err(_) => &[],
                };
                #[allow(clippy::cast_possible_wrap)]
                let n_upserted = upserted.len() as i64;
                outcome.matched += n - n_upserted;
                outcome.modified += int(&reply, "nModified");
                for u in upserted {
                    if let Bson::Document(u) = u {
                        #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
                        let index = start + int(u, "index") as usize;
                        outcome
                            .upserted
                            .push((index, u.get("_id").cloned().unwrap_or(Bson::Null)));
                    }
                }
            }
        }
        let mut failed = false;
        if let Ok(write_errors) = reply.get_array("writeErrors") {
            for e in write_errors.iter().filter_map(Bson::as_document) {
                #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
                let index = start + int(e, "index") as usize;
                #[allow(clippy::cast_possible_truncation)]
                let code = int(e, "code") as i32;
                outcome.errors.push((
                    index,
                    code,
                    e.get_str("errmsg").unwrap_or_default().to_owned(),
                ));
                failed = true;
            }
        }
        if failed && ordered {
            break;
        }
        start = end;
    }
    Ok(outcome)
}

impl Outcome {
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("inserted_count", self.inserted)?;
        d.set_item("matched_count", self.matched)?;
        d.set_item("modified_count", self.modified)?;
        d.set_item("deleted_count", self.deleted)?;
        d.set_item("upserted_count", self.upserted.len())?;
        let ids = PyDict::new(py);
        for (i, id) in &self.upserted {
            ids.set_item(i, bson_py::bson_to_py(py, id, self.opts)?)?;
        }
        d.set_item("upserted_ids", ids)?;
        let errs = PyList::empty(py);
        for (index, code, msg) in &self.errors {
            let e = PyDict::new(py);
            e.set_item("index", index)?;
            e.set_item("code", code)?;
            e.set_item("errmsg", msg)?;
            errs.append(e)?;
        }
        d.set_item("writeErrors", errs)?;
        Ok(d)
    }

    /// The result dict, or `BulkWriteError` (its `details` is the same dict)
    /// when a write failed.
    pub fn into_result(self, what: &str) -> PyResult<Py<PyDict>> {
        crate::bridge::attach(|py| {
            let d = self.to_dict(py)?;
            if let Some((index, code, msg)) = self.errors.first() {
                let message = format!(
                    "{what}: {} write error(s); first at operation {index}: {msg} (code {code})",
                    self.errors.len()
                );
                let code_obj = code.into_pyobject(py)?.into_any();
                return Err(errors::build(
                    py,
                    "BulkWriteError",
                    &message,
                    &[("code", code_obj), ("details", d.into_any())],
                ));
            }
            Ok(d.unbind())
        })
        .unwrap_or_else(|| Err(errors::exiting()))
    }
}
