//! Unions: smart mode (exact type, then strict, then lax, as Pydantic's
//! smart mode) and discriminated unions (`Field(discriminator=...)`).

use std::collections::HashMap;

use jiter::JsonValue;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString};

use crate::errors::{ErrorType, LocItem};

use super::error::{Errors, ValError, ValResult};
use super::input::Inp;
use super::validator::{State, Validator};

#[derive(Debug)]
pub struct UnionValidator {
    pub choices: Vec<(Validator, crate::errors::Key)>,
    /// `left_to_right`: the first choice that validates wins.
    pub left_to_right: bool,
}

/// Does `inp` already have exactly the type this choice produces?
fn exact_match(v: &Validator, inp: &Inp<'_, '_>) -> bool {
    match inp {
        Inp::Py(o) => match v {
            Validator::Int { .. } => o.is_exact_instance_of::<PyInt>(),
            Validator::Float { .. } => o.is_exact_instance_of::<PyFloat>(),
            Validator::Str { .. } => o.is_exact_instance_of::<PyString>(),
            Validator::Bool { .. } => o.is_exact_instance_of::<PyBool>(),
            Validator::Bytes { .. } => o.is_exact_instance_of::<PyBytes>(),
            Validator::None => o.is_none(),
            _ => false,
        },
        Inp::Json(j) => matches!(
            (v, j),
            (
                Validator::Int { .. },
                JsonValue::Int(_) | JsonValue::BigInt(_)
            ) | (Validator::Float { .. }, JsonValue::Float(_))
                | (Validator::Str { .. }, JsonValue::Str(_))
                | (Validator::Bool { .. }, JsonValue::Bool(_))
                | (Validator::None, JsonValue::Null)
        ),
    }
}

impl UnionValidator {
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        if !self.left_to_right {
            for (v, _) in &self.choices {
                if exact_match(v, inp) {
                    if let Ok(out) = v.validate(py, inp, st) {
                        return Ok(out);
                    }
                }
            }
            if st.strict != Some(true) {
                let saved = st.strict;
                st.strict = Some(true);
                for (v, _) in &self.choices {
                    match v.validate(py, inp, st) {
                        Ok(out) => {
                            st.strict = saved;
                            return Ok(out);
                        }
                        Err(ValError::Py(e)) => {
                            st.strict = saved;
                            return Err(ValError::Py(e));
                        }
                        Err(ValError::Lines(_)) => {}
                    }
                }
                st.strict = saved;
            }
        }
        let mut errors = Errors::default();
        for (v, label) in &self.choices {
            match v.validate(py, inp, st) {
                Ok(out) => return Ok(out),
                Err(e) => errors.push(py, e, LocItem::Key(label.clone()))?,
            }
        }
        Err(ValError::Lines(errors.0))
    }
}

#[derive(Debug)]
pub struct TaggedUnionValidator {
    pub discriminator: Py<PyString>,
    /// The field's alias, looked up when the name is absent.
    pub alias: Option<Py<PyString>>,
    pub discriminator_key: String,
    pub alias_key: Option<String>,
    /// How errors name the lookup: `'kind'`, or `'kind' | 'Kind'` with an alias.
    pub discriminator_name: String,
    pub choices: Vec<Validator>,
    /// `str(tag)` -> index into `choices`.
    pub lookup: HashMap<String, usize>,
    pub tags_repr: Vec<String>,
}

pub fn tag_text(o: &Bound<'_, PyAny>) -> PyResult<String> {
    // Enum members are looked up by their value.
    let v = if o.hasattr(pyo3::intern!(o.py(), "_value_"))? {
        o.getattr(pyo3::intern!(o.py(), "_value_"))?
    } else {
        o.clone()
    };
    Ok(v.str()?.to_string())
}

impl TaggedUnionValidator {
    pub fn validate<'py>(
        &self,
        py: Python<'py>,
        inp: &Inp<'_, 'py>,
        st: &mut State<'_, 'py>,
    ) -> ValResult<Bound<'py, PyAny>> {
        let keys = std::iter::once(&self.discriminator).chain(self.alias.as_ref());
        let tag: Option<String> = match inp {
            Inp::Py(o) => {
                let mut found = None;
                for key in keys {
                    let value = if let Ok(d) = o.cast::<PyDict>() {
                        d.get_item(key.bind(py))?
                    } else {
                        o.getattr(key.bind(py)).ok()
                    };
                    if let Some(t) = value {
                        found = Some(tag_text(&t)?);
                        break;
                    }
                }
                found
            }
            Inp::Json(JsonValue::Object(entries)) => {
                let names = std::iter::once(&self.discriminator_key).chain(self.alias_key.as_ref());
                names
                    .filter_map(|name| {
                        entries
                            .iter()
                            .rev()
                            .find(|(k, _)| k.as_ref() == name.as_str())
                    })
                    .map(|(_, v)| match v {
                        JsonValue::Str(s) => s.to_string(),
                        JsonValue::Int(i) => i.to_string(),
                        JsonValue::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
                        other => format!("{other:?}"),
                    })
                    .next()
            }
            Inp::Json(_) => None,
        };
        let Some(tag) = tag else {
            let is_mapping = matches!(inp, Inp::Json(JsonValue::Object(_)))
                || matches!(inp, Inp::Py(o) if o.is_instance_of::<PyDict>() || o.hasattr("__dict__").unwrap_or(false));
            let kind = if is_mapping {
                ErrorType::UnionTagNotFound {
                    discriminator: self.discriminator_name.clone(),
                }
            } else {
                ErrorType::ModelAttributesType
            };
            return Err(ValError::new(py, kind, inp));
        };
        match self.lookup.get(&tag) {
            Some(&i) => self.choices[i]
                .validate(py, inp, st)
                .map_err(|e| e.with_outer(&LocItem::Key(tag.into()))),
            None => Err(ValError::new(
                py,
                ErrorType::UnionTagInvalid {
                    discriminator: self.discriminator_name.clone(),
                    tag,
                    expected_tags: self.tags_repr.join(", "),
                },
                inp,
            )),
        }
    }
}
