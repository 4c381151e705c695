// Bundles the spreadsheet page (src/page.ts with yjs and y-websocket) into
// web/dist/app.js with esbuild and puts the WebAssembly modules beside it.
// Needs pkg/ from scripts/build-wasm.sh.  node scripts/build-web.mjs
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await mkdir(`${root}web/dist`, { recursive: true });
await build({
  entryPoints: [`${root}src/page.ts`],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  outfile: `${root}web/dist/app.js`,
  logLevel: 'warning',
  // index.ts reads the module from disk under Node.js only (a dynamic import
  // the browser never reaches).
  external: ['node:*'],
});
// The engine, and the XLSX module fetched on first import/export.
for (const wasm of ['sheet_wasm_bg.wasm', 'sheet_xlsx_bg.wasm']) {
  await copyFile(`${root}pkg/${wasm}`, `${root}web/dist/${wasm}`);
}
process.stdout.write('web/dist/app.js, sheet_wasm_bg.wasm and sheet_xlsx_bg.wasm written\n');
