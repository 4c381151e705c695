//! The error vocabulary of validation, in Pydantic v2's words.
//!
//! Each [`ErrorType`] knows its machine name (`string_too_short`), its
//! human message and its context values, so every wheel that validates with
//! this crate reports the same errors, and users who know Pydantic's
//! `errors()` output recognise them.

use std::fmt;

/// A context value of an error (`{"min_length": 3}`, `{"pattern": "^a"}`).
#[derive(Debug, Clone, PartialEq)]
pub enum CtxValue {
    Int(i64),
    Float(f64),
    Str(String),
    /// A float bound the user wrote as an integer (`Field(gt=0)` on a float):
    /// Pydantic prints it as `0` and reports it in `ctx` as `0.0`.
    WholeFloat(f64),
    /// No value (`None`): a collection's `actual_length` when validation stopped at the
    /// first item past `max_length`, as pydantic-core reports it.
    Null,
}

impl fmt::Display for CtxValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(v) => write!(f, "{}", format_float(*v)),
            Self::Str(s) => f.write_str(s),
            Self::WholeFloat(v) => write!(f, "{v:.0}"),
            Self::Null => f.write_str("None"),
        }
    }
}

/// Python's `repr(float)` for the values that appear in error messages.
#[must_use]
pub fn format_float(v: f64) -> String {
    if v.is_nan() {
        "nan".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else if v.fract() == 0.0 && v.abs() < 1e16 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Every kind of validation failure this crate reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorType {
    Missing,
    ExtraForbidden,
    NoneRequired,
    BoolType,
    BoolParsing,
    IntType,
    IntParsing,
    IntParsingSize,
    IntFromFloat,
    FloatType,
    FloatParsing,
    FiniteNumber,
    StringType,
    StringSubType,
    StringUnicode,
    StringTooShort {
        min_length: usize,
    },
    StringTooLong {
        max_length: usize,
    },
    StringPatternMismatch {
        /// Shared with the constraint (a clone is a count, not a copy of the text).
        pattern: std::sync::Arc<str>,
    },
    BytesType,
    /// A JSON string that is not valid text of `val_json_bytes` (`base64`, `hex`).
    BytesInvalidEncoding {
        encoding: &'static str,
        encoding_error: String,
    },
    BytesTooShort {
        min_length: usize,
    },
    BytesTooLong {
        max_length: usize,
    },
    GreaterThan {
        gt: CtxValue,
    },
    GreaterThanEqual {
        ge: CtxValue,
    },
    LessThan {
        lt: CtxValue,
    },
    LessThanEqual {
        le: CtxValue,
    },
    MultipleOf {
        multiple_of: CtxValue,
    },
    DictType,
    ListType,
    TupleType,
    SetType,
    FrozenSetType,
    IterableType,
    TooShort {
        field_type: &'static str,
        min_length: usize,
        actual_length: usize,
    },
    TooLong {
        field_type: &'static str,
        max_length: usize,
        /// None when validation stopped at the first item past `max_length` ("not more").
        actual_length: Option<usize>,
    },
    ModelType {
        class_name: String,
    },
    ModelAttributesType,
    LiteralError {
        expected: String,
    },
    Enum {
        expected: String,
    },
    UnionTagInvalid {
        discriminator: String,
        tag: String,
        expected_tags: String,
    },
    UnionTagNotFound {
        discriminator: String,
    },
    DatetimeType,
    DatetimeParsing {
        error: String,
    },
    DatetimeFromDateParsing {
        error: String,
    },
    DateType,
    DateParsing {
        error: String,
    },
    /// A date from text or a timestamp read as a datetime failed (lax mode), with the
    /// datetime parser's reason.
    DateFromDatetimeParsing {
        error: String,
    },
    DateFromDatetimeInexact,
    TimeType,
    TimeParsing {
        error: String,
    },
    TimeDeltaType,
    TimeDeltaParsing {
        error: String,
    },
    UuidType,
    UuidParsing {
        error: String,
    },
    DecimalType,
    DecimalParsing,
    DecimalMaxDigits {
        max_digits: usize,
    },
    DecimalMaxPlaces {
        decimal_places: usize,
    },
    DecimalWholeDigits {
        whole_digits: usize,
    },
    UrlType,
    UrlParsing {
        error: String,
    },
    UrlScheme {
        expected_schemes: String,
    },
    ValueError {
        error: String,
    },
    AssertionError {
        error: String,
    },
    FrozenInstance,
    FrozenField,
    JsonInvalid {
        error: String,
    },
    JsonType,
    RecursionLoop,
    RecursionDepthExceeded,
    IsInstanceOf {
        class: String,
    },
    CallableType,
    /// An error whose type and message were made elsewhere (a nested
    /// `ValidationError` re-raised in a validator, a custom error).
    Custom {
        kind: String,
        message: String,
    },
    /// A custom error with context values (`PydanticCustomError(type, msg, ctx)`,
    /// `PydanticKnownError`); its keys are the user's, so they are not `'static`.
    CustomWithContext {
        kind: String,
        message: String,
        ctx: Vec<(String, CtxValue)>,
    },
}

impl ErrorType {
    /// The machine name, as in Pydantic's `errors()[i]["type"]`.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Self::Missing => "missing",
            Self::ExtraForbidden => "extra_forbidden",
            Self::NoneRequired => "none_required",
            Self::BoolType => "bool_type",
            Self::BoolParsing => "bool_parsing",
            Self::IntType => "int_type",
            Self::IntParsing => "int_parsing",
            Self::IntParsingSize => "int_parsing_size",
            Self::IntFromFloat => "int_from_float",
            Self::FloatType => "float_type",
            Self::FloatParsing => "float_parsing",
            Self::FiniteNumber => "finite_number",
            Self::StringType => "string_type",
            Self::StringSubType => "string_sub_type",
            Self::StringUnicode => "string_unicode",
            Self::StringTooShort { .. } => "string_too_short",
            Self::StringTooLong { .. } => "string_too_long",
            Self::StringPatternMismatch { .. } => "string_pattern_mismatch",
            Self::BytesType => "bytes_type",
            Self::BytesInvalidEncoding { .. } => "bytes_invalid_encoding",
            Self::BytesTooShort { .. } => "bytes_too_short",
            Self::BytesTooLong { .. } => "bytes_too_long",
            Self::GreaterThan { .. } => "greater_than",
            Self::GreaterThanEqual { .. } => "greater_than_equal",
            Self::LessThan { .. } => "less_than",
            Self::LessThanEqual { .. } => "less_than_equal",
            Self::MultipleOf { .. } => "multiple_of",
            Self::DictType => "dict_type",
            Self::ListType => "list_type",
            Self::TupleType => "tuple_type",
            Self::SetType => "set_type",
            Self::FrozenSetType => "frozen_set_type",
            Self::IterableType => "iterable_type",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::ModelType { .. } => "model_type",
            Self::ModelAttributesType => "model_attributes_type",
            Self::LiteralError { .. } => "literal_error",
            Self::Enum { .. } => "enum",
            Self::UnionTagInvalid { .. } => "union_tag_invalid",
            Self::UnionTagNotFound { .. } => "union_tag_not_found",
            Self::DatetimeType => "datetime_type",
            Self::DatetimeParsing { .. } => "datetime_parsing",
            Self::DatetimeFromDateParsing { .. } => "datetime_from_date_parsing",
            Self::DateType => "date_type",
            Self::DateParsing { .. } => "date_parsing",
            Self::DateFromDatetimeParsing { .. } => "date_from_datetime_parsing",
            Self::DateFromDatetimeInexact => "date_from_datetime_inexact",
            Self::TimeType => "time_type",
            Self::TimeParsing { .. } => "time_parsing",
            Self::TimeDeltaType => "time_delta_type",
            Self::TimeDeltaParsing { .. } => "time_delta_parsing",
            Self::UuidType => "uuid_type",
            Self::UuidParsing { .. } => "uuid_parsing",
            Self::DecimalType => "decimal_type",
            Self::DecimalParsing => "decimal_parsing",
            Self::DecimalMaxDigits { .. } => "decimal_max_digits",
            Self::DecimalMaxPlaces { .. } => "decimal_max_places",
            Self::DecimalWholeDigits { .. } => "decimal_whole_digits",
            Self::UrlType => "url_type",
            Self::UrlParsing { .. } => "url_parsing",
            Self::UrlScheme { .. } => "url_scheme",
            Self::ValueError { .. } => "value_error",
            Self::AssertionError { .. } => "assertion_error",
            Self::FrozenInstance => "frozen_instance",
            Self::FrozenField => "frozen_field",
            Self::JsonInvalid { .. } => "json_invalid",
            Self::JsonType => "json_type",
            Self::RecursionLoop => "recursion_loop",
            Self::RecursionDepthExceeded => "recursion_depth_exceeded",
            Self::IsInstanceOf { .. } => "is_instance_of",
            Self::CallableType => "callable_type",
            Self::Custom { kind, .. } | Self::CustomWithContext { kind, .. } => kind,
        }
    }

    /// The message of an error found in JSON input: Pydantic names the JSON
    /// kinds (array, object, duration) for the types whose Python message
    /// names a Python type; every other message is [`Self::message`]'s.
    #[must_use]
    pub fn message_for(&self, json: bool) -> String {
        if json {
            let named = match self {
                Self::ListType
                | Self::TupleType
                | Self::SetType
                | Self::FrozenSetType
                | Self::IterableType => Some("Input should be a valid array".into()),
                Self::DictType | Self::ModelType { .. } | Self::ModelAttributesType => {
                    Some("Input should be an object".into())
                }
                Self::NoneRequired => Some("Input should be null".into()),
                Self::TimeDeltaType => Some("Input should be a valid duration".into()),
                Self::TimeDeltaParsing { error } => {
                    Some(format!("Input should be a valid duration, {error}"))
                }
                // Raised by the Python validators of these types (which do not know
                // the input's mode): named here, where the mode is known.
                Self::Custom { kind, .. } | Self::CustomWithContext { kind, .. } => {
                    match kind.as_ref() {
                        "deque_type" | "iterable_type" => {
                            Some("Input should be a valid array".into())
                        }
                        "dataclass_type" => Some("Input should be an object".into()),
                        "named_tuple_type" => Some("Input should be an array or an object".into()),
                        _ => None,
                    }
                }
                _ => None,
            };
            if let Some(m) = named {
                return m;
            }
        }
        self.message()
    }

    /// The human message, as in Pydantic's `errors()[i]["msg"]`.
    #[must_use]
    #[allow(clippy::too_many_lines)] // one arm per error type, kept together
    pub fn message(&self) -> String {
        match self {
            Self::Missing => "Field required".into(),
            Self::ExtraForbidden => "Extra inputs are not permitted".into(),
            Self::NoneRequired => "Input should be None".into(),
            Self::BoolType => "Input should be a valid boolean".into(),
            Self::BoolParsing => "Input should be a valid boolean, unable to interpret input".into(),
            Self::IntType => "Input should be a valid integer".into(),
            Self::IntParsing => "Input should be a valid integer, unable to parse string as an integer".into(),
            Self::IntParsingSize => "Unable to parse input string as an integer, exceeded maximum size".into(),
            Self::IntFromFloat => "Input should be a valid integer, got a number with a fractional part".into(),
            Self::FloatType => "Input should be a valid number".into(),
            Self::FloatParsing => "Input should be a valid number, unable to parse string as a number".into(),
            Self::FiniteNumber => "Input should be a finite number".into(),
            Self::StringType => "Input should be a valid string".into(),
            Self::StringSubType => "Input should be a string, not an instance of a subclass of str".into(),
            Self::StringUnicode => "Input should be a valid string, unable to parse raw data as a unicode string".into(),
            Self::StringTooShort { min_length } => {
                format!("String should have at least {min_length} character{}", plural(*min_length))
            }
            Self::StringTooLong { max_length } => {
                format!("String should have at most {max_length} character{}", plural(*max_length))
            }
            Self::StringPatternMismatch { pattern } => format!("String should match pattern '{pattern}'"),
            Self::BytesType => "Input should be a valid bytes".into(),
            Self::BytesInvalidEncoding {
                encoding,
                encoding_error,
            } => format!("Data should be valid {encoding}: {encoding_error}"),
            Self::BytesTooShort { min_length } => {
                format!("Data should have at least {min_length} byte{}", plural(*min_length))
            }
            Self::BytesTooLong { max_length } => {
                format!("Data should have at most {max_length} byte{}", plural(*max_length))
            }
            Self::GreaterThan { gt } => format!("Input should be greater than {gt}"),
            Self::GreaterThanEqual { ge } => format!("Input should be greater than or equal to {ge}"),
            Self::LessThan { lt } => format!("Input should be less than {lt}"),
            Self::LessThanEqual { le } => format!("Input should be less than or equal to {le}"),
            Self::MultipleOf { multiple_of } => format!("Input should be a multiple of {multiple_of}"),
            Self::DictType => "Input should be a valid dictionary".into(),
            Self::ListType => "Input should be a valid list".into(),
            Self::TupleType => "Input should be a valid tuple".into(),
            Self::SetType => "Input should be a valid set".into(),
            Self::FrozenSetType => "Input should be a valid frozenset".into(),
            Self::IterableType => "Input should be iterable".into(),
            Self::TooShort { field_type, min_length, actual_length } => format!(
                "{field_type} should have at least {min_length} item{} after validation, not {actual_length}",
                plural(*min_length)
            ),
            Self::TooLong { field_type, max_length, actual_length } => format!(
                "{field_type} should have at most {max_length} item{} after validation, not {}",
                plural(*max_length),
                actual_length.map_or_else(|| "more".to_owned(), |n| n.to_string())
            ),
            Self::ModelType { class_name } => {
                format!("Input should be a valid dictionary or instance of {class_name}")
            }
            Self::ModelAttributesType => "Input should be a valid dictionary or object to extract fields from".into(),
            Self::LiteralError { expected } | Self::Enum { expected } => format!("Input should be {expected}"),
            Self::UnionTagInvalid { discriminator, tag, expected_tags } => format!(
                "Input tag '{tag}' found using {discriminator} does not match any of the expected tags: {expected_tags}"
            ),
            Self::UnionTagNotFound { discriminator } => {
                format!("Unable to extract tag using discriminator {discriminator}")
            }
            Self::DatetimeType => "Input should be a valid datetime".into(),
            Self::DatetimeParsing { error } => format!("Input should be a valid datetime, {error}"),
            Self::DatetimeFromDateParsing { error } => {
                format!("Input should be a valid datetime or date, {error}")
            }
            Self::DateType => "Input should be a valid date".into(),
            Self::DateParsing { error } => format!("Input should be a valid date in the format YYYY-MM-DD, {error}"),
            Self::DateFromDatetimeParsing { error } => format!("Input should be a valid date or datetime, {error}"),
            Self::DateFromDatetimeInexact => "Datetimes provided to dates should have zero time - e.g. be exact dates".into(),
            Self::TimeType => "Input should be a valid time".into(),
            Self::TimeParsing { error } => format!("Input should be in a valid time format, {error}"),
            Self::TimeDeltaType => "Input should be a valid timedelta".into(),
            Self::TimeDeltaParsing { error } => format!("Input should be a valid timedelta, {error}"),
            Self::UuidType => "UUID input should be a string, bytes or UUID object".into(),
            Self::UuidParsing { error } => format!("Input should be a valid UUID, {error}"),
            Self::DecimalType => "Decimal input should be an integer, float, string or Decimal object".into(),
            Self::DecimalParsing => "Input should be a valid decimal".into(),
            Self::DecimalMaxDigits { max_digits } => {
                format!("Decimal input should have no more than {max_digits} digit{} in total", plural(*max_digits))
            }
            Self::DecimalMaxPlaces { decimal_places } => format!(
                "Decimal input should have no more than {decimal_places} decimal place{}",
                plural(*decimal_places)
            ),
            Self::DecimalWholeDigits { whole_digits } => format!(
                "Decimal input should have no more than {whole_digits} digit{} before the decimal point",
                plural(*whole_digits)
            ),
            Self::UrlType => "URL input should be a string or URL".into(),
            Self::UrlParsing { error } => format!("Input should be a valid URL, {error}"),
            Self::UrlScheme { expected_schemes } => format!("URL scheme should be {expected_schemes}"),
            Self::ValueError { error } => format!("Value error, {error}"),
            Self::AssertionError { error } => format!("Assertion failed, {error}"),
            Self::FrozenInstance => "Instance is frozen".into(),
            Self::FrozenField => "Field is frozen".into(),
            Self::JsonInvalid { error } => format!("Invalid JSON: {error}"),
            Self::JsonType => "JSON input should be string, bytes or bytearray".into(),
            Self::RecursionLoop => "Recursion error - cyclic reference detected".into(),
            Self::RecursionDepthExceeded => {
                "Recursion error - maximum validation depth exceeded".into()
            }
            Self::IsInstanceOf { class } => format!("Input should be an instance of {class}"),
            Self::CallableType => "Input should be callable".into(),
            Self::Custom { message, .. } | Self::CustomWithContext { message, .. } => message.clone(),
        }
    }

    /// The context values, as in Pydantic's `errors()[i]["ctx"]`; empty when
    /// the error has none.
    #[must_use]
    pub fn context(&self) -> Vec<(&'static str, CtxValue)> {
        let s = |v: &String| CtxValue::Str(v.clone());
        let n = |v: usize| CtxValue::Int(i64::try_from(v).unwrap_or(i64::MAX));
        match self {
            Self::StringTooShort { min_length } | Self::BytesTooShort { min_length } => {
                vec![("min_length", n(*min_length))]
            }
            Self::StringTooLong { max_length } | Self::BytesTooLong { max_length } => {
                vec![("max_length", n(*max_length))]
            }
            Self::StringPatternMismatch { pattern } => {
                vec![("pattern", CtxValue::Str(pattern.to_string()))]
            }
            Self::GreaterThan { gt } => vec![("gt", gt.clone())],
            Self::GreaterThanEqual { ge } => vec![("ge", ge.clone())],
            Self::LessThan { lt } => vec![("lt", lt.clone())],
            Self::LessThanEqual { le } => vec![("le", le.clone())],
            Self::MultipleOf { multiple_of } => vec![("multiple_of", multiple_of.clone())],
            Self::TooShort {
                field_type,
                min_length,
                actual_length,
            } => vec![
                ("field_type", CtxValue::Str((*field_type).to_owned())),
                ("min_length", n(*min_length)),
                ("actual_length", n(*actual_length)),
            ],
            Self::TooLong {
                field_type,
                max_length,
                actual_length,
            } => vec![
                ("field_type", CtxValue::Str((*field_type).to_owned())),
                ("max_length", n(*max_length)),
                ("actual_length", actual_length.map_or(CtxValue::Null, n)),
            ],
            Self::ModelType { class_name } => vec![("class_name", s(class_name))],
            Self::LiteralError { expected } | Self::Enum { expected } => {
                vec![("expected", s(expected))]
            }
            Self::UnionTagInvalid {
                discriminator,
                tag,
                expected_tags,
            } => vec![
                ("discriminator", s(discriminator)),
                ("tag", s(tag)),
                ("expected_tags", s(expected_tags)),
            ],
            Self::UnionTagNotFound { discriminator } => vec![("discriminator", s(discriminator))],
            Self::DatetimeParsing { error }
            | Self::DatetimeFromDateParsing { error }
            | Self::DateParsing { error }
            | Self::DateFromDatetimeParsing { error }
            | Self::TimeParsing { error }
            | Self::TimeDeltaParsing { error }
            | Self::UuidParsing { error }
            | Self::UrlParsing { error }
            | Self::ValueError { error }
            | Self::AssertionError { error }
            | Self::JsonInvalid { error } => vec![("error", s(error))],
            Self::DecimalMaxDigits { max_digits } => vec![("max_digits", n(*max_digits))],
            Self::DecimalMaxPlaces { decimal_places } => {
                vec![("decimal_places", n(*decimal_places))]
            }
            Self::DecimalWholeDigits { whole_digits } => vec![("whole_digits", n(*whole_digits))],
            Self::UrlScheme { expected_schemes } => vec![("expected_schemes", s(expected_schemes))],
            Self::IsInstanceOf { class } => vec![("class", s(class))],
            Self::BytesInvalidEncoding {
                encoding,
                encoding_error,
            } => vec![
                ("encoding", CtxValue::Str((*encoding).to_owned())),
                ("encoding_error", s(encoding_error)),
            ],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for ErrorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// The text of a location key or of a pattern in an error: stored inline up to 24
/// bytes. A key is copied into every error under it; copying an inline key costs
/// no allocation and, unlike a shared `Arc<str>`, no atomic reference count (two
/// locked instructions per key and error, a tenth of a failing validation's time).
pub type Key = compact_str::CompactString;

/// One step of an error location: a field name or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocItem {
    Key(Key),
    Index(usize),
    /// A negative index of an alias path (`AliasPath("items", -1)`), counted from the end.
    Negative(i64),
}

impl fmt::Display for LocItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(k) => f.write_str(k),
            Self::Index(i) => write!(f, "{i}"),
            Self::Negative(i) => write!(f, "{i}"),
        }
    }
}

/// `address.city` / `tags.2`, as Pydantic prints a location.
#[must_use]
pub fn format_loc(loc: &[LocItem]) -> String {
    let parts: Vec<String> = loc.iter().map(ToString::to_string).collect();
    parts.join(".")
}

/// Join expected values as Pydantic does: `'a', 'b' or 'c'`.
#[must_use]
pub fn join_expected(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
