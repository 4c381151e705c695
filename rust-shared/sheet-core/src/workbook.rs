//! The workbook: sheets of cells, defined names, and incremental
//! recalculation driven by the dependency graph.
//!
//! An edit marks the formulas that read the edited cell (directly or through
//! a range) dirty, transitively; then each dirty formula is computed after
//! the dirty formulas it reads, with an explicit stack (never recursion), so
//! a chain of a million cells needs no deep call stack. A formula met again
//! while it is on that stack is part of a cycle: every formula of the cycle
//! gets #CYCLE!.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use sheet_formula::ast::{Reference, SheetNames};
use sheet_formula::eval::{Ctx, Grid, SumMemo};
use sheet_formula::value::{parse_number, ErrorKind};
use sheet_formula::{format::format_value, parse, Expr, ParseError, Rect, SheetId, Value};

use crate::graph::{key, unkey, CellKey, Dep, Graph};
use crate::storage::MortonMap;

pub use sheet_formula::address::{MAX_COLS, MAX_ROWS};

/// Beyond this many edits in one batch, a full recalculation is cheaper than
/// following dependents edit by edit.
const FULL_RECALC_EDITS: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    Clean,
    Dirty,
    Busy,
}

/// A formula and where it is in the current recalculation.
#[derive(Clone, Debug)]
pub struct Formula {
    pub expr: Expr,
    pub(crate) state: State,
}

/// One cell: its value (computed, for a formula), its formula, its format.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub value: Value,
    pub formula: Option<Box<Formula>>,
    pub format: Option<Rc<str>>,
}

impl Cell {
    fn is_blank(&self) -> bool {
        self.value.is_empty() && self.formula.is_none() && self.format.is_none()
    }
}

/// One sheet.
pub struct Sheet {
    pub id: SheetId,
    pub name: String,
    pub(crate) cells: MortonMap<Cell>,
    /// One past the last used row/column (grows on writes, recomputed on
    /// structure edits).
    pub(crate) extent: (u32, u32),
}

impl Sheet {
    fn new(id: SheetId, name: String) -> Sheet {
        Sheet {
            id,
            name,
            cells: MortonMap::new(),
            extent: (0, 0),
        }
    }

    /// Every stored cell as (row, col, cell), in Morton order.
    pub fn cells(&self) -> impl Iterator<Item = (u32, u32, &Cell)> {
        self.cells.iter()
    }

    #[must_use]
    pub fn cell(&self, row: u32, col: u32) -> Option<&Cell> {
        self.cells.get(row, col)
    }

    #[must_use]
    pub fn extent(&self) -> (u32, u32) {
        self.extent
    }
}

/// What went wrong with a workbook operation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SheetError {
    /// The formula does not parse.
    Parse {
        formula: String,
        error: ParseError,
    },
    NoSheet(String),
    DuplicateSheet(String),
    BadSheetName(String),
    LastSheet,
    BadName(String),
    OutOfRange {
        row: u64,
        col: u64,
    },
    Io(String),
}

impl fmt::Display for SheetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SheetError::Parse { formula, error } => write!(f, "cannot parse formula {formula:?}: {error}"),
            SheetError::NoSheet(s) => write!(f, "no sheet {s}"),
            SheetError::DuplicateSheet(s) => write!(f, "a sheet named {s:?} already exists"),
            SheetError::BadSheetName(s) => write!(f, "invalid sheet name {s:?}"),
            SheetError::LastSheet => f.write_str("a workbook keeps at least one sheet"),
            SheetError::BadName(s) => write!(f, "invalid name {s:?}: names start with a letter or _, contain no spaces and are not cell references"),
            SheetError::OutOfRange { row, col } => {
                write!(f, "cell (row {row}, col {col}) is outside the sheet ({MAX_ROWS} rows x {MAX_COLS} columns)")
            }
            SheetError::Io(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for SheetError {}

pub type Result<T> = std::result::Result<T, SheetError>;

/// A defined name.
#[derive(Clone, Debug)]
pub struct Name {
    pub name: String,
    pub expr: Rc<Expr>,
}

/// A workbook with sheets, names and a recalculation engine.
pub struct Workbook {
    pub(crate) sheets: Vec<Sheet>,
    next_sheet: SheetId,
    pub(crate) names: HashMap<String, Name>,
    pub(crate) graph: Graph,
    memo: SumMemo,
    now: f64,
    batch: u32,
    pending: Vec<CellKey>,
    pending_full: bool,
    dirty_list: Vec<CellKey>,
    changes: Option<Vec<CellKey>>,
    evaluations: u64,
}

impl Default for Workbook {
    fn default() -> Self {
        Workbook::new()
    }
}

impl Workbook {
    /// A workbook with one sheet, "Sheet1".
    #[must_use]
    pub fn new() -> Workbook {
        let mut wb = Workbook::empty();
        wb.sheets.push(Sheet::new(0, "Sheet1".into()));
        wb.next_sheet = 1;
        wb
    }

    /// A workbook without sheets (importers add them).
    #[must_use]
    pub fn empty() -> Workbook {
        Workbook {
            sheets: Vec::new(),
            next_sheet: 0,
            names: HashMap::new(),
            graph: Graph::default(),
            memo: SumMemo::default(),
            now: 45_658.0,
            batch: 0,
            pending: Vec::new(),
            pending_full: false,
            dirty_list: Vec::new(),
            changes: None,
            evaluations: 0,
        }
    }

    // ---- sheets ----

    /// (id, name) of every sheet, in order.
    #[must_use]
    pub fn sheets(&self) -> Vec<(SheetId, String)> {
        self.sheets.iter().map(|s| (s.id, s.name.clone())).collect()
    }

    #[must_use]
    pub fn sheet(&self, id: SheetId) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.id == id)
    }

    fn sheet_mut(&mut self, id: SheetId) -> Result<&mut Sheet> {
        self.sheets
            .iter_mut()
            .find(|s| s.id == id)
            .ok_or_else(|| SheetError::NoSheet(format!("#{id}")))
    }

    /// The id of a sheet by name (case-insensitive).
    #[must_use]
    pub fn sheet_by_name(&self, name: &str) -> Option<SheetId> {
        self.sheets
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
            .map(|s| s.id)
    }

    /// The id of the sheet at a position.
    #[must_use]
    pub fn sheet_at(&self, index: usize) -> Option<SheetId> {
        self.sheets.get(index).map(|s| s.id)
    }

    fn check_sheet_name(&self, name: &str, except: Option<SheetId>) -> Result<()> {
        if name.is_empty()
            || name.chars().count() > 31
            || name.contains(['[', ']', ':', '*', '?', '/', '\\'])
            || name.starts_with('\'')
        {
            return Err(SheetError::BadSheetName(name.into()));
        }
        if self
            .sheets
            .iter()
            .any(|s| Some(s.id) != except && s.name.eq_ignore_ascii_case(name))
        {
            return Err(SheetError::DuplicateSheet(name.into()));
        }
        Ok(())
    }

    /// Adds a sheet at the end.
    pub fn add_sheet(&mut self, name: &str) -> Result<SheetId> {
        self.check_sheet_name(name, None)?;
        let id = self.next_sheet;
        self.next_sheet += 1;
        self.sheets.push(Sheet::new(id, name.to_string()));
        // Formulas that referred to a sheet of that name were refused at
        // parse time; nothing to recompute.
        Ok(id)
    }

    pub fn rename_sheet(&mut self, id: SheetId, name: &str) -> Result<()> {
        self.check_sheet_name(name, Some(id))?;
        self.sheet_mut(id)?.name = name.to_string();
        Ok(())
    }

    /// Removes a sheet; references to it become #REF!.
    pub fn remove_sheet(&mut self, id: SheetId) -> Result<()> {
        if self.sheets.len() == 1 {
            return Err(SheetError::LastSheet);
        }
        let pos = self
            .sheets
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| SheetError::NoSheet(format!("#{id}")))?;
        self.sheets.remove(pos);
        for sheet in &mut self.sheets {
            for (_, _, cell) in sheet.cells.iter_mut() {
                if let Some(f) = &mut cell.formula {
                    f.expr.forget_sheet(id);
                }
            }
        }
        for n in self.names.values_mut() {
            let mut e = (*n.expr).clone();
            if e.forget_sheet(id) {
                n.expr = Rc::new(e);
            }
        }
        self.rebuild();
        Ok(())
    }

    // ---- cells ----

    fn check(row: u32, col: u32) -> Result<()> {
        if row >= MAX_ROWS || col >= MAX_COLS {
            return Err(SheetError::OutOfRange {
                row: u64::from(row),
                col: u64::from(col),
            });
        }
        Ok(())
    }

    /// Sets a cell from what a user types: `=...` is a formula, numbers,
    /// TRUE/FALSE and error values are recognised, `'` forces text, an empty
    /// string clears the value.
    pub fn set_input(&mut self, sheet: SheetId, row: u32, col: u32, input: &str) -> Result<()> {
        if let Some(rest) = input.strip_prefix('=') {
            if !rest.trim().is_empty() {
                return self.set_formula(sheet, row, col, input);
            }
        }
        self.set_value(sheet, row, col, parse_input(input))
    }

    /// Sets a constant value (clearing any formula).
    pub fn set_value(&mut self, sheet: SheetId, row: u32, col: u32, value: Value) -> Result<()> {
        Self::check(row, col)?;
        self.sheet(sheet)
            .ok_or_else(|| SheetError::NoSheet(format!("#{sheet}")))?;
        let value = value.scalar();
        let k = key(sheet, row, col);
        self.write(k, value, None);
        Ok(())
    }

    /// Sets a formula (with or without the leading `=`).
    pub fn set_formula(&mut self, sheet: SheetId, row: u32, col: u32, formula: &str) -> Result<()> {
        Self::check(row, col)?;
        self.sheet(sheet)
            .ok_or_else(|| SheetError::NoSheet(format!("#{sheet}")))?;
        let expr = parse(formula, self).map_err(|error| SheetError::Parse {
            formula: formula.to_string(),
            error,
        })?;
        self.set_expr(sheet, row, col, expr);
        Ok(())
    }

    /// Sets a parsed formula.
    pub fn set_expr(&mut self, sheet: SheetId, row: u32, col: u32, expr: Expr) {
        let k = key(sheet, row, col);
        self.write(k, Value::Empty, Some(expr));
    }

    /// Clears a cell's value and formula (its format stays).
    pub fn clear(&mut self, sheet: SheetId, row: u32, col: u32) -> Result<()> {
        self.set_value(sheet, row, col, Value::Empty)
    }

    fn write(&mut self, k: CellKey, value: Value, expr: Option<Expr>) {
        let (sheet_id, row, col) = unkey(k);
        let had_formula = self
            .sheet(sheet_id)
            .and_then(|s| s.cells.get(row, col))
            .is_some_and(|c| c.formula.is_some());
        if had_formula {
            self.graph.unregister(k);
            self.graph.mark_clean(k);
        }
        let is_formula = expr.is_some();
        if let Some(e) = &expr {
            let deps = self.dependencies(sheet_id, e);
            self.graph.register(k, deps, e.is_volatile());
            self.graph.mark_dirty(k);
        }
        let Ok(sheet) = self.sheet_mut(sheet_id) else {
            return;
        };
        let mut remove = false;
        {
            let cell = sheet.cells.entry(row, col).or_default();
            cell.value = value;
            cell.formula = expr.map(|expr| {
                Box::new(Formula {
                    expr,
                    state: State::Dirty,
                })
            });
            if cell.is_blank() {
                remove = true;
            }
        }
        if remove {
            sheet.cells.remove(row, col);
        } else {
            sheet.extent = (sheet.extent.0.max(row + 1), sheet.extent.1.max(col + 1));
        }
        if is_formula {
            self.dirty_list.push(k);
        }
        self.record_change(k);
        self.touched(k);
    }

    fn record_change(&mut self, k: CellKey) {
        if let Some(c) = &mut self.changes {
            c.push(k);
        }
    }

    /// The precedents of a formula on `sheet`, names resolved.
    fn dependencies(&self, sheet: SheetId, expr: &Expr) -> Vec<Dep> {
        let mut deps = Vec::new();
        let mut names_left = 64;
        let mut stack: Vec<Rc<Expr>> = Vec::new();
        let visit = |r: Reference, deps: &mut Vec<Dep>, stack: &mut Vec<Rc<Expr>>| match r {
            Reference::Cell(s, row, col) => deps.push(Dep::Cell(key(s.unwrap_or(sheet), row, col))),
            Reference::Area(s, rect) => {
                if rect.is_cell() {
                    deps.push(Dep::Cell(key(s.unwrap_or(sheet), rect.r1, rect.c1)));
                } else {
                    deps.push(Dep::Range(s.unwrap_or(sheet), rect));
                }
            }
            Reference::Name(n) => {
                if let Some(def) = self.names.get(&n.to_uppercase()) {
                    stack.push(def.expr.clone());
                }
            }
        };
        expr.for_each_reference(&mut |r| visit(r, &mut deps, &mut stack));
        while let Some(e) = stack.pop() {
            names_left -= 1;
            if names_left == 0 {
                break;
            }
            e.for_each_reference(&mut |r| visit(r, &mut deps, &mut stack));
        }
        deps.sort_unstable_by_key(|d| match d {
            Dep::Cell(k) => (0, *k, Rect::cell(0, 0)),
            Dep::Range(s, r) => (1, u64::from(*s), *r),
        });
        deps.dedup();
        deps
    }

    /// The value of a cell (its computed value for a formula).
    #[must_use]
    pub fn get(&self, sheet: SheetId, row: u32, col: u32) -> Value {
        self.sheet(sheet)
            .and_then(|s| s.cells.get(row, col))
            .map_or(Value::Empty, |c| c.value.clone())
    }

    /// The formula of a cell, with its `=`, as it reads now (after structure
    /// edits and sheet renames).
    #[must_use]
    pub fn formula(&self, sheet: SheetId, row: u32, col: u32) -> Option<String> {
        let cell = self.sheet(sheet)?.cells.get(row, col)?;
        cell.formula
            .as_ref()
            .map(|f| format!("={}", f.expr.to_formula(self)))
    }

    /// What the cell shows: its value through its number format.
    #[must_use]
    pub fn display(&self, sheet: SheetId, row: u32, col: u32) -> String {
        let Some(cell) = self.sheet(sheet).and_then(|s| s.cells.get(row, col)) else {
            return String::new();
        };
        match &cell.format {
            Some(fmt) => format_value(&cell.value, fmt),
            None => cell.value.display(),
        }
    }

    /// The text that would re-create the cell when typed (formula or value).
    #[must_use]
    pub fn input(&self, sheet: SheetId, row: u32, col: u32) -> String {
        if let Some(f) = self.formula(sheet, row, col) {
            return f;
        }
        match self.get(sheet, row, col) {
            Value::Text(s) if parse_input(&s) != Value::Text(s.clone()) => format!("'{s}"),
            v => v.display(),
        }
    }

    pub fn set_format(
        &mut self,
        sheet: SheetId,
        row: u32,
        col: u32,
        format: Option<&str>,
    ) -> Result<()> {
        Self::check(row, col)?;
        let s = self.sheet_mut(sheet)?;
        if let Some(fmt) = format {
            s.cells.entry(row, col).or_default().format = Some(Rc::from(fmt));
            s.extent = (s.extent.0.max(row + 1), s.extent.1.max(col + 1));
        } else {
            let remove = match s.cells.get_mut(row, col) {
                Some(c) => {
                    c.format = None;
                    c.is_blank()
                }
                None => false,
            };
            if remove {
                s.cells.remove(row, col);
            }
        }
        let k = key(sheet, row, col);
        self.record_change(k);
        Ok(())
    }

    #[must_use]
    pub fn format(&self, sheet: SheetId, row: u32, col: u32) -> Option<Rc<str>> {
        self.sheet(sheet)?.cells.get(row, col)?.format.clone()
    }

    /// The values of a rectangle, row-major (a fast Morton range read).
    #[must_use]
    pub fn range_values(&self, sheet: SheetId, rect: Rect) -> Vec<Vec<Value>> {
        let mut out = vec![vec![Value::Empty; rect.cols() as usize]; rect.rows() as usize];
        if let Some(s) = self.sheet(sheet) {
            s.cells.for_each_in(rect, |r, c, cell| {
                out[(r - rect.r1) as usize][(c - rect.c1) as usize] = cell.value.clone();
            });
        }
        out
    }

    // ---- names ----

    /// Defines (or redefines) a name: `define_name("Rate", "=Sheet1!$B$1")`.
    pub fn define_name(&mut self, name: &str, formula: &str) -> Result<()> {
        let valid = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '\\')
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '\\')
            && sheet_formula::address::parse_cell_name(name).is_none()
            && !name.eq_ignore_ascii_case("TRUE")
            && !name.eq_ignore_ascii_case("FALSE")
            && name.len() <= 255;
        if !valid {
            return Err(SheetError::BadName(name.into()));
        }
        let expr = parse(formula, self).map_err(|error| SheetError::Parse {
            formula: formula.to_string(),
            error,
        })?;
        // Names refer to absolute places: a reference without a sheet means the first sheet.
        let expr = pin_sheet(expr, self.sheets.first().map_or(0, |s| s.id));
        self.names.insert(
            name.to_uppercase(),
            Name {
                name: name.to_string(),
                expr: Rc::new(expr),
            },
        );
        self.rebuild();
        Ok(())
    }

    pub fn remove_name(&mut self, name: &str) -> bool {
        let removed = self.names.remove(&name.to_uppercase()).is_some();
        if removed {
            self.rebuild();
        }
        removed
    }

    /// (name, formula) of every defined name, sorted by name.
    #[must_use]
    pub fn names(&self) -> Vec<(String, String)> {
        let mut out: Vec<_> = self
            .names
            .values()
            .map(|n| (n.name.clone(), format!("={}", n.expr.to_formula(self))))
            .collect();
        out.sort();
        out
    }

    // ---- batches and recalculation ----

    /// Starts a batch: edits are applied at once but recalculation waits for
    /// the matching `end_batch`.
    pub fn begin_batch(&mut self) {
        self.batch += 1;
    }

    /// Ends a batch and recalculates what it changed.
    pub fn end_batch(&mut self) {
        if self.batch == 0 {
            return;
        }
        self.batch -= 1;
        if self.batch == 0 {
            let pending = std::mem::take(&mut self.pending);
            if self.pending_full || pending.len() > FULL_RECALC_EDITS {
                self.pending_full = false;
                self.mark_all_dirty();
            } else {
                for k in pending {
                    self.propagate(k);
                }
            }
            self.recalculate();
        }
    }

    /// Runs `f` as one batch.
    pub fn batch<T>(&mut self, f: impl FnOnce(&mut Workbook) -> T) -> T {
        self.begin_batch();
        let out = f(self);
        self.end_batch();
        out
    }

    fn touched(&mut self, k: CellKey) {
        if self.batch > 0 {
            if self.pending.len() <= FULL_RECALC_EDITS {
                self.pending.push(k);
            } else {
                self.pending_full = true;
            }
            return;
        }
        self.propagate(k);
        self.recalculate();
    }

    fn formula_state(&self, k: CellKey) -> Option<State> {
        let (s, r, c) = unkey(k);
        self.sheet(s)?
            .cells
            .get(r, c)?
            .formula
            .as_ref()
            .map(|f| f.state)
    }

    fn set_state(&mut self, k: CellKey, state: State) {
        let (s, r, c) = unkey(k);
        if let Some(f) = self
            .sheets
            .iter_mut()
            .find(|x| x.id == s)
            .and_then(|x| x.cells.get_mut(r, c))
            .and_then(|c| c.formula.as_mut())
        {
            f.state = state;
        }
    }

    /// Marks every formula that depends on `k`, transitively, dirty.
    fn propagate(&mut self, k: CellKey) {
        let mut work = vec![k];
        let mut found = Vec::new();
        while let Some(x) = work.pop() {
            found.clear();
            self.graph.for_each_dependent(x, |d| found.push(d));
            for &d in &found {
                if self.formula_state(d) == Some(State::Clean) {
                    self.set_state(d, State::Dirty);
                    self.graph.mark_dirty(d);
                    self.dirty_list.push(d);
                    work.push(d);
                }
            }
        }
    }

    fn mark_all_dirty(&mut self) {
        let mut keys = Vec::new();
        for s in &mut self.sheets {
            for (r, c, cell) in s.cells.iter_mut() {
                if let Some(f) = &mut cell.formula {
                    f.state = State::Dirty;
                    keys.push(key(s.id, r, c));
                }
            }
        }
        for &k in &keys {
            self.graph.mark_dirty(k);
        }
        self.dirty_list = keys;
    }

    /// Recomputes every formula (volatile ones included).
    pub fn recalculate_all(&mut self) {
        self.mark_all_dirty();
        self.recalculate();
    }

    /// Recomputes volatile formulas (NOW, RAND...) and what depends on them.
    pub fn recalculate_volatile(&mut self) {
        let vol: Vec<CellKey> = self.graph.volatile.iter().copied().collect();
        for k in vol {
            if self.formula_state(k) == Some(State::Clean) {
                self.set_state(k, State::Dirty);
                self.graph.mark_dirty(k);
                self.dirty_list.push(k);
                self.propagate(k);
            }
        }
        self.recalculate();
    }

    /// Sets the clock NOW() and TODAY() read (an Excel serial number).
    pub fn set_now(&mut self, serial: f64) {
        self.now = serial;
    }

    fn recalculate(&mut self) {
        if self.batch > 0 {
            return;
        }
        self.memo.borrow_mut().clear();
        let list = std::mem::take(&mut self.dirty_list);
        for k in list {
            if self.formula_state(k) == Some(State::Dirty) {
                self.compute(k);
            }
        }
        self.memo.borrow_mut().clear();
    }

    /// The dirty formulas `k` reads.
    fn dirty_precedents(&self, k: CellKey) -> Vec<CellKey> {
        let mut out = Vec::new();
        for d in self.graph.precedents(k) {
            match *d {
                Dep::Cell(p) => {
                    if matches!(self.formula_state(p), Some(State::Dirty | State::Busy)) {
                        out.push(p);
                    }
                }
                Dep::Range(s, rect) => self.graph.for_each_dirty_in(s, rect, |p| out.push(p)),
            }
        }
        out
    }

    /// Computes `start` after everything dirty it reads, with an explicit stack.
    fn compute(&mut self, start: CellKey) {
        struct Frame {
            k: CellKey,
            pending: Vec<CellKey>,
            next: usize,
            cycle: bool,
        }
        self.set_state(start, State::Busy);
        let mut stack = vec![Frame {
            k: start,
            pending: self.dirty_precedents(start),
            next: 0,
            cycle: false,
        }];
        while let Some(top) = stack.last_mut() {
            if top.next < top.pending.len() {
                let p = top.pending[top.next];
                top.next += 1;
                match self.formula_state(p) {
                    Some(State::Dirty) => {
                        self.set_state(p, State::Busy);
                        let pending = self.dirty_precedents(p);
                        stack.push(Frame {
                            k: p,
                            pending,
                            next: 0,
                            cycle: false,
                        });
                    }
                    Some(State::Busy) => {
                        // p is on the stack: every frame from p up is in a cycle.
                        if let Some(j) = stack.iter().rposition(|f| f.k == p) {
                            for f in &mut stack[j..] {
                                f.cycle = true;
                            }
                        }
                    }
                    _ => {}
                }
                continue;
            }
            let Some(frame) = stack.pop() else { break };
            let value = if frame.cycle {
                Value::Error(ErrorKind::Cycle)
            } else {
                self.evaluate_cell(frame.k)
            };
            self.store_result(frame.k, value);
        }
    }

    fn evaluate_cell(&self, k: CellKey) -> Value {
        let (s, r, c) = unkey(k);
        let Some(f) = self
            .sheet(s)
            .and_then(|x| x.cells.get(r, c))
            .and_then(|c| c.formula.as_ref())
        else {
            return Value::Empty;
        };
        let ctx = Ctx::new(self, s, r, c).with_memo(&self.memo);
        match ctx.evaluate(&f.expr) {
            // A formula that reads an empty cell shows 0.
            Value::Empty => Value::Number(0.0),
            v => v,
        }
    }

    fn store_result(&mut self, k: CellKey, value: Value) {
        self.evaluations += 1;
        let (s, r, c) = unkey(k);
        if let Some(cell) = self
            .sheets
            .iter_mut()
            .find(|x| x.id == s)
            .and_then(|x| x.cells.get_mut(r, c))
        {
            if let Some(f) = &mut cell.formula {
                f.state = State::Clean;
            }
            cell.value = value;
        }
        self.graph.mark_clean(k);
        self.record_change(k);
    }

    /// Rebuilds the dependency graph from the formulas and recomputes all.
    pub(crate) fn rebuild(&mut self) {
        self.graph.clear();
        let mut formulas = Vec::new();
        for s in &self.sheets {
            for (r, c, cell) in s.cells.iter() {
                if let Some(f) = &cell.formula {
                    formulas.push((key(s.id, r, c), s.id, f.expr.clone()));
                }
            }
        }
        for (k, sheet, expr) in formulas {
            let deps = self.dependencies(sheet, &expr);
            self.graph.register(k, deps, expr.is_volatile());
        }
        self.mark_all_dirty();
        self.recalculate();
    }

    // ---- change tracking (for onChange events) ----

    /// Starts (or stops) recording which cells change.
    pub fn track_changes(&mut self, on: bool) {
        self.changes = if on { Some(Vec::new()) } else { None };
    }

    /// The cells changed since the last call, each once, as (sheet, row, col).
    pub fn take_changes(&mut self) -> Vec<(SheetId, u32, u32)> {
        let Some(list) = &mut self.changes else {
            return Vec::new();
        };
        let mut keys = std::mem::take(list);
        let mut seen = std::collections::HashSet::with_capacity(keys.len());
        keys.retain(|k| seen.insert(*k));
        keys.into_iter().map(unkey).collect()
    }

    /// How many formula results were computed since the workbook was made
    /// (tests use it to check that an edit recomputes only its dependents).
    #[must_use]
    pub fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// Number of formulas waiting for recalculation (0 outside a batch).
    #[must_use]
    pub fn pending_formulas(&self) -> usize {
        self.graph.dirty_count()
    }
}

/// Turns typed text into a value: numbers (`1,234.5`, `50%`), TRUE/FALSE,
/// error literals; `'` forces text.
#[must_use]
pub fn parse_input(input: &str) -> Value {
    if input.is_empty() {
        return Value::Empty;
    }
    if let Some(rest) = input.strip_prefix('\'') {
        return Value::from(rest);
    }
    if let Some(n) = parse_number(input) {
        return Value::Number(n);
    }
    if input.eq_ignore_ascii_case("TRUE") {
        return Value::Bool(true);
    }
    if input.eq_ignore_ascii_case("FALSE") {
        return Value::Bool(false);
    }
    if let Some(e) = ErrorKind::parse(input.trim()) {
        return Value::Error(e);
    }
    Value::from(input)
}

/// Gives every sheet-less reference of a name's formula an explicit sheet.
fn pin_sheet(expr: Expr, sheet: SheetId) -> Expr {
    use sheet_formula::ast::Expr as E;
    match expr {
        E::Cell(mut c) => {
            c.sheet.get_or_insert(sheet);
            E::Cell(c)
        }
        E::Area(mut a) => {
            a.sheet.get_or_insert(sheet);
            E::Area(a)
        }
        E::Neg(e) => E::Neg(Box::new(pin_sheet(*e, sheet))),
        E::Plus(e) => E::Plus(Box::new(pin_sheet(*e, sheet))),
        E::Percent(e) => E::Percent(Box::new(pin_sheet(*e, sheet))),
        E::Paren(e) => E::Paren(Box::new(pin_sheet(*e, sheet))),
        E::Binary(op, l, r) => E::Binary(
            op,
            Box::new(pin_sheet(*l, sheet)),
            Box::new(pin_sheet(*r, sheet)),
        ),
        E::Call(f, args) => E::Call(f, args.into_iter().map(|a| pin_sheet(a, sheet)).collect()),
        other => other,
    }
}

impl SheetNames for Workbook {
    fn sheet_id(&self, name: &str) -> Option<SheetId> {
        self.sheet_by_name(name)
    }
    fn sheet_name(&self, id: SheetId) -> Option<String> {
        self.sheet(id).map(|s| s.name.clone())
    }
}

impl Grid for Workbook {
    fn value(&self, sheet: SheetId, row: u32, col: u32) -> Value {
        self.get(sheet, row, col)
    }

    fn for_each_value(&self, sheet: SheetId, rect: Rect, f: &mut dyn FnMut(u32, u32, &Value)) {
        if let Some(s) = self.sheet(sheet) {
            s.cells.for_each_in(rect, |r, c, cell| {
                if !cell.value.is_empty() {
                    f(r, c, &cell.value);
                }
            });
        }
    }

    fn extent(&self, sheet: SheetId) -> (u32, u32) {
        self.sheet(sheet).map_or((0, 0), |s| s.extent)
    }

    fn name(&self, name: &str, _sheet: SheetId) -> Option<Rc<Expr>> {
        self.names.get(&name.to_uppercase()).map(|n| n.expr.clone())
    }

    fn is_formula(&self, sheet: SheetId, row: u32, col: u32) -> bool {
        self.sheet(sheet)
            .and_then(|s| s.cells.get(row, col))
            .is_some_and(|c| c.formula.is_some())
    }

    fn now(&self) -> f64 {
        self.now
    }
}
