// Node tests of the rusheet API against the real WebAssembly build
// (pkg/ from scripts/build-wasm.sh, dist/ from tsc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';

import { rusheet, init, Workbook, RuSheetError } from '../dist/index.js';

await rusheet.init();

test('the README example', () => {
  rusheet.setCellValue(0, 0, 'Hello');
  rusheet.setCellValue(0, 1, 'World');
  rusheet.setCellValue(1, 0, '=A1 & " " & B1');
  const cell = rusheet.getCellData(1, 0);
  assert.equal(cell.displayValue, 'Hello World');
  assert.equal(cell.value, 'Hello World');
  // The formula reads back as typed.
  assert.equal(cell.formula, '=A1 & " " & B1');
  assert.equal(cell.type, 'text');
});

test('values of every kind', () => {
  const wb = new Workbook();
  wb.setCellValue(0, 0, 42.5);
  wb.setCellValue(1, 0, true);
  wb.setCellValue(2, 0, '12');
  wb.setCellValue(3, 0, "'12");
  wb.setCellValue(4, 0, '=1/0');
  wb.setCellValue(5, 0, '=SUM(A1,A3)');
  assert.deepEqual(wb.getCellData(0, 0), { displayValue: '42.5', value: 42.5, formula: null, type: 'number', format: null });
  assert.equal(wb.getCellData(1, 0).value, true);
  assert.equal(wb.getCellData(2, 0).value, 12);
  assert.equal(wb.getCellData(3, 0).value, '12');
  assert.deepEqual(wb.getCellData(4, 0), { displayValue: '#DIV/0!', value: '#DIV/0!', formula: '=1/0', type: 'error', format: null });
  assert.equal(wb.getCellData(5, 0).value, 54.5);
  wb.setCellValue(0, 0, null);
  assert.equal(wb.getCellData(0, 0).type, 'empty');
  assert.equal(wb.getCellData(5, 0).value, 12);
  wb.dispose();
});

test('onChange reports edits and recalculated dependents', () => {
  const wb = new Workbook();
  wb.setCellValue(0, 1, '=A1*2');
  const events = [];
  const off = wb.onChange((e) => events.push(e));
  wb.setCellValue(0, 0, 21);
  events.sort((a, b) => a.col - b.col);
  assert.deepEqual(events, [
    { sheet: 0, row: 0, col: 0, oldValue: null, newValue: 21, displayValue: '21' },
    { sheet: 0, row: 0, col: 1, oldValue: 0, newValue: 42, displayValue: '42' },
  ]);
  off();
  wb.setCellValue(0, 0, 1);
  assert.equal(events.length, 2);
});

test('onChange gives old and new values on every sheet', () => {
  const wb = new Workbook();
  const other = wb.addSheet('Other');
  wb.setActiveSheet(other);
  wb.setCellValue(0, 0, '=Sheet1!A1&"!"');
  wb.setCellValue(1, 0, '=Sheet1!A1*2');
  // Text is greater than any number: TRUE before and after the edit.
  wb.setCellValue(2, 0, '=Sheet1!A1>0');
  wb.setActiveSheet(0);
  wb.setCellValue(0, 0, 'hi');
  const events = [];
  wb.onChange((e) => events.push(e));
  wb.setCellValue(0, 0, 5);
  events.sort((a, b) => a.sheet - b.sheet || a.row - b.row);
  assert.deepEqual(events, [
    { sheet: 0, row: 0, col: 0, oldValue: 'hi', newValue: 5, displayValue: '5' },
    { sheet: 1, row: 0, col: 0, oldValue: 'hi!', newValue: '5!', displayValue: '5!' },
    { sheet: 1, row: 1, col: 0, oldValue: '#VALUE!', newValue: 10, displayValue: '10' },
  ]);
  events.length = 0;
  wb.setCellValue(0, 0, 6);
  events.sort((a, b) => a.sheet - b.sheet || a.row - b.row);
  assert.deepEqual(
    events.map((e) => [e.sheet, e.row, e.oldValue, e.newValue]),
    [
      [0, 0, 5, 6],
      [1, 0, '5!', '6!'],
      [1, 1, 10, 12],
    ],
  );
  wb.dispose();
});

test('sheet management and names undo', () => {
  const wb = new Workbook();
  const data = wb.addSheet('Data');
  wb.setActiveSheet(data);
  wb.setCellValue(0, 0, 21);
  wb.setActiveSheet(0);
  wb.setCellValue(0, 0, '= Data!A1 * 2');
  assert.equal(wb.getCellData(0, 0).formula, '= Data!A1 * 2');
  wb.defineName('Rate', '=Data!$A$1');
  wb.setCellValue(1, 0, '=Rate+1');
  wb.renameSheet(data, 'Inputs');
  assert.equal(wb.getCellData(0, 0).formula, '=Inputs!A1*2');
  wb.removeSheet(data);
  assert.deepEqual(wb.sheetNames(), ['Sheet1']);
  assert.equal(wb.getCellData(0, 0).value, '#REF!');
  assert.ok(wb.undo());
  assert.deepEqual(wb.sheetNames(), ['Sheet1', 'Inputs']);
  assert.equal(wb.getCellData(0, 0).value, 42);
  assert.equal(wb.getCellData(1, 0).value, 22);
  assert.ok(wb.undo());
  assert.deepEqual(wb.sheetNames(), ['Sheet1', 'Data']);
  assert.ok(wb.removeName('rate'));
  assert.equal(wb.getCellData(1, 0).value, '#NAME?');
  assert.ok(wb.undo());
  assert.equal(wb.getCellData(1, 0).value, 22);
  // Removing the active sheet makes the first one active.
  wb.setActiveSheet(data);
  wb.removeSheet(data);
  assert.equal(wb.activeSheet, 0);
  assert.throws(() => wb.removeSheet(0), RuSheetError);
  wb.dispose();
});

test('setCellValues writes a block in one call and stops at a bad formula', () => {
  const wb = new Workbook();
  wb.setCellValues(0, 0, [
    [1, 'two', true],
    [null, '=A1*10', "'=not a formula"],
  ]);
  assert.deepEqual(wb.getRange(0, 0, 2, 3), [
    ['1', 'two', 'TRUE'],
    ['', '10', '=not a formula'],
  ]);
  assert.throws(() => wb.setCellValues(5, 0, [[1, '=1+', 3]]), /cannot parse formula/);
  assert.equal(wb.getCellData(5, 0).value, 1);
  assert.equal(wb.getCellData(5, 2).type, 'empty');
  assert.throws(() => wb.setCellValues(1048575, 0, [[1], [2]]), RuSheetError);
  wb.dispose();
});

test('batch updates recalculate once and undo as one step', () => {
  const wb = new Workbook();
  const events = [];
  wb.onChange((e) => events.push(e));
  wb.batch(() => {
    wb.setCellValue(0, 0, 1);
    wb.setCellValue(1, 0, 2);
    wb.setCellValue(2, 0, '=A1+A2');
    assert.equal(events.length, 0, 'no events inside a batch');
  });
  assert.equal(wb.getCellData(2, 0).value, 3);
  assert.equal(events.length, 3);
  wb.setCellValues(0, 1, [[10, 20], [30, '=B1+C1+B2']]);
  assert.equal(wb.getCellData(1, 2).value, 60);
  assert.ok(wb.undo());
  assert.equal(wb.getCellData(1, 2).type, 'empty');
  assert.ok(wb.undo());
  assert.equal(wb.getCellData(2, 0).type, 'empty');
  assert.equal(wb.canUndo(), false);
  assert.ok(wb.redo());
  assert.equal(wb.getCellData(2, 0).value, 3);
  assert.equal(wb.canRedo(), true);
});

test('errors are thrown as RuSheetError with the reason', () => {
  const wb = new Workbook();
  wb.setCellValue(0, 0, 5);
  assert.throws(() => wb.setCellValue(0, 0, '=SUM(1,'), (e) => e instanceof RuSheetError && /cannot parse formula/.test(e.message));
  assert.equal(wb.getCellData(0, 0).value, 5, 'the cell keeps its value');
  assert.throws(() => wb.setCellValue(-1, 0, 1), /outside the sheet/);
  assert.throws(() => wb.setCellValue(1048576, 0, 1), /outside the sheet/);
  assert.throws(() => wb.setCellValue(0.5, 0, 1), /outside the sheet/);
  assert.throws(() => wb.getCellData(0, 16384), /outside the sheet/);
  assert.throws(() => wb.addSheet('Sheet1'), /already exists/);
  // The engine still works after errors.
  wb.setCellValue(0, 1, '=A1+1');
  assert.equal(wb.getCellData(0, 1).value, 6);
});

test('a broken XLSX file is refused and the workbook is kept', async () => {
  const wb = new Workbook();
  wb.setCellValue(0, 0, 5);
  await assert.rejects(wb.importXlsx(new Uint8Array([1, 2, 3])), (e) => e instanceof RuSheetError && /XLSX/.test(e.message));
  assert.equal(wb.getCellData(0, 0).value, 5);
  wb.dispose();
});

test('cycles give #CYCLE! and deep chains do not overflow', () => {
  const wb = new Workbook();
  wb.setCellValue(0, 0, '=B1');
  wb.setCellValue(0, 1, '=A1');
  assert.equal(wb.getCellData(0, 0).displayValue, '#CYCLE!');
  const n = 200000;
  wb.batch(() => {
    for (let r = 0; r < n - 1; r++) wb.setCellValue(r, 2, `=C${r + 2}+1`);
    wb.setCellValue(n - 1, 2, 1);
  });
  assert.equal(wb.getCellData(0, 2).value, n);
});

test('dynamic arrays spill, block with #SPILL!, are read-only and follow their formula', async () => {
  const wb = new Workbook();
  const events = [];
  wb.onChange((e) => events.push(e));
  wb.setCellValue(0, 0, 3);
  wb.setCellValue(0, 1, '=SEQUENCE(A1,2,10)');
  assert.deepEqual(wb.getRange(0, 1, 3, 2), [['10', '11'], ['12', '13'], ['14', '15']]);
  assert.deepEqual(wb.getCellData(0, 1).spill, { row: 0, col: 1, rows: 3, cols: 2 });
  const spilled = wb.getCellData(2, 2);
  assert.equal(spilled.value, 15);
  assert.equal(spilled.formula, null);
  assert.deepEqual(spilled.spilledFrom, { row: 0, col: 1 });
  // Events report the spilled cells too.
  assert.ok(events.some((e) => e.row === 2 && e.col === 2 && e.newValue === 15));
  // Read-only: a clear reason names the formula's cell.
  assert.throws(
    () => wb.setCellValue(1, 1, 5),
    (e) => e instanceof RuSheetError && /B2 is part of the array spilled by the formula in B1/.test(e.message),
  );
  // Readers of the spill range follow it.
  wb.setCellValue(0, 4, '=SUM(B1#)');
  assert.equal(wb.getCellData(0, 4).value, 75);
  wb.setCellValue(0, 0, 1);
  assert.equal(wb.getCellData(0, 4).value, 21);
  assert.equal(wb.getCellData(1, 1).type, 'empty');
  // Blocked: #SPILL! until the blocker goes.
  wb.setCellValue(2, 1, 'x');
  wb.setCellValue(0, 0, 3);
  assert.equal(wb.getCellData(0, 1).displayValue, '#SPILL!');
  assert.equal(wb.getCellData(0, 4).displayValue, '#REF!');
  wb.setCellValue(2, 1, null);
  assert.equal(wb.getCellData(0, 1).value, 10);
  assert.equal(wb.getCellData(0, 4).value, 75);
  // FILTER / SORT / UNIQUE over data.
  wb.setCellValues(10, 0, [['b'], ['a'], ['b'], ['c']]);
  wb.setCellValue(10, 2, '=SORT(UNIQUE(A11:A14))');
  assert.deepEqual(wb.getRange(10, 2, 4, 1), [['a'], ['b'], ['c'], ['']]);
  wb.setCellValue(10, 3, '=FILTER(A11:A14,A11:A14<>"b","none")');
  assert.deepEqual(wb.getRange(10, 3, 3, 1), [['a'], ['c'], ['']]);
  // Undo removes the array with its formula.
  assert.ok(wb.undo());
  assert.equal(wb.getCellData(11, 3).type, 'empty');
  // Round trip through XLSX keeps the formula and its spill.
  const back = new Workbook();
  await back.importXlsx(await wb.exportXlsx());
  assert.deepEqual(back.getRange(10, 2, 3, 1), [['a'], ['b'], ['c']]);
  assert.deepEqual(back.getCellData(11, 2).spilledFrom, { row: 10, col: 2 });
});

test('the @ operator intersects a range with the formula row, and XLSX keeps it', async () => {
  const wb = new Workbook();
  wb.setCellValues(0, 0, [[1], [2], [3], [4]]);
  wb.setCellValue(2, 1, '=@A1:A4*10');
  assert.equal(wb.getCellData(2, 1).value, 30);
  assert.equal(wb.getCellData(2, 1).formula, '=@A1:A4*10');
  assert.equal(wb.getCellData(2, 1).spill, undefined);
  wb.setCellValue(6, 1, '=@A1:A4');
  assert.equal(wb.getCellData(6, 1).displayValue, '#VALUE!');
  wb.setCellValue(2, 0, 9);
  assert.equal(wb.getCellData(2, 1).value, 90);
  const back = new Workbook();
  await back.importXlsx(await wb.exportXlsx());
  assert.equal(back.getCellData(2, 1).formula, '=@A1:A4*10');
  assert.equal(back.getCellData(2, 1).value, 90);
  wb.dispose();
  back.dispose();
});

test('the 1904 date system: dates, formats and XLSX', async () => {
  const wb = new Workbook();
  assert.equal(wb.dateSystem(), 1900);
  wb.setCellValue(0, 0, '=DATE(2024,1,15)');
  wb.setCellValue(0, 1, '=YEAR(A1)&"-"&MONTH(A1)&"-"&DAY(A1)');
  wb.setCellValue(0, 2, '=TEXT(A1,"yyyy-mm-dd")');
  assert.equal(wb.getCellData(0, 0).value, 45306);
  wb.setDateSystem(1904);
  assert.equal(wb.dateSystem(), 1904);
  assert.equal(wb.getCellData(0, 0).value, 45306 - 1462);
  assert.equal(wb.getCellData(0, 1).value, '2024-1-15');
  assert.equal(wb.getCellData(0, 2).value, '2024-01-15');
  wb.setCellValue(1, 0, 0);
  wb.setFormat(1, 0, 'yyyy-mm-dd');
  assert.equal(wb.getCellData(1, 0).displayValue, '1904-01-01');
  const back = new Workbook();
  await back.importXlsx(await wb.exportXlsx());
  assert.equal(back.dateSystem(), 1904);
  assert.equal(back.getCellData(1, 0).displayValue, '1904-01-01');
  assert.equal(back.getCellData(0, 2).value, '2024-01-15');
  assert.throws(() => wb.setDateSystem(2000), (e) => e instanceof RuSheetError && /1900 or 1904/.test(e.message));
});

test('formulas in R1C1 notation', () => {
  const wb = new Workbook();
  wb.setCellValues(0, 0, [[1], [2], [3]]);
  wb.setCellFormulaR1C1(3, 0, '=SUM(R1C:R[-1]C) * 2');
  const cell = wb.getCellData(3, 0);
  assert.equal(cell.value, 12);
  assert.equal(cell.formula, '=SUM(A$1:A3)*2');
  assert.equal(wb.getFormulaR1C1(3, 0), '=SUM(R1C:R[-1]C)*2');
  wb.setCellValue(0, 1, '=$A$1+A2+Sheet1!B$3');
  assert.equal(wb.getFormulaR1C1(0, 1), '=R1C1+R[1]C[-1]+Sheet1!R3C');
  assert.equal(wb.getFormulaR1C1(0, 0), null);
  assert.throws(
    () => wb.setCellFormulaR1C1(0, 0, '=R[-1]C'),
    (e) => e instanceof RuSheetError && /cannot parse formula/.test(e.message),
  );
});

test('structure edits rewrite formulas', () => {
  const wb = new Workbook();
  wb.setCellValues(0, 0, [[1], [2], [3], ['=SUM(A1:A3)']]);
  wb.insertRows(1, 2);
  assert.equal(wb.getCellData(5, 0).formula, '=SUM(A1:A5)');
  wb.deleteRows(0, 1);
  assert.equal(wb.getCellData(4, 0).formula, '=SUM(A1:A4)');
  assert.equal(wb.getCellData(4, 0).value, 5);
  wb.insertColumns(0, 1);
  assert.equal(wb.getCellData(4, 1).formula, '=SUM(B1:B4)');
  wb.deleteColumns(0, 1);
  assert.ok(wb.undo());
  assert.ok(wb.undo());
  assert.ok(wb.undo());
  assert.equal(wb.getCellData(5, 0).formula, '=SUM(A1:A5)');
});

test('sheets, names and formats', () => {
  const wb = new Workbook();
  const idx = wb.addSheet('Rates');
  wb.setActiveSheet(idx);
  wb.setCellValue(0, 0, 0.07);
  wb.setActiveSheet(0);
  wb.defineName('Rate', '=Rates!$A$1');
  wb.setCellValue(0, 0, 1000);
  wb.setCellValue(0, 1, '=A1*Rate');
  assert.equal(wb.getCellData(0, 1).value, 70);
  wb.setFormat(0, 0, '#,##0.00');
  assert.equal(wb.getCellData(0, 0).displayValue, '1,000.00');
  assert.deepEqual(wb.sheetNames(), ['Sheet1', 'Rates']);
  assert.deepEqual(wb.getRange(0, 0, 1, 2), [['1,000.00', '70']]);
});

test('CSV and XLSX import and export round-trip', async () => {
  const wb = new Workbook();
  wb.importCsv('name,qty,price\nwidget,3,2.5\ngadget,4,1.25\n');
  wb.setCellValue(1, 3, '=B2*C2');
  wb.setCellValue(2, 3, '=B3*C3');
  assert.equal(wb.exportCsv(), 'name,qty,price\nwidget,3,2.5,7.5\ngadget,4,1.25,5\n');
  const bytes = await wb.exportXlsx();
  assert.ok(bytes.length > 1000);
  assert.deepEqual([...bytes.subarray(0, 2)], [0x50, 0x4b], 'a zip package');
  const back = new Workbook();
  await back.importXlsx(bytes);
  assert.equal(back.getCellData(1, 3).formula, '=B2*C2');
  assert.equal(back.getCellData(2, 3).value, 5);
  back.setCellValue(2, 1, 10);
  assert.equal(back.getCellData(2, 3).value, 12.5);
});

test('the WebAssembly module stays under 1.5 MB (1,500,000 bytes)', async () => {
  const { size } = await stat(new URL('../pkg/sheet_wasm_bg.wasm', import.meta.url));
  assert.ok(size < 1_500_000, `${size} bytes`);
  // XLSX is a second module, fetched by importXlsx/exportXlsx on first use.
  const xlsx = await stat(new URL('../pkg/sheet_xlsx_bg.wasm', import.meta.url));
  assert.ok(xlsx.size > 0);
});

test('init is idempotent and accepts bytes', async () => {
  const bytes = await readFile(new URL('../pkg/sheet_wasm_bg.wasm', import.meta.url));
  await init(bytes);
  await rusheet.init();
  const wb = rusheet.create();
  wb.setCellValue(0, 0, '=ROUND(PI(),4)');
  assert.equal(wb.getCellData(0, 0).value, 3.1416);
});
