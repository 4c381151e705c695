// Row and column inserts/deletes in the shared document, engine level: two or
// three peers (Yjs documents with their own engine) edit concurrently, swap
// updates in different orders, and must end with identical engines: the
// same cells, formulas, formats, styles, sizes and conditional formats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as Y from 'yjs';

import { init, Workbook, RuSheetError } from '../dist/index.js';
import { CollabSheet } from '../dist/collab.js';

await init();

function peer() {
  const doc = new Y.Doc();
  const workbook = new Workbook();
  const sheet = new CollabSheet(workbook, doc);
  return { doc, workbook, sheet };
}

/** Sends `from`'s changes that `to` lacks. */
function send(from, to) {
  Y.applyUpdate(to.doc, Y.encodeStateAsUpdate(from.doc, Y.encodeStateVector(to.doc)));
}

function syncAll(peers) {
  for (const a of peers) for (const b of peers) if (a !== b) send(a, b);
}

/** What the engine holds in the top-left `rows` x `cols`: inputs (formulas as text). */
function view(p, rows = 12, cols = 6) {
  const out = [];
  for (let r = 0; r < rows; r++) {
    const line = [];
    for (let c = 0; c < cols; c++) {
      const d = p.workbook.getCellData(r, c);
      line.push(d.formula ?? (d.displayValue === '' ? '' : d.displayValue));
    }
    out.push(line.join('|'));
  }
  return out;
}

function everything(p, rows = 12, cols = 6) {
  return {
    cells: view(p, rows, cols),
    shown: p.workbook.getRange(0, 0, rows, cols),
    formats: Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => p.sheet.formatAt(r, c) ?? '')),
    styles: Array.from({ length: rows }, (_, r) =>
      Array.from({ length: cols }, (_, c) => JSON.stringify(p.sheet.styleAt(r, c) ?? null)),
    ),
    layout: p.sheet.layoutSizes(),
    rules: p.sheet.conditionalFormats(),
    engineRules: p.workbook.getConditionalFormats(),
  };
}

function seed(p) {
  p.sheet.setCells([
    { row: 0, col: 0, input: '1' },
    { row: 1, col: 0, input: '2' },
    { row: 2, col: 0, input: '3' },
    { row: 3, col: 0, input: '4' },
    { row: 0, col: 1, input: '=A1*10' },
    { row: 1, col: 1, input: '=A2*10' },
    { row: 2, col: 1, input: '=A3*10' },
    { row: 3, col: 1, input: '=A4*10' },
    { row: 4, col: 1, input: '=SUM(B1:B4)' },
    { row: 4, col: 2, input: '=$A$4+C1' },
  ]);
}

test('an inserted row moves cells, references, formats, styles, sizes and rules on every peer', () => {
  const a = peer();
  const b = peer();
  seed(a);
  a.sheet.setFormat([[3, 0]], '0.00');
  a.sheet.setStyle([[3, 1]], { bold: true });
  a.sheet.setRowHeight(3, 40);
  a.sheet.addConditionalFormat({ range: 'B1:B4', type: 'formula', formula: '=B1>$A$4*5', style: { background: '#ff0000' } });
  send(a, b);
  assert.deepEqual(everything(b), everything(a));

  a.sheet.insertRows(2, 1);
  // On the inserting peer: row 3 (A3=3) is now row 4.
  assert.deepEqual(view(a, 7, 3), ['1|=A1*10|', '2|=A2*10|', '||', '3|=A4*10|', '4.00|=A5*10|', '|=SUM(B1:B5)|=$A$5+C1', '||']);
  assert.equal(a.workbook.getCellData(5, 1).value, 100);
  assert.equal(a.sheet.formatAt(4, 0), '0.00');
  assert.deepEqual(a.sheet.styleAt(4, 1), { bold: true });
  assert.deepEqual(a.sheet.layoutSizes().rows, [[4, 40]]);
  assert.deepEqual(a.sheet.conditionalFormats()[0].range, 'B1:B5');
  assert.equal(a.sheet.conditionalFormats()[0].formula, '=B1>$A$5*5');
  assert.equal(a.workbook.getConditionalFormats()[0].range, 'B1:B5');
  // A refused formula leaves what the document says, at the moved place.
  assert.throws(() => a.sheet.setCells([{ row: 4, col: 0, input: '=1+' }]), RuSheetError);
  assert.equal(a.workbook.getCellData(4, 0).value, 4);
  send(a, b);
  assert.deepEqual(everything(b), everything(a));

  // A column too; then undo both, on the peer that made them.
  a.sheet.insertColumns(0, 2);
  assert.equal(a.workbook.getCellData(5, 3).formula, '=SUM(D1:D5)');
  assert.equal(a.workbook.getCellData(0, 3).formula, '=C1*10');
  send(a, b);
  assert.deepEqual(everything(b), everything(a));
  assert.ok(a.sheet.undo());
  assert.ok(a.sheet.undo());
  send(a, b);
  assert.deepEqual(view(b, 6, 3), ['1|=A1*10|', '2|=A2*10|', '3|=A3*10|', '4.00|=A4*10|', '|=SUM(B1:B4)|=$A$4+C1', '||']);
  assert.deepEqual(everything(b), everything(a));
});

test('deleting rows: references become #REF!, ranges shrink, undo brings the cells back', () => {
  const a = peer();
  const b = peer();
  seed(a);
  send(a, b);
  b.sheet.deleteRows(3, 1);
  assert.equal(b.workbook.getCellData(3, 1).formula, '=SUM(B1:B3)');
  assert.equal(b.workbook.getCellData(3, 1).value, 60);
  assert.equal(b.workbook.getCellData(3, 2).formula, '=#REF!+C1');
  b.sheet.deleteRows(0, 3);
  // B1:B3 is gone entirely: the SUM reads #REF!.
  assert.equal(b.workbook.getCellData(0, 1).formula, '=SUM(#REF!)');
  send(b, a);
  assert.deepEqual(everything(a), everything(b));
  assert.ok(b.sheet.undo());
  assert.ok(b.sheet.undo());
  send(b, a);
  assert.deepEqual(view(a, 6, 3), view(peerWithSeed(), 6, 3));
  assert.deepEqual(everything(a), everything(b));
});

function peerWithSeed() {
  const p = peer();
  seed(p);
  return p;
}

test('concurrent: a row inserted on one peer while another edits below it and writes formulas', () => {
  const a = peer();
  const b = peer();
  seed(a);
  send(a, b);
  // Concurrently: A inserts two rows at the top; B edits A4 and writes a
  // formula reading A3 into D3, using the positions it sees.
  a.sheet.insertRows(0, 2);
  b.sheet.setCells([
    { row: 3, col: 0, input: '40' },
    { row: 2, col: 3, input: '=A3+1' },
  ]);
  send(a, b);
  send(b, a);
  assert.deepEqual(everything(a), everything(b));
  // B's edits moved with the rows they were made in.
  assert.equal(a.workbook.getCellData(5, 0).value, 40);
  assert.equal(a.workbook.getCellData(4, 3).formula, '=A5+1');
  assert.equal(a.workbook.getCellData(4, 3).value, 4);
  assert.equal(a.workbook.getCellData(6, 1).value, 10 + 20 + 30 + 400);
});

test('concurrent inserts at the same place keep both, in the same order everywhere', () => {
  const a = peer();
  const b = peer();
  const c = peer();
  seed(a);
  syncAll([a, b, c]);
  a.sheet.insertRows(1, 1);
  a.sheet.setCells([{ row: 1, col: 0, input: 'from a' }]);
  b.sheet.insertRows(1, 2);
  b.sheet.setCells([{ row: 1, col: 0, input: 'from b' }]);
  c.sheet.insertColumns(1, 1);
  c.sheet.deleteRows(0, 1);
  // Different delivery orders.
  send(c, a);
  send(b, a);
  send(a, c);
  send(b, c);
  send(a, b);
  send(c, b);
  const want = everything(a);
  assert.deepEqual(everything(b), want);
  assert.deepEqual(everything(c), want);
  const column = view(a, 7, 1);
  // Row 1 was deleted by C; the three new rows sit where row 2 was, and the
  // old rows 2..4 follow.
  assert.equal(column.filter((x) => x === 'from a' || x === 'from b').length, 2);
  assert.deepEqual(column.slice(3), ['2', '3', '4', '']);
  assert.equal(a.workbook.getCellData(6, 2).formula, '=SUM(C1:C6)');
  assert.equal(a.workbook.getCellData(6, 2).value, 90);
});

test('a formula written against a row another peer deleted meanwhile reads #REF! everywhere', () => {
  const a = peer();
  const b = peer();
  seed(a);
  send(a, b);
  a.sheet.deleteRows(1, 1);
  b.sheet.setCells([{ row: 6, col: 0, input: '=A2+A3' }]);
  send(a, b);
  send(b, a);
  assert.deepEqual(everything(a), everything(b));
  assert.equal(a.workbook.getCellData(5, 0).formula, '=#REF!+A2');
});

test('structure edits are checked before anything is shared', () => {
  const a = peer();
  for (const [f, args] of [
    ['insertRows', [-1, 1]],
    ['insertRows', [0, 0]],
    ['deleteRows', [1.5, 1]],
    ['insertColumns', [16384, 1]],
    ['deleteColumns', [0, 200_000]],
  ]) {
    assert.throws(() => a.sheet[f](...args), RuSheetError, `${f}(${args})`);
  }
  assert.equal(a.sheet.rows.size + a.sheet.columns.size, 0);
});

test('random concurrent edits, inserts and deletes on three peers converge', () => {
  // A small deterministic generator (the test must fail the same way twice).
  let state = 17;
  const rand = (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const peers = [peer(), peer(), peer()];
  seed(peers[0]);
  syncAll(peers);
  for (let step = 0; step < 300; step++) {
    const p = peers[rand(3)];
    const row = rand(10);
    const col = rand(5);
    switch (rand(9)) {
      case 0:
        p.sheet.insertRows(row, 1 + rand(2));
        break;
      case 1:
        p.sheet.deleteRows(row, 1 + rand(2));
        break;
      case 2:
        p.sheet.insertColumns(col, 1);
        break;
      case 3:
        p.sheet.deleteColumns(col, 1);
        break;
      case 4:
        p.sheet.setCells([{ row, col, input: `=${String.fromCharCode(65 + rand(5))}${1 + rand(10)}+${rand(9)}` }]);
        break;
      case 5:
        p.sheet.setFormat([[row, col]], rand(2) ? '0.0' : null);
        break;
      case 6:
        p.sheet.setStyle([[row, col]], { bold: rand(2) === 1 });
        break;
      default:
        p.sheet.setCells([{ row, col, input: String(step) }]);
    }
    // Now and then, part of the peers swap what they have.
    if (rand(4) === 0) send(peers[rand(3)], peers[rand(3)]);
  }
  syncAll(peers);
  const want = everything(peers[0], 14, 8);
  assert.deepEqual(everything(peers[1], 14, 8), want);
  assert.deepEqual(everything(peers[2], 14, 8), want);
  // And a peer that joins afterwards, from the document alone, agrees.
  const late = peer();
  send(peers[0], late);
  assert.deepEqual(everything(late, 14, 8), want);
});
