// The spreadsheet page in real headless Chromium (Debian's, through
// playwright-core): typing values and formulas, undo/redo, copy/paste, what
// the canvas shows, and two browser contexts editing one document.
// Needs web/dist (scripts/build-web.mjs) and the sheet-collab server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'esbuild';

import { startServer } from './collab/server.mjs';

const WEB = fileURLToPath(new URL('../web/', import.meta.url));
const CHROMIUM =
  process.env.CHROMIUM ??
  ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p)) ??
  '/usr/bin/chromium';
// One folder per user: another user's run may already own the shared name.
const SHOTS = process.env.SHEET_SCREENSHOTS ?? join(tmpdir(), `rusheet-screenshots-${process.getuid?.() ?? 'user'}`);

let server;
let browser;

before(async () => {
  if (!existsSync(join(WEB, 'dist', 'app.js'))) throw new Error('web/dist is missing: node scripts/build-web.mjs');
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or set CHROMIUM)`);
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ args: ['--static', WEB] });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(context, doc, user) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.port}/?doc=${doc}&user=${user}`);
  await page.waitForFunction(() => globalThis.rusheetPage?.provider.synced === true, null, { timeout: 20_000 });
  page.errors = errors;
  return page;
}

/** What the grid drew last frame in a cell (after the next frame). */
async function drawn(page, row, col) {
  return page.evaluate(
    ([r, c]) =>
      new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve(globalThis.rusheetPage.grid.drawnText(r, c))))),
    [row, col],
  );
}

async function waitDrawn(page, row, col, text) {
  await page.waitForFunction(([r, c, t]) => globalThis.rusheetPage.grid.drawnText(r, c) === t, [row, col, text], {
    timeout: 10_000,
  });
}

/** Dark pixels in a cell's box on the canvas (text drawn there). */
async function inkIn(page, row, col) {
  return page.evaluate(([r, c]) => {
    const { grid } = globalThis.rusheetPage;
    const canvas = document.querySelector('canvas.rusheet-canvas');
    const dpr = devicePixelRatio || 1;
    const b = grid.cellBox(r, c);
    const img = canvas.getContext('2d').getImageData((b.x + 3) * dpr, (b.y + 3) * dpr, (b.w - 6) * dpr, (b.h - 6) * dpr);
    let ink = 0;
    for (let i = 0; i < img.data.length; i += 4) if (img.data[i] + img.data[i + 1] + img.data[i + 2] < 300) ink++;
    return ink;
  }, [row, col]);
}

test('typing values and formulas shows computed results; undo, redo, F2, errors', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  const page = await open(context, 'typing', 'ann');
  const kb = page.keyboard;
  await kb.type('2');
  await kb.press('Enter');
  await kb.type('=A1*21');
  await kb.press('Enter');
  await kb.type('=1/0');
  await kb.press('Enter');
  await kb.type('hello');
  await kb.press('Tab');
  await waitDrawn(page, 1, 0, '42');
  assert.equal(await drawn(page, 0, 0), '2');
  assert.equal(await drawn(page, 2, 0), '#DIV/0!');
  assert.equal(await drawn(page, 3, 0), 'hello');
  assert.deepEqual(await page.evaluate(() => globalThis.rusheetPage.grid.selection), { row: 3, col: 1, row2: 3, col2: 1 });

  // The canvas shows it: ink where values are, none in an empty cell.
  await page.screenshot({ path: join(SHOTS, 'typing.png') });
  assert.ok((await inkIn(page, 1, 0)) > 10, 'A2 shows its value');
  assert.equal(await inkIn(page, 5, 3), 0, 'D6 is empty');

  // F2 edits the formula in place; the dependent recalculates.
  await page.evaluate(() => globalThis.rusheetPage.grid.select(0, 0));
  await kb.press('F2');
  await kb.type('0');
  await kb.press('Enter');
  await waitDrawn(page, 1, 0, '420');
  assert.equal(await page.inputValue('input.rusheet-formula'), '=A1*21');

  // Undo and redo keys.
  await kb.press('Control+z');
  await waitDrawn(page, 1, 0, '42');
  await kb.press('Control+y');
  await waitDrawn(page, 1, 0, '420');
  await kb.press('Control+z');
  await waitDrawn(page, 1, 0, '42');

  // Delete clears; a formula the engine refuses keeps the editor open with the reason.
  await page.evaluate(() => globalThis.rusheetPage.grid.select(3, 0));
  await kb.press('Delete');
  await waitDrawn(page, 3, 0, '');
  await kb.type('=SUM(1,');
  await kb.press('Enter');
  assert.match(await page.textContent('.rusheet-status'), /cannot parse formula/);
  assert.equal(await page.isVisible('input.rusheet-editor'), true);
  await kb.press('Escape');
  assert.equal(await page.evaluate(() => globalThis.rusheetPage.workbook.getCellData(3, 0).type), 'empty');

  // The formula bar commits too.
  await page.evaluate(() => globalThis.rusheetPage.grid.select(4, 0));
  await page.fill('input.rusheet-formula', '=SUM(A1:A2)');
  await page.press('input.rusheet-formula', 'Enter');
  await waitDrawn(page, 4, 0, '44');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('copy as TSV and HTML, paste a TSV block', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  const page = await open(context, 'clipboard', 'bo');
  const copied = await page.evaluate(() => {
    const { sheet, grid } = globalThis.rusheetPage;
    sheet.setCells([
      { row: 0, col: 0, input: '1' },
      { row: 0, col: 1, input: 'a<b' },
      { row: 1, col: 0, input: '=A1+1' },
    ]);
    grid.select(0, 0, 1, 1);
    const data = new DataTransfer();
    document.querySelector('.rusheet-scroller').dispatchEvent(new ClipboardEvent('copy', { clipboardData: data, bubbles: true }));
    return { tsv: data.getData('text/plain'), html: data.getData('text/html') };
  });
  assert.equal(copied.tsv, '1\ta<b\n2\t');
  assert.equal(copied.html, '<table><tr><td>1</td><td>a&lt;b</td></tr><tr><td>2</td><td></td></tr></table>');
  await page.evaluate(() => {
    globalThis.rusheetPage.grid.select(5, 2);
    const data = new DataTransfer();
    data.setData('text/plain', '10\t20\n=C6+D6\t\n');
    document.querySelector('.rusheet-scroller').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true }));
  });
  await waitDrawn(page, 6, 2, '30');
  assert.equal(await drawn(page, 5, 3), '20');
  // one paste, one undo step
  await page.keyboard.press('Control+z');
  await waitDrawn(page, 6, 2, '');
  assert.equal(await drawn(page, 5, 2), '');
  await context.close();
});

test('two browser contexts edit one document and end identical', async () => {
  const ctxA = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const ctxB = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const a = await open(ctxA, 'together', 'ann');
  const b = await open(ctxB, 'together', 'bob');
  await a.keyboard.type('10');
  await a.keyboard.press('Enter');
  await b.evaluate(() => globalThis.rusheetPage.grid.select(0, 1));
  await b.keyboard.type('=A1*2');
  await b.keyboard.press('Enter');
  await waitDrawn(a, 0, 1, '20');
  await waitDrawn(b, 0, 1, '20');

  // Both write C1 at once: the CRDT settles on one value everywhere.
  await Promise.all([
    a.evaluate(() => globalThis.rusheetPage.sheet.setCells([{ row: 0, col: 2, input: 'from ann' }])),
    b.evaluate(() => globalThis.rusheetPage.sheet.setCells([{ row: 0, col: 2, input: 'from bob' }])),
  ]);
  const c1 = () => (p) => p.evaluate(() => globalThis.rusheetPage.workbook.getCellData(0, 2).value);
  await a.waitForFunction(
    () => globalThis.rusheetPage.provider.ws && globalThis.rusheetPage.doc.getMap('cells').get('0:2') !== undefined,
  );
  for (let i = 0; i < 200 && (await c1()(a)) !== (await c1()(b)); i++) await a.waitForTimeout(25);
  assert.equal(await c1()(a), await c1()(b));
  assert.ok(['from ann', 'from bob'].includes(await c1()(a)));

  // Bob goes offline, edits, and comes back; Ann edits meanwhile.
  await b.evaluate(() => globalThis.rusheetPage.provider.disconnect());
  await b.evaluate(() => globalThis.rusheetPage.sheet.setCells([{ row: 3, col: 0, input: 'offline edit' }, { row: 0, col: 0, input: '7' }]));
  await a.evaluate(() => globalThis.rusheetPage.sheet.setCells([{ row: 4, col: 0, input: '=B1+1' }]));
  await waitDrawn(b, 0, 1, '14');
  await waitDrawn(a, 4, 0, '21');
  assert.equal(await a.evaluate(() => globalThis.rusheetPage.workbook.getCellData(3, 0).type), 'empty');
  await b.evaluate(() => globalThis.rusheetPage.provider.connect());
  await waitDrawn(a, 3, 0, 'offline edit');
  await waitDrawn(a, 4, 0, '15');
  await waitDrawn(b, 4, 0, '15');

  // Each sees the other's cursor.
  await b.evaluate(() => globalThis.rusheetPage.grid.select(2, 2));
  await a.waitForFunction(() => [...globalThis.rusheetPage.provider.awareness.getStates().values()].some((s) => s.user?.name === 'bob' && s.cursor?.row === 2));
  assert.match(await a.textContent('#peers'), /bob/);

  const view = (p) => p.evaluate(() => globalThis.rusheetPage.workbook.getViewport(0, 0, 20, 8));
  assert.equal(await view(a), await view(b));
  await a.screenshot({ path: join(SHOTS, 'together-a.png') });
  await b.screenshot({ path: join(SHOTS, 'together-b.png') });
  assert.ok((await inkIn(a, 3, 0)) > 10);
  assert.ok((await inkIn(b, 3, 0)) > 10);
  assert.deepEqual([...a.errors, ...b.errors], []);
  await ctxA.close();
  await ctxB.close();
});

test('rows and columns inserted and deleted on one page move everything on the other, also concurrently', async () => {
  const ctxA = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const ctxB = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const a = await open(ctxA, 'structure', 'ann');
  const b = await open(ctxB, 'structure', 'bob');
  await a.evaluate(() => {
    const { sheet } = globalThis.rusheetPage;
    sheet.setCells([
      { row: 0, col: 0, input: '1' },
      { row: 1, col: 0, input: '2' },
      { row: 2, col: 0, input: '3' },
      { row: 0, col: 1, input: '=A1*10' },
      { row: 1, col: 1, input: '=A2*10' },
      { row: 2, col: 1, input: '=A3*10' },
      { row: 3, col: 1, input: '=SUM(B1:B3)' },
    ]);
    sheet.setStyle([[2, 0]], { bold: true });
    sheet.addConditionalFormat({ range: 'B1:B3', type: 'cellValue', operator: 'greaterThan', values: ['15'], style: { background: '#ff0000' } });
  });
  await waitDrawn(b, 3, 1, '60');

  // Ann selects row 2 and presses Ctrl+Shift+= (insert a row above it).
  await a.evaluate(() => globalThis.rusheetPage.grid.select(1, 0));
  await a.keyboard.press('Control+Shift+Equal');
  await waitDrawn(b, 2, 0, '2');
  await waitDrawn(b, 4, 1, '60');
  const formula = (p, r, c) => p.evaluate(([row, col]) => globalThis.rusheetPage.workbook.getCellData(row, col).formula, [r, c]);
  assert.equal(await formula(b, 4, 1), '=SUM(B1:B4)');
  assert.equal(await formula(b, 3, 1), '=A4*10');
  assert.deepEqual(await b.evaluate(() => globalThis.rusheetPage.sheet.styleAt(3, 0)), { bold: true });
  assert.equal(await b.evaluate(() => globalThis.rusheetPage.workbook.getConditionalFormats()[0].range), 'B1:B4');
  assert.equal(await drawn(b, 1, 0), '');

  // At the same time: Bob deletes row 1 while Ann types into the new row 2.
  await b.evaluate(() => globalThis.rusheetPage.provider.disconnect());
  await b.evaluate(() => globalThis.rusheetPage.sheet.deleteRows(0, 1));
  await a.evaluate(() => globalThis.rusheetPage.sheet.setCells([{ row: 1, col: 0, input: '=A3+100' }]));
  await b.evaluate(() => globalThis.rusheetPage.provider.connect());
  await waitDrawn(a, 0, 0, '102');
  await waitDrawn(b, 0, 0, '102');
  assert.equal(await formula(a, 0, 0), '=A2+100');
  assert.equal(await formula(b, 3, 1), '=SUM(B1:B3)');
  await waitDrawn(a, 3, 1, '50');

  // Ann deletes a column with the keyboard: column A's header, then Ctrl+-.
  await a.evaluate(() => globalThis.rusheetPage.grid.select(0, 0, 1_048_575, 0));
  await a.keyboard.press('Control+Minus');
  await waitDrawn(b, 3, 0, '#REF!');
  assert.equal(await formula(b, 3, 0), '=SUM(A1:A3)');

  // Bob undoes nothing of Ann's; Ann's undo brings column A back everywhere.
  assert.equal(await b.evaluate(() => globalThis.rusheetPage.sheet.undo()), true);
  await a.evaluate(() => globalThis.rusheetPage.sheet.undo());
  await waitDrawn(b, 1, 0, '102');
  await waitDrawn(b, 4, 1, '60');
  assert.equal(await formula(b, 4, 1), '=SUM(B1:B4)');
  // Ann's whole-column selection scrolled her view: back to A1.
  await a.evaluate(() => globalThis.rusheetPage.grid.select(0, 0));
  await waitDrawn(a, 0, 0, '1');
  const view = (p) => p.evaluate(() => globalThis.rusheetPage.workbook.getViewport(0, 0, 10, 5));
  for (let i = 0; i < 200 && (await view(a)) !== (await view(b)); i++) await a.waitForTimeout(25);
  assert.equal(await view(a), await view(b));
  assert.deepEqual([...a.errors, ...b.errors], []);
  await ctxA.close();
  await ctxB.close();
});

test('styles and number formats are shared, drawn and undoable', async () => {
  const ctxA = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const ctxB = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const a = await open(ctxA, 'styled', 'ann');
  const b = await open(ctxB, 'styled', 'bob');
  await a.evaluate(() => {
    const { sheet, grid } = globalThis.rusheetPage;
    sheet.setCells([
      { row: 0, col: 0, input: '0.125' },
      { row: 0, col: 1, input: 'title' },
    ]);
    grid.select(0, 0, 0, 1);
    grid.focus();
  });
  await a.keyboard.press('Control+b');
  await a.evaluate(() => {
    const { sheet } = globalThis.rusheetPage;
    sheet.setStyle([[0, 1]], { background: '#ff0000', color: '#ffffff' });
    sheet.setFormat([[0, 0]], '0.00%');
  });
  await waitDrawn(b, 0, 0, '12.50%');
  await b.waitForFunction(() => globalThis.rusheetPage.sheet.styles.get('0:1')?.background === '#ff0000');
  assert.deepEqual(await b.evaluate(() => globalThis.rusheetPage.sheet.styles.toJSON()), {
    '0:0': { bold: true },
    '0:1': { bold: true, background: '#ff0000', color: '#ffffff' },
  });
  // Bob's canvas fills B1 red.
  const red = await b.evaluate(() => {
    const { grid } = globalThis.rusheetPage;
    const canvas = document.querySelector('canvas.rusheet-canvas');
    const dpr = devicePixelRatio || 1;
    const box = grid.cellBox(0, 1);
    const img = canvas.getContext('2d').getImageData((box.x + 2) * dpr, (box.y + 2) * dpr, (box.w - 4) * dpr, (box.h - 4) * dpr);
    let n = 0;
    for (let i = 0; i < img.data.length; i += 4) if (img.data[i] > 200 && img.data[i + 1] < 60 && img.data[i + 2] < 60) n++;
    return n / (img.data.length / 4);
  });
  assert.ok(red > 0.5, `B1 is mostly red on Bob's screen (${red})`);
  await b.screenshot({ path: join(SHOTS, 'styled-b.png') });
  // Ann undoes the format: both see the plain number again.
  await a.evaluate(() => globalThis.rusheetPage.grid.focus());
  await a.keyboard.press('Control+z');
  await waitDrawn(b, 0, 0, '0.125');
  await waitDrawn(a, 0, 0, '0.125');
  assert.deepEqual([...a.errors, ...b.errors], []);
  await ctxA.close();
  await ctxB.close();
});

/** Client coordinates of a point of the grid body (x, y relative to the canvas). */
async function at(page, x, y) {
  const box = await page.locator('.rusheet-scroller').boundingBox();
  return [box.x + x, box.y + y];
}

test('the fill handle continues series and copies formulas, in one undo step', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  const page = await open(context, 'filling', 'cy');
  await page.evaluate(() => {
    const { sheet, grid } = globalThis.rusheetPage;
    sheet.setCells([
      { row: 0, col: 0, input: '1' },
      { row: 1, col: 0, input: '2' },
      { row: 0, col: 1, input: '=A1*10' },
      { row: 1, col: 1, input: '=A2*10+$A$1' },
      { row: 0, col: 2, input: 'Q1' },
    ]);
    // Styles and formats are filled along with the values.
    sheet.setStyle([[1, 0]], { bold: true });
    sheet.setFormat([[0, 0]], '0.0');
    grid.select(0, 0, 1, 2);
    grid.focus();
  });
  // Drag the handle (bottom-right corner of A1:C2) down to row 5.
  const corner = await page.evaluate(() => {
    const b = globalThis.rusheetPage.grid.cellBox(1, 2);
    const target = globalThis.rusheetPage.grid.cellBox(4, 2);
    return { x: b.x + b.w, y: b.y + b.h, ty: target.y + target.h / 2 };
  });
  const [hx, hy] = await at(page, corner.x, corner.y);
  await page.mouse.move(hx - 1, hy - 1);
  assert.equal(await page.evaluate(() => document.querySelector('.rusheet-scroller').style.cursor), 'crosshair');
  await page.mouse.down();
  const [, ty] = await at(page, 0, corner.ty);
  await page.mouse.move(hx - 20, ty, { steps: 4 });
  await page.mouse.up();
  await waitDrawn(page, 4, 1, '50');
  assert.equal(await drawn(page, 3, 1), '41');
  const column = (c) => page.evaluate((col) => [0, 1, 2, 3, 4].map((r) => globalThis.rusheetPage.workbook.getInput(r, col)), c);
  assert.deepEqual(await column(0), ['1', '2', '3', '4', '5']);
  assert.equal(await drawn(page, 4, 0), '5.0');
  assert.deepEqual(
    await page.evaluate(() => {
      const { sheet } = globalThis.rusheetPage;
      return [sheet.styles.get('3:0'), sheet.styles.get('4:0'), sheet.formats.get('2:0'), sheet.formats.get('3:0')];
    }),
    [{ bold: true }, undefined, '0.0', undefined],
  );
  assert.deepEqual(await column(1), ['=A1*10', '=A2*10+$A$1', '=A3*10', '=A4*10+$A$1', '=A5*10']);
  // Q1 over two rows (the second empty) repeats: Q1, empty, Q1.
  assert.deepEqual(await column(2), ['Q1', '', 'Q1', '', 'Q1']);
  assert.deepEqual(await page.evaluate(() => globalThis.rusheetPage.grid.selection), { row: 0, col: 0, row2: 4, col2: 2 });
  await page.screenshot({ path: join(SHOTS, 'filled.png') });
  assert.ok((await inkIn(page, 4, 0)) > 5, 'A5 shows 5');
  // Filling right from one cell: text counts on.
  await page.evaluate(() => {
    const { grid } = globalThis.rusheetPage;
    grid.select(0, 2);
    grid.fill(0, 5);
  });
  assert.deepEqual(await page.evaluate(() => [3, 4, 5].map((c) => globalThis.rusheetPage.workbook.getInput(0, c))), ['Q2', 'Q3', 'Q4']);
  // Each fill is one undo step.
  await page.keyboard.press('Control+z');
  await waitDrawn(page, 0, 3, '');
  await page.keyboard.press('Control+z');
  await waitDrawn(page, 4, 1, '');
  assert.deepEqual(await column(0), ['1', '2', '', '', '']);
  assert.deepEqual(
    await page.evaluate(() => [globalThis.rusheetPage.sheet.styles.get('3:0'), globalThis.rusheetPage.sheet.formats.get('2:0')]),
    [undefined, undefined],
  );
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('rows and columns resize by their header edges, shared with the other user', async () => {
  const ctxA = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const ctxB = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const a = await open(ctxA, 'sized', 'ann');
  const b = await open(ctxB, 'sized', 'bob');
  await a.evaluate(() => globalThis.rusheetPage.sheet.setCells([{ row: 2, col: 1, input: 'below' }]));
  // Row 1's bottom edge in the row header, dragged 30 px down.
  const edge = await a.evaluate(() => {
    const box = globalThis.rusheetPage.grid.cellBox(0, 0);
    return { x: box.x - 20, y: box.y + box.h };
  });
  const [ex, ey] = await at(a, edge.x, edge.y);
  await a.mouse.move(ex, ey);
  assert.equal(await a.evaluate(() => document.querySelector('.rusheet-scroller').style.cursor), 'row-resize');
  await a.mouse.down();
  await a.mouse.move(ex, ey + 30, { steps: 3 });
  await a.mouse.up();
  assert.equal(await a.evaluate(() => globalThis.rusheetPage.grid.height(0)), 52);
  // Column B's right edge in the column header, dragged 60 px right.
  const colEdge = await a.evaluate(() => {
    const box = globalThis.rusheetPage.grid.cellBox(0, 1);
    return { x: box.x + box.w, y: 12 };
  });
  const [cx, cy] = await at(a, colEdge.x, colEdge.y);
  await a.mouse.move(cx, cy);
  await a.mouse.down();
  await a.mouse.move(cx + 60, cy, { steps: 3 });
  await a.mouse.up();
  assert.equal(await a.evaluate(() => globalThis.rusheetPage.grid.cellBox(0, 1).w), 156);
  // Bob's grid places B3 where Ann's does.
  await b.waitForFunction(() => globalThis.rusheetPage.grid.height(0) === 52 && globalThis.rusheetPage.grid.cellBox(2, 2).x > 300);
  const boxA = await a.evaluate(() => globalThis.rusheetPage.grid.cellBox(2, 1));
  const boxB = await b.evaluate(() => globalThis.rusheetPage.grid.cellBox(2, 1));
  assert.deepEqual(boxB, boxA);
  assert.deepEqual(boxA.h, 22);
  await waitDrawn(b, 2, 1, 'below');
  assert.ok((await inkIn(b, 2, 1)) > 10, 'B3 drawn below the taller row');
  // Clicking inside the tall row selects row 1, not row 2.
  const [px, py] = await at(a, boxA.x + 10, (await a.evaluate(() => globalThis.rusheetPage.grid.cellBox(0, 1).y)) + 45);
  await a.mouse.click(px, py);
  assert.deepEqual(await a.evaluate(() => globalThis.rusheetPage.grid.selection), { row: 0, col: 1, row2: 0, col2: 1 });
  // Undo takes back the column width (the last change), for both.
  await a.keyboard.press('Control+z');
  await b.waitForFunction(() => globalThis.rusheetPage.grid.cellBox(0, 1).w === 96);
  assert.equal(await b.evaluate(() => globalThis.rusheetPage.grid.height(0)), 52);
  assert.deepEqual([...a.errors, ...b.errors], []);
  await ctxA.close();
  await ctxB.close();
});

test('the toolbar sets styles and number formats on the selection', async () => {
  const context = await browser.newContext({ viewport: { width: 1000, height: 600 } });
  const page = await open(context, 'toolbar', 'di');
  await page.evaluate(() => {
    const { sheet, grid } = globalThis.rusheetPage;
    sheet.setCells([
      { row: 0, col: 0, input: '3' },
      { row: 1, col: 0, input: '0.5' },
    ]);
    grid.select(0, 0, 1, 0);
  });
  await page.click('button[aria-label="Bold"]');
  await page.click('button[aria-label="Align center"]');
  await page.selectOption('select[aria-label="Number format"]', '0.00');
  await waitDrawn(page, 0, 0, '3.00');
  assert.equal(await drawn(page, 1, 0), '0.50');
  await page.locator('input[aria-label="Fill colour"]').evaluate((el) => {
    el.value = '#00ff00';
    el.dispatchEvent(new Event('change'));
  });
  assert.deepEqual(await page.evaluate(() => globalThis.rusheetPage.sheet.styles.toJSON()), {
    '0:0': { bold: true, align: 'center', background: '#00ff00' },
    '1:0': { bold: true, align: 'center', background: '#00ff00' },
  });
  assert.equal(await page.getAttribute('button[aria-label="Bold"]', 'aria-pressed'), 'true');
  const greenIn = () =>
    page.evaluate(() => {
      const { grid } = globalThis.rusheetPage;
      const canvas = document.querySelector('canvas.rusheet-canvas');
      const dpr = devicePixelRatio || 1;
      const box = grid.cellBox(1, 0);
      const img = canvas.getContext('2d').getImageData((box.x + 2) * dpr, (box.y + 2) * dpr, (box.w - 4) * dpr, (box.h - 4) * dpr);
      let n = 0;
      for (let i = 0; i < img.data.length; i += 4) if (img.data[i] < 80 && img.data[i + 1] > 200 && img.data[i + 2] < 80) n++;
      return n / (img.data.length / 4);
    });
  // The grid repaints on its next animation frame: wait for it (up to 5 s).
  let green = await greenIn();
  for (let i = 0; i < 50 && green <= 0.3; i++) {
    await page.waitForTimeout(100);
    green = await greenIn();
  }
  assert.ok(green > 0.3, `A2 is filled green (${green})`);
  await page.screenshot({ path: join(SHOTS, 'toolbar.png') });
  // Percent, then General again; the select follows the active cell.
  await page.selectOption('select[aria-label="Number format"]', '0%');
  await waitDrawn(page, 1, 0, '50%');
  await page.evaluate(() => globalThis.rusheetPage.grid.select(5, 5));
  assert.equal(await page.inputValue('select[aria-label="Number format"]'), '');
  assert.equal(await page.getAttribute('button[aria-label="Bold"]', 'aria-pressed'), 'false');
  await page.evaluate(() => globalThis.rusheetPage.grid.select(1, 0));
  assert.equal(await page.inputValue('select[aria-label="Number format"]'), '0%');
  await page.click('button[aria-label="Clear style"]');
  assert.deepEqual(await page.evaluate(() => globalThis.rusheetPage.sheet.styles.get('1:0')), undefined);
  assert.deepEqual(page.errors, []);
  await context.close();
});

/** Share of a cell's pixels near an RGB colour on the canvas. */
async function share(page, row, col, [r, g, b]) {
  return page.evaluate(
    ([row, col, r, g, b]) => {
      const { grid } = globalThis.rusheetPage;
      const canvas = document.querySelector('canvas.rusheet-canvas');
      const dpr = devicePixelRatio || 1;
      const box = grid.cellBox(row, col);
      const img = canvas.getContext('2d').getImageData((box.x + 2) * dpr, (box.y + 2) * dpr, (box.w - 4) * dpr, (box.h - 4) * dpr);
      let n = 0;
      for (let i = 0; i < img.data.length; i += 4) {
        if (Math.abs(img.data[i] - r) < 40 && Math.abs(img.data[i + 1] - g) < 40 && Math.abs(img.data[i + 2] - b) < 40) n++;
      }
      return n / (img.data.length / 4);
    },
    [row, col, r, g, b],
  );
}

test('conditional formats are evaluated by the engine, drawn for every user and undone', async () => {
  const ctxA = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const ctxB = await browser.newContext({ viewport: { width: 900, height: 500 } });
  const a = await open(ctxA, 'conditional', 'ann');
  const b = await open(ctxB, 'conditional', 'bob');
  await a.evaluate(() => {
    const { sheet } = globalThis.rusheetPage;
    sheet.setCells([
      { row: 0, col: 0, input: '5' },
      { row: 1, col: 0, input: '50' },
      { row: 0, col: 1, input: '10' },
      { row: 1, col: 1, input: '40' },
    ]);
    sheet.addConditionalFormat({
      range: 'A1:A5',
      type: 'cellValue',
      operator: 'greaterThan',
      values: ['=$B$1'],
      style: { background: '#ff0000', color: '#ffffff' },
    });
    sheet.addConditionalFormat({ range: 'B1:B5', type: 'dataBar', color: '#0000ff' });
  });
  await waitDrawn(b, 1, 1, '40');
  await b.waitForFunction(() => globalThis.rusheetPage.workbook.getConditionalFormats().length === 2);
  await b.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  // A2 (50 > 10) is red on Bob's screen, A1 (5) is not.
  assert.ok((await share(b, 1, 0, [255, 0, 0])) > 0.5, 'A2 red');
  assert.ok((await share(b, 0, 0, [255, 0, 0])) < 0.05, 'A1 not red');
  // B2's data bar is full length, B1's a quarter.
  const bar2 = await share(b, 1, 1, [89, 89, 255]);
  const bar1 = await share(b, 0, 1, [89, 89, 255]);
  assert.ok(bar2 > 0.6 && bar1 > 0.1 && bar1 < 0.4, `bars ${bar1} ${bar2}`);
  await b.screenshot({ path: join(SHOTS, 'conditional-b.png') });
  // Bob raises B1 to 60: the rule reads it, A2 is no longer red for Ann.
  await b.evaluate(() => globalThis.rusheetPage.sheet.setCells([{ row: 0, col: 1, input: '60' }]));
  await waitDrawn(a, 0, 1, '60');
  await a.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  assert.ok((await share(a, 1, 0, [255, 0, 0])) < 0.05, 'A2 not red after B1 = 60');
  // Ann undoes her two rules (Bob's edit stays).
  await a.evaluate(() => {
    globalThis.rusheetPage.sheet.undo();
    globalThis.rusheetPage.sheet.undo();
  });
  await b.waitForFunction(() => globalThis.rusheetPage.workbook.getConditionalFormats().length === 0);
  assert.equal(await b.evaluate(() => globalThis.rusheetPage.workbook.getCellData(0, 1).value), 60);
  assert.deepEqual([...a.errors, ...b.errors], []);
  await ctxA.close();
  await ctxB.close();
});

/** Bundles a test app (tests/<name>/app.*) with esbuild and serves it with the WebAssembly module. */
async function serveApp(entry) {
  const dir = mkdtempSync(join(tmpdir(), 'rusheet-app-'));
  await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    format: 'esm',
    outfile: join(dir, 'app.js'),
    external: ['node:*'],
    define: {
      'process.env.NODE_ENV': '"production"',
      __VUE_OPTIONS_API__: 'true',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    logLevel: 'error',
  });
  copyFileSync(join(WEB, 'dist', 'sheet_wasm_bg.wasm'), join(dir, 'sheet_wasm_bg.wasm'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="app.js"></script>');
  return startServer({ args: ['--static', dir] });
}

/**
 * The same checks for both components: initialData with a formula, what
 * the grid draws, typing reaching `change`/onChange with the recalculated
 * cell, undo, and initialData not being an undo step.
 */
async function checkComponent(name, entry, apiExpr, eventsExpr, sameApi) {
  const appServer = await serveApp(entry);
  const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${appServer.port}/`);
    await page.waitForSelector('#ready:text("ready")', { timeout: 20_000 });
    const api = (body) => page.evaluate(`(() => { const api = ${apiExpr}; const events = ${eventsExpr}; ${body} })()`);
    assert.equal(await page.evaluate(`${sameApi} === (${apiExpr})`), true);
    assert.deepEqual(await api('return api.getCellData(3, 1);'), {
      displayValue: '55',
      value: 55,
      formula: '=SUM(B2:B3)',
      type: 'number',
      format: null,
    });
    await page.waitForFunction(`(${apiExpr}).grid.drawnText(1, 0) === 'Alice'`);
    await api('events.length = 0; api.select(2, 1); api.grid.focus();');
    await page.keyboard.type('45');
    await page.keyboard.press('Enter');
    await page.waitForFunction(`(${apiExpr}).grid.drawnText(3, 1) === '75'`);
    const changed = await api('return events.map((e) => [e.row, e.col, e.newValue]).sort();');
    assert.deepEqual(changed, [
      [2, 1, 45],
      [3, 1, 75],
    ]);
    assert.equal(await api('return api.undo();'), true);
    assert.equal(await api('return api.getCellData(3, 1).value;'), 55);
    assert.equal(await api('return api.undo();'), false, 'initialData is not an undo step');
    await page.screenshot({ path: join(SHOTS, `${name}.png`) });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await appServer.stop();
  }
}

test('rusheet/react: <RuSheet> with initialData, onChange and useRuSheet()', async () => {
  // useRuSheet's ref holds the API object it returns
  await checkComponent('react', 'react/app.tsx', 'globalThis.reactApi', 'globalThis.reactEvents', 'globalThis.reactRef.current');
});

test('rusheet/vue: <RuSheet> with the same props and a change event', async () => {
  await checkComponent('vue', 'vue/app.ts', 'globalThis.vueApiRef.value', 'globalThis.vueEvents', 'globalThis.vueApiRef.value');
});

test('XLSX export and import fetch the second module on first use, in the page', async () => {
  const context = await browser.newContext();
  try {
    const page = await open(context, `xlsx-${Date.now()}`, 'xena');
    const fetched = [];
    page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
    await page.evaluate(() => {
      const wb = globalThis.rusheetPage.workbook;
      wb.setCellValue(0, 0, 21);
      wb.setCellValue(0, 1, '=A1*2');
    });
    assert.ok(!fetched.some((p) => p.endsWith('sheet_xlsx_bg.wasm')), 'not fetched before it is needed');
    const back = await page.evaluate(async () => {
      const wb = globalThis.rusheetPage.workbook;
      const bytes = await wb.exportXlsx();
      const copy = new wb.constructor();
      await copy.importXlsx(bytes);
      const cell = copy.getCellData(0, 1);
      copy.dispose();
      return { zip: String.fromCharCode(bytes[0], bytes[1]), formula: cell.formula, value: cell.value };
    });
    assert.deepEqual(back, { zip: 'PK', formula: '=A1*2', value: 42 });
    assert.equal(fetched.filter((p) => p.endsWith('sheet_xlsx_bg.wasm')).length, 1);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
