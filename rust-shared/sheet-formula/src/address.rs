//! Cell addresses: A1 notation, rectangles, the grid's limits.

use std::fmt::Write as _;

/// Rows per sheet (Excel's limit).
pub const MAX_ROWS: u32 = 1_048_576;
/// Columns per sheet (Excel's limit, XFD).
pub const MAX_COLS: u32 = 16_384;

/// A stable sheet identifier (survives renames and the deletion of others).
pub type SheetId = u32;

/// A zero-based rectangle of cells, both corners inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rect {
    pub r1: u32,
    pub c1: u32,
    pub r2: u32,
    pub c2: u32,
}

impl Rect {
    #[must_use]
    pub fn new(r1: u32, c1: u32, r2: u32, c2: u32) -> Rect {
        Rect {
            r1: r1.min(r2),
            c1: c1.min(c2),
            r2: r1.max(r2),
            c2: c1.max(c2),
        }
    }

    #[must_use]
    pub fn cell(row: u32, col: u32) -> Rect {
        Rect {
            r1: row,
            c1: col,
            r2: row,
            c2: col,
        }
    }

    #[must_use]
    pub fn intersects(&self, other: &Rect) -> bool {
        self.r1 <= other.r2 && other.r1 <= self.r2 && self.c1 <= other.c2 && other.c1 <= self.c2
    }

    #[must_use]
    pub fn contains(&self, row: u32, col: u32) -> bool {
        row >= self.r1 && row <= self.r2 && col >= self.c1 && col <= self.c2
    }

    #[must_use]
    pub fn rows(&self) -> u32 {
        self.r2 - self.r1 + 1
    }

    #[must_use]
    pub fn cols(&self) -> u32 {
        self.c2 - self.c1 + 1
    }

    #[must_use]
    pub fn is_cell(&self) -> bool {
        self.r1 == self.r2 && self.c1 == self.c2
    }
}

/// `0 -> "A"`, `26 -> "AA"`.
#[must_use]
pub fn column_name(col: u32) -> String {
    let mut out = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + u8::try_from(rem).unwrap_or(0));
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// `"A" -> 0`, `"xfd" -> 16383`; None past Excel's last column.
#[must_use]
pub fn parse_column(letters: &str) -> Option<u32> {
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut n: u32 = 0;
    for b in letters.bytes() {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        n = n * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    (n <= MAX_COLS).then(|| n - 1)
}

/// `(0, 0) -> "A1"`.
#[must_use]
pub fn cell_name(row: u32, col: u32) -> String {
    let mut s = column_name(col);
    let _ = write!(s, "{}", row + 1);
    s
}

/// Parses `A1`, `$B$2` (absolute markers ignored) into zero-based (row, col).
#[must_use]
pub fn parse_cell_name(text: &str) -> Option<(u32, u32)> {
    let t = text.trim().replace('$', "");
    let split = t.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = t.split_at(split);
    let col = parse_column(letters)?;
    let row: u32 = digits.parse().ok()?;
    (1..=MAX_ROWS).contains(&row).then(|| (row - 1, col))
}

/// Quotes a sheet name for a formula when it needs it (`'My Sheet'`).
#[must_use]
pub fn quote_sheet_name(name: &str) -> String {
    let plain = !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
        && parse_cell_name(name).is_none();
    if plain {
        name.to_string()
    } else {
        format!("'{}'", name.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_round_trip() {
        for (n, s) in [
            (0, "A"),
            (25, "Z"),
            (26, "AA"),
            (701, "ZZ"),
            (702, "AAA"),
            (16383, "XFD"),
        ] {
            assert_eq!(column_name(n), s);
            assert_eq!(parse_column(s), Some(n));
        }
        assert_eq!(parse_column("XFE"), None);
        assert_eq!(parse_cell_name("$C$10"), Some((9, 2)));
        assert_eq!(parse_cell_name("A0"), None);
        assert_eq!(quote_sheet_name("Sheet1"), "Sheet1");
        assert_eq!(quote_sheet_name("My Sheet"), "'My Sheet'");
        assert_eq!(quote_sheet_name("A1"), "'A1'");
    }
}
