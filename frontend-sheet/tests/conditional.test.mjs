// Conditional formatting: rules evaluated by the engine, read back, saved in
// XLSX, and shared (with undo) through the Yjs document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as Y from 'yjs';

import { init, Workbook, RuSheetError } from '../dist/index.js';
import { CollabSheet } from '../dist/collab.js';

await init();

const RULES = [
  { range: 'A1:A4', type: 'cellValue', operator: 'greaterThan', values: ['=$C$1'], style: { background: '#ff0000', bold: true } },
  { range: 'A1:A4', type: 'cellValue', operator: 'between', values: ['1', '3'], style: { italic: true, color: '#0000ff' } },
  { range: 'B1:B4', type: 'formula', formula: '=B1>A1', style: { background: '#00ff00' } },
  { range: 'A1:A4', type: 'colorScale', colors: ['#ffffff', '#000000'] },
  { range: 'B1:B4', type: 'dataBar', color: '#638ec6' },
];

function filled(wb) {
  wb.setCellValues(0, 0, [
    [2, 5, 10],
    [20, 1],
    [10, 40],
    ['text', null],
  ]);
}

test('the engine evaluates each kind of rule for a rectangle', () => {
  const wb = new Workbook();
  filled(wb);
  wb.setConditionalFormats(RULES);
  assert.deepEqual(wb.getConditionalFormats(), RULES);
  const looks = wb.getConditionalViewport(0, 0, 4, 2);
  // A1 = 2: between 1 and 3 (italic blue); colour scale low end (white).
  assert.deepEqual(looks[0], { background: '#ffffff', color: '#0000ff', bold: false, italic: true });
  // B1 = 5 > A1 = 2: green; data bar 5 of 40.
  assert.deepEqual(looks[1], { background: '#00ff00', bold: false, italic: false, bar: { length: 0.125, color: '#638ec6' } });
  // A2 = 20 > C1 = 10: red and bold win over the colour scale (black end).
  assert.deepEqual(looks[2], { background: '#ff0000', bold: true, italic: false });
  // B2 = 1 is not > A2: only its data bar.
  assert.deepEqual(looks[3].background, undefined);
  assert.equal(looks[3].bar.length, 0.025);
  // A3 = 10 is not > 10: colour scale halfway between 2 and 20... (10-2)/18.
  assert.equal(looks[4].background, '#8e8e8e');
  // Text in A4: text compares greater than any number in Excel, so red; no colour.
  assert.equal(looks[6].background, '#ff0000');
  assert.equal(looks[7], null);
  // Values change, looks follow.
  wb.setCellValue(0, 2, 100);
  assert.equal(wb.getConditionalViewport(1, 0, 1, 1)[0].background, '#000000');
  wb.dispose();
});

test('a bad rule is refused with the reason and the old rules stay', () => {
  const wb = new Workbook();
  wb.setConditionalFormats(RULES.slice(0, 1));
  const bad = [
    [{ range: 'A1', type: 'formula', formula: '=SUM(', style: {} }, /=SUM\(/],
    [{ range: 'A1:', type: 'dataBar', color: '#ff0000' }, /not a range like A1:B10/],
    [{ range: 'A1', type: 'cellValue', operator: 'bigger', values: ['1'], style: {} }, /unknown operator "bigger"/],
    [{ range: 'A1', type: 'cellValue', operator: 'between', values: ['1'], style: {} }, /between compares with 2/],
    [{ range: 'A1', type: 'colorScale', colors: ['#fff'] }, /colour like #ff0000/],
    [{ range: 'A1', type: 'colorScale', colors: ['#ffffff'] }, /2 or 3 colours/],
    [{ range: 'A1', type: 'sparkle' }, /unknown rule type "sparkle"/],
  ];
  for (const [rule, message] of bad) {
    assert.throws(() => wb.setConditionalFormats([rule]), (e) => e instanceof RuSheetError && message.test(e.message), JSON.stringify(rule));
    assert.deepEqual(wb.getConditionalFormats(), RULES.slice(0, 1));
  }
  assert.throws(() => wb.getConditionalViewport(0, 0, 0, 1), RuSheetError);
  wb.dispose();
});

test('rules are saved in XLSX and read back', async () => {
  const wb = new Workbook();
  filled(wb);
  wb.setConditionalFormats(RULES);
  const bytes = await wb.exportXlsx();
  const back = new Workbook();
  await back.importXlsx(bytes);
  assert.deepEqual(back.getConditionalFormats(), RULES);
  assert.deepEqual(back.getConditionalViewport(0, 0, 4, 2), wb.getConditionalViewport(0, 0, 4, 2));
  wb.dispose();
  back.dispose();
});

test('rules move and shrink with inserted and deleted rows and columns; undo restores them', () => {
  const wb = new Workbook();
  filled(wb);
  wb.setConditionalFormats(RULES);
  wb.insertRows(0, 2);
  const moved = wb.getConditionalFormats();
  assert.deepEqual(
    moved.map((r) => r.range),
    ['A3:A6', 'A3:A6', 'B3:B6', 'A3:A6', 'B3:B6'],
  );
  assert.deepEqual(moved[0].values, ['=$C$3']);
  assert.equal(moved[2].formula, '=B3>A3');
  // The moved rules still colour the same cells: A4 = 20 > C3 = 10.
  assert.deepEqual(wb.getConditionalViewport(3, 0, 1, 1)[0], { background: '#ff0000', bold: true, italic: false });
  wb.deleteColumns(0, 1);
  assert.deepEqual(
    wb.getConditionalFormats().map((r) => r.range),
    ['A3:A6', 'A3:A6'],
    'the rules on column A went with it; those on B moved to A',
  );
  assert.ok(wb.undo());
  assert.deepEqual(wb.getConditionalFormats(), moved);
  assert.ok(wb.undo());
  assert.deepEqual(wb.getConditionalFormats(), RULES);
  assert.ok(wb.redo());
  assert.deepEqual(wb.getConditionalFormats(), moved);
  wb.dispose();
});

/** Two documents kept in sync by hand, as two clients of one server would be. */
function pair() {
  const docA = new Y.Doc();
  const docB = new Y.Doc();
  docA.on('update', (u, origin) => origin !== 'remote' && Y.applyUpdate(docB, u, 'remote'));
  docB.on('update', (u, origin) => origin !== 'remote' && Y.applyUpdate(docA, u, 'remote'));
  const a = new CollabSheet(new Workbook(), docA);
  const b = new CollabSheet(new Workbook(), docB);
  return { a, b };
}

test('rules are shared through the document and undone by their author', () => {
  const { a, b } = pair();
  a.setCells([
    { row: 0, col: 0, input: '5' },
    { row: 1, col: 0, input: '50' },
  ]);
  let redrawn = 0;
  b.onStyleChange(() => redrawn++);
  a.addConditionalFormat({ range: 'A1:A9', type: 'cellValue', operator: 'greaterThan', values: ['10'], style: { background: '#ff0000' } });
  assert.ok(redrawn > 0, "b's grid is told to redraw");
  assert.deepEqual(b.conditionalFormats(), a.conditionalFormats());
  assert.equal(b.workbook.getConditionalViewport(1, 0, 1, 1)[0].background, '#ff0000');
  assert.equal(b.workbook.getConditionalViewport(0, 0, 1, 1)[0], null);
  // A refused rule is not written anywhere.
  assert.throws(() => a.addConditionalFormat({ range: 'A1', type: 'formula', formula: '=(', style: {} }), RuSheetError);
  assert.equal(b.conditionalFormats().length, 1);
  a.setConditionalFormats([{ range: 'A1:A9', type: 'dataBar', color: '#00ff00' }]);
  assert.equal(b.workbook.getConditionalViewport(1, 0, 1, 1)[0].bar.length, 1);
  // Undo: back to the first rule, then none, on both sides.
  assert.equal(a.undo(), true);
  assert.equal(b.workbook.getConditionalFormats()[0].type, 'cellValue');
  assert.equal(a.undo(), true);
  assert.deepEqual(b.workbook.getConditionalFormats(), []);
  b.addConditionalFormat({ range: 'B1', type: 'dataBar', color: '#0000ff' });
  b.removeConditionalFormat(0);
  assert.deepEqual(a.conditionalFormats(), []);
  assert.throws(() => b.removeConditionalFormat(3), /no conditional format 3/);
});

test('a rule another client wrote that this engine refuses is skipped, the rest apply', () => {
  const { a, b } = pair();
  a.setCells([{ row: 0, col: 0, input: '50' }]);
  // Written straight into the shared array, past the engine's checks.
  a.doc.transact(() =>
    a.conditional.push([
      { range: 'A1', type: 'formula', formula: '=SUM(', style: { background: '#000000' } },
      { range: 'A1', type: 'cellValue', operator: 'greaterThan', values: ['1'], style: { background: '#ff0000' } },
    ]),
  );
  assert.equal(b.workbook.getConditionalViewport(0, 0, 1, 1)[0].background, '#ff0000');
  assert.equal(b.workbook.getConditionalFormats().length, 1);
});
