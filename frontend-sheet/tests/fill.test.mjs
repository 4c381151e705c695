// The fill handle's rules and the grid's geometry, without a browser: the
// engine's formula copying, the series a fill continues, and the axis that
// places rows and columns of custom sizes.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { init, Workbook, RuSheetError } from '../dist/index.js';
import { fillSeries, Axis } from '../dist/grid.js';

await init();

test('formulas copy with relative references moved and $ parts kept', () => {
  const wb = new Workbook();
  wb.addSheet('Rates');
  assert.equal(wb.translateFormula('=A1*2', 1, 0), '=A2*2');
  assert.equal(wb.translateFormula('A1+B$1+$C1+$D$1', 2, 1), '=B3+C$1+$C3+$D$1');
  assert.equal(wb.translateFormula('=SUM($A$1:A1)', 4, 0), '=SUM($A$1:A5)');
  assert.equal(wb.translateFormula('=Rates!B2*C2', 0, 1), '=Rates!C2*D2');
  assert.equal(wb.translateFormula('=A1+1', -1, 0), '=#REF!+1');
  assert.throws(() => wb.translateFormula('=SUM(', 1, 0), (e) => e instanceof RuSheetError && /=SUM\(/.test(e.message));
  assert.throws(() => wb.translateFormula('=A1', 1.5, 0), (e) => e instanceof RuSheetError && /rows must be a whole number/.test(e.message));
  assert.throws(() => wb.translateFormula('=A1', 0, 1e9), (e) => e instanceof RuSheetError && /cols must be/.test(e.message));
  wb.dispose();
});

test('numbers continue their line, text counts on, the rest repeats', () => {
  const at = (inputs, steps) => {
    const f = fillSeries(inputs);
    return steps.map((k) => f(k, ((k % inputs.length) + inputs.length) % inputs.length));
  };
  assert.deepEqual(at(['1', '2'], [2, 3, 4]), ['3', '4', '5']);
  assert.deepEqual(at(['10', '8'], [2, 3, -1]), ['6', '4', '12']);
  assert.deepEqual(at(['0.1', '0.2'], [2, 9]), ['0.3', '1']);
  // One number is copied, as Excel does without Ctrl.
  assert.deepEqual(at(['7'], [1, 2]), ['7', '7']);
  assert.deepEqual(at(['Q1'], [1, 2, 3]), ['Q2', 'Q3', 'Q4']);
  assert.deepEqual(at(['Week 02', 'Week 04'], [2, 3]), ['Week 06', 'Week 08']);
  assert.deepEqual(at(['red', 'green'], [2, 3, 4]), ['red', 'green', 'red']);
  assert.deepEqual(at(['x', ''], [2, 3]), ['x', null]);
  assert.deepEqual(at(['TRUE'], [1]), ['TRUE']);
});

test('an axis places items of custom sizes', () => {
  const rows = new Axis(22, 1_048_576);
  assert.equal(rows.pos(10), 220);
  assert.equal(rows.at(219), 9);
  rows.set(3, 100);
  rows.set(500_000, 10);
  assert.equal(rows.pos(3), 66);
  assert.equal(rows.pos(4), 166);
  assert.equal(rows.at(165), 3);
  assert.equal(rows.at(166), 4);
  assert.equal(rows.pos(500_001), 500_001 * 22 + 78 - 12);
  assert.equal(rows.at(rows.pos(500_000) + 5), 500_000);
  assert.equal(rows.at(rows.pos(1_048_576) + 1000), 1_048_575);
  assert.equal(rows.at(-5), 0);
  rows.set(3, null);
  assert.equal(rows.pos(4), 88);
  rows.replace([[1, 30], [2, 22]]);
  assert.equal(rows.pos(3), 22 + 30 + 22);
  assert.equal(rows.size(2), 22);
});
