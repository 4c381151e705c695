//! Garbage-collector support: every Python object a compiled schema owns,
//! reported to a `tp_traverse` visitor.
//!
//! A model class owns its compiled validator (a class attribute) and the
//! validator owns the class, its validator functions and defaults: a cycle.
//! A binding's pyclass that holds a [`SchemaValidator`] calls
//! [`SchemaValidator::traverse`] from its `__traverse__`, so the collector sees
//! the cycle and frees classes made at run time (`create_model`, generic
//! parametrizations) once nothing else uses them. Breaking the cycle needs no
//! `__clear__` here: the class (a heap type) and the functions in it clear
//! their own references.
//!
//! Only owned references are reported, each once per owner; strings cannot
//! take part in a cycle and are skipped.

use pyo3::{PyTraverseError, PyVisit};

use super::collections::{DictValidator, ListValidator, TupleValidator};
use super::model::{Field, FieldDefault, ModelValidator};
use super::serialize::{FieldSer, ModelSer};
use super::special::{BoundedValidator, DecimalValidator, EnumValidator, LiteralValidator};
use super::union::{TaggedUnionValidator, UnionValidator};
use super::validator::{FunctionValidator, Validator};
use super::SchemaValidator;

type Visited = Result<(), PyTraverseError>;

/// Report the Python objects a compiled part owns.
pub(crate) trait Traverse {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited;
}

impl<T: Traverse> Traverse for Vec<T> {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.iter().try_for_each(|t| t.traverse(visit))
    }
}

impl<T: Traverse> Traverse for Option<T> {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.as_ref().map_or(Ok(()), |t| t.traverse(visit))
    }
}

impl<T: Traverse> Traverse for Box<T> {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        (**self).traverse(visit)
    }
}

impl<T> Traverse for pyo3::Py<T> {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        visit.call(self)
    }
}

impl<A: Traverse, B: Traverse> Traverse for (A, B) {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.0.traverse(visit)?;
        self.1.traverse(visit)
    }
}

impl Traverse for crate::errors::ErrorType {
    fn traverse(&self, _visit: PyVisit<'_>) -> Visited {
        Ok(())
    }
}

impl Traverse for crate::errors::Key {
    fn traverse(&self, _visit: PyVisit<'_>) -> Visited {
        Ok(())
    }
}

impl Traverse for Validator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        match self {
            Self::Any
            | Self::None
            | Self::Bool { .. }
            | Self::Float { .. }
            | Self::Str { .. }
            | Self::Bytes { .. }
            | Self::DateTime { .. }
            | Self::Date { .. }
            | Self::Time { .. }
            | Self::TimeDelta { .. }
            | Self::Uuid { .. }
            | Self::Email
            // Models are reached through the definitions table.
            | Self::Model(_)
            | Self::TypedDict(_) => Ok(()),
            Self::Int { big_bounds, .. } => big_bounds.traverse(visit),
            Self::Decimal(v) => v.traverse(visit),
            Self::Url(v) => {
                v.wrap.traverse(visit)?;
                v.cls.traverse(visit)
            }
            Self::Literal(v) => v.traverse(visit),
            Self::Enum(v) => v.traverse(visit),
            Self::List(v) => v.traverse(visit),
            Self::Tuple(v) => v.traverse(visit),
            Self::Dict(v) => v.traverse(visit),
            Self::Nullable(v) => v.traverse(visit),
            Self::Passthrough(p) => {
                visit.call(&p.0)?;
                p.1.traverse(visit)
            }
            Self::Union(v) => v.traverse(visit),
            Self::Tagged(v) => v.traverse(visit),
            Self::Function(v) => v.traverse(visit),
            Self::IsInstance { cls, .. } => visit.call(cls),
            Self::Bounded(v) => v.traverse(visit),
        }
    }
}

impl Traverse for FunctionValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        visit.call(&self.func)?;
        self.inner.traverse(visit)?;
        self.strict_python.traverse(visit)
    }
}

impl Traverse for ListValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.item.traverse(visit)
    }
}

impl Traverse for TupleValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.items.traverse(visit)?;
        self.variadic.traverse(visit)
    }
}

impl Traverse for DictValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.keys.traverse(visit)?;
        self.values.traverse(visit)
    }
}

impl Traverse for UnionValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.choices.traverse(visit)
    }
}

impl Traverse for TaggedUnionValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.choices.traverse(visit)
    }
}

impl Traverse for LiteralValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.expected.traverse(visit)
    }
}

impl Traverse for EnumValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        visit.call(&self.cls)?;
        self.missing.traverse(visit)?;
        self.members.traverse(visit)
    }
}

impl Traverse for DecimalValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.bounds.traverse(visit)
    }
}

impl Traverse for BoundedValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.inner.traverse(visit)?;
        self.bounds.traverse(visit)
    }
}

impl Traverse for FieldDefault {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        match self {
            Self::Required | Self::Omit => Ok(()),
            Self::Value { value, .. } => visit.call(value),
            Self::Factory { func, .. } => visit.call(func),
        }
    }
}

impl Traverse for Field {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.validator.traverse(visit)?;
        self.default.traverse(visit)
    }
}

impl Traverse for ModelValidator {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        visit.call(&self.cls)?;
        visit.call(&self.all_names)?;
        // Held only for a moment while validating; a record being replaced
        // right now is simply not reported (the collector then keeps it).
        if let Ok(partial) = self.partial_names.try_lock() {
            if let Some((_, names)) = partial.as_ref() {
                visit.call(names)?;
            }
        }
        self.fields.traverse(visit)?;
        self.before.traverse(visit)?;
        self.wrap.traverse(visit)?;
        self.after.traverse(visit)?;
        self.post_init.traverse(visit)?;
        self.extras.traverse(visit)?;
        self.generic_origin.traverse(visit)?;
        self.extras_keys.traverse(visit)
    }
}

impl Traverse for FieldSer {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.default.traverse(visit)?;
        self.exclude_if.traverse(visit)?;
        self.serializer.traverse(visit)
    }
}

impl Traverse for ModelSer {
    fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.fields.traverse(visit)?;
        self.computed.traverse(visit)?;
        self.model_serializer.traverse(visit)
    }
}

impl SchemaValidator {
    /// Report every Python object this compiled schema owns (its classes,
    /// validator and serializer functions, defaults, bounds, literal and enum
    /// values) to the collector's visitor: call it from the `__traverse__` of
    /// the pyclass that holds the validator.
    ///
    /// # Errors
    /// The visitor's own error, passed on as `tp_traverse` requires.
    pub fn traverse(&self, visit: PyVisit<'_>) -> Visited {
        self.root.traverse(visit)?;
        self.defs.traverse(visit)?;
        self.sers.traverse(visit)
    }
}
