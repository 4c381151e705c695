/**
 * Rows and columns of a shared sheet with identities that survive
 * concurrent row/column inserts and deletes.
 *
 * Every row (and column) has an id. The rows a sheet starts with are their
 * own numbers: `"0"`, `"1"`, ... (so a document without structure edits
 * keeps the plain `"row:col"` keys). An insert is one entry of a `Y.Map`:
 * `i:<op>` -> `{ after, count, clock }`, `count` new rows (ids `<op>/0`,
 * `<op>/1`, ...) placed right after the row `after` (`"^"`: before the
 * first row). A delete is `d:<id>` -> 1: the row keeps its place as a
 * tombstone, so its cells come back when the delete is undone. Entries are
 * only ever added or removed, never changed, so two peers that have seen the
 * same entries compute the same order: inserts after the same row are
 * ordered newest first (Lamport `clock`, then op id), as in RGA.
 *
 * Cells, styles, formats, sizes and rules are keyed by ids, and formulas
 * store their references as ids ({@link toShared}), so a structure edit
 * changes one small entry and every peer moves the same cells the same way.
 */
import type * as Y from 'yjs';

/** One entry of an axis map. */
export type AxisEntry = { after: string; count: number; clock: number } | 1;

/** Rows a sheet has (Excel's limit); columns are limited to 16,384. */
export const MAX_ROWS = 1_048_576;
export const MAX_COLS = 16_384;

/** A stretch of the order: a run of untouched base rows, or one id. */
interface Piece {
  /** First position it covers (for a deleted id: where it would be). */
  pos: number;
  /** Base run: first base number and length (Infinity for the last run). */
  base?: number;
  len: number;
  /** An explicit id (a touched base row or an inserted row). */
  id?: string;
  live: boolean;
}

interface Op {
  op: string;
  after: string;
  count: number;
  clock: number;
}

const HEAD = '^';
const isBase = (id: string) => /^\d+$/.test(id);

function newestFirst(a: Op, b: Op): number {
  if (a.clock !== b.clock) return b.clock - a.clock;
  return a.op < b.op ? 1 : a.op > b.op ? -1 : 0;
}

/** The order of one axis (rows or columns), computed from its shared map. */
export class Axis {
  private pieces: Piece[] | null = null;
  private byId = new Map<string, number>();
  private runs: number[] = [];

  constructor(
    readonly map: Y.Map<AxisEntry>,
    readonly limit: number,
  ) {}

  /** Forgets the computed order (the map changed). */
  invalidate(): void {
    this.pieces = null;
  }

  private build(): Piece[] {
    if (this.pieces) return this.pieces;
    const children = new Map<string, Op[]>();
    const deleted = new Set<string>();
    const touched = new Set<number>();
    this.map.forEach((value, key) => {
      if (key.startsWith('d:')) {
        const id = key.slice(2);
        deleted.add(id);
        if (isBase(id)) touched.add(Number(id));
      } else if (key.startsWith('i:') && typeof value === 'object' && value !== null) {
        const count = Math.max(0, Math.min(Math.floor(Number(value.count)) || 0, this.limit));
        const after = String(value.after);
        const op: Op = { op: key.slice(2), after, count, clock: Number(value.clock) || 0 };
        const list = children.get(after);
        if (list) list.push(op);
        else children.set(after, [op]);
        if (isBase(after)) touched.add(Number(after));
      }
    });
    for (const list of children.values()) list.sort(newestFirst);
    const pieces: Piece[] = [];
    const explicit = (id: string) => pieces.push({ pos: 0, id, len: 1, live: !deleted.has(id) });
    // Pre-order walk of the rows inserted after `anchor` (iterative: a
    // chain of inserts below inserts is as deep as it is long).
    const subtree = (anchor: string) => {
      const stack: string[] = [];
      const pushChildren = (of: string) => {
        const ops = children.get(of);
        if (!ops) return;
        for (let i = ops.length - 1; i >= 0; i--) {
          for (let k = ops[i].count - 1; k >= 0; k--) stack.push(`${ops[i].op}/${k}`);
        }
      };
      pushChildren(anchor);
      while (stack.length > 0) {
        const id = stack.pop()!;
        explicit(id);
        pushChildren(id);
      }
    };
    subtree(HEAD);
    let next = 0;
    for (const b of [...touched].sort((x, y) => x - y)) {
      if (b > next) pieces.push({ pos: 0, base: next, len: b - next, live: true });
      explicit(String(b));
      subtree(String(b));
      next = b + 1;
    }
    pieces.push({ pos: 0, base: next, len: Infinity, live: true });
    let pos = 0;
    this.byId = new Map();
    this.runs = [];
    pieces.forEach((p, i) => {
      p.pos = pos;
      if (p.id !== undefined) this.byId.set(p.id, i);
      else this.runs.push(i);
      if (p.live) pos += p.len;
    });
    this.pieces = pieces;
    return pieces;
  }

  /** The piece holding base row `b` when it is in an untouched run. */
  private runOf(b: number): Piece | undefined {
    const pieces = this.build();
    let lo = 0;
    let hi = this.runs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const p = pieces[this.runs[mid]];
      if (b < p.base!) hi = mid - 1;
      else if (b >= p.base! + p.len) lo = mid + 1;
      else return p;
    }
    return undefined;
  }

  /** The position of a row id; -1 when it is deleted, unknown or off the sheet. */
  posOf(id: string): number {
    const pieces = this.build();
    const i = this.byId.get(id);
    let pos = -1;
    if (i !== undefined) pos = pieces[i].live ? pieces[i].pos : -1;
    else if (isBase(id)) {
      const b = Number(id);
      const run = this.runOf(b);
      if (run) pos = run.pos + (b - run.base!);
    }
    return pos >= 0 && pos < this.limit ? pos : -1;
  }

  /** The id of the row at a position. */
  idAt(pos: number): string {
    const pieces = this.build();
    // The last piece starting at or before `pos` holds it (a deleted id
    // takes no room, so the piece after it starts at the same position).
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pieces[mid].pos <= pos) lo = mid;
      else hi = mid - 1;
    }
    const p = pieces[lo];
    return p.id ?? String(p.base! + (pos - p.pos));
  }

  /**
   * The position of the first live row at or after `id` (`dir` 1), or at or
   * before it (`dir` -1): where a range that ended on a deleted row ends now.
   */
  nearest(id: string, dir: 1 | -1): number {
    const direct = this.posOf(id);
    if (direct >= 0) return direct;
    const pieces = this.build();
    const i = this.byId.get(id);
    if (i === undefined) return -1;
    for (let j = i + dir; j >= 0 && j < pieces.length; j += dir) {
      const p = pieces[j];
      if (!p.live) continue;
      const pos = dir === 1 ? p.pos : p.pos + p.len - 1;
      return pos < this.limit ? pos : -1;
    }
    return -1;
  }

  /** The largest Lamport clock of the inserts (a new insert takes one more). */
  clock(): number {
    let max = 0;
    this.map.forEach((value) => {
      if (typeof value === 'object' && value !== null) max = Math.max(max, Number(value.clock) || 0);
    });
    return max;
  }

  /** Writes an insert of `count` rows before position `at` (call inside a transaction). */
  insert(at: number, count: number, client: number): void {
    const after = at === 0 ? HEAD : this.idAt(at - 1);
    let n = 0;
    while (this.map.has(`i:${client}.${n}`)) n++;
    this.map.set(`i:${client}.${n}`, { after, count, clock: this.clock() + 1 });
  }

  /** Writes the delete of `count` rows from position `at` (call inside a transaction). */
  remove(at: number, count: number): void {
    const ids: string[] = [];
    for (let p = at; p < at + count; p++) ids.push(this.idAt(p));
    for (const id of ids) this.map.set(`d:${id}`, 1);
  }
}

const MARK = '\u0001';
const TOKEN = /\u0001(\$?)([^|\u0001]+)\|(\$?)([^\u0001]+)\u0001/g;
const WORD = /[\p{L}\p{N}_.$\\?]/u;

function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

export function columnName(col: number): string {
  let s = '';
  for (let n = col + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** `$B$12` -> [row 11, col 1, rowAbs, colAbs]; null when the word is not a cell. */
function splitCell(word: string): [number, number, boolean, boolean] | null {
  const m = /^(\$?)([A-Za-z]{1,3})(\$?)([1-9]\d*)$/.exec(word);
  if (!m) return null;
  const col = columnNumber(m[2]);
  const row = Number(m[4]) - 1;
  if (col >= MAX_COLS || row >= MAX_ROWS) return null;
  return [row, col, m[3] === '$', m[1] === '$'];
}

/**
 * A formula (or a range such as `A1:B10`) with its references to this
 * sheet written as row and column ids, as it is stored in the shared
 * document. References to other sheets (`Sheet2!A1`), names and whole
 * rows/columns stay as typed. Text without references comes back as is.
 */
export function toShared(text: string, rows: Axis, cols: Axis): string {
  let out = '';
  let quote: string | null = null;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quote) {
      out += c;
      if (c === quote) quote = null;
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      out += c;
      i++;
      continue;
    }
    if (!WORD.test(c)) {
      out += c === MARK ? '' : c;
      i++;
      continue;
    }
    let end = i + 1;
    while (end < text.length && WORD.test(text[end])) end++;
    const word = text.slice(i, end);
    const cell = text[end] === '(' || text[end] === '!' || text[i - 1] === '!' ? null : splitCell(word);
    if (cell) {
      const [row, col, rowAbs, colAbs] = cell;
      out += `${MARK}${colAbs ? '$' : ''}${cols.idAt(col)}|${rowAbs ? '$' : ''}${rows.idAt(row)}${MARK}`;
    } else {
      out += word;
    }
    i = end;
  }
  return out;
}

/**
 * The text of a stored formula or range at the current positions: each
 * reference is written back in A1 notation; a reference to a deleted row or
 * column is `#REF!`, and a range whose first or last row was deleted
 * shrinks to the rows left (`#REF!` when none is).
 */
export function fromShared(stored: string, rows: Axis, cols: Axis): string {
  if (!stored.includes(MARK)) return stored;
  const ref = (colAbs: string, colId: string, rowAbs: string, rowId: string, dir: 0 | 1 | -1): string | null => {
    const r = dir === 0 ? rows.posOf(rowId) : rows.nearest(rowId, dir);
    const c = dir === 0 ? cols.posOf(colId) : cols.nearest(colId, dir);
    if (r < 0 || c < 0) return null;
    return `${colAbs}${columnName(c)}${rowAbs}${r + 1}`;
  };
  // Ranges first: both corners of `A1:B5` move inwards when deleted.
  const range = new RegExp(`${TOKEN.source}:${TOKEN.source}`, 'g');
  const ranged = stored.replace(range, (_m, ca1, c1, ra1, r1, ca2, c2, ra2, r2) => {
    const a = ref(ca1, c1, ra1, r1, 1);
    const b = ref(ca2, c2, ra2, r2, -1);
    if (a === null || b === null) return '#REF!';
    const [ra, rb] = [rows.nearest(r1, 1), rows.nearest(r2, -1)];
    const [ka, kb] = [cols.nearest(c1, 1), cols.nearest(c2, -1)];
    const moved = (axis: Axis, first: string, last: string) => axis.posOf(first) < 0 || axis.posOf(last) < 0;
    if ((ra > rb && moved(rows, r1, r2)) || (ka > kb && moved(cols, c1, c2))) return '#REF!';
    return `${a}:${b}`;
  });
  return ranged.replace(TOKEN, (_m, ca, c, ra, r) => ref(ca, c, ra, r, 0) ?? '#REF!');
}
