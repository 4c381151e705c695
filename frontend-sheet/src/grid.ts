/**
 * The canvas grid: draws the visible part of a rusheet workbook and turns
 * mouse and keyboard into edits, the way Excel does.
 *
 * - Virtual scrolling over all 1,048,576 rows: a transparent scroller holds
 *   a spacer as large as the sheet; each frame reads only the visible cells,
 *   in one WebAssembly call (`Workbook.getViewport`), and draws them.
 * - Frozen row and column headers, column resize by dragging a header edge.
 * - Selection of cells, ranges, whole rows and columns (click, drag,
 *   Shift+click, Shift+arrows, header clicks).
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
}

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
const HEAD_W = 56;
const HEAD_H = 24;
const FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const SEP = '\u001f';

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
  private widths = new Map<number, number>();
  private sel: Selection = { row: 0, col: 0, row2: 0, col2: 0 };
  private editing: { row: number; col: number; typed: boolean } | null = null;
  private peers: Peer[] = [];
  private pending = 0;
  private dragging: 'cells' | 'rows' | 'cols' | null = null;
  private resizing: { col: number; startX: number; startW: number } | null = null;
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
    this.root.append(bar, body, this.status);
    host.append(this.root);
    const ctx = this.canvas.getContext('2d');
    if (!ctx) throw new RuSheetError('this browser has no 2D canvas');
    this.ctx = ctx;
    this.sizeSpacer();
    this.bind();
    const offChange = workbook.onChange(() => this.invalidate());
    const offStyle = editor.onStyleChange?.(() => this.invalidate());
    this.unsubscribe = () => {
      offChange();
      offStyle?.();
    };
    new ResizeObserver(() => this.invalidate()).observe(body);
    this.syncBars();
    this.invalidate();
  }

  // ---- geometry ----

  private width(col: number): number {
    return this.widths.get(col) ?? COL_W;
  }

  /** x of a column's left edge in sheet coordinates (without headers). */
  colX(col: number): number {
    let x = col * COL_W;
    for (const [c, w] of this.widths) if (c < col) x += w - COL_W;
    return x;
  }

  private colAt(x: number): number {
    let col = Math.floor(x / COL_W);
    // Custom widths shift columns; walk to the right one.
    while (col > 0 && this.colX(col) > x) col--;
    while (col < MAX_COLS - 1 && this.colX(col + 1) <= x) col++;
    return Math.max(0, Math.min(MAX_COLS - 1, col));
  }

  private sizeSpacer(): void {
    this.spacer.style.width = `${HEAD_W + this.colX(MAX_COLS)}px`;
    this.spacer.style.height = `${HEAD_H + MAX_ROWS * ROW_H}px`;
  }

  /** The cell under a point of the scroller (client coordinates), or a header. */
  private hit(clientX: number, clientY: number): { row: number; col: number; zone: 'cell' | 'row' | 'col' | 'corner' } {
    const rect = this.scroller.getBoundingClientRect();
    const x = clientX - rect.left;
    const y = clientY - rect.top;
    const row = Math.max(0, Math.min(MAX_ROWS - 1, Math.floor((y - HEAD_H + this.scroller.scrollTop) / ROW_H)));
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
      y: HEAD_H + row * ROW_H - this.scroller.scrollTop,
      w: this.width(col),
      h: ROW_H,
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

  setColumnWidth(col: number, width: number): void {
    const w = Math.max(24, Math.min(1000, Math.round(width)));
    if (w === COL_W) this.widths.delete(col);
    else this.widths.set(col, w);
    this.sizeSpacer();
    this.invalidate();
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
    const top = Math.min(MAX_ROWS - 1, Math.floor(sy / ROW_H));
    const rows = Math.max(1, Math.min(MAX_ROWS - top, Math.ceil((h - HEAD_H) / ROW_H) + 1));
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
    const yOf = (r: number) => HEAD_H + (top + r) * ROW_H - sy;

    // selection fill
    const s = this.normalized();
    const selX1 = HEAD_W + this.colX(s.c1) - sx;
    const selX2 = HEAD_W + this.colX(s.c2 + 1) - sx;
    const selY1 = HEAD_H + s.r1 * ROW_H - sy;
    const selY2 = HEAD_H + (s.r2 + 1) * ROW_H - sy;
    ctx.fillStyle = 'rgba(26,115,232,0.10)';
    ctx.fillRect(selX1, selY1, selX2 - selX1, selY2 - selY1);

    // cell fills and text
    const styleAt = this.editor.styleAt?.bind(this.editor);
    for (let r = 0; r < rows; r++) {
      const y = yOf(r);
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const kind = kinds[i];
        const style = styleAt?.(top + r, left + c);
        if (style?.background) {
          ctx.fillStyle = style.background;
          ctx.fillRect(xs[c], y, xs[c + 1] - xs[c], ROW_H);
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
          ctx.rect(cx, y, cw, ROW_H);
          ctx.clip();
        }
        const align = style?.align ?? (kind === 'n' ? 'right' : kind === 'b' || kind === 'x' ? 'center' : 'left');
        if (align === 'right') {
          ctx.textAlign = 'right';
          ctx.fillText(str, cx + cw - 4, y + ROW_H / 2);
        } else if (align === 'center') {
          ctx.textAlign = 'center';
          ctx.fillText(str, cx + cw / 2, y + ROW_H / 2);
        } else {
          ctx.textAlign = 'left';
          ctx.fillText(str, cx + 4, y + ROW_H / 2);
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
      const py = HEAD_H + r1 * ROW_H - sy;
      const pw = this.colX(c2 + 1) - this.colX(c1);
      const ph = (r2 - r1 + 1) * ROW_H;
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
        ctx.fillRect(0, y, HEAD_W, ROW_H);
      }
      ctx.fillStyle = '#444';
      ctx.fillText(String(row + 1), HEAD_W / 2, y + ROW_H / 2);
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
    const y = row * ROW_H;
    const viewH = sc.clientHeight - HEAD_H;
    if (y < sc.scrollTop) sc.scrollTop = y;
    else if (y + ROW_H > sc.scrollTop + viewH) sc.scrollTop = y + ROW_H - viewH;
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
    sc.ownerDocument.addEventListener('mouseup', () => {
      this.dragging = null;
      this.resizing = null;
    });
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
    if (hit.zone === 'col') {
      // Near a column's right edge: resize instead of select.
      const rect = this.scroller.getBoundingClientRect();
      const x = e.clientX - rect.left - HEAD_W + this.scroller.scrollLeft;
      const edge = this.colX(hit.col + 1);
      const prevEdge = this.colX(hit.col);
      if (Math.abs(x - edge) <= 4 || (hit.col > 0 && Math.abs(x - prevEdge) <= 4)) {
        const col = Math.abs(x - edge) <= 4 ? hit.col : hit.col - 1;
        this.resizing = { col, startX: e.clientX, startW: this.width(col) };
        e.preventDefault();
        return;
      }
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
    if (this.resizing) {
      this.setColumnWidth(this.resizing.col, this.resizing.startW + e.clientX - this.resizing.startX);
      return;
    }
    const hit = this.hit(e.clientX, e.clientY);
    if (hit.zone === 'col') {
      const rect = this.scroller.getBoundingClientRect();
      const x = e.clientX - rect.left - HEAD_W + this.scroller.scrollLeft;
      const near = Math.abs(x - this.colX(hit.col + 1)) <= 4 || Math.abs(x - this.colX(hit.col)) <= 4;
      this.scroller.style.cursor = near ? 'col-resize' : 'default';
    } else {
      this.scroller.style.cursor = 'cell';
    }
    if (!this.dragging || (e.buttons & 1) === 0) return;
    if (this.dragging === 'cells') this.select(this.sel.row, this.sel.col, hit.row, hit.col);
    else if (this.dragging === 'cols') this.select(this.sel.row, this.sel.col, MAX_ROWS - 1, hit.col);
    else this.select(this.sel.row, this.sel.col, hit.row, MAX_COLS - 1);
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
