// rusheet/vue mounted by tests/browser.test.mjs, with the props of the
// seed's React example.
import { createApp, defineComponent, h } from 'vue';
import { RuSheet, useRuSheet } from '../../src/vue.js';
import type { ChangeEvent } from '../../src/index.js';

const events: ChangeEvent[] = [];

const App = defineComponent({
  setup() {
    const { ref: sheet, api } = useRuSheet();
    Object.assign(globalThis, { vueApiRef: api, vueEvents: events });
    return () =>
      h('div', [
        h('p', { id: 'ready' }, api.value ? 'ready' : 'loading'),
        h(RuSheet, {
          ref: sheet,
          wasm: new URL('sheet_wasm_bg.wasm', location.href),
          initialData: [
            ['Name', 'Age', 'City'],
            ['Alice', 30, 'NYC'],
            ['Bob', 25, 'LA'],
            ['Total', '=SUM(B2:B3)', null],
          ],
          onChange: (e: ChangeEvent) => events.push(e),
          width: '100%',
          height: 400,
        }),
      ]);
  },
});

createApp(App).mount('#root');
