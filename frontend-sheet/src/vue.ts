/**
 * `rusheet/vue`: the spreadsheet as a Vue 3 component, with the props and
 * events of `rusheet/react`.
 *
 * ```vue
 * <script setup lang="ts">
 * import { RuSheet, useRuSheet } from 'rusheet/vue';
 * const { ref: sheet, api } = useRuSheet();
 * </script>
 *
 * <template>
 *   <RuSheet ref="sheet" :initial-data="[['Name', 'Age'], ['Alice', 30]]"
 *            width="100%" :height="500" @change="(e) => console.log('Changed:', e)" />
 * </template>
 * ```
 *
 * Events: `change` (a ChangeEvent per changed cell), `selection-change`,
 * `ready` (the API). The component instance exposes `api` (null until the
 * engine has loaded).
 */
import { computed, defineComponent, h, onBeforeUnmount, onMounted, ref, shallowRef, watch } from 'vue';
import type { PropType, Ref } from 'vue';

import type { CellInput, ChangeEvent } from './index.js';
import type { Selection } from './grid.js';
import { cssSize, SheetMount, type RuSheetApi, type RuSheetCollaboration } from './embed.js';

export type { RuSheetApi, RuSheetCollaboration };

export const RuSheet = defineComponent({
  name: 'RuSheet',
  props: {
    initialData: { type: Array as PropType<CellInput[][]>, default: undefined },
    width: { type: [Number, String] as PropType<number | string>, default: '100%' },
    height: { type: [Number, String] as PropType<number | string>, default: 400 },
    collaboration: { type: Object as PropType<RuSheetCollaboration>, default: undefined },
    wasm: { type: null as unknown as PropType<BufferSource | URL | string>, default: undefined },
  },
  emits: {
    change: (_event: ChangeEvent) => true,
    'selection-change': (_selection: Selection) => true,
    ready: (_api: RuSheetApi) => true,
  },
  setup(props, { emit, expose }) {
    const host = ref<HTMLDivElement | null>(null);
    const api = shallowRef<RuSheetApi | null>(null);
    let mount: SheetMount | null = null;
    const start = () => {
      mount?.destroy();
      api.value = null;
      if (!host.value) return;
      const current = new SheetMount(host.value, () => ({
        initialData: props.initialData,
        collaboration: props.collaboration,
        wasm: props.wasm,
        onChange: (e) => emit('change', e),
        onSelectionChange: (s) => emit('selection-change', s),
      }));
      mount = current;
      void current.start().then((ready) => {
        if (ready && mount === current) {
          api.value = ready;
          emit('ready', ready);
        }
      });
    };
    onMounted(start);
    watch(() => [props.collaboration?.url, props.collaboration?.document], start);
    onBeforeUnmount(() => mount?.destroy());
    expose({ api });
    return () =>
      h('div', {
        ref: host,
        style: { width: cssSize(props.width, '100%'), height: cssSize(props.height, 400), position: 'relative' },
      });
  },
});

/**
 * `const { ref: sheet, api } = useRuSheet()` with `<RuSheet ref="sheet" />`
 * in the template: `api.value` is the component's API once loaded.
 */
export function useRuSheet(): { ref: Ref<{ api: RuSheetApi | null } | null>; api: Readonly<Ref<RuSheetApi | null>> } {
  // shallowRef: the API holds class instances with private fields, which a
  // deep ref would unwrap into plain objects.
  const instance = shallowRef<{ api: RuSheetApi | null } | null>(null);
  const api = computed(() => instance.value?.api ?? null);
  return { ref: instance, api };
}
