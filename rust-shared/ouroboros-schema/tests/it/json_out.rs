use ouroboros_schema::json_out::{
    duration_iso, push_bytes, push_key, write_float, write_int, write_str,
};

fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut out = Vec::new();
    f(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn strings_are_escaped_like_json() {
    assert_eq!(s(|o| write_str(o, "plain")), "\"plain\"");
    assert_eq!(s(|o| write_str(o, "a\"b\\c")), r#""a\"b\\c""#);
    assert_eq!(s(|o| write_str(o, "l1\nl2\t")), r#""l1\nl2\t""#);
    assert_eq!(s(|o| write_str(o, "\u{1}")), r#""\u0001""#);
    assert_eq!(s(|o| write_str(o, "é✓")), "\"é✓\"");
}

#[test]
fn long_strings_are_escaped_at_every_position() {
    // The word-at-a-time scan: escapes before, inside and after whole words,
    // and bytes next to the escaped ones (0x1f, 0x20, 0x7f, UTF-8) kept.
    let plain = "abcdefghijklmnopqrstuvwxyz0123456789 ~\u{7f}é✓";
    assert_eq!(s(|o| write_str(o, plain)), format!("\"{plain}\""));
    for at in 0..=plain.len() {
        if !plain.is_char_boundary(at) {
            continue;
        }
        for (raw, escaped) in [
            ("\"", "\\\""),
            ("\\", "\\\\"),
            ("\n", "\\n"),
            ("\u{1f}", "\\u001f"),
        ] {
            let input = format!("{}{raw}{}", &plain[..at], &plain[at..]);
            let want = format!("\"{}{escaped}{}\"", &plain[..at], &plain[at..]);
            assert_eq!(s(|o| write_str(o, &input)), want, "escape at {at}");
        }
    }
}

#[test]
fn strings_of_every_length_are_escaped_at_every_position() {
    // Lengths around the word sizes of the scan (4, 8) and of the copy (8, 16, 32).
    for len in 0..=40usize {
        let plain = "abcdefghij".repeat(4)[..len].to_string();
        assert_eq!(
            s(|o| write_str(o, &plain)),
            format!("\"{plain}\""),
            "len {len}"
        );
        for at in 0..len {
            for (raw, escaped) in [
                ('"', "\\\""),
                ('\\', "\\\\"),
                ('\u{0}', "\\u0000"),
                ('\u{1f}', "\\u001f"),
            ] {
                let mut input = plain.clone();
                input.replace_range(at..=at, &raw.to_string());
                let want = format!("\"{}{escaped}{}\"", &plain[..at], &plain[at + 1..]);
                assert_eq!(
                    s(|o| write_str(o, &input)),
                    want,
                    "len {len}, escape at {at}"
                );
            }
        }
    }
}

#[test]
fn keys_and_bytes_are_appended() {
    let mut out = b"{".to_vec();
    push_key(&mut out, b"\"id\"", true);
    push_bytes(&mut out, b"1");
    push_key(&mut out, b"\"a_much_longer_field_name_here\"", false);
    push_bytes(&mut out, b"[]");
    assert_eq!(out, br#"{"id":1,"a_much_longer_field_name_here":[]"#);
    for len in 0..=40usize {
        let bytes: Vec<u8> = b"abcdefghijklmnopqrstuvwxyz"
            .iter()
            .cycle()
            .take(len)
            .copied()
            .collect();
        let mut out = b"x".to_vec();
        push_bytes(&mut out, &bytes);
        assert_eq!(&out[1..], &bytes[..], "len {len}");
    }
}

#[test]
fn numbers() {
    assert_eq!(s(|o| write_int(o, -42)), "-42");
    assert_eq!(s(|o| write_float(o, 1.0)), "1.0");
    assert_eq!(s(|o| write_float(o, 0.1)), "0.1");
    assert_eq!(s(|o| write_float(o, f64::NAN)), "null");
    assert_eq!(s(|o| write_float(o, f64::INFINITY)), "null");
}

#[test]
fn iso_durations() {
    assert_eq!(duration_iso(0), "PT0S");
    assert_eq!(duration_iso(3_600_000_000), "PT1H");
    assert_eq!(duration_iso(86_400_000_000 + 30_000_000), "P1DT30S");
    assert_eq!(duration_iso(5_400_000_000), "PT1H30M");
    assert_eq!(duration_iso(1_500_000), "PT1.5S");
    assert_eq!(duration_iso(-1_000_000), "-PT1S");
    assert_eq!(duration_iso(86_400_000_000), "P1D");
}
