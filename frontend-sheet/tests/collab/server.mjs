// Starts the Rust collaboration server (target/ci/sheet-collab, built by
// `nox -s sheet`; SHEET_COLLAB overrides the path) on a free port.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BINARY = process.env.SHEET_COLLAB ?? join(ROOT, 'target', 'ci', 'sheet-collab');

export function tempStore() {
  return `file://${join(mkdtempSync(join(tmpdir(), 'sheet-collab-')), 'docs.redb')}`;
}

/** Runs the server; resolves once it prints its address. */
export function startServer({ store = 'memory://', args = [], port = 0 } = {}) {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} is missing: cargo build --profile ci -p sheet-collab`);
  }
  const proc = spawn(BINARY, ['--port', String(port), '--store', store, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${stderr}`));
    });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on ws:\/\/([\d.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[2]);
        resolve({
          proc,
          port,
          url: `ws://127.0.0.1:${port}`,
          stderr: () => stderr,
          /**
           * Stops the server with `signal` and waits for it to exit; a server
           * still running 20 s later is killed and the stop fails (a test
           * must never wait forever on it).
           */
          stop(signal = 'SIGTERM') {
            if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
            return new Promise((done, fail) => {
              const limit = setTimeout(() => {
                proc.kill('SIGKILL');
                fail(new Error(`sheet-collab did not exit within 20 s of ${signal}; its stderr:\n${stderr}`));
              }, 20_000);
              proc.removeAllListeners('exit');
              proc.on('exit', () => {
                clearTimeout(limit);
                done();
              });
              proc.kill(signal);
            });
          },
        });
      }
    });
  });
}

/** Polls `check` until it returns true (or throws after `ms`, naming `what`). */
export async function until(check, what, ms = 20_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
