//! Evaluation of a formula against a grid of values.
//!
//! A formula is evaluated by walking its tree once; the tree depth is bounded
//! by the parser, and chains of cells are driven iteratively by the workbook
//! (sheet-core), so evaluation never recurses from one cell into another.

use std::cell::RefCell;
use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::address::{Rect, SheetId};
use crate::ast::{BinOp, Expr, Function};
use crate::functions;
use crate::value::{compare, Array, ErrorKind, Value};

/// Cells larger than this are not materialised into an array.
pub const MAX_ARRAY_CELLS: usize = 4_000_000;

/// What a formula reads: the values of cells, defined names, the clock.
pub trait Grid {
    /// The value of a cell (Empty when nothing is there). Formula cells give
    /// their last computed value.
    fn value(&self, sheet: SheetId, row: u32, col: u32) -> Value;
    /// Calls `f` with every non-empty cell of `rect`, in any order.
    fn for_each_value(&self, sheet: SheetId, rect: Rect, f: &mut dyn FnMut(u32, u32, &Value));
    /// One past the last used row and column of a sheet, (0, 0) when empty.
    fn extent(&self, sheet: SheetId) -> (u32, u32);
    /// The expression a defined name stands for.
    fn name(&self, name: &str, sheet: SheetId) -> Option<Rc<Expr>>;
    /// Whether a cell holds a formula (ISFORMULA).
    fn is_formula(&self, _sheet: SheetId, _row: u32, _col: u32) -> bool {
        false
    }
    /// The current date-time as an Excel serial number (NOW, TODAY).
    fn now(&self) -> f64 {
        45_658.0
    }
    /// The id of a sheet by name, case-insensitive (INDIRECT's text).
    fn sheet_id(&self, _name: &str) -> Option<SheetId> {
        None
    }
    /// Called with every reference a formula computes while it runs
    /// (INDIRECT, OFFSET), so the engine can make sure those cells are up to
    /// date first.
    fn note_reference(&self, _sheet: SheetId, _rect: Rect) {}
    /// The range the dynamic array of the formula at (`row`, `col`) spills
    /// into (anchor included), None when that cell does not spill (`A1#`).
    fn spill_range(&self, _sheet: SheetId, _row: u32, _col: u32) -> Option<Rect> {
        None
    }
    /// Whether the workbook counts dates from 1904-01-01 (serial 0) instead
    /// of 1900-01-01 (serial 1), as old Mac workbooks do.
    fn date1904(&self) -> bool {
        false
    }
}

/// Sums of single-column ranges computed during one recalculation, so that
/// `SUM(A$1:A{n})` on every row reuses the row above's sum.
pub type SumMemo = RefCell<FxHashMap<(SheetId, u32, u32, u32), Result<f64, ErrorKind>>>;

/// The result of evaluating part of a formula: a value or a reference.
#[derive(Clone, Debug)]
pub enum Operand {
    Value(Value),
    Area(SheetId, Rect),
}

/// Where a formula is evaluated.
pub struct Ctx<'a> {
    pub grid: &'a dyn Grid,
    pub sheet: SheetId,
    pub row: u32,
    pub col: u32,
    pub memo: Option<&'a SumMemo>,
    names_seen: RefCell<u32>,
}

impl<'a> Ctx<'a> {
    #[must_use]
    pub fn new(grid: &'a dyn Grid, sheet: SheetId, row: u32, col: u32) -> Ctx<'a> {
        Ctx {
            grid,
            sheet,
            row,
            col,
            memo: None,
            names_seen: RefCell::new(0),
        }
    }

    #[must_use]
    pub fn with_memo(mut self, memo: &'a SumMemo) -> Ctx<'a> {
        self.memo = Some(memo);
        self
    }

    /// Evaluates a whole formula to the value its cell shows (the top-left
    /// element when it produces an array).
    #[must_use]
    pub fn evaluate(&self, expr: &Expr) -> Value {
        match self.eval(expr) {
            Operand::Value(v) => v.scalar(),
            Operand::Area(sheet, rect) => {
                if rect.is_cell() {
                    self.grid.value(sheet, rect.r1, rect.c1).scalar()
                } else {
                    self.intersect(sheet, rect)
                }
            }
        }
    }

    /// Days between the two date systems' serial numbers of one date: 1462
    /// in a 1904 workbook (its serial + 1462 is the 1900 serial), else 0.
    #[must_use]
    pub fn epoch_offset(&self) -> f64 {
        if self.grid.date1904() {
            crate::functions::EPOCH_1904_OFFSET
        } else {
            0.0
        }
    }

    /// Evaluates a whole formula to what its cell holds with dynamic arrays:
    /// an array (from a function, an operator over ranges, or a range of
    /// more than one cell) stays an array, for the engine to spill.
    #[must_use]
    pub fn evaluate_array(&self, expr: &Expr) -> Value {
        match self.eval(expr) {
            Operand::Value(v) => v,
            Operand::Area(sheet, rect) => {
                if rect.is_cell() {
                    self.grid.value(sheet, rect.r1, rect.c1).scalar()
                } else {
                    self.area_array(sheet, rect)
                }
            }
        }
    }

    /// Evaluates to a value or a reference.
    pub fn eval(&self, expr: &Expr) -> Operand {
        match expr {
            Expr::Number(n) => Operand::Value(Value::Number(*n)),
            Expr::Text(s) => Operand::Value(Value::Text(s.clone())),
            Expr::Bool(b) => Operand::Value(Value::Bool(*b)),
            Expr::Error(e) => Operand::Value(Value::Error(*e)),
            Expr::Missing => Operand::Value(Value::Empty),
            Expr::Cell(c) => Operand::Area(c.sheet.unwrap_or(self.sheet), Rect::cell(c.row, c.col)),
            Expr::Area(a) => Operand::Area(a.sheet.unwrap_or(self.sheet), a.rect),
            Expr::Spill(c) => {
                let sheet = c.sheet.unwrap_or(self.sheet);
                match self.grid.spill_range(sheet, c.row, c.col) {
                    Some(rect) => Operand::Area(sheet, rect),
                    None => Operand::Value(Value::Error(ErrorKind::Ref)),
                }
            }
            Expr::Name(n) => self.eval_name(n),
            Expr::Paren(e) => self.eval(e),
            Expr::Neg(e) => Operand::Value(map_unary(self.value(e), |n| -n)),
            Expr::Plus(e) => Operand::Value(self.value(e)),
            Expr::Percent(e) => Operand::Value(map_unary(self.value(e), |n| n / 100.0)),
            Expr::Binary(op, l, r) => {
                let a = self.value(l);
                let b = self.value(r);
                Operand::Value(binary(*op, &a, &b))
            }
            Expr::Call(Function::Builtin(i), args) => functions::call(*i, self, args),
            Expr::Call(Function::Unknown(_), _) => Operand::Value(Value::Error(ErrorKind::Name)),
            Expr::Array(a) => Operand::Value(Value::Array(a.clone())),
        }
    }

    fn eval_name(&self, name: &str) -> Operand {
        let Some(target) = self.grid.name(name, self.sheet) else {
            return Operand::Value(Value::Error(ErrorKind::Name));
        };
        // A name defined through itself would recurse forever.
        let mut seen = self.names_seen.borrow_mut();
        if *seen > 32 {
            return Operand::Value(Value::Error(ErrorKind::Cycle));
        }
        *seen += 1;
        drop(seen);
        let out = self.eval(&target);
        *self.names_seen.borrow_mut() -= 1;
        out
    }

    /// Evaluates to a value: a single-cell reference gives the cell's value, a
    /// larger one an array of its values (Excel's dynamic-array semantics).
    pub fn value(&self, expr: &Expr) -> Value {
        self.operand_value(self.eval(expr))
    }

    pub fn operand_value(&self, op: Operand) -> Value {
        match op {
            Operand::Value(v) => v,
            Operand::Area(sheet, rect) => {
                if rect.is_cell() {
                    self.grid.value(sheet, rect.r1, rect.c1)
                } else {
                    self.area_array(sheet, rect)
                }
            }
        }
    }

    /// Evaluates to one scalar: ranges give the cell in the formula's row or
    /// column (implicit intersection), arrays their top-left element.
    pub fn scalar(&self, expr: &Expr) -> Value {
        match self.eval(expr) {
            Operand::Value(v) => v.scalar(),
            Operand::Area(sheet, rect) => {
                if rect.is_cell() {
                    self.grid.value(sheet, rect.r1, rect.c1)
                } else {
                    self.intersect(sheet, rect)
                }
            }
        }
    }

    fn intersect(&self, sheet: SheetId, rect: Rect) -> Value {
        if rect.c1 == rect.c2 && rect.r1 <= self.row && self.row <= rect.r2 {
            return self.grid.value(sheet, self.row, rect.c1);
        }
        if rect.r1 == rect.r2 && rect.c1 <= self.col && self.col <= rect.c2 {
            return self.grid.value(sheet, rect.r1, self.col);
        }
        Value::Error(ErrorKind::Value)
    }

    /// Clamps whole-row/column references to the used part of the sheet.
    #[must_use]
    pub fn clamp(&self, sheet: SheetId, rect: Rect) -> Option<Rect> {
        let (rows, cols) = self.grid.extent(sheet);
        if rows == 0 || cols == 0 || rect.r1 >= rows || rect.c1 >= cols {
            return None;
        }
        Some(Rect {
            r1: rect.r1,
            c1: rect.c1,
            r2: rect.r2.min(rows - 1),
            c2: rect.c2.min(cols - 1),
        })
    }

    /// The values of a range as an array (clamped to the used area but keeping
    /// the range's top-left corner).
    pub fn area_array(&self, sheet: SheetId, rect: Rect) -> Value {
        let (rows, cols) = self.grid.extent(sheet);
        let r2 = rect.r2.min(rows.max(rect.r1 + 1) - 1);
        let c2 = rect.c2.min(cols.max(rect.c1 + 1) - 1);
        let clamped = Rect {
            r1: rect.r1,
            c1: rect.c1,
            r2,
            c2,
        };
        let n = clamped.rows() as usize * clamped.cols() as usize;
        if n > MAX_ARRAY_CELLS {
            return Value::Error(ErrorKind::Num);
        }
        let mut data = vec![Value::Empty; n];
        let width = clamped.cols() as usize;
        self.grid.for_each_value(sheet, clamped, &mut |r, c, v| {
            data[(r - clamped.r1) as usize * width + (c - clamped.c1) as usize] = v.clone();
        });
        Value::Array(Rc::new(Array::new(clamped.rows() as usize, width, data)))
    }

    // ---- argument helpers used by the functions ----

    pub fn num(&self, expr: &Expr) -> Result<f64, ErrorKind> {
        self.scalar(expr).to_number()
    }

    pub fn text(&self, expr: &Expr) -> Result<Rc<str>, ErrorKind> {
        self.scalar(expr).to_text()
    }

    pub fn boolean(&self, expr: &Expr) -> Result<bool, ErrorKind> {
        self.scalar(expr).to_bool()
    }

    /// An optional numeric argument.
    pub fn num_or(&self, args: &[Expr], i: usize, default: f64) -> Result<f64, ErrorKind> {
        match args.get(i) {
            None | Some(Expr::Missing) => Ok(default),
            Some(e) => self.num(e),
        }
    }

    pub fn bool_or(&self, args: &[Expr], i: usize, default: bool) -> Result<bool, ErrorKind> {
        match args.get(i) {
            None | Some(Expr::Missing) => Ok(default),
            Some(e) => self.boolean(e),
        }
    }

    /// Visits the values of an argument like SUM does: cells of ranges and
    /// elements of arrays as they are (`direct = false`), a scalar argument
    /// with `direct = true` (so text typed into the call can be coerced).
    pub fn for_each_arg_value(
        &self,
        expr: &Expr,
        f: &mut dyn FnMut(&Value, bool) -> Result<(), ErrorKind>,
    ) -> Result<(), ErrorKind> {
        match self.eval(expr) {
            Operand::Value(Value::Array(a)) => {
                for v in &a.data {
                    f(v, false)?;
                }
                Ok(())
            }
            Operand::Value(v) => f(&v, true),
            Operand::Area(sheet, rect) => {
                let mut result = Ok(());
                if let Some(r) = self.clamp(sheet, rect) {
                    self.grid.for_each_value(sheet, r, &mut |_, _, v| {
                        if result.is_ok() {
                            result = f(v, false);
                        }
                    });
                }
                result
            }
        }
    }

    /// The numbers of all arguments as SUM/AVERAGE/MAX see them: numbers in
    /// ranges and arrays (text, booleans, blanks skipped), scalar arguments
    /// coerced; any error is returned.
    pub fn numbers(&self, args: &[Expr]) -> Result<Vec<f64>, ErrorKind> {
        let mut out = Vec::new();
        for a in args {
            self.for_each_arg_value(a, &mut |v, direct| {
                match v {
                    Value::Number(n) => out.push(*n),
                    Value::Error(e) => return Err(*e),
                    Value::Bool(b) if direct => out.push(f64::from(u8::from(*b))),
                    Value::Text(_) if direct => out.push(v.to_number()?),
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// Like `numbers`, but text counts as 0 and booleans as 0/1 inside ranges
    /// too (the *A functions: AVERAGEA, MAXA...).
    pub fn numbers_a(&self, args: &[Expr]) -> Result<Vec<f64>, ErrorKind> {
        let mut out = Vec::new();
        for a in args {
            self.for_each_arg_value(a, &mut |v, direct| {
                match v {
                    Value::Number(n) => out.push(*n),
                    Value::Error(e) => return Err(*e),
                    Value::Bool(b) => out.push(f64::from(u8::from(*b))),
                    Value::Text(_) if direct => out.push(v.to_number()?),
                    Value::Text(_) => out.push(0.0),
                    _ => {}
                }
                Ok(())
            })?;
        }
        Ok(out)
    }

    /// A range or array argument as a grid of values for lookups.
    pub fn table(&self, expr: &Expr) -> Table<'_> {
        match self.eval(expr) {
            Operand::Area(sheet, rect) => {
                let (rows, cols) = self.grid.extent(sheet);
                let r2 = rect.r2.min(rows.max(rect.r1 + 1) - 1);
                let c2 = rect.c2.min(cols.max(rect.c1 + 1) - 1);
                Table::Area {
                    grid: self.grid,
                    sheet,
                    rect: Rect {
                        r1: rect.r1,
                        c1: rect.c1,
                        r2,
                        c2,
                    },
                }
            }
            Operand::Value(Value::Array(a)) => Table::Array(a),
            Operand::Value(v) => Table::Array(Rc::new(Array::new(1, 1, vec![v]))),
        }
    }
}

/// A rectangle of values read lazily from the grid or held in an array.
pub enum Table<'a> {
    Area {
        grid: &'a dyn Grid,
        sheet: SheetId,
        rect: Rect,
    },
    Array(Rc<Array>),
}

impl Table<'_> {
    #[must_use]
    pub fn rows(&self) -> usize {
        match self {
            Table::Area { rect, .. } => rect.rows() as usize,
            Table::Array(a) => a.rows,
        }
    }

    #[must_use]
    pub fn cols(&self) -> usize {
        match self {
            Table::Area { rect, .. } => rect.cols() as usize,
            Table::Array(a) => a.cols,
        }
    }

    #[must_use]
    pub fn get(&self, row: usize, col: usize) -> Value {
        match self {
            #[allow(clippy::cast_possible_truncation)]
            Table::Area { grid, sheet, rect } => {
                grid.value(*sheet, rect.r1 + row as u32, rect.c1 + col as u32)
            }
            Table::Array(a) => a.get(row, col).clone(),
        }
    }

    /// The area behind the table, if it is a reference (for INDEX results).
    #[must_use]
    pub fn area(&self) -> Option<(SheetId, Rect)> {
        match self {
            Table::Area { sheet, rect, .. } => Some((*sheet, *rect)),
            Table::Array(_) => None,
        }
    }

    /// All values, row-major.
    #[must_use]
    pub fn values(&self) -> Vec<Value> {
        match self {
            Table::Array(a) => a.data.clone(),
            Table::Area { .. } => {
                let mut out = Vec::with_capacity(self.rows() * self.cols());
                for r in 0..self.rows() {
                    for c in 0..self.cols() {
                        out.push(self.get(r, c));
                    }
                }
                out
            }
        }
    }
}

fn map_unary(v: Value, f: impl Fn(f64) -> f64 + Copy) -> Value {
    match v {
        Value::Array(a) => Value::Array(Rc::new(Array::new(
            a.rows,
            a.cols,
            a.data.iter().map(|x| map_unary(x.clone(), f)).collect(),
        ))),
        v => match v.to_number() {
            Ok(n) => Value::number(f(n)),
            Err(e) => Value::Error(e),
        },
    }
}

/// Applies a binary operator with Excel's coercions, element-wise over
/// arrays (a 1x1 or single row/column array is broadcast).
#[must_use]
pub fn binary(op: BinOp, a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            let rows = x.rows.max(y.rows);
            let cols = x.cols.max(y.cols);
            let mut data = Vec::with_capacity(rows * cols);
            for r in 0..rows {
                for c in 0..cols {
                    let p = broadcast(x, r, c);
                    let q = broadcast(y, r, c);
                    data.push(match (p, q) {
                        (Some(p), Some(q)) => binary(op, p, q),
                        _ => Value::Error(ErrorKind::NA),
                    });
                }
            }
            Value::Array(Rc::new(Array::new(rows, cols, data)))
        }
        (Value::Array(x), s) => Value::Array(Rc::new(Array::new(
            x.rows,
            x.cols,
            x.data.iter().map(|v| binary(op, v, s)).collect(),
        ))),
        (s, Value::Array(y)) => Value::Array(Rc::new(Array::new(
            y.rows,
            y.cols,
            y.data.iter().map(|v| binary(op, s, v)).collect(),
        ))),
        _ => scalar_binary(op, a, b),
    }
}

fn broadcast(a: &Array, r: usize, c: usize) -> Option<&Value> {
    let rr = if a.rows == 1 { 0 } else { r };
    let cc = if a.cols == 1 { 0 } else { c };
    (rr < a.rows && cc < a.cols).then(|| a.get(rr, cc))
}

fn scalar_binary(op: BinOp, a: &Value, b: &Value) -> Value {
    if let Value::Error(e) = a {
        return Value::Error(*e);
    }
    if let Value::Error(e) = b {
        return Value::Error(*e);
    }
    match op {
        BinOp::Concat => match (a.to_text(), b.to_text()) {
            (Ok(x), Ok(y)) => {
                let mut s = String::with_capacity(x.len() + y.len());
                s.push_str(&x);
                s.push_str(&y);
                Value::from(s)
            }
            (Err(e), _) | (_, Err(e)) => Value::Error(e),
        },
        BinOp::Eq => Value::Bool(compare(a, b).is_eq()),
        BinOp::Ne => Value::Bool(!compare(a, b).is_eq()),
        BinOp::Lt => Value::Bool(compare(a, b).is_lt()),
        BinOp::Le => Value::Bool(compare(a, b).is_le()),
        BinOp::Gt => Value::Bool(compare(a, b).is_gt()),
        BinOp::Ge => Value::Bool(compare(a, b).is_ge()),
        _ => {
            let x = match a.to_number() {
                Ok(n) => n,
                Err(e) => return Value::Error(e),
            };
            let y = match b.to_number() {
                Ok(n) => n,
                Err(e) => return Value::Error(e),
            };
            match op {
                BinOp::Add => Value::number(x + y),
                BinOp::Sub => Value::number(x - y),
                BinOp::Mul => Value::number(x * y),
                BinOp::Div => {
                    if y == 0.0 {
                        Value::Error(ErrorKind::Div0)
                    } else {
                        Value::number(x / y)
                    }
                }
                BinOp::Pow => power(x, y),
                _ => unreachable!("handled above"),
            }
        }
    }
}

/// `x^y` with Excel's errors: 0^0 is #NUM!, 0^-1 is #DIV/0!.
#[must_use]
pub fn power(x: f64, y: f64) -> Value {
    if x == 0.0 && y == 0.0 {
        return Value::Error(ErrorKind::Num);
    }
    if x == 0.0 && y < 0.0 {
        return Value::Error(ErrorKind::Div0);
    }
    Value::number(x.powf(y))
}
