/**
 * The canvas grid: draws the visible part of a rusheet workbook and turns
 * mouse and keyboard into edits, the way Excel does.
 *
 * - Virtual scrolling over all 1,048,576 rows: a transparent scroller holds
 *   a spacer as large as the sheet; each frame reads only the visible cells,
 *   in one WebAssembly call (`Workbook.getViewport`), and draws them.
 * - Frozen row and column headers; column and row resize by dragging a
 *   header edge (shared with the other users when the editor keeps layout).
 * - Selection of cells, ranges, whole rows and columns (click, drag,
 *   Shift+click, Shift+arrows, header clicks).
 * - A fill handle at the selection's corner: dragging it continues number
 *   series, copies text, and copies formulas with their relative references
 *   moved (the engine's `translateFormula`), as one undo step.
 * - A toolbar: bold, italic, alignment, text and fill colours, number formats.
 * - Keyboard: typing starts an edit, Enter/Tab commit and move, F2 edits the
 *   cell, Escape cancels, Delete clears, arrows move, Ctrl+Z / Ctrl+Y undo and
 *   redo, Ctrl+C / Ctrl+V copy and paste (TSV and HTML).
 * - A formula bar with the name box.
 * - Other users' cursors and selections (from Yjs awareness), in their colours.
 */
import { RuSheetError, type Workbook } from './index.js';
import type { CellEdit, CellStyle } from './collab.js';

/** Where edits go: a `CollabSheet`, or anything with the same methods (styles optional). */
export interface GridEditor {
  setCells(edits: CellEdit[]): void;
  undo(): boolean;
  redo(): boolean;
  styleAt?(row: number, col: number): CellStyle | undefined;
  setStyle?(cells: Array<[number, number]>, patch: CellStyle): void;
  onStyleChange?(listener: () => void): () => void;
  formatAt?(row: number, col: number): string | undefined;
  setFormat?(cells: Array<[number, number]>, format: string | null): void;
  /** Shared column widths and row heights (a `CollabSheet` keeps them in the document). */
  setColumnWidth?(col: number, width: number | null): void;
  setRowHeight?(row: number, height: number | null): void;
  layoutSizes?(): { columns: Array<[number, number]>; rows: Array<[number, number]> };
  onLayoutChange?(listener: () => void): () => void;
  /** Runs several edits as one shared change and one undo step. */
  batch?(f: () => void): void;
  /** Row and column inserts and deletes (Ctrl+Shift+= and Ctrl+-). */
  insertRows?(at: number, count: number): void;
  deleteRows?(at: number, count: number): void;
  insertColumns?(at: number, count: number): void;
  deleteColumns?(at: number, count: number): void;
}

/** Number formats offered by the toolbar: label and format code (null: General). */
export const NUMBER_FORMATS: Array<[string, string | null]> = [
  ['General', null],
  ['0', '0'],
  ['0.00', '0.00'],
  ['1,234.56', '#,##0.00'],
  ['Percent', '0%'],
  ['Percent 0.00', '0.00%'],
  ['Currency', '$#,##0.00'],
  ['Date', 'yyyy-mm-dd'],
  ['Scientific', '0.00E+00'],
];

/** Another user's cursor, drawn over the grid. */
export interface Peer {
  name: string;
  color: string;
  row: number;
  col: number;
  /** The far corner of their selection (defaults to the cursor). */
  row2?: number;
  col2?: number;
}

export interface Selection {
  /** The active cell. */
  row: number;
  col: number;
  /** The other corner of the selected range. */
  row2: number;
  col2: number;
}

export const MAX_ROWS = 1_048_576;
export const MAX_COLS = 16_384;
const ROW_H = 22;
const COL_W = 96;
const MIN_SIZE = 8;
const MAX_SIZE = 1000;
/** Side of the fill handle's square, in pixels. */
const HANDLE = 7;
const HEAD_W = 56;
const HEAD_H = 24;
const FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const SEP = '\u001f';

/**
 * Sizes along one axis (column widths or row heights): a default size and the
 * few custom ones, with positions found by binary search, so a sheet of a
 * million rows with custom heights costs O(log n) per lookup.
 */
export class Axis {
  private readonly sizes = new Map<number, number>();
  private keys: number[] = [];
  /** `prefix[i]`: how much the custom sizes of `keys[0..i]` add to the defaults. */
  private prefix: number[] = [0];

  constructor(
    readonly defaultSize: number,
    readonly count: number,
  ) {}

  size(i: number): number {
    return this.sizes.get(i) ?? this.defaultSize;
  }

  /** Sets a size (null or the default: back to the default). */
  set(i: number, size: number | null): void {
    if (size === null || size === this.defaultSize) this.sizes.delete(i);
    else this.sizes.set(i, size);
    this.reindex();
  }

  /** Replaces every custom size. */
  replace(entries: Array<[number, number]>): void {
    this.sizes.clear();
    for (const [i, size] of entries) if (i >= 0 && i < this.count && size !== this.defaultSize) this.sizes.set(i, size);
    this.reindex();
  }

  private reindex(): void {
    this.keys = [...this.sizes.keys()].sort((a, b) => a - b);
    this.prefix = [0];
    for (const k of this.keys) this.prefix.push(this.prefix[this.prefix.length - 1] + this.size(k) - this.defaultSize);
  }

  /** Where item `i` starts (`pos(count)` is the total length). */
  pos(i: number): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.keys[mid] < i) lo = mid + 1;
      else hi = mid;
    }
    return i * this.defaultSize + this.prefix[lo];
  }

  /** The item under position `x`. */
  at(x: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.pos(mid) <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** `0 -> A`, `25 -> Z`, `26 -> AA`. */
export function columnName(col: number): string {
  let s = '';
  let n = col + 1;
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

export function cellName(row: number, col: number): string {
  return `${columnName(col)}${row + 1}`;
}

/** Parses `B12` into `[11, 1]`, or null. */
export function parseCellName(name: string): [number, number] | null {
  const m = /^\s*([A-Za-z]{1,3})(\d{1,7})\s*$/.exec(name);
  if (!m) return null;
  let col = 0;
  for (const ch of m[1].toUpperCase()) col = col * 26 + (ch.charCodeAt(0) - 64);
  const row = Number(m[2]) - 1;
  if (row < 0 || row >= MAX_ROWS || col < 1 || col > MAX_COLS) return null;
  return [row, col - 1];
}

/** The text drawn last frame, for tests and accessibility tools. */
export interface Frame {
  top: number;
  left: number;
  rows: number;
  cols: number;
  /** Displayed text of each visible cell, row-major. */
  text: string[];
  /** Kind letter of each visible cell (`e n s b x`). */
  kinds: string[];
}

export interface GridOptions {
  /** Called after each commit error (an unparsable formula): the message to show. */
  onError?: (message: string) => void;
  /** Called when the selection changes (for awareness). */
  onSelect?: (selection: Selection) => void;
}

/**
 * How a fill continues one lane of source inputs: `value(step, index)` gives
 * the input `step` cells past the source's first cell (negative: before it),
 * for source position `index`. Two or more numbers continue their
 * least-squares line; text ending in a whole number counts on (`Q1`, `Q2`,
 * ...); anything else, and a single number, repeats.
 */
export function fillSeries(inputs: string[]): (step: number, index: number) => string | null {
  const repeat = (_step: number, index: number) => (inputs[index] === '' ? null : inputs[index]);
  const numbers = inputs.map((t) => (/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(t) ? Number(t) : NaN));
  if (inputs.length >= 2 && numbers.every((v) => Number.isFinite(v))) {
    const n = numbers.length;
    const mx = (n - 1) / 2;
    const my = numbers.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    numbers.forEach((y, x) => {
      sxy += (x - mx) * (y - my);
      sxx += (x - mx) * (x - mx);
    });
    const slope = sxy / sxx;
    // Round away binary noise (0.1 steps): 15 significant digits, as Excel shows.
    return (step) => String(Number((my + slope * (step - mx)).toPrecision(15)));
  }
  const counted = inputs.map((t) => /^(.*?)(\d+)$/.exec(t));
  if (counted.every((m) => m !== null && !m[1].startsWith('=') && m[1] !== '' && !/^[-+]?\d*\.?$/.test(m[1]))) {
    const parts = counted as RegExpExecArray[];
    const prefix = parts[0][1];
    if (parts.every((m) => m[1] === prefix)) {
      const nums = parts.map((m) => Number(m[2]));
      const width = parts[0][2].length;
      const step = nums.length >= 2 ? (nums[nums.length - 1] - nums[0]) / (nums.length - 1) : 1;
      if (Number.isInteger(step)) {
        return (k) => {
          const v = nums[0] + step * k;
          return v < 0 ? null : `${prefix}${String(v).padStart(width, '0')}`;
        };
      }
    }
  }
  return repeat;
}

export class SheetGrid {
  readonly root: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private readonly editorInput: HTMLInputElement;
  private readonly formulaInput: HTMLInputElement;
  private readonly nameBox: HTMLInputElement;
  private readonly status: HTMLDivElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly cols = new Axis(COL_W, MAX_COLS);
  private readonly rowsAxis = new Axis(ROW_H, MAX_ROWS);
  private readonly toolbar: HTMLDivElement;
  private sel: Selection = { row: 0, col: 0, row2: 0, col2: 0 };
  private editing: { row: number; col: number; typed: boolean } | null = null;
  private peers: Peer[] = [];
  private pending = 0;
  private dragging: 'cells' | 'rows' | 'cols' | 'fill' | null = null;
  private resizing: { axis: 'col' | 'row'; index: number; start: number; startSize: number } | null = null;
  /** While the fill handle is dragged: the range it would fill. */
  private fillTarget: { r1: number; c1: number; r2: number; c2: number } | null = null;
  private unsubscribe: () => void;
  /** What the last frame drew. */
  frame: Frame = { top: 0, left: 0, rows: 0, cols: 0, text: [], kinds: [] };
  /** Frames drawn so far. */
  frames = 0;

  constructor(
    host: HTMLElement,
    private readonly workbook: Workbook,
    private readonly editor: GridEditor,
    private readonly options: GridOptions = {},
  ) {
    const doc = host.ownerDocument;
    this.root = doc.createElement('div');
    this.root.className = 'rusheet';
    this.root.style.cssText = 'display:flex;flex-direction:column;width:100%;height:100%;font:' + FONT;
    const bar = doc.createElement('div');
    bar.style.cssText = 'display:flex;gap:4px;padding:3px;border-bottom:1px solid #d0d7de;background:#f6f8fa';
    this.nameBox = doc.createElement('input');
    this.nameBox.className = 'rusheet-name';
    this.nameBox.style.cssText = 'width:72px;font:inherit;padding:2px 4px';
    this.nameBox.setAttribute('aria-label', 'Name box');
    this.formulaInput = doc.createElement('input');
    this.formulaInput.className = 'rusheet-formula';
    this.formulaInput.style.cssText = 'flex:1;font:inherit;padding:2px 4px';
    this.formulaInput.setAttribute('aria-label', 'Formula bar');
    bar.append(this.nameBox, this.formulaInput);
    this.toolbar = this.buildToolbar(doc);
    const body = doc.createElement('div');
    body.style.cssText = 'position:relative;flex:1;min-height:0;overflow:hidden';
    this.canvas = doc.createElement('canvas');
    this.canvas.className = 'rusheet-canvas';
    this.canvas.style.cssText = 'position:absolute;left:0;top:0';
    this.scroller = doc.createElement('div');
    this.scroller.className = 'rusheet-scroller';
    this.scroller.tabIndex = 0;
    this.scroller.setAttribute('role', 'grid');
    this.scroller.style.cssText = 'position:absolute;inset:0;overflow:scroll;outline:none';
    this.spacer = doc.createElement('div');
    this.scroller.append(this.spacer);
    this.editorInput = doc.createElement('input');
    this.editorInput.className = 'rusheet-editor';
    this.editorInput.style.cssText =
      'position:absolute;display:none;box-sizing:border-box;border:2px solid #1a73e8;font:inherit;padding:0 3px;outline:none;z-index:2';
    this.status = doc.createElement('div');
    this.status.className = 'rusheet-status';
    this.status.style.cssText = 'padding:2px 6px;min-height:18px;color:#b3261e;border-top:1px solid #d0d7de';
    body.append(this.canvas, this.scroller, this.editorInput);
    this.root.append(this.toolbar, bar, body, this.status);
    host.append(this.root);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new RuSheetError('this browser has no 2D canvas');
    this.ctx = ctx;
    this.sizeSpacer();
    this.bind();
    const offChange = workbook.onChange(() => this.invalidate());
    const offStyle = editor.onStyleChange?.(() => {
      this.invalidate();
      this.syncToolbar();
    });
    const offLayout = editor.onLayoutChange?.(() => this.loadLayout());
    this.loadLayout();
    this.unsubscribe = () => {
      offChange();
      offStyle?.();
      offLayout?.();
    };
    new ResizeObserver(() => this.invalidate()).observe(body);
    this.syncBars();
    this.invalidate();
  }

  // ---- geometry ----

  private width(col: number): number {
    return this.cols.size(col);
  }

  /** A row's height in pixels. */
  height(row: number): number {
    return this.rowsAxis.size(row);
  }

  /** x of a column's left edge in sheet coordinates (without headers). */
  colX(col: number): number {
    return this.cols.pos(col);
  }

  /** y of a row's top edge in sheet coordinates (without headers). */
  rowY(row: number): number {
    return this.rowsAxis.pos(row);
  }

  private colAt(x: number): number {
    return this.cols.at(x);
  }

  private rowAt(y: number): number {
    return this.rowsAxis.at(y);
  }

  private sizeSpacer(): void {
    this.spacer.style.width = `${HEAD_W + this.colX(MAX_COLS)}px`;
    this.spacer.style.height = `${HEAD_H + this.rowY(MAX_ROWS)}px`;
  }

  /** Widths and heights from the editor's shared layout. */
  private loadLayout(): void {
    const sizes = this.editor.layoutSizes?.();
    if (!sizes) return;
    this.cols.replace(sizes.columns);
    this.rowsAxis.replace(sizes.rows);
    this.sizeSpacer();
    this.invalidate();
  }

  /** The cell under a point of the scroller (client coordinates), or a header. */
  private hit(clientX: number, clientY: number): { row: number; col: number; zone: 'cell' | 'row' | 'col' | 'corner' } {
    const rect = this.scroller.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    const row = this.rowAt(y - HEAD_H + this.scroller.scrollTop);
    const col = this.colAt(x - HEAD_W + this.scroller.scrollLeft);
    if (x < HEAD_W && y < HEAD_H) return { row, col, zone: 'corner' };
    if (y < HEAD_H) return { row, col, zone: 'col' };
    if (x < HEAD_W) return { row, col, zone: 'row' };
    return { row, col, zone: 'cell' };
  }

  /** The on-screen box of a cell relative to the grid body. */
  cellBox(row: number, col: number): { x: number; y: number; w: number; h: number } {
    return {
      x: HEAD_W + this.colX(col) - this.scroller.scrollLeft,
      y: HEAD_H + this.rowY(row) - this.scroller.scrollTop,
      w: this.width(col),
      h: this.height(row),
    };
  }

  // ---- public API ----

  get selection(): Selection {
    return { ...this.sel };
  }

  select(row: number, col: number, row2 = row, col2 = col): void {
    const clampR = (r: number) => Math.max(0, Math.min(MAX_ROWS - 1, r));
    const clampC = (c: number) => Math.max(0, Math.min(MAX_COLS - 1, c));
    this.sel = { row: clampR(row), col: clampC(col), row2: clampR(row2), col2: clampC(col2) };
    this.scrollIntoView(this.sel.row2, this.sel.col2);
    this.syncBars();
    this.options.onSelect?.(this.selection);
    this.invalidate();
  }

  setPeers(peers: Peer[]): void {
    this.peers = peers;
    this.invalidate();
  }

  /** Sets a column's width (shared with the other users when the editor keeps layout). */
  setColumnWidth(col: number, width: number): void {
    const w = this.resizeLocal('col', col, width);
    this.editor.setColumnWidth?.(col, w === COL_W ? null : w);
  }

  /** Sets a row's height (shared with the other users when the editor keeps layout). */
  setRowHeight(row: number, height: number): void {
    const h = this.resizeLocal('row', row, height);
    this.editor.setRowHeight?.(row, h === ROW_H ? null : h);
  }

  private resizeLocal(axis: 'col' | 'row', index: number, size: number): number {
    const limit = axis === 'col' ? MAX_COLS : MAX_ROWS;
    if (!Number.isInteger(index) || index < 0 || index >= limit) {
      throw new RuSheetError(`${axis === 'col' ? 'column' : 'row'} ${index} is outside the sheet (0..${limit - 1})`);
    }
    if (!Number.isFinite(size)) throw new RuSheetError(`a size is a number of pixels, got ${size}`);
    const v = Math.max(MIN_SIZE, Math.min(MAX_SIZE, Math.round(size)));
    (axis === 'col' ? this.cols : this.rowsAxis).set(index, v);
    this.sizeSpacer();
    this.invalidate();
    return v;
  }

  focus(): void {
    this.scroller.focus();
  }

  /** The text the last frame drew in a cell, or null when it was not visible. */
  drawnText(row: number, col: number): string | null {
    const f = this.frame;
    if (row < f.top || row >= f.top + f.rows || col < f.left || col >= f.left + f.cols) return null;
    return f.text[(row - f.top) * f.cols + (col - f.left)];
  }

  /** Draws on the next animation frame (many calls, one frame). */
  invalidate(): void {
    if (this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.draw();
    });
  }

  destroy(): void {
    this.unsubscribe();
    if (this.pending) cancelAnimationFrame(this.pending);
    this.root.remove();
  }

  // ---- drawing ----

  draw(): void {
    const body = this.scroller;
    const w = body.clientWidth;
    const h = body.clientHeight;
    const dpr = globalThis.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(w * dpr) || this.canvas.height !== Math.round(h * dpr)) {
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.width = `${w}px`;
      this.canvas.style.height = `${h}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const sx = body.scrollLeft;
    const sy = body.scrollTop;
    const top = this.rowAt(sy);
    let rows = 0;
    for (let y = this.rowY(top) - sy; y < h - HEAD_H && top + rows < MAX_ROWS; rows++) y += this.height(top + rows);
    rows = Math.max(1, rows);
    const left = this.colAt(sx);
    let cols = 0;
    for (let x = this.colX(left) - sx; x < w - HEAD_W && left + cols < MAX_COLS; cols++) x += this.width(left + cols);
    cols = Math.max(1, cols);
    // One crossing into WebAssembly for the whole visible rectangle.
    const packed = this.workbook.getViewport(top, left, rows, cols);
    const parts = packed.split(SEP);
    const text: string[] = new Array(rows * cols);
    const kinds: string[] = new Array(rows * cols);
    for (let i = 0; i < rows * cols; i++) {
      const p = parts[i] ?? 'e';
      kinds[i] = p[0];
      text[i] = p.slice(1);
    }
    // The engine's conditional formats for the same rectangle: one more call, not one per cell.
    const looks = this.workbook.getConditionalViewport(top, left, rows, cols);
    this.frame = { top, left, rows, cols, text, kinds };
    this.frames++;

    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, w, h);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const xs: number[] = [];
    let x = HEAD_W + this.colX(left) - sx;
    for (let c = 0; c <= cols; c++) {
      xs.push(x);
      x += this.width(left + c);
    }
    const ys: number[] = [];
    let yy = HEAD_H + this.rowY(top) - sy;
    for (let r = 0; r <= rows; r++) {
      ys.push(yy);
      yy += this.height(top + r);
    }
    const yOf = (r: number) => ys[r];

    // selection fill
    const s = this.normalized();
    const selX1 = HEAD_W + this.colX(s.c1) - sx;
    const selX2 = HEAD_W + this.colX(s.c2 + 1) - sx;
    const selY1 = HEAD_H + this.rowY(s.r1) - sy;
    const selY2 = HEAD_H + this.rowY(s.r2 + 1) - sy;
    ctx.fillStyle = 'rgba(26,115,232,0.10)';
    ctx.fillRect(selX1, selY1, selX2 - selX1, selY2 - selY1);

    // cell fills and text
    const styleAt = this.editor.styleAt?.bind(this.editor);
    for (let r = 0; r < rows; r++) {
      const y = yOf(r);
      const rh = ys[r + 1] - y;
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const kind = kinds[i];
        const own = styleAt?.(top + r, left + c);
        const look = looks[i];
        // A matching rule wins over the cell's own style, as in Excel.
        const style = look
          ? {
              ...own,
              background: look.background ?? own?.background,
              color: look.color ?? own?.color,
              bold: look.bold || own?.bold,
              italic: look.italic || own?.italic,
            }
          : own;
        if (style?.background) {
          ctx.fillStyle = style.background;
          ctx.fillRect(xs[c], y, xs[c + 1] - xs[c], rh);
        }
        if (look?.bar) {
          ctx.globalAlpha = 0.65;
          ctx.fillStyle = look.bar.color;
          ctx.fillRect(xs[c] + 1, y + 2, Math.max(0, (xs[c + 1] - xs[c] - 2) * look.bar.length), rh - 4);
          ctx.globalAlpha = 1;
        }
        if (kind === 'e' || text[i] === '') continue;
        const cx = xs[c];
        const cw = xs[c + 1] - cx;
        let str = text[i];
        ctx.font = style?.bold || style?.italic ? `${style.italic ? 'italic ' : ''}${style.bold ? 'bold ' : ''}${FONT}` : FONT;
        ctx.fillStyle = style?.color ?? (kind === 'x' ? '#b3261e' : '#202124');
        const tw = ctx.measureText(str).width;
        if (kind === 'n' && tw > cw - 6) {
          str = '#'.repeat(Math.max(1, Math.floor((cw - 6) / ctx.measureText('#').width)));
        }
        const clipped = tw > cw - 6;
        if (clipped) {
          ctx.save();
          ctx.beginPath();
          ctx.rect(cx, y, cw, rh);
          ctx.clip();
        }
        const align = style?.align ?? (kind === 'n' ? 'right' : kind === 'b' || kind === 'x' ? 'center' : 'left');
        if (align === 'right') {
          ctx.textAlign = 'right';
          ctx.fillText(str, cx + cw - 4, y + rh / 2);
        } else if (align === 'center') {
          ctx.textAlign = 'center';
          ctx.fillText(str, cx + cw / 2, y + rh / 2);
        } else {
          ctx.textAlign = 'left';
          ctx.fillText(str, cx + 4, y + rh / 2);
        }
        if (clipped) ctx.restore();
      }
    }

    ctx.font = FONT;
    // grid lines
    ctx.strokeStyle = '#e3e3e3';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let r = 0; r <= rows; r++) {
      const y = Math.round(yOf(r)) + 0.5;
      ctx.moveTo(HEAD_W, y);
      ctx.lineTo(w, y);
    }
    for (const cx of xs) {
      const xx = Math.round(cx) + 0.5;
      ctx.moveTo(xx, HEAD_H);
      ctx.lineTo(xx, h);
    }
    ctx.stroke();

    // other users' selections and cursors
    for (const p of this.peers) {
      const r1 = Math.min(p.row, p.row2 ?? p.row);
      const r2 = Math.max(p.row, p.row2 ?? p.row);
      const c1 = Math.min(p.col, p.col2 ?? p.col);
      const c2 = Math.max(p.col, p.col2 ?? p.col);
      const px = HEAD_W + this.colX(c1) - sx;
      const py = HEAD_H + this.rowY(r1) - sy;
      const pw = this.colX(c2 + 1) - this.colX(c1);
      const ph = this.rowY(r2 + 1) - this.rowY(r1);
      ctx.strokeStyle = p.color;
      ctx.lineWidth = 2;
      ctx.strokeRect(px + 1, py + 1, pw - 2, ph - 2);
      ctx.fillStyle = p.color;
      ctx.font = '11px system-ui, sans-serif';
      const label = p.name;
      const lw = ctx.measureText(label).width + 8;
      ctx.fillRect(px, py - 14, lw, 14);
      ctx.fillStyle = '#fff';
      ctx.textAlign = 'left';
      ctx.fillText(label, px + 4, py - 7);
      ctx.font = FONT;
    }

    // own selection border and active cell
    ctx.strokeStyle = '#1a73e8';
    ctx.lineWidth = 1;
    ctx.strokeRect(selX1 + 0.5, selY1 + 0.5, selX2 - selX1 - 1, selY2 - selY1 - 1);
    const a = this.cellBox(this.sel.row, this.sel.col);
    ctx.lineWidth = 2;
    ctx.strokeRect(a.x + 1, a.y + 1, a.w - 2, a.h - 2);
    // the fill handle, and the range a fill drag would cover
    ctx.fillStyle = '#1a73e8';
    ctx.fillRect(selX2 - HANDLE / 2 - 1, selY2 - HANDLE / 2 - 1, HANDLE, HANDLE);
    if (this.fillTarget) {
      const t = this.fillTarget;
      const fx1 = HEAD_W + this.colX(t.c1) - sx;
      const fy1 = HEAD_H + this.rowY(t.r1) - sy;
      ctx.setLineDash([4, 3]);
      ctx.lineWidth = 1;
      ctx.strokeRect(fx1 + 0.5, fy1 + 0.5, this.colX(t.c2 + 1) - this.colX(t.c1) - 1, this.rowY(t.r2 + 1) - this.rowY(t.r1) - 1);
      ctx.setLineDash([]);
    }

    // frozen headers
    ctx.fillStyle = '#f3f3f3';
    ctx.fillRect(0, 0, w, HEAD_H);
    ctx.fillRect(0, 0, HEAD_W, h);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textAlign = 'center';
    for (let c = 0; c < cols; c++) {
      const col = left + c;
      if (col >= s.c1 && col <= s.c2) {
        ctx.fillStyle = '#d3e3fd';
        ctx.fillRect(xs[c], 0, xs[c + 1] - xs[c], HEAD_H);
      }
      ctx.fillStyle = '#444';
      ctx.fillText(columnName(col), (xs[c] + xs[c + 1]) / 2, HEAD_H / 2);
    }
    for (let r = 0; r < rows; r++) {
      const row = top + r;
      const y = yOf(r);
      if (row >= s.r1 && row <= s.r2) {
        ctx.fillStyle = '#d3e3fd';
        ctx.fillRect(0, y, HEAD_W, ys[r + 1] - y);
      }
      ctx.fillStyle = '#444';
      ctx.fillText(String(row + 1), HEAD_W / 2, y + (ys[r + 1] - y) / 2);
    }
    ctx.strokeStyle = '#c8c8c8';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const cx of xs) {
      const xx = Math.round(cx) + 0.5;
      ctx.moveTo(xx, 0);
      ctx.lineTo(xx, HEAD_H);
    }
    for (let r = 0; r <= rows; r++) {
      const y = Math.round(yOf(r)) + 0.5;
      ctx.moveTo(0, y);
      ctx.lineTo(HEAD_W, y);
    }
    ctx.moveTo(0, HEAD_H + 0.5);
    ctx.lineTo(w, HEAD_H + 0.5);
    ctx.moveTo(HEAD_W + 0.5, 0);
    ctx.lineTo(HEAD_W + 0.5, h);
    ctx.stroke();
    ctx.fillStyle = '#f3f3f3';
    ctx.fillRect(0, 0, HEAD_W, HEAD_H);
    ctx.font = FONT;

    if (this.editing) this.placeEditor();
    else if (this.formulaInput.ownerDocument.activeElement !== this.formulaInput) this.syncBars();
  }

  private normalized(): { r1: number; r2: number; c1: number; c2: number } {
    const s = this.sel;
    return {
      r1: Math.min(s.row, s.row2),
      r2: Math.max(s.row, s.row2),
      c1: Math.min(s.col, s.col2),
      c2: Math.max(s.col, s.col2),
    };
  }

  private scrollIntoView(row: number, col: number): void {
    const sc = this.scroller;
    const y = this.rowY(row);
    const rh = this.height(row);
    const viewH = sc.clientHeight - HEAD_H;
    if (y < sc.scrollTop) sc.scrollTop = y;
    else if (y + rh > sc.scrollTop + viewH) sc.scrollTop = y + rh - viewH;
    const x = this.colX(col);
    const viewW = sc.clientWidth - HEAD_W;
    if (x < sc.scrollLeft) sc.scrollLeft = x;
    else if (x + this.width(col) > sc.scrollLeft + viewW) sc.scrollLeft = x + this.width(col) - viewW;
  }

  private syncBars(): void {
    const s = this.normalized();
    const single = s.r1 === s.r2 && s.c1 === s.c2;
    this.nameBox.value = single
      ? cellName(this.sel.row, this.sel.col)
      : `${cellName(s.r1, s.c1)}:${cellName(s.r2, s.c2)}`;
    if (!this.editing) this.formulaInput.value = this.workbook.getInput(this.sel.row, this.sel.col);
    this.syncToolbar();
  }

  // ---- editing ----

  private placeEditor(): void {
    if (!this.editing) return;
    const b = this.cellBox(this.editing.row, this.editing.col);
    const st = this.editorInput.style;
    st.left = `${b.x}px`;
    st.top = `${b.y}px`;
    st.width = `${Math.max(b.w, 120)}px`;
    st.height = `${b.h + 1}px`;
  }

  /** Starts editing the active cell, with `initial` text (typing) or its content (F2). */
  startEdit(initial?: string): void {
    const { row, col } = this.sel;
    this.editing = { row, col, typed: initial !== undefined };
    this.editorInput.value = initial ?? this.workbook.getInput(row, col);
    this.editorInput.style.display = 'block';
    this.placeEditor();
    this.editorInput.focus();
    const end = this.editorInput.value.length;
    this.editorInput.setSelectionRange(end, end);
    this.formulaInput.value = this.editorInput.value;
  }

  private cancelEdit(): void {
    this.editing = null;
    this.editorInput.style.display = 'none';
    this.syncBars();
    this.scroller.focus();
  }

  /** Commits `text` to a cell; false (with the error shown) when the engine refuses it. */
  private commit(row: number, col: number, text: string): boolean {
    try {
      this.editor.setCells([{ row, col, input: text === '' ? null : text }]);
      this.showError('');
      return true;
    } catch (e) {
      if (!(e instanceof RuSheetError)) throw e;
      this.showError(e.message);
      return false;
    }
  }

  private finishEdit(dRow: number, dCol: number): void {
    if (!this.editing) return;
    const { row, col } = this.editing;
    if (!this.commit(row, col, this.editorInput.value)) return;
    this.editing = null;
    this.editorInput.style.display = 'none';
    this.scroller.focus();
    this.select(row + dRow, col + dCol);
  }

  private showError(message: string): void {
    this.status.textContent = message;
    if (message) this.options.onError?.(message);
  }

  /** The selected cells (whole rows/columns capped at 10,000 x 1,000). */
  selectedCells(): Array<[number, number]> {
    const s = this.normalized();
    const out: Array<[number, number]> = [];
    for (let r = s.r1; r <= Math.min(s.r2, s.r1 + 9999); r++) {
      for (let c = s.c1; c <= Math.min(s.c2, s.c1 + 999); c++) out.push([r, c]);
    }
    return out;
  }

  /** Ctrl+B / Ctrl+I: on when the active cell has it off, for the whole selection. */
  private toggle(prop: 'bold' | 'italic'): void {
    if (!this.editor.setStyle) return;
    const on = !this.editor.styleAt?.(this.sel.row, this.sel.col)?.[prop];
    this.editor.setStyle(this.selectedCells(), { [prop]: on ? true : undefined });
  }

  private clearSelection(): void {
    const s = this.normalized();
    const edits: CellEdit[] = [];
    // Whole rows/columns are capped: clearing a million empty cells would
    // only cost time.
    const r2 = Math.min(s.r2, s.r1 + 9999);
    const c2 = Math.min(s.c2, s.c1 + 999);
    const rows = r2 - s.r1 + 1;
    const cols = c2 - s.c1 + 1;
    const view = this.workbook.getViewport(s.r1, s.c1, rows, cols).split(SEP);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        if ((view[r * cols + c] ?? 'e')[0] !== 'e') edits.push({ row: s.r1 + r, col: s.c1 + c, input: null });
      }
    }
    this.editor.setCells(edits);
    this.syncBars();
  }

  /** The selection as TSV (displayed values) and as an HTML table. */
  copySelection(): { tsv: string; html: string } {
    const s = this.normalized();
    const rows = Math.min(s.r2 - s.r1 + 1, 10000);
    const cols = Math.min(s.c2 - s.c1 + 1, 1000);
    const view = this.workbook.getViewport(s.r1, s.c1, rows, cols).split(SEP);
    const lines: string[] = [];
    const trs: string[] = [];
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    for (let r = 0; r < rows; r++) {
      const cells = view.slice(r * cols, (r + 1) * cols).map((p) => p.slice(1));
      lines.push(cells.join('\t'));
      trs.push(`<tr>${cells.map((t) => `<td>${esc(t)}</td>`).join('')}</tr>`);
    }
    return { tsv: lines.join('\n'), html: `<table>${trs.join('')}</table>` };
  }

  /** Pastes TSV text (or an HTML table) at the active cell as one undo step. */
  paste(text: string, html?: string): void {
    let rows: string[][];
    if (text) {
      rows = text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n').map((l) => l.split('\t'));
    } else if (html) {
      const doc = new DOMParser().parseFromString(html, 'text/html');
      rows = [...doc.querySelectorAll('tr')].map((tr) => [...tr.querySelectorAll('td,th')].map((td) => td.textContent ?? ''));
    } else {
      return;
    }
    const edits: CellEdit[] = [];
    rows.forEach((line, i) =>
      line.forEach((v, j) => {
        const row = this.sel.row + i;
        const col = this.sel.col + j;
        if (row < MAX_ROWS && col < MAX_COLS) edits.push({ row, col, input: v === '' ? null : v });
      }),
    );
    try {
      this.editor.setCells(edits);
      this.showError('');
    } catch (e) {
      if (!(e instanceof RuSheetError)) throw e;
      this.showError(e.message);
    }
    const h = rows.length;
    const w = Math.max(...rows.map((r) => r.length));
    this.select(this.sel.row, this.sel.col, this.sel.row + h - 1, this.sel.col + w - 1);
  }

  // ---- events ----

  private bind(): void {
    const sc = this.scroller;
    sc.addEventListener('scroll', () => this.invalidate(), { passive: true });
    sc.addEventListener('mousedown', (e) => this.onMouseDown(e));
    sc.addEventListener('mousemove', (e) => this.onMouseMove(e));
    sc.ownerDocument.addEventListener('mouseup', () => this.onMouseUp());
    sc.addEventListener('dblclick', (e) => {
      const hit = this.hit(e.clientX, e.clientY);
      if (hit.zone === 'cell') this.startEdit();
    });
    sc.addEventListener('keydown', (e) => this.onKey(e));
    sc.addEventListener('copy', (e) => {
      const { tsv, html } = this.copySelection();
      e.clipboardData?.setData('text/plain', tsv);
      e.clipboardData?.setData('text/html', html);
      e.preventDefault();
    });
    sc.addEventListener('paste', (e) => {
      e.preventDefault();
      this.paste(e.clipboardData?.getData('text/plain') ?? '', e.clipboardData?.getData('text/html'));
    });
    this.editorInput.addEventListener('keydown', (e) => this.onEditorKey(e));
    this.editorInput.addEventListener('input', () => {
      this.formulaInput.value = this.editorInput.value;
    });
    this.formulaInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        if (this.commit(this.sel.row, this.sel.col, this.formulaInput.value)) {
          this.editing = null;
          this.editorInput.style.display = 'none';
          this.scroller.focus();
          this.select(this.sel.row + 1, this.sel.col);
        }
      } else if (e.key === 'Escape') {
        this.cancelEdit();
      }
    });
    this.nameBox.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      const [a, b] = this.nameBox.value.split(':');
      const p = parseCellName(a);
      const q = b ? parseCellName(b) : p;
      if (p && q) {
        this.select(p[0], p[1], q[0], q[1]);
        this.scroller.focus();
      } else {
        this.showError(`${this.nameBox.value} is not a cell reference`);
      }
    });
  }

  private onMouseDown(e: MouseEvent): void {
    const hit = this.hit(e.clientX, e.clientY);
    if (this.editing) this.finishEdit(0, 0);
    if (this.onFillHandle(e.clientX, e.clientY)) {
      this.dragging = 'fill';
      this.fillTarget = null;
      e.preventDefault();
      return;
    }
    const edge = this.resizeEdge(e.clientX, e.clientY, hit);
    if (edge) {
      const size = edge.axis === 'col' ? this.width(edge.index) : this.height(edge.index);
      this.resizing = { ...edge, start: edge.axis === 'col' ? e.clientX : e.clientY, startSize: size };
      e.preventDefault();
      return;
    }
    if (hit.zone === 'col') {
      if (e.shiftKey) this.select(this.sel.row, this.sel.col, MAX_ROWS - 1, hit.col);
      else this.select(0, hit.col, MAX_ROWS - 1, hit.col);
      this.dragging = 'cols';
    } else if (hit.zone === 'row') {
      if (e.shiftKey) this.select(this.sel.row, this.sel.col, hit.row, MAX_COLS - 1);
      else this.select(hit.row, 0, hit.row, MAX_COLS - 1);
      this.dragging = 'rows';
    } else if (hit.zone === 'corner') {
      this.select(0, 0, MAX_ROWS - 1, MAX_COLS - 1);
    } else {
      if (e.shiftKey) this.select(this.sel.row, this.sel.col, hit.row, hit.col);
      else this.select(hit.row, hit.col);
      this.dragging = 'cells';
    }
    this.scroller.focus();
    e.preventDefault();
  }

  private onMouseMove(e: MouseEvent): void {
    const rz = this.resizing;
    if (rz) {
      // Only this screen while dragging; the size is shared on release.
      const now = rz.axis === 'col' ? e.clientX : e.clientY;
      this.resizeLocal(rz.axis, rz.index, rz.startSize + now - rz.start);
      return;
    }
    const hit = this.hit(e.clientX, e.clientY);
    if (this.dragging === 'fill') {
      if ((e.buttons & 1) !== 0) this.setFillTarget(hit.row, hit.col);
      return;
    }
    const edge = this.resizeEdge(e.clientX, e.clientY, hit);
    if (edge) this.scroller.style.cursor = edge.axis === 'col' ? 'col-resize' : 'row-resize';
    else if (this.onFillHandle(e.clientX, e.clientY)) this.scroller.style.cursor = 'crosshair';
    else this.scroller.style.cursor = hit.zone === 'cell' ? 'cell' : 'default';
    if (!this.dragging || (e.buttons & 1) === 0) return;
    if (this.dragging === 'cells') this.select(this.sel.row, this.sel.col, hit.row, hit.col);
    else if (this.dragging === 'cols') this.select(this.sel.row, this.sel.col, MAX_ROWS - 1, hit.col);
    else this.select(this.sel.row, this.sel.col, hit.row, MAX_COLS - 1);
  }

  private onMouseUp(): void {
    const rz = this.resizing;
    if (rz) {
      const size = rz.axis === 'col' ? this.width(rz.index) : this.height(rz.index);
      if (rz.axis === 'col') this.editor.setColumnWidth?.(rz.index, size === COL_W ? null : size);
      else this.editor.setRowHeight?.(rz.index, size === ROW_H ? null : size);
    }
    if (this.dragging === 'fill' && this.fillTarget) {
      const t = this.fillTarget;
      this.fillTarget = null;
      this.fill(t.r2 === this.normalized().r2 ? t.r1 : t.r2, t.c2 === this.normalized().c2 ? t.c1 : t.c2);
    }
    this.fillTarget = null;
    this.dragging = null;
    this.resizing = null;
    this.invalidate();
  }

  /** The header edge under the pointer (within 4 px): which column or row it resizes. */
  private resizeEdge(
    clientX: number,
    clientY: number,
    hit: { row: number; col: number; zone: string },
  ): { axis: 'col' | 'row'; index: number } | null {
    const rect = this.scroller.getBoundingClientRect();
    if (hit.zone === 'col') {
      const x = clientX - rect.left - HEAD_W + this.scroller.scrollLeft;
      if (Math.abs(x - this.colX(hit.col + 1)) <= 4) return { axis: 'col', index: hit.col };
      if (hit.col > 0 && Math.abs(x - this.colX(hit.col)) <= 4) return { axis: 'col', index: hit.col - 1 };
    } else if (hit.zone === 'row') {
      const y = clientY - rect.top - HEAD_H + this.scroller.scrollTop;
      if (Math.abs(y - this.rowY(hit.row + 1)) <= 3) return { axis: 'row', index: hit.row };
      if (hit.row > 0 && Math.abs(y - this.rowY(hit.row)) <= 3) return { axis: 'row', index: hit.row - 1 };
    }
    return null;
  }

  /** Whether a point (client coordinates) is on the fill handle. */
  private onFillHandle(clientX: number, clientY: number): boolean {
    const s = this.normalized();
    if (s.r2 >= MAX_ROWS - 1 && s.c2 >= MAX_COLS - 1) return false;
    const rect = this.scroller.getBoundingClientRect();
    const x = clientX - rect.left - (HEAD_W + this.colX(s.c2 + 1) - this.scroller.scrollLeft);
    const y = clientY - rect.top - (HEAD_H + this.rowY(s.r2 + 1) - this.scroller.scrollTop);
    return Math.abs(x) <= HANDLE && Math.abs(y) <= HANDLE;
  }

  /** The range a fill drag to (row, col) covers: the selection grown along one axis. */
  private setFillTarget(row: number, col: number): void {
    const s = this.normalized();
    let t = { r1: s.r1, c1: s.c1, r2: s.r2, c2: s.c2 };
    const down = row - s.r2;
    const up = s.r1 - row;
    const right = col - s.c2;
    const left = s.c1 - col;
    const most = Math.max(down, up, right, left);
    if (most <= 0) t = { ...t };
    else if (most === down) t.r2 = row;
    else if (most === up) t.r1 = row;
    else if (most === right) t.c2 = col;
    else t.c1 = col;
    this.fillTarget = most > 0 ? t : null;
    this.invalidate();
  }

  /**
   * Fills from the selection to row `row` (when it lies above or below the
   * selection) or to column `col` (left or right), as Excel's fill handle:
   * numbers continue their linear series (one number is copied), text ending
   * in a number counts on, formulas are copied with their relative
   * references moved, anything else is repeated. One undo step; the
   * selection grows over the filled cells.
   */
  fill(row: number, col: number): void {
    const s = this.normalized();
    let vertical: boolean;
    let from: number;
    let to: number;
    if (row > s.r2 || row < s.r1) {
      vertical = true;
      [from, to] = row > s.r2 ? [s.r2 + 1, row] : [row, s.r1 - 1];
    } else if (col > s.c2 || col < s.c1) {
      vertical = false;
      [from, to] = col > s.c2 ? [s.c2 + 1, col] : [col, s.c1 - 1];
    } else {
      return;
    }
    const limit = vertical ? MAX_ROWS : MAX_COLS;
    from = Math.max(0, from);
    to = Math.min(limit - 1, to);
    const lanes = vertical ? [s.c1, Math.min(s.c2, s.c1 + 999)] : [s.r1, Math.min(s.r2, s.r1 + 9999)];
    const [lo, hi] = vertical ? [s.r1, s.r2] : [s.c1, s.c2];
    const n = Math.min(hi - lo + 1, 10000);
    const edits: CellEdit[] = [];
    // Target cell -> the source cell whose style and number format it takes.
    const looks: Array<{ to: [number, number]; from: [number, number] }> = [];
    for (let lane = lanes[0]; lane <= lanes[1]; lane++) {
      const at = (k: number): [number, number] => (vertical ? [k, lane] : [lane, k]);
      const inputs: string[] = [];
      for (let k = 0; k < n; k++) inputs.push(this.workbook.getInput(...at(lo + k)));
      const series = fillSeries(inputs);
      for (let k = from; k <= to; k++) {
        // Cells past (or before) the source's first cell, and the source cell it repeats.
        const off = k - lo;
        const idx = ((off % n) + n) % n;
        const src = lo + idx;
        const source = inputs[idx];
        let input: string | null;
        if (source === '') input = null;
        else if (source.startsWith('=')) {
          const [r0, c0] = at(src);
          const [r1, c1] = at(k);
          input = this.workbook.translateFormula(source, r1 - r0, c1 - c0);
        } else {
          input = series(off, idx);
        }
        const [r, c] = at(k);
        edits.push({ row: r, col: c, input });
        looks.push({ to: [r, c], from: at(src) });
      }
    }
    try {
      const write = () => {
        this.editor.setCells(edits);
        this.copyLooks(looks);
      };
      if (this.editor.batch) this.editor.batch(write);
      else write();
      this.showError('');
    } catch (e) {
      if (!(e instanceof RuSheetError)) throw e;
      this.showError(e.message);
      return;
    }
    const r1 = vertical ? Math.min(s.r1, from) : s.r1;
    const r2 = vertical ? Math.max(s.r2, to) : s.r2;
    const c1 = vertical ? s.c1 : Math.min(s.c1, from);
    const c2 = vertical ? s.c2 : Math.max(s.c2, to);
    this.select(r1, c1, r2, c2);
  }

  /** Gives each target cell its source's style and number format (Excel's fill copies them). */
  private copyLooks(looks: Array<{ to: [number, number]; from: [number, number] }>): void {
    const { styleAt, setStyle, formatAt, setFormat } = this.editor;
    if (styleAt && setStyle) {
      const clear: CellStyle = { bold: undefined, italic: undefined, color: undefined, background: undefined, align: undefined };
      for (const { to, from } of looks) {
        const style = styleAt.call(this.editor, from[0], from[1]);
        const current = styleAt.call(this.editor, to[0], to[1]);
        if (style || current) setStyle.call(this.editor, [to], { ...clear, ...style });
      }
    }
    if (formatAt && setFormat) {
      for (const { to, from } of looks) {
        const format = formatAt.call(this.editor, from[0], from[1]) ?? null;
        if (format !== (formatAt.call(this.editor, to[0], to[1]) ?? null)) setFormat.call(this.editor, [to], format);
      }
    }
  }

  // ---- toolbar ----

  private buildToolbar(doc: Document): HTMLDivElement {
    const bar = doc.createElement('div');
    bar.className = 'rusheet-toolbar';
    bar.setAttribute('role', 'toolbar');
    bar.style.cssText = 'display:flex;gap:2px;align-items:center;padding:3px;background:#f6f8fa;border-bottom:1px solid #d0d7de';
    const button = (label: string, text: string, css: string, action: () => void) => {
      const b = doc.createElement('button');
      b.type = 'button';
      b.textContent = text;
      b.title = label;
      b.setAttribute('aria-label', label);
      b.dataset.action = label;
      b.style.cssText = `min-width:26px;height:24px;font:inherit;${css}`;
      // mousedown would take the focus away from the grid.
      b.addEventListener('mousedown', (e) => e.preventDefault());
      b.addEventListener('click', () => {
        action();
        this.scroller.focus();
      });
      bar.append(b);
      return b;
    };
    button('Bold', 'B', 'font-weight:bold', () => this.toggle('bold'));
    button('Italic', 'I', 'font-style:italic', () => this.toggle('italic'));
    button('Align left', '⇤', '', () => this.applyStyle({ align: 'left' }));
    button('Align center', '↔', '', () => this.applyStyle({ align: 'center' }));
    button('Align right', '⇥', '', () => this.applyStyle({ align: 'right' }));
    const colour = (label: string, prop: 'color' | 'background', initial: string) => {
      const input = doc.createElement('input');
      input.type = 'color';
      input.value = initial;
      input.title = label;
      input.setAttribute('aria-label', label);
      input.style.cssText = 'width:30px;height:24px;padding:0;border:1px solid #ccc';
      input.addEventListener('change', () => this.applyStyle({ [prop]: input.value }));
      bar.append(input);
    };
    colour('Text colour', 'color', '#202124');
    colour('Fill colour', 'background', '#fff2cc');
    button('Clear style', '⌫', '', () =>
      this.applyStyle({ bold: undefined, italic: undefined, color: undefined, background: undefined, align: undefined }),
    );
    const select = doc.createElement('select');
    select.className = 'rusheet-number-format';
    select.title = 'Number format';
    select.setAttribute('aria-label', 'Number format');
    select.style.cssText = 'height:24px;font:inherit';
    for (const [label, code] of NUMBER_FORMATS) {
      const opt = doc.createElement('option');
      opt.value = code ?? '';
      opt.textContent = code ? `${label} (${code})` : label;
      select.append(opt);
    }
    select.addEventListener('change', () => {
      this.applyFormat(select.value === '' ? null : select.value);
      this.scroller.focus();
    });
    bar.append(select);
    return bar;
  }

  /** Shows the active cell's style and number format on the toolbar. */
  private syncToolbar(): void {
    if (!this.toolbar) return;
    const style = this.editor.styleAt?.(this.sel.row, this.sel.col);
    for (const b of this.toolbar.querySelectorAll('button')) {
      const on =
        (b.dataset.action === 'Bold' && !!style?.bold) ||
        (b.dataset.action === 'Italic' && !!style?.italic) ||
        (b.dataset.action === `Align ${style?.align}`);
      b.setAttribute('aria-pressed', String(on));
      b.style.background = on ? '#d3e3fd' : '';
    }
    const select = this.toolbar.querySelector('select');
    if (select) {
      const format = this.editor.formatAt?.(this.sel.row, this.sel.col) ?? '';
      if (![...select.options].some((o) => o.value === format)) {
        const opt = select.ownerDocument.createElement('option');
        opt.value = format;
        opt.textContent = format;
        select.append(opt);
      }
      select.value = format;
    }
  }

  /** Merges a style into every selected cell (one undo step). */
  applyStyle(patch: CellStyle): void {
    if (!this.editor.setStyle) {
      this.showError('this sheet keeps no styles');
      return;
    }
    this.editor.setStyle(this.selectedCells(), patch);
    this.syncToolbar();
  }

  /** Sets the number format of every selected cell (one undo step); null is General. */
  applyFormat(format: string | null): void {
    if (!this.editor.setFormat) {
      this.showError('this sheet keeps no number formats');
      return;
    }
    try {
      this.editor.setFormat(this.selectedCells(), format);
      this.showError('');
    } catch (e) {
      if (!(e instanceof RuSheetError)) throw e;
      this.showError(e.message);
    }
    this.syncToolbar();
  }

  private pageRows(): number {
    return Math.max(1, Math.floor((this.scroller.clientHeight - HEAD_H) / ROW_H) - 1);
  }

  private onKey(e: KeyboardEvent): void {
    const mod = e.ctrlKey || e.metaKey;
    const s = this.sel;
    const move = (dr: number, dc: number) => {
      if (e.shiftKey) this.select(s.row, s.col, s.row2 + dr, s.col2 + dc);
      else this.select(s.row + dr, s.col + dc);
    };
    if (mod && (e.key === 'z' || e.key === 'Z')) {
      if (e.shiftKey) this.editor.redo();
      else this.editor.undo();
      this.syncBars();
    } else if (mod && (e.key === 'y' || e.key === 'Y')) {
      this.editor.redo();
      this.syncBars();
    } else if (mod && (e.key === 'b' || e.key === 'B')) {
      this.toggle('bold');
    } else if (mod && (e.key === 'i' || e.key === 'I')) {
      this.toggle('italic');
    } else if (mod && (e.key === 'a' || e.key === 'A')) {
      this.select(0, 0, MAX_ROWS - 1, MAX_COLS - 1);
    } else if (mod && e.key === 'Home') {
      this.select(0, 0);
    } else if (mod && (e.key === '+' || (e.shiftKey && e.key === '='))) {
      this.structure(true);
    } else if (mod && e.key === '-') {
      this.structure(false);
    } else if (mod) {
      return; // Ctrl+C / Ctrl+V reach the copy and paste events
    } else if (e.key === 'ArrowDown') move(1, 0);
    else if (e.key === 'ArrowUp') move(-1, 0);
    else if (e.key === 'ArrowRight') move(0, 1);
    else if (e.key === 'ArrowLeft') move(0, -1);
    else if (e.key === 'PageDown') move(this.pageRows(), 0);
    else if (e.key === 'PageUp') move(-this.pageRows(), 0);
    else if (e.key === 'Home') this.select(s.row, 0);
    else if (e.key === 'Enter') this.select(s.row + (e.shiftKey ? -1 : 1), s.col);
    else if (e.key === 'Tab') this.select(s.row, s.col + (e.shiftKey ? -1 : 1));
    else if (e.key === 'F2') this.startEdit();
    else if (e.key === 'Delete' || e.key === 'Backspace') this.clearSelection();
    else if (e.key.length === 1 && !e.altKey) this.startEdit(e.key);
    else return;
    e.preventDefault();
  }

  /**
   * Ctrl+Shift+= inserts as many rows as are selected, above them; Ctrl+-
   * deletes them. With whole columns selected (click a column header), the
   * same for columns. Needs an editor that shares structure edits (`CollabSheet`).
   */
  private structure(insert: boolean): void {
    const s = this.sel;
    const [r1, r2] = [Math.min(s.row, s.row2), Math.max(s.row, s.row2)];
    const [c1, c2] = [Math.min(s.col, s.col2), Math.max(s.col, s.col2)];
    const ed = this.editor;
    const columns = r1 === 0 && r2 === MAX_ROWS - 1 && !(c1 === 0 && c2 === MAX_COLS - 1);
    try {
      if (columns) (insert ? ed.insertColumns : ed.deleteColumns)?.call(ed, c1, c2 - c1 + 1);
      else (insert ? ed.insertRows : ed.deleteRows)?.call(ed, r1, r2 - r1 + 1);
    } catch (err) {
      // Too many rows at once (the whole sheet selected): nothing happens.
      if (!(err instanceof RuSheetError)) throw err;
    }
    this.syncBars();
  }

  private onEditorKey(e: KeyboardEvent): void {
    const typed = this.editing?.typed ?? false;
    if (e.key === 'Enter') this.finishEdit(e.shiftKey ? -1 : 1, 0);
    else if (e.key === 'Tab') this.finishEdit(0, e.shiftKey ? -1 : 1);
    else if (e.key === 'Escape') this.cancelEdit();
    // Arrows leave the cell when the edit began by typing (Excel's Enter
    // mode); after F2 they move inside the text.
    else if (typed && e.key === 'ArrowDown') this.finishEdit(1, 0);
    else if (typed && e.key === 'ArrowUp') this.finishEdit(-1, 0);
    else if (typed && e.key === 'ArrowRight') this.finishEdit(0, 1);
    else if (typed && e.key === 'ArrowLeft') this.finishEdit(0, -1);
    else return;
    e.preventDefault();
  }
}
