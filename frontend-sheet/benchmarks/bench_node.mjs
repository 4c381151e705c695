// The scenarios in node: HyperFormula (npm) and this engine's
// WebAssembly build (through the `rusheet` API). Prints one JSON object per
// (engine, scenario): {"engine": .., "scenario": .., "ms": ..}.
//
//   node benchmarks/bench_node.mjs [rows]
import { performance } from 'node:perf_hooks';
import { HyperFormula } from 'hyperformula';

import { init, Workbook } from '../dist/index.js';

const rows = Number(process.argv[2] ?? 100000);

function table(withSum) {
  const data = [];
  for (let r = 0; r < rows; r++) {
    const n = r + 1;
    const line = [n, `=A${n}*2`, r === 0 ? '=B1' : `=C${n - 1}+B${n}`];
    if (withSum) line.push(`=SUM(A$1:A${n})`);
    data.push(line);
  }
  return data;
}

function bestOf(runs, f) {
  let best = Infinity;
  for (let i = 0; i < runs; i++) best = Math.min(best, f(i));
  return best;
}

function report(engine, scenario, ms) {
  console.log(JSON.stringify({ engine, scenario, ms: Number(ms.toFixed(3)) }));
}

function expected(v) {
  return 2 * ((rows * (rows + 1)) / 2 - 1 + v);
}

// HyperFormula
for (const [scenario, withSum] of [['S1', false], ['S2', true]]) {
  const hf = HyperFormula.buildFromArray(table(withSum), { licenseKey: 'gpl-v3', maxRows: rows + 1 });
  let v = 2;
  const t = performance.now();
  hf.setCellContents({ sheet: 0, row: 0, col: 0 }, [[v]]);
  report('HyperFormula', `${scenario} first edit`, performance.now() - t);
  const ms = bestOf(5, () => {
    v += 1;
    const t = performance.now();
    hf.setCellContents({ sheet: 0, row: 0, col: 0 }, [[v]]);
    return performance.now() - t;
  });
  const got = hf.getCellValue({ sheet: 0, row: rows - 1, col: 2 });
  if (got !== expected(v)) throw new Error(`HyperFormula ${scenario}: ${got}`);
  report('HyperFormula', scenario, ms);
  hf.destroy();
}
report(
  'HyperFormula',
  'S3',
  bestOf(3, () => {
    const data = table(true);
    const t = performance.now();
    const hf = HyperFormula.buildFromArray(data, { licenseKey: 'gpl-v3', maxRows: rows + 1 });
    const ms = performance.now() - t;
    hf.destroy();
    return ms;
  }),
);

// This engine in WebAssembly. The sheet is entered with setCellValues, one
// call for the whole block (as HyperFormula's buildFromArray takes it).
await init();
function build(withSum) {
  const wb = new Workbook();
  wb.setCellValues(0, 0, table(withSum));
  return wb;
}
for (const [scenario, withSum] of [['S1', false], ['S2', true]]) {
  const wb = build(withSum);
  let v = 2;
  const t = performance.now();
  wb.setCellValue(0, 0, v);
  report('rusheet (WASM)', `${scenario} first edit`, performance.now() - t);
  const ms = bestOf(5, () => {
    v += 1;
    const t = performance.now();
    wb.setCellValue(0, 0, v);
    return performance.now() - t;
  });
  const got = wb.getCellData(rows - 1, 2).value;
  if (got !== expected(v)) throw new Error(`rusheet ${scenario}: ${got}`);
  report('rusheet (WASM)', scenario, ms);
  wb.dispose();
}
report(
  'rusheet (WASM)',
  'S3',
  bestOf(3, () => {
    const data = table(true);
    const t = performance.now();
    const wb = new Workbook();
    wb.setCellValues(0, 0, data);
    const ms = performance.now() - t;
    wb.dispose();
    return ms;
  }),
);
