// A Yjs peer for the pycrdt interoperability test: connects to ROOM on URL
// with y-websocket, writes its cells, waits until the document holds
// EXPECT cells and the text "title" is TITLE, then prints the cells map as
// JSON and exits.  usage: node node_peer.mjs URL ROOM EXPECT TITLE
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

const [url, room, expect, title] = process.argv.slice(2);
const doc = new Y.Doc();
const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: WebSocket, disableBc: true });
const cells = doc.getMap('cells');
const deadline = setTimeout(() => {
  process.stderr.write(`node peer timed out with ${JSON.stringify(cells.toJSON())}\n`);
  process.exit(1);
}, 30_000);
provider.on('sync', (synced) => {
  if (!synced) return;
  doc.transact(() => {
    for (let r = 0; r < 20; r++) cells.set(`${r}:1`, `node ${r}`);
    cells.set('0:9', 'node wins?');
  });
});
const check = () => {
  if (cells.size >= Number(expect) && doc.getText('title').toString() === title) {
    clearTimeout(deadline);
    process.stdout.write(JSON.stringify({ cells: cells.toJSON(), title: doc.getText('title').toString() }) + '\n');
    provider.destroy();
    process.exit(0);
  }
};
doc.on('update', check);
