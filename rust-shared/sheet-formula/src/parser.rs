//! A recursive-descent parser for Excel formulas with Excel's operator
//! precedence (lowest first): comparison, `&`, `+ -`, `* /`, `^`, `%`,
//! unary minus. Nesting is bounded so a hostile formula cannot overflow the
//! stack.

use std::fmt;
use std::rc::Rc;

use crate::address::{parse_column, Rect, SheetId, MAX_COLS, MAX_ROWS};
use crate::ast::{AreaKind, AreaRef, BinOp, CellRef, Expr, Function, SheetNames};
use crate::functions;
use crate::value::{Array, ErrorKind, Value};

/// Longest formula accepted (Excel's limit).
pub const MAX_FORMULA_LEN: usize = 8192;
/// Deepest nesting of parentheses, calls and unary operators accepted.
pub const MAX_DEPTH: usize = 200;

/// Why a formula did not parse, with the character position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub position: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at position {}", self.message, self.position)
    }
}

impl std::error::Error for ParseError {}

/// Parses a formula; the leading `=` is optional.
pub fn parse(formula: &str, sheets: &dyn SheetNames) -> Result<Expr, ParseError> {
    parse_in(formula, sheets, None)
}

/// Parses a formula written in R1C1 notation for the cell (`row`, `col`):
/// `R[-1]C` is the cell above, `R1C1` is A1, `R2C:R5C` a range, `R1:R3`
/// whole rows, `C[1]` the whole next column; `R[-1]C#` a spill range.
pub fn parse_r1c1(
    formula: &str,
    sheets: &dyn SheetNames,
    row: u32,
    col: u32,
) -> Result<Expr, ParseError> {
    parse_in(formula, sheets, Some((row, col)))
}

fn parse_in(
    formula: &str,
    sheets: &dyn SheetNames,
    at: Option<(u32, u32)>,
) -> Result<Expr, ParseError> {
    if formula.len() > MAX_FORMULA_LEN {
        return Err(ParseError {
            message: format!("formula longer than {MAX_FORMULA_LEN} characters"),
            position: 0,
        });
    }
    let chars: Vec<char> = formula.chars().collect();
    let mut p = Parser {
        s: &chars,
        i: 0,
        depth: 0,
        sheets,
        at,
    };
    p.skip_ws();
    if p.peek() == Some('=') {
        p.i += 1;
    }
    let e = p.expr()?;
    p.skip_ws();
    if p.i < chars.len() {
        return Err(p.error(format!("unexpected '{}'", chars[p.i])));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    depth: usize,
    sheets: &'a dyn SheetNames,
    /// The formula's cell when it is written in R1C1 notation.
    at: Option<(u32, u32)>,
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            position: self.i,
        }
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(format!("formula nested deeper than {MAX_DEPTH} levels")));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let e = self.comparison();
        self.depth -= 1;
        e
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.concat()?;
        loop {
            self.skip_ws();
            let op = match (self.peek(), self.peek_at(1)) {
                (Some('<'), Some('>')) => (BinOp::Ne, 2),
                (Some('<'), Some('=')) => (BinOp::Le, 2),
                (Some('>'), Some('=')) => (BinOp::Ge, 2),
                (Some('<'), _) => (BinOp::Lt, 1),
                (Some('>'), _) => (BinOp::Gt, 1),
                (Some('='), _) => (BinOp::Eq, 1),
                _ => return Ok(left),
            };
            self.i += op.1;
            let right = self.concat()?;
            left = Expr::Binary(op.0, Box::new(left), Box::new(right));
        }
    }

    fn concat(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.additive()?;
        loop {
            self.skip_ws();
            if self.peek() != Some('&') {
                return Ok(left);
            }
            self.i += 1;
            let right = self.additive()?;
            left = Expr::Binary(BinOp::Concat, Box::new(left), Box::new(right));
        }
    }

    fn additive(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.multiplicative()?;
        loop {
            self.skip_ws();
            let op = match self.peek() {
                Some('+') => BinOp::Add,
                Some('-') => BinOp::Sub,
                _ => return Ok(left),
            };
            self.i += 1;
            let right = self.multiplicative()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.power()?;
        loop {
            self.skip_ws();
            let op = match self.peek() {
                Some('*') => BinOp::Mul,
                Some('/') => BinOp::Div,
                _ => return Ok(left),
            };
            self.i += 1;
            let right = self.power()?;
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
    }

    fn power(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        loop {
            self.skip_ws();
            if self.peek() != Some('^') {
                return Ok(left);
            }
            self.i += 1;
            let right = self.unary()?;
            left = Expr::Binary(BinOp::Pow, Box::new(left), Box::new(right));
        }
    }

    /// Unary signs bind tighter than `^` in Excel: `-2^2` is 4.
    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        match self.peek() {
            Some('-') => {
                self.i += 1;
                self.enter()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Neg(Box::new(e)))
            }
            Some('+') => {
                self.i += 1;
                self.enter()?;
                let e = self.unary()?;
                self.depth -= 1;
                Ok(Expr::Plus(Box::new(e)))
            }
            _ => self.postfix(),
        }
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.primary()?;
        loop {
            self.skip_ws();
            if self.peek() == Some('%') {
                self.i += 1;
                e = Expr::Percent(Box::new(e));
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        let Some(c) = self.peek() else {
            return Err(self.error("formula ends where a value was expected"));
        };
        match c {
            '(' => {
                self.i += 1;
                let e = self.expr()?;
                self.skip_ws();
                if self.peek() != Some(')') {
                    return Err(self.error("missing ')'"));
                }
                self.i += 1;
                Ok(Expr::Paren(Box::new(e)))
            }
            '"' => Ok(Expr::Text(Rc::from(self.string()?))),
            '#' => Ok(Expr::Error(self.error_literal()?)),
            // Excel 365's implicit intersection: `@A1:A10` is the cell of
            // the range in the formula's row (or column); files store it as
            // `_xlfn.SINGLE(A1:A10)`, which reads as the same call.
            '@' => {
                self.i += 1;
                self.enter()?;
                let operand = self.primary()?;
                self.depth -= 1;
                let single = functions::lookup("SINGLE")
                    .ok_or_else(|| self.error("the @ operator is not available"))?;
                Ok(Expr::Call(Function::Builtin(single), vec![operand]))
            }
            '{' => self.array(),
            '\'' => {
                let sheet = self.quoted_sheet()?;
                self.reference_after_sheet(sheet)
            }
            c if c.is_ascii_digit() || c == '.' => {
                if let Some(area) = self.try_row_range(None) {
                    return Ok(area);
                }
                self.number()
            }
            c if c.is_alphabetic() || c == '_' || c == '$' || c == '\\' => self.word(),
            other => Err(self.error(format!("unexpected '{other}'"))),
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.i;
        self.i += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError {
                        message: "unterminated text".into(),
                        position: start,
                    })
                }
                Some('"') if self.peek_at(1) == Some('"') => {
                    out.push('"');
                    self.i += 2;
                }
                Some('"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn error_literal(&mut self) -> Result<ErrorKind, ParseError> {
        for kind in ErrorKind::ALL {
            let text: Vec<char> = kind.as_str().chars().collect();
            if self.s.len() >= self.i + text.len()
                && self.s[self.i..self.i + text.len()]
                    .iter()
                    .zip(&text)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
            {
                self.i += text.len();
                return Ok(kind);
            }
        }
        Err(self.error("unknown error value"))
    }

    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
            self.i += 1;
        }
        if matches!(self.peek(), Some('e' | 'E'))
            && (self.peek_at(1).is_some_and(|c| c.is_ascii_digit())
                || (matches!(self.peek_at(1), Some('+' | '-'))
                    && self.peek_at(2).is_some_and(|c| c.is_ascii_digit())))
        {
            self.i += 2;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        let text: String = self.s[start..self.i].iter().collect();
        text.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Expr::Number)
            .ok_or(ParseError {
                message: format!("bad number '{text}'"),
                position: start,
            })
    }

    fn quoted_sheet(&mut self) -> Result<String, ParseError> {
        let start = self.i;
        self.i += 1;
        let mut name = String::new();
        loop {
            match self.peek() {
                None => {
                    return Err(ParseError {
                        message: "unterminated sheet name".into(),
                        position: start,
                    })
                }
                Some('\'') if self.peek_at(1) == Some('\'') => {
                    name.push('\'');
                    self.i += 2;
                }
                Some('\'') => {
                    self.i += 1;
                    break;
                }
                Some(c) => {
                    name.push(c);
                    self.i += 1;
                }
            }
        }
        if self.peek() != Some('!') {
            return Err(self.error("expected '!' after a sheet name"));
        }
        self.i += 1;
        Ok(name)
    }

    fn resolve_sheet(&self, name: &str, at: usize) -> Result<SheetId, ParseError> {
        self.sheets.sheet_id(name).ok_or_else(|| ParseError {
            message: format!("no sheet named '{name}'"),
            position: at,
        })
    }

    fn reference_after_sheet(&mut self, sheet_name: String) -> Result<Expr, ParseError> {
        let at = self.i;
        let sheet = self.resolve_sheet(&sheet_name, at)?;
        if self.peek() == Some('#') {
            return Ok(Expr::Error(self.error_literal()?));
        }
        if self.at.is_some() {
            if let Some(e) = self.r1c1_reference(Some(sheet)) {
                return Ok(e);
            }
        }
        if let Some(area) = self.try_row_range(Some(sheet)) {
            return Ok(area);
        }
        let word = self.read_word();
        if let Some(e) = self.reference_from_word(&word, Some(sheet)) {
            return Ok(e);
        }
        Err(ParseError {
            message: format!("expected a cell reference after '{sheet_name}!'"),
            position: at,
        })
    }

    fn read_word(&mut self) -> String {
        let start = self.i;
        while self.peek().is_some_and(|c| {
            c.is_alphanumeric() || c == '_' || c == '.' || c == '$' || c == '\\' || c == '?'
        }) {
            self.i += 1;
        }
        self.s[start..self.i].iter().collect()
    }

    fn word(&mut self) -> Result<Expr, ParseError> {
        let start = self.i;
        if self.at.is_some() {
            if let Some(e) = self.r1c1_reference(None) {
                return Ok(e);
            }
        }
        if self.peek() == Some('$') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            if let Some(area) = self.try_row_range(None) {
                return Ok(area);
            }
        }
        let word = self.read_word();
        if self.peek() == Some('!') {
            self.i += 1;
            return self.reference_after_sheet(word);
        }
        if self.peek() == Some('(') {
            return self.call(&word, start);
        }
        if self.at.is_some() && r1c1_shaped(&word) {
            return Err(ParseError {
                message: format!(
                    "reference {word} is outside the sheet (R1048576C16384 is the last cell)"
                ),
                position: start,
            });
        }
        if self.at.is_some() && looks_like_cell(&word) {
            return Err(ParseError {
                message: format!("A1-style reference {word} in a formula written in R1C1 notation"),
                position: start,
            });
        }
        if let Some(e) = self.reference_from_word(&word, None) {
            return Ok(e);
        }
        if word.eq_ignore_ascii_case("TRUE") {
            return Ok(Expr::Bool(true));
        }
        if word.eq_ignore_ascii_case("FALSE") {
            return Ok(Expr::Bool(false));
        }
        if looks_like_cell(&word) {
            return Err(ParseError {
                message: format!(
                    "reference {word} is outside the sheet (XFD1048576 is the last cell)"
                ),
                position: start,
            });
        }
        if word.contains('$') || word.is_empty() {
            return Err(ParseError {
                message: format!("bad reference '{word}'"),
                position: start,
            });
        }
        Ok(Expr::Name(Rc::from(word.as_str())))
    }

    /// `A1`, `$A$1`, `A1:B2`, `A:C` from a word already read; None when the
    /// word is not a reference (the position is then unchanged).
    fn reference_from_word(&mut self, word: &str, sheet: Option<SheetId>) -> Option<Expr> {
        if let Some((row, col, row_abs, col_abs)) = split_cell(word) {
            let save = self.i;
            if self.peek() == Some(':') {
                self.i += 1;
                let second = self.read_word();
                if let Some((r2, c2, ra2, ca2)) = split_cell(&second) {
                    let rect = Rect::new(row, col, r2, c2);
                    return Some(Expr::Area(AreaRef {
                        sheet,
                        rect,
                        kind: AreaKind::Cells,
                        abs: [row_abs, col_abs, ra2, ca2],
                    }));
                }
                self.i = save;
            }
            let cell = CellRef {
                sheet,
                row,
                col,
                row_abs,
                col_abs,
            };
            // `A1#`: the spill range of A1's dynamic array.
            if self.peek() == Some('#') {
                self.i += 1;
                return Some(Expr::Spill(cell));
            }
            return Some(Expr::Cell(cell));
        }
        if let Some((c1, a1)) = split_column(word) {
            let save = self.i;
            if self.peek() == Some(':') {
                self.i += 1;
                let second = self.read_word();
                if let Some((c2, a2)) = split_column(&second) {
                    return Some(Expr::Area(AreaRef {
                        sheet,
                        rect: Rect::new(0, c1, MAX_ROWS - 1, c2),
                        kind: AreaKind::Columns,
                        abs: [false, a1, false, a2],
                    }));
                }
                self.i = save;
            }
        }
        None
    }

    /// One axis of an R1C1 reference at the current position: `R3`
    /// (absolute), `R[-2]` (relative), `R` (same row): (zero-based position,
    /// absolute). None when `letter` is not there or the number is out of
    /// range (position then unspecified: the caller restores it).
    fn r1c1_axis(&mut self, letter: char, here: u32, limit: u32) -> Option<(u32, bool)> {
        if !self.peek()?.eq_ignore_ascii_case(&letter) {
            return None;
        }
        self.i += 1;
        if self.peek() == Some('[') {
            self.i += 1;
            let start = self.i;
            if matches!(self.peek(), Some('-' | '+')) {
                self.i += 1;
            }
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            let text: String = self.s[start..self.i].iter().collect();
            if self.peek() != Some(']') {
                return None;
            }
            self.i += 1;
            let delta: i64 = text.parse().ok()?;
            let pos = i64::from(here) + delta;
            return u32::try_from(pos)
                .ok()
                .filter(|p| *p < limit)
                .map(|p| (p, false));
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if start == self.i {
            return Some((here, false));
        }
        let text: String = self.s[start..self.i].iter().collect();
        let n: u64 = text.parse().ok()?;
        (1..=u64::from(limit))
            .contains(&n)
            .then(|| (u32::try_from(n - 1).unwrap_or(u32::MAX), true))
    }

    /// `R1C1`, `R[-1]C[2]`, `RC`, ranges of them, whole rows `R1:R3` and
    /// columns `C1:C3`, `R1C1#`, in R1C1 mode. None (position unchanged)
    /// when the text here is not such a reference (a name, a function).
    fn r1c1_reference(&mut self, sheet: Option<SheetId>) -> Option<Expr> {
        let (here_row, here_col) = self.at?;
        let save = self.i;
        let one = |p: &mut Self| -> Option<(Axis, Axis)> {
            // An axis that starts but does not read (`R0`, `R[-9]` off the
            // sheet) makes the whole thing not a reference.
            let start = p.i;
            let row = p.r1c1_axis('R', here_row, MAX_ROWS);
            if row.is_none() && p.i != start {
                return None;
            }
            let start = p.i;
            let col = p.r1c1_axis('C', here_col, MAX_COLS);
            if col.is_none() && p.i != start {
                return None;
            }
            (row.is_some() || col.is_some()).then_some((row, col))
        };
        let ends_word = |p: &Self| {
            !p.peek()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '(' | '[' | '\\'))
        };
        let Some(first) = one(self).filter(|_| ends_word(self)) else {
            self.i = save;
            return None;
        };
        let mut second = None;
        if self.peek() == Some(':') {
            let before = self.i;
            self.i += 1;
            match one(self).filter(|_| ends_word(self)) {
                Some(s)
                    if s.0.is_some() == first.0.is_some() && s.1.is_some() == first.1.is_some() =>
                {
                    second = Some(s);
                }
                _ => self.i = before,
            }
        }
        let (second_row, second_col) = second.unwrap_or(first);
        match (first, second_row, second_col) {
            ((Some((r1, ra1)), Some((c1, ca1))), Some((r2, ra2)), Some((c2, ca2))) => {
                if second.is_none() {
                    let cell = CellRef {
                        sheet,
                        row: r1,
                        col: c1,
                        row_abs: ra1,
                        col_abs: ca1,
                    };
                    if self.peek() == Some('#') {
                        self.i += 1;
                        return Some(Expr::Spill(cell));
                    }
                    return Some(Expr::Cell(cell));
                }
                Some(Expr::Area(AreaRef {
                    sheet,
                    rect: Rect::new(r1, c1, r2, c2),
                    kind: AreaKind::Cells,
                    abs: [ra1, ca1, ra2, ca2],
                }))
            }
            ((Some((r1, ra1)), None), Some((r2, ra2)), None) => Some(Expr::Area(AreaRef {
                sheet,
                rect: Rect::new(r1, 0, r2, MAX_COLS - 1),
                kind: AreaKind::Rows,
                abs: [ra1, false, ra2, false],
            })),
            ((None, Some((c1, ca1))), None, Some((c2, ca2))) => Some(Expr::Area(AreaRef {
                sheet,
                rect: Rect::new(0, c1, MAX_ROWS - 1, c2),
                kind: AreaKind::Columns,
                abs: [false, ca1, false, ca2],
            })),
            _ => {
                self.i = save;
                None
            }
        }
    }

    /// `1:3`, `$1:$3` at the current position.
    fn try_row_range(&mut self, sheet: Option<SheetId>) -> Option<Expr> {
        let save = self.i;
        let first = self.row_number();
        if let Some((r1, a1)) = first {
            if self.peek() == Some(':') {
                self.i += 1;
                if let Some((r2, a2)) = self.row_number() {
                    if !self.peek().is_some_and(|c| c.is_alphanumeric() || c == '.') {
                        return Some(Expr::Area(AreaRef {
                            sheet,
                            rect: Rect::new(r1, 0, r2, MAX_COLS - 1),
                            kind: AreaKind::Rows,
                            abs: [a1, false, a2, false],
                        }));
                    }
                }
            }
        }
        self.i = save;
        None
    }

    fn row_number(&mut self) -> Option<(u32, bool)> {
        let abs = self.peek() == Some('$');
        if abs {
            self.i += 1;
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let text: String = self.s[start..self.i].iter().collect();
        let n: u32 = text.parse().ok()?;
        (1..=MAX_ROWS).contains(&n).then_some((n - 1, abs))
    }

    fn call(&mut self, name: &str, start: usize) -> Result<Expr, ParseError> {
        self.i += 1; // '('
        self.enter()?;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.i += 1;
        } else {
            loop {
                self.skip_ws();
                if matches!(self.peek(), Some(',' | ')')) {
                    args.push(Expr::Missing);
                } else {
                    args.push(self.expr()?);
                }
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.i += 1,
                    Some(')') => {
                        self.i += 1;
                        break;
                    }
                    _ => {
                        return Err(
                            self.error(format!("expected ',' or ')' in the arguments of {name}"))
                        )
                    }
                }
            }
        }
        self.depth -= 1;
        let upper = name.to_ascii_uppercase();
        let bare = upper
            .trim_start_matches("_XLFN.")
            .trim_start_matches("_XLWS.");
        let function = match functions::lookup(bare) {
            Some(i) => {
                let (min, max) = functions::arity(i);
                if args.len() < min || args.len() > max {
                    return Err(ParseError {
                        message: format!(
                            "{bare} takes {} arguments, got {}",
                            arity_text(min, max),
                            args.len()
                        ),
                        position: start,
                    });
                }
                Function::Builtin(i)
            }
            None => Function::Unknown(Rc::from(bare)),
        };
        Ok(Expr::Call(function, args))
    }

    fn array(&mut self) -> Result<Expr, ParseError> {
        let start = self.i;
        self.i += 1;
        let mut rows: Vec<Vec<Value>> = vec![Vec::new()];
        loop {
            self.skip_ws();
            let v = self.array_element()?;
            if let Some(r) = rows.last_mut() {
                r.push(v);
            }
            self.skip_ws();
            match self.peek() {
                Some(',') => self.i += 1,
                Some(';') => {
                    self.i += 1;
                    rows.push(Vec::new());
                }
                Some('}') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(self.error("expected ',', ';' or '}' in an array constant")),
            }
        }
        let cols = rows[0].len();
        if rows.iter().any(|r| r.len() != cols) {
            return Err(ParseError {
                message: "array constant rows differ in length".into(),
                position: start,
            });
        }
        let n = rows.len();
        Ok(Expr::Array(Rc::new(Array::new(
            n,
            cols,
            rows.into_iter().flatten().collect(),
        ))))
    }

    fn array_element(&mut self) -> Result<Value, ParseError> {
        match self.peek() {
            Some('"') => Ok(Value::from(self.string()?)),
            Some('#') => Ok(Value::Error(self.error_literal()?)),
            Some('-' | '+') => {
                let neg = self.peek() == Some('-');
                self.i += 1;
                match self.number()? {
                    Expr::Number(n) => Ok(Value::Number(if neg { -n } else { n })),
                    _ => Err(self.error("expected a number")),
                }
            }
            Some(c) if c.is_ascii_digit() || c == '.' => match self.number()? {
                Expr::Number(n) => Ok(Value::Number(n)),
                _ => Err(self.error("expected a number")),
            },
            _ => {
                let word = self.read_word();
                if word.eq_ignore_ascii_case("TRUE") {
                    Ok(Value::Bool(true))
                } else if word.eq_ignore_ascii_case("FALSE") {
                    Ok(Value::Bool(false))
                } else {
                    Err(self.error("array constants hold only numbers, text, booleans and errors"))
                }
            }
        }
    }
}

fn arity_text(min: usize, max: usize) -> String {
    if min == max {
        format!("{min}")
    } else if max == usize::MAX {
        format!("at least {min}")
    } else {
        format!("{min} to {max}")
    }
}

/// `$B$12` -> (11, 1, true, true).
/// The shape of a formula typed in (`row`, `col`): its text with every cell
/// reference written relative to that cell (`$` parts absolute), into
/// `out`. Two formulas of the same shape parse to the same tree up to a
/// translation by the distance between their cells (`Expr::translated`), so
/// a column of filled or pasted formulas needs one parse. False for
/// formulas longer than 512 bytes and for those with whole rows or columns
/// (`1:1`, `A:A`), which a translation would move the wrong way.
pub fn formula_shape(formula: &str, row: u32, col: u32, out: &mut String) -> bool {
    if formula.len() > 512 {
        return false;
    }
    out.clear();
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '$' | '\\' | '?');
    let mut quote: Option<char> = None;
    let mut after_colon = false;
    let mut chars = formula.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '\'' {
            quote = Some(c);
            out.push(c);
            continue;
        }
        if !is_word(c) {
            if after_colon {
                return false;
            }
            if c == ':' {
                // Only ranges between two cells (`A1:B5`) move like a cell:
                // whole rows (`1:1`) and columns (`A:A`) keep their own kind.
                if !out.ends_with('\u{1}') {
                    return false;
                }
                after_colon = true;
            }
            out.push(c);
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            if !is_word(d) {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        let word = &formula[start..end];
        let next = formula[end..].chars().next();
        let cell = split_cell(word).filter(|_| !matches!(next, Some('(' | '!')));
        if std::mem::take(&mut after_colon) && cell.is_none() {
            return false;
        }
        match cell {
            // Not a function name (`LOG10(`) nor a sheet name (`AB1!`).
            Some((r, k, row_abs, col_abs)) => {
                out.push('\u{1}');
                if col_abs {
                    push_number(out, '$', i64::from(k));
                } else {
                    push_number(out, '~', i64::from(k) - i64::from(col));
                }
                if row_abs {
                    push_number(out, '$', i64::from(r));
                } else {
                    push_number(out, '~', i64::from(r) - i64::from(row));
                }
                out.push('\u{1}');
            }
            _ => out.push_str(word),
        }
    }
    true
}

/// Appends `mark` and `n` in decimal (the shape of every formula is written:
/// this skips the formatting machinery, a tenth of a load's time in WASM).
fn push_number(out: &mut String, mark: char, n: i64) {
    out.push(mark);
    if n < 0 {
        out.push('-');
    }
    let mut digits = [0u8; 20];
    let mut v = n.unsigned_abs();
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + u8::try_from(v % 10).unwrap_or(0);
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

fn split_cell(word: &str) -> Option<(u32, u32, bool, bool)> {
    let b = word.as_bytes();
    let mut i = 0;
    let col_abs = b.first() == Some(&b'$');
    if col_abs {
        i += 1;
    }
    let letters_start = i;
    while i < b.len() && b[i].is_ascii_alphabetic() {
        i += 1;
    }
    let col = parse_column(&word[letters_start..i])?;
    let row_abs = b.get(i) == Some(&b'$');
    if row_abs {
        i += 1;
    }
    let digits = &word[i..];
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    let row: u32 = digits.parse().ok()?;
    (row <= MAX_ROWS).then_some((row - 1, col, row_abs, col_abs))
}

fn split_column(word: &str) -> Option<(u32, bool)> {
    let (abs, letters) = match word.strip_prefix('$') {
        Some(rest) => (true, rest),
        None => (false, word),
    };
    parse_column(letters).map(|c| (c, abs))
}

/// `ABC123`-shaped words (1-3 letters then digits) name cells, never defined names.
/// One axis of an R1C1 reference, if present: (zero-based position, absolute).
type Axis = Option<(u32, bool)>;

/// `R0C1`, `R99999999`, `C0`: an R1C1 reference whose numbers are off the sheet.
fn r1c1_shaped(word: &str) -> bool {
    let w = word.to_ascii_uppercase();
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = w.strip_prefix('R') {
        if let Some((r, c)) = rest.split_once('C') {
            return digits(r) && digits(c) && !(r.is_empty() && c.is_empty());
        }
        return !rest.is_empty() && digits(rest);
    }
    w.strip_prefix('C')
        .is_some_and(|rest| !rest.is_empty() && digits(rest))
}

fn looks_like_cell(word: &str) -> bool {
    let w = word.replace('$', "");
    let letters = w.bytes().take_while(u8::is_ascii_alphabetic).count();
    (1..=3).contains(&letters)
        && w.len() > letters
        && w.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::formula_shape;

    fn shape(formula: &str, row: u32, col: u32) -> Option<String> {
        let mut out = String::new();
        formula_shape(formula, row, col, &mut out).then_some(out)
    }

    #[test]
    fn shapes_write_references_relative_to_the_cell() {
        // C9 = C8 + B9 typed in C9 (row 8, col 2): one row up, one column left.
        assert_eq!(
            shape("=C8+B9", 8, 2).as_deref(),
            Some("=\u{1}~0~-1\u{1}+\u{1}~-1~0\u{1}")
        );
        // `$` parts are absolute; function names and texts are kept.
        assert_eq!(
            shape("=SUM($A$1:A12)&\"B2\"", 11, 3).as_deref(),
            Some("=SUM(\u{1}$0$0\u{1}:\u{1}~-3~0\u{1})&\"B2\"")
        );
        assert_eq!(shape("=LOG10(1)", 0, 0).as_deref(), Some("=LOG10(1)"));
        // The same formula filled down has one shape.
        assert_eq!(shape("=A1*2", 0, 1), shape("=A2*2", 1, 1));
    }

    #[test]
    fn whole_rows_and_columns_have_no_shape() {
        for f in ["=SUM(1:1)", "=COUNT(A:A)", "=SUM($B:$C)+A1", "=SUM(A1:B)"] {
            assert_eq!(shape(f, 4, 4), None, "{f}");
        }
        assert_eq!(shape(&format!("={}", "1+".repeat(300)), 0, 0), None);
    }
}
