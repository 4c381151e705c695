// The collaboration server (rust-shared/sheet-collab) against the npm Yjs
// client: `yjs` documents synchronised by `y-websocket` providers, raw
// WebSocket clients sending bad frames, and restarts on the same store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';

import { startServer, tempStore, until } from './collab/server.mjs';

function client(url, room) {
  const doc = new Y.Doc();
  // disableBc: providers in one process would otherwise also talk through
  // a BroadcastChannel and bypass the server under test.
  const provider = new WebsocketProvider(url, room, doc, { WebSocketPolyfill: WebSocket, disableBc: true });
  return { doc, provider, cells: doc.getMap('cells') };
}

async function synced(...clients) {
  await until(() => clients.every((c) => c.provider.synced), 'the initial sync');
}

function close(...clients) {
  for (const c of clients) {
    c.provider.destroy();
    c.doc.destroy();
  }
}

/** Opens a raw WebSocket to a room, sends `frame`, resolves with the close code and reason. */
function sendRaw(url, room, frame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/${room}`);
    ws.on('error', reject);
    ws.on('open', () => ws.send(frame));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
}

test('two y-websocket clients converge, the same cell included', async () => {
  const server = await startServer();
  const a = client(server.url, 'book');
  const b = client(server.url, 'book');
  try {
    await synced(a, b);
    a.doc.transact(() => {
      for (let r = 0; r < 50; r++) a.cells.set(`${r}:0`, String(r));
    });
    b.cells.set('0:1', '=SUM(A1:A50)');
    // Conflicting writes to one cell: both sides must settle on one value.
    a.cells.set('5:5', 'from a');
    b.cells.set('5:5', 'from b');
    await until(() => a.cells.size === 52 && b.cells.size === 52, 'all 52 cells on both sides');
    await until(() => a.cells.get('5:5') === b.cells.get('5:5'), 'the conflicting cell to agree');
    assert.deepEqual(a.cells.toJSON(), b.cells.toJSON());
    assert.equal(a.cells.get('0:1'), '=SUM(A1:A50)');
    assert.equal(b.cells.get('49:0'), '49');
    assert.ok(['from a', 'from b'].includes(a.cells.get('5:5')));
  } finally {
    close(a, b);
    await server.stop();
  }
});

test('awareness: cursors of others appear and vanish when they leave', async () => {
  const server = await startServer();
  const a = client(server.url, 'cursors');
  const b = client(server.url, 'cursors');
  try {
    await synced(a, b);
    a.provider.awareness.setLocalStateField('user', { name: 'Ada', cursor: { row: 3, col: 2 } });
    const aid = a.doc.clientID;
    await until(() => b.provider.awareness.getStates().get(aid)?.user?.name === 'Ada', "Ada's cursor at b");
    assert.deepEqual(b.provider.awareness.getStates().get(aid).user.cursor, { row: 3, col: 2 });
    a.provider.disconnect();
    await until(() => !b.provider.awareness.getStates().has(aid), "Ada's state to go when she disconnects");
  } finally {
    close(a, b);
    await server.stop();
  }
});

test('a malformed message closes that connection only', async () => {
  const server = await startServer();
  const a = client(server.url, 'shared');
  const b = client(server.url, 'shared');
  try {
    await synced(a, b);
    // sync/update whose length prefix runs past the end of the frame
    const bad = await sendRaw(server.url, 'shared', Buffer.from([0, 2, 0xff, 0xff, 0x7f, 1, 2]));
    assert.equal(bad.code, 1007);
    assert.match(bad.reason, /malformed message/);
    // an update that decodes as varints but is not a Yjs update
    const garbage = await sendRaw(server.url, 'shared', Buffer.from([0, 2, 4, 9, 9, 9, 9]));
    assert.equal(garbage.code, 1007);
    const unknown = await sendRaw(server.url, 'shared', Buffer.from([7, 0]));
    assert.equal(unknown.code, 1007);
    assert.match(unknown.reason, /unknown message type 7/);
    const text = await sendRaw(server.url, 'shared', 'hello');
    assert.equal(text.code, 1003);
    a.cells.set('0:0', 'still here');
    await until(() => b.cells.get('0:0') === 'still here', 'an edit after the bad clients');
    const stats = async () => (await fetch(`http://127.0.0.1:${server.port}/_stats`)).json();
    // The closed connections' tasks finish just after their clients see the close.
    for (let i = 0; i < 200 && (await stats()).connections !== 2; i++) await new Promise((r) => setTimeout(r, 25));
    const final = await stats();
    assert.equal(final.rejected, 3);
    assert.equal(final.connections, 2);
  } finally {
    close(a, b);
    await server.stop();
  }
});

test('an oversized message closes that connection only', async () => {
  const server = await startServer({ args: ['--max-message-bytes', '65536'] });
  const a = client(server.url, 'big');
  const b = client(server.url, 'big');
  try {
    await synced(a, b);
    const big = await sendRaw(server.url, 'big', Buffer.alloc(100_000, 1));
    assert.equal(big.code, 1009);
    assert.match(big.reason, /message too big/);
    a.cells.set('1:1', 'after the big one');
    await until(() => b.cells.get('1:1') === 'after the big one', 'an edit after the oversized message');
  } finally {
    close(a, b);
    await server.stop();
  }
});

for (const signal of ['SIGTERM', 'SIGKILL']) {
  test(`documents survive a server restart (${signal})`, async () => {
    const store = tempStore();
    let server = await startServer({ store });
    const a = client(server.url, 'ledger');
    const b = client(server.url, 'ledger');
    const n = 1100; // more than one compaction's worth of log entries
    try {
      await synced(a, b);
      for (let i = 0; i < n; i++) a.cells.set(`${i}:0`, `=${i}*2`);
      b.doc.getText('title').insert(0, 'Q3 budget');
      // b received every update: the server stored it before relaying it.
      await until(() => b.cells.size === n && a.doc.getText('title').toString() === 'Q3 budget', 'both sides to have everything');
    } finally {
      close(a, b);
    }
    await server.stop(signal);
    server = await startServer({ store });
    const c = client(server.url, 'ledger');
    try {
      await synced(c);
      assert.equal(c.cells.size, n);
      assert.equal(c.cells.get('1099:0'), '=1099*2');
      assert.equal(c.doc.getText('title').toString(), 'Q3 budget');
    } finally {
      close(c);
      await server.stop();
    }
  });
}

test('two server processes serve one document through Redis (relay and shared store)', async (t) => {
  const redis = process.env.OUROBOROS_REDIS_URL;
  if (!redis) {
    if (process.env.OUROBOROS_REQUIRE_SERVICES === '1') throw new Error('OUROBOROS_REDIS_URL is not set');
    t.skip('needs Redis: set OUROBOROS_REDIS_URL');
    return;
  }
  // A fresh namespace: store keys and relay channels of this run only.
  const ns = `sheet-collab-test-${process.pid}-${Date.now()}`;
  const args = ['--relay', redis, '--namespace', ns];
  const one = await startServer({ store: redis, args });
  const two = await startServer({ store: redis, args });
  const a = client(one.url, 'shared');
  const b = client(two.url, 'shared');
  try {
    await synced(a, b);
    a.cells.set('0:0', 'from one');
    b.cells.set('0:1', 'from two');
    a.cells.set('5:5', 'a wins?');
    b.cells.set('5:5', 'b wins?');
    await until(() => a.cells.size === 3 && b.cells.size === 3, 'edits crossing between the two processes');
    await until(() => a.cells.get('5:5') === b.cells.get('5:5'), 'the conflicting cell to agree');
    assert.deepEqual(a.cells.toJSON(), b.cells.toJSON());
    a.provider.awareness.setLocalStateField('user', { name: 'Ada' });
    await until(() => b.provider.awareness.getStates().get(a.doc.clientID)?.user?.name === 'Ada', 'awareness across processes');
    const expected = a.cells.toJSON();
    // Everyone leaves; both processes drop the room from memory.
    close(a, b);
    const rooms = async (server) => (await (await fetch(`http://127.0.0.1:${server.port}/_stats`)).json()).rooms;
    for (let i = 0; i < 200 && (await rooms(one)) + (await rooms(two)) > 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal((await rooms(one)) + (await rooms(two)), 0);
    // A latecomer on the second process reads the document back from the
    // shared store, entries of both processes included.
    const c = client(two.url, 'shared');
    try {
      await synced(c);
      assert.deepEqual(c.cells.toJSON(), expected);
      assert.equal(c.cells.get('0:0'), 'from one');
    } finally {
      close(c);
    }
  } finally {
    close(a, b);
    await one.stop();
    await two.stop();
  }
});

test('pings: a silent peer is closed, a live client stays', async () => {
  const server = await startServer({ args: ['--ping-seconds', '1'] });
  const a = client(server.url, 'pinged');
  const b = client(server.url, 'pinged');
  let drops = 0;
  a.provider.on('status', (e) => {
    if (e.status === 'disconnected') drops++;
  });
  try {
    await synced(a, b);
    // A TCP peer that completes the WebSocket handshake, then never answers.
    const { connect } = await import('node:net');
    const silent = connect(server.port, '127.0.0.1');
    const closed = new Promise((resolve, reject) => {
      silent.on('close', () => resolve(Date.now()));
      setTimeout(() => reject(new Error('the silent peer was not closed within 10 s')), 10_000);
    });
    silent.on('error', () => {});
    await new Promise((r) => silent.once('connect', r));
    const started = Date.now();
    silent.write(
      'GET /pinged HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    silent.resume();
    const end = await closed;
    assert.ok(end - started >= 1500, `closed after ${end - started} ms, before two ping intervals`);
    // The y-websocket clients answered every ping and are still connected.
    a.cells.set('0:0', 'still connected');
    await until(() => b.cells.get('0:0') === 'still connected', 'an edit after the pings');
    assert.equal(drops, 0);
  } finally {
    close(a, b);
    await server.stop();
  }
});

test('a stop sent as soon as the address is announced is graceful', async () => {
  // The signals are caught before the line is printed: none of these stops
  // may end the process by the signal's default action.
  for (let i = 0; i < 10; i += 1) {
    const server = await startServer();
    await server.stop();
    assert.equal(server.proc.signalCode, null, `stop ${i} killed the server by its signal`);
    assert.equal(server.proc.exitCode, 0, `stop ${i}: ${server.stderr()}`);
  }
});

test('a stop is not held by a peer that never reads or answers', async () => {
  const server = await startServer();
  const a = client(server.url, 'held');
  const { connect } = await import('node:net');
  const silent = connect(server.port, '127.0.0.1');
  silent.on('error', () => {});
  try {
    a.cells.set('0:0', 'kept');
    await new Promise((r) => silent.once('connect', r));
    silent.write(
      'GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    silent.pause(); // never reads what the server sends
    await until(() => a.cells.get('0:0') === 'kept', 'the local edit');
    const started = Date.now();
    await server.stop(); // fails the test if the server is still up 20 s later
    assert.ok(Date.now() - started < 15_000, `the stop took ${Date.now() - started} ms`);
    assert.ok(server.proc.exitCode !== null, 'the server exited by itself');
  } finally {
    silent.destroy();
    close(a);
    await server.stop();
  }
});
