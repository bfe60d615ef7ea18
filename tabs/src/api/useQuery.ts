import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, errorMessage } from './client.ts';

export interface Query<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/**
 * Loads data for a screen. `key` changes re-run the loader; stale answers (older keys) are dropped.
 * `key = null` means "nothing to load yet".
 */
export function useQuery<T>(key: string | null, load: () => Promise<T>, opts: { pollMs?: number } = {}): Query<T> {
  const [state, setState] = useState<{ data: T | undefined; error: ApiError | null; loading: boolean; forKey: string | null }>({
    data: undefined,
    error: null,
    loading: key !== null,
    forKey: null,
  });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick is a deliberate re-run trigger
  useEffect(() => {
    if (key === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, data: s.forKey === key ? s.data : undefined, forKey: key }));
    loadRef.current().then(
      (data) => live && setState({ data, error: null, loading: false, forKey: key }),
      (err: unknown) =>
        live &&
        setState((s) => ({
          data: s.data,
          error: err instanceof ApiError ? err : new ApiError(0, 'client', errorMessage(err)),
          loading: false,
          forKey: key,
        })),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);

  useEffect(() => {
    if (key === null || !opts.pollMs) return;
    const t = window.setInterval(() => setTick((n) => n + 1), opts.pollMs);
    return () => window.clearInterval(t);
  }, [key, opts.pollMs]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
