/**
 * What `rusheet/react` and `rusheet/vue` share: a grid mounted in an element,
 * bound to a local or shared Yjs document, with the component API. Framework
 * code only decides when to start and stop it.
 */
import * as Y from 'yjs';

import { init, Workbook, type CellData, type CellInput, type ChangeEvent } from './index.js';
import { CollabSheet, type CellEdit, type CellStyle } from './collab.js';
import { SheetGrid, type Peer, type Selection } from './grid.js';

export interface RuSheetCollaboration {
  /** The server, e.g. `ws://127.0.0.1:1234`. */
  url: string;
  /** The document (room) name. */
  document: string;
  /** Shown to the others next to this user's cursor. */
  user?: { name: string; color?: string };
}

export interface SheetOptions {
  /** Rows of values loaded into an empty sheet (text is read as typed: `=` starts a formula). */
  initialData?: CellInput[][];
  /** Every changed cell: edits and the formulas they recalculated. */
  onChange?: (event: ChangeEvent) => void;
  /** Called when the selection moves. */
  onSelectionChange?: (selection: Selection) => void;
  collaboration?: RuSheetCollaboration;
  /** Where to load the WebAssembly module from (default: next to the package). */
  wasm?: BufferSource | URL | string;
}

/** What the components' `ref` gives access to. */
export interface RuSheetApi {
  readonly workbook: Workbook;
  readonly doc: Y.Doc;
  readonly grid: SheetGrid;
  setCellValue(row: number, col: number, value: CellInput): void;
  setCellValues(top: number, left: number, rows: CellInput[][]): void;
  getCellData(row: number, col: number): CellData;
  /** Merges a style (bold, italic, color, background, align) into a cell's. */
  setStyle(row: number, col: number, style: CellStyle): void;
  /** Sets (or with null removes) a cell's number format, e.g. `#,##0.00`. */
  setFormat(row: number, col: number, format: string | null): void;
  undo(): boolean;
  redo(): boolean;
  select(row: number, col: number, row2?: number, col2?: number): void;
  readonly selection: Selection;
}

function asInput(value: CellInput): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return String(value);
}

function edits(top: number, left: number, rows: CellInput[][]): CellEdit[] {
  return rows.flatMap((line, i) => line.map((v, j) => ({ row: top + i, col: left + j, input: asInput(v) })));
}

const COLORS = ['#e8710a', '#188038', '#a142f4', '#d93025', '#007b83', '#1967d2'];

/** A sheet in an element; `options()` is read whenever a callback fires, so it may change. */
export class SheetMount {
  private readonly cleanups: Array<() => void> = [];
  private disposed = false;

  constructor(
    private readonly host: HTMLElement,
    private readonly options: () => SheetOptions,
  ) {}

  /** Loads the engine and builds the sheet; null when `destroy()` came first. */
  async start(): Promise<RuSheetApi | null> {
    await init(this.options().wasm);
    if (this.disposed) return null;
    const workbook = new Workbook();
    const doc = new Y.Doc();
    const sheet = new CollabSheet(workbook, doc);
    this.cleanups.push(() => sheet.destroy(), () => workbook.dispose(), () => doc.destroy());
    let awareness: { setLocalStateField(k: string, v: unknown): void } | null = null;
    const seed = () => {
      const data = this.options().initialData;
      if (data && sheet.cells.size === 0) {
        sheet.setCells(edits(0, 0, data));
        sheet.undoManager.clear();
      }
    };
    const grid = new SheetGrid(this.host, workbook, sheet, {
      onSelect: (s) => {
        awareness?.setLocalStateField('cursor', s);
        this.options().onSelectionChange?.(s);
      },
    });
    this.cleanups.unshift(() => grid.destroy());
    const collab = this.options().collaboration;
    if (collab) {
      const { WebsocketProvider } = await import('y-websocket');
      if (this.disposed) return null;
      const provider = new WebsocketProvider(collab.url, collab.document, doc, { disableBc: true });
      this.cleanups.unshift(() => provider.destroy());
      awareness = provider.awareness;
      provider.awareness.setLocalStateField('user', {
        name: collab.user?.name ?? `guest ${doc.clientID % 1000}`,
        color: collab.user?.color ?? COLORS[doc.clientID % COLORS.length],
      });
      provider.awareness.on('change', () => {
        const peers: Peer[] = [];
        provider.awareness.getStates().forEach((state, id) => {
          const u = state.user as { name: string; color: string } | undefined;
          const c = state.cursor as Selection | undefined;
          if (id !== doc.clientID && u && c) peers.push({ name: u.name, color: u.color, ...c });
        });
        grid.setPeers(peers);
      });
      // initialData only fills a document nobody has written yet.
      provider.once('sync', () => seed());
    } else {
      seed();
    }
    this.cleanups.unshift(workbook.onChange((e) => this.options().onChange?.(e)));
    return {
      workbook,
      doc,
      grid,
      setCellValue: (row, col, value) => sheet.setCells([{ row, col, input: asInput(value) }]),
      setCellValues: (top, left, rows) => sheet.setCells(edits(top, left, rows)),
      getCellData: (row, col) => workbook.getCellData(row, col),
      setStyle: (row, col, style) => sheet.setStyle([[row, col]], style),
      setFormat: (row, col, format) => sheet.setFormat([[row, col]], format),
      undo: () => sheet.undo(),
      redo: () => sheet.redo(),
      select: (row, col, row2, col2) => grid.select(row, col, row2, col2),
      get selection() {
        return grid.selection;
      },
    };
  }

  destroy(): void {
    this.disposed = true;
    for (const f of this.cleanups.splice(0)) f();
  }
}

/** CSS size from a number (pixels) or a CSS length. */
export function cssSize(value: number | string | undefined, fallback: number | string): string {
  const v = value ?? fallback;
  return typeof v === 'number' ? `${v}px` : v;
}
