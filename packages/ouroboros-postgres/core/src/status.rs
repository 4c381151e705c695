//! The command status `execute` returns (`INSERT 0 3`, `UPDATE 2`,
//! `CREATE TABLE`), as asyncpg does.
//!
//! tokio-postgres reads the server's CommandComplete tag but keeps only the
//! row count, so the tag is rebuilt from the statement's leading keywords and
//! that count. This matches the server for every command whose tag is its
//! keywords (DDL, BEGIN, SET...) or keywords plus a count (DML, COPY, FETCH).

/// The status text of `sql` (its last statement) that affected `rows` rows.
#[must_use]
pub fn command_status(sql: &str, rows: u64) -> String {
    let last = last_statement(sql);
    let first = keywords(last).next().unwrap_or_default();
    let first = first.as_str();
    match first {
        "INSERT" => format!("INSERT 0 {rows}"),
        "UPDATE" | "DELETE" | "SELECT" | "MERGE" | "COPY" | "FETCH" | "MOVE" | "VALUES"
        | "TABLE" => {
            let verb = if matches!(first, "VALUES" | "TABLE") {
                "SELECT"
            } else {
                first
            };
            format!("{verb} {rows}")
        }
        "WITH" => format!("SELECT {rows}"),
        "CREATE" | "DROP" | "ALTER" => {
            // CREATE [OR REPLACE] [UNIQUE|TEMP|...] <object>
            let object = keywords(last)
                .skip(1)
                .find(|w| {
                    !matches!(
                        w.as_str(),
                        "OR" | "REPLACE"
                            | "UNIQUE"
                            | "TEMP"
                            | "TEMPORARY"
                            | "UNLOGGED"
                            | "GLOBAL"
                            | "LOCAL"
                    )
                })
                .unwrap_or_default();
            format!("{first} {object}").trim_end().to_owned()
        }
        "START" => "START TRANSACTION".into(),
        "END" => "COMMIT".into(),
        "ABORT" => "ROLLBACK".into(),
        "" => String::new(),
        other => other.to_owned(),
    }
}

/// The last non-empty statement of a `;`-separated script (quotes respected).
fn last_statement(sql: &str) -> &str {
    let bytes = sql.as_bytes();
    let mut start = 0;
    let mut last = sql;
    let mut quote: Option<u8> = None;
    for (i, &b) in bytes.iter().enumerate() {
        match quote {
            Some(q) if b == q => quote = None,
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b';' => {
                if !sql[start..i].trim().is_empty() {
                    last = &sql[start..i];
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if !sql[start..].trim().is_empty() {
        last = &sql[start..];
    }
    last
}

fn keywords(sql: &str) -> impl Iterator<Item = String> + '_ {
    sql.split(|c: char| !c.is_ascii_alphabetic() && c != '_')
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase)
}

#[cfg(test)]
mod tests {
    use super::command_status;

    #[test]
    fn tags() {
        assert_eq!(command_status("insert into t values (1)", 1), "INSERT 0 1");
        assert_eq!(command_status("UPDATE t SET a = 1", 3), "UPDATE 3");
        assert_eq!(command_status("create table t (a int)", 0), "CREATE TABLE");
        assert_eq!(
            command_status("CREATE UNIQUE INDEX i ON t (a)", 0),
            "CREATE INDEX"
        );
        assert_eq!(
            command_status(
                "create temp table x (a int); insert into x values (1), (2)",
                2
            ),
            "INSERT 0 2"
        );
        assert_eq!(command_status("select 'a;b'", 1), "SELECT 1");
        assert_eq!(command_status("BEGIN", 0), "BEGIN");
        assert_eq!(command_status("drop table if exists t;", 0), "DROP TABLE");
    }
}
