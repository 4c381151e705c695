/**
 * A rusheet workbook bound to a Yjs document, so several people edit one
 * sheet: every edit is written to the shared `Y.Map` named `cells` (key
 * `"row:col"`, zero-based; value what the user typed, e.g. `"=A1*2"`), and
 * every change of that map, local or remote, is applied to the engine, which
 * recalculates. Undo/redo go through a `Y.UndoManager` that only undoes this
 * user's own edits.
 *
 * Rows and columns can be inserted and deleted by anyone, also at the same
 * time: rows and columns have ids (see `axis.ts`), the keys of the shared
 * maps are `"rowId:colId"` (plain `"row:col"` numbers until the first
 * structure edit), and formulas and conditional-format rules keep their
 * references as ids. Every peer therefore moves the same cells, formulas,
 * styles, formats, sizes and rules the same way, and ends identical.
 *
 * ```ts
 * const doc = new Y.Doc();
 * new WebsocketProvider('ws://127.0.0.1:1234', 'budget', doc);
 * const sheet = new CollabSheet(rusheet.create(), doc);
 * sheet.setCells([{ row: 0, col: 0, input: '42' }]);
 * ```
 */
import * as Y from 'yjs';

import { Axis, MAX_COLS, MAX_ROWS, fromShared, toShared, type AxisEntry } from './axis.js';
import { RuSheetError, type CellInput, type ConditionalRule, type Workbook } from './index.js';

export { columnName } from './axis.js';

/** One cell edit: `input` is what the user typed; null clears the cell. */
export interface CellEdit {
  row: number;
  col: number;
  input: string | null;
}

/** How a cell looks (shared in the `styles` map). */
export interface CellStyle {
  bold?: boolean;
  italic?: boolean;
  /** Text colour, a CSS colour. */
  color?: string;
  /** Fill colour, a CSS colour. */
  background?: string;
  align?: 'left' | 'center' | 'right';
}

export const CELLS_MAP = 'cells';
export const STYLES_MAP = 'styles';
export const FORMATS_MAP = 'formats';
/** Column widths (`c:<col>`) and row heights (`r:<row>`) in pixels. */
export const LAYOUT_MAP = 'layout';
/** The conditional formats, in priority order (a `Y.Array` of `ConditionalRule`). */
export const CONDITIONAL_ARRAY = 'conditional';
/** Row and column inserts and deletes (see `axis.ts`). */
export const ROWS_MAP = 'rows';
export const COLUMNS_MAP = 'columns';

/** Most rows or columns one insert or delete may name (each deleted one is an entry of the document). */
export const MAX_STRUCTURE_COUNT = 100_000;

export function cellKey(row: number, col: number): string {
  return `${row}:${col}`;
}

export function parseKey(key: string): [number, number] | null {
  const m = /^(\d+):(\d+)$/.exec(key);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** A rule with every reference (range, formula, `=` values) passed through `f`. */
function mapRule(rule: ConditionalRule, f: (text: string) => string): ConditionalRule {
  const out = { ...rule, range: f(rule.range) } as ConditionalRule;
  if (out.type === 'formula') out.formula = f(out.formula);
  if (out.type === 'cellValue') out.values = out.values.map((v) => (String(v).startsWith('=') ? f(String(v)) : v));
  return out;
}

/** The engine's view of one shared document. */
export class CollabSheet {
  readonly cells: Y.Map<CellInput>;
  /** `"row:col"` -> CellStyle. */
  readonly styles: Y.Map<CellStyle>;
  /** `"row:col"` -> number format such as `0.00%`. */
  readonly formats: Y.Map<string>;
  /** `c:<col>` -> column width, `r:<row>` -> row height, in pixels (shared, like the cells). */
  readonly layout: Y.Map<number>;
  /** Conditional formats, first rule first; the engine evaluates them. */
  readonly conditional: Y.Array<ConditionalRule>;
  /** Row and column inserts/deletes; `rowAxis`/`columnAxis` give positions and ids. */
  readonly rows: Y.Map<AxisEntry>;
  readonly columns: Y.Map<AxisEntry>;
  readonly rowAxis: Axis;
  readonly columnAxis: Axis;
  readonly undoManager: Y.UndoManager;
  /** What the engine was given from `cells`: `"row:col"` position -> input. */
  private applied = new Map<string, CellInput>();
  private appliedFormats = new Map<string, string>();
  private structureChanged = false;
  private readonly beforeObservers: (tr: Y.Transaction) => void;
  private readonly afterTransaction: (tr: Y.Transaction) => void;
  private readonly observer: (event: Y.YMapEvent<CellInput>) => void;
  private readonly formatObserver: (event: Y.YMapEvent<string>) => void;
  private readonly styleListeners = new Set<() => void>();
  private readonly styleObserver = () => this.styleListeners.forEach((f) => f());
  private readonly layoutListeners = new Set<() => void>();
  private readonly layoutObserver = () => this.layoutListeners.forEach((f) => f());
  private readonly conditionalObserver = () => {
    this.applyConditional();
    this.styleListeners.forEach((f) => f());
  };

  constructor(
    readonly workbook: Workbook,
    readonly doc: Y.Doc,
  ) {
    this.cells = doc.getMap<CellInput>(CELLS_MAP);
    this.styles = doc.getMap<CellStyle>(STYLES_MAP);
    this.formats = doc.getMap<string>(FORMATS_MAP);
    this.layout = doc.getMap<number>(LAYOUT_MAP);
    this.conditional = doc.getArray<ConditionalRule>(CONDITIONAL_ARRAY);
    this.rows = doc.getMap<AxisEntry>(ROWS_MAP);
    this.columns = doc.getMap<AxisEntry>(COLUMNS_MAP);
    this.rowAxis = new Axis(this.rows, MAX_ROWS);
    this.columnAxis = new Axis(this.columns, MAX_COLS);
    // captureTimeout 0: every commit is its own undo step, as in Excel.
    this.undoManager = new Y.UndoManager(
      [this.cells, this.styles, this.formats, this.layout, this.conditional, this.rows, this.columns],
      { trackedOrigins: new Set([this]), captureTimeout: 0 },
    );
    // A transaction that inserted or deleted rows or columns (local, remote
    // or an undo) moves everything: the orders are recomputed before any
    // observer runs, and the engine is brought in line once, after them.
    this.beforeObservers = (tr) => {
      if (tr.changed.has(this.rows as never) || tr.changed.has(this.columns as never)) {
        this.rowAxis.invalidate();
        this.columnAxis.invalidate();
        this.structureChanged = true;
      }
    };
    this.afterTransaction = () => {
      if (!this.structureChanged) return;
      this.structureChanged = false;
      this.resync();
      this.applyConditional();
      this.styleListeners.forEach((f) => f());
      this.layoutListeners.forEach((f) => f());
    };
    doc.on('beforeObserverCalls', this.beforeObservers);
    doc.on('afterTransaction', this.afterTransaction);
    this.formatObserver = (event) => {
      if (!this.structureChanged) this.applyFormats([...event.keysChanged]);
    };
    this.formats.observe(this.formatObserver);
    this.applyFormats([...this.formats.keys()]);
    this.styles.observe(this.styleObserver);
    this.layout.observe(this.layoutObserver);
    this.conditional.observe(this.conditionalObserver);
    this.observer = (event) => {
      // setCells already applied its own edits to the engine.
      if (event.transaction.origin !== this && !this.structureChanged) this.apply([...event.keysChanged]);
    };
    this.cells.observe(this.observer);
    this.apply([...this.cells.keys()]);
    if (this.conditional.length > 0) this.applyConditional();
  }

  /** The shared key of the cell at a position (`"row:col"` ids). */
  keyAt(row: number, col: number): string {
    return `${this.rowAxis.idAt(row)}:${this.columnAxis.idAt(col)}`;
  }

  /** The position of a shared key; null when its row or column was deleted (or it is not a key). */
  positionOf(key: string): [number, number] | null {
    const at = key.indexOf(':');
    if (at < 0) return null;
    const row = this.rowAxis.posOf(key.slice(0, at));
    const col = this.columnAxis.posOf(key.slice(at + 1));
    return row < 0 || col < 0 ? null : [row, col];
  }

  /** A stored formula (or any input) as text at the current positions. */
  private render(value: CellInput | undefined): CellInput | null {
    if (value === undefined || value === null) return null;
    return typeof value === 'string' && value.startsWith('=') ? fromShared(value, this.rowAxis, this.columnAxis) : value;
  }

  /** An input as it is stored: a formula's references become ids. */
  private store(input: string): string {
    return input.startsWith('=') ? toShared(input, this.rowAxis, this.columnAxis) : input;
  }

  /**
   * Brings the engine in line with the whole document after a structure
   * edit: every cell, formula and format at its new position; positions
   * nothing maps to any more are cleared.
   */
  private resync(): void {
    const cells = new Map<string, CellInput>();
    this.cells.forEach((value, key) => {
      const pos = this.positionOf(key);
      if (pos) cells.set(cellKey(pos[0], pos[1]), this.render(value));
    });
    const formats = new Map<string, string>();
    this.formats.forEach((value, key) => {
      const pos = this.positionOf(key);
      if (pos) formats.set(cellKey(pos[0], pos[1]), value);
    });
    this.workbook.batch(() => {
      for (const [key, format] of this.appliedFormats) {
        if (formats.get(key) !== format) this.setEngineFormat(key, formats.get(key) ?? null);
      }
      for (const [key, format] of formats) {
        if (this.appliedFormats.get(key) !== format) this.setEngineFormat(key, format);
      }
      for (const key of this.applied.keys()) {
        if (!cells.has(key)) this.setEngineCell(key, null);
      }
      for (const [key, input] of cells) {
        if (this.applied.get(key) !== input) this.setEngineCell(key, input);
      }
    });
    this.applied = cells;
    this.appliedFormats = formats;
  }

  private setEngineFormat(position: string, format: string | null): void {
    const pos = parseKey(position)!;
    try {
      this.workbook.setFormat(pos[0], pos[1], format);
    } catch (e) {
      if (!(e instanceof RuSheetError)) throw e;
    }
  }

  private setEngineCell(position: string, input: CellInput): void {
    const pos = parseKey(position)!;
    try {
      this.workbook.setCellValue(pos[0], pos[1], input ?? null);
    } catch (e) {
      if (!(e instanceof RuSheetError)) throw e;
      // Another client wrote something this engine refuses (an
      // unparsable formula): show it as text rather than lose it.
      this.workbook.setCellValue(pos[0], pos[1], `'${String(input)}`);
    }
  }

  private applyFormats(keys: string[]): void {
    if (keys.length === 0) return;
    this.workbook.batch(() => {
      for (const key of keys) {
        const pos = this.positionOf(key);
        if (!pos) continue;
        const position = cellKey(pos[0], pos[1]);
        const format = this.formats.get(key);
        if (format === undefined) this.appliedFormats.delete(position);
        else this.appliedFormats.set(position, format);
        this.setEngineFormat(position, format ?? null);
      }
    });
  }

  /** The style of a cell, if any. */
  styleAt(row: number, col: number): CellStyle | undefined {
    return this.styles.get(this.keyAt(row, col));
  }

  /** Calls `listener` whenever a style changes (locally or remotely); returns an unsubscribe function. */
  onStyleChange(listener: () => void): () => void {
    this.styleListeners.add(listener);
    return () => this.styleListeners.delete(listener);
  }

  /** Merges `patch` into the style of every cell in `cells` (one undo step); `undefined` values remove a property. */
  setStyle(cells: Array<[number, number]>, patch: CellStyle): void {
    this.doc.transact(() => {
      for (const [row, col] of cells) {
        const key = this.keyAt(row, col);
        const next: CellStyle = { ...this.styles.get(key), ...patch };
        for (const k of Object.keys(next) as Array<keyof CellStyle>) if (next[k] === undefined) delete next[k];
        if (Object.keys(next).length === 0) this.styles.delete(key);
        else this.styles.set(key, next);
      }
    }, this);
  }

  /** Gives the engine the shared rules; a rule it refuses (written by another client) is skipped. */
  private applyConditional(): void {
    // A rule whose whole range was deleted is dropped (its range reads #REF!).
    const rules = this.conditionalFormats().filter((r) => !r.range.includes('#REF!'));
    try {
      this.workbook.setConditionalFormats(rules);
    } catch (e) {
      if (!(e instanceof RuSheetError)) throw e;
      const ok: ConditionalRule[] = [];
      for (const rule of rules) {
        try {
          this.workbook.setConditionalFormats([...ok, rule]);
          ok.push(rule);
        } catch (err) {
          if (!(err instanceof RuSheetError)) throw err;
        }
      }
      this.workbook.setConditionalFormats(ok);
    }
  }

  /** Runs `f` (several edits) as one shared transaction: one update for the others, one undo step. */
  batch(f: () => void): void {
    this.doc.transact(f, this);
  }

  /** The conditional formats at the current positions, first (highest priority) first. */
  conditionalFormats(): ConditionalRule[] {
    return this.conditional.toArray().map((r) => mapRule(r, (t) => fromShared(t, this.rowAxis, this.columnAxis)));
  }

  private storedRule(rule: ConditionalRule): ConditionalRule {
    return mapRule(rule, (t) => toShared(t, this.rowAxis, this.columnAxis));
  }

  /**
   * Replaces every conditional format (one undo step, shared). The engine
   * checks the rules first: a bad one throws `RuSheetError` and nothing is
   * written.
   */
  setConditionalFormats(rules: ConditionalRule[]): void {
    this.workbook.setConditionalFormats(rules);
    this.doc.transact(() => {
      this.conditional.delete(0, this.conditional.length);
      this.conditional.insert(0, rules.map((r) => this.storedRule(r)));
    }, this);
  }

  /** Adds a rule after the others (one undo step, shared); a bad rule throws `RuSheetError`. */
  addConditionalFormat(rule: ConditionalRule): void {
    const rules = [...this.conditionalFormats(), rule];
    this.workbook.setConditionalFormats(rules);
    this.doc.transact(() => this.conditional.push([this.storedRule(rule)]), this);
  }

  /** Removes the rule at `index` (one undo step, shared). */
  removeConditionalFormat(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.conditional.length) {
      throw new RuSheetError(`no conditional format ${index} (there are ${this.conditional.length})`);
    }
    this.doc.transact(() => this.conditional.delete(index, 1), this);
  }

  /** The number format of a cell, if any. */
  formatAt(row: number, col: number): string | undefined {
    return this.formats.get(this.keyAt(row, col));
  }

  /** Sets a column's width in pixels (null: back to the default), shared and undoable. */
  setColumnWidth(col: number, width: number | null): void {
    this.setLayout(`c:${this.columnAxis.idAt(col)}`, width);
  }

  /** Sets a row's height in pixels (null: back to the default), shared and undoable. */
  setRowHeight(row: number, height: number | null): void {
    this.setLayout(`r:${this.rowAxis.idAt(row)}`, height);
  }

  private setLayout(key: string, size: number | null): void {
    if (size !== null && !(Number.isFinite(size) && size > 0)) {
      throw new RuSheetError(`a width or height is a positive number of pixels, got ${size}`);
    }
    this.doc.transact(() => {
      if (size === null) this.layout.delete(key);
      else this.layout.set(key, Math.round(size));
    }, this);
  }

  /** Every custom column width and row height. */
  layoutSizes(): { columns: Array<[number, number]>; rows: Array<[number, number]> } {
    const columns: Array<[number, number]> = [];
    const rows: Array<[number, number]> = [];
    this.layout.forEach((size, key) => {
      const m = /^([cr]):(.+)$/.exec(key);
      if (!m || typeof size !== 'number') return;
      const pos = m[1] === 'c' ? this.columnAxis.posOf(m[2]) : this.rowAxis.posOf(m[2]);
      if (pos >= 0) (m[1] === 'c' ? columns : rows).push([pos, size]);
    });
    return { columns, rows };
  }

  /** Calls `listener` whenever a width or height changes (locally or remotely); returns an unsubscribe function. */
  onLayoutChange(listener: () => void): () => void {
    this.layoutListeners.add(listener);
    return () => this.layoutListeners.delete(listener);
  }

  /** Sets (or with null removes) the number format of cells (one undo step). */
  setFormat(cells: Array<[number, number]>, format: string | null): void {
    this.doc.transact(() => {
      for (const [row, col] of cells) {
        if (format === null) this.formats.delete(this.keyAt(row, col));
        else this.formats.set(this.keyAt(row, col), format);
      }
    }, this);
  }

  /** Applies the shared values of `keys` to the engine in one batch. */
  private apply(keys: string[]): void {
    if (keys.length === 0) return;
    this.workbook.batch(() => {
      for (const key of keys) {
        const pos = this.positionOf(key);
        if (!pos) continue;
        const position = cellKey(pos[0], pos[1]);
        const input = this.render(this.cells.get(key));
        if (input === null) this.applied.delete(position);
        else this.applied.set(position, input);
        this.setEngineCell(position, input);
      }
    });
  }

  /**
   * Writes edits as one shared transaction (one undo step). A formula the
   * engine cannot parse throws `RuSheetError` and nothing is written.
   */
  setCells(edits: CellEdit[]): void {
    if (edits.length === 0) return;
    // Check every input on the engine first, so a bad formula never reaches
    // the other users; then restore what the shared document says.
    try {
      this.workbook.batch(() => {
        for (const e of edits) this.workbook.setCellValue(e.row, e.col, e.input);
      });
    } catch (e) {
      this.apply(edits.map((x) => this.keyAt(x.row, x.col)));
      throw e;
    }
    this.doc.transact(() => {
      for (const e of edits) {
        const key = this.keyAt(e.row, e.col);
        const position = cellKey(e.row, e.col);
        if (e.input === null || e.input === '') {
          this.cells.delete(key);
          this.applied.delete(position);
        } else {
          const stored = this.store(e.input);
          this.cells.set(key, stored);
          this.applied.set(position, this.render(stored));
        }
      }
    }, this);
  }

  private checkStructure(at: number, count: number, limit: number, what: string): void {
    if (!Number.isInteger(at) || at < 0 || at >= limit) {
      throw new RuSheetError(`${what} position must be a whole number from 0 to ${limit - 1}, got ${at}`);
    }
    if (!Number.isInteger(count) || count < 1 || count > MAX_STRUCTURE_COUNT) {
      throw new RuSheetError(`count must be a whole number from 1 to ${MAX_STRUCTURE_COUNT}, got ${count}`);
    }
  }

  /**
   * Inserts `count` empty rows before row `at` for everyone (one undo step):
   * cells, formulas' references, styles, formats, heights and conditional
   * formats below move down, on every peer, also under concurrent edits.
   */
  insertRows(at: number, count = 1): void {
    this.checkStructure(at, count, MAX_ROWS, 'row');
    this.doc.transact(() => this.rowAxis.insert(at, count, this.doc.clientID), this);
  }

  /** Deletes `count` rows from row `at` for everyone (one undo step); references to them become #REF!. */
  deleteRows(at: number, count = 1): void {
    this.checkStructure(at, count, MAX_ROWS, 'row');
    this.doc.transact(() => this.rowAxis.remove(at, count), this);
  }

  /** Inserts `count` empty columns before column `at` for everyone (one undo step). */
  insertColumns(at: number, count = 1): void {
    this.checkStructure(at, count, MAX_COLS, 'column');
    this.doc.transact(() => this.columnAxis.insert(at, count, this.doc.clientID), this);
  }

  /** Deletes `count` columns from column `at` for everyone (one undo step). */
  deleteColumns(at: number, count = 1): void {
    this.checkStructure(at, count, MAX_COLS, 'column');
    this.doc.transact(() => this.columnAxis.remove(at, count), this);
  }

  undo(): boolean {
    return this.undoManager.undo() !== null;
  }

  redo(): boolean {
    return this.undoManager.redo() !== null;
  }

  canUndo(): boolean {
    return this.undoManager.canUndo();
  }

  canRedo(): boolean {
    return this.undoManager.canRedo();
  }

  /** Stops following the document (the workbook keeps its cells). */
  destroy(): void {
    this.cells.unobserve(this.observer);
    this.formats.unobserve(this.formatObserver);
    this.styles.unobserve(this.styleObserver);
    this.layout.unobserve(this.layoutObserver);
    this.conditional.unobserve(this.conditionalObserver);
    this.doc.off('beforeObserverCalls', this.beforeObservers);
    this.doc.off('afterTransaction', this.afterTransaction);
    this.undoManager.destroy();
  }
}
