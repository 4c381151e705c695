// The seed's React example, mounted by tests/browser.test.mjs.
import { createRoot } from 'react-dom/client';
import { RuSheet, useRuSheet, type RuSheetApi } from '../../src/react.js';
import type { ChangeEvent } from '../../src/index.js';

const events: ChangeEvent[] = [];

function App() {
  const { ref, api } = useRuSheet();
  Object.assign(globalThis, { reactApi: api, reactRef: ref, reactEvents: events });
  return (
    <div>
      <p id="ready">{api ? 'ready' : 'loading'}</p>
      <RuSheet
        ref={ref}
        wasm={new URL('sheet_wasm_bg.wasm', location.href)}
        initialData={[
          ['Name', 'Age', 'City'],
          ['Alice', 30, 'NYC'],
          ['Bob', 25, 'LA'],
          ['Total', '=SUM(B2:B3)', null],
        ]}
        onChange={(e) => events.push(e)}
        width="100%"
        height={400}
      />
    </div>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
export type { RuSheetApi };
