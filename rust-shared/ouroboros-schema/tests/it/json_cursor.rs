//! `JsonCursor` reads tokens exactly as `jiter::Jiter` does: the same values,
//! the same stops, the same errors at the same indexes, on valid documents,
//! on every truncation and on single-byte corruptions of them.

use std::borrow::Cow;

use jiter::{Jiter, JiterResult, JsonValue, NumberAny, Peek};
use ouroboros_schema::json_cursor::JsonCursor;

/// The reads `json_stream` makes, on either reader.
trait Reader<'j> {
    fn peek(&mut self) -> JiterResult<Peek>;
    fn known_str(&mut self) -> JiterResult<String>;
    fn known_object(&mut self) -> JiterResult<Option<String>>;
    fn next_key(&mut self) -> JiterResult<Option<String>>;
    fn known_array(&mut self) -> JiterResult<Option<Peek>>;
    fn array_step(&mut self) -> JiterResult<Option<Peek>>;
    fn known_number(&mut self, peek: Peek) -> JiterResult<NumberAny>;
    fn known_value(&mut self, peek: Peek) -> JiterResult<JsonValue<'j>>;
    fn known_skip(&mut self, peek: Peek) -> JiterResult<()>;
    fn next_skip(&mut self) -> JiterResult<()>;
    fn finish(&mut self) -> JiterResult<()>;
    fn index(&self) -> usize;
}

impl<'j> Reader<'j> for Jiter<'j> {
    fn peek(&mut self) -> JiterResult<Peek> {
        Jiter::peek(self)
    }
    fn known_str(&mut self) -> JiterResult<String> {
        Jiter::known_str(self).map(str::to_owned)
    }
    fn known_object(&mut self) -> JiterResult<Option<String>> {
        Jiter::known_object(self).map(|k| k.map(str::to_owned))
    }
    fn next_key(&mut self) -> JiterResult<Option<String>> {
        Jiter::next_key(self).map(|k| k.map(str::to_owned))
    }
    fn known_array(&mut self) -> JiterResult<Option<Peek>> {
        Jiter::known_array(self)
    }
    fn array_step(&mut self) -> JiterResult<Option<Peek>> {
        Jiter::array_step(self)
    }
    fn known_number(&mut self, peek: Peek) -> JiterResult<NumberAny> {
        Jiter::known_number(self, peek)
    }
    fn known_value(&mut self, peek: Peek) -> JiterResult<JsonValue<'j>> {
        Jiter::known_value(self, peek)
    }
    fn known_skip(&mut self, peek: Peek) -> JiterResult<()> {
        Jiter::known_skip(self, peek)
    }
    fn next_skip(&mut self) -> JiterResult<()> {
        Jiter::next_skip(self)
    }
    fn finish(&mut self) -> JiterResult<()> {
        Jiter::finish(self)
    }
    fn index(&self) -> usize {
        self.current_index()
    }
}

impl<'j> Reader<'j> for JsonCursor<'j> {
    fn peek(&mut self) -> JiterResult<Peek> {
        JsonCursor::peek(self)
    }
    fn known_str(&mut self) -> JiterResult<String> {
        JsonCursor::known_str(self).map(Cow::into_owned)
    }
    fn known_object(&mut self) -> JiterResult<Option<String>> {
        JsonCursor::known_object(self).map(|k| k.map(Cow::into_owned))
    }
    fn next_key(&mut self) -> JiterResult<Option<String>> {
        JsonCursor::next_key(self).map(|k| k.map(Cow::into_owned))
    }
    fn known_array(&mut self) -> JiterResult<Option<Peek>> {
        JsonCursor::known_array(self)
    }
    fn array_step(&mut self) -> JiterResult<Option<Peek>> {
        JsonCursor::array_step(self)
    }
    fn known_number(&mut self, peek: Peek) -> JiterResult<NumberAny> {
        JsonCursor::known_number(self, peek)
    }
    fn known_value(&mut self, peek: Peek) -> JiterResult<JsonValue<'j>> {
        JsonCursor::known_value(self, peek)
    }
    fn known_skip(&mut self, peek: Peek) -> JiterResult<()> {
        JsonCursor::known_skip(self, peek)
    }
    fn next_skip(&mut self) -> JiterResult<()> {
        JsonCursor::next_skip(self)
    }
    fn finish(&mut self) -> JiterResult<()> {
        JsonCursor::finish(self)
    }
    fn index(&self) -> usize {
        self.current_index()
    }
}

/// Walk one value, logging every token and where the reader stood after it.
/// `skip_keys`: values under keys starting with `s` are skipped, as extras are.
fn walk<'j, R: Reader<'j>>(r: &mut R, log: &mut Vec<String>, depth: usize) -> JiterResult<()> {
    let peek = r.peek()?;
    match peek {
        Peek::Object if depth < 20 => {
            let mut key = r.known_object()?;
            while let Some(k) = key {
                log.push(format!("key {k:?} @{}", r.index()));
                if k.starts_with('s') {
                    r.next_skip()?;
                } else {
                    walk(r, log, depth + 1)?;
                }
                key = r.next_key()?;
            }
            log.push(format!("end object @{}", r.index()));
        }
        Peek::Array if depth < 20 => {
            let mut next = r.known_array()?;
            while next.is_some() {
                walk(r, log, depth + 1)?;
                next = r.array_step()?;
            }
            log.push(format!("end array @{}", r.index()));
        }
        Peek::String => {
            let s = r.known_str()?;
            log.push(format!("str {s:?} @{}", r.index()));
        }
        p if p.is_num() => {
            let n = r.known_number(p)?;
            log.push(format!("num {n:?} @{}", r.index()));
        }
        p if depth % 2 == 1 => {
            r.known_skip(p)?;
            log.push(format!("skip @{}", r.index()));
        }
        p => {
            let v = r.known_value(p)?;
            log.push(format!("value {v:?} @{}", r.index()));
        }
    }
    Ok(())
}

fn run<'j, R: Reader<'j>>(mut r: R) -> Vec<String> {
    let mut log = Vec::new();
    let end = walk(&mut r, &mut log, 0).and_then(|()| r.finish());
    log.push(match end {
        Ok(()) => format!("done @{}", r.index()),
        Err(e) => format!("error {:?} at {}", e.error_type, e.index),
    });
    log
}

fn same(data: &[u8]) {
    let expected = run(Jiter::new(data).with_allow_inf_nan());
    let got = run(JsonCursor::new(data));
    assert_eq!(got, expected, "input {:?}", String::from_utf8_lossy(data));
}

const DOCS: &[&str] = &[
    r#"{"id": 1, "name": "Alice", "email": "alice@example.com", "age": 30,
       "tags": ["admin", "staff", "ops"],
       "address": {"street": "1 Main St", "city": "Springfield", "zip_code": "12345"}}"#,
    r#"{"a":"caf\u00e9 \"q\" \\ \/ \n","b":"日本語のテキストです、長めに","c":[-0,0,-12,123456789012345678,1234567890123456789,99999999999999999999,1.5,-2e3,1E-2,NaN,Infinity,-Infinity]}"#,
    r#" [ true , false , null , {} , [] , { "s1" : {"x": [1, {"y": "z"}]} , "k" : "v" } ] "#,
    r#"{"long": "0123456789abcdefghijklmnopqrstuvwxyz0123456789", "e": "", "x": "é", "\u0041": 7}"#,
    "\t\r\n{\"k\"\t:\n\"v\"\r,\"n\" :-7}\n",
];

#[test]
fn valid_documents_read_alike() {
    for doc in DOCS {
        same(doc.as_bytes());
    }
}

#[test]
fn every_truncation_reads_alike() {
    for doc in DOCS {
        let bytes = doc.as_bytes();
        for end in 0..bytes.len() {
            same(&bytes[..end]);
        }
    }
}

#[test]
fn every_corruption_reads_alike() {
    let swaps: &[u8] = b"\"\\,:{}[] x0-.e\x01\x1f\x7f\xc3\xa9\xff";
    for doc in DOCS {
        let bytes = doc.as_bytes();
        for i in 0..bytes.len() {
            for &b in swaps {
                let mut changed = bytes.to_vec();
                changed[i] = b;
                same(&changed);
            }
        }
    }
}

#[test]
fn errors_are_reported_at_absolute_indexes() {
    let doc = br#"{"a": [1, 2,], "b": 1}"#;
    let mut log = run(JsonCursor::new(doc));
    assert_eq!(log.pop().unwrap(), "error JsonError(TrailingComma) at 12");
}
