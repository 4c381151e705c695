//! The workbook: sheets of cells, defined names, and incremental
//! recalculation driven by the dependency graph.
//!
//! An edit marks the formulas that read the edited cell (directly or through
//! a range) dirty, transitively; then each dirty formula is computed after
//! the dirty formulas it reads, with an explicit stack (never recursion), so
//! a chain of a million cells needs no deep call stack. A formula met again
//! while it is on that stack is part of a cycle: every formula of the cycle
//! gets #CYCLE!.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};
use sheet_formula::ast::{Reference, SheetNames};
use sheet_formula::eval::{binary, Ctx, Grid, SumMemo};
use sheet_formula::value::{parse_number, ErrorKind};
use sheet_formula::{format::format_value_in, parse, Expr, ParseError, Rect, SheetId, Value};

use crate::graph::{key, unkey, CellKey, Dep, Fast, FormulaId, Graph, State, Term};
use crate::storage::MortonMap;
use crate::structure::CellSnapshot;

pub use sheet_formula::address::{MAX_COLS, MAX_ROWS};

/// Beyond this many edits in one batch, a full recalculation is cheaper than
/// following dependents edit by edit.
const FULL_RECALC_EDITS: usize = 10_000;

/// A formula as stored in its cell.
#[derive(Clone, Debug)]
pub struct Formula {
    pub expr: Rc<Expr>,
    /// The formula as typed (with its `=`), kept while the references in it
    /// still read the same; `None` after a structure edit or rename rewrote
    /// it, and when it was typed exactly as the engine prints it (most
    /// formulas: nothing to keep).
    pub(crate) text: Option<Rc<str>>,
}

/// One cell: its value (computed, for a formula), its formula, its format.
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub value: Value,
    /// Inline (not boxed): one allocation less per formula.
    pub formula: Option<Formula>,
    pub format: Option<Rc<str>>,
}

impl Cell {
    fn is_blank(&self) -> bool {
        self.value.is_empty() && self.formula.is_none() && self.format.is_none()
    }
}

/// A cell that changed, with the value it had before (see
/// [`Workbook::take_change_events`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub sheet: SheetId,
    pub row: u32,
    pub col: u32,
    /// The value before the change (Empty for a new cell).
    pub old: Value,
}

/// The typed text of a formula, dropped when a rename changed how it reads
/// (see [`Workbook::rename_sheet_texts`]).
#[derive(Clone, Debug)]
pub struct FormulaText {
    pub sheet: SheetId,
    pub row: u32,
    pub col: u32,
    expr: Rc<Expr>,
    text: Rc<str>,
}

/// A sheet removed by [`Workbook::take_sheet`], for undo.
#[derive(Clone, Debug)]
pub struct RemovedSheet {
    pub id: SheetId,
    pub name: String,
    /// Its index among the sheets.
    pub position: usize,
    pub cells: Vec<(u32, u32, Cell)>,
    /// Formulas of other sheets as they were before their references to it
    /// became #REF!.
    pub rewritten: Vec<CellSnapshot>,
    names: HashMap<String, Name>,
}

/// Scratch space of a recalculation, kept between recalculations so that
/// recomputing does not allocate per formula.
#[derive(Default)]
struct Scratch {
    /// Dirty formulas in discovery order.
    order: Vec<FormulaId>,
    /// Dependents of `order[i]` are `edges[offsets[i]..offsets[i + 1]]`.
    edges: Vec<FormulaId>,
    offsets: Vec<u32>,
    /// Per formula id: position in `order`, and dirty precedents not yet computed.
    pos: Vec<u32>,
    indeg: Vec<u32>,
    queue: Vec<FormulaId>,
    found: Vec<FormulaId>,
    /// Formulas waiting for a formula their computed references point at:
    /// edges found while computing, besides the registered ones.
    extra: rustc_hash::FxHashMap<FormulaId, Vec<FormulaId>>,
    /// The last order computed for edits of `cached_seeds` alone, valid
    /// while the graph's generation is `cached_generation`: editing the same
    /// inputs again (what-if analysis) skips the search for dependents.
    cached_seeds: Vec<CellKey>,
    cached_order: Vec<FormulaId>,
    cached_generation: u64,
}

/// Parsed formulas by shape (see `sheet_formula::formula_shape`), so that
/// formulas that differ only in where they are (a fill, a paste, a file's
/// columns) are parsed once and translated. Bounded; cleared whenever sheet
/// names change (they decide what a cross-sheet reference parses to).
#[derive(Default)]
struct ShapeCache {
    /// shape -> (tree, row, col it was parsed at, whether its text read
    /// as the engine prints it)
    map: rustc_hash::FxHashMap<Box<str>, (Expr, u32, u32, bool)>,
    key: String,
}

/// Shapes kept before the cache starts over.
const SHAPE_CACHE_LIMIT: usize = 4096;

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

    /// Calls `f` with every stored cell inside `rect` (a Morton range read).
    pub fn cells_in(&self, rect: Rect, f: impl FnMut(u32, u32, &Cell)) {
        self.cells.for_each_in(rect, f);
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
    /// The cell shows part of a dynamic array spilled from another cell
    /// (read-only: edit the formula at the anchor).
    SpillCell {
        row: u32,
        col: u32,
        anchor_row: u32,
        anchor_col: u32,
    },
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
            SheetError::SpillCell { row, col, anchor_row, anchor_col } => write!(
                f,
                "cell {} is part of the array spilled by the formula in {}: it is read-only, edit {} instead",
                sheet_formula::address::cell_name(*row, *col),
                sheet_formula::address::cell_name(*anchor_row, *anchor_col),
                sheet_formula::address::cell_name(*anchor_row, *anchor_col),
            ),
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
    /// Cells edited since the last recalculation (whose dependents must be
    /// found), unless `pending_full`.
    pending: Vec<CellKey>,
    pending_full: bool,
    changes: Option<Vec<(CellKey, Value)>>,
    /// Length of `changes` at which repeats are dropped (see `bound_changes`).
    changes_limit: usize,
    evaluations: u64,
    scratch: Scratch,
    /// References computed by the formula being evaluated (INDIRECT,
    /// OFFSET); `None` once more than `MAX_DYNAMIC` were noted.
    dynamic: RefCell<Option<Vec<(SheetId, Rect)>>>,
    /// Dynamic arrays: each spilling formula's cell -> the range its array
    /// covers (the formula's cell included).
    spills: FxHashMap<CellKey, Rect>,
    /// Each cell showing part of a spilled array -> the formula's cell.
    spilled: FxHashMap<CellKey, CellKey>,
    /// Formulas showing #SPILL! -> the range they need (recomputed when a
    /// cell of it changes).
    blocked: FxHashMap<CellKey, Rect>,
    /// Spilled cells whose value changed in this recalculation pass: their
    /// readers are recomputed in another pass.
    spill_pending: Vec<CellKey>,
    /// Formulas whose spill changed in the current pass.
    spill_anchors: Vec<CellKey>,
    /// The 1904 date system (serial 0 is 1904-01-01).
    date1904: bool,
    shapes: ShapeCache,
    /// Scratch list of a formula's precedents (see `dependencies`).
    deps: Vec<Dep>,
    /// Scratch text of a formula printed to compare with what was typed.
    printed: String,
}

/// What the references a formula computed while running point at.
enum Reads {
    /// Values computed in this recalculation (or not recomputed in it).
    Computed,
    /// Formulas still waiting to be computed.
    Pending,
    /// The formula's own cell: a circular reference.
    Itself,
}

/// Change entries kept before repeats of a cell are dropped.
const CHANGES_LIMIT: usize = 1 << 20;

/// At most this many computed references are checked per evaluation.
const MAX_DYNAMIC: usize = 10_000;

/// Recalculation passes for spilled arrays feeding other formulas; a spill
/// still changing after this many reads itself (a circular reference).
const MAX_SPILL_PASSES: usize = 64;

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
            changes: None,
            changes_limit: CHANGES_LIMIT,
            evaluations: 0,
            scratch: Scratch::default(),
            dynamic: RefCell::new(Some(Vec::new())),
            spills: FxHashMap::default(),
            spilled: FxHashMap::default(),
            blocked: FxHashMap::default(),
            spill_pending: Vec::new(),
            spill_anchors: Vec::new(),
            date1904: false,
            shapes: ShapeCache::default(),
            deps: Vec::new(),
            printed: String::new(),
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
        self.shapes.map.clear();
        // Formulas that referred to a sheet of that name were refused at
        // parse time; nothing to recompute.
        Ok(id)
    }

    pub fn rename_sheet(&mut self, id: SheetId, name: &str) -> Result<()> {
        self.rename_sheet_texts(id, name).map(drop)
    }

    /// Renames a sheet like [`Workbook::rename_sheet`] and returns the
    /// formulas whose typed text it dropped (they name the sheet), so that an
    /// undo can give them back with [`Workbook::restore_formula_texts`].
    pub fn rename_sheet_texts(&mut self, id: SheetId, name: &str) -> Result<Vec<FormulaText>> {
        self.check_sheet_name(name, Some(id))?;
        self.sheet_mut(id)?.name = name.to_string();
        self.shapes.map.clear();
        // Formulas naming the sheet now read differently from what was typed.
        let mut dropped = Vec::new();
        for sheet in &mut self.sheets {
            let sid = sheet.id;
            for (row, col, cell) in sheet.cells.iter_mut() {
                if let Some(f) = &mut cell.formula {
                    if f.text.is_some() && mentions_sheet(&f.expr, id) {
                        if let Some(text) = f.text.take() {
                            dropped.push(FormulaText {
                                sheet: sid,
                                row,
                                col,
                                expr: f.expr.clone(),
                                text,
                            });
                        }
                    }
                }
            }
        }
        Ok(dropped)
    }

    /// Gives formulas back the text they were typed with (after an undo
    /// renamed their sheet back), where the cell still holds that formula.
    pub fn restore_formula_texts(&mut self, texts: &[FormulaText]) {
        for t in texts {
            let Some(sheet) = self.sheets.iter_mut().find(|s| s.id == t.sheet) else {
                continue;
            };
            if let Some(f) = sheet
                .cells
                .get_mut(t.row, t.col)
                .and_then(|c| c.formula.as_mut())
            {
                if f.text.is_none() && Rc::ptr_eq(&f.expr, &t.expr) {
                    f.text = Some(t.text.clone());
                }
            }
        }
    }

    /// Removes a sheet; references to it become #REF!.
    pub fn remove_sheet(&mut self, id: SheetId) -> Result<()> {
        self.take_sheet(id).map(drop)
    }

    /// Removes a sheet like [`Workbook::remove_sheet`] and returns it with
    /// what its removal changed elsewhere, so that
    /// [`Workbook::restore_sheet`] can undo it.
    pub fn take_sheet(&mut self, id: SheetId) -> Result<RemovedSheet> {
        if self.sheets.len() == 1 {
            return Err(SheetError::LastSheet);
        }
        let position = self
            .sheets
            .iter()
            .position(|s| s.id == id)
            .ok_or_else(|| SheetError::NoSheet(format!("#{id}")))?;
        self.clear_all_spills();
        self.shapes.map.clear();
        let mut sheet = self.sheets.remove(position);
        let names = self.names.clone();
        let mut rewritten = Vec::new();
        for other in &mut self.sheets {
            let sid = other.id;
            for (r, c, cell) in other.cells.iter_mut() {
                let mentions = cell
                    .formula
                    .as_ref()
                    .is_some_and(|f| mentions_sheet(&f.expr, id));
                if mentions {
                    rewritten.push(CellSnapshot {
                        sheet: sid,
                        row: r,
                        col: c,
                        cell: cell.clone(),
                    });
                    if let Some(f) = &mut cell.formula {
                        Rc::make_mut(&mut f.expr).forget_sheet(id);
                        f.text = None;
                    }
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
        Ok(RemovedSheet {
            id,
            name: std::mem::take(&mut sheet.name),
            position,
            cells: sheet.cells.drain_all(),
            rewritten,
            names,
        })
    }

    /// Puts back a sheet taken by [`Workbook::take_sheet`], with its id, its
    /// place, its cells, and the formulas and names its removal broke.
    pub fn restore_sheet(&mut self, removed: RemovedSheet) -> Result<()> {
        if self.sheet(removed.id).is_some() {
            return Err(SheetError::DuplicateSheet(removed.name));
        }
        self.check_sheet_name(&removed.name, None)?;
        let mut sheet = Sheet::new(removed.id, removed.name);
        for (r, c, cell) in removed.cells {
            sheet.extent = (sheet.extent.0.max(r + 1), sheet.extent.1.max(c + 1));
            sheet.cells.insert(r, c, cell);
        }
        let position = removed.position.min(self.sheets.len());
        self.sheets.insert(position, sheet);
        self.shapes.map.clear();
        self.next_sheet = self.next_sheet.max(removed.id + 1);
        for snap in removed.rewritten {
            if let Some(s) = self.sheets.iter_mut().find(|s| s.id == snap.sheet) {
                s.cells.insert(snap.row, snap.col, snap.cell);
            }
        }
        self.names = removed.names;
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

    /// Makes room for `cells` more cells, `formulas` of them formulas, on a
    /// sheet before a large block of edits, so that storage grows once.
    pub fn reserve(&mut self, sheet: SheetId, cells: usize, formulas: usize) {
        if let Some(s) = self.sheets.iter_mut().find(|s| s.id == sheet) {
            s.cells.reserve(cells);
            self.graph.reserve(formulas);
        }
    }

    /// Sets a constant value (clearing any formula).
    pub fn set_value(&mut self, sheet: SheetId, row: u32, col: u32, value: Value) -> Result<()> {
        Self::check(row, col)?;
        self.sheet(sheet)
            .ok_or_else(|| SheetError::NoSheet(format!("#{sheet}")))?;
        let value = value.scalar();
        let k = key(sheet, row, col);
        if self.refuse_spilled(k, value.is_empty())? {
            return Ok(());
        }
        self.write(k, value, None);
        Ok(())
    }

    /// Sets a formula (with or without the leading `=`). The text is kept
    /// as typed for [`Workbook::formula`] until a structure edit rewrites it.
    pub fn set_formula(&mut self, sheet: SheetId, row: u32, col: u32, formula: &str) -> Result<()> {
        Self::check(row, col)?;
        self.sheet(sheet)
            .ok_or_else(|| SheetError::NoSheet(format!("#{sheet}")))?;
        let (expr, as_printed) =
            self.parse_at(formula, row, col)
                .map_err(|error| SheetError::Parse {
                    formula: formula.to_string(),
                    error,
                })?;
        let k = key(sheet, row, col);
        self.refuse_spilled(k, false)?;
        // The typed text is kept only when it differs from the printed formula.
        let text: Option<Rc<str>> = if as_printed {
            None
        } else if formula.starts_with('=') {
            Some(Rc::from(formula))
        } else {
            Some(Rc::from(format!("={formula}")))
        };
        self.write(k, Value::Empty, Some((Rc::new(expr), text)));
        Ok(())
    }

    /// Parses a formula typed in (`row`, `col`), through the shape cache.
    /// Also says whether the formula reads exactly as the engine prints it
    /// (then its text need not be kept). That is decided by printing once
    /// per shape: formulas of one shape differ only in their references,
    /// which print as typed when typed in capitals.
    fn parse_at(
        &mut self,
        formula: &str,
        row: u32,
        col: u32,
    ) -> std::result::Result<(Expr, bool), ParseError> {
        let mut cache = std::mem::take(&mut self.shapes);
        let out = if sheet_formula::formula_shape(formula, row, col, &mut cache.key) {
            if let Some((tree, r0, c0, printed)) = cache.map.get(cache.key.as_str()) {
                let capitals = !formula.bytes().any(|b| b.is_ascii_lowercase());
                Ok((
                    tree.translated(
                        i64::from(row) - i64::from(*r0),
                        i64::from(col) - i64::from(*c0),
                    ),
                    *printed && capitals,
                ))
            } else {
                parse(formula, self).map(|e| {
                    if cache.map.len() >= SHAPE_CACHE_LIMIT {
                        cache.map.clear();
                    }
                    let printed = self.reads_as_printed(formula, &e);
                    cache
                        .map
                        .insert(cache.key.as_str().into(), (e.clone(), row, col, printed));
                    (e, printed)
                })
            }
        } else {
            parse(formula, self).map(|e| (e, false))
        };
        self.shapes = cache;
        out
    }

    /// Whether `formula` (with or without its `=`) is what `expr` prints.
    fn reads_as_printed(&mut self, formula: &str, expr: &Expr) -> bool {
        let mut printed = std::mem::take(&mut self.printed);
        printed.clear();
        expr.write_formula(&mut printed, self);
        let same = formula.strip_prefix('=').unwrap_or(formula) == printed;
        self.printed = printed;
        same
    }

    /// Sets a formula written in R1C1 notation (`=R[-1]C*2`: twice the
    /// cell above). It reads back in A1 notation from [`Workbook::formula`]
    /// and in R1C1 from [`Workbook::formula_r1c1`].
    pub fn set_formula_r1c1(
        &mut self,
        sheet: SheetId,
        row: u32,
        col: u32,
        formula: &str,
    ) -> Result<()> {
        Self::check(row, col)?;
        self.sheet(sheet)
            .ok_or_else(|| SheetError::NoSheet(format!("#{sheet}")))?;
        let expr = sheet_formula::parse_r1c1(formula, self, row, col).map_err(|error| {
            SheetError::Parse {
                formula: formula.to_string(),
                error,
            }
        })?;
        let k = key(sheet, row, col);
        self.refuse_spilled(k, false)?;
        self.write(k, Value::Empty, Some((Rc::new(expr), None)));
        Ok(())
    }

    /// The formula of a cell in R1C1 notation, with its `=`.
    #[must_use]
    pub fn formula_r1c1(&self, sheet: SheetId, row: u32, col: u32) -> Option<String> {
        let cell = self.sheet(sheet)?.cells.get(row, col)?;
        cell.formula
            .as_ref()
            .map(|f| format!("={}", f.expr.to_formula_r1c1(self, row, col)))
    }

    /// Sets a parsed formula.
    pub fn set_expr(&mut self, sheet: SheetId, row: u32, col: u32, expr: Expr) {
        let k = key(sheet, row, col);
        self.write(k, Value::Empty, Some((Rc::new(expr), None)));
    }

    /// Sets a formula from a (shared) expression and the text it was typed as.
    pub(crate) fn set_formula_parts(
        &mut self,
        sheet: SheetId,
        row: u32,
        col: u32,
        expr: Rc<Expr>,
        text: Option<Rc<str>>,
    ) {
        let k = key(sheet, row, col);
        self.write(k, Value::Empty, Some((expr, text)));
    }

    /// Clears a cell's value and formula (its format stays).
    pub fn clear(&mut self, sheet: SheetId, row: u32, col: u32) -> Result<()> {
        self.set_value(sheet, row, col, Value::Empty)
    }

    fn write(&mut self, k: CellKey, value: Value, formula: Option<(Rc<Expr>, Option<Rc<str>>)>) {
        let (sheet_id, row, col) = unkey(k);
        if !self.spills.is_empty() || !self.blocked.is_empty() {
            // The cell held a spilling formula: its array goes.
            self.unspill(k);
            self.wake_blocked(k);
        }
        if !self.spilled.is_empty() {
            self.release_spilled(k);
        }
        if self.changes.is_some() {
            let old = self.get(sheet_id, row, col);
            self.record_change(k, old);
        }
        self.graph.unregister(k);
        let Some(sheet) = self.sheets.iter_mut().find(|s| s.id == sheet_id) else {
            return;
        };
        let blank = value.is_empty()
            && formula.is_none()
            && sheet.cells.get(row, col).is_none_or(|c| c.format.is_none());
        if blank {
            sheet.cells.remove(row, col);
        } else {
            sheet.extent = (sheet.extent.0.max(row + 1), sheet.extent.1.max(col + 1));
            let cell = sheet.cells.entry(row, col).or_default();
            cell.value = value;
            cell.formula = formula.as_ref().map(|(expr, text)| Formula {
                expr: expr.clone(),
                text: text.clone(),
            });
            if let Some((expr, _)) = formula {
                let index = sheet.cells.index_of(row, col).unwrap_or(u32::MAX);
                let deps = dependencies(&self.names, sheet_id, &expr, &mut self.deps);
                self.graph.register(k, index, expr, deps);
            }
        }
        self.touched(k);
    }

    fn record_change(&mut self, k: CellKey, old: Value) {
        if let Some(c) = &mut self.changes {
            c.push((k, old));
        }
        self.bound_changes();
    }

    /// Keeps the change list bounded by the number of distinct cells changed
    /// when nobody takes it: past a limit, later repeats of a cell are dropped.
    fn bound_changes(&mut self) {
        if let Some(list) = &mut self.changes {
            if list.len() > self.changes_limit {
                first_change_per_cell(list);
                self.changes_limit = (2 * list.len()).max(CHANGES_LIMIT);
            }
        }
    }

    /// The value of a cell (its computed value for a formula).
    #[must_use]
    pub fn get(&self, sheet: SheetId, row: u32, col: u32) -> Value {
        self.sheet(sheet)
            .and_then(|s| s.cells.get(row, col))
            .map_or(Value::Empty, |c| c.value.clone())
    }

    /// The formula of a cell, with its `=`: as typed, or re-printed once a
    /// structure edit or a sheet rename changed what its references read.
    #[must_use]
    pub fn formula(&self, sheet: SheetId, row: u32, col: u32) -> Option<String> {
        let cell = self.sheet(sheet)?.cells.get(row, col)?;
        cell.formula.as_ref().map(|f| match &f.text {
            Some(t) => t.to_string(),
            None => format!("={}", f.expr.to_formula(self)),
        })
    }

    /// The formula of a cell as the engine prints it (canonical spacing and
    /// case), whatever was typed.
    #[must_use]
    pub fn formula_normalized(&self, sheet: SheetId, row: u32, col: u32) -> Option<String> {
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
            Some(fmt) => format_value_in(&cell.value, fmt, self.date1904),
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
        if self.changes.is_some() {
            let old = self.get(sheet, row, col);
            self.record_change(key(sheet, row, col), old);
        }
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
        self.for_each_value(sheet, rect, &mut |r, c, v| {
            out[(r - rect.r1) as usize][(c - rect.c1) as usize] = v.clone();
        });
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

    /// The formula of a defined name (case-insensitive), with its `=`.
    #[must_use]
    pub fn name_formula(&self, name: &str) -> Option<String> {
        self.names
            .get(&name.to_uppercase())
            .map(|n| format!("={}", n.expr.to_formula(self)))
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
        self.recalculate();
    }

    /// Runs `f` as one batch.
    pub fn batch<T>(&mut self, f: impl FnOnce(&mut Workbook) -> T) -> T {
        self.begin_batch();
        let out = f(self);
        self.end_batch();
        out
    }

    fn touched(&mut self, k: CellKey) {
        if self.pending.len() < FULL_RECALC_EDITS {
            self.pending.push(k);
        } else {
            self.pending_full = true;
        }
        self.recalculate();
    }

    /// Recomputes every formula (volatile ones included).
    pub fn recalculate_all(&mut self) {
        self.graph.mark_all_dirty();
        self.recalculate();
    }

    /// Recomputes volatile formulas (NOW, RAND...) and what depends on them.
    pub fn recalculate_volatile(&mut self) {
        let vol: Vec<FormulaId> = self.graph.volatile.iter().copied().collect();
        for id in vol {
            self.graph.mark_dirty(id);
        }
        self.recalculate();
    }

    /// Switches the workbook's date system: `true` counts dates from
    /// 1904-01-01 (serial 0), as Excel's "Use 1904 date system" option and
    /// old Mac workbooks do; `false` (the default) from 1900-01-01 (serial
    /// 1). Stored serial numbers stay as they are (their dates move by 1,462
    /// days, as in Excel); formulas are recomputed.
    pub fn set_date1904(&mut self, on: bool) {
        if self.date1904 != on {
            self.date1904 = on;
            self.recalculate_all();
        }
    }

    /// Whether the workbook uses the 1904 date system.
    #[must_use]
    pub fn date1904(&self) -> bool {
        self.date1904
    }

    /// Sets the clock NOW() and TODAY() read (an Excel serial number).
    pub fn set_now(&mut self, serial: f64) {
        self.now = serial;
    }

    /// Brings every formula up to date: finds the formulas that depend on the
    /// edited cells (transitively), orders them so each comes after the
    /// dirty formulas it reads (Kahn's algorithm over the dependents lists,
    /// no recursion), computes them, and gives the formulas left over, which
    /// sit on or behind a cycle, #CYCLE! or their value in cycle order.
    fn recalculate(&mut self) {
        if self.batch > 0 {
            return;
        }
        for _ in 0..MAX_SPILL_PASSES {
            self.spill_anchors.clear();
            self.recalculate_pass();
            if self.spill_pending.is_empty() {
                return;
            }
            // Spilled cells changed: their readers (and formulas their
            // change unblocks) are recomputed in another pass.
            let changed = std::mem::take(&mut self.spill_pending);
            for k in changed {
                self.wake_blocked(k);
                if self.pending.len() < FULL_RECALC_EDITS {
                    self.pending.push(k);
                } else {
                    self.pending_full = true;
                }
            }
        }
        // Still changing: the arrays read their own spill (a circular
        // reference through other formulas).
        let anchors = std::mem::take(&mut self.spill_anchors);
        self.pending.clear();
        self.pending_full = false;
        for k in anchors {
            self.unspill(k);
            if let Some(id) = self.graph.ids.get(k) {
                let index = self.graph.slots[id as usize].cell;
                let (s, _, _) = unkey(k);
                if let Some(sheet) = self.sheets.iter_mut().find(|x| x.id == s) {
                    sheet.cells.at_mut(index).value = Value::Error(ErrorKind::Cycle);
                }
            }
        }
        self.spill_pending.clear();
    }

    /// One pass of [`Workbook::recalculate`] (see there).
    fn recalculate_pass(&mut self) {
        let mut pending = std::mem::take(&mut self.pending);
        if self.pending_full {
            self.pending_full = false;
            pending.clear();
            self.graph.mark_all_dirty();
        }
        if pending.is_empty() && self.graph.dirty.is_empty() {
            self.pending = pending;
            return;
        }
        // Volatile formulas (NOW, RAND, INDIRECT, OFFSET) take part in every
        // recalculation, as in Excel.
        let volatile: Vec<FormulaId> = self.graph.volatile.iter().copied().collect();
        for id in volatile {
            self.graph.mark_dirty(id);
        }
        let mut sc = std::mem::take(&mut self.scratch);
        let cacheable = self.graph.dirty.is_empty();
        if cacheable {
            pending.sort_unstable();
            pending.dedup();
            if sc.cached_generation == self.graph.generation
                && !sc.cached_order.is_empty()
                && sc.cached_seeds == pending
            {
                pending.clear();
                self.pending = pending;
                self.memo.borrow_mut().clear();
                sc.queue.clear();
                for i in 0..sc.cached_order.len() {
                    let id = sc.cached_order[i];
                    let value = self.evaluate_slot(id);
                    self.store_result(id, value);
                    sc.queue.push(id);
                }
                self.memo.borrow_mut().clear();
                self.scratch = sc;
                self.bound_changes();
                return;
            }
        }
        let slots = self.graph.slots.len();
        if sc.pos.len() < slots {
            sc.pos.resize(slots, 0);
            sc.indeg.resize(slots, 0);
        }
        sc.order.clear();
        for id in self.graph.dirty.drain(..) {
            // Skips slots freed (or listed twice) since they were listed.
            let slot = &mut self.graph.slots[id as usize];
            if slot.state == State::Dirty {
                slot.state = State::Queued;
                sc.order.push(id);
            }
        }
        // The formulas reading the edited cells.
        for &k in &pending {
            if self.graph.ids.contains(k) {
                // An edited formula: listed dirty already, its dependents follow.
                continue;
            }
            sc.found.clear();
            self.graph.for_each_dependent(k, |d| sc.found.push(d));
            for &d in &sc.found {
                let slot = &mut self.graph.slots[d as usize];
                if slot.state == State::Clean {
                    slot.state = State::Queued;
                    sc.order.push(d);
                }
            }
        }
        // Everything downstream, recording each dirty formula's dependents once.
        sc.edges.clear();
        sc.offsets.clear();
        let mut i = 0;
        while i < sc.order.len() {
            let id = sc.order[i];
            sc.pos[id as usize] = i as u32;
            let start = sc.edges.len();
            sc.offsets.push(start as u32);
            let k = self.graph.slots[id as usize].key;
            self.graph.for_each_dependent(k, |d| sc.edges.push(d));
            for &d in &sc.edges[start..] {
                let slot = &mut self.graph.slots[d as usize];
                if slot.state == State::Clean {
                    slot.state = State::Queued;
                    sc.order.push(d);
                }
                sc.indeg[d as usize] += 1;
            }
            i += 1;
        }
        sc.offsets.push(sc.edges.len() as u32);
        // Kahn: a formula is computed once every dirty formula it reads is.
        self.memo.borrow_mut().clear();
        sc.queue.clear();
        sc.queue.extend(
            sc.order
                .iter()
                .copied()
                .filter(|&id| sc.indeg[id as usize] == 0),
        );
        let mut head = 0;
        let mut computed = 0;
        while head < sc.queue.len() {
            let id = sc.queue[head];
            head += 1;
            let mut value = self.evaluate_slot(id);
            match self.wait_for_computed_references(id, &mut sc) {
                Reads::Computed => {}
                Reads::Pending => continue,
                Reads::Itself => value = Value::Error(ErrorKind::Cycle),
            }
            self.store_result(id, value);
            computed += 1;
            let p = sc.pos[id as usize] as usize;
            for &d in &sc.edges[sc.offsets[p] as usize..sc.offsets[p + 1] as usize] {
                let n = &mut sc.indeg[d as usize];
                *n -= 1;
                if *n == 0 {
                    sc.queue.push(d);
                }
            }
            if let Some(waiting) = sc.extra.remove(&id) {
                for d in waiting {
                    let n = &mut sc.indeg[d as usize];
                    *n -= 1;
                    if *n == 0 {
                        sc.queue.push(d);
                    }
                }
            }
        }
        if computed < sc.order.len() {
            self.resolve_cycles(&mut sc);
            sc.cached_order.clear();
        } else if cacheable {
            sc.cached_seeds.clear();
            sc.cached_seeds.extend_from_slice(&pending);
            sc.cached_order.clear();
            sc.cached_order.extend_from_slice(&sc.queue);
            sc.cached_generation = self.graph.generation;
        }
        self.memo.borrow_mut().clear();
        sc.extra.clear();
        self.scratch = sc;
        self.bound_changes();
        pending.clear();
        self.pending = pending;
    }

    /// Computes the formulas Kahn's pass could not order: those on a cycle
    /// get #CYCLE!, those behind one are computed after it. Strongly
    /// connected components (Tarjan, iterative) come out dependents first,
    /// so they are handled in reverse.
    fn resolve_cycles(&mut self, sc: &mut Scratch) {
        const UNSEEN: u32 = u32::MAX;
        let left: Vec<FormulaId> = sc
            .order
            .iter()
            .copied()
            .filter(|&id| sc.indeg[id as usize] > 0)
            .collect();
        // Dependents among the left-over formulas: registered edges plus the
        // ones computed references added.
        let adjacency: rustc_hash::FxHashMap<FormulaId, Vec<FormulaId>> = left
            .iter()
            .map(|&id| {
                let p = sc.pos[id as usize] as usize;
                let mut out = sc.edges[sc.offsets[p] as usize..sc.offsets[p + 1] as usize].to_vec();
                if let Some(extra) = sc.extra.get(&id) {
                    out.extend_from_slice(extra);
                }
                (id, out)
            })
            .collect();
        let edges_of = |id: FormulaId| adjacency.get(&id).map_or(&[][..], Vec::as_slice);
        let mut index: rustc_hash::FxHashMap<FormulaId, (u32, u32, bool)> = left
            .iter()
            .map(|&id| (id, (UNSEEN, UNSEEN, false)))
            .collect();
        let mut next_index = 0u32;
        let mut stack: Vec<FormulaId> = Vec::new();
        let mut components: Vec<Vec<FormulaId>> = Vec::new();
        for &root in &left {
            if index[&root].0 != UNSEEN {
                continue;
            }
            // (node, next edge position)
            let mut call: Vec<(FormulaId, usize)> = vec![(root, 0)];
            index.insert(root, (next_index, next_index, true));
            next_index += 1;
            stack.push(root);
            while let Some(&mut (v, ref mut e)) = call.last_mut() {
                let next = edges_of(v).get(*e).copied();
                if let Some(w) = next {
                    *e += 1;
                    let Some(&(wi, _, on)) = index.get(&w) else {
                        continue;
                    };
                    if wi == UNSEEN {
                        index.insert(w, (next_index, next_index, true));
                        next_index += 1;
                        stack.push(w);
                        call.push((w, 0));
                    } else if on {
                        let vl = index[&v].1.min(wi);
                        if let Some(x) = index.get_mut(&v) {
                            x.1 = vl;
                        }
                    }
                    continue;
                }
                call.pop();
                let (vi, vl, _) = index[&v];
                if let Some(&(parent, _)) = call.last() {
                    if let Some(x) = index.get_mut(&parent) {
                        x.1 = x.1.min(vl);
                    }
                }
                if vi == vl {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        if let Some(x) = index.get_mut(&w) {
                            x.2 = false;
                        }
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    components.push(comp);
                }
            }
        }
        for comp in components.iter().rev() {
            let cyclic = comp.len() > 1 || edges_of(comp[0]).contains(&comp[0]);
            for &id in comp {
                let value = if cyclic {
                    Value::Error(ErrorKind::Cycle)
                } else {
                    self.evaluate_slot(id)
                };
                self.store_result(id, value);
                sc.queue.push(id);
            }
        }
        for &id in &left {
            sc.indeg[id as usize] = 0;
        }
    }

    /// After `id` was evaluated: if a reference it computed (INDIRECT,
    /// OFFSET) covers formulas not computed yet in this recalculation, `id`
    /// waits for them (its value is discarded, it is evaluated again after
    /// them).
    fn wait_for_computed_references(&self, id: FormulaId, sc: &mut Scratch) -> Reads {
        let noted = self.dynamic.replace(Some(Vec::new()));
        let Some(refs) = noted else {
            // Too many references to check: use the value as computed.
            return Reads::Computed;
        };
        let mut waits = Vec::new();
        let mut itself = false;
        for (sheet, rect) in refs {
            let Some(s) = self.sheet(sheet) else { continue };
            let Some(rect) = clamp_to(rect, s.extent) else {
                continue;
            };
            s.cells.for_each_in(rect, |r, c, cell| {
                if cell.formula.is_some() {
                    if let Some(p) = self.graph.ids.get(key(sheet, r, c)) {
                        if p == id {
                            itself = true;
                        } else if self.graph.slots[p as usize].state == State::Queued {
                            waits.push(p);
                        }
                    }
                }
            });
        }
        waits.sort_unstable();
        waits.dedup();
        if itself {
            return Reads::Itself;
        }
        for &p in &waits {
            sc.extra.entry(p).or_default().push(id);
            sc.indeg[id as usize] += 1;
        }
        if waits.is_empty() {
            Reads::Computed
        } else {
            Reads::Pending
        }
    }

    // ---- dynamic arrays (spilling) ----

    /// Writes an array result into the cells from the formula's cell down and
    /// right, and returns what the formula's own cell shows: the top-left
    /// value, or #SPILL! when a cell of the range holds something (or the
    /// range leaves the sheet), or #CYCLE! when the formula reads its own
    /// spill range.
    fn spill(&mut self, id: FormulaId, k: CellKey, a: &sheet_formula::value::Array) -> Value {
        let (s, r, c) = unkey(k);
        let rows = u32::try_from(a.rows).unwrap_or(u32::MAX);
        let cols = u32::try_from(a.cols).unwrap_or(u32::MAX);
        let last_row = r.saturating_add(rows - 1);
        let last_col = c.saturating_add(cols - 1);
        let rect = Rect::new(r, c, last_row.min(MAX_ROWS - 1), last_col.min(MAX_COLS - 1));
        let fits = last_row < MAX_ROWS && last_col < MAX_COLS;
        let reads_itself = self.graph.slots[id as usize]
            .precedents()
            .iter()
            .any(|d| match *d {
                Dep::Cell(p) => {
                    let (ps, pr, pc) = unkey(p);
                    p != k && ps == s && rect.contains(pr, pc)
                }
                Dep::Range(ps, pr) => ps == s && pr.intersects(&rect),
            });
        if reads_itself {
            self.unspill(k);
            return Value::Error(ErrorKind::Cycle);
        }
        if !fits || self.spill_blocked(s, k, rect) {
            self.unspill(k);
            self.blocked.insert(k, rect);
            return Value::Error(ErrorKind::Spill);
        }
        self.blocked.remove(&k);
        if let Some(old) = self.spills.insert(k, rect) {
            if old != rect {
                for rr in old.r1..=old.r2 {
                    for cc in old.c1..=old.c2 {
                        if !rect.contains(rr, cc) {
                            self.clear_spilled(s, rr, cc, k);
                        }
                    }
                }
            }
        }
        let Some(sheet) = self.sheets.iter_mut().find(|x| x.id == s) else {
            return Value::Error(ErrorKind::Ref);
        };
        let mut changed = false;
        for i in 0..rows {
            for j in 0..cols {
                if i == 0 && j == 0 {
                    continue;
                }
                let v = match a.get(i as usize, j as usize) {
                    Value::Empty => Value::Number(0.0),
                    v => v.clone().scalar(),
                };
                let ck = key(s, r + i, c + j);
                self.spilled.insert(ck, k);
                let cell = sheet.cells.entry(r + i, c + j).or_default();
                if cell.value != v {
                    let old = std::mem::replace(&mut cell.value, v);
                    if let Some(ch) = &mut self.changes {
                        ch.push((ck, old));
                    }
                    self.spill_pending.push(ck);
                    changed = true;
                }
            }
        }
        sheet.extent = (
            sheet.extent.0.max(rect.r2 + 1),
            sheet.extent.1.max(rect.c2 + 1),
        );
        if changed {
            self.spill_anchors.push(k);
        }
        match a.get(0, 0) {
            Value::Empty => Value::Number(0.0),
            v => v.clone().scalar(),
        }
    }

    /// Whether a cell of `rect` other than the formula's own holds a value,
    /// a formula or another formula's spilled array.
    fn spill_blocked(&self, s: SheetId, anchor: CellKey, rect: Rect) -> bool {
        let Some(sheet) = self.sheet(s) else {
            return true;
        };
        let (_, ar, ac) = unkey(anchor);
        let mut blocked = false;
        sheet.cells.for_each_in(rect, |r, c, cell| {
            if blocked || (r == ar && c == ac) {
                return;
            }
            if cell.formula.is_some()
                || (!cell.value.is_empty() && self.spilled.get(&key(s, r, c)) != Some(&anchor))
            {
                blocked = true;
            }
        });
        blocked
    }

    /// Removes the array a formula spilled (if any) and forgets that it
    /// was blocked.
    fn unspill(&mut self, k: CellKey) {
        self.blocked.remove(&k);
        if let Some(rect) = self.spills.remove(&k) {
            let (s, _, _) = unkey(k);
            for rr in rect.r1..=rect.r2 {
                for cc in rect.c1..=rect.c2 {
                    self.clear_spilled(s, rr, cc, k);
                }
            }
            self.spill_anchors.push(k);
        }
    }

    /// Empties one cell of `anchor`'s spilled array.
    fn clear_spilled(&mut self, s: SheetId, row: u32, col: u32, anchor: CellKey) {
        let ck = key(s, row, col);
        if self.spilled.get(&ck) != Some(&anchor) {
            return;
        }
        self.spilled.remove(&ck);
        let Some(sheet) = self.sheets.iter_mut().find(|x| x.id == s) else {
            return;
        };
        let Some(cell) = sheet.cells.get_mut(row, col) else {
            return;
        };
        let old = std::mem::take(&mut cell.value);
        if cell.format.is_none() && cell.formula.is_none() {
            sheet.cells.remove(row, col);
        }
        if let Some(ch) = &mut self.changes {
            ch.push((ck, old));
        }
        self.spill_pending.push(ck);
    }

    /// Removes every spilled array (before cells move or a full
    /// recalculation spills them again).
    pub(crate) fn clear_all_spills(&mut self) {
        let anchors: Vec<CellKey> = self.spills.keys().copied().collect();
        for k in anchors {
            self.unspill(k);
        }
        self.blocked.clear();
        self.spill_pending.clear();
        self.spill_anchors.clear();
    }

    /// Marks the formulas whose spill a change of cell `k` may unblock.
    fn wake_blocked(&mut self, k: CellKey) {
        if self.blocked.is_empty() {
            return;
        }
        let (s, r, c) = unkey(k);
        let woken: Vec<CellKey> = self
            .blocked
            .iter()
            .filter(|(a, rect)| unkey(**a).0 == s && **a != k && rect.contains(r, c))
            .map(|(a, _)| *a)
            .collect();
        for a in woken {
            if let Some(id) = self.graph.ids.get(a) {
                self.graph.mark_dirty(id);
            }
        }
    }

    /// Before an internal write (undo putting a cell back) over a spilled
    /// cell: the cell leaves the array, whose formula is recomputed (and
    /// shows #SPILL! if the write leaves something there).
    pub(crate) fn release_spilled(&mut self, k: CellKey) {
        if let Some(anchor) = self.spilled.remove(&k) {
            if let Some(id) = self.graph.ids.get(anchor) {
                self.graph.mark_dirty(id);
            }
        }
    }

    /// Refuses a user's edit of a spilled cell; clearing one is a no-op
    /// (Ok(true): nothing to do).
    fn refuse_spilled(&self, k: CellKey, clearing: bool) -> Result<bool> {
        match self.spilled.get(&k) {
            None => Ok(false),
            Some(_) if clearing => Ok(true),
            Some(&anchor) => {
                let (_, row, col) = unkey(k);
                let (_, anchor_row, anchor_col) = unkey(anchor);
                Err(SheetError::SpillCell {
                    row,
                    col,
                    anchor_row,
                    anchor_col,
                })
            }
        }
    }

    /// The range the dynamic array of the formula at (`row`, `col`) covers,
    /// its own cell included; None when it does not spill.
    #[must_use]
    pub fn spill_range(&self, sheet: SheetId, row: u32, col: u32) -> Option<Rect> {
        self.spills.get(&key(sheet, row, col)).copied()
    }

    /// The range the array of the formula at (`row`, `col`) needs, when it
    /// shows #SPILL! because something is in the way.
    #[must_use]
    pub fn blocked_spill_range(&self, sheet: SheetId, row: u32, col: u32) -> Option<Rect> {
        self.blocked.get(&key(sheet, row, col)).copied()
    }

    /// The cell of the formula whose array shows in (`row`, `col`), when
    /// that cell is part of a spilled array (and not its formula's cell).
    #[must_use]
    pub fn spill_anchor(&self, sheet: SheetId, row: u32, col: u32) -> Option<(u32, u32)> {
        self.spilled.get(&key(sheet, row, col)).map(|a| {
            let (_, r, c) = unkey(*a);
            (r, c)
        })
    }

    fn evaluate_slot(&self, id: FormulaId) -> Value {
        self.dynamic.replace(Some(Vec::new()));
        let slot = &self.graph.slots[id as usize];
        let term = |t: Term| match t {
            Term::Cell(k) => {
                let (s, r, c) = unkey(k);
                self.get(s, r, c)
            }
            Term::Num(n) => Value::Number(n),
        };
        let value = match slot.fast {
            Fast::Ref(k) => term(Term::Cell(k)).scalar(),
            Fast::Bin(op, a, b) => binary(op, &term(a), &term(b)).scalar(),
            Fast::No => {
                let (s, r, c) = unkey(slot.key);
                Ctx::new(self, s, r, c)
                    .with_memo(&self.memo)
                    .evaluate_array(&slot.expr)
            }
        };
        match value {
            // A formula that reads an empty cell shows 0.
            Value::Empty => Value::Number(0.0),
            Value::Array(a) if a.rows * a.cols <= 1 => match a.data.first() {
                None | Some(Value::Empty) => Value::Number(0.0),
                Some(v) => v.clone().scalar(),
            },
            v => v,
        }
    }

    fn store_result(&mut self, id: FormulaId, value: Value) {
        self.evaluations += 1;
        self.graph.slots[id as usize].state = State::Clean;
        let k = self.graph.slots[id as usize].key;
        let value = match value {
            Value::Array(a) => self.spill(id, k, &a),
            v => {
                if !self.spills.is_empty() || !self.blocked.is_empty() {
                    self.unspill(k);
                }
                v
            }
        };
        let slot = &self.graph.slots[id as usize];
        let sheet_id = unkey(slot.key).0;
        let Some(sheet) = self.sheets.iter_mut().find(|s| s.id == sheet_id) else {
            return;
        };
        let cell = sheet.cells.at_mut(slot.cell);
        if let Some(changes) = &mut self.changes {
            if cell.value != value {
                changes.push((slot.key, cell.value.clone()));
            }
        }
        cell.value = value;
    }

    /// Rebuilds the dependency graph from the formulas and recomputes all.
    pub(crate) fn rebuild(&mut self) {
        self.clear_all_spills();
        self.graph.clear();
        for s in &mut self.sheets {
            let sheet = s.id;
            for (r, c, index, cell) in s.cells.iter_indexed_mut() {
                if let Some(f) = &cell.formula {
                    let deps = dependencies(&self.names, sheet, &f.expr, &mut self.deps);
                    self.graph
                        .register(key(sheet, r, c), index, f.expr.clone(), deps);
                }
            }
        }
        self.graph.mark_all_dirty();
        self.recalculate();
    }

    // ---- change tracking (for onChange events) ----

    /// Starts (or stops) recording which cells change.
    pub fn track_changes(&mut self, on: bool) {
        self.changes = if on { Some(Vec::new()) } else { None };
    }

    /// The cells changed since the last call, each once, as (sheet, row, col).
    pub fn take_changes(&mut self) -> Vec<(SheetId, u32, u32)> {
        self.take_change_events()
            .into_iter()
            .map(|c| (c.sheet, c.row, c.col))
            .collect()
    }

    /// The cells changed since the last call, each once, with the value each
    /// had before the first of those changes (the new value is
    /// [`Workbook::get`]). A recomputed formula whose value did not change
    /// is not listed; an edited cell always is.
    pub fn take_change_events(&mut self) -> Vec<Change> {
        let Some(list) = &mut self.changes else {
            return Vec::new();
        };
        let mut items = std::mem::take(list);
        self.changes_limit = CHANGES_LIMIT;
        first_change_per_cell(&mut items);
        items
            .into_iter()
            .map(|(k, old)| {
                let (sheet, row, col) = unkey(k);
                Change {
                    sheet,
                    row,
                    col,
                    old,
                }
            })
            .collect()
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

/// The precedents of a formula on `sheet`, names resolved.
/// `deps` is scratch space kept between calls, so that the list is
/// allocated once, at its exact length.
fn dependencies(
    names: &HashMap<String, Name>,
    sheet: SheetId,
    expr: &Expr,
    deps: &mut Vec<Dep>,
) -> Box<[Dep]> {
    deps.clear();
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
            if let Some(def) = names.get(&n.to_uppercase()) {
                stack.push(def.expr.clone());
            }
        }
    };
    expr.for_each_reference(&mut |r| visit(r, deps, &mut stack));
    while let Some(e) = stack.pop() {
        names_left -= 1;
        if names_left == 0 {
            break;
        }
        e.for_each_reference(&mut |r| visit(r, deps, &mut stack));
    }
    if deps.len() > 1 {
        deps.sort_unstable_by_key(|d| match d {
            Dep::Cell(k) => (0, *k, Rect::cell(0, 0)),
            Dep::Range(s, r) => (1, u64::from(*s), *r),
        });
        deps.dedup();
    }
    Box::from(deps.as_slice())
}

/// The part of `rect` inside a sheet's used extent.
fn clamp_to(rect: Rect, extent: (u32, u32)) -> Option<Rect> {
    if extent.0 == 0 || extent.1 == 0 || rect.r1 >= extent.0 || rect.c1 >= extent.1 {
        return None;
    }
    Some(Rect {
        r2: rect.r2.min(extent.0 - 1),
        c2: rect.c2.min(extent.1 - 1),
        ..rect
    })
}

/// Keeps the first entry of each cell (the oldest old value).
fn first_change_per_cell(list: &mut Vec<(CellKey, Value)>) {
    let mut seen = FxHashSet::default();
    seen.reserve(list.len());
    list.retain(|(k, _)| seen.insert(*k));
}

/// Whether a formula names `sheet` in one of its references.
fn mentions_sheet(expr: &Expr, sheet: SheetId) -> bool {
    let mut found = false;
    expr.for_each_reference(&mut |r| {
        if matches!(r, Reference::Cell(Some(s), _, _) | Reference::Area(Some(s), _) if s == sheet) {
            found = true;
        }
    });
    found
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
        E::Spill(mut c) => {
            c.sheet.get_or_insert(sheet);
            E::Spill(c)
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
        self.graph.ids.contains(key(sheet, row, col))
    }

    fn now(&self) -> f64 {
        self.now
    }

    fn sheet_id(&self, name: &str) -> Option<SheetId> {
        self.sheet_by_name(name)
    }

    fn spill_range(&self, sheet: SheetId, row: u32, col: u32) -> Option<Rect> {
        self.spills.get(&key(sheet, row, col)).copied()
    }

    fn date1904(&self) -> bool {
        self.date1904
    }

    fn note_reference(&self, sheet: SheetId, rect: Rect) {
        let mut noted = self.dynamic.borrow_mut();
        if let Some(list) = noted.as_mut() {
            if list.len() < MAX_DYNAMIC {
                list.push((sheet, rect));
            } else {
                *noted = None;
            }
        }
    }
}
