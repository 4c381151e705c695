//! Sparse cell storage ordered by Morton (Z-order) keys.
//!
//! Interleaving the bits of row and column keeps cells that are close on the
//! grid close in the ordered map, in both directions. A rectangular read
//! walks the keys between the rectangle's Z-min and Z-max and, when it
//! leaves the rectangle, jumps to the next Z-value inside it ("BIGMIN",
//! Tropf & Herzog 1981) instead of scanning the cells in between.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use sheet_formula::Rect;

/// Spreads the low 32 bits of `x` to the even bits of a u64.
fn spread(x: u32) -> u64 {
    let mut v = u64::from(x);
    v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
    v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
    v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
    v = (v | (v << 2)) & 0x3333_3333_3333_3333;
    v = (v | (v << 1)) & 0x5555_5555_5555_5555;
    v
}

fn compact(v: u64) -> u32 {
    let mut v = v & 0x5555_5555_5555_5555;
    v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
    v = (v | (v >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    v = (v | (v >> 4)) & 0x00FF_00FF_00FF_00FF;
    v = (v | (v >> 8)) & 0x0000_FFFF_0000_FFFF;
    v = (v | (v >> 16)) & 0x0000_0000_FFFF_FFFF;
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The Morton key of a cell: row bits on odd positions, column bits on even.
#[must_use]
pub fn morton(row: u32, col: u32) -> u64 {
    (spread(row) << 1) | spread(col)
}

/// (row, col) of a Morton key.
#[must_use]
pub fn unmorton(key: u64) -> (u32, u32) {
    (compact(key >> 1), compact(key))
}

/// The smallest Morton key >= `z` inside the rectangle [`zmin`, `zmax`]
/// (BIGMIN). `z` must lie outside the rectangle and between its corners.
fn bigmin(z: u64, mut zmin: u64, mut zmax: u64) -> u64 {
    // Masks of the dimension each bit belongs to.
    const EVEN: u64 = 0x5555_5555_5555_5555;
    const ODD: u64 = 0xAAAA_AAAA_AAAA_AAAA;
    let mut result = zmax;
    for bit in (0..64).rev() {
        let mask = 1u64 << bit;
        let dim = if mask & EVEN != 0 { EVEN } else { ODD };
        let zb = z & mask != 0;
        let minb = zmin & mask != 0;
        let maxb = zmax & mask != 0;
        match (zb, minb, maxb) {
            (false, false, false) | (true, true, true) => {}
            (false, false, true) => {
                // load 1000.. into zmin's dimension for the candidate, 0111.. into zmax.
                result = load_ones_then_zeros(zmin, mask, dim, true);
                zmax = load_ones_then_zeros(zmax, mask, dim, false);
            }
            (false, true, true) => return zmin,
            // (1,0,0); (x,1,0) cannot happen when zmin <= zmax per dimension.
            (true | false, _, false) => return result,
            (true, false, true) => {
                zmin = load_ones_then_zeros(zmin, mask, dim, true);
            }
        }
    }
    result
}

/// In the dimension `dim`, sets bit `mask` and clears the lower bits of that
/// dimension (`one_then_zeros`), or clears bit `mask` and sets the lower bits.
fn load_ones_then_zeros(v: u64, mask: u64, dim: u64, one_then_zeros: bool) -> u64 {
    let below = dim & (mask - 1);
    if one_then_zeros {
        (v | mask) & !below
    } else {
        (v & !mask) | below
    }
}

/// A sheet's cells: an ordered index of Morton keys over a dense arena of
/// values. Each stored value keeps its arena index until it is removed, so
/// the engine can address a formula's cell directly (no search) while range
/// reads walk the keys in Z-order.
#[derive(Clone, Debug)]
pub struct MortonMap<T> {
    /// Z-order of the cells (ordered and range reads).
    map: BTreeMap<u64, u32>,
    /// Point lookups: chunks of `CHUNK` rows of one column, so that the
    /// cells of a column walked in order share a chunk.
    index: FxHashMap<u64, Box<[u32; CHUNK]>>,
    items: Vec<T>,
    /// Morton key of each arena slot (`FREE` when unused).
    keys: Vec<u64>,
    free: Vec<u32>,
}

const FREE: u64 = u64::MAX;
const CHUNK: usize = 16;
const NONE: u32 = u32::MAX;

/// (chunk key, position in chunk) of a cell.
#[inline]
fn chunk_of(row: u32, col: u32) -> (u64, usize) {
    (
        (u64::from(row / CHUNK as u32) << 16) | u64::from(col),
        (row % CHUNK as u32) as usize,
    )
}

impl<T> Default for MortonMap<T> {
    fn default() -> Self {
        MortonMap::new()
    }
}

/// A stored cell or the place for one (see [`MortonMap::entry`]).
pub struct Entry<'a, T> {
    map: &'a mut MortonMap<T>,
    key: u64,
}

impl<'a, T: Default> Entry<'a, T> {
    /// The stored value, or a default one inserted first.
    pub fn or_default(self) -> &'a mut T {
        let i = self.map.slot_or_insert(self.key, T::default);
        &mut self.map.items[i as usize]
    }
}

impl<'a, T> Entry<'a, T> {
    /// The stored value, or `value` inserted first.
    pub fn or_insert(self, value: T) -> &'a mut T {
        let i = self.map.slot_or_insert(self.key, || value);
        &mut self.map.items[i as usize]
    }
}

impl<T> MortonMap<T> {
    #[must_use]
    pub fn new() -> Self {
        MortonMap {
            map: BTreeMap::new(),
            index: FxHashMap::default(),
            items: Vec::new(),
            keys: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Makes room for `additional` more cells in the arena.
    pub fn reserve(&mut self, additional: usize) {
        let spare = self.free.len();
        self.items.reserve(additional.saturating_sub(spare));
        self.keys.reserve(additional.saturating_sub(spare));
    }

    fn lookup(&self, row: u32, col: u32) -> Option<u32> {
        let (chunk, at) = chunk_of(row, col);
        let i = self.index.get(&chunk)?[at];
        (i != NONE).then_some(i)
    }

    fn set_index(&mut self, row: u32, col: u32, i: u32) {
        let (chunk, at) = chunk_of(row, col);
        let block = self
            .index
            .entry(chunk)
            .or_insert_with(|| Box::new([NONE; CHUNK]));
        block[at] = i;
        if i == NONE && block.iter().all(|x| *x == NONE) {
            self.index.remove(&chunk);
        }
    }

    fn slot_or_insert(&mut self, key: u64, make: impl FnOnce() -> T) -> u32 {
        let (row, col) = unmorton(key);
        if let Some(i) = self.lookup(row, col) {
            return i;
        }
        let value = make();
        let i = if let Some(i) = self.free.pop() {
            self.items[i as usize] = value;
            self.keys[i as usize] = key;
            i
        } else {
            self.items.push(value);
            self.keys.push(key);
            u32::try_from(self.items.len() - 1).unwrap_or(u32::MAX)
        };
        self.map.insert(key, i);
        self.set_index(row, col, i);
        i
    }

    #[must_use]
    #[inline]
    pub fn get(&self, row: u32, col: u32) -> Option<&T> {
        self.lookup(row, col).map(|i| &self.items[i as usize])
    }

    pub fn get_mut(&mut self, row: u32, col: u32) -> Option<&mut T> {
        self.lookup(row, col).map(|i| &mut self.items[i as usize])
    }

    /// The arena index of a stored cell (stable until the cell is removed).
    #[must_use]
    pub fn index_of(&self, row: u32, col: u32) -> Option<u32> {
        self.lookup(row, col)
    }

    /// The value at an arena index from [`MortonMap::index_of`].
    #[must_use]
    pub fn at(&self, index: u32) -> &T {
        &self.items[index as usize]
    }

    pub fn at_mut(&mut self, index: u32) -> &mut T {
        &mut self.items[index as usize]
    }

    pub fn insert(&mut self, row: u32, col: u32, value: T) -> Option<T> {
        let key = morton(row, col);
        if let Some(i) = self.lookup(row, col) {
            return Some(std::mem::replace(&mut self.items[i as usize], value));
        }
        self.slot_or_insert(key, || value);
        None
    }

    pub fn remove(&mut self, row: u32, col: u32) -> Option<T>
    where
        T: Default,
    {
        let i = self.map.remove(&morton(row, col))?;
        self.set_index(row, col, NONE);
        self.keys[i as usize] = FREE;
        self.free.push(i);
        Some(std::mem::take(&mut self.items[i as usize]))
    }

    pub fn entry(&mut self, row: u32, col: u32) -> Entry<'_, T> {
        Entry {
            key: morton(row, col),
            map: self,
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every cell as (row, col, value), in Morton order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32, &T)> {
        self.map.iter().map(|(k, &i)| {
            let (r, c) = unmorton(*k);
            (r, c, &self.items[i as usize])
        })
    }

    /// Every cell as (row, col, value), in no particular order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, u32, &mut T)> {
        self.items
            .iter_mut()
            .zip(&self.keys)
            .filter(|(_, k)| **k != FREE)
            .map(|(v, k)| {
                let (r, c) = unmorton(*k);
                (r, c, v)
            })
    }

    /// Every cell as (row, col, arena index, value), in no particular order.
    pub fn iter_indexed_mut(&mut self) -> impl Iterator<Item = (u32, u32, u32, &mut T)> {
        self.items
            .iter_mut()
            .zip(&self.keys)
            .enumerate()
            .filter(|(_, (_, k))| **k != FREE)
            .map(|(i, (v, k))| {
                let (r, c) = unmorton(*k);
                (r, c, u32::try_from(i).unwrap_or(u32::MAX), v)
            })
    }

    /// Calls `f` with every stored cell inside `rect`.
    pub fn for_each_in(&self, rect: Rect, mut f: impl FnMut(u32, u32, &T)) {
        let zmin = morton(rect.r1, rect.c1);
        let zmax = morton(rect.r2, rect.c2);
        // A small rectangle: point lookups beat a range walk.
        if u64::from(rect.rows()) * u64::from(rect.cols()) <= 16 {
            for r in rect.r1..=rect.r2 {
                for c in rect.c1..=rect.c2 {
                    if let Some(v) = self.get(r, c) {
                        f(r, c, v);
                    }
                }
            }
            return;
        }
        let mut start = zmin;
        'outer: loop {
            let mut misses = 0u32;
            for (&k, &i) in self.map.range(start..=zmax) {
                let (r, c) = unmorton(k);
                if rect.contains(r, c) {
                    f(r, c, &self.items[i as usize]);
                    misses = 0;
                } else {
                    misses += 1;
                    // After a few misses in a row, jump to the next key in
                    // the rectangle rather than walking outside it.
                    if misses > 4 {
                        let next = bigmin(k, zmin, zmax);
                        if next <= k {
                            break 'outer;
                        }
                        start = next;
                        continue 'outer;
                    }
                }
            }
            break;
        }
    }

    /// Removes every cell for which `keep` is false.
    pub fn retain(&mut self, mut keep: impl FnMut(u32, u32, &mut T) -> bool)
    where
        T: Default,
    {
        let items = &mut self.items;
        let keys = &mut self.keys;
        let free = &mut self.free;
        let mut gone = Vec::new();
        self.map.retain(|k, i| {
            let (r, c) = unmorton(*k);
            let stay = keep(r, c, &mut items[*i as usize]);
            if !stay {
                keys[*i as usize] = FREE;
                free.push(*i);
                items[*i as usize] = T::default();
                gone.push((r, c));
            }
            stay
        });
        for (r, c) in gone {
            self.set_index(r, c, NONE);
        }
    }

    /// Takes all cells out, in Morton order (for structure edits, which
    /// rebuild the map).
    pub fn drain_all(&mut self) -> Vec<(u32, u32, T)> {
        let map = std::mem::take(&mut self.map);
        let mut items: Vec<Option<T>> = std::mem::take(&mut self.items)
            .into_iter()
            .map(Some)
            .collect();
        self.keys.clear();
        self.free.clear();
        self.index.clear();
        map.into_iter()
            .filter_map(|(k, i)| {
                let (r, c) = unmorton(k);
                items[i as usize].take().map(|v| (r, c, v))
            })
            .collect()
    }

    /// The bounding box of the stored cells, as one-past-the-end (rows, cols).
    #[must_use]
    pub fn extent(&self) -> (u32, u32) {
        let mut rows = 0;
        let mut cols = 0;
        for &k in self.map.keys() {
            let (r, c) = unmorton(k);
            rows = rows.max(r + 1);
            cols = cols.max(c + 1);
        }
        (rows, cols)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morton_round_trips() {
        for (r, c) in [(0, 0), (1, 0), (0, 1), (1_048_575, 16_383), (12345, 678)] {
            assert_eq!(unmorton(morton(r, c)), (r, c));
        }
        assert!(morton(0, 1) < morton(1, 0));
        assert!(morton(1, 1) < morton(0, 2));
    }

    #[test]
    fn rectangle_reads_match_a_scan() {
        let mut m = MortonMap::new();
        for r in 0..60u32 {
            for c in 0..40u32 {
                if (r * 7 + c * 3) % 5 != 0 {
                    m.insert(r, c, r * 1000 + c);
                }
            }
        }
        for rect in [
            Rect::new(3, 5, 50, 9),
            Rect::new(0, 0, 59, 0),
            Rect::new(10, 2, 10, 39),
            Rect::new(17, 17, 33, 31),
        ] {
            let mut got = Vec::new();
            m.for_each_in(rect, |r, c, v| got.push((r, c, *v)));
            got.sort_unstable();
            let mut want: Vec<_> = m
                .iter()
                .filter(|(r, c, _)| rect.contains(*r, *c))
                .map(|(r, c, v)| (r, c, *v))
                .collect();
            want.sort_unstable();
            assert_eq!(got, want, "{rect:?}");
        }
    }

    #[test]
    fn point_lookups_follow_inserts_and_removals() {
        let mut m = MortonMap::new();
        for r in 0..100u32 {
            m.insert(r, r % 7, r);
        }
        for r in (0..100u32).step_by(3) {
            assert_eq!(m.remove(r, r % 7), Some(r));
        }
        m.retain(|r, _, _| r % 5 != 0);
        for r in 0..100u32 {
            let want = (r % 3 != 0 && r % 5 != 0).then_some(r);
            assert_eq!(m.get(r, r % 7).copied(), want, "row {r}");
            assert_eq!(m.index_of(r, r % 7).is_some(), want.is_some());
        }
        // Freed arena slots are reused and stay addressable.
        m.insert(1000, 3, 7);
        let i = m.index_of(1000, 3).unwrap();
        assert_eq!(*m.at(i), 7);
        assert_eq!(m.len(), m.iter().count());
        let drained = m.drain_all();
        assert_eq!(drained.len(), 54);
        assert!(m.get(1000, 3).is_none());
    }
}
