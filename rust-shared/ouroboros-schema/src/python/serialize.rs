//! `model_dump` / `model_dump_json`: model instances walked field by field
//! (aliases, exclusions, field and model serializers from the description),
//! other values by their runtime type, as Pydantic does for `Any`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyComplex, PyDate, PyDateAccess, PyDateTime, PyDelta,
    PyDeltaAccess, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet, PyString, PyTime,
    PyTimeAccess, PyTuple, PyType, PyTzInfoAccess,
};

use crate::json_out;

use super::special::{decimal_cls, uuid_cls};

/// How one field is written.
#[derive(Debug)]
pub struct FieldSer {
    pub name: Py<PyString>,
    /// The name already written as a JSON string (`"name"`).
    pub name_json: Vec<u8>,
    /// The key when `by_alias` (serialization alias, else alias, else name).
    pub alias: Py<PyString>,
    pub exclude: bool,
    pub default: Option<Py<PyAny>>,
    /// `func(value, mode)` from `@field_serializer`.
    pub serializer: Option<Py<PyAny>>,
    pub serializer_when_json: bool,
    pub serializer_wrap: bool,
    /// `exclude_if(value)`: the field is left out of dumps when it returns true (and a
    /// `MISSING` value, whose field has this set by the describing side).
    pub exclude_if: Option<Py<PyAny>>,
}

#[derive(Debug)]
pub struct ModelSer {
    pub fields: Vec<FieldSer>,
    /// `@computed_field` properties, read from the instance: their name, alias, serializer
    /// and `exclude_if` (never `exclude` or a default).
    pub computed: Vec<FieldSer>,
    /// `func(instance, mode)` from `@model_serializer`.
    pub model_serializer: Option<Py<PyAny>>,
    pub extra_allowed: bool,
    /// No excluded field, field serializer, computed field or extra: the
    /// fast path of `model_dump()` applies.
    pub plain: bool,
    /// Every field's `by_alias` key is its name: `by_alias` changes nothing
    /// (FastAPI's responses dump by alias), so the fast path applies to it too.
    pub alias_free: bool,
}

/// The keyword options of `model_dump` / `model_dump_json`.
#[derive(Debug, Clone, Copy, Default)]
#[allow(clippy::struct_excessive_bools)]
pub struct SerOptions {
    pub json: bool,
    pub by_alias: bool,
    pub exclude_unset: bool,
    pub exclude_defaults: bool,
    pub exclude_none: bool,
}

/// How JSON output writes dates, times and durations (`ser_json_temporal`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TemporalMode {
    /// ISO 8601 text (the default).
    #[default]
    Iso8601,
    /// A number of seconds (since the Unix epoch, midnight, or the duration's).
    Seconds,
    /// The same in milliseconds.
    Milliseconds,
}

/// How JSON output writes infinite and NaN floats (`ser_json_inf_nan`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InfNan {
    /// `null` (the default).
    #[default]
    Null,
    /// `Infinity`, `-Infinity`, `NaN` (JavaScript's constants, not strict JSON).
    Constants,
    /// `"Infinity"`, `"-Infinity"`, `"NaN"`.
    Strings,
}

/// How JSON output writes bytes (`ser_json_bytes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BytesMode {
    /// UTF-8 text (the default; other bytes are an error).
    #[default]
    Utf8,
    /// URL-safe base64 with padding.
    Base64,
    /// Lowercase hexadecimal.
    Hex,
}

/// The JSON settings of a config: `ser_json_temporal`, and `ser_json_timedelta="float"`
/// (durations in seconds), which only applies when `ser_json_temporal` is not given;
/// `ser_json_inf_nan` and `ser_json_bytes`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Temporal {
    pub mode: TemporalMode,
    pub timedelta: TemporalMode,
    pub inf_nan: InfNan,
    pub bytes: BytesMode,
}

impl Temporal {
    /// Read from a config dict (or a bare schema's top-level keys).
    pub fn from_config(d: &Bound<'_, PyDict>) -> PyResult<Self> {
        let text = |key: &str| -> PyResult<Option<String>> {
            match d.get_item(key)? {
                Some(v) if !v.is_none() => Ok(Some(v.extract()?)),
                _ => Ok(None),
            }
        };
        let temporal = text("ser_json_temporal")?;
        let mode = match temporal.as_deref() {
            Some("seconds") => TemporalMode::Seconds,
            Some("milliseconds") => TemporalMode::Milliseconds,
            _ => TemporalMode::Iso8601,
        };
        let timedelta =
            if temporal.is_none() && text("ser_json_timedelta")?.as_deref() == Some("float") {
                TemporalMode::Seconds
            } else {
                mode
            };
        let inf_nan = match text("ser_json_inf_nan")?.as_deref() {
            Some("constants") => InfNan::Constants,
            Some("strings") => InfNan::Strings,
            _ => InfNan::Null,
        };
        let bytes = match text("ser_json_bytes")?.as_deref() {
            Some("base64") => BytesMode::Base64,
            Some("hex") => BytesMode::Hex,
            _ => BytesMode::Utf8,
        };
        Ok(Self {
            mode,
            timedelta,
            inf_nan,
            bytes,
        })
    }

    /// A float as JSON text (non-finite ones as the config says).
    pub fn write_float(self, out: &mut Vec<u8>, v: f64) {
        if v.is_finite() || self.inf_nan == InfNan::Null {
            json_out::write_float(out, v);
            return;
        }
        let text: &[u8] = if v.is_nan() {
            b"NaN"
        } else if v > 0.0 {
            b"Infinity"
        } else {
            b"-Infinity"
        };
        if self.inf_nan == InfNan::Strings {
            out.push(b'"');
            out.extend_from_slice(text);
            out.push(b'"');
        } else {
            out.extend_from_slice(text);
        }
    }

    /// Bytes as a JSON string (UTF-8 text, base64 or hex as the config says).
    pub fn write_bytes(self, out: &mut Vec<u8>, b: &[u8]) -> PyResult<()> {
        match self.bytes {
            BytesMode::Utf8 => json_out::write_str(out, utf8_text(b)?),
            BytesMode::Base64 => {
                use base64::Engine as _;
                json_out::write_str(out, &base64::engine::general_purpose::URL_SAFE.encode(b));
            }
            BytesMode::Hex => {
                use std::fmt::Write as _;
                let mut text = String::with_capacity(b.len() * 2);
                for byte in b {
                    let _ = write!(text, "{byte:02x}");
                }
                json_out::write_str(out, &text);
            }
        }
        Ok(())
    }

    /// The number `value` (a datetime, date, time or timedelta) is written as, or None when
    /// it is written as ISO 8601 text (or is no temporal value).
    pub fn number(self, value: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
        if self.mode == TemporalMode::Iso8601 && self.timedelta == TemporalMode::Iso8601 {
            return Ok(None);
        }
        let attr =
            |o: &Bound<'_, PyAny>, name: &str| -> PyResult<i64> { o.getattr(name)?.extract() };
        let clock = |o: &Bound<'_, PyAny>| -> PyResult<i64> {
            Ok(attr(o, "hour")? * 3_600 + attr(o, "minute")? * 60 + attr(o, "second")?)
        };
        // Days from 1970-01-01 (`date.toordinal()` of that day is 719,163).
        let epoch_days = |o: &Bound<'_, PyAny>| -> PyResult<i64> {
            Ok(o.call_method0("toordinal")?.extract::<i64>()? - 719_163)
        };
        let (mode, secs, micros) = if value.is_instance_of::<PyDateTime>() {
            let mut secs = epoch_days(value)? * 86_400 + clock(value)?;
            let offset = value.call_method0("utcoffset")?;
            if !offset.is_none() {
                secs -= attr(&offset, "days")? * 86_400 + attr(&offset, "seconds")?;
            }
            (self.mode, secs, attr(value, "microsecond")?)
        } else if value.is_instance_of::<PyDate>() {
            (self.mode, epoch_days(value)? * 86_400, 0)
        } else if value.is_instance_of::<PyTime>() {
            (self.mode, clock(value)?, attr(value, "microsecond")?)
        } else if value.is_instance_of::<PyDelta>() {
            let secs = attr(value, "days")? * 86_400 + attr(value, "seconds")?;
            (self.timedelta, secs, attr(value, "microseconds")?)
        } else {
            return Ok(None);
        };
        #[allow(clippy::cast_precision_loss)] // timestamps are written as JSON floats
        Ok(match mode {
            TemporalMode::Iso8601 => None,
            TemporalMode::Seconds => Some(secs as f64 + micros as f64 / 1e6),
            TemporalMode::Milliseconds => Some(secs as f64 * 1000.0 + micros as f64 / 1000.0),
        })
    }
}

static ENUM_CLS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Serializer over the compiled models of one validator.
pub struct Serializer<'a> {
    pub sers: &'a [ModelSer],
    /// `(type pointer, index)` of every compiled model: a short list scanned
    /// linearly (cheaper than hashing for the few models of one schema).
    pub by_cls: &'a [(usize, usize)],
    pub opts: SerOptions,
    /// `serialize_as_any`: a subclass instance keeps its runtime class's fields.
    pub as_any: bool,
    /// The dumped value itself is written by its fields, without its model
    /// serializer (the handler of a wrap `@model_serializer`).
    pub by_fields: bool,
    /// How JSON output writes dates, times and durations (the config's).
    pub temporal: Temporal,
}

/// Receives `(key, value)` entries of a model dump (`for_each_entry`).
pub type EntrySink<'a, 'py> =
    dyn FnMut(&Bound<'py, PyString>, Bound<'py, PyAny>) -> PyResult<()> + 'a;

/// Include/exclude filter of one level: a set or dict of names/indices.
type Filter<'py> = Option<Bound<'py, PyAny>>;

fn sub_filter<'py>(filter: &Filter<'py>, key: &Bound<'py, PyAny>) -> PyResult<(bool, Filter<'py>)> {
    let Some(f) = filter else {
        return Ok((true, None));
    };
    if let Ok(d) = f.cast::<PyDict>() {
        return Ok(match filter_entry(d, key)? {
            None => (false, None),
            // `None`, `True`, `False` or `...`: the whole value (as pydantic-core).
            Some(v)
                if v.is_none()
                    || v.is_instance_of::<PyBool>()
                    || v.is(v.py().Ellipsis().bind(v.py())) =>
            {
                (true, None)
            }
            Some(v) => (true, Some(nested_filter(v, "include")?)),
        });
    }
    Ok((contains_key_or_all(f, key)?, None))
}

/// A set of keys holds `key`, or `"__all__"` (every key).
fn contains_key_or_all(f: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(f.contains(key)? || f.contains(pyo3::intern!(f.py(), "__all__"))?)
}

/// A nested include/exclude entry: a set or dict (or any collection of keys); anything else
/// (an int, say) is Pydantic's `TypeError`.
fn nested_filter<'py>(v: Bound<'py, PyAny>, which: &str) -> PyResult<Bound<'py, PyAny>> {
    if v.is_instance_of::<PyDict>()
        || v.is_instance_of::<PySet>()
        || v.is_instance_of::<PyFrozenSet>()
        || v.is_instance_of::<PyList>()
        || v.is_instance_of::<PyTuple>()
    {
        Ok(v)
    } else {
        Err(PyTypeError::new_err(format!(
            "`{which}` argument must be a set or dict."
        )))
    }
}

/// A list's filter with negative indices counted from the end (`-1`: the last item).
fn positive_indices<'py>(filter: &Filter<'py>, len: usize) -> PyResult<Filter<'py>> {
    let Some(f) = filter else {
        return Ok(None);
    };
    let negative = |k: &Bound<'py, PyAny>| k.extract::<i64>().ok().filter(|i| *i < 0);
    let as_index = |i: i64| i64::try_from(len).unwrap_or(i64::MAX) + i;
    if let Ok(d) = f.cast::<PyDict>() {
        if !d.keys().iter().any(|k| negative(&k).is_some()) {
            return Ok(filter.clone());
        }
        let out = PyDict::new(f.py());
        for (k, v) in d.iter() {
            match negative(&k) {
                Some(i) => out.set_item(as_index(i), v)?,
                None => out.set_item(k, v)?,
            }
        }
        return Ok(Some(out.into_any()));
    }
    if let Ok(set) = f.cast::<PySet>() {
        if !set.iter().any(|k| negative(&k).is_some()) {
            return Ok(filter.clone());
        }
        let out = PySet::empty(f.py())?;
        for k in set.iter() {
            match negative(&k) {
                Some(i) => out.add(as_index(i))?,
                None => out.add(k)?,
            }
        }
        return Ok(Some(out.into_any()));
    }
    Ok(filter.clone())
}

/// The filter entry of `key`: its own entry merged with the `__all__` entry
/// (as Pydantic: an entry that is `...`/`True` on either side keeps the key's own).
fn filter_entry<'py>(
    d: &Bound<'py, PyDict>,
    key: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(match (d.get_item(key)?, d.get_item("__all__")?) {
        (Some(own), Some(all)) => Some(merge_filters(own, &all)?),
        (Some(v), None) | (None, Some(v)) => Some(v),
        (None, None) => None,
    })
}

fn is_whole(v: &Bound<'_, PyAny>) -> bool {
    v.is(v.py().Ellipsis().bind(v.py()))
        || (v.is_instance_of::<PyBool>() && v.is_truthy().unwrap_or(false))
}

/// A filter as a dict: a set/list of keys becomes `{key: ...}`.
fn filter_dict<'py>(v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    if let Ok(d) = v.cast::<PyDict>() {
        return Ok(d.clone());
    }
    let out = PyDict::new(v.py());
    for k in v.try_iter()? {
        out.set_item(k?, v.py().Ellipsis())?;
    }
    Ok(out)
}

fn merge_filters<'py>(
    own: Bound<'py, PyAny>,
    all: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    if is_whole(&own) || is_whole(all) {
        return Ok(own);
    }
    let own = filter_dict(&own)?;
    let all = filter_dict(all)?;
    let out = all.copy()?;
    for (k, v) in own.iter() {
        let merged = match all.get_item(&k)? {
            Some(a) => merge_filters(v, &a)?,
            None => v,
        };
        out.set_item(k, merged)?;
    }
    Ok(out.into_any())
}

/// Whether `key` is excluded completely by an exclude filter, and the nested
/// exclude filter to apply below it otherwise.
fn excluded<'py>(filter: &Filter<'py>, key: &Bound<'py, PyAny>) -> PyResult<(bool, Filter<'py>)> {
    let Some(f) = filter else {
        return Ok((false, None));
    };
    if let Ok(d) = f.cast::<PyDict>() {
        return Ok(match filter_entry(d, key)? {
            None => (false, None),
            Some(v) if v.is_none() => (false, None),
            Some(v) if v.is_instance_of::<PyBool>() || v.is(v.py().Ellipsis().bind(v.py())) => {
                (v.is_truthy()? || v.is(v.py().Ellipsis().bind(v.py())), None)
            }
            Some(v) => (false, Some(nested_filter(v, "exclude")?)),
        });
    }
    Ok((contains_key_or_all(f, key)?, None))
}

/// The nested include/exclude filters of a model key the filters keep; None when they leave
/// it out.
fn kept<'py>(
    include: &Filter<'py>,
    exclude: &Filter<'py>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<(Filter<'py>, Filter<'py>)>> {
    let (inc, inc_sub) = sub_filter(include, name.as_any())?;
    if !inc {
        return Ok(None);
    }
    let (exc, exc_sub) = excluded(exclude, name.as_any())?;
    Ok((!exc).then_some((inc_sub, exc_sub)))
}

/// One output entry of a model: key, value, and nested filters.
struct Entry<'py> {
    key: Bound<'py, PyString>,
    value: Bound<'py, PyAny>,
    include: Filter<'py>,
    exclude: Filter<'py>,
}

impl Serializer<'_> {
    fn model_index(&self, obj: &Bound<'_, PyAny>) -> Option<usize> {
        let tp = obj.get_type().as_ptr() as usize;
        self.by_cls.iter().find(|(p, _)| *p == tp).map(|(_, i)| *i)
    }

    fn mode_str(&self) -> &'static str {
        if self.opts.json {
            "json"
        } else {
            "python"
        }
    }

    /// Whether a field's value is left out of the dump: `exclude_none`, the field's
    /// `exclude_if` (a `MISSING` value too), `exclude_defaults`.
    fn left_out(&self, f: &FieldSer, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = value.py();
        if self.opts.exclude_none && value.is_none() {
            return Ok(true);
        }
        if let Some(exclude_if) = &f.exclude_if {
            if exclude_if.bind(py).call1((value,))?.is_truthy()? {
                return Ok(true);
            }
        }
        if self.opts.exclude_defaults {
            if let Some(d) = &f.default {
                return Ok(value.eq(d.bind(py)).unwrap_or(false));
            }
        }
        Ok(false)
    }

    /// The output entry of a field or computed field: its key for this dump and its value
    /// after the field's serializer (when it applies to this mode).
    fn entry<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        f: &FieldSer,
        value: Bound<'py, PyAny>,
        include: Filter<'py>,
        exclude: Filter<'py>,
    ) -> PyResult<Entry<'py>> {
        let py = obj.py();
        let key = if self.opts.by_alias {
            f.alias.bind(py).clone()
        } else {
            f.name.bind(py).clone()
        };
        let value = match &f.serializer {
            Some(s) if !f.serializer_when_json || self.opts.json => {
                s.bind(py).call1((obj, &value, self.mode_str()))?
            }
            _ => value,
        };
        Ok(Entry {
            key,
            value,
            include,
            exclude,
        })
    }

    fn model_entries<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        ms: &ModelSer,
        include: &Filter<'py>,
        exclude: &Filter<'py>,
    ) -> PyResult<Vec<Entry<'py>>> {
        let py = obj.py();
        let dict = instance_dict(obj)?;
        let fields_set = if self.opts.exclude_unset {
            Some(obj.getattr(pyo3::intern!(py, "__ouroboros_fields_set__"))?)
        } else {
            None
        };
        let mut out = Vec::with_capacity(ms.fields.len());
        for f in &ms.fields {
            if f.exclude {
                continue;
            }
            let name = f.name.bind(py);
            let Some((inc_sub, exc_sub)) = kept(include, exclude, name)? else {
                continue;
            };
            let Some(value) = dict.get_item(name)? else {
                continue;
            };
            if let Some(fs) = &fields_set {
                if !fs.contains(name)? {
                    continue;
                }
            }
            if self.left_out(f, &value)? {
                continue;
            }
            out.push(self.entry(obj, f, value, inc_sub, exc_sub)?);
        }
        for f in &ms.computed {
            let name = f.name.bind(py);
            let Some((inc_sub, exc_sub)) = kept(include, exclude, name)? else {
                continue;
            };
            let value = obj.getattr(name)?;
            if self.left_out(f, &value)? {
                continue;
            }
            out.push(self.entry(obj, f, value, inc_sub, exc_sub)?);
        }
        if ms.extra_allowed {
            if let Ok(extra) = obj.getattr(pyo3::intern!(py, "__ouroboros_extra__")) {
                if let Ok(extra) = extra.cast::<PyDict>() {
                    for (k, v) in extra.iter() {
                        if self.opts.exclude_none && v.is_none() {
                            continue;
                        }
                        if let Ok(k) = k.cast_into::<PyString>() {
                            out.push(Entry {
                                key: k,
                                value: v,
                                include: None,
                                exclude: None,
                            });
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// The `(key, value)` entries `to_python` would put in the dict of
    /// `obj`, a compiled model's instance, handed to `f` one by one without
    /// building that dict: for writers of another format (BSON) that convert
    /// the values themselves. Applies when only field names, aliases and
    /// excluded fields shape the output (no model serializer, no field
    /// serializer for this mode, no computed field, extra or `exclude_*`
    /// option); returns false without calling `f` otherwise. The values are
    /// the instance's own: `to_python` of one gives what the dict would hold.
    pub fn for_each_entry<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        f: &mut EntrySink<'_, 'py>,
    ) -> PyResult<bool> {
        let Some(i) = self.model_index(obj) else {
            return Ok(false);
        };
        let ms = &self.sers[i];
        let serialized = ms
            .fields
            .iter()
            .any(|fs| fs.serializer.is_some() && (!fs.serializer_when_json || self.opts.json));
        if serialized
            || ms.model_serializer.is_some()
            || !ms.computed.is_empty()
            || ms.extra_allowed
            || self.opts.exclude_unset
            || self.opts.exclude_defaults
            || self.opts.exclude_none
        {
            return Ok(false);
        }
        let py = obj.py();
        let dict = instance_dict(obj)?;
        // Validation stores the fields in declaration order under the very
        // (interned) name objects compiled here: walk the dict alongside the
        // fields, comparing keys by pointer, and look a field up only from
        // the first entry that is not the expected one (an entry matched by
        // pointer is the one a lookup would find, even if `f` ran code that
        // changed the dict).
        let mut pos: pyo3::ffi::Py_ssize_t = 0;
        let mut in_order = true;
        for fs in &ms.fields {
            let name = fs.name.bind(py);
            let walked = if in_order {
                let mut k = std::ptr::null_mut();
                let mut v = std::ptr::null_mut();
                // SAFETY: `dict` is a live dict; `PyDict_Next` yields borrowed
                // pointers, the value turned into an owned reference at once.
                let more = unsafe {
                    pyo3::ffi::PyDict_Next(dict.as_ptr(), &raw mut pos, &raw mut k, &raw mut v)
                };
                if more != 0 && k == name.as_ptr() {
                    Some(unsafe { Bound::from_borrowed_ptr(py, v) })
                } else {
                    in_order = false;
                    None
                }
            } else {
                None
            };
            if fs.exclude {
                continue;
            }
            let value = match walked {
                Some(v) => Some(v),
                None => dict.get_item(name)?,
            };
            if let Some(value) = value {
                f(
                    if self.opts.by_alias {
                        fs.alias.bind(py)
                    } else {
                        name
                    },
                    value,
                )?;
            }
        }
        Ok(true)
    }

    /// A model instance (its class compiled here) with the fields of `ms`.
    #[inline]
    fn model_to_python<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        ms: &ModelSer,
        include: &Filter<'py>,
        exclude: &Filter<'py>,
        depth: u16,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = value.py();
        if let Some(f) = ms
            .model_serializer
            .as_ref()
            .filter(|_| !self.by_fields || depth > 0)
        {
            let out = f.bind(py).call1((value, self.mode_str()))?;
            return self.to_python(&out, &None, &None, depth + 1);
        }
        if include.is_none() && exclude.is_none() && self.plain(ms) {
            return self.model_to_python_plain(value, ms, depth);
        }
        let dict = PyDict::new(py);
        for e in self.model_entries(value, ms, include, exclude)? {
            // A field serializer's result too is dumped by its runtime type (Pydantic's
            // `Any` inference): a model it returns becomes a dict.
            let v = self.to_python(&e.value, &e.include, &e.exclude, depth + 1)?;
            dict.set_item(e.key, v)?;
        }
        Ok(dict.into_any())
    }

    /// An exact `dict` written without include/exclude rules (the usual
    /// returned dict): its entries in order, keys as `json_key` writes them,
    /// without the per-key filter checks of the general branch.
    fn plain_dict_to_json(
        &self,
        d: &Bound<'_, PyDict>,
        out: &mut Vec<u8>,
        depth: u16,
    ) -> PyResult<()> {
        out.push(b'{');
        for (n, (k, v)) in d.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            match k.cast_exact::<PyString>() {
                Ok(key) => json_out::write_str(out, &key.to_cow()?),
                Err(_) => json_out::write_str(out, &self.json_key(&k)?.to_cow()?),
            }
            out.push(b':');
            self.write_json(&v, &None, &None, out, depth + 1)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// `model_to_python` written as JSON.
    #[inline]
    fn model_to_json<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        ms: &ModelSer,
        include: &Filter<'py>,
        exclude: &Filter<'py>,
        out: &mut Vec<u8>,
        depth: u16,
    ) -> PyResult<()> {
        if let Some(f) = ms
            .model_serializer
            .as_ref()
            .filter(|_| !self.by_fields || depth > 0)
        {
            let v = f.bind(value.py()).call1((value, self.mode_str()))?;
            return self.write_json(&v, &None, &None, out, depth + 1);
        }
        if include.is_none() && exclude.is_none() && self.plain(ms) {
            return self.model_to_json_plain(value, ms, out, depth);
        }
        out.push(b'{');
        for (n, e) in self
            .model_entries(value, ms, include, exclude)?
            .into_iter()
            .enumerate()
        {
            if n > 0 {
                out.push(b',');
            }
            json_out::write_str(out, &e.key.to_cow()?);
            out.push(b':');
            self.write_json(&e.value, &e.include, &e.exclude, out, depth + 1)?;
        }
        out.push(b'}');
        Ok(())
    }

    /// The nearest base class of `value`'s class compiled here, whose fields a subclass
    /// instance is dumped with (Pydantic dumps by the declared type); None with
    /// `serialize_as_any` or when that class's config asks for polymorphic serialization.
    /// Only reached for model instances whose own class is not compiled here.
    fn ancestor_index(&self, value: &Bound<'_, PyAny>, depth: u16) -> Option<usize> {
        if self.as_any || depth == 0 {
            return None;
        }
        let py = value.py();
        let mro = value.get_type().mro();
        for base in mro.iter().skip(1) {
            let ptr = base.as_ptr() as usize;
            if let Some((_, i)) = self.by_cls.iter().find(|(p, _)| *p == ptr) {
                let polymorphic = base
                    .getattr(pyo3::intern!(py, "model_config"))
                    .and_then(|c| c.call_method1("get", ("polymorphic_serialization",)))
                    .is_ok_and(|v| v.is_truthy().unwrap_or(false));
                return if polymorphic { None } else { Some(*i) };
            }
        }
        None
    }

    /// `model_dump` of a model compiled elsewhere (in a field typed `Any`, a dict's
    /// value...), asked with this dump's options as Pydantic passes them on:
    /// `by_alias` and the exclusions reach nested models of any type.
    fn foreign_dump<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        mode: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = value.py();
        let kwargs = PyDict::new(py);
        kwargs.set_item(pyo3::intern!(py, "mode"), mode)?;
        let o = self.opts;
        for (set, name) in [
            (o.by_alias, pyo3::intern!(py, "by_alias")),
            (o.exclude_unset, pyo3::intern!(py, "exclude_unset")),
            (o.exclude_defaults, pyo3::intern!(py, "exclude_defaults")),
            (o.exclude_none, pyo3::intern!(py, "exclude_none")),
        ] {
            if set {
                kwargs.set_item(name, true)?;
            }
        }
        value.call_method(pyo3::intern!(py, "model_dump"), (), Some(&kwargs))
    }

    /// A value whose class says how it is dumped (validated dataclasses: their field and
    /// model serializers, exclusions): `__ouroboros_dump__(value, mode, by_alias,
    /// exclude_unset, exclude_defaults, exclude_none, serialize_as_any)` returns its data.
    fn dump_hook<'py>(&self, value: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = value.py();
        if value.is_instance_of::<PyType>() {
            return Ok(None);
        }
        let Some(hook) =
            super::model::class_attr(&value.get_type(), pyo3::intern!(py, "__ouroboros_dump__"))?
        else {
            return Ok(None);
        };
        let o = self.opts;
        let args = (
            value,
            self.mode_str(),
            o.by_alias,
            o.exclude_unset,
            o.exclude_defaults,
            o.exclude_none,
            self.as_any,
        );
        Ok(Some(hook.call1(args)?))
    }

    /// No option and no per-field rule changes the output: every field is
    /// written under its name (the common `model_dump()` call).
    fn plain(&self, ms: &ModelSer) -> bool {
        (!self.opts.by_alias || ms.alias_free)
            && !self.opts.exclude_unset
            && !self.opts.exclude_defaults
            && !self.opts.exclude_none
            && ms.plain
    }

    fn model_to_python_plain<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        ms: &ModelSer,
        depth: u16,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = obj.py();
        let dict = instance_dict(obj)?;
        if fields_in_order(&dict, ms) {
            // The instance dict holds exactly the fields, in order: copy it
            // whole (one table copy) and replace only the values whose
            // Python form differs (models, containers, JSON-mode scalars).
            let out = dict.copy()?;
            let mut pos: pyo3::ffi::Py_ssize_t = 0;
            let mut k = std::ptr::null_mut();
            let mut v = std::ptr::null_mut();
            // SAFETY: `dict` is a live dict; `PyDict_Next` yields borrowed
            // pointers, turned into owned references before any Python runs.
            while unsafe {
                pyo3::ffi::PyDict_Next(dict.as_ptr(), &raw mut pos, &raw mut k, &raw mut v)
            } != 0
            {
                let value = unsafe { Bound::from_borrowed_ptr(py, v) };
                if !self.python_as_is(&value) {
                    let key = unsafe { Bound::from_borrowed_ptr(py, k) };
                    out.set_item(key, self.to_python(&value, &None, &None, depth + 1)?)?;
                }
            }
            return Ok(out.into_any());
        }
        let out = super::model::new_presized_dict(py, ms.fields.len())?;
        for f in &ms.fields {
            let name = f.name.bind(py);
            if let Some(value) = dict.get_item(name)? {
                out.set_item(name, self.to_python(&value, &None, &None, depth + 1)?)?;
            }
        }
        Ok(out.into_any())
    }

    fn model_to_json_plain(
        &self,
        obj: &Bound<'_, PyAny>,
        ms: &ModelSer,
        out: &mut Vec<u8>,
        depth: u16,
    ) -> PyResult<()> {
        self.fields_to_json_plain(&instance_dict(obj)?, ms, out, depth)
    }

    /// The model `cls` compiled here when its instances are written by the
    /// plain path with these options (no model serializer, no per-field
    /// rule): the index [`Self::write_plain_fields`] takes.
    pub(crate) fn plain_model(&self, cls: &Bound<'_, PyType>) -> Option<usize> {
        let tp = cls.as_ptr() as usize;
        let (_, i) = *self.by_cls.iter().find(|(p, _)| *p == tp)?;
        let ms = &self.sers[i];
        (ms.model_serializer.is_none() && self.plain(ms)).then_some(i)
    }

    /// `write_json` of an instance of model `index` (from [`Self::plain_model`])
    /// whose `__dict__` would be `dict`: the fields validation produced,
    /// written without the instance.
    pub(crate) fn write_plain_fields(
        &self,
        index: usize,
        dict: &Bound<'_, PyDict>,
        out: &mut Vec<u8>,
    ) -> PyResult<()> {
        self.fields_to_json_plain(dict, &self.sers[index], out, 0)
    }

    /// A model instance's fields (its `__dict__`) as the plain path writes them.
    fn fields_to_json_plain(
        &self,
        dict: &Bound<'_, PyDict>,
        ms: &ModelSer,
        out: &mut Vec<u8>,
        depth: u16,
    ) -> PyResult<()> {
        let py = dict.py();
        out.push(b'{');
        if dict.len() == ms.fields.len() {
            // Walk the dict itself when it holds exactly the fields in order
            // (no lookup per field); on the first other key, start over below.
            let mark = out.len();
            let mut pos: pyo3::ffi::Py_ssize_t = 0;
            let mut k = std::ptr::null_mut();
            let mut v = std::ptr::null_mut();
            let mut in_order = true;
            for (n, f) in ms.fields.iter().enumerate() {
                // SAFETY: as in `model_to_python_plain`.
                let more = unsafe {
                    pyo3::ffi::PyDict_Next(dict.as_ptr(), &raw mut pos, &raw mut k, &raw mut v)
                };
                if more == 0 || k != f.name.as_ptr() {
                    in_order = false;
                    break;
                }
                json_out::push_key(out, &f.name_json, n == 0);
                // SAFETY: `v` is a live value of the dict (a new reference is
                // taken below before anything that may run Python code).
                if depth >= super::validator::MAX_DEPTH || !unsafe { write_scalar_fast(v, out) } {
                    let value = unsafe { Bound::from_borrowed_ptr(py, v) };
                    self.write_json(&value, &None, &None, out, depth + 1)?;
                }
            }
            if in_order {
                out.push(b'}');
                return Ok(());
            }
            out.truncate(mark);
        }
        let mut first = true;
        for f in &ms.fields {
            if let Some(value) = dict.get_item(f.name.bind(py))? {
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(&f.name_json);
                out.push(b':');
                self.write_json(&value, &None, &None, out, depth + 1)?;
            }
        }
        out.push(b'}');
        Ok(())
    }

    /// `model_dump(mode="python"|"json")` of any value.
    #[allow(clippy::too_many_lines)] // one hot loop over the input, kept whole on purpose
    pub fn to_python<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        include: &Filter<'py>,
        exclude: &Filter<'py>,
        depth: u16,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = value.py();
        if depth > super::validator::MAX_DEPTH {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "Circular reference detected (depth exceeded)",
            ));
        }
        if value.is_exact_instance_of::<PyString>()
            || value.is_exact_instance_of::<PyInt>()
            || value.is_exact_instance_of::<PyBool>()
            || value.is_none()
        {
            return Ok(value.clone());
        }
        if let Ok(f) = value.cast_exact::<PyFloat>() {
            // JSON has no inf/nan: mode="json" gives None, as model_dump_json gives null.
            if self.opts.json && !f.value().is_finite() {
                return Ok(match self.temporal.inf_nan {
                    InfNan::Null => py.None().into_bound(py),
                    InfNan::Constants => value.clone(),
                    InfNan::Strings => {
                        let mut buf = Vec::new();
                        self.temporal.write_float(&mut buf, f.value());
                        PyString::new(py, &unquote(&String::from_utf8_lossy(&buf))).into_any()
                    }
                });
            }
            return Ok(value.clone());
        }
        if let Some(i) = self.model_index(value) {
            return self.model_to_python(value, &self.sers[i], include, exclude, depth);
        }
        if let Ok(list) = value.cast::<PyList>() {
            if include.is_none() && exclude.is_none() {
                let items = list
                    .iter()
                    .map(|item| {
                        if self.python_as_is(&item) {
                            Ok(item)
                        } else {
                            self.to_python(&item, &None, &None, depth + 1)
                        }
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                return Ok(PyList::new(py, items)?.into_any());
            }
            let out = PyList::empty(py);
            let include = &positive_indices(include, list.len())?;
            let exclude = &positive_indices(exclude, list.len())?;
            for (i, item) in list.iter().enumerate() {
                let idx = i.into_pyobject(py)?.into_any();
                let (inc, inc_sub) = sub_filter(include, &idx)?;
                let (exc, exc_sub) = excluded(exclude, &idx)?;
                if inc && !exc {
                    out.append(self.to_python(&item, &inc_sub, &exc_sub, depth + 1)?)?;
                }
            }
            return Ok(out.into_any());
        }
        if let Ok(d) = value.cast::<PyDict>() {
            let out = PyDict::new(py);
            for (k, v) in &in_order(d)? {
                let (inc, inc_sub) = sub_filter(include, &k)?;
                let (exc, exc_sub) = excluded(exclude, &k)?;
                if inc && !exc {
                    let key = if self.opts.json {
                        self.json_key(&k)?.into_any()
                    } else {
                        k
                    };
                    out.set_item(key, self.to_python(&v, &inc_sub, &exc_sub, depth + 1)?)?;
                }
            }
            if !self.opts.json && is_kept_mapping(d)? {
                // A Counter or OrderedDict stays one in Python mode, as in Pydantic.
                return d.get_type().call1((out,));
            }
            return Ok(out.into_any());
        }
        if let Ok(t) = value.cast::<PyTuple>() {
            let items = if include.is_none() && exclude.is_none() {
                t.iter()
                    .map(|v| self.to_python(&v, &None, &None, depth + 1))
                    .collect::<PyResult<Vec<_>>>()?
            } else {
                // Items chosen by index, as in a list.
                let include = &positive_indices(include, t.len())?;
                let exclude = &positive_indices(exclude, t.len())?;
                let mut items = Vec::with_capacity(t.len());
                for (i, item) in t.iter().enumerate() {
                    let idx = i.into_pyobject(py)?.into_any();
                    let (inc, inc_sub) = sub_filter(include, &idx)?;
                    let (exc, exc_sub) = excluded(exclude, &idx)?;
                    if inc && !exc {
                        items.push(self.to_python(&item, &inc_sub, &exc_sub, depth + 1)?);
                    }
                }
                items
            };
            // A named tuple too is dumped as a plain tuple, as Pydantic does.
            return if self.opts.json {
                Ok(PyList::new(py, items)?.into_any())
            } else {
                Ok(PyTuple::new(py, items)?.into_any())
            };
        }
        if value.is_instance_of::<PySet>() || value.is_instance_of::<PyFrozenSet>() {
            let items = value
                .try_iter()?
                .map(|v| self.to_python(&v?, &None, &None, depth + 1))
                .collect::<PyResult<Vec<_>>>()?;
            return Ok(if self.opts.json {
                PyList::new(py, items)?.into_any()
            } else if value.is_instance_of::<PySet>() {
                PySet::new(py, items)?.into_any()
            } else {
                PyFrozenSet::new(py, items)?.into_any()
            });
        }
        if is_model_instance(value) {
            // A nested subclass instance of a model compiled here is dumped as that model
            // (the declared type), unless serialize_as_any or the model's polymorphic
            // config; the value dumped itself (depth 0) keeps its own class's fields.
            if let Some(i) = self.ancestor_index(value, depth) {
                return self.model_to_python(value, &self.sers[i], include, exclude, depth);
            }
            // A model compiled elsewhere: ask it.
            return self.foreign_dump(value, self.mode_str());
        }
        if let Some(d) = self.dump_hook(value)? {
            return self.to_python(&d, include, exclude, depth + 1);
        }
        if let Some(d) = dataclass_dict(value)? {
            return self.to_python(d.as_any(), include, exclude, depth + 1);
        }
        if value.is_instance(DEQUE.import(py, "collections", "deque")?)? {
            // A deque (a `Sequence[T]` keeps one): its items dumped, a list in JSON mode.
            let items = value
                .try_iter()?
                .map(|v| self.to_python(&v?, &None, &None, depth + 1))
                .collect::<PyResult<Vec<_>>>()?;
            let list = PyList::new(py, items)?.into_any();
            return if self.opts.json {
                Ok(list)
            } else {
                // Rebuilt with its bound (`maxlen`).
                value
                    .get_type()
                    .call1((list, value.getattr(pyo3::intern!(py, "maxlen"))?))
            };
        }
        if !self.opts.json {
            // A Fraction is dumped as its text ("1/3") in Python mode too, as Pydantic does.
            if value.get_type().module()?.to_cow()? == "fractions" {
                return Ok(value.str()?.into_any());
            }
            return Ok(value.clone());
        }
        if let Ok(items) = value.cast::<pyo3::types::PyIterator>() {
            // A generator or other iterator: its items, as a list (JSON mode).
            let list = PyList::new(py, items.clone().collect::<PyResult<Vec<_>>>()?)?;
            return self.to_python(list.as_any(), include, exclude, depth + 1);
        }
        let mut buf = Vec::new();
        if let Err(e) = self.write_scalar(value, &mut buf) {
            // Only unknown types pay for the hook lookup.
            return match json_hook(value)? {
                Some(v) => self.to_python(&v, &None, &None, depth + 1),
                None => Err(e),
            };
        }
        // Scalars in JSON mode: strings for dates/UUIDs/decimals, values for enums.
        if let Some(v) = self.enum_value(value)? {
            return self.to_python(&v, &None, &None, depth + 1);
        }
        let text = std::str::from_utf8(&buf).map_err(|e| PyTypeError::new_err(e.to_string()))?;
        let parsed: Bound<'py, PyAny> = if text.starts_with('"') {
            PyString::new(py, &unquote(text)).into_any()
        } else if is_temporal(value) {
            // `ser_json_temporal="seconds"`...: the number written.
            let n: f64 = text
                .parse()
                .map_err(|_| PyTypeError::new_err(text.to_owned()))?;
            pyo3::types::PyFloat::new(py, n).into_any()
        } else {
            value.clone()
        };
        Ok(parsed)
    }

    /// Whether `to_python` returns `value` itself (exact str/int/bool/None,
    /// and floats except non-finite ones in JSON mode).
    fn python_as_is(&self, value: &Bound<'_, PyAny>) -> bool {
        if value.is_exact_instance_of::<PyString>()
            || value.is_exact_instance_of::<PyInt>()
            || value.is_exact_instance_of::<PyBool>()
            || value.is_none()
        {
            return true;
        }
        value
            .cast_exact::<PyFloat>()
            .is_ok_and(|f| !self.opts.json || f.value().is_finite())
    }

    fn json_key<'py>(&self, k: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
        if let Ok(s) = k.cast::<PyString>() {
            return Ok(s.clone());
        }
        if let Some(v) = self.enum_value(k)? {
            return v.str();
        }
        if k.is_instance_of::<PyBool>() {
            return Ok(PyString::new(
                k.py(),
                if k.is_truthy()? { "true" } else { "false" },
            ));
        }
        if k.is_none() {
            return Ok(PyString::new(k.py(), "None"));
        }
        if let Some(n) = self.temporal.number(k)? {
            // A temporal key as a number: `1000`, not `1000.0`.
            #[allow(clippy::cast_possible_truncation)]
            let text = if n.fract() == 0.0 && n.abs() < 9e15 {
                format!("{}", n as i64)
            } else {
                let mut buf = Vec::new();
                json_out::write_float(&mut buf, n);
                String::from_utf8_lossy(&buf).into_owned()
            };
            return Ok(PyString::new(k.py(), &text));
        }
        if let Ok(t) = k.cast::<PyTuple>() {
            // A tuple key (named tuples too) is its items' keys joined by commas: "1,a".
            let parts = t
                .iter()
                .map(|item| Ok(self.json_key(&item)?.to_cow()?.into_owned()))
                .collect::<PyResult<Vec<String>>>()?;
            return Ok(PyString::new(k.py(), &parts.join(",")));
        }
        if k.is_instance_of::<PyInt>() || k.is_instance_of::<PyFloat>() {
            return k.str();
        }
        // Other keys as their JSON text (ISO dates, UUIDs...); a key of an unknown type is an
        // error, as Pydantic's, not its `str()`.
        let mut buf = Vec::new();
        self.write_scalar(k, &mut buf)?;
        let text = std::str::from_utf8(&buf).map_err(|e| PyTypeError::new_err(e.to_string()))?;
        Ok(PyString::new(
            k.py(),
            &if text.starts_with('"') {
                unquote(text)
            } else {
                text.to_owned()
            },
        ))
    }

    #[allow(clippy::unused_self)] // a method so every type rule lives on the serializer
    fn enum_value<'py>(&self, v: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = v.py();
        let enum_cls = ENUM_CLS.import(py, "enum", "Enum")?;
        if v.is_instance(enum_cls)? {
            return Ok(Some(v.getattr(pyo3::intern!(py, "value"))?));
        }
        Ok(None)
    }

    /// Write non-container, non-model values (dates, UUIDs, ...) as JSON.
    fn write_scalar(&self, value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> PyResult<()> {
        let py = value.py();
        if let Ok(s) = value.cast::<PyString>() {
            json_out::write_str(out, &s.to_cow()?);
        } else if value.is_instance_of::<PyBool>() {
            out.extend_from_slice(if value.is_truthy()? {
                b"true"
            } else {
                b"false"
            });
        } else if value.is_instance_of::<PyInt>() {
            match value.extract::<i64>() {
                Ok(i) => json_out::write_int(out, i),
                Err(_) => out.extend_from_slice(
                    value.call_method0("__index__")?.str()?.to_cow()?.as_bytes(),
                ),
            }
        } else if let Ok(f) = value.cast::<PyFloat>() {
            self.temporal.write_float(out, f.value());
        } else if value.is_none() {
            out.extend_from_slice(b"null");
        } else if let Ok(c) = value.cast::<PyComplex>() {
            json_out::write_str(out, &complex_text(c.real(), c.imag()));
        } else if let Some(n) = self.temporal.number(value)? {
            json_out::write_float(out, n);
        } else if write_iso_exact(value, out)? {
            // An exact datetime/date/time, written without calling `isoformat()`.
        } else if value.is_instance_of::<PyDateTime>() {
            let iso = value
                .call_method0(pyo3::intern!(py, "isoformat"))?
                .extract::<String>()?;
            let iso = iso
                .strip_suffix("+00:00")
                .map_or(iso.clone(), |s| format!("{s}Z"));
            json_out::write_str(out, &iso);
        } else if value.is_instance_of::<PyDate>() || value.is_instance_of::<PyTime>() {
            let iso = value
                .call_method0(pyo3::intern!(py, "isoformat"))?
                .extract::<String>()?;
            let iso = iso
                .strip_suffix("+00:00")
                .map_or(iso.clone(), |s| format!("{s}Z"));
            json_out::write_str(out, &iso);
        } else if let Ok(d) = value.cast::<PyDelta>() {
            let days: i128 = d.getattr("days")?.extract()?;
            let secs: i128 = d.getattr("seconds")?.extract()?;
            let micros: i128 = d.getattr("microseconds")?.extract()?;
            json_out::write_str(
                out,
                &json_out::duration_iso((days * 86_400 + secs) * 1_000_000 + micros),
            );
        } else if value.get_type().is(uuid_cls(py)?) {
            // Its 128-bit number as `8-4-4-4-12` hex digits, without `UUID.__str__`.
            let n: u128 = value.getattr(pyo3::intern!(py, "int"))?.extract()?;
            write_uuid(out, n);
        } else if value.is_instance(uuid_cls(py)?)? || value.is_instance(decimal_cls(py)?)? {
            json_out::write_str(out, &value.str()?.to_cow()?);
        } else if let Some(v) = self.enum_value(value)? {
            self.write_json(&v, &None, &None, out, 0)?;
        } else if let Ok(b) = value.cast::<PyBytes>() {
            self.temporal.write_bytes(out, b.as_bytes())?;
        } else if let Ok(b) = value.cast::<PyByteArray>() {
            self.temporal.write_bytes(out, &b.to_vec())?;
        } else if value.hasattr(pyo3::intern!(py, "__ouroboros_url__"))? {
            json_out::write_str(out, &value.str()?.to_cow()?);
        } else if let Some(d) = self.dump_hook(value)? {
            self.write_json(&d, &None, &None, out, 0)?;
        } else if let Some(v) = json_hook(value)? {
            self.write_json(&v, &None, &None, out, 0)?;
        } else if let Some(d) = dataclass_dict(value)? {
            self.write_json(d.as_any(), &None, &None, out, 0)?;
        } else if is_text_like(value)? {
            json_out::write_str(out, &value.str()?.to_cow()?);
        } else if value.is_instance(DEQUE.import(py, "collections", "deque")?)? {
            let list = PyList::new(py, value.try_iter()?.collect::<PyResult<Vec<_>>>()?)?;
            self.write_json(list.as_any(), &None, &None, out, 0)?;
        } else if value.is_instance(RE_PATTERN.import(py, "re", "Pattern")?)? {
            // A compiled pattern is written as its source, as Pydantic does.
            self.write_scalar(&value.getattr(pyo3::intern!(py, "pattern"))?, out)?;
        } else if let Ok(items) = value.cast::<pyo3::types::PyIterator>() {
            // A generator or other iterator is consumed into an array, as Pydantic writes it.
            let list = PyList::new(py, items.clone().collect::<PyResult<Vec<_>>>()?)?;
            self.write_json(list.as_any(), &None, &None, out, 0)?;
        } else {
            return Err(PyTypeError::new_err(format!(
                "Unable to serialize unknown type: {}",
                value.get_type().repr()?
            )));
        }
        Ok(())
    }

    /// `model_dump_json` of any value, appended to `out`.
    ///
    /// The values a plain dump is made of (exact `str`, `int` and `list`, and
    /// instances of the models compiled here) are dispatched here on their type
    /// pointer, in a small function; everything else, and every call with a
    /// filter, goes to [`Self::write_json_any`], which writes the same bytes
    /// for these values too.
    #[inline]
    pub fn write_json<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        include: &Filter<'py>,
        exclude: &Filter<'py>,
        out: &mut Vec<u8>,
        depth: u16,
    ) -> PyResult<()> {
        if include.is_none() && exclude.is_none() && depth <= super::validator::MAX_DEPTH {
            let p = value.as_ptr();
            // SAFETY: `p` is a live object.
            if unsafe { write_scalar_fast(p, out) } {
                return Ok(());
            }
            // SAFETY: `p` is a live object; only its type pointer is read.
            let tp = unsafe { pyo3::ffi::Py_TYPE(p) };
            if tp == &raw mut pyo3::ffi::PyUnicode_Type {
                // SAFETY: an exact `str` (not ASCII: `write_scalar_fast` took those).
                let s = unsafe { value.cast_unchecked::<PyString>() };
                json_out::write_str(out, &s.to_cow()?);
                return Ok(());
            }
            if tp == &raw mut pyo3::ffi::PyList_Type {
                // SAFETY: an exact list.
                let list = unsafe { value.cast_unchecked::<PyList>() };
                out.push(b'[');
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    // SAFETY: `item` is a live object (a new reference).
                    if depth >= super::validator::MAX_DEPTH
                        || !unsafe { write_scalar_fast(item.as_ptr(), out) }
                    {
                        self.write_json(&item, &None, &None, out, depth + 1)?;
                    }
                }
                out.push(b']');
                return Ok(());
            } else if tp != &raw mut pyo3::ffi::PyLong_Type
                && tp != &raw mut pyo3::ffi::PyFloat_Type
                && tp != &raw mut pyo3::ffi::PyBool_Type
                && tp != &raw mut pyo3::ffi::PyDict_Type
                && p != unsafe { pyo3::ffi::Py_None() }
            {
                if let Some(i) = self.model_index(value) {
                    return self.model_to_json(value, &self.sers[i], &None, &None, out, depth);
                }
            }
        }
        self.write_json_any(value, [include, exclude], out, depth)
    }

    /// [`Self::write_json`] of any value.
    #[allow(clippy::too_many_lines)] // one hot loop over the input, kept whole on purpose
    #[inline(never)]
    fn write_json_any<'py>(
        &self,
        value: &Bound<'py, PyAny>,
        [include, exclude]: [&Filter<'py>; 2],
        out: &mut Vec<u8>,
        depth: u16,
    ) -> PyResult<()> {
        let py = value.py();
        if depth > super::validator::MAX_DEPTH {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "Circular reference detected (depth exceeded)",
            ));
        }
        if let Ok(s) = value.cast_exact::<PyString>() {
            json_out::write_str(out, &s.to_cow()?);
            return Ok(());
        }
        if value.is_exact_instance_of::<PyInt>() {
            let mut overflow = 0;
            // SAFETY: `value` is a live int; -1 with `overflow` set means it
            // does not fit (no exception is set then).
            let i =
                unsafe { pyo3::ffi::PyLong_AsLongAndOverflow(value.as_ptr(), &raw mut overflow) };
            if overflow == 0 && !(i == -1 && PyErr::occurred(py)) {
                #[allow(clippy::useless_conversion)] // `c_long` is i32 on Windows
                json_out::write_int(out, i64::from(i));
                return Ok(());
            }
            return self.write_scalar(value, out);
        }
        if value.is_exact_instance_of::<PyFloat>()
            || value.is_exact_instance_of::<PyBool>()
            || value.is_none()
        {
            return self.write_scalar(value, out);
        }
        if include.is_none() && exclude.is_none() {
            if let Ok(d) = value.cast_exact::<PyDict>() {
                return self.plain_dict_to_json(d, out, depth);
            }
        }
        if let Some(i) = self.model_index(value) {
            return self.model_to_json(value, &self.sers[i], include, exclude, out, depth);
        }
        if let Ok(list) = value.cast::<PyList>() {
            if include.is_none() && exclude.is_none() {
                out.push(b'[');
                for (i, item) in list.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    self.write_json(&item, &None, &None, out, depth + 1)?;
                }
                out.push(b']');
                return Ok(());
            }
            out.push(b'[');
            let mut first = true;
            let include = &positive_indices(include, list.len())?;
            let exclude = &positive_indices(exclude, list.len())?;
            for (i, item) in list.iter().enumerate() {
                if include.is_some() || exclude.is_some() {
                    let idx = i.into_pyobject(py)?.into_any();
                    let (inc, inc_sub) = sub_filter(include, &idx)?;
                    let (exc, exc_sub) = excluded(exclude, &idx)?;
                    if !inc || exc {
                        continue;
                    }
                    if !first {
                        out.push(b',');
                    }
                    self.write_json(&item, &inc_sub, &exc_sub, out, depth + 1)?;
                } else {
                    if !first {
                        out.push(b',');
                    }
                    self.write_json(&item, &None, &None, out, depth + 1)?;
                }
                first = false;
            }
            out.push(b']');
            return Ok(());
        }
        if let Ok(d) = value.cast::<PyDict>() {
            out.push(b'{');
            let mut first = true;
            for (k, v) in &in_order(d)? {
                let (inc, inc_sub) = sub_filter(include, &k)?;
                let (exc, exc_sub) = excluded(exclude, &k)?;
                if !inc || exc {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                json_out::write_str(out, &self.json_key(&k)?.to_cow()?);
                out.push(b':');
                self.write_json(&v, &inc_sub, &exc_sub, out, depth + 1)?;
            }
            out.push(b'}');
            return Ok(());
        }
        if value.is_instance_of::<PyTuple>()
            || value.is_instance_of::<PySet>()
            || value.is_instance_of::<PyFrozenSet>()
        {
            out.push(b'[');
            for (n, item) in value.try_iter()?.enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                self.write_json(&item?, &None, &None, out, depth + 1)?;
            }
            out.push(b']');
            return Ok(());
        }
        if is_model_instance(value) {
            if let Some(i) = self.ancestor_index(value, depth) {
                return self.model_to_json(value, &self.sers[i], include, exclude, out, depth);
            }
            let dumped = self.foreign_dump(value, "json")?;
            return self.write_json(&dumped, &None, &None, out, depth + 1);
        }
        self.write_scalar(value, out)
    }
}

/// Whether an instance dict holds exactly the model's fields in declaration
/// order under the very key objects validation stored (the interned names):
/// the common case, where the serializers can walk the dict instead of
/// looking every field up.
fn fields_in_order(dict: &Bound<'_, PyDict>, ms: &ModelSer) -> bool {
    if dict.len() != ms.fields.len() {
        return false;
    }
    let mut pos: pyo3::ffi::Py_ssize_t = 0;
    let mut k = std::ptr::null_mut();
    let mut v = std::ptr::null_mut();
    ms.fields.iter().all(|f| {
        // SAFETY: `dict` is a live dict; only the key pointers are compared.
        let more =
            unsafe { pyo3::ffi::PyDict_Next(dict.as_ptr(), &raw mut pos, &raw mut k, &raw mut v) };
        more != 0 && k == f.name.as_ptr()
    })
}

/// Write `p` when it is an exact ASCII `str` or an exact `int` that fits an
/// `i64` other than -1 (the bytes [`Serializer::write_json`] writes for
/// them, at any depth it accepts); false, with nothing written, for any other
/// value. Runs no Python code and raises nothing.
///
/// # Safety
/// `p` is a live object and the GIL is held.
#[allow(clippy::inline_always)] // in the loops of every dump; a call per value is the cost cut
#[inline(always)]
unsafe fn write_scalar_fast(p: *mut pyo3::ffi::PyObject, out: &mut Vec<u8>) -> bool {
    use pyo3::ffi;
    // SAFETY: `p` is live: its type and, for an exact `str`, its header are read.
    unsafe {
        let tp = ffi::Py_TYPE(p);
        if tp == &raw mut ffi::PyUnicode_Type {
            // The `state` bits `compact` (5) and `ascii` (6) of a `str` header, the
            // same in CPython 3.11 to 3.13; later versions take the general path.
            if ffi::Py_Version >= 0x030E_0000 {
                return false;
            }
            let head = p.cast::<ffi::PyASCIIObject>();
            if ((*head).state >> 5) & 3 != 3 {
                return false;
            }
            let Ok(len) = usize::try_from((*head).length) else {
                return false;
            };
            // A compact ASCII `str` keeps its characters (one byte each) right after
            // the header.
            let data = std::slice::from_raw_parts(head.add(1).cast::<u8>(), len);
            // SAFETY: ASCII bytes are UTF-8.
            json_out::write_str(out, std::str::from_utf8_unchecked(data));
            return true;
        }
        if tp == &raw mut ffi::PyLong_Type {
            let mut overflow = 0;
            // An exact int: no exception is raised; -1 is also the error value, left
            // to the general path (which tells the two apart).
            let i = ffi::PyLong_AsLongAndOverflow(p, &raw mut overflow);
            if overflow == 0 && i != -1 {
                #[allow(clippy::useless_conversion)] // `c_long` is i32 on Windows
                json_out::write_int(out, i64::from(i));
                return true;
            }
        }
        false
    }
}

/// The output buffer `model_dump_json()` writes into, kept between calls: one
/// slot guarded by the interpreter lock. A call that finds it taken (a
/// serializer that dumps another model while the outer dump is written)
/// gets a new buffer.
pub mod out_buffer {
    use std::cell::UnsafeCell;

    use pyo3::Python;

    /// A buffer grown past this is freed after the call, not kept.
    pub const KEEP: usize = 64 * 1024;
    /// A new buffer's first size.
    const FIRST: usize = 256;

    struct Slot(UnsafeCell<Vec<u8>>);

    // SAFETY: reached only through `take` and `put`, which take a `Python`
    // token (the interpreter lock is held, so one thread at a time) and run
    // no Python code while they hold the reference.
    unsafe impl Sync for Slot {}

    static SLOT: Slot = Slot(UnsafeCell::new(Vec::new()));

    /// The kept buffer (empty), or a new one when it is in use.
    #[inline]
    pub fn take(_py: Python<'_>) -> Vec<u8> {
        // SAFETY: see `Slot`; the only reference while it lives.
        let slot = unsafe { &mut *SLOT.0.get() };
        if slot.capacity() == 0 {
            return Vec::with_capacity(FIRST);
        }
        std::mem::take(slot)
    }

    /// Give a buffer back: kept (emptied) when the slot is free and it is
    /// not larger than [`KEEP`], freed otherwise.
    #[inline]
    pub fn put(_py: Python<'_>, mut buf: Vec<u8>) {
        // SAFETY: see `Slot`; the only reference while it lives.
        let slot = unsafe { &mut *SLOT.0.get() };
        if slot.capacity() == 0 && buf.capacity() <= KEEP {
            buf.clear();
            *slot = buf;
        }
    }
}

/// JSON text the writer produced (always UTF-8) as a `str`: all-ASCII text
/// (the usual case, checked a word at a time) is copied into a new ASCII
/// `str`; other text goes through CPython's UTF-8 decoder.
pub fn json_str<'py>(py: Python<'py>, bytes: &[u8]) -> PyResult<Bound<'py, PyString>> {
    let len = pyo3::ffi::Py_ssize_t::try_from(bytes.len())
        .map_err(|e| pyo3::exceptions::PyOverflowError::new_err(e.to_string()))?;
    let mut high = 0u64;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        high |= u64::from_le_bytes(word);
    }
    let tail = words.remainder().iter().fold(0u8, |acc, &b| acc | b);
    let ptr = if (high & 0x8080_8080_8080_8080) == 0 && tail < 0x80 {
        // SAFETY: a new ASCII `str` of `len` characters (or NULL with an
        // exception set), whose data holds `len` bytes: filled here before
        // it is seen by anything else.
        unsafe {
            let s = pyo3::ffi::PyUnicode_New(len, 127);
            if !s.is_null() {
                let data = s
                    .cast::<u8>()
                    .add(std::mem::size_of::<pyo3::ffi::PyASCIIObject>());
                std::ptr::copy_nonoverlapping(bytes.as_ptr(), data, bytes.len());
            }
            s
        }
    } else {
        // SAFETY: `bytes` is live for the call; a new reference or NULL with
        // an exception set (UnicodeDecodeError on invalid UTF-8).
        unsafe { pyo3::ffi::PyUnicode_FromStringAndSize(bytes.as_ptr().cast(), len) }
    };
    // SAFETY: a new reference or NULL with an exception set.
    unsafe { Ok(Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked()) }
}

/// The instance's `__dict__` (the object's own dict slot, no attribute
/// lookup); an `AttributeError` for an object without one.
pub fn instance_dict<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    // SAFETY: returns a new reference to the dict (created if missing) or
    // NULL with an exception set; `obj` is live.
    let ptr = unsafe { pyo3::ffi::PyObject_GenericGetDict(obj.as_ptr(), std::ptr::null_mut()) };
    let d = unsafe { Bound::from_owned_ptr_or_err(obj.py(), ptr)? };
    Ok(d.cast_into::<PyDict>()?)
}

/// Whether `value`'s class has the fields-set slot of an ouroboros model
/// (a type-dict lookup: no attribute error is raised for other objects).
fn is_model_instance(value: &Bound<'_, PyAny>) -> bool {
    let py = value.py();
    let name = pyo3::intern!(py, "__ouroboros_fields_set__");
    // SAFETY: `_PyType_Lookup` returns a borrowed pointer or NULL and never
    // sets an exception; both arguments are live objects.
    unsafe { !_PyType_Lookup(pyo3::ffi::Py_TYPE(value.as_ptr()), name.as_ptr()).is_null() }
}

extern "C" {
    // Exported by CPython (PyAPI_FUNC) but not wrapped by pyo3-ffi: the MRO
    // lookup with the type attribute cache, without raising AttributeError.
    fn _PyType_Lookup(
        tp: *mut pyo3::ffi::PyTypeObject,
        name: *mut pyo3::ffi::PyObject,
    ) -> *mut pyo3::ffi::PyObject;
}

/// The text of a JSON string literal written by `write_str` (only used for
/// the few scalar types that `model_dump(mode="json")` turns into strings).
/// Bytes written as JSON text: UTF-8 only (invalid bytes are an error, as Pydantic's).
fn utf8_text(bytes: &[u8]) -> PyResult<&str> {
    std::str::from_utf8(bytes).map_err(|e| {
        PyTypeError::new_err(format!(
            "Error serializing to JSON: invalid utf-8 sequence of {} bytes from index {}",
            e.error_len().unwrap_or(1),
            e.valid_up_to()
        ))
    })
}

fn unquote(s: &str) -> String {
    let inner = &s[1..s.len() - 1];
    if !inner.contains('\\') {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A type that says how it is written in JSON (`SecretStr` -> `"**********"`,
/// paths and IP addresses -> text): `__ouroboros_json__()` returns JSON data.
fn json_hook<'py>(value: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match value.getattr_opt(pyo3::intern!(value.py(), "__ouroboros_json__"))? {
        Some(hook) => Ok(Some(hook.call0()?)),
        None => Ok(None),
    }
}

static DATACLASS_FIELDS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// A dataclass instance (validated or not) as the dict of its fields: how
/// Pydantic dumps dataclasses in both modes.
fn dataclass_dict<'py>(value: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyDict>>> {
    let py = value.py();
    if value.is_instance_of::<PyType>()
        || !value
            .get_type()
            .hasattr(pyo3::intern!(py, "__dataclass_fields__"))?
    {
        return Ok(None);
    }
    let fields = DATACLASS_FIELDS
        .import(py, "dataclasses", "fields")?
        .call1((value,))?;
    let out = PyDict::new(py);
    for f in fields.try_iter()? {
        let name = f?.getattr(pyo3::intern!(py, "name"))?;
        out.set_item(&name, value.getattr(name.cast::<PyString>()?)?)?;
    }
    Ok(Some(out))
}

/// `value.isoformat()` as a JSON string for an exact `datetime`, `date` or `time` (subclasses may
/// override `isoformat`), with `Z` for a zero UTC offset; false for any other value.
fn write_iso_exact(value: &Bound<'_, PyAny>, out: &mut Vec<u8>) -> PyResult<bool> {
    use std::io::Write as _;
    let (date, time, tz) = if let Ok(dt) = value.cast_exact::<PyDateTime>() {
        let date = (dt.get_year(), dt.get_month(), dt.get_day());
        let time = (
            dt.get_hour(),
            dt.get_minute(),
            dt.get_second(),
            dt.get_microsecond(),
        );
        (Some(date), Some(time), dt.get_tzinfo().is_some())
    } else if let Ok(d) = value.cast_exact::<PyDate>() {
        (
            Some((d.get_year(), d.get_month(), d.get_day())),
            None,
            false,
        )
    } else if let Ok(t) = value.cast_exact::<PyTime>() {
        let time = (
            t.get_hour(),
            t.get_minute(),
            t.get_second(),
            t.get_microsecond(),
        );
        (None, Some(time), t.get_tzinfo().is_some())
    } else {
        return Ok(false);
    };
    // The offset first: `utcoffset()` may raise, and nothing is written then. Pydantic writes
    // it in whole minutes (`+01:00` for +1:00:30), from its whole seconds.
    let offset = if tz {
        let delta = value.call_method0(pyo3::intern!(value.py(), "utcoffset"))?;
        match delta.cast::<PyDelta>() {
            Ok(d) => Some(i64::from(d.get_days()) * 86_400 + i64::from(d.get_seconds())),
            Err(_) => None,
        }
    } else {
        None
    };
    out.push(b'"');
    if let Some((year, month, day)) = date {
        write!(out, "{year:04}-{month:02}-{day:02}")?;
    }
    if let Some((hour, minute, second, micro)) = time {
        if date.is_some() {
            out.push(b'T');
        }
        write!(out, "{hour:02}:{minute:02}:{second:02}")?;
        if micro != 0 {
            write!(out, ".{micro:06}")?;
        }
    }
    match offset {
        Some(0) => out.push(b'Z'),
        Some(secs) => {
            out.push(if secs < 0 { b'-' } else { b'+' });
            let secs = secs.unsigned_abs();
            write!(out, "{:02}:{:02}", secs / 3600, secs / 60 % 60)?;
        }
        None => {}
    }
    out.push(b'"');
    Ok(true)
}

/// A UUID's text (`UUID.__str__`): 32 lowercase hex digits grouped 8-4-4-4-12, as a JSON string.
fn write_uuid(out: &mut Vec<u8>, n: u128) {
    let hex = format!("{n:032x}");
    out.push(b'"');
    for (i, part) in [(0, 8), (8, 12), (12, 16), (16, 20), (20, 32)]
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push(b'-');
        }
        out.extend_from_slice(&hex.as_bytes()[part.0..part.1]);
    }
    out.push(b'"');
}

/// A complex number as Pydantic writes it in JSON: `"1+2j"`, `"1.5-2j"`, `"2j"` (no real
/// part when it is zero), each part as Rust prints an `f64`.
fn complex_text(re: f64, im: f64) -> String {
    if re == 0.0 {
        format!("{im}j")
    } else if im >= 0.0 {
        format!("{re}+{im}j")
    } else {
        format!("{re}{im}j")
    }
}

static PURE_PATH: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Paths, `ipaddress` values, fractions and time zones are written as their text, as Pydantic does.
static DEQUE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static RE_PATTERN: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn is_text_like(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = value.py();
    if value.is_instance(PURE_PATH.import(py, "pathlib", "PurePath")?)? {
        return Ok(true);
    }
    // Fractions ("1/3") and time zones (their key) too.
    Ok(matches!(
        value.get_type().module()?.to_cow()?.as_ref(),
        "ipaddress" | "fractions" | "zoneinfo"
    ))
}

/// `d` itself, or for a dict subclass (an `OrderedDict` reordered by `move_to_end`) a dict of
/// its items in the subclass's own order.
pub(crate) fn in_order<'py>(d: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyDict>> {
    if d.is_exact_instance_of::<PyDict>() {
        return Ok(d.clone());
    }
    let out = PyDict::new(d.py());
    for item in d.call_method0(pyo3::intern!(d.py(), "items"))?.try_iter()? {
        let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item?.extract()?;
        out.set_item(k, v)?;
    }
    Ok(out)
}

/// A `collections.Counter` or `collections.OrderedDict` (kept as such in Python mode).
fn is_kept_mapping(d: &Bound<'_, PyDict>) -> PyResult<bool> {
    if d.is_exact_instance_of::<PyDict>() {
        return Ok(false);
    }
    let t = d.get_type();
    Ok(t.module()?.to_cow()? == "collections"
        && matches!(t.name()?.to_cow()?.as_ref(), "Counter" | "OrderedDict"))
}

/// A datetime, date, time or timedelta.
fn is_temporal(value: &Bound<'_, PyAny>) -> bool {
    value.is_instance_of::<PyDate>()
        || value.is_instance_of::<PyTime>()
        || value.is_instance_of::<PyDelta>()
}
