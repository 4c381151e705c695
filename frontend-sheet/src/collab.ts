/**
 * A rusheet workbook bound to a Yjs document, so several people edit one
 * sheet: every edit is written to the shared `Y.Map` named `cells` (key
 * `"row:col"`, zero-based; value what the user typed, e.g. `"=A1*2"`), and
 * every change of that map, local or remote, is applied to the engine, which
 * recalculates. Undo/redo go through a `Y.UndoManager` that only undoes this
 * user's own edits.
 *
 * ```ts
 * const doc = new Y.Doc();
 * new WebsocketProvider('ws://127.0.0.1:1234', 'budget', doc);
 * const sheet = new CollabSheet(rusheet.create(), doc);
 * sheet.setCells([{ row: 0, col: 0, input: '42' }]);
 * ```
 */
import * as Y from 'yjs';

import { RuSheetError, type CellInput, type ConditionalRule, type Workbook } from './index.js';

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

export function cellKey(row: number, col: number): string {
  return `${row}:${col}`;
}

export function parseKey(key: string): [number, number] | null {
  const m = /^(\d+):(\d+)$/.exec(key);
  return m ? [Number(m[1]), Number(m[2])] : null;
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
  readonly undoManager: Y.UndoManager;
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
    // captureTimeout 0: every commit is its own undo step, as in Excel.
    this.undoManager = new Y.UndoManager([this.cells, this.styles, this.formats, this.layout, this.conditional], {
      trackedOrigins: new Set([this]),
      captureTimeout: 0,
    });
    this.formatObserver = (event) => this.applyFormats([...event.keysChanged]);
    this.formats.observe(this.formatObserver);
    this.applyFormats([...this.formats.keys()]);
    this.styles.observe(this.styleObserver);
    this.layout.observe(this.layoutObserver);
    this.conditional.observe(this.conditionalObserver);
    this.observer = (event) => {
      // setCells already applied its own edits to the engine.
      if (event.transaction.origin !== this) this.apply([...event.keysChanged]);
    };
    this.cells.observe(this.observer);
    this.apply([...this.cells.keys()]);
    if (this.conditional.length > 0) this.applyConditional();
  }

  private applyFormats(keys: string[]): void {
    if (keys.length === 0) return;
    this.workbook.batch(() => {
      for (const key of keys) {
        const pos = parseKey(key);
        if (!pos) continue;
        try {
          this.workbook.setFormat(pos[0], pos[1], this.formats.get(key) ?? null);
        } catch (e) {
          if (!(e instanceof RuSheetError)) throw e;
        }
      }
    });
  }

  /** The style of a cell, if any. */
  styleAt(row: number, col: number): CellStyle | undefined {
    return this.styles.get(cellKey(row, col));
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
        const key = cellKey(row, col);
        const next: CellStyle = { ...this.styles.get(key), ...patch };
        for (const k of Object.keys(next) as Array<keyof CellStyle>) if (next[k] === undefined) delete next[k];
        if (Object.keys(next).length === 0) this.styles.delete(key);
        else this.styles.set(key, next);
      }
    }, this);
  }

  /** Gives the engine the shared rules; a rule it refuses (written by another client) is skipped. */
  private applyConditional(): void {
    const rules = this.conditional.toArray();
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

  /** The conditional formats, first (highest priority) first. */
  conditionalFormats(): ConditionalRule[] {
    return this.conditional.toArray();
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
      this.conditional.insert(0, rules.map((r) => ({ ...r })));
    }, this);
  }

  /** Adds a rule after the others (one undo step, shared); a bad rule throws `RuSheetError`. */
  addConditionalFormat(rule: ConditionalRule): void {
    const rules = [...this.conditional.toArray(), rule];
    this.workbook.setConditionalFormats(rules);
    this.doc.transact(() => this.conditional.push([{ ...rule }]), this);
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
    return this.formats.get(cellKey(row, col));
  }

  /** Sets a column's width in pixels (null: back to the default), shared and undoable. */
  setColumnWidth(col: number, width: number | null): void {
    this.setLayout(`c:${col}`, width);
  }

  /** Sets a row's height in pixels (null: back to the default), shared and undoable. */
  setRowHeight(row: number, height: number | null): void {
    this.setLayout(`r:${row}`, height);
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
      const m = /^([cr]):(\d+)$/.exec(key);
      if (!m || typeof size !== 'number') return;
      (m[1] === 'c' ? columns : rows).push([Number(m[2]), size]);
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
        if (format === null) this.formats.delete(cellKey(row, col));
        else this.formats.set(cellKey(row, col), format);
      }
    }, this);
  }

  /** Applies the shared values of `keys` to the engine in one batch. */
  private apply(keys: string[]): void {
    if (keys.length === 0) return;
    this.workbook.batch(() => {
      for (const key of keys) {
        const pos = parseKey(key);
        if (!pos) continue;
        const value = this.cells.get(key);
        try {
          this.workbook.setCellValue(pos[0], pos[1], value ?? null);
        } catch (e) {
          if (!(e instanceof RuSheetError)) throw e;
          // Another client wrote something this engine refuses (an
          // unparsable formula): show it as text rather than lose it.
          this.workbook.setCellValue(pos[0], pos[1], `'${String(value)}`);
        }
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
      this.apply(edits.map((x) => cellKey(x.row, x.col)));
      throw e;
    }
    this.doc.transact(() => {
      for (const e of edits) {
        const key = cellKey(e.row, e.col);
        if (e.input === null || e.input === '') this.cells.delete(key);
        else this.cells.set(key, e.input);
      }
    }, this);
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
    this.undoManager.destroy();
  }
}
