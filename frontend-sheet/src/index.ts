/**
 * rusheet: the ouroboros spreadsheet engine (Rust, compiled to WebAssembly).
 *
 * ```ts
 * import { rusheet } from 'rusheet';
 * await rusheet.init();
 * rusheet.setCellValue(0, 0, 'Hello');
 * rusheet.setCellValue(0, 1, 'World');
 * rusheet.setCellValue(1, 0, '=A1 & " " & B1');
 * rusheet.getCellData(1, 0).displayValue; // "Hello World"
 * ```
 *
 * Rows and columns are zero-based. Every call is synchronous once `init()`
 * has resolved, except XLSX import/export: that code is a second
 * WebAssembly module, fetched on first use, so `importXlsx`/`exportXlsx`
 * return promises. Invalid input throws a `RuSheetError` carrying the
 * engine's message (for example the position of a formula syntax error).
 */
import initWasm, { Engine } from '../pkg/sheet_wasm.js';

/** What a cell can be set to: text is read as typed (`=` starts a formula). */
export type CellInput = string | number | boolean | null | undefined;

/** The value of a cell: a number, text, a boolean, an error literal such as `#DIV/0!`, or null when empty. */
export type CellValue = number | string | boolean | null;

export type CellType = 'empty' | 'number' | 'text' | 'boolean' | 'error';

export interface CellData {
  /** What the cell shows, number format applied. */
  displayValue: string;
  /** The computed value. Errors are their literal (`#N/A`). */
  value: CellValue;
  /** The formula with its `=`, or null for a constant. */
  formula: string | null;
  type: CellType;
  /** The number format, or null for General. */
  format: string | null;
  /**
   * For a formula whose dynamic array spills: the range it covers (its own
   * cell included). Absent otherwise.
   */
  spill?: { row: number; col: number; rows: number; cols: number };
  /**
   * For a cell showing part of another cell's spilled array: that formula's
   * cell. Such cells are read-only (setting them throws; clearing does nothing).
   */
  spilledFrom?: { row: number; col: number };
}

export interface ChangeEvent {
  /** Index of the sheet (see `sheetNames()`). */
  sheet: number;
  row: number;
  col: number;
  /** The value before the change (null when the cell was empty). */
  oldValue: CellValue;
  /** The value now, whichever sheet the cell is on. */
  newValue: CellValue;
  /** What the cell shows now, number format applied. */
  displayValue: string;
}

function decodeValue(kind: number, num: number, text: string): CellValue {
  switch (kind) {
    case 1:
      return num;
    case 2:
    case 4:
      return text;
    case 3:
      return num !== 0;
    default:
      return null;
  }
}

/** Kind codes of `Engine.setRangeInputs`: 0 clear, 1 number, 2 text as typed, 3 boolean. */
function encodeInput(value: CellInput): [number, number, string] {
  if (value === null || value === undefined || value === '') return [0, 0, ''];
  if (typeof value === 'number') return [1, value, ''];
  if (typeof value === 'boolean') return [3, value ? 1 : 0, ''];
  return [2, 0, String(value)];
}

export type ChangeListener = (event: ChangeEvent) => void;

/** How a matching `cellValue` or `formula` rule shows a cell (CSS colours `#rrggbb`). */
export interface Highlight {
  background?: string;
  color?: string;
  bold?: boolean;
  italic?: boolean;
}

/** Excel's comparisons for `cellValue` rules. */
export type ConditionalOperator =
  | 'greaterThan'
  | 'greaterThanOrEqual'
  | 'lessThan'
  | 'lessThanOrEqual'
  | 'equal'
  | 'notEqual'
  | 'between'
  | 'notBetween';

/**
 * A conditional format on a range (`'A1:B10'`), evaluated by the engine.
 * Values and formulas are written for the range's top-left cell and move to
 * each cell like a copied formula (`'=$B$1'` stays, `'=B1'` follows).
 */
export type ConditionalRule =
  | { range: string; type: 'cellValue'; operator: ConditionalOperator; values: string[]; style: Highlight }
  | { range: string; type: 'formula'; formula: string; style: Highlight }
  | { range: string; type: 'colorScale'; colors: string[] }
  | { range: string; type: 'dataBar'; color: string };

/** How the rules show one cell (see `Workbook.getConditionalViewport`). */
export interface ConditionalLook {
  background?: string;
  color?: string;
  bold: boolean;
  italic: boolean;
  /** Data bar: length from 0 to 1 and colour. */
  bar?: { length: number; color: string };
}

const ITEM = '\u001d';
const FIELD = '\u001f';
const RULE = '\u001e';

/** An error from the engine: a malformed formula, a cell outside the sheet, a broken file. */
export class RuSheetError extends Error {
  override name = 'RuSheetError';
}

let ready: Promise<void> | null = null;

/**
 * Loads the WebAssembly module (once; later calls return the same promise).
 * In a browser the module is fetched next to this file; in Node.js it is read
 * from the package. Pass bytes or a URL to load it from elsewhere.
 */
export function init(source?: BufferSource | URL | string | Response): Promise<void> {
  if (!ready) {
    ready = (async () => {
      let input: unknown = source;
      const nodeProcess = (globalThis as { process?: { versions?: { node?: string } } }).process;
      if (input === undefined && nodeProcess?.versions?.node) {
        const { readFile } = await import('node:fs/promises');
        input = await readFile(new URL('../pkg/sheet_wasm_bg.wasm', import.meta.url));
      }
      await initWasm(input === undefined ? undefined : { module_or_path: input as BufferSource });
    })();
    ready.catch(() => {
      ready = null;
    });
  }
  return ready;
}

type XlsxModule = typeof import('../pkg/sheet_xlsx.js');
let xlsxReady: Promise<XlsxModule> | null = null;

/**
 * Loads the XLSX module (once; `importXlsx`/`exportXlsx` call it on first
 * use). In a browser it is fetched next to this file, in Node.js read from
 * the package; pass bytes or a URL to load it from elsewhere.
 */
export function initXlsx(source?: BufferSource | URL | string | Response): Promise<void> {
  return loadXlsx(source).then(() => undefined);
}

function loadXlsx(source?: BufferSource | URL | string | Response): Promise<XlsxModule> {
  if (!xlsxReady) {
    xlsxReady = (async () => {
      const mod = await import('../pkg/sheet_xlsx.js');
      let input: unknown = source;
      const nodeProcess = (globalThis as { process?: { versions?: { node?: string } } }).process;
      if (input === undefined && nodeProcess?.versions?.node) {
        const { readFile } = await import('node:fs/promises');
        input = await readFile(new URL('../pkg/sheet_xlsx_bg.wasm', import.meta.url));
      }
      await mod.default(input === undefined ? undefined : { module_or_path: input as BufferSource });
      return mod;
    })();
    xlsxReady.catch(() => {
      xlsxReady = null;
    });
  }
  return xlsxReady;
}

function rethrow(e: unknown): never {
  if (e instanceof Error) {
    throw new RuSheetError(e.message);
  }
  throw new RuSheetError(String(e));
}

/** One workbook: several sheets, formulas, undo history. */
export class Workbook {
  private engine: Engine;
  private listeners = new Set<ChangeListener>();
  private batchDepth = 0;
  /** False until a rule could exist: until then a frame needs no second WebAssembly call. */
  private mayHaveConditional = false;

  constructor() {
    if (!ready) {
      throw new RuSheetError('call `await rusheet.init()` before creating a workbook');
    }
    this.engine = new Engine();
    this.engine.setNow(Date.now());
    // Recording changes costs a little per recalculated cell: only while
    // someone listens (see onChange).
    this.engine.setTrackChanges(false);
  }

  /** Frees the WebAssembly memory of this workbook. */
  dispose(): void {
    this.engine.free();
  }

  private run<T>(f: () => T): T {
    let out: T;
    try {
      out = f();
    } catch (e) {
      rethrow(e);
    }
    if (this.batchDepth === 0) {
      this.emit();
    }
    return out;
  }

  private emit(): void {
    if (this.listeners.size === 0) {
      return;
    }
    const batch = this.engine.takeChangeEvents();
    let cells: Uint32Array, kinds: Uint8Array, numbers: Float64Array, texts: string[];
    try {
      ({ cells, kinds, numbers, texts } = batch);
    } finally {
      batch.free();
    }
    for (let i = 0; i < cells.length / 3; i++) {
      const event: ChangeEvent = {
        sheet: cells[3 * i],
        row: cells[3 * i + 1],
        col: cells[3 * i + 2],
        oldValue: decodeValue(kinds[2 * i], numbers[2 * i], texts[3 * i]),
        newValue: decodeValue(kinds[2 * i + 1], numbers[2 * i + 1], texts[3 * i + 1]),
        displayValue: texts[3 * i + 2],
      };
      for (const listener of this.listeners) {
        listener(event);
      }
    }
  }

  /** The index of the sheet cell calls address. */
  get activeSheet(): number {
    return this.engine.activeSheet();
  }

  /** Sets a cell. Text is read as typed: `=` starts a formula, `'` forces text. */
  setCellValue(row: number, col: number, value: CellInput): void {
    this.run(() => {
      if (value === null || value === undefined || value === '') {
        this.engine.clear(row, col);
      } else if (typeof value === 'number') {
        this.engine.setNumber(row, col, value);
      } else if (typeof value === 'boolean') {
        this.engine.setBoolean(row, col, value);
      } else {
        this.engine.setInput(row, col, String(value));
      }
    });
  }

  /**
   * Sets a rectangle of cells from `top`,`left` as one undo step, recalculated
   * once, in one call into the engine. Shorter rows leave the rest of their
   * line unchanged.
   */
  setCellValues(top: number, left: number, rows: CellInput[][]): void {
    const width = rows.reduce((w, line) => Math.max(w, line.length), 0);
    if (width === 0) return;
    const ragged = rows.some((line) => line.length !== width);
    if (ragged) {
      this.batch(() => {
        rows.forEach((line, i) => line.forEach((v, j) => this.setCellValue(top + i, left + j, v)));
      });
      return;
    }
    const n = rows.length * width;
    const kinds = new Uint8Array(n);
    const numbers = new Float64Array(n);
    // Every text in one string, with each cell's length (UTF-16 units): one
    // string crosses into WebAssembly instead of one per cell.
    const lengths = new Uint32Array(n);
    const texts: string[] = [];
    let k = 0;
    for (const line of rows) {
      for (const v of line) {
        if (typeof v === 'number') {
          kinds[k] = 1;
          numbers[k] = v;
        } else if (typeof v === 'boolean') {
          kinds[k] = 3;
          numbers[k] = v ? 1 : 0;
        } else if (v !== null && v !== undefined && v !== '') {
          const text = String(v);
          kinds[k] = 2;
          lengths[k] = text.length;
          texts.push(text);
        }
        k++;
      }
    }
    this.run(() => this.engine.setRangeInputs(top, left, width, kinds, numbers, texts.join(''), lengths));
  }

  /** Runs `f` as one transaction: one undo step, one recalculation, change events at the end. */
  batch<T>(f: () => T): T {
    this.engine.begin();
    this.batchDepth++;
    try {
      return f();
    } finally {
      this.batchDepth--;
      this.engine.commit();
      if (this.batchDepth === 0) {
        this.emit();
      }
    }
  }

  getCellData(row: number, col: number): CellData {
    let cell;
    try {
      cell = this.engine.getCell(row, col);
    } catch (e) {
      rethrow(e);
    }
    try {
      const type = cell.kind as CellType;
      let value: CellValue = null;
      if (type === 'number') value = cell.number;
      else if (type === 'boolean') value = cell.number !== 0;
      else if (type === 'text' || type === 'error') value = cell.text;
      const data: CellData = { displayValue: cell.display, value, formula: cell.formula ?? null, type, format: cell.format ?? null };
      const spill = cell.spill;
      if (spill) data.spill = { row: spill[0], col: spill[1], rows: spill[2], cols: spill[3] };
      const from = cell.spilledFrom;
      if (from) data.spilledFrom = { row: from[0], col: from[1] };
      return data;
    } finally {
      cell.free();
    }
  }

  /** Displayed text of a rectangle, as rows. */
  getRange(top: number, left: number, rows: number, cols: number): string[][] {
    let flat: string[];
    try {
      flat = this.engine.getRangeDisplay(top, left, rows, cols);
    } catch (e) {
      rethrow(e);
    }
    const out: string[][] = [];
    for (let i = 0; i < rows; i++) out.push(flat.slice(i * cols, (i + 1) * cols));
    return out;
  }

  /**
   * The visible rectangle for a renderer, in one WebAssembly call: for each
   * cell (row-major) a kind letter (`e` empty, `n` number, `s` text, `b`
   * boolean, `x` error) and the displayed text, each cell ended by U+001F.
   * Rows/columns past the sheet's edge are cut off.
   */
  getViewport(top: number, left: number, rows: number, cols: number): string {
    try {
      return this.engine.viewport(top, left, rows, cols);
    } catch (e) {
      rethrow(e);
    }
  }

  /** What re-creates the cell when typed: its formula, or its value as text (the formula bar's content). */
  getInput(row: number, col: number): string {
    try {
      return this.engine.getInput(row, col);
    } catch (e) {
      rethrow(e);
    }
  }

  /** Sets (or with null removes) a number format such as `#,##0.00` or `yyyy-mm-dd`. */
  setFormat(row: number, col: number, format: string | null): void {
    this.run(() => this.engine.setFormat(row, col, format ?? undefined));
  }

  /**
   * Replaces the conditional formatting of the active sheet with `rules`
   * (earlier rules win where two set the same property). A rule the engine
   * refuses (an unparsable formula, an unknown operator, a bad colour)
   * throws `RuSheetError` and leaves the previous rules in place.
   */
  setConditionalFormats(rules: ConditionalRule[]): void {
    const previous = this.getConditionalFormats();
    const add = (rule: ConditionalRule) => {
      const h: Highlight = 'style' in rule ? rule.style ?? {} : {};
      const values = rule.type === 'cellValue' ? rule.values.join(ITEM) : rule.type === 'formula' ? rule.formula : '';
      const colors = rule.type === 'colorScale' ? rule.colors.join(ITEM) : rule.type === 'dataBar' ? rule.color : '';
      this.engine.addConditionalFormat(
        rule.type,
        rule.range,
        rule.type === 'cellValue' ? rule.operator : '',
        values,
        h.background ?? '',
        h.color ?? '',
        !!h.bold,
        !!h.italic,
        colors,
      );
    };
    if (rules.length > 0) this.mayHaveConditional = true;
    try {
      this.engine.clearConditionalFormats();
      rules.forEach(add);
    } catch (e) {
      this.engine.clearConditionalFormats();
      previous.forEach(add);
      rethrow(e);
    }
  }

  /** The active sheet's conditional formatting (for instance after `importXlsx`). */
  getConditionalFormats(): ConditionalRule[] {
    const text = this.engine.conditionalFormats();
    return text
      .split(RULE)
      .filter((r) => r !== '')
      .map((r): ConditionalRule => {
        const [type, range, operator, values, background, color, bold, italic, colors] = r.split(FIELD);
        const style: Highlight = {};
        if (background) style.background = background;
        if (color) style.color = color;
        if (bold === '1') style.bold = true;
        if (italic === '1') style.italic = true;
        switch (type) {
          case 'cellValue':
            return { range, type, operator: operator as ConditionalOperator, values: values.split(ITEM), style };
          case 'formula':
            return { range, type, formula: values, style };
          case 'colorScale':
            return { range, type, colors: colors.split(ITEM) };
          default:
            return { range, type: 'dataBar', color: colors };
        }
      });
  }

  /**
   * How the rules show each cell of a rectangle of the active sheet,
   * row-major (one WebAssembly call: a renderer asks once per frame); null
   * where no rule applies.
   */
  getConditionalViewport(top: number, left: number, rows: number, cols: number): Array<ConditionalLook | null> {
    if (!this.mayHaveConditional) {
      if (!(Number.isInteger(rows) && Number.isInteger(cols) && rows >= 1 && cols >= 1)) {
        throw new RuSheetError(`rows and cols must be whole numbers from 1, got ${rows} x ${cols}`);
      }
      return new Array(rows * cols).fill(null);
    }
    let packed: string;
    try {
      packed = this.engine.conditionalViewport(top, left, rows, cols);
    } catch (e) {
      rethrow(e);
    }
    if (packed === '') return new Array(rows * cols).fill(null);
    return packed
      .split(FIELD)
      .slice(0, -1)
      .map((cell) => {
        if (cell === '') return null;
        const [background, color, bold, italic, length, bar] = cell.split(',');
        const look: ConditionalLook = { bold: bold === '1', italic: italic === '1' };
        if (background) look.background = background;
        if (color) look.color = color;
        if (bar) look.bar = { length: Number(length), color: bar };
        return look;
      });
  }

  /**
   * A formula as it reads when copied `rows` down and `cols` right (negative:
   * up, left), as Excel's fill handle and paste do: relative references move,
   * `$` parts stay, references pushed off the sheet become `#REF!`.
   * `translateFormula('=A1+$B$1', 2, 0)` is `'=A3+$B$1'`.
   */
  translateFormula(formula: string, rows: number, cols: number): string {
    try {
      return this.engine.translateFormula(formula, rows, cols);
    } catch (e) {
      rethrow(e);
    }
  }

  /**
   * Subscribes to cell changes: edited cells, and formulas whose value the
   * recalculation changed, on any sheet, each with its old and new value.
   * Returns an unsubscribe function.
   */
  onChange(listener: ChangeListener): () => void {
    if (this.listeners.size === 0) {
      // Changes are recorded only while someone listens.
      this.engine.takeChangeEvents().free();
      this.engine.setTrackChanges(true);
    }
    this.listeners.add(listener);
    return () => {
      const removed = this.listeners.delete(listener);
      if (removed && this.listeners.size === 0) {
        this.engine.setTrackChanges(false);
      }
      return removed;
    };
  }

  undo(): boolean {
    return this.run(() => this.engine.undo());
  }

  redo(): boolean {
    return this.run(() => this.engine.redo());
  }

  canUndo(): boolean {
    return this.engine.canUndo();
  }

  canRedo(): boolean {
    return this.engine.canRedo();
  }

  insertRows(at: number, count = 1): void {
    this.run(() => this.engine.insertRows(at, count));
  }

  deleteRows(at: number, count = 1): void {
    this.run(() => this.engine.deleteRows(at, count));
  }

  insertColumns(at: number, count = 1): void {
    this.run(() => this.engine.insertCols(at, count));
  }

  deleteColumns(at: number, count = 1): void {
    this.run(() => this.engine.deleteCols(at, count));
  }

  sheetNames(): string[] {
    return this.engine.sheetNames();
  }

  /** Adds a sheet and returns its index. */
  addSheet(name: string): number {
    return this.run(() => this.engine.addSheet(name));
  }

  /** Renames the sheet at `index` (undoable); formulas naming it follow. */
  renameSheet(index: number, name: string): void {
    this.run(() => this.engine.renameSheet(index, name));
  }

  /**
   * Removes the sheet at `index` (undoable): references to it become `#REF!`
   * until an undo puts it back. The first sheet becomes active if it was the
   * active one.
   */
  removeSheet(index: number): void {
    this.run(() => this.engine.removeSheet(index));
  }

  /** Makes the sheet at `index` the one cell calls address. */
  setActiveSheet(index: number): void {
    this.run(() => this.engine.setActiveSheet(index));
  }

  /** Defines a name usable in formulas (undoable): `defineName('Rate', '=Sheet1!$B$1')`. */
  defineName(name: string, formula: string): void {
    this.run(() => this.engine.defineName(name, formula));
  }

  /** Removes a defined name (undoable); false when it was not defined. */
  removeName(name: string): boolean {
    return this.run(() => this.engine.removeName(name));
  }

  /** Recomputes every formula (NOW/TODAY/RAND included) with the current time. */
  recalculate(): void {
    this.run(() => {
      this.engine.setNow(Date.now());
      this.engine.recalculate();
    });
  }

  /** Reads CSV text into the active sheet from A1. */
  importCsv(text: string | Uint8Array): void {
    const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
    this.run(() => this.engine.importCsv(bytes));
  }

  /** The active sheet's values as CSV. */
  exportCsv(): string {
    return new TextDecoder().decode(this.run(() => this.engine.exportCsv()));
  }

  /**
   * Replaces the workbook with an XLSX file (sheets, values, formulas,
   * formats, names, conditional formats). Resolves once the workbook is
   * replaced (the XLSX module is fetched on first use).
   */
  async importXlsx(data: Uint8Array | ArrayBuffer): Promise<void> {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    let transfer: Uint8Array;
    try {
      transfer = (await loadXlsx()).readXlsx(bytes);
    } catch (e) {
      rethrow(e);
    }
    this.run(() => this.engine.importTransfer(transfer));
    // The file may bring conditional formats (on any of its sheets).
    this.mayHaveConditional = true;
  }

  /**
   * Sets a formula written in R1C1 notation, relative to the cell it goes
   * in: `=R[-1]C*2` is twice the cell above, `=SUM(R1C1:R[-1]C)` sums from A1
   * down to the cell above. It reads back in A1 notation from `getCellData`.
   */
  setCellFormulaR1C1(row: number, col: number, formula: string): void {
    this.run(() => this.engine.setFormulaR1C1(row, col, formula));
  }

  /** The formula of a cell in R1C1 notation, or null for a constant. */
  getFormulaR1C1(row: number, col: number): string | null {
    try {
      return this.engine.getFormulaR1C1(row, col) ?? null;
    } catch (e) {
      rethrow(e);
    }
  }

  /** The workbook as an XLSX file (the XLSX module is fetched on first use). */
  async exportXlsx(): Promise<Uint8Array> {
    const transfer = this.run(() => this.engine.exportTransfer());
    try {
      return (await loadXlsx()).writeXlsx(transfer);
    } catch (e) {
      rethrow(e);
    }
  }

  /**
   * Switches the date system: 1900 (the default; serial 1 is 1900-01-01) or
   * 1904 (serial 0 is 1904-01-01, Excel's "Use 1904 date system"). Serial
   * numbers already in cells stay; dates and formulas follow the new system.
   * XLSX files carry the setting both ways.
   */
  setDateSystem(system: 1900 | 1904): void {
    if (system !== 1900 && system !== 1904) {
      throw new RuSheetError(`the date system is 1900 or 1904, got ${String(system)}`);
    }
    this.run(() => this.engine.setDate1904(system === 1904));
  }

  /** The date system: 1900 or 1904. */
  dateSystem(): 1900 | 1904 {
    return this.engine.date1904() ? 1904 : 1900;
  }
}

/** The default workbook behind the `rusheet.*` functions, plus `init` and `create`. */
class RuSheet {
  private current: Workbook | null = null;

  /** Loads the engine and creates the default workbook. */
  async init(source?: BufferSource | URL | string | Response): Promise<void> {
    await init(source);
    if (!this.current) this.current = new Workbook();
  }

  /** A new, independent workbook. */
  create(): Workbook {
    return new Workbook();
  }

  private get wb(): Workbook {
    if (!this.current) throw new RuSheetError('call `await rusheet.init()` first');
    return this.current;
  }

  setCellValue(row: number, col: number, value: CellInput): void {
    this.wb.setCellValue(row, col, value);
  }
  setCellValues(top: number, left: number, rows: CellInput[][]): void {
    this.wb.setCellValues(top, left, rows);
  }
  getCellData(row: number, col: number): CellData {
    return this.wb.getCellData(row, col);
  }
  getRange(top: number, left: number, rows: number, cols: number): string[][] {
    return this.wb.getRange(top, left, rows, cols);
  }
  setFormat(row: number, col: number, format: string | null): void {
    this.wb.setFormat(row, col, format);
  }
  batch<T>(f: () => T): T {
    return this.wb.batch(f);
  }
  onChange(listener: ChangeListener): () => void {
    return this.wb.onChange(listener);
  }
  undo(): boolean {
    return this.wb.undo();
  }
  redo(): boolean {
    return this.wb.redo();
  }
  canUndo(): boolean {
    return this.wb.canUndo();
  }
  canRedo(): boolean {
    return this.wb.canRedo();
  }
  insertRows(at: number, count = 1): void {
    this.wb.insertRows(at, count);
  }
  deleteRows(at: number, count = 1): void {
    this.wb.deleteRows(at, count);
  }
  insertColumns(at: number, count = 1): void {
    this.wb.insertColumns(at, count);
  }
  deleteColumns(at: number, count = 1): void {
    this.wb.deleteColumns(at, count);
  }
  sheetNames(): string[] {
    return this.wb.sheetNames();
  }
  addSheet(name: string): number {
    return this.wb.addSheet(name);
  }
  renameSheet(index: number, name: string): void {
    this.wb.renameSheet(index, name);
  }
  removeSheet(index: number): void {
    this.wb.removeSheet(index);
  }
  setActiveSheet(index: number): void {
    this.wb.setActiveSheet(index);
  }
  get activeSheet(): number {
    return this.wb.activeSheet;
  }
  defineName(name: string, formula: string): void {
    this.wb.defineName(name, formula);
  }
  removeName(name: string): boolean {
    return this.wb.removeName(name);
  }
  recalculate(): void {
    this.wb.recalculate();
  }
  importCsv(text: string | Uint8Array): void {
    this.wb.importCsv(text);
  }
  exportCsv(): string {
    return this.wb.exportCsv();
  }
  importXlsx(data: Uint8Array | ArrayBuffer): Promise<void> {
    return this.wb.importXlsx(data);
  }
  exportXlsx(): Promise<Uint8Array> {
    return this.wb.exportXlsx();
  }
}

export const rusheet = new RuSheet();
export default rusheet;
