use ouroboros_schema::coerce::{
    float_to_bool, float_to_int, int_to_bool, str_to_bool, str_to_float, str_to_int, ParsedInt,
};
use ouroboros_schema::ErrorType;

#[test]
fn lax_ints_from_strings() {
    assert_eq!(str_to_int("1"), Ok(ParsedInt::Small(1)));
    assert_eq!(str_to_int(" 12 "), Ok(ParsedInt::Small(12)));
    assert_eq!(str_to_int("-7"), Ok(ParsedInt::Small(-7)));
    assert_eq!(str_to_int("1_000"), Ok(ParsedInt::Small(1000)));
    assert_eq!(str_to_int("1."), Err(ErrorType::IntParsing));
    assert_eq!(str_to_int("-0"), Ok(ParsedInt::Small(0)));
    assert_eq!(
        str_to_int("123456789012345678"),
        Ok(ParsedInt::Small(123_456_789_012_345_678))
    );
    assert_eq!(str_to_int("1.0"), Ok(ParsedInt::Small(1)));
    assert_eq!(str_to_int("1.00"), Ok(ParsedInt::Small(1)));
    assert_eq!(str_to_int("1.5"), Err(ErrorType::IntParsing));
    assert_eq!(str_to_int("1e3"), Err(ErrorType::IntParsing));
    assert_eq!(str_to_int(""), Err(ErrorType::IntParsing));
    assert_eq!(str_to_int("_1"), Err(ErrorType::IntParsing));
    assert_eq!(str_to_int("1__0"), Err(ErrorType::IntParsing));
    assert_eq!(
        str_to_int("99999999999999999999"),
        Ok(ParsedInt::Big("99999999999999999999".into()))
    );
    assert_eq!(
        str_to_int(&"9".repeat(5000)),
        Err(ErrorType::IntParsingSize)
    );
}

#[test]
fn ints_from_floats_only_when_whole() {
    assert_eq!(float_to_int(3.0), Ok(ParsedInt::Small(3)));
    assert_eq!(float_to_int(1.5), Err(ErrorType::IntFromFloat));
    assert_eq!(float_to_int(f64::NAN), Err(ErrorType::FiniteNumber));
    assert_eq!(float_to_int(f64::INFINITY), Err(ErrorType::FiniteNumber));
    assert_eq!(float_to_int(-0.0), Ok(ParsedInt::Small(0)));
    assert_eq!(
        float_to_int(9.2e18),
        Ok(ParsedInt::Small(9_200_000_000_000_000_000))
    );
    // Beyond i64, as Pydantic: int_parsing_size (a bounded int too, not a bound's error).
    assert_eq!(float_to_int(1e20), Err(ErrorType::IntParsingSize));
    assert_eq!(
        // -2^63 exactly: i64::MIN, refused as pydantic-core refuses it.
        float_to_int(-2f64.powi(63)),
        Err(ErrorType::IntParsingSize)
    );
}

#[test]
fn lax_floats_from_strings() {
    assert_eq!(str_to_float("1e3"), Ok(1000.0));
    assert_eq!(str_to_float(" 2.5 "), Ok(2.5));
    assert!(str_to_float("inf").unwrap().is_infinite());
    assert!(str_to_float("-Infinity").unwrap() < 0.0);
    assert!(str_to_float("nan").unwrap().is_nan());
    assert_eq!(str_to_float("abc"), Err(ErrorType::FloatParsing));
    assert_eq!(str_to_float(""), Err(ErrorType::FloatParsing));
}

#[test]
fn lax_bools() {
    for s in ["1", "on", "t", "true", "y", "yes", "TRUE", " Yes "] {
        assert_eq!(str_to_bool(s), Ok(true), "{s}");
    }
    for s in ["0", "off", "f", "false", "n", "no", "False"] {
        assert_eq!(str_to_bool(s), Ok(false), "{s}");
    }
    assert_eq!(str_to_bool("maybe"), Err(ErrorType::BoolParsing));
    assert_eq!(int_to_bool(1), Ok(true));
    assert_eq!(int_to_bool(2), Err(ErrorType::BoolParsing));
    assert_eq!(float_to_bool(0.0), Ok(false));
    assert_eq!(float_to_bool(1.0), Ok(true));
    assert_eq!(float_to_bool(-0.0), Ok(false));
    // A whole number other than 0 and 1 is bool_parsing; a fraction, nan or a number
    // beyond i64 is bool_type (as Pydantic).
    assert_eq!(float_to_bool(2.0), Err(ErrorType::BoolParsing));
    assert_eq!(float_to_bool(0.5), Err(ErrorType::BoolType));
    assert_eq!(float_to_bool(f64::NAN), Err(ErrorType::BoolType));
    assert_eq!(float_to_bool(1e31), Err(ErrorType::BoolType));
}
