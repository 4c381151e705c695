//! One collection: CRUD, counting, distinct, aggregation and indexes.
//!
//! Every method encodes its Python arguments first (filters, documents,
//! pipelines: GIL held, Rust-owned `bson::Document`s out), then returns an
//! awaitable whose future runs on the tokio runtime without the GIL: BSON
//! serialisation of inserted batches, the network round trip and cursor
//! reads. Results become Python objects when the awaitable completes.

use std::sync::atomic::{AtomicUsize, Ordering};

use bson::{doc, Bson, Document, RawDocumentBuf};
use futures::TryStreamExt;
use mongodb::action::Action;
use mongodb::options::UpdateModifications;
use mongodb::raw_batch_cursor::RawBatch;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyType};

use crate::bson_py::{self, DecodeOpts};
use crate::codec::{self, Codec, DocList, MaybeDoc};
use crate::cursor::{Cursor, CursorSource};
use crate::errors;
use crate::objectid::IdGen;
use crate::session::{self, with_session, Session};

#[pyclass(module = "ouroboros.mongodb._mongodb", frozen)]
pub struct Collection {
    coll: mongodb::Collection<RawDocumentBuf>,
    opts: DecodeOpts,
}

/// Options shared by `find`, `find_one` and `find_to_list`.
#[derive(Default, Clone)]
pub struct FindSpec {
    pub filter: Document,
    pub sort: Option<Document>,
    pub projection: Option<Document>,
    pub skip: Option<u64>,
    pub limit: Option<i64>,
    pub batch_size: Option<u32>,
}

fn optional_doc(value: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Document>> {
    match value {
        Some(v) if !v.is_none() => Ok(Some(bson_py::to_document(v)?)),
        _ => Ok(None),
    }
}

fn filter_doc(value: Option<&Bound<'_, PyAny>>) -> PyResult<Document> {
    Ok(optional_doc(value)?.unwrap_or_default())
}

/// The first batch of `find_to_list` when none is given: as many documents
/// as fit in one reply (the server stops a batch at 16 MiB).
const TO_LIST_BATCH_SIZE: u32 = 1_000_000;

fn check_batch_size(batch_size: Option<u32>) -> PyResult<Option<u32>> {
    if batch_size == Some(0) {
        return Err(
            ouroboros_common::Error::invalid_argument("batch_size", "must be at least 1").into(),
        );
    }
    Ok(batch_size)
}

/// Documents without an `_id` (or with `_id: None`) get a new ObjectId here,
/// so the caller learns every id even when a batch fails half-way.
pub fn ensure_id(doc: &mut Document, ids: &IdGen) -> Bson {
    match doc.get("_id") {
        Some(id) if !matches!(id, Bson::Null) => id.clone(),
        Some(_) if doc.keys().next().is_some_and(|k| k == "_id") => {
            // `_id: None` first (a Document not yet saved): fill it in place
            // instead of rebuilding the document.
            let id = Bson::ObjectId(ids.next_id());
            doc.insert("_id", id.clone());
            id
        }
        _ => {
            let id = Bson::ObjectId(ids.next_id());
            // `_id` goes first, as the server would put it.
            let mut out = Document::new();
            out.insert("_id", id.clone());
            for (k, v) in std::mem::take(doc) {
                if k != "_id" {
                    out.insert(k, v);
                }
            }
            *doc = out;
            id
        }
    }
}

fn update_modifications(value: &Bound<'_, PyAny>) -> PyResult<UpdateModifications> {
    if let Ok(list) = value.cast::<PyList>() {
        let stages = list
            .iter()
            .map(|s| bson_py::to_document(&s))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(UpdateModifications::Pipeline(stages));
    }
    let doc = bson_py::to_document(value)?;
    if doc.is_empty() {
        return Err(ouroboros_common::Error::invalid_argument(
            "update",
            "the update document is empty",
        )
        .into());
    }
    if let Some(k) = doc.keys().find(|k| !k.starts_with('$')) {
        return Err(ouroboros_common::Error::invalid_argument(
            "update",
            format!("update documents contain only operators such as $set; found the field {k:?} (use replace_one to replace a document)"),
        )
        .into());
    }
    Ok(UpdateModifications::Document(doc))
}

/// `{matched_count, modified_count, upserted_id}` of an update or replace.
struct UpdateOutcome(mongodb::results::UpdateResult, DecodeOpts);

impl<'py> IntoPyObject<'py> for UpdateOutcome {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let d = PyDict::new(py);
        d.set_item("matched_count", self.0.matched_count)?;
        d.set_item("modified_count", self.0.modified_count)?;
        match &self.0.upserted_id {
            Some(id) => d.set_item("upserted_id", bson_py::bson_to_py(py, id, self.1)?)?,
            None => d.set_item("upserted_id", py.None())?,
        }
        Ok(d)
    }
}

/// Owned BSON values turned into a Python list on completion.
pub struct BsonList(pub Vec<Bson>, pub DecodeOpts);

impl<'py> IntoPyObject<'py> for BsonList {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        // The ids of a large insert: thousands of new objects, no cycles.
        let _pause = codec::GcPause::new(self.0.len() >= codec::GC_PAUSE_MIN_DOCS);
        let items = self
            .0
            .iter()
            .map(|v| bson_py::bson_to_py(py, v, self.1))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, items)
    }
}

/// The ids of an `insert_many`, each also stored in its document's
/// `__dict__` (held in `owners`) under the given name.
struct InsertedIds {
    ids: BsonList,
    owners: Option<(Vec<Py<PyDict>>, Py<PyString>)>,
}

impl<'py> IntoPyObject<'py> for InsertedIds {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let Some((dicts, name)) = self.owners else {
            return self.ids.into_pyobject(py);
        };
        // One pass: each id made and stored in its document, then the list.
        let _pause = codec::GcPause::new(self.ids.0.len() >= codec::GC_PAUSE_MIN_DOCS);
        let name = name.bind(py);
        let mut items = Vec::with_capacity(self.ids.0.len());
        for (id, dict) in self.ids.0.iter().zip(&dicts) {
            let id = bson_py::bson_to_py(py, id, self.ids.1)?;
            dict.bind(py).set_item(name, &id)?;
            items.push(id);
        }
        PyList::new(py, items)
    }
}

/// Every item of the list `documents` an instance of `model` (the class
/// itself compared first), else `InvalidArgumentError` naming the first that
/// is not, as `Document.insert_many` raises it.
fn check_instances(documents: &Bound<'_, PyAny>, model: &Bound<'_, PyType>) -> PyResult<()> {
    use ouroboros_common::python::InvalidArgumentError;
    let list = documents.cast_exact::<PyList>().map_err(|_| {
        InvalidArgumentError::new_err("insert_many checks the documents' class only in a list")
    })?;
    for item in list.iter() {
        if !item.get_type().is(model) && !item.is_instance(model)? {
            return Err(InvalidArgumentError::new_err(format!(
                "insert_many takes {} instances, got {}",
                model.name()?,
                item.get_type().name()?
            )));
        }
    }
    Ok(())
}

/// The server's name for an index over `keys` (`a_1_b_-1`).
fn default_index_name(keys: &Document) -> String {
    keys.iter()
        .map(|(k, v)| {
            let dir = match v {
                Bson::String(s) => s.clone(),
                Bson::Int32(i) => i.to_string(),
                Bson::Int64(i) => i.to_string(),
                Bson::Double(f) => f.to_string(),
                other => other.to_string(),
            };
            format!("{k}_{dir}")
        })
        .collect::<Vec<_>>()
        .join("_")
}

impl Collection {
    pub fn new(coll: mongodb::Collection<RawDocumentBuf>, opts: DecodeOpts) -> Self {
        Self { coll, opts }
    }

    fn what(&self, op: &str) -> String {
        format!("{op} on {}.{}", self.coll.namespace().db, self.coll.name())
    }
}

#[pymethods]
impl Collection {
    #[getter]
    fn name(&self) -> String {
        self.coll.name().to_owned()
    }

    #[getter]
    fn database(&self) -> String {
        self.coll.namespace().db
    }

    /// Insert one document (an instance through `codec`, or a mapping) and
    /// return its `_id` (generated here when missing).
    #[pyo3(signature = (document, codec = None, *, session = None))]
    fn insert_one<'py>(
        &self,
        py: Python<'py>,
        document: &Bound<'py, PyAny>,
        codec: Option<Py<Codec>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let (raw, id) = codec::encode_insert(py, codec.as_ref(), document)?;
        let coll = self.coll.clone();
        let what = self.what("insert");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            with_session!(session, coll.insert_one(raw))
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(BsonList(vec![id], opts))
        })
    }

    /// Insert a batch; returns the list of `_id`s. Python objects are
    /// written straight to BSON bytes, into the `insert` commands that are
    /// sent; the driver's work and the writes happen on the runtime without
    /// the GIL. On a failure the
    /// `BulkWriteError` lists `inserted_ids` (what was written). With
    /// `id_attribute`, each document's `__dict__[id_attribute]` is set to its
    /// `_id` once all were written (a Document's `id`). With `model`,
    /// `documents` (a list) must all be instances of it (subclasses too), else
    /// `InvalidArgumentError` before any is encoded.
    #[pyo3(signature = (documents, codec = None, ordered = true, *, session = None, id_attribute = None, model = None))]
    #[allow(clippy::too_many_arguments)]
    fn insert_many<'py>(
        &self,
        py: Python<'py>,
        documents: &Bound<'py, PyAny>,
        codec: Option<Py<Codec>>,
        ordered: bool,
        session: Option<Py<Session>>,
        id_attribute: Option<Py<PyString>>,
        model: Option<&Bound<'py, PyType>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(model) = model {
            check_instances(documents, model)?;
        }
        let session = session::shared(session.as_ref());
        let count = documents.len().ok();
        let mut ids = Vec::with_capacity(count.unwrap_or(0));
        let mut owners = Vec::with_capacity(if id_attribute.is_some() {
            count.unwrap_or(0)
        } else {
            0
        });
        let mut encoded = InsertCommands::new(self.coll.name().to_owned(), ordered);
        {
            // Dumping instances allocates a dict (and lists) per document and
            // frees them at once, creating no cycles: GC passes over the
            // caller's heap meanwhile would be wasted work.
            let large = count.is_none_or(|n| n >= codec::GC_PAUSE_MIN_DOCS);
            let _pause = codec::GcPause::new(large);
            let id_gen = IdGen::new();
            let mut keys = crate::bson_py::KeyCache::default();
            for item in documents.try_iter()? {
                let item = item?;
                if id_attribute.is_some() {
                    // Read before anything is written: a document without
                    // a `__dict__` fails here, not after the insert.
                    owners.push(ouroboros_schema::python::instance_dict(&item)?.unbind());
                }
                let remaining = count.map_or(0, |n| n.saturating_sub(ids.len() + 1));
                ids.push(encoded.push(remaining, |buf| {
                    codec::encode_insert_into(py, codec.as_ref(), &item, buf, &id_gen, &mut keys)
                })?);
            }
        }
        if ids.is_empty() {
            return Err(ouroboros_common::Error::invalid_argument(
                "documents",
                "insert_many needs at least one document",
            )
            .into());
        }
        let coll = self.coll.clone();
        let what = self.what("insert_many");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let written = match session {
                Some(shared) => {
                    let mut guard = shared.lock().await;
                    let Some(s) = guard.session.as_mut() else {
                        return Err(session::ended());
                    };
                    insert_raw(&coll, encoded, ordered, Some(s)).await
                }
                None => insert_raw(&coll, encoded, ordered, None).await,
            }
            .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            if written.errors.is_empty() {
                return Ok(InsertedIds {
                    ids: BsonList(ids, opts),
                    owners: id_attribute.map(|name| (owners, name)),
                });
            }
            Err(insert_errors(&written, &what, &ids, ordered, opts))
        })
    }

    /// `find(...)`: a server-side cursor read in bounded batches.
    #[pyo3(signature = (filter = None, *, sort = None, projection = None, skip = None, limit = None, batch_size = None, codec = None, session = None))]
    #[allow(clippy::too_many_arguments)]
    fn find(
        &self,
        filter: Option<&Bound<'_, PyAny>>,
        sort: Option<&Bound<'_, PyAny>>,
        projection: Option<&Bound<'_, PyAny>>,
        skip: Option<u64>,
        limit: Option<i64>,
        batch_size: Option<u32>,
        codec: Option<Py<Codec>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Cursor> {
        let spec = FindSpec {
            filter: filter_doc(filter)?,
            sort: optional_doc(sort)?,
            projection: optional_doc(projection)?,
            skip,
            limit,
            batch_size: check_batch_size(batch_size)?,
        };
        Ok(Cursor::new(
            CursorSource::Find(self.coll.clone(), Box::new(spec)),
            codec,
            self.opts,
            self.what("find"),
            session::shared(session.as_ref()),
        ))
    }

    /// `find(...).to_list()` in one awaitable: every document is read on the
    /// runtime, then decoded at once.
    #[pyo3(signature = (filter = None, *, sort = None, projection = None, skip = None, limit = None, batch_size = None, codec = None, session = None))]
    #[allow(clippy::too_many_arguments)]
    fn find_to_list<'py>(
        &self,
        py: Python<'py>,
        filter: Option<&Bound<'py, PyAny>>,
        sort: Option<&Bound<'py, PyAny>>,
        projection: Option<&Bound<'py, PyAny>>,
        skip: Option<u64>,
        limit: Option<i64>,
        batch_size: Option<u32>,
        codec: Option<Py<Codec>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let spec = FindSpec {
            filter: filter_doc(filter)?,
            sort: optional_doc(sort)?,
            projection: optional_doc(projection)?,
            skip,
            limit,
            // The whole result is wanted: without a batch size the server
            // sends 101 documents first and the rest on a second round trip.
            batch_size: check_batch_size(batch_size)?.or(Some(TO_LIST_BATCH_SIZE)),
        };
        let coll = self.coll.clone();
        let what = self.what("find");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            // Whole server replies, decoded in place on completion (no copy
            // of each document into a buffer of its own).
            let replies: Vec<RawBatch> = if let Some(shared) = session {
                let mut guard = shared.lock().await;
                let Some(s) = guard.session.as_mut() else {
                    return Err(session::ended());
                };
                let mut cursor = crate::cursor::find_action(&coll, spec)
                    .session(&mut *s)
                    .batch()
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
                cursor
                    .stream(s)
                    .try_collect()
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?
            } else {
                crate::cursor::find_action(&coll, spec)
                    .batch()
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?
                    .try_collect()
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?
            };
            Ok(DocList {
                docs: Vec::new(),
                replies,
                codec,
                opts,
            })
        })
    }

    #[pyo3(signature = (filter = None, *, sort = None, projection = None, skip = None, codec = None, session = None))]
    #[allow(clippy::too_many_arguments)]
    fn find_one<'py>(
        &self,
        py: Python<'py>,
        filter: Option<&Bound<'py, PyAny>>,
        sort: Option<&Bound<'py, PyAny>>,
        projection: Option<&Bound<'py, PyAny>>,
        skip: Option<u64>,
        codec: Option<Py<Codec>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let filter = filter_doc(filter)?;
        let sort = optional_doc(sort)?;
        let projection = optional_doc(projection)?;
        let coll = self.coll.clone();
        let what = self.what("find_one");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let doc = with_session!(
                session,
                coll.find_one(filter)
                    .optional(sort, mongodb::action::FindOne::sort)
                    .optional(projection, mongodb::action::FindOne::projection)
                    .optional(skip, mongodb::action::FindOne::skip)
            )
            .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(MaybeDoc { doc, codec, opts })
        })
    }

    #[pyo3(signature = (filter = None, *, skip = None, limit = None, session = None))]
    fn count_documents<'py>(
        &self,
        py: Python<'py>,
        filter: Option<&Bound<'py, PyAny>>,
        skip: Option<u64>,
        limit: Option<u64>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let filter = filter_doc(filter)?;
        let coll = self.coll.clone();
        let what = self.what("count");
        crate::bridge::future_into_py(py, async move {
            with_session!(
                session,
                coll.count_documents(filter)
                    .optional(skip, mongodb::action::CountDocuments::skip)
                    .optional(limit, mongodb::action::CountDocuments::limit)
            )
            .map_err(|e| errors::to_pyerr_attached(&e, &what))
        })
    }

    #[pyo3(signature = (filter, update, *, upsert = false, array_filters = None, session = None))]
    fn update_one<'py>(
        &self,
        py: Python<'py>,
        filter: &Bound<'py, PyAny>,
        update: &Bound<'py, PyAny>,
        upsert: bool,
        array_filters: Option<Vec<Bound<'py, PyAny>>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let spec = UpdateSpec {
            upsert,
            many: false,
            session: session::shared(session.as_ref()),
        };
        self.update(py, filter, update, array_filters, spec)
    }

    #[pyo3(signature = (filter, update, *, upsert = false, array_filters = None, session = None))]
    fn update_many<'py>(
        &self,
        py: Python<'py>,
        filter: &Bound<'py, PyAny>,
        update: &Bound<'py, PyAny>,
        upsert: bool,
        array_filters: Option<Vec<Bound<'py, PyAny>>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let spec = UpdateSpec {
            upsert,
            many: true,
            session: session::shared(session.as_ref()),
        };
        self.update(py, filter, update, array_filters, spec)
    }

    /// Replace the first match with `replacement` (its `_id` is kept).
    #[pyo3(signature = (filter, replacement, *, upsert = false, codec = None, session = None))]
    fn replace_one<'py>(
        &self,
        py: Python<'py>,
        filter: &Bound<'py, PyAny>,
        replacement: &Bound<'py, PyAny>,
        upsert: bool,
        codec: Option<Py<Codec>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let filter = bson_py::to_document(filter)?;
        let replacement = codec::encode(py, codec.as_ref(), replacement)?;
        if let Some(k) = replacement.keys().find(|k| k.starts_with('$')) {
            return Err(ouroboros_common::Error::invalid_argument(
                "replacement",
                format!("a replacement document cannot contain operators; found {k:?}"),
            )
            .into());
        }
        let coll = self.coll.clone();
        let what = self.what("replace");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let raw = RawDocumentBuf::from_document(&replacement)
                .map_err(|e| errors::invalid_document(&e.to_string()))?;
            let r = with_session!(session, coll.replace_one(filter, raw).upsert(upsert))
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(UpdateOutcome(r, opts))
        })
    }

    /// Apply `update` to the first match and return the document as it is
    /// after the update (instance through `codec`), or None without a match.
    #[pyo3(signature = (filter, update, *, upsert = false, codec = None, session = None))]
    fn find_one_and_update<'py>(
        &self,
        py: Python<'py>,
        filter: &Bound<'py, PyAny>,
        update: &Bound<'py, PyAny>,
        upsert: bool,
        codec: Option<Py<Codec>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let filter = bson_py::to_document(filter)?;
        let modifications = update_modifications(update)?;
        let coll = self.coll.clone();
        let what = self.what("find_one_and_update");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let doc = with_session!(
                session,
                coll.find_one_and_update(filter, modifications)
                    .upsert(upsert)
                    .return_document(mongodb::options::ReturnDocument::After)
            )
            .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(MaybeDoc { doc, codec, opts })
        })
    }

    #[pyo3(signature = (filter, *, session = None))]
    fn delete_one<'py>(
        &self,
        py: Python<'py>,
        filter: &Bound<'py, PyAny>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let filter = bson_py::to_document(filter)?;
        let coll = self.coll.clone();
        let what = self.what("delete");
        crate::bridge::future_into_py(py, async move {
            Ok(with_session!(session, coll.delete_one(filter))
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?
                .deleted_count)
        })
    }

    #[pyo3(signature = (filter, *, session = None))]
    fn delete_many<'py>(
        &self,
        py: Python<'py>,
        filter: &Bound<'py, PyAny>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let filter = bson_py::to_document(filter)?;
        let coll = self.coll.clone();
        let what = self.what("delete_many");
        crate::bridge::future_into_py(py, async move {
            Ok(with_session!(session, coll.delete_many(filter))
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?
                .deleted_count)
        })
    }

    #[pyo3(signature = (key, filter = None, *, session = None))]
    fn distinct<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        filter: Option<&Bound<'py, PyAny>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let filter = filter_doc(filter)?;
        let coll = self.coll.clone();
        let what = self.what("distinct");
        let key = key.to_owned();
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let values = with_session!(session, coll.distinct(key, filter))
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(BsonList(values, opts))
        })
    }

    /// Run `operations` (tuples: `("insert", doc)`, `("update", filter, update,
    /// upsert, multi)`, `("replace", filter, doc, upsert)`, `("delete", filter,
    /// multi)`); returns counts, upserted ids by operation index and write
    /// errors, or raises `BulkWriteError` whose `details` hold the same.
    #[pyo3(signature = (operations, *, ordered = true, codec = None, session = None))]
    fn bulk_write<'py>(
        &self,
        py: Python<'py>,
        operations: &Bound<'py, PyAny>,
        ordered: bool,
        codec: Option<Py<Codec>>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let encoded = crate::bulk::encode_ops(py, operations, codec.as_ref())?;
        let coll = self.coll.clone();
        let what = self.what("bulk write");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let outcome = match session {
                Some(shared) => {
                    let mut guard = shared.lock().await;
                    let Some(s) = guard.session.as_mut() else {
                        return Err(session::ended());
                    };
                    crate::bulk::execute(&coll, encoded, ordered, opts, Some(s)).await
                }
                None => crate::bulk::execute(&coll, encoded, ordered, opts, None).await,
            }
            .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            outcome.into_result(&what)
        })
    }

    /// Run a pipeline and return every result (dicts, or instances through `codec`).
    #[pyo3(signature = (pipeline, *, codec = None, batch_size = None, session = None))]
    fn aggregate_to_list<'py>(
        &self,
        py: Python<'py>,
        pipeline: &Bound<'py, PyAny>,
        codec: Option<Py<Codec>>,
        batch_size: Option<u32>,
        session: Option<Py<Session>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let session = session::shared(session.as_ref());
        let stages = pipeline_docs(pipeline)?;
        let batch_size = check_batch_size(batch_size)?;
        let coll = self.coll.clone();
        let what = self.what("aggregate");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let docs: Vec<RawDocumentBuf> = if let Some(shared) = session {
                let mut guard = shared.lock().await;
                let Some(s) = guard.session.as_mut() else {
                    return Err(session::ended());
                };
                let mut cursor = crate::cursor::aggregate_action(&coll, stages, batch_size)
                    .session(&mut *s)
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
                cursor
                    .stream(s)
                    .try_collect()
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?
            } else {
                crate::cursor::open_aggregate(&coll, stages, batch_size)
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?
                    .try_collect()
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?
            };
            Ok(DocList {
                docs,
                replies: Vec::new(),
                codec,
                opts,
            })
        })
    }

    /// A pipeline's results as a cursor read in bounded batches.
    #[pyo3(signature = (pipeline, *, codec = None, batch_size = None, session = None))]
    fn aggregate(
        &self,
        pipeline: &Bound<'_, PyAny>,
        codec: Option<Py<Codec>>,
        batch_size: Option<u32>,
        session: Option<Py<Session>>,
    ) -> PyResult<Cursor> {
        let stages = pipeline_docs(pipeline)?;
        let batch_size = check_batch_size(batch_size)?;
        Ok(Cursor::new(
            CursorSource::Aggregate(self.coll.clone(), stages, batch_size),
            codec,
            self.opts,
            self.what("aggregate"),
            session::shared(session.as_ref()),
        ))
    }

    /// `createIndexes` with one index: `keys` is an ordered mapping of field ->
    /// direction or kind ("text", "2dsphere"); `options` are the server's index
    /// options (`unique`, `expireAfterSeconds`, `sparse`, ...). Returns the name.
    #[pyo3(signature = (keys, options = None))]
    fn create_index<'py>(
        &self,
        py: Python<'py>,
        keys: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let keys = bson_py::to_document(keys)?;
        if keys.is_empty() {
            return Err(ouroboros_common::Error::invalid_argument(
                "keys",
                "an index needs at least one key",
            )
            .into());
        }
        let mut index = doc! {"key": keys.clone()};
        if let Some(options) = optional_doc(options)? {
            index.extend(options);
        }
        let name = match index.get_str("name") {
            Ok(n) => n.to_owned(),
            Err(_) => default_index_name(&keys),
        };
        index.insert("name", name.clone());
        let db = self.coll.client().database(&self.coll.namespace().db);
        let command = doc! {"createIndexes": self.coll.name(), "indexes": [index]};
        let what = self.what(&format!("create index {name}"));
        crate::bridge::future_into_py(py, async move {
            db.run_command(command)
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(name)
        })
    }

    /// Every index as the server describes it (`name`, `key`, `unique`, ...).
    fn list_indexes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let db = self.coll.client().database(&self.coll.namespace().db);
        let command = doc! {"listIndexes": self.coll.name()};
        let what = self.what("list indexes");
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let cursor = db.run_cursor_command(command).await;
            let docs: Vec<Document> = match cursor {
                Ok(c) => c
                    .try_collect()
                    .await
                    .map_err(|e| errors::to_pyerr_attached(&e, &what))?,
                // A collection that does not exist yet has no indexes.
                Err(e) if matches!(e.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if c.code == 26) => {
                    Vec::new()
                }
                Err(e) => return Err(errors::to_pyerr_attached(&e, &what)),
            };
            Ok(BsonList(
                docs.into_iter().map(Bson::Document).collect(),
                opts,
            ))
        })
    }

    fn drop_index<'py>(&self, py: Python<'py>, name: String) -> PyResult<Bound<'py, PyAny>> {
        let coll = self.coll.clone();
        let what = self.what(&format!("drop index {name}"));
        crate::bridge::future_into_py(py, async move {
            coll.drop_index(name)
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(())
        })
    }

    /// Drop the collection (and its indexes).
    fn drop<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let coll = self.coll.clone();
        let what = self.what("drop");
        crate::bridge::future_into_py(py, async move {
            coll.drop()
                .await
                .map_err(|e| errors::to_pyerr_attached(&e, &what))?;
            Ok(())
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Collection({}.{})",
            self.coll.namespace().db,
            self.coll.name()
        )
    }
}

/// How an update runs: upsert, one or many, in which session.
struct UpdateSpec {
    upsert: bool,
    many: bool,
    session: Option<session::Shared>,
}

impl Collection {
    fn update<'py>(
        &self,
        py: Python<'py>,
        filter: &Bound<'py, PyAny>,
        update: &Bound<'py, PyAny>,
        array_filters: Option<Vec<Bound<'py, PyAny>>>,
        spec: UpdateSpec,
    ) -> PyResult<Bound<'py, PyAny>> {
        let UpdateSpec {
            upsert,
            many,
            session,
        } = spec;
        let filter = bson_py::to_document(filter)?;
        let modifications = update_modifications(update)?;
        let array_filters = array_filters
            .map(|fs| {
                fs.iter()
                    .map(bson_py::to_document)
                    .collect::<PyResult<Vec<_>>>()
            })
            .transpose()?;
        let coll = self.coll.clone();
        let what = self.what(if many { "update_many" } else { "update" });
        let opts = self.opts;
        crate::bridge::future_into_py(py, async move {
            let r = if many {
                with_session!(
                    session,
                    coll.update_many(filter, modifications)
                        .upsert(upsert)
                        .optional(array_filters, mongodb::action::Update::array_filters)
                )
            } else {
                with_session!(
                    session,
                    coll.update_one(filter, modifications)
                        .upsert(upsert)
                        .optional(array_filters, mongodb::action::Update::array_filters)
                )
            };
            Ok(UpdateOutcome(
                r.map_err(|e| errors::to_pyerr_attached(&e, &what))?,
                opts,
            ))
        })
    }
}

fn pipeline_docs(pipeline: &Bound<'_, PyAny>) -> PyResult<Vec<Document>> {
    let mut stages = Vec::new();
    for stage in pipeline.try_iter()? {
        let stage = bson_py::to_document(&stage?)?;
        if stage.len() != 1 || !stage.keys().all(|k| k.starts_with('$')) {
            return Err(ouroboros_common::Error::invalid_argument(
                "pipeline",
                format!("each stage is a document with one operator such as $match; got {stage}"),
            )
            .into());
        }
        stages.push(stage);
    }
    Ok(stages)
}

/// Documents per `insert` command, also bounded by [`INSERT_BATCH_BYTES`].
const INSERT_BATCH_DOCS: usize = 10_000;

/// The documents-per-command bound in force: [`INSERT_BATCH_DOCS`] unless a
/// test lowered it with [`_set_insert_batch_docs`].
static INSERT_BATCH_DOCS_NOW: AtomicUsize = AtomicUsize::new(INSERT_BATCH_DOCS);

/// Test hook: bound `insert` commands to `docs` documents (1 to 10,000) so
/// the several-command path of `insert_many` runs with a few documents;
/// returns the previous bound.
#[pyfunction]
pub fn _set_insert_batch_docs(docs: usize) -> PyResult<usize> {
    if !(1..=INSERT_BATCH_DOCS).contains(&docs) {
        return Err(ouroboros_common::Error::invalid_argument(
            "docs",
            format!("documents per insert command are 1 to {INSERT_BATCH_DOCS}; got {docs}"),
        )
        .into());
    }
    Ok(INSERT_BATCH_DOCS_NOW.swap(docs, Ordering::Relaxed))
}
/// Well under the server's 16 MiB command limit.
const INSERT_BATCH_BYTES: usize = 8 * 1024 * 1024;

/// The server refuses larger documents; bounding them here keeps every
/// command's length within `i32`.
const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// The `{insert, ordered, documents: [...]}` commands of an `insert_many`,
/// each chunk bounded by [`INSERT_BATCH_DOCS_NOW`] and [`INSERT_BATCH_BYTES`]:
/// every document is encoded straight into its place in the command that
/// is sent (no buffer per document, no second copy on the runtime).
struct InsertCommands {
    name: String,
    ordered: bool,
    /// Documents per command.
    max_docs: usize,
    /// Finished commands, each with its number of documents.
    done: Vec<(Vec<u8>, usize)>,
    /// The command being filled, its documents and their bytes.
    buf: Vec<u8>,
    docs: usize,
    doc_bytes: usize,
    /// Offset of the `documents` array's length in `buf`.
    array_at: usize,
    /// The array key of the next document (its index in this command).
    key: bson_py::IndexKey,
    /// Documents in all commands so far.
    total: usize,
}

impl InsertCommands {
    fn new(name: String, ordered: bool) -> Self {
        Self {
            name,
            ordered,
            max_docs: INSERT_BATCH_DOCS_NOW.load(Ordering::Relaxed),
            done: Vec::new(),
            buf: Vec::new(),
            docs: 0,
            doc_bytes: 0,
            array_at: 0,
            key: bson_py::IndexKey::new(0),
            total: 0,
        }
    }

    /// Start a command in `self.buf` (empty), up to its `documents` array.
    fn begin(&mut self, capacity: usize) {
        let head = 4 + 1 + 7 + 4 + self.name.len() + 1 + 1 + 8 + 1 + 1 + 10 + 4;
        self.buf.reserve(head + capacity);
        self.buf.extend_from_slice(&[0; 4]);
        self.buf.push(0x02);
        self.buf.extend_from_slice(b"insert\0");
        self.buf
            .extend_from_slice(&len_i32(self.name.len() + 1).to_le_bytes());
        self.buf.extend_from_slice(self.name.as_bytes());
        self.buf.push(0);
        self.buf.push(0x08);
        self.buf.extend_from_slice(b"ordered\0");
        self.buf.push(u8::from(self.ordered));
        self.buf.push(0x04);
        self.buf.extend_from_slice(b"documents\0");
        self.array_at = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        self.docs = 0;
        self.doc_bytes = 0;
        self.key = bson_py::IndexKey::new(0);
    }

    /// The key of the next array element (type byte, index, NUL).
    fn element(&mut self) {
        bson_py::element_key(&mut self.buf, 0x03, self.key.as_str());
        self.key.increment();
    }

    /// Close the command being filled and keep it.
    fn finish(&mut self) {
        self.buf.push(0);
        let array = len_i32(self.buf.len() - self.array_at);
        self.buf[self.array_at..self.array_at + 4].copy_from_slice(&array.to_le_bytes());
        self.buf.push(0);
        let whole = len_i32(self.buf.len());
        self.buf[..4].copy_from_slice(&whole.to_le_bytes());
        self.done.push((std::mem::take(&mut self.buf), self.docs));
    }

    /// Add the document `encode` writes (`remaining` more are expected,
    /// which sizes the command after its first document); returns its `_id`.
    fn push(
        &mut self,
        remaining: usize,
        encode: impl FnOnce(&mut Vec<u8>) -> PyResult<Bson>,
    ) -> PyResult<Bson> {
        if self.buf.is_empty() {
            self.begin(256);
        }
        let element_at = self.buf.len();
        self.element();
        let doc_at = self.buf.len();
        let id = encode(&mut self.buf)?;
        let len = self.buf.len() - doc_at;
        if len > MAX_DOCUMENT_BYTES {
            return Err(errors::invalid_document(&format!(
                "document {} is {len} bytes; the server takes at most {MAX_DOCUMENT_BYTES}",
                self.total
            )));
        }
        if self.docs > 0
            && (self.docs >= self.max_docs || self.doc_bytes + len > INSERT_BATCH_BYTES)
        {
            // The document opens the next command: move it there.
            let doc = self.buf[doc_at..].to_vec();
            self.buf.truncate(element_at);
            self.finish();
            self.begin(expected_bytes(len, remaining + 1));
            self.element();
            self.buf.extend_from_slice(&doc);
        } else if self.docs == 0 {
            self.buf.reserve(expected_bytes(len, remaining));
        }
        self.docs += 1;
        self.doc_bytes += len;
        self.total += 1;
        Ok(id)
    }

    /// The finished commands, each with its number of documents.
    fn into_commands(mut self) -> mongodb::error::Result<Vec<(RawDocumentBuf, usize)>> {
        if self.docs > 0 {
            self.finish();
        }
        self.done
            .into_iter()
            .map(|(buf, n)| Ok((RawDocumentBuf::from_bytes(buf)?, n)))
            .collect()
    }
}

/// Room for `count` more documents of `len` bytes, their keys and an eighth
/// more for larger ones, within one command's bound.
fn expected_bytes(len: usize, count: usize) -> usize {
    (len + 8)
        .saturating_mul(count)
        .saturating_add(len.saturating_mul(count) / 8)
        .min(INSERT_BATCH_BYTES + INSERT_BATCH_BYTES / 8)
}

/// A length within a command (bounded by [`INSERT_BATCH_BYTES`] plus one
/// document of at most [`MAX_DOCUMENT_BYTES`]).
fn len_i32(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// What `insert_raw` wrote: how many, and `(index, code, message)` of failures.
struct Inserted {
    count: i64,
    errors: Vec<(usize, i32, String)>,
}

/// Send encoded documents as raw `insert` commands. The driver offers no
/// call that takes documents already encoded as an OP_MSG document sequence
/// (its `insert_many` copies and re-serialises each document, which measured
/// slower), so each chunk goes as one command, encoded by [`InsertCommands`].
async fn insert_raw(
    coll: &mongodb::Collection<RawDocumentBuf>,
    encoded: InsertCommands,
    ordered: bool,
    mut session: Option<&mut mongodb::ClientSession>,
) -> mongodb::error::Result<Inserted> {
    let db = coll.client().database(&coll.namespace().db);
    let commands = encoded.into_commands()?;
    let mut out = Inserted {
        count: 0,
        errors: Vec::new(),
    };
    let mut start = 0;
    for (command, n) in commands {
        let reply = match session.as_deref_mut() {
            Some(s) => db.run_raw_command(command).session(s).await?,
            None => db.run_raw_command(command).await?,
        };
        out.count += match reply.get("n") {
            Some(Bson::Int32(i)) => i64::from(*i),
            Some(Bson::Int64(i)) => *i,
            _ => 0,
        };
        let mut failed = false;
        if let Ok(list) = reply.get_array("writeErrors") {
            for e in list.iter().filter_map(Bson::as_document) {
                let index = match e.get("index") {
                    Some(Bson::Int32(i)) => usize::try_from(*i).unwrap_or(0),
                    Some(Bson::Int64(i)) => usize::try_from(*i).unwrap_or(0),
                    _ => 0,
                };
                let code = e.get_i32("code").unwrap_or(0);
                out.errors.push((
                    start + index,
                    code,
                    e.get_str("errmsg").unwrap_or_default().to_owned(),
                ));
                failed = true;
            }
        }
        start += n;
        if failed && ordered {
            break;
        }
    }
    Ok(out)
}

/// A failed `insert_many` as `BulkWriteError` (`DuplicateKeyError` is its
/// code 11000), listing what was written in `inserted_ids`.
fn insert_errors(
    written: &Inserted,
    what: &str,
    ids: &[Bson],
    ordered: bool,
    opts: DecodeOpts,
) -> PyErr {
    crate::bridge::attach(|py| {
        let list = PyList::empty(py);
        for (index, code, msg) in &written.errors {
            let d = PyDict::new(py);
            let _ = d.set_item("index", index);
            let _ = d.set_item("code", code);
            let _ = d.set_item("errmsg", msg);
            let _ = list.append(d);
        }
        let details = PyDict::new(py);
        let _ = details.set_item("writeErrors", &list);
        let _ = details.set_item("nInserted", written.count);
        let (first_index, code, first_msg) = written.errors[0].clone();
        let message = format!(
            "{what}: {} write error(s), first at document {first_index}: {first_msg} (code {code})",
            written.errors.len()
        );
        let code_obj = code
            .into_pyobject(py)
            .map_or_else(|_| py.None().into_bound(py), pyo3::Bound::into_any);
        let err = errors::build(
            py,
            "BulkWriteError",
            &message,
            &[("code", code_obj), ("details", details.into_any())],
        );
        let failed: Vec<usize> = written.errors.iter().map(|e| e.0).collect();
        let inserted: Vec<Bson> = if ordered {
            ids[..first_index.min(ids.len())].to_vec()
        } else {
            ids.iter()
                .enumerate()
                .filter(|(i, _)| !failed.contains(i))
                .map(|(_, id)| id.clone())
                .collect()
        };
        if let Ok(list) = BsonList(inserted, opts).into_pyobject(py) {
            let _ = err.value(py).setattr("inserted_ids", list);
        }
        err
    })
    .unwrap_or_else(errors::exiting)
}
