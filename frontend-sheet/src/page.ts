/**
 * The spreadsheet page served by `sheet-collab --static frontend-sheet/web`
 * (see docs/sheet-ui.md): opens the document named by `?doc=` (default
 * `welcome`) on the server the page came from, with the user name from
 * `?user=`. Everyone with the same URL edits the same sheet.
 */
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

import { init, Workbook } from './index.js';
import { CollabSheet } from './collab.js';
import { SheetGrid, type Peer } from './grid.js';

const COLORS = ['#e8710a', '#188038', '#a142f4', '#d93025', '#007b83', '#c5221f', '#1967d2', '#b06000'];

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const name = params.get('doc') || 'welcome';
  const user = params.get('user') || `guest ${Math.floor(Math.random() * 1000)}`;
  await init(new URL('dist/sheet_wasm_bg.wasm', location.href));
  const workbook = new Workbook();
  const doc = new Y.Doc();
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
  // disableBc: every change goes through the server, also between tabs.
  const provider = new WebsocketProvider(wsUrl, name, doc, { disableBc: true });
  const sheet = new CollabSheet(workbook, doc);
  const color = COLORS[doc.clientID % COLORS.length];
  const awareness = provider.awareness;
  awareness.setLocalStateField('user', { name: user, color });
  const grid = new SheetGrid(document.getElementById('sheet')!, workbook, sheet, {
    onSelect: (s) => awareness.setLocalStateField('cursor', s),
  });
  awareness.setLocalStateField('cursor', grid.selection);
  const peersEl = document.getElementById('peers')!;
  awareness.on('change', () => {
    const peers: Peer[] = [];
    const chips: string[] = [];
    awareness.getStates().forEach((state, id) => {
      if (id === doc.clientID || !state.user) return;
      const u = state.user as { name: string; color: string };
      chips.push(`<span style="background:${u.color}">${u.name.replace(/</g, '&lt;')}</span>`);
      const c = state.cursor as { row: number; col: number; row2: number; col2: number } | undefined;
      if (c) peers.push({ name: u.name, color: u.color, row: c.row, col: c.col, row2: c.row2, col2: c.col2 });
    });
    peersEl.innerHTML = chips.join('');
    grid.setPeers(peers);
  });
  const conn = document.getElementById('connection')!;
  provider.on('status', (e: { status: string }) => {
    conn.textContent = e.status;
  });
  document.getElementById('document')!.textContent = name;
  document.title = `${name} · rusheet`;
  grid.focus();
  // For tests and the console: the page's parts.
  Object.assign(globalThis, { rusheetPage: { workbook, doc, provider, sheet, grid } });
}

main().catch((e) => {
  document.body.textContent = `rusheet could not start: ${e instanceof Error ? e.message : String(e)}`;
});
