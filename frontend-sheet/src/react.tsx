/**
 * `rusheet/react`: the spreadsheet as a React component.
 *
 * ```tsx
 * import { RuSheet, useRuSheet } from 'rusheet/react';
 *
 * function App() {
 *   const { ref, api } = useRuSheet();
 *   return (
 *     <RuSheet
 *       ref={ref}
 *       initialData={[['Name', 'Age'], ['Alice', 30]]}
 *       onChange={(e) => console.log('Changed:', e)}
 *       width="100%"
 *       height={500}
 *     />
 *   );
 * }
 * ```
 *
 * `api` is null until the WebAssembly engine has loaded, then the same
 * object as `ref.current`. With `collaboration`, the sheet is a shared
 * document on a `sheet-collab` server (docs/sheet-ui.md).
 */
import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import type { CSSProperties } from 'react';
import * as Y from 'yjs';

import { init, Workbook, type CellData, type CellInput, type ChangeEvent } from './index.js';
import { CollabSheet } from './collab.js';
import { SheetGrid, type Peer, type Selection } from './grid.js';

export interface RuSheetCollaboration {
  /** The server, e.g. `ws://127.0.0.1:1234`. */
  url: string;
  /** The document (room) name. */
  document: string;
  /** Shown to the others next to this user's cursor. */
  user?: { name: string; color?: string };
}

export interface RuSheetProps {
  /** Rows of values loaded into an empty sheet (text is read as typed: `=` starts a formula). */
  initialData?: CellInput[][];
  /** Every changed cell: edits and the formulas they recalculated. */
  onChange?: (event: ChangeEvent) => void;
  /** Called when the selection moves. */
  onSelectionChange?: (selection: Selection) => void;
  width?: number | string;
  height?: number | string;
  collaboration?: RuSheetCollaboration;
  /** Where to load the WebAssembly module from (default: next to the package). */
  wasm?: BufferSource | URL | string;
  className?: string;
  style?: CSSProperties;
}

/** What `ref` / `useRuSheet().api` give access to. */
export interface RuSheetApi {
  readonly workbook: Workbook;
  readonly doc: Y.Doc;
  readonly grid: SheetGrid;
  setCellValue(row: number, col: number, value: CellInput): void;
  setCellValues(top: number, left: number, rows: CellInput[][]): void;
  getCellData(row: number, col: number): CellData;
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

function edits(top: number, left: number, rows: CellInput[][]) {
  return rows.flatMap((line, i) => line.map((v, j) => ({ row: top + i, col: left + j, input: asInput(v) })));
}

const COLORS = ['#e8710a', '#188038', '#a142f4', '#d93025', '#007b83', '#1967d2'];

export const RuSheet = forwardRef<RuSheetApi, RuSheetProps>(function RuSheet(props, ref) {
  const host = useRef<HTMLDivElement>(null);
  const [api, setApi] = useState<RuSheetApi | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const collab = props.collaboration;

  useEffect(() => {
    let disposed = false;
    const cleanups: Array<() => void> = [];
    void (async () => {
      await init(latest.current.wasm);
      if (disposed || !host.current) return;
      const workbook = new Workbook();
      const doc = new Y.Doc();
      const sheet = new CollabSheet(workbook, doc);
      cleanups.push(() => sheet.destroy(), () => workbook.dispose(), () => doc.destroy());
      let awareness: { setLocalStateField(k: string, v: unknown): void } | null = null;
      const seed = () => {
        const data = latest.current.initialData;
        if (data && sheet.cells.size === 0) {
          sheet.setCells(edits(0, 0, data));
          sheet.undoManager.clear();
        }
      };
      const grid = new SheetGrid(host.current, workbook, sheet, {
        onSelect: (s) => {
          awareness?.setLocalStateField('cursor', s);
          latest.current.onSelectionChange?.(s);
        },
      });
      cleanups.unshift(() => grid.destroy());
      if (collab) {
        const { WebsocketProvider } = await import('y-websocket');
        if (disposed) {
          cleanups.forEach((f) => f());
          return;
        }
        const provider = new WebsocketProvider(collab.url, collab.document, doc, { disableBc: true });
        cleanups.unshift(() => provider.destroy());
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
      const off = workbook.onChange((e) => latest.current.onChange?.(e));
      cleanups.unshift(off);
      setApi({
        workbook,
        doc,
        grid,
        setCellValue: (row, col, value) => sheet.setCells([{ row, col, input: asInput(value) }]),
        setCellValues: (top, left, rows) => sheet.setCells(edits(top, left, rows)),
        getCellData: (row, col) => workbook.getCellData(row, col),
        undo: () => sheet.undo(),
        redo: () => sheet.redo(),
        select: (row, col, row2, col2) => grid.select(row, col, row2, col2),
        get selection() {
          return grid.selection;
        },
      });
    })();
    return () => {
      disposed = true;
      setApi(null);
      cleanups.forEach((f) => f());
    };
  }, [collab?.url, collab?.document]);

  // null until the engine has loaded, like an unmounted ref.
  useImperativeHandle(ref, () => api as RuSheetApi, [api]);

  const style: CSSProperties = {
    width: props.width ?? '100%',
    height: props.height ?? 400,
    position: 'relative',
    ...props.style,
  };
  return <div ref={host} className={props.className} style={style} />;
});

/** A ref callback that also holds the current value, like a ref object. */
export type RuSheetRef = ((api: RuSheetApi | null) => void) & { current: RuSheetApi | null };

/**
 * `const { ref, api } = useRuSheet();` then `<RuSheet ref={ref} />`: `api`
 * is the component's API once the engine has loaded (null before), and
 * changing it re-renders the caller.
 */
export function useRuSheet(): { ref: RuSheetRef; api: RuSheetApi | null } {
  const [api, setApi] = useState<RuSheetApi | null>(null);
  const ref = useMemo(() => {
    const fn = ((value: RuSheetApi | null) => {
      fn.current = value;
      setApi(value);
    }) as RuSheetRef;
    fn.current = null;
    return fn;
  }, []);
  return { ref, api };
}
