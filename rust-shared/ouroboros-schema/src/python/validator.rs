//! The validator tree: one enum, dispatched by `match`, compiled once per
//! model class (see `compile.rs`).

use jiter::JsonValue;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyString};

use crate::coerce::{self, ParsedInt};
use crate::constraints::{FloatConstraints, IntConstraints, StrConstraints};
use crate::errors::{CtxValue, ErrorType};

use super::collections::{DictValidator, ListValidator, TupleValidator};
use super::error::{from_user_exception, ValError, ValResult};
use super::input::Inp;
use super::model::ModelValidator;
use super::special::{DecimalValidator, EnumValidator, LiteralValidator, UrlValidator};
use super::union::{TaggedUnionValidator, UnionValidator};

/// How deep models, lists and dicts may nest before validation stops with
/// `recursion_loop` instead of exhausting the stack.
pub const MAX_DEPTH: u16 = 200;

/// Per-call state: the compiled model definitions, the strict override of
/// `model_validate(strict=...)`, the nesting depth and the data validated so
/// far in the current model (what field validators see as `info.data`).
pub struct State<'s, 'py> {
    pub defs: &'s [ModelValidator],
    pub strict: Option<bool>,
    pub depth: u16,
    pub data: Option<Bound<'py, PyDict>>,
    pub context: Option<Bound<'py, PyAny>>,
    /// `model_validate(from_attributes=True)`: read fields from attributes.
    pub from_attributes: bool,
    /// An instance of a subclass of a model is read again as the model
    /// (Pydantic's `revalidate_instances="subclass-instances"`): how
    /// FastAPI's response validation drops the fields a subclass adds.
    pub revalidate_subclasses: bool,
    /// With [`Self::revalidate_subclasses`]: a field the subclass instance
    /// was not given (not in its `model_fields_set`) is read as missing, so
    /// it takes the model's default and stays unset. FastAPI dumps a
    /// returned model with `exclude_unset` before validating it when the
    /// route excludes unset fields.
    pub unset_as_missing: bool,
    /// Per-call overrides of the models' `validate_by_alias` / `validate_by_name`
    /// and `extra` config (`model_validate(by_alias=..., by_name=..., extra=...)`).
    pub by_alias: Option<bool>,
    pub by_name: Option<bool>,
    pub extra: Option<super::model::ExtraBehavior>,
    /// The dicts being validated as models on the current path (the first
    /// [`TRACKED_ANCESTORS`] levels): one met again is a cyclic input.
    ancestors: [usize; TRACKED_ANCESTORS],
    n_ancestors: usize,
}

/// How many enclosing model inputs are checked for a cycle; deeper cycles
/// end at [`MAX_DEPTH`] as `recursion_depth_exceeded`.
const TRACKED_ANCESTORS: usize = 16;

impl<'s> State<'s, '_> {
    #[must_use]
    pub fn new(defs: &'s [ModelValidator], strict: Option<bool>) -> Self {
        Self {
            defs,
            strict,
            depth: 0,
            data: None,
            context: None,
            from_attributes: false,
            revalidate_subclasses: false,
            unset_as_missing: false,
            by_alias: None,
            by_name: None,
            extra: None,
            ancestors: [0; TRACKED_ANCESTORS],
            n_ancestors: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuncMode {
    Before,
    After,
    Plain,
}

/// A user function around a validator (`@field_validator`, `Annotated`
/// `BeforeValidator`...). Called as `func(value, data)` where `data` is the
/// dict of fields validated before this one (or None outside a model).
#[derive(Debug)]
pub struct FunctionValidator {
    pub mode: FuncMode,
    pub func: Py<PyAny>,
    pub inner: Validator,
    /// What strict mode asks of Python input instead (`Path`, IP addresses,
    /// `deque`, `Fraction`... must already be of their type); JSON input,
    /// which has no such types, is always read through the function.
    pub strict_python: Option<Validator>,
    /// The schema's own strictness (config or `Field(strict=)`), used when
    /// the call does not say.
    pub strict: bool,
    /// How union errors name this choice: the user function's name
    /// (`function-after[check(), int]`) or a whole label the schema gives
    /// (`generator[int]` for a lazy iterable), or its mode alone.
    pub label: FuncLabel,
}

/// What a function validator's union label is made of (see [`FunctionValidator::label`]).
#[derive(Debug)]
pub enum FuncLabel {
    /// No name given: `function-plain`, `function-after[int]`...
    Mode,
    /// The user's function, by name; `wrap`: a wrap validator (run as plain).
    Named {
        name: String,
        wrap: bool,
    },
    Whole(String),
}

#[derive(Debug)]
pub enum Validator {
    Any,
    None,
    Bool {
        strict: bool,
    },
    Int {
        strict: bool,
        c: IntConstraints,
        big_bounds: Vec<(ErrorType, Py<PyAny>)>,
    },
    Float {
        strict: bool,
        c: FloatConstraints,
    },
    Str {
        strict: bool,
        c: StrConstraints,
    },
    Bytes {
        strict: bool,
        min_length: Option<usize>,
        max_length: Option<usize>,
        /// How a string input is read (`val_json_bytes`).
        json: BytesEncoding,
    },
    Decimal(Box<DecimalValidator>),
    DateTime {
        strict: bool,
    },
    Date {
        strict: bool,
    },
    Time {
        strict: bool,
    },
    TimeDelta {
        strict: bool,
    },
    Uuid {
        strict: bool,
    },
    Email,
    Url(Box<UrlValidator>),
    Literal(Box<LiteralValidator>),
    Enum(Box<EnumValidator>),
    List(Box<ListValidator>),
    Tuple(Box<TupleValidator>),
    Dict(Box<DictValidator>),
    Nullable(Box<Validator>),
    /// `X | MISSING`: the sentinel object itself passes (Python input), anything else is X's.
    Passthrough(Box<(Py<PyAny>, Validator)>),
    Union(Box<UnionValidator>),
    Tagged(Box<TaggedUnionValidator>),
    Model(usize),
    /// A TypedDict, compiled as a model whose result is a dict (same definitions table).
    TypedDict(usize),
    Function(Box<FunctionValidator>),
    IsInstance {
        cls: Py<PyAny>,
        name: String,
    },
    /// Another validator followed by `gt`/`ge`/`lt`/`le` compared in Python
    /// (dates, times and durations).
    Bounded(Box<super::special::BoundedValidator>),
}

fn strict_of(own: bool, st: &State<'_, '_>) -> bool {
    st.strict.unwrap_or(own)
}

impl Validator {
    /// A scalar that calls no user function (so never omits an item) and builds
    /// no container: `list[str]`, `list[int]`... take a short path (see
    /// `ListValidator::validate_short_scalars`).
    #[must_use]
    #[inline]
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Self::Bool { .. } | Self::Int { .. } | Self::Float { .. } | Self::Str { .. }
        )
    }

    /// Validate one input, producing the Python value to store.
    #[allow(clippy::too_many_lines)] // one arm per validator kind, kept together
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        match self {
            Self::Any => Ok(inp.to_py(py)?),
            Self::None => {
                if inp.is_none() {
                    Ok(py.None().into_bound(py))
                } else {
                    Err(ValError::new(py, ErrorType::NoneRequired, inp))
                }
            }
            Self::Bool { strict } => validate_bool(py, inp, strict_of(*strict, st)),
            Self::Int {
                strict,
                c,
                big_bounds,
            } => validate_int(py, inp, strict_of(*strict, st), c, big_bounds),
            Self::Float { strict, c } => validate_float(py, inp, strict_of(*strict, st), c),
            Self::Str { strict, c } => validate_str(py, inp, strict_of(*strict, st), c),
            Self::Bytes {
                strict,
                min_length,
                max_length,
                json,
            } => validate_bytes(
                py,
                inp,
                strict_of(*strict, st),
                (*min_length, *max_length),
                *json,
            ),
            Self::Decimal(v) => v.validate(py, inp, st.strict),
            Self::DateTime { strict } => super::temporal::datetime(py, inp, strict_of(*strict, st)),
            Self::Date { strict } => super::temporal::date(py, inp, strict_of(*strict, st)),
            Self::Time { strict } => super::temporal::time(py, inp, strict_of(*strict, st)),
            Self::TimeDelta { strict } => {
                super::temporal::timedelta(py, inp, strict_of(*strict, st))
            }
            Self::Uuid { strict } => super::special::validate_uuid(py, inp, strict_of(*strict, st)),
            Self::Email => super::special::validate_email(py, inp),
            Self::Url(v) => v.validate(py, inp),
            Self::Literal(v) => v.validate(py, inp),
            Self::Enum(v) => v.validate(py, inp, st.strict),
            Self::List(v) => nested(py, st, |st| v.validate(py, inp, st)),
            Self::Tuple(v) => nested(py, st, |st| v.validate(py, inp, st)),
            Self::Dict(v) => nested(py, st, |st| v.validate(py, inp, st)),
            Self::Nullable(_) if inp.is_none() => Ok(py.None().into_bound(py)),
            Self::Nullable(inner) => inner.validate(py, inp, st),
            Self::Passthrough(p) => passthrough(py, p, inp, st),
            Self::Union(v) => v.validate(py, inp, st),
            Self::Tagged(v) => v.validate(py, inp, st),
            Self::Model(i) => {
                let defs = st.defs;
                let model = defs.get(*i).ok_or_else(|| {
                    ValError::from(pyo3::exceptions::PyRuntimeError::new_err(
                        "unknown model reference",
                    ))
                })?;
                match inp {
                    // A root model hands its input on to its value's validator unchanged:
                    // only the models reading fields out of a dict track it.
                    Inp::Py(o) if o.is_exact_instance_of::<PyDict>() && !model.root_model => {
                        nested_dict(py, st, o, |st| model.validate(py, inp, st))
                    }
                    _ => nested(py, st, |st| model.validate(py, inp, st)),
                }
            }
            Self::TypedDict(i) => {
                let defs = st.defs;
                let model = defs.get(*i).ok_or_else(|| {
                    ValError::from(pyo3::exceptions::PyRuntimeError::new_err(
                        "unknown typed dict reference",
                    ))
                })?;
                nested(py, st, |st| model.validate_typed_dict(py, inp, st))
            }
            Self::Function(f) => f.validate(py, inp, st),
            Self::Bounded(b) => {
                let value = b.inner.validate(py, inp, st)?;
                super::special::check_bounds(py, &value, &b.bounds, inp, false)?;
                Ok(value)
            }
            Self::IsInstance { cls, name } => {
                let obj = inp.to_py(py)?;
                if obj.is_instance(cls.bind(py))? {
                    Ok(obj)
                } else {
                    Err(ValError::new_py(
                        ErrorType::IsInstanceOf {
                            class: name.clone(),
                        },
                        &obj,
                    ))
                }
            }
        }
    }

    /// [`Self::validate`] for a caller that records errors itself (a model's
    /// field loop): a leaf's error about the input comes back as its kind.
    #[allow(clippy::inline_always)] // two callers, each a model's per-field loop
    #[inline(always)]
    pub fn validate_field<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> FieldResult<'py> {
        match self {
            Self::Int {
                strict,
                c,
                big_bounds,
            } => validate_int_kind(py, inp, strict_of(*strict, st), c, big_bounds),
            Self::Str { strict, c } => validate_str_kind(py, inp, strict_of(*strict, st), c),
            Self::Float { strict, c } => validate_float_kind(py, inp, strict_of(*strict, st), c),
            Self::Bool { strict } => validate_bool_kind(py, inp, strict_of(*strict, st)),
            _ => self.validate(py, inp, st).map_err(FieldError::Val),
        }
    }

    /// The label of this choice in union error locations (`int`, `str`,
    /// the model's class name), as Pydantic prints them.
    #[must_use]
    pub fn short_name(&self, defs: &[ModelValidator]) -> String {
        match self {
            Self::Any => "any".into(),
            Self::None => "none".into(),
            Self::Bool { .. } => "bool".into(),
            Self::Int { .. } => "int".into(),
            Self::Float { .. } => "float".into(),
            Self::Str { .. } | Self::Email => "str".into(),
            Self::Bytes { .. } => "bytes".into(),
            Self::Decimal(_) => "decimal".into(),
            Self::DateTime { .. } => "datetime".into(),
            Self::Date { .. } => "date".into(),
            Self::Time { .. } => "time".into(),
            Self::TimeDelta { .. } => "timedelta".into(),
            Self::Uuid { .. } => "uuid".into(),
            Self::Url(_) => "url".into(),
            Self::Literal(l) => format!("literal[{}]", l.expected_repr.join(",")),
            Self::Enum(e) => e.class_name.clone(),
            Self::List(l) => format!("{}[{}]", l.kind.name(), l.item.short_name(defs)),
            Self::Tuple(_) => "tuple".into(),
            Self::Dict(d) => format!(
                "dict[{},{}]",
                d.keys.short_name(defs),
                d.values.short_name(defs)
            ),
            Self::Nullable(inner) => format!("nullable[{}]", inner.short_name(defs)),
            Self::Passthrough(p) => p.1.short_name(defs),
            Self::Union(_) | Self::Tagged(_) => "union".into(),
            Self::Model(i) | Self::TypedDict(i) => defs
                .get(*i)
                .map_or_else(|| "model".into(), |m| m.class_name.clone()),
            Self::Function(f) => match (&f.label, f.mode) {
                (FuncLabel::Whole(label), _) => label.clone(),
                (FuncLabel::Named { name, wrap: true }, _) => format!("function-wrap[{name}()]"),
                (FuncLabel::Named { name, .. }, FuncMode::Plain) => {
                    format!("function-plain[{name}()]")
                }
                (FuncLabel::Named { name, .. }, FuncMode::Before) => {
                    format!("function-before[{name}(), {}]", f.inner.short_name(defs))
                }
                (FuncLabel::Named { name, .. }, FuncMode::After) => {
                    format!("function-after[{name}(), {}]", f.inner.short_name(defs))
                }
                (FuncLabel::Mode, FuncMode::Plain) => "function-plain".into(),
                (FuncLabel::Mode, FuncMode::Before) => {
                    format!("function-before[{}]", f.inner.short_name(defs))
                }
                (FuncLabel::Mode, FuncMode::After) => {
                    format!("function-after[{}]", f.inner.short_name(defs))
                }
            },
            Self::IsInstance { name, .. } => name.clone(),
            Self::Bounded(b) => b.inner.short_name(defs),
        }
    }
}

/// Run `f` one level deeper, failing cleanly past [`MAX_DEPTH`].
pub fn nested<'py, T>(
    py: Python<'py>,
    st: &mut State<'_, 'py>,
    f: impl FnOnce(&mut State<'_, 'py>) -> ValResult<T>,
) -> ValResult<T> {
    if st.depth >= MAX_DEPTH {
        return Err(ValError::new_py(
            ErrorType::RecursionDepthExceeded,
            &py.None().into_bound(py),
        ));
    }
    st.depth += 1;
    let r = f(st);
    st.depth -= 1;
    r
}

/// [`nested`] for a dict read as a model's fields: a dict that encloses
/// itself is a cycle (Pydantic's `recursion_loop`), told apart from deep
/// acyclic input.
pub fn nested_dict<'py, T>(
    py: Python<'py>,
    st: &mut State<'_, 'py>,
    o: &Bound<'py, PyAny>,
    f: impl FnOnce(&mut State<'_, 'py>) -> ValResult<T>,
) -> ValResult<T> {
    let id = o.as_ptr() as usize;
    let n = st.n_ancestors;
    if st.ancestors[..n.min(TRACKED_ANCESTORS)].contains(&id) {
        return Err(ValError::new_py(ErrorType::RecursionLoop, o));
    }
    if n < TRACKED_ANCESTORS {
        st.ancestors[n] = id;
    }
    st.n_ancestors += 1;
    let r = nested(py, st, f);
    st.n_ancestors -= 1;
    r
}

/// `X | MISSING`: the sentinel itself (Python input) as it is, anything else X's.
fn passthrough<'py>(
    py: Python<'py>,
    p: &(Py<PyAny>, Validator),
    inp: &Inp<'_, 'py>,
    st: &mut State<'_, 'py>,
) -> ValResult<Bound<'py, PyAny>> {
    match inp {
        Inp::Py(o) if o.is(p.0.bind(py)) => Ok(o.clone()),
        _ => p.1.validate(py, inp, st),
    }
}

impl FunctionValidator {
    fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        if let (Some(strict_python), Inp::Py(_)) = (&self.strict_python, inp) {
            if st.strict.unwrap_or(self.strict) {
                return strict_python.validate(py, inp, st);
            }
        }
        let data = st
            .data
            .as_ref()
            .map_or_else(|| py.None().into_bound(py), |d| d.clone().into_any());
        let func = self.func.bind(py);
        // `func(value, data)`, or `func(value, data, context)` when the call
        // was given a context (`model_validate(..., context=...)`).
        let call = |value: &Bound<'py, PyAny>, context: Option<&Bound<'py, PyAny>>| match context {
            Some(c) => func.call1((value, &data, c)),
            None => func.call1((value, &data)),
        };
        let context = st.context.clone();
        match self.mode {
            FuncMode::Before => {
                let raw = inp.to_py(py)?;
                let out =
                    call(&raw, context.as_ref()).map_err(|e| from_user_exception(py, e, &raw))?;
                self.inner.validate(py, &Inp::Py(out), st)
            }
            FuncMode::After => {
                let value = self.inner.validate(py, inp, st)?;
                // An error names the input given, not the validated value, as Pydantic's does.
                call(&value, context.as_ref()).or_else(|e| {
                    let raw = inp.to_py(py)?;
                    Err(from_user_exception(py, e, &raw))
                })
            }
            FuncMode::Plain => {
                let raw = inp.to_py(py)?;
                call(&raw, context.as_ref()).map_err(|e| from_user_exception(py, e, &raw))
            }
        }
    }
}

/// A failed value: most leaf failures are one error about the value itself,
/// returned as its kind, for a caller that records the error in its own list
/// (no one-line list made and moved); anything else as a [`ValError`].
#[derive(Debug)]
pub enum FieldError {
    Kind(ErrorType),
    Val(ValError),
}

pub type FieldResult<'py> = Result<Bound<'py, PyAny>, FieldError>;

impl From<PyErr> for FieldError {
    fn from(e: PyErr) -> Self {
        Self::Val(ValError::from(e))
    }
}

impl From<ValError> for FieldError {
    fn from(e: ValError) -> Self {
        Self::Val(e)
    }
}

impl FieldError {
    /// As a [`ValError`] about `inp`.
    #[must_use]
    pub fn into_val(self, py: Python<'_>, inp: &Inp<'_, '_>) -> ValError {
        match self {
            Self::Kind(kind) => ValError::new(py, kind, inp),
            Self::Val(e) => e,
        }
    }
}

fn validate_bool<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
) -> ValResult<Bound<'py, PyAny>> {
    validate_bool_kind(py, inp, strict).map_err(|e| e.into_val(py, inp))
}

fn validate_int<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
    c: &IntConstraints,
    big_bounds: &[(ErrorType, Py<PyAny>)],
) -> ValResult<Bound<'py, PyAny>> {
    validate_int_kind(py, inp, strict, c, big_bounds).map_err(|e| e.into_val(py, inp))
}

fn validate_float<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
    c: &FloatConstraints,
) -> ValResult<Bound<'py, PyAny>> {
    validate_float_kind(py, inp, strict, c).map_err(|e| e.into_val(py, inp))
}

fn validate_str<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
    c: &StrConstraints,
) -> ValResult<Bound<'py, PyAny>> {
    validate_str_kind(py, inp, strict, c).map_err(|e| e.into_val(py, inp))
}

fn validate_bool_kind<'py>(py: Python<'py>, inp: &Inp<'_, 'py>, strict: bool) -> FieldResult<'py> {
    let r = match inp {
        Inp::Py(o) => {
            if let Ok(b) = o.cast::<PyBool>() {
                return Ok(b.clone().into_any());
            }
            if strict {
                Err(ErrorType::BoolType)
            } else if let Ok(s) = o.cast::<PyString>() {
                coerce::str_to_bool(&s.to_cow()?)
            } else if o.is_instance_of::<PyInt>() {
                match o.extract::<i64>() {
                    Ok(v) => coerce::int_to_bool(v),
                    // Beyond i64: not a boolean at all, as Pydantic.
                    Err(_) => Err(ErrorType::BoolType),
                }
            } else if let Ok(f) = o.cast::<PyFloat>() {
                coerce::float_to_bool(f.value())
            } else if o.is_instance(super::special::decimal_cls(py)?)? {
                // Lax: a Decimal equal to 0 or 1, as Pydantic reads it (another whole number
                // within i64 is bool_parsing; a fraction or a larger number bool_type).
                if o.eq(0)? {
                    Ok(false)
                } else if o.eq(1)? {
                    Ok(true)
                } else {
                    // `int()` of nan/inf raises; of a fraction it differs from the value.
                    let whole = match o.call_method0(pyo3::intern!(py, "__int__")) {
                        Ok(i) => i.eq(o)? && i.extract::<i64>().is_ok(),
                        Err(_) => false,
                    };
                    Err(if whole {
                        ErrorType::BoolParsing
                    } else {
                        ErrorType::BoolType
                    })
                }
            } else if let Ok(b) = o.cast::<pyo3::types::PyBytes>() {
                // Lax: bytes read as text, as Pydantic does (b"yes" is True).
                std::str::from_utf8(b.as_bytes())
                    .map_or(Err(ErrorType::BoolParsing), coerce::str_to_bool)
            } else {
                Err(ErrorType::BoolType)
            }
        }
        Inp::Json(v) => match v {
            JsonValue::Bool(b) => Ok(*b),
            _ if strict => Err(ErrorType::BoolType),
            JsonValue::Str(s) => coerce::str_to_bool(s),
            JsonValue::Int(i) => coerce::int_to_bool(*i),
            JsonValue::Float(f) => coerce::float_to_bool(*f),
            _ => Err(ErrorType::BoolType),
        },
    };
    match r {
        Ok(b) => Ok(PyBool::new(py, b).to_owned().into_any()),
        Err(kind) => Err(FieldError::Kind(kind)),
    }
}

fn int_out<'py>(
    py: Python<'py>,
    parsed: ParsedInt,
    c: &IntConstraints,
    big_bounds: &[(ErrorType, Py<PyAny>)],
) -> FieldResult<'py> {
    match parsed {
        ParsedInt::Small(v) => {
            c.check(v).map_err(FieldError::Kind)?;
            Ok(v.into_pyobject(py).map_err(PyErr::from)?.into_any())
        }
        ParsedInt::Big(digits) => {
            let builtins = py.import(pyo3::intern!(py, "builtins"))?;
            let obj = builtins
                .getattr(pyo3::intern!(py, "int"))?
                .call1((digits,))?;
            check_big_int(py, &obj, c, big_bounds)?;
            Ok(obj)
        }
    }
}

/// Bounds on ints that do not fit in i64 are compared in Python.
fn check_big_int<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    c: &IntConstraints,
    big_bounds: &[(ErrorType, Py<PyAny>)],
) -> Result<(), FieldError> {
    for (kind, bound) in big_bounds {
        let b = bound.bind(py);
        let ok = match kind {
            ErrorType::GreaterThan { .. } => obj.gt(b)?,
            ErrorType::GreaterThanEqual { .. } => obj.ge(b)?,
            ErrorType::LessThan { .. } => obj.lt(b)?,
            ErrorType::LessThanEqual { .. } => obj.le(b)?,
            ErrorType::MultipleOf { .. } => obj.rem(b)?.extract::<i64>()? == 0,
            _ => true,
        };
        if !ok {
            return Err(FieldError::Kind(kind.clone()));
        }
    }
    let _ = c;
    Ok(())
}

/// The value of an exact `int` when it fits an `i64`. An exact `int` never
/// fails the conversion, so, unlike `extract::<i64>`, a `-1` needs no check
/// of the error indicator (the value of `age: -1` failing `ge=0`, say).
#[inline]
fn exact_int_i64(o: &Bound<'_, PyAny>) -> Option<i64> {
    let mut overflow: std::os::raw::c_int = 0;
    // SAFETY: `o` is a live exact `int`; the call reads it and writes `overflow`.
    let v = unsafe { pyo3::ffi::PyLong_AsLongLongAndOverflow(o.as_ptr(), &raw mut overflow) };
    (overflow == 0).then_some(v)
}

fn validate_int_kind<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
    c: &IntConstraints,
    big_bounds: &[(ErrorType, Py<PyAny>)],
) -> FieldResult<'py> {
    let parsed = match inp {
        Inp::Py(o) => {
            if o.is_exact_instance_of::<PyInt>() {
                return if let Some(v) = exact_int_i64(o) {
                    c.check(v).map_err(FieldError::Kind)?;
                    Ok(o.clone())
                } else {
                    check_big_int(py, o, c, big_bounds)?;
                    Ok(o.clone())
                };
            }
            if o.is_instance_of::<PyBool>() {
                if strict {
                    Err(ErrorType::IntType)
                } else {
                    Ok(ParsedInt::Small(i64::from(o.extract::<bool>()?)))
                }
            } else if o.is_instance_of::<PyInt>() {
                // int subclasses (IntEnum members) become plain ints.
                match o.extract::<i64>() {
                    Ok(v) => Ok(ParsedInt::Small(v)),
                    Err(_) => Ok(ParsedInt::Big(
                        o.call_method0("__index__")?.str()?.to_string(),
                    )),
                }
            } else if strict {
                Err(ErrorType::IntType)
            } else if let Ok(f) = o.cast::<PyFloat>() {
                coerce::float_to_int(f.value())
            } else if let Ok(s) = o.cast::<PyString>() {
                coerce::str_to_int(&s.to_cow()?)
            } else if let Ok(b) = o.cast::<PyBytes>() {
                std::str::from_utf8(b.as_bytes())
                    .map_err(|_| ErrorType::IntParsing)
                    .and_then(coerce::str_to_int)
            } else if o.get_type().name()?.to_cow()? == "Decimal" {
                let as_int = o.call_method0("__int__").ok();
                let is_int = match &as_int {
                    Some(i) => i.eq(o).unwrap_or(false),
                    None => false,
                };
                if let (true, Some(i)) = (is_int, as_int) {
                    Ok(ParsedInt::Big(i.str()?.to_string()))
                } else {
                    Err(ErrorType::IntFromFloat)
                }
            } else {
                Err(ErrorType::IntType)
            }
        }
        Inp::Json(v) => match v {
            JsonValue::Int(i) => Ok(ParsedInt::Small(*i)),
            JsonValue::BigInt(b) => Ok(ParsedInt::Big(b.to_string())),
            JsonValue::Float(f) if !strict => coerce::float_to_int(*f),
            JsonValue::Str(s) if !strict => coerce::str_to_int(s),
            JsonValue::Bool(b) if !strict => Ok(ParsedInt::Small(i64::from(*b))),
            _ => Err(ErrorType::IntType),
        },
    };
    match parsed {
        Ok(p) => int_out(py, p, c, big_bounds),
        Err(kind) => Err(FieldError::Kind(kind)),
    }
}

fn validate_float_kind<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
    c: &FloatConstraints,
) -> FieldResult<'py> {
    let r = match inp {
        Inp::Py(o) => {
            if let Ok(f) = o.cast_exact::<PyFloat>() {
                let v = f.value();
                c.check(v).map_err(FieldError::Kind)?;
                return Ok(o.clone());
            }
            if o.is_instance_of::<PyBool>() {
                if strict {
                    Err(ErrorType::FloatType)
                } else {
                    Ok(if o.extract::<bool>()? { 1.0 } else { 0.0 })
                }
            } else if o.is_instance_of::<PyInt>() || o.is_instance_of::<PyFloat>() {
                o.extract::<f64>().map_err(|_| ErrorType::FloatParsing)
            } else if strict {
                Err(ErrorType::FloatType)
            } else if let Ok(s) = o.cast::<PyString>() {
                coerce::str_to_float(&s.to_cow()?)
            } else if let Ok(b) = o.cast::<PyBytes>() {
                std::str::from_utf8(b.as_bytes())
                    .map_err(|_| ErrorType::FloatParsing)
                    .and_then(coerce::str_to_float)
            } else if o.get_type().name()?.to_cow()? == "Decimal" {
                o.extract::<f64>()
                    .or_else(|_| o.call_method0("__float__")?.extract::<f64>())
                    .map_err(|_| ErrorType::FloatParsing)
            } else {
                Err(ErrorType::FloatType)
            }
        }
        Inp::Json(v) => match v {
            JsonValue::Float(f) => Ok(*f),
            #[allow(clippy::cast_precision_loss)]
            JsonValue::Int(i) => Ok(*i as f64),
            JsonValue::BigInt(b) => b
                .to_string()
                .parse::<f64>()
                .map_err(|_| ErrorType::FloatParsing),
            JsonValue::Str(s) if !strict => coerce::str_to_float(s),
            JsonValue::Bool(b) if !strict => Ok(if *b { 1.0 } else { 0.0 }),
            _ => Err(ErrorType::FloatType),
        },
    };
    match r {
        Ok(v) => {
            c.check(v).map_err(FieldError::Kind)?;
            Ok(PyFloat::new(py, v).into_any())
        }
        Err(kind) => Err(FieldError::Kind(kind)),
    }
}

fn validate_str_kind<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
    c: &StrConstraints,
) -> FieldResult<'py> {
    match inp {
        Inp::Py(o) => {
            if let Ok(s) = o.cast::<PyString>() {
                let exact = o.is_exact_instance_of::<PyString>();
                if exact && c.is_empty() {
                    return Ok(o.clone());
                }
                let text = s
                    .to_str()
                    .map_err(|_| FieldError::Kind(ErrorType::StringUnicode))?;
                return match c.apply(text) {
                    Ok(None) if exact => Ok(o.clone()),
                    Ok(None) => Ok(PyString::new(py, text).into_any()),
                    Ok(Some(changed)) => Ok(PyString::new(py, &changed).into_any()),
                    Err(kind) => Err(FieldError::Kind(kind)),
                };
            }
            if !strict {
                let raw = if let Ok(b) = o.cast::<PyBytes>() {
                    Some(b.as_bytes().to_vec())
                } else if let Ok(b) = o.cast::<PyByteArray>() {
                    Some(b.to_vec())
                } else {
                    None
                };
                if let Some(raw) = raw {
                    let text = String::from_utf8(raw)
                        .map_err(|_| FieldError::Kind(ErrorType::StringUnicode))?;
                    return match c.apply(&text) {
                        Ok(None) => Ok(PyString::new(py, &text).into_any()),
                        Ok(Some(changed)) => Ok(PyString::new(py, &changed).into_any()),
                        Err(kind) => Err(FieldError::Kind(kind)),
                    };
                }
            }
            Err(FieldError::Kind(ErrorType::StringType))
        }
        Inp::Json(JsonValue::Str(s)) => match c.apply(s) {
            Ok(None) => Ok(super::string_cache::py_str(py, s).into_any()),
            Ok(Some(changed)) => Ok(PyString::new(py, &changed).into_any()),
            Err(kind) => Err(FieldError::Kind(kind)),
        },
        Inp::Json(_) => Err(FieldError::Kind(ErrorType::StringType)),
    }
}

/// How bytes are written as text in input (`val_json_bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BytesEncoding {
    /// The string's UTF-8 bytes.
    Utf8,
    /// Base64, standard or URL-safe alphabet, padding optional (as Pydantic reads it).
    Base64,
    /// Hexadecimal digits, two per byte.
    Hex,
}

impl BytesEncoding {
    /// The bytes a JSON string stands for, or the reason it is not valid text of this encoding.
    fn decode(self, text: &str) -> Result<Vec<u8>, (&'static str, String)> {
        match self {
            Self::Utf8 => Ok(text.as_bytes().to_vec()),
            Self::Base64 => {
                use base64::Engine as _;
                // Both alphabets: the URL-safe one is what `ser_json_bytes="base64"` writes.
                let engine = base64::engine::GeneralPurpose::new(
                    &base64::alphabet::URL_SAFE,
                    base64::engine::GeneralPurposeConfig::new()
                        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
                );
                let text = text.replace('+', "-").replace('/', "_");
                engine.decode(text).map_err(|e| ("base64", e.to_string()))
            }
            Self::Hex => {
                let digits = text.as_bytes();
                if digits.len() % 2 == 1 {
                    return Err(("hex", "Odd number of digits".into()));
                }
                let value = |i: usize| {
                    let c = digits[i];
                    char::from(c).to_digit(16).ok_or_else(|| {
                        (
                            "hex",
                            format!("Invalid character {:?} at position {i}", char::from(c)),
                        )
                    })
                };
                (0..digits.len() / 2)
                    .map(|k| Ok(u8::try_from(value(2 * k)? * 16 + value(2 * k + 1)?).unwrap_or(0)))
                    .collect()
            }
        }
    }
}

/// The bytes a string input stands for under `val_json_bytes` (Pydantic applies it to str input
/// of either mode; bytes input is taken as it is).
fn decode_text<'py>(
    py: Python<'py>,
    text: &str,
    encoding: BytesEncoding,
    inp: &Inp<'_, 'py>,
) -> ValResult<Bound<'py, PyAny>> {
    if encoding == BytesEncoding::Utf8 {
        return Ok(PyBytes::new(py, text.as_bytes()).into_any());
    }
    match encoding.decode(text) {
        Ok(raw) => Ok(PyBytes::new(py, &raw).into_any()),
        Err((encoding, encoding_error)) => Err(ValError::new(
            py,
            ErrorType::BytesInvalidEncoding {
                encoding,
                encoding_error,
            },
            inp,
        )),
    }
}

fn validate_bytes<'py>(
    py: Python<'py>,
    inp: &Inp<'_, 'py>,
    strict: bool,
    (min_length, max_length): (Option<usize>, Option<usize>),
    json: BytesEncoding,
) -> ValResult<Bound<'py, PyAny>> {
    let out: Bound<'py, PyAny> = match inp {
        Inp::Py(o) => {
            if o.is_instance_of::<PyBytes>() {
                o.clone()
            } else if strict {
                return Err(ValError::new(py, ErrorType::BytesType, inp));
            } else if let Ok(s) = o.cast::<PyString>() {
                decode_text(py, &s.to_cow()?, json, inp)?
            } else if let Ok(b) = o.cast::<PyByteArray>() {
                PyBytes::new(py, &b.to_vec()).into_any()
            } else {
                return Err(ValError::new(py, ErrorType::BytesType, inp));
            }
        }
        Inp::Json(JsonValue::Str(s)) => decode_text(py, s, json, inp)?,
        Inp::Json(_) => return Err(ValError::new(py, ErrorType::BytesType, inp)),
    };
    let len = out.len()?;
    if let Some(min_length) = min_length {
        if len < min_length {
            return Err(ValError::new(
                py,
                ErrorType::BytesTooShort { min_length },
                inp,
            ));
        }
    }
    if let Some(max_length) = max_length {
        if len > max_length {
            return Err(ValError::new(
                py,
                ErrorType::BytesTooLong { max_length },
                inp,
            ));
        }
    }
    Ok(out)
}

/// A bound from a description as `CtxValue` (for messages).
#[must_use]
pub fn ctx_of(obj: &Bound<'_, PyAny>) -> CtxValue {
    if let Ok(i) = obj.extract::<i64>() {
        if !obj.is_instance_of::<PyFloat>() {
            return CtxValue::Int(i);
        }
    }
    if let Ok(f) = obj.extract::<f64>() {
        if obj.is_instance_of::<PyFloat>() {
            return CtxValue::Float(f);
        }
    }
    CtxValue::Str(obj.str().map(|s| s.to_string()).unwrap_or_default())
}
