//! The dependency graph: which formulas read which cells and ranges.
//!
//! Every formula of the workbook has a dense id (a slot in a `Vec`) holding
//! what recalculation touches for it: its expression, its last value, its
//! state and its precedents. Reverse edges are lists of ids: a map from cell
//! to the formulas that read it directly, plus one node per distinct range.
//! Finding the ranges that contain an edited cell is a stabbing query on a
//! per-column interval index (ranges wider than `WIDE` columns go to a short
//! list checked one by one), so `SUM(A$1:A{n})` on 100,000 rows costs
//! 100,000 range nodes, not 5 billion cell edges.

use std::rc::Rc;

use rustc_hash::{FxHashMap, FxHashSet};
use sheet_formula::ast::BinOp;
use sheet_formula::{Expr, Rect, SheetId};

/// A cell of the workbook packed into a u64: sheet (24 bits), row (24), column (16).
pub type CellKey = u64;

/// The dense id of a formula (an index into the graph's slots).
pub type FormulaId = u32;

#[must_use]
pub fn key(sheet: SheetId, row: u32, col: u32) -> CellKey {
    (u64::from(sheet) << 40) | (u64::from(row) << 16) | u64::from(col)
}

#[must_use]
pub fn unkey(k: CellKey) -> (SheetId, u32, u32) {
    let sheet = u32::try_from(k >> 40).unwrap_or(u32::MAX);
    let row = u32::try_from((k >> 16) & 0xFF_FFFF).unwrap_or(u32::MAX);
    let col = u32::try_from(k & 0xFFFF).unwrap_or(u32::MAX);
    (sheet, row, col)
}

/// A precedent of a formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dep {
    Cell(CellKey),
    Range(SheetId, Rect),
}

/// Where a formula is in the current recalculation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum State {
    /// Computed; its value is current.
    Clean,
    /// Waiting to be computed (listed in the graph's dirty list).
    Dirty,
    /// Taken into the running recalculation.
    Queued,
    /// Slot not in use.
    Free,
}

/// An operand of a [`Fast`] formula.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Term {
    Cell(CellKey),
    Num(f64),
}

/// The common shapes of formula (`=B7`, `=C6+B7`, `=A7*2`) in a form that
/// is evaluated without walking the expression tree.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Fast {
    No,
    Ref(CellKey),
    Bin(BinOp, Term, Term),
}

impl Fast {
    /// The fast form of a formula on `sheet`, if it has one.
    pub(crate) fn of(expr: &Expr, sheet: SheetId) -> Fast {
        let term = |e: &Expr| match e {
            Expr::Cell(c) => Some(Term::Cell(key(c.sheet.unwrap_or(sheet), c.row, c.col))),
            Expr::Number(n) => Some(Term::Num(*n)),
            _ => None,
        };
        match expr {
            Expr::Cell(c) => Fast::Ref(key(c.sheet.unwrap_or(sheet), c.row, c.col)),
            Expr::Binary(op, l, r) => match (term(l), term(r)) {
                (Some(a), Some(b)) => Fast::Bin(*op, a, b),
                _ => Fast::No,
            },
            _ => Fast::No,
        }
    }
}

impl Slot {
    pub(crate) fn precedents(&self) -> &[Dep] {
        &self.precedents
    }
}

/// The recalculation state of one formula.
pub(crate) struct Slot {
    pub(crate) key: CellKey,
    pub(crate) expr: Rc<Expr>,
    /// Arena index of the formula's cell in its sheet's `MortonMap`.
    pub(crate) cell: u32,
    pub(crate) fast: Fast,
    pub(crate) state: State,
    /// Exactly as long as needed (most formulas read one to three places).
    precedents: Box<[Dep]>,
}

const WIDE: u32 = 64;

/// Rows per chunk of a [`CellIndex`].
const CHUNK: u64 = 64;
const NONE: u32 = u32::MAX;

/// A map from cell to u32 laid out in chunks of 64 rows of one column, so
/// that neighbouring cells share a chunk: walking down a column (a chain of
/// formulas, a filled range) touches one small hash table entry per 64 cells
/// instead of one scattered entry per cell.
#[derive(Default)]
pub(crate) struct CellIndex {
    chunks: FxHashMap<u64, Box<[u32; CHUNK as usize]>>,
    len: usize,
}

impl CellIndex {
    /// (chunk key, index in chunk) of a cell key: the row's low bits move out.
    fn split(k: CellKey) -> (u64, usize) {
        let row_low = (k >> 16) & (CHUNK - 1);
        (k & !((CHUNK - 1) << 16), row_low as usize)
    }

    #[inline]
    pub(crate) fn get(&self, k: CellKey) -> Option<u32> {
        let (chunk, i) = Self::split(k);
        let v = self.chunks.get(&chunk)?[i];
        (v != NONE).then_some(v)
    }

    pub(crate) fn insert(&mut self, k: CellKey, v: u32) {
        let (chunk, i) = Self::split(k);
        let slot = &mut self
            .chunks
            .entry(chunk)
            .or_insert_with(|| Box::new([NONE; CHUNK as usize]))[i];
        if *slot == NONE {
            self.len += 1;
        }
        *slot = v;
    }

    pub(crate) fn remove(&mut self, k: CellKey) -> Option<u32> {
        let (chunk, i) = Self::split(k);
        let block = self.chunks.get_mut(&chunk)?;
        let v = std::mem::replace(&mut block[i], NONE);
        if v == NONE {
            return None;
        }
        self.len -= 1;
        if block.iter().all(|x| *x == NONE) {
            self.chunks.remove(&chunk);
        }
        Some(v)
    }

    pub(crate) fn contains(&self, k: CellKey) -> bool {
        self.get(k).is_some()
    }
}

/// The formulas reading one cell or range. Most places are read by one
/// formula, which is kept inline (no allocation per cell of a chain).
#[derive(Default)]
enum Readers {
    #[default]
    None,
    One(FormulaId),
    Many(Vec<FormulaId>),
}

impl Readers {
    fn push(&mut self, id: FormulaId) {
        match self {
            Readers::None => *self = Readers::One(id),
            Readers::One(first) => *self = Readers::Many(vec![*first, id]),
            Readers::Many(list) => list.push(id),
        }
    }

    fn remove(&mut self, id: FormulaId) {
        match self {
            Readers::One(only) if *only == id => *self = Readers::None,
            Readers::Many(list) => {
                if let Some(i) = list.iter().position(|x| *x == id) {
                    list.swap_remove(i);
                }
                if let [last] = list.as_slice() {
                    *self = Readers::One(*last);
                }
            }
            _ => {}
        }
    }

    fn as_slice(&self) -> &[FormulaId] {
        match self {
            Readers::None => &[],
            Readers::One(id) => std::slice::from_ref(id),
            Readers::Many(list) => list,
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Readers::None)
    }
}

struct RangeNode {
    sheet: SheetId,
    rect: Rect,
    dependents: Readers,
}

/// Intervals of rows in one column, for "which ranges contain row r".
#[derive(Default)]
struct ColumnIndex {
    /// (first row, last row, range id), sorted by first row when `sorted`.
    entries: Vec<(u32, u32, u32)>,
    sorted: bool,
    /// Segment tree of the maximum last row over `entries`.
    max_end: Vec<u32>,
    /// Scratch stack of the tree walk (kept to avoid an allocation per query).
    stack: Vec<(usize, usize, usize)>,
}

impl ColumnIndex {
    fn add(&mut self, r1: u32, r2: u32, id: u32) {
        self.entries.push((r1, r2, id));
        self.sorted = false;
    }

    fn prepare(&mut self) {
        if self.sorted {
            return;
        }
        self.entries.sort_unstable();
        let n = self.entries.len().next_power_of_two().max(1);
        self.max_end = vec![0; 2 * n];
        for (i, e) in self.entries.iter().enumerate() {
            self.max_end[n + i] = e.1;
        }
        for i in (1..n).rev() {
            self.max_end[i] = self.max_end[2 * i].max(self.max_end[2 * i + 1]);
        }
        self.sorted = true;
    }

    /// Calls `f` with the id of every interval containing `row`.
    fn stab(&mut self, row: u32, f: &mut impl FnMut(u32)) {
        self.prepare();
        let count = self.entries.partition_point(|e| e.0 <= row);
        if count == 0 {
            return;
        }
        let n = self.max_end.len() / 2;
        // Iterative walk of the segment tree over leaves [0, count).
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.push((1usize, 0usize, n));
        while let Some((node, lo, hi)) = stack.pop() {
            if lo >= count || self.max_end[node] < row {
                continue;
            }
            if hi - lo == 1 {
                let e = self.entries[lo];
                if e.1 >= row {
                    f(e.2);
                }
                continue;
            }
            let mid = usize::midpoint(lo, hi);
            // Right half first so the left pops first: ranges come out in
            // order of (first row, last row), which lets the running-sum
            // memo of SUM(A$1:An) reuse the sum one row shorter.
            stack.push((2 * node + 1, mid, hi));
            stack.push((2 * node, lo, mid));
        }
        self.stack = stack;
    }
}

/// Formulas, reverse edges, range nodes and the formulas waiting to be computed.
#[derive(Default)]
pub struct Graph {
    pub(crate) slots: Vec<Slot>,
    free: Vec<FormulaId>,
    pub(crate) ids: CellIndex,
    /// Cell -> index into `readers`: the formulas reading that cell directly.
    cell_dependents: CellIndex,
    readers: Vec<Readers>,
    free_readers: Vec<u32>,
    ranges: Vec<RangeNode>,
    range_ids: FxHashMap<(SheetId, Rect), u32>,
    columns: FxHashMap<(SheetId, u32), ColumnIndex>,
    wide: Vec<u32>,
    pub(crate) volatile: FxHashSet<FormulaId>,
    /// Formulas in state Dirty, each once.
    pub(crate) dirty: Vec<FormulaId>,
    /// Changes whenever a formula is added or removed (so whenever an order
    /// of recalculation computed earlier may no longer hold).
    pub(crate) generation: u64,
}

impl Graph {
    /// Makes room for `additional` more formulas.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.slots
            .reserve(additional.saturating_sub(self.free.len()));
    }

    /// Records the formula at `k` with its precedents; it starts dirty.
    pub(crate) fn register(
        &mut self,
        k: CellKey,
        cell: u32,
        expr: Rc<Expr>,
        deps: Box<[Dep]>,
    ) -> FormulaId {
        let volatile = expr.is_volatile();
        self.generation += 1;
        let slot = Slot {
            key: k,
            fast: Fast::of(&expr, unkey(k).0),
            expr,
            cell,
            state: State::Dirty,
            precedents: Box::default(),
        };
        let id = if let Some(id) = self.free.pop() {
            self.slots[id as usize] = slot;
            id
        } else {
            self.slots.push(slot);
            FormulaId::try_from(self.slots.len() - 1).unwrap_or(FormulaId::MAX)
        };
        for d in &deps {
            match *d {
                Dep::Cell(p) => {
                    let list = if let Some(list) = self.cell_dependents.get(p) {
                        list
                    } else {
                        let list = if let Some(l) = self.free_readers.pop() {
                            l
                        } else {
                            self.readers.push(Readers::None);
                            u32::try_from(self.readers.len() - 1).unwrap_or(u32::MAX)
                        };
                        self.cell_dependents.insert(p, list);
                        list
                    };
                    self.readers[list as usize].push(id);
                }
                Dep::Range(sheet, rect) => {
                    let r = self.range_node(sheet, rect);
                    self.ranges[r as usize].dependents.push(id);
                }
            }
        }
        if volatile {
            self.volatile.insert(id);
        }
        self.slots[id as usize].precedents = deps;
        self.ids.insert(k, id);
        self.dirty.push(id);
        id
    }

    fn range_node(&mut self, sheet: SheetId, rect: Rect) -> u32 {
        if let Some(&id) = self.range_ids.get(&(sheet, rect)) {
            return id;
        }
        let id = u32::try_from(self.ranges.len()).unwrap_or(u32::MAX);
        self.ranges.push(RangeNode {
            sheet,
            rect,
            dependents: Readers::None,
        });
        self.range_ids.insert((sheet, rect), id);
        if rect.cols() > WIDE {
            self.wide.push(id);
        } else {
            for c in rect.c1..=rect.c2 {
                self.columns
                    .entry((sheet, c))
                    .or_default()
                    .add(rect.r1, rect.r2, id);
            }
        }
        id
    }

    /// Forgets the formula at `k` (its slot is reused later).
    pub(crate) fn unregister(&mut self, k: CellKey) -> Option<Slot> {
        let id = self.ids.remove(k)?;
        self.generation += 1;
        let deps = std::mem::take(&mut self.slots[id as usize].precedents);
        for &d in &deps {
            match d {
                Dep::Cell(p) => {
                    if let Some(l) = self.cell_dependents.get(p) {
                        let list = &mut self.readers[l as usize];
                        list.remove(id);
                        if list.is_empty() {
                            self.cell_dependents.remove(p);
                            self.free_readers.push(l);
                        }
                    }
                }
                Dep::Range(sheet, rect) => {
                    if let Some(&r) = self.range_ids.get(&(sheet, rect)) {
                        self.ranges[r as usize].dependents.remove(id);
                    }
                }
            }
        }
        self.volatile.remove(&id);
        let slot = std::mem::replace(
            &mut self.slots[id as usize],
            Slot {
                key: 0,
                expr: Rc::new(Expr::Missing),
                cell: 0,
                fast: Fast::No,
                state: State::Free,
                precedents: Box::default(),
            },
        );
        self.free.push(id);
        Some(slot)
    }

    /// The id of the formula at `k`.
    #[must_use]
    pub fn id(&self, k: CellKey) -> Option<FormulaId> {
        self.ids.get(k)
    }

    /// The precedents of the formula at `k`.
    #[must_use]
    pub fn precedents(&self, k: CellKey) -> &[Dep] {
        self.id(k)
            .map_or(&[], |id| &self.slots[id as usize].precedents)
    }

    /// Calls `f` with every formula that reads cell `k` directly or through a range.
    pub fn for_each_dependent(&mut self, k: CellKey, mut f: impl FnMut(FormulaId)) {
        if let Some(l) = self.cell_dependents.get(k) {
            for d in self.readers[l as usize].as_slice() {
                f(*d);
            }
        }
        let (sheet, row, col) = unkey(k);
        let ranges = &self.ranges;
        if let Some(index) = self.columns.get_mut(&(sheet, col)) {
            index.stab(row, &mut |id| {
                for d in ranges[id as usize].dependents.as_slice() {
                    f(*d);
                }
            });
        }
        for &id in &self.wide {
            let node = &ranges[id as usize];
            if node.sheet == sheet && node.rect.contains(row, col) {
                for d in node.dependents.as_slice() {
                    f(*d);
                }
            }
        }
    }

    /// Marks a computed formula dirty (listing it once).
    pub(crate) fn mark_dirty(&mut self, id: FormulaId) -> bool {
        let slot = &mut self.slots[id as usize];
        if slot.state == State::Clean {
            slot.state = State::Dirty;
            self.dirty.push(id);
            true
        } else {
            false
        }
    }

    /// Marks every formula dirty.
    pub(crate) fn mark_all_dirty(&mut self) {
        self.dirty.clear();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if slot.state != State::Free {
                slot.state = State::Dirty;
                self.dirty
                    .push(FormulaId::try_from(i).unwrap_or(FormulaId::MAX));
            }
        }
    }

    /// Number of formulas waiting to be computed.
    #[must_use]
    pub fn dirty_count(&self) -> usize {
        self.dirty.len()
    }

    /// Number of formulas.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ids.len
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ids.len == 0
    }

    pub fn clear(&mut self) {
        let generation = self.generation + 1;
        *self = Graph::default();
        self.generation = generation;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formula() -> Rc<Expr> {
        Rc::new(Expr::Number(1.0))
    }

    #[test]
    fn keys_round_trip() {
        for (s, r, c) in [(0, 0, 0), (3, 1_048_575, 16_383), (7, 99, 5)] {
            assert_eq!(unkey(key(s, r, c)), (s, r, c));
        }
    }

    #[test]
    fn ranges_containing_a_cell_are_found() {
        let mut g = Graph::default();
        for n in 0..1000u32 {
            g.register(
                key(0, n, 3),
                n,
                formula(),
                Box::new([Dep::Range(0, Rect::new(0, 0, n, 0))]),
            );
        }
        let id = g.register(
            key(0, 5, 5),
            0,
            formula(),
            Box::new([Dep::Range(0, Rect::new(0, 0, 3, 200))]),
        );
        let mut found = Vec::new();
        g.for_each_dependent(key(0, 500, 0), |d| found.push(d));
        assert_eq!(found.len(), 500);
        found.clear();
        g.for_each_dependent(key(0, 2, 100), |d| found.push(d));
        assert_eq!(found, vec![id]);
        g.unregister(key(0, 999, 3));
        found.clear();
        g.for_each_dependent(key(0, 999, 0), |d| found.push(d));
        assert!(found.is_empty());
        // The freed slot is reused.
        let again = g.register(key(0, 7, 7), 0, formula(), Box::default());
        assert_eq!(again, 999);
        assert_eq!(g.len(), 1001);
    }
}
