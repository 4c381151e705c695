// Scrolling the canvas grid over a 100,000-row sheet in headless Chromium:
// time per frame (viewport read from WebAssembly + drawing), the viewport
// read alone, and frames per second while scrolling on every animation frame.
//
//   node benchmarks/bench_grid.mjs [--rows 100000] [--frames 600]
//
// Needs web/dist (scripts/build-web.mjs), target/ci/sheet-collab and Chromium.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { startServer } from '../tests/collab/server.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const rows = arg('rows', 100_000);
const frames = arg('frames', 600);
const WEB = fileURLToPath(new URL('../web/', import.meta.url));
const CHROMIUM =
  process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

const server = await startServer({ args: ['--static', WEB] });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`http://127.0.0.1:${server.port}/?doc=bench-grid`);
  await page.waitForFunction(() => globalThis.rusheetPage?.provider.synced === true);
  const result = await page.evaluate(
    async ([rows, frames]) => {
      const { workbook, grid } = globalThis.rusheetPage;
      const t0 = performance.now();
      // Filled in the engine directly (not shared): this measures drawing.
      workbook.batch(() => {
        for (let r = 0; r < rows; r++) {
          workbook.setCellValue(r, 0, r);
          workbook.setCellValue(r, 1, `=A${r + 1}*2`);
          workbook.setCellValue(r, 2, `item ${r}`);
          workbook.setCellValue(r, 3, r % 7 === 0 ? '=1/0' : r / 3);
        }
      });
      const fill = performance.now() - t0;
      const scroller = document.querySelector('.rusheet-scroller');
      const step = Math.floor((rows * 22) / frames);
      const draws = [];
      for (let i = 0; i < frames; i++) {
        scroller.scrollTop = i * step;
        const a = performance.now();
        grid.draw();
        draws.push(performance.now() - a);
      }
      const f = grid.frame;
      const reads = [];
      for (let i = 0; i < frames; i++) {
        const a = performance.now();
        workbook.getViewport((i * 997) % (rows - f.rows), 0, f.rows, f.cols);
        reads.push(performance.now() - a);
      }
      // Real animation frames while the sheet scrolls by 3 rows per frame.
      scroller.scrollTop = 0;
      const before = grid.frames;
      const start = performance.now();
      await new Promise((done) => {
        const tick = () => {
          scroller.scrollTop += 66;
          if (performance.now() - start < 3000) requestAnimationFrame(tick);
          else done();
        };
        requestAnimationFrame(tick);
      });
      const fps = ((grid.frames - before) * 1000) / (performance.now() - start);
      const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
      return {
        fill,
        visible: `${f.rows} x ${f.cols}`,
        drawP50: q(draws, 0.5),
        drawP99: q(draws, 0.99),
        readMean: reads.reduce((a, b) => a + b, 0) / reads.length,
        drawMean: draws.reduce((a, b) => a + b, 0) / draws.length,
        readP50: q(reads, 0.5),
        readP99: q(reads, 0.99),
        fps,
      };
    },
    [rows, frames],
  );
  const ms = (x) => `${x.toFixed(2)} ms`;
  process.stdout.write(
    [
      `${rows} rows x 4 columns filled in ${ms(result.fill)}; ${result.visible} cells visible at 1280x800`,
      `frame (viewport read + draw), ${frames} frames across the sheet: mean ${ms(result.drawMean)}, p50 ${ms(result.drawP50)}, p99 ${ms(result.drawP99)}`,
      `viewport read alone (one WebAssembly call; browser timers tick in 0.1 ms): mean ${ms(result.readMean)}, p99 ${ms(result.readP99)}`,
      `scrolling 3 rows per animation frame for 3 s: ${result.fps.toFixed(1)} frames drawn per second`,
    ].join('\n') + '\n',
  );
} finally {
  await browser.close();
  await server.stop();
}
