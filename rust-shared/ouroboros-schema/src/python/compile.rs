//! Compile a model description (`Model.__ouroboros_schema__`, format
//! [`SCHEMA_FORMAT_VERSION`]) into a validator tree.
//!
//! Nested models are referenced by class: the compiler reads each class's own
//! description once, so recursive and mutually recursive models compile into
//! a table of definitions (`Validator::Model(index)`).

use std::collections::HashMap;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};

use crate::constraints::{
    AsciiPattern, FloatConstraints, IntConstraints, LenConstraints, StrConstraints,
};
use crate::errors::{CtxValue, ErrorType};

use super::collections::{DictValidator, ListValidator, SeqKind, TupleValidator};
use super::model::{ExtraBehavior, Field, FieldDefault, ModelValidator, PathItem};
use super::serialize::{FieldSer, ModelSer};
use super::special::{
    BoundedValidator, DecimalValidator, EnumValidator, LiteralValidator, UrlDefaults, UrlValidator,
};
use super::union::{tag_text, TaggedUnionValidator, UnionValidator};
use super::validator::{ctx_of, FuncLabel, FuncMode, FunctionValidator, Validator};

/// The description format this crate understands (`ouroboros.core.SCHEMA_FORMAT_VERSION`).
pub const SCHEMA_FORMAT_VERSION: i64 = 1;

/// Name of the class attribute holding a model's description.
pub const SCHEMA_ATTR: &str = "__ouroboros_schema__";

fn bad(msg: impl Into<String>) -> PyErr {
    ouroboros_common::python::InvalidArgumentError::new_err(format!(
        "invalid schema description: {}",
        msg.into()
    ))
}

fn get<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(d.get_item(key)?.filter(|v| !v.is_none()))
}

fn get_bool(d: &Bound<'_, PyDict>, key: &str) -> PyResult<bool> {
    Ok(match get(d, key)? {
        Some(v) => v.is_truthy()?,
        None => false,
    })
}

fn get_usize(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<usize>> {
    get(d, key)?.map(|v| v.extract::<usize>()).transpose()
}

fn get_str(d: &Bound<'_, PyDict>, key: &str) -> PyResult<Option<String>> {
    get(d, key)?.map(|v| v.extract::<String>()).transpose()
}

/// Compiled definitions, plus the class -> index table used while compiling
/// and while serializing.
#[derive(Default)]
pub struct Compiler {
    pub defs: Vec<Option<ModelValidator>>,
    pub sers: Vec<Option<ModelSer>>,
    pub by_cls: HashMap<usize, usize>,
}

impl Compiler {
    /// Compile the model class `cls` (once) and return its definition index.
    pub fn model(&mut self, py: Python<'_>, cls: &Bound<'_, PyType>) -> PyResult<usize> {
        self.model_with(py, cls, None)
    }

    /// Compile `cls` from `description` (or from its own `__ouroboros_schema__`).
    pub fn model_with(
        &mut self,
        py: Python<'_>,
        cls: &Bound<'_, PyType>,
        description: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<usize> {
        let key = cls.as_ptr() as usize;
        if let Some(&i) = self.by_cls.get(&key) {
            return Ok(i);
        }
        let description = if let Some(d) = description {
            d.clone()
        } else {
            // Only a missing attribute is a malformed description: an error raised while the
            // class builds its description (an undefined forward reference) is the caller's.
            let d = cls.getattr(SCHEMA_ATTR).map_err(|e| {
                if e.is_instance_of::<pyo3::exceptions::PyAttributeError>(py) {
                    bad(format!(
                        "{} has no {SCHEMA_ATTR}: is it an ouroboros.validation BaseModel?",
                        cls.qualname().map(|q| q.to_string()).unwrap_or_default()
                    ))
                } else {
                    e
                }
            })?;
            d.cast_into::<PyDict>()
                .map_err(|_| bad(format!("{SCHEMA_ATTR} must be a dict")))?
        };
        let index = self.defs.len();
        self.defs.push(None);
        self.sers.push(None);
        self.by_cls.insert(key, index);
        let (model, ser) = self.model_description(py, &description, cls)?;
        self.defs[index] = Some(model);
        self.sers[index] = Some(ser);
        Ok(index)
    }

    /// Compile a TypedDict's description (a model description with `"type": "typed_dict"`),
    /// once per description object: a recursive TypedDict refers to its own description.
    pub fn typed_dict(&mut self, py: Python<'_>, d: &Bound<'_, PyDict>) -> PyResult<usize> {
        let key = d.as_ptr() as usize;
        if let Some(&i) = self.by_cls.get(&key) {
            return Ok(i);
        }
        let cls = get(d, "cls")?
            .ok_or_else(|| bad("typed_dict description without cls"))?
            .cast_into::<PyType>()?;
        let index = self.defs.len();
        self.defs.push(None);
        self.sers.push(None);
        self.by_cls.insert(key, index);
        let (model, ser) = self.model_description(py, d, &cls)?;
        self.defs[index] = Some(model);
        self.sers[index] = Some(ser);
        Ok(index)
    }

    #[allow(clippy::too_many_lines)] // reads one description dict, key by key
    fn model_description(
        &mut self,
        py: Python<'_>,
        d: &Bound<'_, PyDict>,
        cls: &Bound<'_, PyType>,
    ) -> PyResult<(ModelValidator, ModelSer)> {
        let format: i64 = get(d, "format")?
            .ok_or_else(|| bad("missing \"format\""))?
            .extract()?;
        if format != SCHEMA_FORMAT_VERSION {
            return Err(bad(format!(
                "format {format} is not supported by this ouroboros-schema (it reads format {SCHEMA_FORMAT_VERSION}); \
                 upgrade the package that compiles it"
            )));
        }
        let class_name = get_str(d, "name")?
            .unwrap_or_else(|| cls.name().map(|n| n.to_string()).unwrap_or_default());
        let empty = PyDict::new(py);
        let config = get(d, "config")?
            .map(pyo3::Bound::cast_into::<PyDict>)
            .transpose()?
            .unwrap_or(empty);
        let extra = match get_str(&config, "extra")?.as_deref() {
            None | Some("ignore") => ExtraBehavior::Ignore,
            Some("forbid") => ExtraBehavior::Forbid,
            Some("allow") => ExtraBehavior::Allow,
            Some(other) => {
                return Err(bad(format!(
                    "extra must be ignore, forbid or allow, not {other:?}"
                )))
            }
        };
        let populate_by_name = get_bool(&config, "populate_by_name")?;
        let by_alias = get(&config, "validate_by_alias")?.map_or(Ok(true), |v| v.is_truthy())?;
        let loc_by_alias = get(&config, "loc_by_alias")?.map_or(Ok(true), |v| v.is_truthy())?;
        let mut nested = false;
        let mut fields = Vec::new();
        let mut field_sers = Vec::new();
        let mut key_index = HashMap::new();
        let field_list = get(d, "fields")?.ok_or_else(|| bad("missing \"fields\""))?;
        for (i, f) in field_list.try_iter()?.enumerate() {
            let f = f?
                .cast_into::<PyDict>()
                .map_err(|_| bad("each field must be a dict"))?;
            let name: String = get_str(&f, "name")?.ok_or_else(|| bad("field without a name"))?;
            let schema =
                get(&f, "schema")?.ok_or_else(|| bad(format!("field {name} has no schema")))?;
            let validator = self.schema(py, &schema)?;
            let alias = get_str(&f, "alias")?;
            // Every validation alias choice as a path: a str is a one-step path.
            let mut alias_paths: Vec<Vec<PathItem>> = Vec::new();
            let key_item = |k: &str| PathItem::Key(PyString::intern(py, k).unbind(), k.into());
            if let Some(va) = get(&f, "validation_alias")? {
                if let Ok(s) = va.extract::<String>() {
                    alias_paths.push(vec![key_item(&s)]);
                } else {
                    for choice in va.try_iter()? {
                        let choice = choice?;
                        if let Ok(s) = choice.extract::<String>() {
                            alias_paths.push(vec![key_item(&s)]);
                            continue;
                        }
                        let mut path = Vec::new();
                        for (n, item) in choice.try_iter()?.enumerate() {
                            let item = item?;
                            if let Ok(s) = item.extract::<String>() {
                                path.push(key_item(&s));
                            } else if n > 0 {
                                path.push(PathItem::Index(item.extract::<i64>()?));
                            } else {
                                return Err(bad(format!(
                                    "field {name}: an alias path starts with a str key"
                                )));
                            }
                        }
                        if path.is_empty() {
                            return Err(bad(format!("field {name}: empty alias path")));
                        }
                        alias_paths.push(path);
                    }
                }
            } else if let Some(a) = &alias {
                alias_paths.push(vec![key_item(a)]);
            }
            if alias_paths.iter().any(|p| p.len() > 1) {
                nested = true;
            }
            let mut lookup_keys: Vec<String> = Vec::new();
            if by_alias {
                for p in &alias_paths {
                    if let [PathItem::Key(_, k)] = p.as_slice() {
                        lookup_keys.push(k.to_string());
                    }
                }
            }
            if alias_paths.is_empty() || populate_by_name || !by_alias {
                lookup_keys.push(name.clone());
            }
            lookup_keys.dedup();
            for k in &lookup_keys {
                key_index.entry(k.clone()).or_insert(i);
            }
            let default = if let Some(factory) = get(&f, "default_factory")? {
                FieldDefault::Factory {
                    func: factory.unbind(),
                    takes_data: get_bool(&f, "default_factory_takes_data")?,
                }
            } else if f.contains("default")? {
                let v = f
                    .get_item("default")?
                    .ok_or_else(|| bad("default vanished"))?;
                let copy = v.hash().is_err();
                FieldDefault::Value {
                    value: v.unbind(),
                    copy,
                }
            } else if get_bool(&f, "omit_missing")? {
                FieldDefault::Omit
            } else {
                FieldDefault::Required
            };
            let ser_name = get_str(&f, "serialization_alias")?
                .or_else(|| alias.clone())
                .unwrap_or_else(|| name.clone());
            let mut ser = field_ser(&f, &name, &ser_name)?;
            ser.exclude = get_bool(&f, "exclude")?;
            if let FieldDefault::Value { value, .. } = &default {
                ser.default = Some(value.clone_ref(py));
            }
            field_sers.push(ser);
            fields.push(Field {
                name: PyString::intern(py, &name).unbind(),
                name_str: name.clone(),
                lookup: lookup_keys
                    .iter()
                    .map(|k| (PyString::intern(py, k).unbind(), k.as_str().into()))
                    .collect(),
                key0: lookup_keys.first().map(|k| k.as_str().into()),
                aliases: alias_paths,
                name_path: vec![PathItem::Key(
                    PyString::intern(py, &name).unbind(),
                    name.as_str().into(),
                )],
                validator,
                default,
                frozen: get_bool(&f, "frozen")?,
                validate_default: get_bool(&f, "validate_default")?,
            });
        }
        let mut before = Vec::new();
        let mut wrap = None;
        let mut after = Vec::new();
        if let Some(mv) = get(d, "model_validators")? {
            for v in mv.try_iter()? {
                let v = v?.cast_into::<PyDict>()?;
                let func = get(&v, "func")?
                    .ok_or_else(|| bad("model validator without func"))?
                    .unbind();
                match get_str(&v, "mode")?.as_deref() {
                    Some("before") => before.push(func),
                    Some("wrap") => wrap = Some(func),
                    Some("after") | None => after.push(func),
                    Some(other) => return Err(bad(format!("model validator mode {other:?}"))),
                }
            }
        }
        let mut computed = Vec::new();
        if let Some(cf) = get(d, "computed_fields")? {
            for c in cf.try_iter()? {
                let c = c?.cast_into::<PyDict>()?;
                let name =
                    get_str(&c, "name")?.ok_or_else(|| bad("computed field without name"))?;
                let alias = get_str(&c, "alias")?.unwrap_or_else(|| name.clone());
                computed.push(field_ser(&c, &name, &alias)?);
            }
        }
        let extras = match get(d, "extras_schema")? {
            Some(schema) => Some(Box::new(self.schema(py, &schema)?)),
            None => None,
        };
        let extras_keys = match get(d, "extras_keys_schema")? {
            Some(schema) => Some(Box::new(self.schema(py, &schema)?)),
            None => None,
        };
        let all_names = pyo3::types::PyFrozenSet::new(py, fields.iter().map(|f| f.name.bind(py)))?;
        let multi_key = fields.iter().any(|f| f.lookup.len() > 1);
        let model = ModelValidator {
            cls: cls.clone().unbind(),
            class_name,
            all_names: all_names.unbind(),
            field_dict: super::field_dict::FieldDict::new(
                py,
                &fields.iter().map(|f| f.name.bind(py)).collect::<Vec<_>>(),
            )?,
            partial_names: std::sync::Mutex::new(None),
            fields_set_offset: super::model::member_offset(
                cls,
                pyo3::intern!(py, super::model::FIELDS_SET_ATTR),
            ),
            fields,
            key_index,
            extra,
            strict: get_bool(&config, "strict")?,
            from_attributes: get_bool(&config, "from_attributes")?,
            by_alias,
            by_name: populate_by_name,
            loc_by_alias,
            nested,
            multi_key,
            before,
            wrap,
            after,
            post_init: get(d, "post_init")?.map(Bound::unbind),
            typed_dict: get_str(d, "type")?.as_deref() == Some("typed_dict"),
            root_model: get_bool(d, "root_model")?,
            extras,
            generic_origin: match get(d, "generic_origin")? {
                Some(g) => {
                    let (origin, fields_of): (Bound<'_, PyType>, Bound<'_, PyAny>) = g.extract()?;
                    Some((origin.unbind(), fields_of.unbind()))
                }
                None => None,
            },
            extras_keys,
            buffered: false,
        };
        let plain = computed.is_empty()
            && extra != ExtraBehavior::Allow
            && field_sers
                .iter()
                .all(|f| !f.exclude && f.serializer.is_none() && f.exclude_if.is_none());
        // Every key `by_alias` writes is the field's name (the usual model).
        let alias_free = field_sers.iter().all(|f| {
            f.alias
                .bind(py)
                .as_any()
                .eq(f.name.bind(py))
                .unwrap_or(false)
        });
        let ser = ModelSer {
            plain,
            alias_free,
            fields: field_sers,
            computed,
            model_serializer: get(d, "model_serializer")?.map(Bound::unbind),
            extra_allowed: extra == ExtraBehavior::Allow,
        };
        Ok((model, ser))
    }

    /// Compile one type schema.
    #[allow(clippy::too_many_lines)]
    pub fn schema(&mut self, py: Python<'_>, schema: &Bound<'_, PyAny>) -> PyResult<Validator> {
        let d = schema.cast::<PyDict>().map_err(|_| {
            bad(format!(
                "a type schema must be a dict, got {}",
                schema.repr().map(|r| r.to_string()).unwrap_or_default()
            ))
        })?;
        let kind = get_str(d, "type")?.ok_or_else(|| bad("type schema without \"type\""))?;
        let strict = get_bool(d, "strict")?;
        let len = LenConstraints {
            min_length: get_usize(d, "min_length")?,
            max_length: get_usize(d, "max_length")?,
        };
        Ok(match kind.as_str() {
            "any" => Validator::Any,
            "none" => Validator::None,
            "bool" => Validator::Bool { strict },
            "int" => {
                let mut c = IntConstraints::default();
                let mut big_bounds = Vec::new();
                for (key, slot) in [
                    ("gt", &mut c.gt),
                    ("ge", &mut c.ge),
                    ("lt", &mut c.lt),
                    ("le", &mut c.le),
                    ("multiple_of", &mut c.multiple_of),
                ] {
                    if let Some(v) = get(d, key)? {
                        *slot = Some(
                            v.extract::<i64>()
                                .map_err(|_| bad(format!("int bound {key} must be an integer")))?,
                        );
                        big_bounds.push((bound_error(key, &v), v.unbind()));
                    }
                }
                Validator::Int {
                    strict,
                    c,
                    big_bounds,
                }
            }
            "float" => {
                let mut c = FloatConstraints::default();
                let mut whole = true;
                for (key, slot) in [
                    ("gt", &mut c.gt),
                    ("ge", &mut c.ge),
                    ("lt", &mut c.lt),
                    ("le", &mut c.le),
                    ("multiple_of", &mut c.multiple_of),
                ] {
                    if let Some(v) = get(d, key)? {
                        whole &= v.is_instance_of::<pyo3::types::PyInt>();
                        *slot = Some(v.extract::<f64>()?);
                    }
                }
                c.whole_bounds = whole;
                if let Some(v) = get(d, "allow_inf_nan")? {
                    c.allow_inf_nan = v.is_truthy()?;
                }
                Validator::Float { strict, c }
            }
            "str" => {
                let pattern_str = get_str(d, "pattern")?;
                let pattern = match &pattern_str {
                    Some(p) => Some(StrConstraints::compile_pattern(p).map_err(bad)?),
                    None => None,
                };
                Validator::Str {
                    strict,
                    c: StrConstraints {
                        min_length: len.min_length,
                        max_length: len.max_length,
                        pattern,
                        ascii_pattern: pattern_str
                            .as_deref()
                            .and_then(AsciiPattern::new)
                            .map(std::sync::Arc::new),
                        pattern_text: pattern_str.map(|p| p.as_str().into()),
                        strip_whitespace: get_bool(d, "strip_whitespace")?,
                        to_lower: get_bool(d, "to_lower")?,
                        to_upper: get_bool(d, "to_upper")?,
                    },
                }
            }
            "bytes" => Validator::Bytes {
                strict,
                min_length: len.min_length,
                max_length: len.max_length,
                json: match get_str(d, "json_encoding")?.as_deref() {
                    Some("base64") => super::validator::BytesEncoding::Base64,
                    Some("hex") => super::validator::BytesEncoding::Hex,
                    _ => super::validator::BytesEncoding::Utf8,
                },
            },
            "decimal" => {
                let mut bounds = Vec::new();
                for key in ["gt", "ge", "lt", "le", "multiple_of"] {
                    if let Some(v) = get(d, key)? {
                        bounds.push((bound_error(key, &v), v.unbind()));
                    }
                }
                Validator::Decimal(Box::new(DecimalValidator {
                    strict,
                    bounds,
                    max_digits: get_usize(d, "max_digits")?,
                    decimal_places: get_usize(d, "decimal_places")?,
                    allow_inf_nan: get_bool(d, "allow_inf_nan")?,
                }))
            }
            "datetime" | "date" | "time" | "timedelta" => temporal_schema(d, &kind, strict)?,
            "uuid" => Validator::Uuid { strict },
            "email" => Validator::Email,
            "url" => Validator::Url(Box::new(UrlValidator {
                allowed_schemes: match get(d, "allowed_schemes")? {
                    Some(v) => v.extract()?,
                    None => Vec::new(),
                },
                max_length: len.max_length,
                host_required: get_bool(d, "host_required")?,
                defaults: UrlDefaults {
                    host: get_str(d, "default_host")?,
                    port: get(d, "default_port")?.map(|v| v.extract()).transpose()?,
                    path: get_str(d, "default_path")?,
                },
                wrap: get(d, "wrap")?.map(Bound::unbind),
                cls: get(d, "cls")?.map(Bound::unbind),
                multi_host: get_bool(d, "multi_host")?,
                preserve_empty_path: get_bool(d, "preserve_empty_path")?,
            })),
            "literal" => {
                let expected: Vec<Bound<'_, PyAny>> = get(d, "expected")?
                    .ok_or_else(|| bad("literal without expected"))?
                    .extract()?;
                let expected_repr = expected.iter().map(literal_repr).collect::<PyResult<_>>()?;
                Validator::Literal(Box::new(LiteralValidator {
                    expected: expected.into_iter().map(Bound::unbind).collect(),
                    expected_repr,
                }))
            }
            "enum" => {
                let cls = get(d, "cls")?
                    .ok_or_else(|| bad("enum without cls"))?
                    .cast_into::<PyType>()?;
                let mut members = Vec::new();
                let mut expected_repr = Vec::new();
                for m in cls.try_iter()? {
                    let m = m?;
                    let value = m.getattr("value")?;
                    expected_repr.push(literal_repr(&value)?);
                    members.push((value.unbind(), m.unbind()));
                }
                Validator::Enum(Box::new(EnumValidator {
                    class_name: cls.name()?.to_string(),
                    cls: cls.unbind(),
                    members,
                    expected_repr,
                    strict,
                    missing: get(d, "missing")?.map(Bound::unbind),
                }))
            }
            "list" | "set" | "frozenset" => {
                let item = match get(d, "items")? {
                    Some(s) => self.schema(py, &s)?,
                    None => Validator::Any,
                };
                let kind = match kind.as_str() {
                    "list" => SeqKind::List,
                    "set" => SeqKind::Set,
                    _ => SeqKind::FrozenSet,
                };
                let field_type = match get_str(d, "field_type")?.as_deref() {
                    Some("Deque") => "Deque",
                    _ => kind.title(),
                };
                Validator::List(Box::new(ListValidator {
                    field_type,
                    sequence: kind == SeqKind::List && get_bool(d, "sequence")?,
                    kind,
                    item,
                    len,
                    strict,
                }))
            }
            "tuple" => {
                let mut items = Vec::new();
                if let Some(list) = get(d, "items")? {
                    for s in list.try_iter()? {
                        items.push(self.schema(py, &s?)?);
                    }
                }
                let variadic = match get(d, "variadic")? {
                    Some(s) => Some(self.schema(py, &s)?),
                    None => None,
                };
                Validator::Tuple(Box::new(TupleValidator {
                    items,
                    variadic,
                    len,
                    strict,
                }))
            }
            "dict" => {
                let keys = match get(d, "keys")? {
                    Some(s) => self.schema(py, &s)?,
                    None => Validator::Any,
                };
                let values = match get(d, "values")? {
                    Some(s) => self.schema(py, &s)?,
                    None => Validator::Any,
                };
                let field_type = match get_str(d, "field_type")?.as_deref() {
                    Some("OrderedDict") => "OrderedDict",
                    Some("Counter") => "Counter",
                    _ => "Dictionary",
                };
                Validator::Dict(Box::new(DictValidator {
                    field_type,
                    keys,
                    values,
                    len,
                    strict,
                }))
            }
            "nullable" => {
                let inner = get(d, "schema")?.ok_or_else(|| bad("nullable without schema"))?;
                Validator::Nullable(Box::new(self.schema(py, &inner)?))
            }
            "passthrough" => {
                let value = get(d, "value")?.ok_or_else(|| bad("passthrough without value"))?;
                let inner = get(d, "schema")?.ok_or_else(|| bad("passthrough without schema"))?;
                Validator::Passthrough(Box::new((value.unbind(), self.schema(py, &inner)?)))
            }
            "union" => {
                let mut choices = Vec::new();
                let labels: Option<Vec<String>> =
                    get(d, "labels")?.map(|l| l.extract()).transpose()?;
                for (i, s) in get(d, "choices")?
                    .ok_or_else(|| bad("union without choices"))?
                    .try_iter()?
                    .enumerate()
                {
                    let s = s?;
                    let v = self.schema(py, &s)?;
                    let model_name = match &v {
                        Validator::Model(_) => s
                            .get_item("cls")?
                            .getattr("__name__")?
                            .extract::<String>()
                            .ok(),
                        _ => None,
                    };
                    let label = labels
                        .as_ref()
                        .and_then(|l| l.get(i).cloned())
                        .or(model_name)
                        .unwrap_or_else(|| v.short_name(&[]));
                    choices.push((v, label.into()));
                }
                let left_to_right = get_str(d, "mode")?.as_deref() == Some("left_to_right");
                Validator::Union(Box::new(UnionValidator {
                    choices,
                    left_to_right,
                }))
            }
            "tagged_union" => {
                let discriminator = get_str(d, "discriminator")?
                    .ok_or_else(|| bad("tagged_union without discriminator"))?;
                // The input key may also be the field's alias (tried after the name, as Pydantic).
                let alias = get_str(d, "discriminator_alias")?.filter(|a| *a != discriminator);
                let choices_map = get(d, "choices")?
                    .ok_or_else(|| bad("tagged_union without choices"))?
                    .cast_into::<PyDict>()?;
                let mut choices = Vec::new();
                let mut lookup = HashMap::new();
                let mut tags_repr = Vec::new();
                for (tag, s) in choices_map.iter() {
                    tags_repr.push(tag.repr()?.to_string());
                    lookup.insert(tag_text(&tag)?, choices.len());
                    choices.push(self.schema(py, &s)?);
                }
                let discriminator_name = match &alias {
                    Some(a) => format!("'{discriminator}' | '{a}'"),
                    None => format!("'{discriminator}'"),
                };
                Validator::Tagged(Box::new(TaggedUnionValidator {
                    discriminator: PyString::intern(py, &discriminator).unbind(),
                    alias: alias.as_deref().map(|a| PyString::intern(py, a).unbind()),
                    discriminator_key: discriminator,
                    alias_key: alias,
                    discriminator_name,
                    choices,
                    lookup,
                    tags_repr,
                }))
            }
            "model" => {
                let cls = get(d, "cls")?
                    .ok_or_else(|| bad("model schema without cls"))?
                    .cast_into::<PyType>()?;
                Validator::Model(self.model(py, &cls)?)
            }
            "typed_dict" => {
                let description = get(d, "description")?
                    .ok_or_else(|| bad("typed_dict schema without description"))?
                    .cast_into::<PyDict>()?;
                Validator::TypedDict(self.typed_dict(py, &description)?)
            }
            "function" => {
                let mode = match get_str(d, "mode")?.as_deref() {
                    Some("before") => FuncMode::Before,
                    Some("after") => FuncMode::After,
                    Some("plain") => FuncMode::Plain,
                    other => {
                        return Err(bad(format!(
                            "function mode must be before, after or plain, not {other:?}"
                        )))
                    }
                };
                let func = get(d, "func")?
                    .ok_or_else(|| bad("function schema without func"))?
                    .unbind();
                let inner = match get(d, "schema")? {
                    Some(s) => self.schema(py, &s)?,
                    None => Validator::Any,
                };
                let strict_python = match get(d, "strict_python")? {
                    Some(s) => Some(self.schema(py, &s)?),
                    None => None,
                };
                let label = match (get_str(d, "label")?, get_str(d, "name")?) {
                    (Some(label), _) => FuncLabel::Whole(label),
                    (None, Some(name)) => FuncLabel::Named {
                        name,
                        wrap: get_bool(d, "wrap")?,
                    },
                    (None, None) => FuncLabel::Mode,
                };
                Validator::Function(Box::new(FunctionValidator {
                    mode,
                    func,
                    inner,
                    strict_python,
                    strict,
                    label,
                }))
            }
            "is_instance" => {
                let cls = get(d, "cls")?.ok_or_else(|| bad("is_instance without cls"))?;
                // Named as pydantic-core names it: by qualified name (`f.<locals>.C`).
                let name = cls
                    .getattr("__qualname__")
                    .or_else(|_| cls.getattr("__name__"))
                    .and_then(|n| n.extract())
                    .unwrap_or_else(|_| "object".to_owned());
                Validator::IsInstance {
                    cls: cls.unbind(),
                    name,
                }
            }
            other => {
                return Err(PyTypeError::new_err(format!(
                    "unknown type schema {other:?}"
                )))
            }
        })
    }
}

/// A date/time/duration schema, with its bounds when it has some.
fn temporal_schema(d: &Bound<'_, PyDict>, kind: &str, strict: bool) -> PyResult<Validator> {
    let inner = match kind {
        "datetime" => Validator::DateTime { strict },
        "date" => Validator::Date { strict },
        "time" => Validator::Time { strict },
        _ => Validator::TimeDelta { strict },
    };
    let mut bounds = Vec::new();
    for key in ["gt", "ge", "lt", "le"] {
        if let Some(v) = get(d, key)? {
            let ctx = CtxValue::Str(super::temporal::bound_text(&v)?);
            bounds.push((bound_error_with(key, ctx), v.unbind()));
        }
    }
    Ok(if bounds.is_empty() {
        inner
    } else {
        Validator::Bounded(Box::new(BoundedValidator { inner, bounds }))
    })
}

fn bound_error(key: &str, v: &Bound<'_, PyAny>) -> ErrorType {
    bound_error_with(key, ctx_of(v))
}

fn bound_error_with(key: &str, c: CtxValue) -> ErrorType {
    match key {
        "gt" => ErrorType::GreaterThan { gt: c },
        "ge" => ErrorType::GreaterThanEqual { ge: c },
        "lt" => ErrorType::LessThan { lt: c },
        "le" => ErrorType::LessThanEqual { le: c },
        _ => ErrorType::MultipleOf { multiple_of: c },
    }
}

fn literal_repr(v: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(v.repr()?.to_string())
}

/// How a field (or computed field) described by `f` is written: under `name`, or `alias`
/// when dumping by alias, through its serializer and `exclude_if` when it has them.
fn field_ser(f: &Bound<'_, PyDict>, name: &str, alias: &str) -> PyResult<FieldSer> {
    let py = f.py();
    let mut name_json = Vec::with_capacity(name.len() + 2);
    crate::json_out::write_str(&mut name_json, name);
    Ok(FieldSer {
        name: PyString::intern(py, name).unbind(),
        name_json,
        alias: PyString::intern(py, alias).unbind(),
        exclude: false,
        default: None,
        serializer: get(f, "serializer")?.map(Bound::unbind),
        serializer_when_json: get_str(f, "serializer_when_used")?.as_deref() == Some("json"),
        serializer_wrap: get_str(f, "serializer_mode")?.as_deref() == Some("wrap"),
        exclude_if: get(f, "exclude_if")?.map(Bound::unbind),
    })
}
