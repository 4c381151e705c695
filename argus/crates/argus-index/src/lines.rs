//! Byte offsets <-> (line, column) positions.
//!
//! Every position Argus reports is 1-based line and 1-based column counted in
//! Unicode scalar values, as editors display them; the LSP adapter converts to
//! its own encoding. Internally everything is a byte offset into the source.

use ruff_text_size::TextSize;

/// Start offsets of every line of one file.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
}

impl LineIndex {
    #[must_use]
    pub fn new(source: &str) -> Self {
        let mut starts = Vec::with_capacity(source.len() / 32 + 1);
        starts.push(0);
        for (i, b) in source.bytes().enumerate() {
            if b == b'\n' {
                starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        Self { starts }
    }

    /// 1-based (line, column) of a byte offset.
    #[must_use]
    pub fn position(&self, source: &str, offset: TextSize) -> (u32, u32) {
        let off = u32::from(offset);
        let line = self.starts.partition_point(|&s| s <= off).saturating_sub(1);
        let start = self.starts[line] as usize;
        let end = (off as usize).min(source.len());
        let col = source
            .get(start..end)
            .map_or(end - start, |s| s.chars().count());
        (
            u32::try_from(line + 1).unwrap_or(u32::MAX),
            u32::try_from(col + 1).unwrap_or(u32::MAX),
        )
    }

    /// Byte offset of a 1-based (line, column); None when the line is past the end.
    #[must_use]
    pub fn offset(&self, source: &str, line: u32, column: u32) -> Option<TextSize> {
        let idx = (line as usize).checked_sub(1)?;
        let start = *self.starts.get(idx)? as usize;
        let end = self
            .starts
            .get(idx + 1)
            .map_or(source.len(), |&e| e as usize);
        let text = source.get(start..end)?;
        let want = (column as usize).saturating_sub(1);
        let byte = text.char_indices().nth(want).map_or(text.len(), |(b, _)| b);
        u32::try_from(start + byte).ok().map(TextSize::from)
    }

    #[must_use]
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}
