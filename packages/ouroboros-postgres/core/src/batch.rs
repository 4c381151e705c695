//! The one-statement form of an `executemany` insert.
//!
//! tokio-postgres ends every execution with its own Sync, so a pipelined
//! `executemany` costs the server one flush (and us one wake-up) per row. An
//! insert of the plain shape `INSERT INTO t (a, b) VALUES ($1, $2)` is sent
//! instead as `INSERT INTO t (a, b) SELECT * FROM unnest($1::T1[], $2::T2[])`:
//! one statement, one round trip, every row in one binary array per column.
//! A statement is rewritten only when it has exactly that shape (placeholders
//! `$1..$n` in order, no literals or comments, no `ON CONFLICT ... DO UPDATE`,
//! whose second hit on one key would fail inside a single statement); anything
//! else keeps the pipelined path.

/// The parts of a rewritable insert: the text before `VALUES`, the text after
/// the row (empty or an `ON CONFLICT ... DO NOTHING`), and the placeholder count.
#[derive(Debug, PartialEq, Eq)]
pub struct InsertShape<'a> {
    pub head: &'a str,
    pub tail: &'a str,
    pub params: usize,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// Byte offsets of the keyword `word` outside double-quoted identifiers.
fn keyword_positions(sql: &str, word: &str) -> Vec<usize> {
    let bytes = sql.as_bytes();
    let mut found = Vec::new();
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted
            && bytes.len() - i >= word.len()
            && bytes[i..i + word.len()].eq_ignore_ascii_case(word.as_bytes())
            && (i == 0 || !is_word(bytes[i - 1]))
            && bytes.get(i + word.len()).is_none_or(|n| !is_word(*n))
        {
            found.push(i);
            i += word.len();
            continue;
        }
        i += 1;
    }
    found
}

/// The shape of `sql` when it is a single-row `INSERT ... VALUES ($1, ..., $n)`.
#[must_use]
pub fn insert_shape(sql: &str) -> Option<InsertShape<'_>> {
    let sql = sql.trim();
    let sql = sql.strip_suffix(';').unwrap_or(sql).trim_end();
    // Literals, comments and dollar quoting are left to the general path.
    if sql.contains(['\'', ';', '\\']) || sql.contains("--") || sql.contains("/*") {
        return None;
    }
    let starts = keyword_positions(sql, "insert");
    if starts.first() != Some(&0) {
        return None;
    }
    let [at] = keyword_positions(sql, "values")[..] else {
        return None;
    };
    let head = sql[..at].trim_end();
    if head.contains('$') {
        return None;
    }
    let mut rest = sql[at + "values".len()..].trim_start().strip_prefix('(')?;
    let mut params = 0;
    loop {
        rest = rest.trim_start().strip_prefix('$')?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if rest[..digits].parse::<usize>().ok()? != params + 1 {
            return None;
        }
        params += 1;
        rest = rest[digits..].trim_start();
        if let Some(r) = rest.strip_prefix(',') {
            rest = r;
        } else {
            rest = rest.strip_prefix(')')?;
            break;
        }
    }
    let tail = rest.trim();
    if !tail.is_empty() {
        let upper = tail.to_ascii_uppercase();
        let words: Vec<&str> = upper.split_whitespace().collect();
        let conflict_do_nothing = words.starts_with(&["ON", "CONFLICT"])
            && words.ends_with(&["DO", "NOTHING"])
            && !tail.contains('$')
            && keyword_positions(tail, "do").len() == 1;
        if !conflict_do_nothing {
            return None;
        }
    }
    Some(InsertShape { head, tail, params })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_inserts_are_recognised() {
        let s = insert_shape("INSERT INTO t (a, b) VALUES ($1, $2)").unwrap();
        assert_eq!(s.head, "INSERT INTO t (a, b)");
        assert_eq!(s.tail, "");
        assert_eq!(s.params, 2);
        let s = insert_shape("  insert into \"Values\" values( $1 ,$2,$3 ) ;").unwrap();
        assert_eq!(s.head, "insert into \"Values\"");
        assert_eq!(s.params, 3);
        let s = insert_shape("INSERT INTO t VALUES ($1) ON CONFLICT (id) DO NOTHING").unwrap();
        assert_eq!(s.tail, "ON CONFLICT (id) DO NOTHING");
    }

    #[test]
    fn other_shapes_are_left_alone() {
        for sql in [
            "INSERT INTO t VALUES ($2, $1)",
            "INSERT INTO t VALUES ($1, $1)",
            "INSERT INTO t VALUES ($1, 'x')",
            "INSERT INTO t VALUES ($1, $2 + 1)",
            "INSERT INTO t VALUES ($1), ($2)",
            "INSERT INTO t VALUES ($1) RETURNING id",
            "INSERT INTO t VALUES ($1) ON CONFLICT (id) DO UPDATE SET n = 1",
            "INSERT INTO t VALUES ($1) ON CONFLICT (id) DO UPDATE SET n = t.n WHERE false DO NOTHING",
            "INSERT INTO t SELECT $1",
            "INSERT INTO t DEFAULT VALUES",
            "UPDATE t SET a = $1",
            "WITH x AS (SELECT 1) INSERT INTO t VALUES ($1)",
            "INSERT INTO t VALUES ($1); DROP TABLE t",
            "INSERT INTO t VALUES ($1) -- c",
            "INSERT INTO t VALUES ($1::int)",
        ] {
            assert_eq!(insert_shape(sql), None, "{sql}");
        }
    }
}
