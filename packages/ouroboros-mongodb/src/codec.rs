//! A Document class's compiled schema: BSON -> validated model instances.
//!
//! The description comes from ouroboros.validation (`__ouroboros_schema__`) and
//! is compiled here with ouroboros-schema, inside this wheel (see the crate's
//! README contract). Decoding builds the document's values from raw BSON in
//! Rust, then the validator builds the instance; nothing passes through Python
//! code on the way. Encoding dumps an instance with the same compiled
//! serializer (`by_alias`, so `id` is stored as `_id`).

use bson::{Document, RawDocumentBuf};
use ouroboros_schema::python::{SchemaValidator, SerOptions};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyType};

use crate::bson_py::{self, DecodeOpts, KeyCache};
use crate::objectid::IdGen;

#[pyclass(module = "ouroboros.mongodb._mongodb", frozen)]
pub struct Codec {
    validator: SchemaValidator,
    cls: Py<PyType>,
    /// The model is built straight from BSON elements (no dict in between).
    pairs: bool,
}

#[pymethods]
impl Codec {
    /// Compile `model` (an ouroboros.validation BaseModel subclass).
    #[new]
    fn py_new(py: Python<'_>, model: &Bound<'_, PyType>) -> PyResult<Self> {
        let validator = SchemaValidator::compile(py, model.as_any())?;
        Ok(Self {
            pairs: validator.accepts_pairs(),
            validator,
            cls: model.clone().unbind(),
        })
    }

    /// The model class and its compiled validator, for the garbage
    /// collector: the class keeps its codec and the codec keeps the class,
    /// a cycle freed once the class is unused.
    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        visit.call(&self.cls)?;
        self.validator.traverse(visit)
    }

    /// The model class this codec builds.
    #[getter]
    fn model(&self, py: Python<'_>) -> Py<PyType> {
        self.cls.clone_ref(py)
    }

    /// A decoded document (a dict with `_id`) -> a validated instance.
    fn validate<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.validator.validate_python(py, data, None, None)
    }

    /// An instance -> the dict that is stored (field aliases applied).
    fn dump<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.dump_instance(py, instance)
    }

    /// A document to insert -> `(BSON bytes, _id)`, as `insert_one` and
    /// `insert_many` write it (an `_id` generated when missing; tests and tools).
    fn encode_insert_bytes<'py>(
        &self,
        py: Python<'py>,
        document: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyAny>)> {
        let (raw, id) = self.encode_insert(py, document)?;
        Ok((
            PyBytes::new(py, raw.as_bytes()),
            bson_py::bson_to_py(py, &id, DecodeOpts::default())?,
        ))
    }

    /// BSON bytes -> a validated instance (tests and tools).
    #[pyo3(signature = (data, tz_aware = false))]
    fn decode_bytes<'py>(
        &self,
        py: Python<'py>,
        data: &[u8],
        tz_aware: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let doc = bson::RawDocument::from_bytes(data).map_err(|e| bson_py::invalid_bson(&e))?;
        self.decode(py, doc, DecodeOpts { tz_aware })
    }
}

impl Codec {
    fn dump_instance<'py>(
        &self,
        py: Python<'py>,
        instance: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = SerOptions {
            by_alias: true,
            ..SerOptions::default()
        };
        if instance.is_instance(self.cls.bind(py))? {
            self.validator.to_python(instance, opts, None, None)
        } else {
            Ok(instance.clone())
        }
    }

    /// A document to insert -> BSON bytes and `_id`.
    fn encode_insert(
        &self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<(RawDocumentBuf, bson::Bson)> {
        let mut buf = Vec::with_capacity(256);
        let id =
            self.encode_insert_into(py, value, &mut buf, &IdGen::new(), &mut KeyCache::default())?;
        Ok((bson_py::into_raw(buf)?, id))
    }

    /// A document to insert, appended to `buf` as BSON; returns its `_id`. An
    /// instance of the model is written entry by entry from its fields (the
    /// compiled serializer's entries, values dumped only when they are not
    /// plain data); models whose dump has other rules, and mappings, go
    /// through the dumped dict.
    fn encode_insert_into(
        &self,
        py: Python<'_>,
        value: &Bound<'_, PyAny>,
        buf: &mut Vec<u8>,
        ids: &IdGen,
        keys: &mut KeyCache,
    ) -> PyResult<bson::Bson> {
        let opts = SerOptions {
            by_alias: true,
            ..SerOptions::default()
        };
        if value.get_type().is(self.cls.bind(py)) {
            let written = bson_py::to_raw_insert_entries_into(
                buf,
                ids,
                keys,
                |f| self.validator.for_each_dump_entry(value, opts, f),
                |v| self.validator.dump_entry_value(v, opts),
            )?;
            if let Some(id) = written {
                return Ok(id);
            }
        }
        bson_py::to_raw_insert_into(buf, &self.dump_instance(py, value)?, ids)
    }

    /// An instance of the model (or a plain mapping) -> `bson::Document`.
    pub fn encode(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Document> {
        bson_py::to_document(&self.dump_instance(py, value)?)
    }

    /// One raw document -> a validated instance, validated element by
    /// element as it is read (each value converted only if the model reads it).
    pub fn decode<'py>(
        &self,
        py: Python<'py>,
        doc: &bson::RawDocument,
        opts: DecodeOpts,
    ) -> PyResult<Bound<'py, PyAny>> {
        if self.pairs {
            let pairs = doc.into_iter().map(|item| {
                item.map_err(|e| bson_py::invalid_bson(&e))
                    .map(|(key, value)| (key, move || bson_py::raw_to_py(py, value, opts)))
            });
            let whole = || bson_py::raw_doc_to_dict(py, doc, opts).map(Bound::into_any);
            return self.validator.validate_pairs(py, pairs, whole);
        }
        let dict = bson_py::raw_doc_to_dict(py, doc, opts)?;
        self.validator
            .validate_python(py, dict.as_any(), None, None)
    }
}

/// Encode one value with the codec when there is one.
pub fn encode(
    py: Python<'_>,
    codec: Option<&Py<Codec>>,
    value: &Bound<'_, PyAny>,
) -> PyResult<Document> {
    match codec {
        Some(c) => c.get().encode(py, value),
        None => bson_py::to_document(value),
    }
}

/// A document to insert -> its BSON bytes and `_id` (generated first when
/// missing or None), written straight from the dumped instance or mapping.
pub fn encode_insert(
    py: Python<'_>,
    codec: Option<&Py<Codec>>,
    value: &Bound<'_, PyAny>,
) -> PyResult<(RawDocumentBuf, bson::Bson)> {
    match codec {
        Some(c) => c.get().encode_insert(py, value),
        None => bson_py::to_raw_insert(value),
    }
}

/// [`encode_insert`] appending the document to `buf` (an insert command
/// being built); returns its `_id`.
pub fn encode_insert_into(
    py: Python<'_>,
    codec: Option<&Py<Codec>>,
    value: &Bound<'_, PyAny>,
    buf: &mut Vec<u8>,
    ids: &IdGen,
    keys: &mut KeyCache,
) -> PyResult<bson::Bson> {
    match codec {
        Some(c) => c.get().encode_insert_into(py, value, buf, ids, keys),
        None => bson_py::to_raw_insert_into(buf, value, ids),
    }
}

/// Documents fetched by the driver, turned into Python objects (instances
/// through `codec`, dicts without) when the awaitable completes: documents
/// each in a buffer of its own (a cursor's batch), then whole server replies
/// (`find(...).to_list()`), each document decoded where it lies in its reply.
pub struct DocList {
    pub docs: Vec<RawDocumentBuf>,
    pub replies: Vec<mongodb::raw_batch_cursor::RawBatch>,
    pub codec: Option<Py<Codec>>,
    pub opts: DecodeOpts,
}

impl DocList {
    pub fn to_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let arrays = self
            .replies
            .iter()
            .map(|r| r.doc_slices().map_err(|e| bson_py::invalid_bson(&e)))
            .collect::<PyResult<Vec<_>>>()?;
        let count = self.docs.len() + arrays.iter().map(|a| a.into_iter().count()).sum::<usize>();
        // Building a batch allocates several container objects per document
        // and creates no reference cycles; pausing the cyclic GC meanwhile
        // spares repeated scans of a large heap (in the benchmark process,
        // GC passes more than doubled the CPU time of a 10,000-document find).
        let _pause = GcPause::new(count >= GC_PAUSE_MIN_DOCS);
        let list = PyList::empty(py);
        for doc in &self.docs {
            list.append(decode_one(py, doc, self.codec.as_ref(), self.opts)?)?;
        }
        for item in arrays.into_iter().flatten() {
            let item = item.map_err(|e| bson_py::invalid_bson(&e))?;
            let doc = item
                .as_document()
                .ok_or_else(|| bson_py::invalid_bson(&"a reply's element is not a document"))?;
            list.append(decode_one(py, doc, self.codec.as_ref(), self.opts)?)?;
        }
        Ok(list)
    }
}

/// Batches smaller than this decode with the GC running as usual.
pub const GC_PAUSE_MIN_DOCS: usize = 256;

/// Disables the cyclic GC for its lifetime (if it was enabled); the GIL is
/// held throughout, as `DocList::to_list` and the insert encoding loop hold it.
pub struct GcPause {
    was_enabled: bool,
}

impl GcPause {
    /// Pause the collector while `active`; call with the GIL held.
    pub fn new(active: bool) -> Self {
        // SAFETY: called with the GIL held (from `to_list` or an encoding loop); PyGC_Disable only
        // flips the collector's enabled flag and returns the previous value.
        let was_enabled = active && unsafe { pyo3::ffi::PyGC_Disable() } != 0;
        Self { was_enabled }
    }
}

impl Drop for GcPause {
    fn drop(&mut self) {
        if self.was_enabled {
            // SAFETY: still under the GIL of the `to_list` call that created us.
            unsafe {
                pyo3::ffi::PyGC_Enable();
            }
        }
    }
}

/// One raw document -> instance (with a codec) or dict.
pub fn decode_one<'py>(
    py: Python<'py>,
    doc: &bson::RawDocument,
    codec: Option<&Py<Codec>>,
    opts: DecodeOpts,
) -> PyResult<Bound<'py, PyAny>> {
    match codec {
        Some(c) => c.get().decode(py, doc, opts),
        None => Ok(bson_py::raw_doc_to_dict(py, doc, opts)?.into_any()),
    }
}

impl<'py> IntoPyObject<'py> for DocList {
    type Target = PyList;
    type Output = Bound<'py, PyList>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        self.to_list(py)
    }
}

/// Zero or one document (`find_one`).
pub struct MaybeDoc {
    pub doc: Option<RawDocumentBuf>,
    pub codec: Option<Py<Codec>>,
    pub opts: DecodeOpts,
}

impl<'py> IntoPyObject<'py> for MaybeDoc {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        match &self.doc {
            None => Ok(py.None().into_bound(py)),
            Some(d) => decode_one(py, d, self.codec.as_ref(), self.opts),
        }
    }
}

/// A dict built on completion from owned BSON (results, index lists).
pub struct BsonDict(pub Document);

impl<'py> IntoPyObject<'py> for BsonDict {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        bson_py::document_to_py(py, &self.0)
    }
}
