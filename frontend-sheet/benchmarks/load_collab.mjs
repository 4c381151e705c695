// Load test of the collaboration server: CLIENTS y-websocket clients on one
// document, each committing RATE single-cell edits per second for SECONDS;
// then every client must hold the same document. Reports the update latency
// (edit committed at one client -> applied at another, over every pair),
// and the server's CPU time from /proc.
//
//   node benchmarks/load_collab.mjs [--clients 50] [--rate 10] [--seconds 60] [--workers 4] [--store URL]
//   node benchmarks/load_collab.mjs --peer ...   the same load on y-websocket's node server
//
// Needs target/ci/sheet-collab (or SHEET_COLLAB) and a store path it can write.
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The peer: y-websocket's own node server (npm y-websocket 1.5, in memory). */
async function startPeer() {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = probe.address().port;
      probe.close(() => resolve(p));
    });
  });
  const script = fileURLToPath(new URL('../node_modules/y-websocket-server-v1/bin/server.js', import.meta.url));
  const proc = spawn('node', [script], { env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => proc.stdout.on('data', (d) => String(d).includes('running at') && resolve()));
  return {
    proc,
    url: `ws://127.0.0.1:${port}`,
    stop: () => new Promise((done) => { proc.on('exit', done); proc.kill('SIGTERM'); }),
  };
}

if (isMainThread) {
  const { startServer, tempStore } = await import('../tests/collab/server.mjs');
  const arg = (name, dflt) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : dflt;
  };
  const clients = arg('clients', 50);
  const rate = arg('rate', 10);
  const seconds = arg('seconds', 60);
  const workers = Math.min(arg('workers', 4), clients);
  const storeIdx = process.argv.indexOf('--store');
  const peer = process.argv.includes('--peer');
  const store = peer ? 'memory (the y-websocket 1.5 node server)' : storeIdx > 0 ? process.argv[storeIdx + 1] : tempStore();
  const server = peer ? await startPeer() : await startServer({ store });
  const cpu = () => {
    const f = readFileSync(`/proc/${server.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks of 10 ms
  };
  const threads = [];
  for (let w = 0; w < workers; w++) {
    const ids = [];
    for (let c = w; c < clients; c += workers) ids.push(c);
    threads.push(new Worker(fileURLToPath(import.meta.url), { workerData: { url: server.url, ids, rate, seconds } }));
  }
  const ask = (t, msg) =>
    new Promise((resolve) => {
      t.once('message', resolve);
      t.postMessage(msg);
    });
  await Promise.all(threads.map((t) => ask(t, 'connect')));
  const cpu0 = cpu();
  const t0 = performance.now();
  const runs = await Promise.all(threads.map((t) => ask(t, 'run')));
  const wall = (performance.now() - t0) / 1000;
  const cpuUsed = cpu() - cpu0;
  // Wait for everyone to converge on the same document.
  let views = [];
  const deadline = Date.now() + 60_000;
  for (;;) {
    views = (await Promise.all(threads.map((t) => ask(t, 'state')))).flat();
    if (views.every((v) => v === views[0]) || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const converged = views.every((v) => v === views[0]);
  const lat = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  const sent = runs.reduce((n, r) => n + r.sent, 0);
  const lines = [
    `store ${store}`,
    `clients ${clients}, ${rate} edits/s each, ${seconds} s: ${sent} edits sent (${(sent / seconds).toFixed(0)}/s), ${lat.length} deliveries measured`,
    `update latency p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${lat[lat.length - 1].toFixed(1)} ms`,
    `server CPU ${cpuUsed.toFixed(1)} s in ${wall.toFixed(1)} s wall, the last 2 s idle (${((100 * cpuUsed) / seconds).toFixed(0)}% of one core while editing)`,
    `every client ends with the same document: ${converged ? 'yes' : 'NO'} (${views.length} clients)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  await Promise.all(threads.map((t) => ask(t, 'close')));
  await server.stop();
  process.exit(converged ? 0 : 1);
} else {
  // Each simulated client is a Yjs document that makes its own edits and a
  // WebSocket speaking the y-websocket protocol. Relayed updates are
  // timestamped when they arrive (the edit's time and author are in the
  // cell's text, "=<ms>+<client>") and applied to the client's document at the end: 50 full Yjs
  // replicas applying 24,500 updates/s would measure this machine's node
  // process, not the server.
  const WebSocket = (await import('ws')).default;
  const Y = await import('yjs');
  const encoding = await import('lib0/encoding');
  const decoding = await import('lib0/decoding');
  const sync = await import('y-protocols/sync');
  const { url, ids, rate, seconds } = workerData;
  const now = () => performance.timeOrigin + performance.now();
  const peers = [];
  const latencies = [];
  let measuring = false;
  const stamp = /=(\d{13}\.\d+)\+(\d+)/g;
  parentPort.on('message', async (msg) => {
    if (msg === 'connect') {
      for (const id of ids) {
        const doc = new Y.Doc();
        const ws = new WebSocket(`${url}/load`);
        ws.binaryType = 'nodebuffer';
        const peer = { id, doc, ws, cells: doc.getMap('cells'), received: [], synced: false };
        doc.on('update', (update, origin) => {
          if (origin === 'remote') return;
          const enc = encoding.createEncoder();
          encoding.writeVarUint(enc, 0);
          sync.writeUpdate(enc, update);
          ws.send(encoding.toUint8Array(enc));
        });
        ws.on('open', () => {
          const enc = encoding.createEncoder();
          encoding.writeVarUint(enc, 0);
          sync.writeSyncStep1(enc, doc);
          ws.send(encoding.toUint8Array(enc));
        });
        ws.on('message', (data) => {
          const t = now();
          if (data[0] !== 0) return;
          if (data[1] === 2 && measuring) {
            for (const m of data.toString('latin1').matchAll(stamp)) {
              // y-websocket's server also echoes an update to its sender.
              if (Number(m[2]) !== id) latencies.push(t - Number(m[1]));
            }
          }
          if (data[1] === 1) peer.synced = true;
          peer.received.push(data);
        });
        peers.push(peer);
      }
      while (!peers.every((p) => p.synced)) await new Promise((r) => setTimeout(r, 20));
      parentPort.postMessage('connected');
    } else if (msg === 'run') {
      measuring = true;
      let sent = 0;
      const timers = peers.map((p, i) => {
        let seq = 0;
        // Spread the clients' ticks over the interval.
        return new Promise((resolve) =>
          setTimeout(() => {
            const timer = setInterval(() => {
              p.cells.set(`${seq % 1000}:${p.id}`, `=${now().toFixed(3)}+${p.id}`);
              seq++;
              sent++;
            }, 1000 / rate);
            setTimeout(() => {
              clearInterval(timer);
              resolve();
            }, seconds * 1000);
          }, (i * 1000) / rate / peers.length),
        );
      });
      await Promise.all(timers);
      await new Promise((r) => setTimeout(r, 2000));
      measuring = false;
      parentPort.postMessage({ sent, latencies });
    } else if (msg === 'state') {
      for (const p of peers) {
        for (const data of p.received.splice(0)) {
          const dec = decoding.createDecoder(data);
          decoding.readVarUint(dec);
          sync.readSyncMessage(dec, encoding.createEncoder(), p.doc, 'remote');
        }
      }
      parentPort.postMessage(peers.map((p) => JSON.stringify(Object.entries(p.cells.toJSON()).sort())));
    } else if (msg === 'close') {
      for (const p of peers) p.ws.close();
      parentPort.postMessage('closed');
    }
  });
}
