use ouroboros_schema::errors::{format_float, format_loc, join_expected};
use ouroboros_schema::{CtxValue, ErrorType, LocItem};

#[test]
fn names_and_messages_match_pydantic() {
    let cases = [
        (ErrorType::Missing, "missing", "Field required"),
        (
            ErrorType::IntParsing,
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
        ),
        (
            ErrorType::StringTooShort { min_length: 1 },
            "string_too_short",
            "String should have at least 1 character",
        ),
        (
            ErrorType::StringTooLong { max_length: 3 },
            "string_too_long",
            "String should have at most 3 characters",
        ),
        (
            ErrorType::GreaterThanEqual {
                ge: CtxValue::Int(0),
            },
            "greater_than_equal",
            "Input should be greater than or equal to 0",
        ),
        (
            ErrorType::LessThan {
                lt: CtxValue::Float(1.5),
            },
            "less_than",
            "Input should be less than 1.5",
        ),
        (
            ErrorType::ExtraForbidden,
            "extra_forbidden",
            "Extra inputs are not permitted",
        ),
        (
            ErrorType::TooShort {
                field_type: "List",
                min_length: 2,
                actual_length: 1,
            },
            "too_short",
            "List should have at least 2 items after validation, not 1",
        ),
        (
            ErrorType::LiteralError {
                expected: "'a' or 'b'".into(),
            },
            "literal_error",
            "Input should be 'a' or 'b'",
        ),
        (
            ErrorType::JsonInvalid {
                error: "EOF".into(),
            },
            "json_invalid",
            "Invalid JSON: EOF",
        ),
    ];
    for (e, name, msg) in cases {
        assert_eq!(e.name(), name);
        assert_eq!(e.message(), msg);
    }
}

#[test]
fn context_values() {
    let e = ErrorType::TooLong {
        field_type: "List",
        max_length: 2,
        actual_length: Some(3),
    };
    let ctx = e.context();
    assert_eq!(ctx[0], ("field_type", CtxValue::Str("List".into())));
    assert_eq!(ctx[1], ("max_length", CtxValue::Int(2)));
    assert_eq!(ctx[2], ("actual_length", CtxValue::Int(3)));
    assert!(ErrorType::Missing.context().is_empty());
}

#[test]
fn too_long_without_a_known_length() {
    let e = ErrorType::TooLong {
        field_type: "Set",
        max_length: 2,
        actual_length: None,
    };
    assert_eq!(
        e.message(),
        "Set should have at most 2 items after validation, not more"
    );
    assert_eq!(e.context()[2], ("actual_length", CtxValue::Null));
}

#[test]
fn helpers() {
    assert_eq!(
        format_loc(&[LocItem::Key("tags".into()), LocItem::Index(2)]),
        "tags.2"
    );
    assert_eq!(
        join_expected(&["'a'".into(), "'b'".into(), "'c'".into()]),
        "'a', 'b' or 'c'"
    );
    assert_eq!(join_expected(&["1".into()]), "1");
    assert_eq!(format_float(2.0), "2.0");
    assert_eq!(format_float(0.5), "0.5");
    assert_eq!(format_float(f64::INFINITY), "inf");
}
