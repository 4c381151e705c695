//! Sparse cell storage ordered by Morton (Z-order) keys.
//!
//! Interleaving the bits of row and column keeps cells that are close on the
//! grid close in the ordered map, in both directions. A rectangular read
//! walks the keys between the rectangle's Z-min and Z-max and, when it
//! leaves the rectangle, jumps to the next Z-value inside it ("BIGMIN",
//! Tropf & Herzog 1981) instead of scanning the cells in between.

use std::collections::btree_map::{self, BTreeMap};

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

/// A sheet's cells, keyed by Morton code.
#[derive(Clone, Debug, Default)]
pub struct MortonMap<T> {
    map: BTreeMap<u64, T>,
}

impl<T> MortonMap<T> {
    #[must_use]
    pub fn new() -> Self {
        MortonMap {
            map: BTreeMap::new(),
        }
    }

    #[must_use]
    pub fn get(&self, row: u32, col: u32) -> Option<&T> {
        self.map.get(&morton(row, col))
    }

    pub fn get_mut(&mut self, row: u32, col: u32) -> Option<&mut T> {
        self.map.get_mut(&morton(row, col))
    }

    pub fn insert(&mut self, row: u32, col: u32, value: T) -> Option<T> {
        self.map.insert(morton(row, col), value)
    }

    pub fn remove(&mut self, row: u32, col: u32) -> Option<T> {
        self.map.remove(&morton(row, col))
    }

    pub fn entry(&mut self, row: u32, col: u32) -> btree_map::Entry<'_, u64, T> {
        self.map.entry(morton(row, col))
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
        self.map.iter().map(|(k, v)| {
            let (r, c) = unmorton(*k);
            (r, c, v)
        })
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (u32, u32, &mut T)> {
        self.map.iter_mut().map(|(k, v)| {
            let (r, c) = unmorton(*k);
            (r, c, v)
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
            for (&k, v) in self.map.range(start..=zmax) {
                let (r, c) = unmorton(k);
                if rect.contains(r, c) {
                    f(r, c, v);
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

    /// Removes and returns every cell for which `keep` is false.
    pub fn retain(&mut self, mut keep: impl FnMut(u32, u32, &mut T) -> bool) {
        self.map.retain(|k, v| {
            let (r, c) = unmorton(*k);
            keep(r, c, v)
        });
    }

    /// Takes all cells out (for structure edits, which rebuild the map).
    pub fn drain_all(&mut self) -> Vec<(u32, u32, T)> {
        std::mem::take(&mut self.map)
            .into_iter()
            .map(|(k, v)| {
                let (r, c) = unmorton(k);
                (r, c, v)
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
}
