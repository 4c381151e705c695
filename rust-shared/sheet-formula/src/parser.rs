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
fn looks_like_cell(word: &str) -> bool {
    let w = word.replace('$', "");
    let letters = w.bytes().take_while(u8::is_ascii_alphabetic).count();
    (1..=3).contains(&letters)
        && w.len() > letters
        && w.bytes().skip(letters).all(|b| b.is_ascii_digit())
}
