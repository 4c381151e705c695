/**
 * `rusheet/react`: the spreadsheet as a React component.
 *
 * ```tsx
 * import { RuSheet, useRuSheet } from 'rusheet/react';
 *
 * function App() {
 *   const { ref, api } = useRuSheet();
 *   return (
 *     <RuSheet
 *       ref={ref}
 *       initialData={[['Name', 'Age'], ['Alice', 30]]}
 *       onChange={(e) => console.log('Changed:', e)}
 *       width="100%"
 *       height={500}
 *     />
 *   );
 * }
 * ```
 *
 * `api` is null until the WebAssembly engine has loaded, then the same
 * object as `ref.current`. With `collaboration`, the sheet is a shared
 * document on a `sheet-collab` server (docs/sheet-ui.md).
 */
import { forwardRef, useEffect, useImperativeHandle, useMemo, useRef, useState } from 'react';
import type { CSSProperties } from 'react';

import type { ChangeEvent } from './index.js';
import type { Selection } from './grid.js';
import { cssSize, SheetMount, type RuSheetApi, type RuSheetCollaboration, type SheetOptions } from './embed.js';

export type { RuSheetApi, RuSheetCollaboration };

export interface RuSheetProps extends SheetOptions {
  onChange?: (event: ChangeEvent) => void;
  onSelectionChange?: (selection: Selection) => void;
  width?: number | string;
  height?: number | string;
  className?: string;
  style?: CSSProperties;
}

export const RuSheet = forwardRef<RuSheetApi, RuSheetProps>(function RuSheet(props, ref) {
  const host = useRef<HTMLDivElement>(null);
  const [api, setApi] = useState<RuSheetApi | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const collab = props.collaboration;

  useEffect(() => {
    if (!host.current) return;
    const mount = new SheetMount(host.current, () => latest.current);
    void mount.start().then((ready) => ready && setApi(ready));
    return () => {
      mount.destroy();
      setApi(null);
    };
  }, [collab?.url, collab?.document]);

  // null until the engine has loaded, like an unmounted ref.
  useImperativeHandle(ref, () => api as RuSheetApi, [api]);

  const style: CSSProperties = {
    width: cssSize(props.width, '100%'),
    height: cssSize(props.height, 400),
    position: 'relative',
    ...props.style,
  };
  return <div ref={host} className={props.className} style={style} />;
});

/** A ref callback that also holds the current value, like a ref object. */
export type RuSheetRef = ((api: RuSheetApi | null) => void) & { current: RuSheetApi | null };

/**
 * `const { ref, api } = useRuSheet();` then `<RuSheet ref={ref} />`: `api`
 * is the component's API once the engine has loaded (null before), and
 * changing it re-renders the caller.
 */
export function useRuSheet(): { ref: RuSheetRef; api: RuSheetApi | null } {
  const [api, setApi] = useState<RuSheetApi | null>(null);
  const ref = useMemo(() => {
    const fn = ((value: RuSheetApi | null) => {
      fn.current = value;
      setApi(value);
    }) as RuSheetRef;
    fn.current = null;
    return fn;
  }, []);
  return { ref, api };
}
