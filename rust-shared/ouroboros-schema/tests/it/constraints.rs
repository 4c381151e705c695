use ouroboros_schema::constraints::{
    FloatConstraints, IntConstraints, LenConstraints, StrConstraints,
};
use ouroboros_schema::{CtxValue, ErrorType};

#[test]
fn string_lengths_count_characters_near_the_byte_bounds() {
    let c = StrConstraints {
        min_length: Some(3),
        max_length: Some(4),
        ..Default::default()
    };
    // 6 bytes, 2 characters: too short although 6 bytes are more than 3.
    assert_eq!(
        c.apply("日本"),
        Err(ErrorType::StringTooShort { min_length: 3 })
    );
    // 8 bytes, 4 characters: fits although 8 bytes are more than 4.
    assert_eq!(c.apply("éééé"), Ok(None));
    assert_eq!(
        c.apply("ééééé"),
        Err(ErrorType::StringTooLong { max_length: 4 })
    );
    assert_eq!(c.apply("abc"), Ok(None));
    assert_eq!(
        c.apply("ab"),
        Err(ErrorType::StringTooShort { min_length: 3 })
    );
    assert_eq!(
        c.apply("abcde"),
        Err(ErrorType::StringTooLong { max_length: 4 })
    );
}

#[test]
fn string_constraints_in_pydantic_order() {
    let c = StrConstraints {
        min_length: Some(2),
        max_length: Some(4),
        pattern: Some(StrConstraints::compile_pattern("^a").unwrap()),
        ..Default::default()
    };
    assert_eq!(c.apply("ab"), Ok(None));
    assert_eq!(
        c.apply("a"),
        Err(ErrorType::StringTooShort { min_length: 2 })
    );
    assert_eq!(
        c.apply("abcde"),
        Err(ErrorType::StringTooLong { max_length: 4 })
    );
    assert_eq!(
        c.apply("bb"),
        Err(ErrorType::StringPatternMismatch {
            pattern: "^a".into()
        })
    );
    // Length counts characters, not bytes.
    assert_eq!(c.apply("aé"), Ok(None));
}

#[test]
fn string_transforms() {
    let c = StrConstraints {
        strip_whitespace: true,
        to_lower: true,
        ..Default::default()
    };
    assert_eq!(c.apply("  HeLLo "), Ok(Some("hello".into())));
    assert_eq!(c.apply("hello"), Ok(None));
    assert!(StrConstraints::compile_pattern("(").is_err());
}

#[test]
fn int_bounds() {
    let c = IntConstraints {
        gt: Some(0),
        le: Some(10),
        multiple_of: Some(2),
        ..Default::default()
    };
    assert_eq!(c.check(4), Ok(()));
    assert_eq!(
        c.check(0),
        Err(ErrorType::MultipleOf {
            multiple_of: CtxValue::Int(2)
        })
        .or(c.check(0))
    );
    assert_eq!(
        c.check(-2),
        Err(ErrorType::GreaterThan {
            gt: CtxValue::Int(0)
        })
    );
    assert_eq!(
        c.check(12),
        Err(ErrorType::LessThanEqual {
            le: CtxValue::Int(10)
        })
    );
    assert_eq!(
        c.check(3),
        Err(ErrorType::MultipleOf {
            multiple_of: CtxValue::Int(2)
        })
    );
}

#[test]
fn float_bounds_and_finiteness() {
    let c = FloatConstraints {
        ge: Some(0.5),
        lt: Some(1.0),
        allow_inf_nan: false,
        ..Default::default()
    };
    assert_eq!(c.check(0.5), Ok(()));
    assert_eq!(
        c.check(0.4),
        Err(ErrorType::GreaterThanEqual {
            ge: CtxValue::Float(0.5)
        })
    );
    assert_eq!(
        c.check(1.0),
        Err(ErrorType::LessThan {
            lt: CtxValue::Float(1.0)
        })
    );
    assert_eq!(c.check(f64::NAN), Err(ErrorType::FiniteNumber));
    let m = FloatConstraints {
        multiple_of: Some(0.1),
        ..Default::default()
    };
    assert_eq!(m.check(0.3), Ok(()));
    assert!(m.check(0.35).is_err());
}

#[test]
fn collection_lengths() {
    let c = LenConstraints {
        min_length: Some(1),
        max_length: Some(2),
    };
    assert_eq!(c.check("List", 1), Ok(()));
    assert_eq!(
        c.check("List", 0),
        Err(ErrorType::TooShort {
            field_type: "List",
            min_length: 1,
            actual_length: 0
        })
    );
    assert_eq!(
        c.check("List", 3),
        Err(ErrorType::TooLong {
            field_type: "List",
            max_length: 2,
            actual_length: Some(3)
        })
    );
    assert!(c.exceeded(3));
    assert!(!c.exceeded(2));
}

#[test]
fn ascii_pattern_agrees_with_regex_on_ascii_input() {
    use ouroboros_schema::constraints::AsciiPattern;
    let patterns = [
        r"^\d{5}$",
        r"^[\w\.-]+@[\w\.-]+\.\w+$",
        r"(?i)^abc$",
        r"\bword\b",
        r"^\s*$",
        r"[^a]",
        r".",
        r"^a.c$",
        r"(?m)^b$",
        r"",
        r"x*",
        r"^(foo|bar)+$",
        r"[[:alpha:]]+\d",
        r"\W",
        r"\S+$",
        r"\D",
    ];
    let inputs = [
        "",
        "12345",
        "1234",
        "123456",
        "alice@example.com",
        "nope",
        "ABC",
        "abc",
        "aBc",
        "a word here",
        "swordfish",
        "   ",
        " x ",
        "a",
        "aa",
        "abc\n",
        "a\nb\nc",
        "a\nc",
        "foobar",
        "foobaz",
        "ab1",
        "_",
        "\t\x0b\x0c\r",
        "x\u{7f}",
        "KELVIN k",
        "s S",
    ];
    for p in patterns {
        let re = StrConstraints::compile_pattern(p).unwrap();
        let fast = AsciiPattern::new(p).unwrap_or_else(|| panic!("{p} should have a fast path"));
        for s in inputs {
            assert_eq!(
                fast.is_match(s),
                Some(re.is_match(s)),
                "pattern {p:?} on {s:?}"
            );
        }
    }
    // Many generated haystacks (a fixed xorshift sequence) over an alphabet
    // that hits every class boundary of the patterns above.
    let alphabet = b"aAzZ09_ .-@\n\t\x0bk!~";
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for p in patterns {
        let re = StrConstraints::compile_pattern(p).unwrap();
        let fast = AsciiPattern::new(p).unwrap();
        for _ in 0..500 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = usize::try_from(seed % 12).unwrap();
            let s: String = (0..len)
                .map(|i| {
                    char::from(alphabet[usize::try_from(seed >> (i * 5)).unwrap() % alphabet.len()])
                })
                .collect();
            assert_eq!(
                fast.is_match(&s),
                Some(re.is_match(&s)),
                "pattern {p:?} on {s:?}"
            );
        }
    }
    // No fast path where the ASCII engine cannot answer alike.
    assert!(AsciiPattern::new(r"\p{Greek}").is_none());
    assert!(AsciiPattern::new("é+").is_none());
}

#[test]
fn ascii_pattern_gives_up_or_agrees_on_other_input() {
    use ouroboros_schema::constraints::AsciiPattern;
    // A verdict is only reached on ASCII bytes; at the first other byte the
    // table gives up (`None`) and the `regex` crate decides.
    let patterns = [
        r"^\d{5}$",
        r"\bword\b",
        r"a",
        r"^a",
        r"a\b",
        r"\w+$",
        r"(?i)k",
        r"[^a]",
        r".",
        r"^$",
    ];
    let inputs = [
        "é", "aé", "éa", "a\u{e9}b", "word é", "éword", "12345é", "K", "\u{212a}", "ſ", "αβγ",
        "a\u{7f}",
    ];
    for p in patterns {
        let re = StrConstraints::compile_pattern(p).unwrap();
        let fast = AsciiPattern::new(p).unwrap_or_else(|| panic!("{p} should have a fast path"));
        for s in inputs {
            let got = fast.is_match(s);
            assert!(
                got.is_none() || got == Some(re.is_match(s)),
                "pattern {p:?} on {s:?}: {got:?}"
            );
            if !s.is_ascii() && got.is_some() {
                // Only possible when the verdict came before the first non-ASCII byte.
                let first = s.bytes().position(|b| !b.is_ascii()).unwrap();
                assert!(first > 0, "pattern {p:?} on {s:?}");
            }
        }
    }
}

#[test]
fn pattern_checks_use_the_fast_path_only_for_ascii_input() {
    use ouroboros_schema::constraints::AsciiPattern;
    let c = StrConstraints {
        pattern: Some(StrConstraints::compile_pattern(r"^\w+$").unwrap()),
        ascii_pattern: AsciiPattern::new(r"^\w+$").map(std::sync::Arc::new),
        pattern_text: Some(r"^\w+$".into()),
        ..Default::default()
    };
    assert_eq!(c.apply("abc_1"), Ok(None));
    // Unicode \w still holds for non-ASCII input (the regex crate answers).
    assert_eq!(c.apply("héllo"), Ok(None));
    assert_eq!(
        c.apply("a b"),
        Err(ErrorType::StringPatternMismatch {
            pattern: r"^\w+$".into()
        })
    );
}
