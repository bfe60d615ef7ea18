import { useCallback, useSyncExternalStore } from 'react';

/**
 * URL state. The tab lives under /tab/; each page is a path segment and each screen keeps its own
 * state (filters, selection, page number) in the query string, so reload and back/forward just work.
 */
export const BASE = '/tab/';

export const PAGES = ['start', 'connection', 'users', 'rules', 'watching', 'activity', 'config'] as const;
export type PageId = (typeof PAGES)[number];

export interface Route {
  page: PageId;
  params: URLSearchParams;
}

const CHANGE = 'presence-sync:navigate';

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(CHANGE, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(CHANGE, listener);
  };
}

const snapshot = () => window.location.pathname + window.location.search;

export function parseRoute(pathname: string, search: string): Route {
  const rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : '';
  const first = rest.split('/')[0] ?? '';
  const page = (PAGES as readonly string[]).includes(first) ? (first as PageId) : 'start';
  return { page, params: new URLSearchParams(search) };
}

export function hrefFor(page: PageId, params?: URLSearchParams | Record<string, string>): string {
  const path = page === 'start' ? BASE : `${BASE}${page}`;
  const q = params instanceof URLSearchParams ? params : new URLSearchParams(params);
  // Keep the host hints (theme) across pages.
  const theme = new URLSearchParams(window.location.search).get('theme');
  if (theme && !q.has('theme')) q.set('theme', theme);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function navigate(
  page: PageId,
  params?: URLSearchParams | Record<string, string>,
  opts: { replace?: boolean } = {},
): void {
  const href = hrefFor(page, params);
  if (opts.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(CHANGE));
}

export function useRoute(): Route {
  const key = useSyncExternalStore(subscribe, snapshot, snapshot);
  const [pathname, search = ''] = splitOnce(key, '?');
  return parseRoute(pathname, search ? `?${search}` : '');
}

/** A screen's query-string state: read a value, write several at once (null removes). */
export function useSearchState(): [URLSearchParams, (update: Record<string, string | null>, opts?: { push?: boolean }) => void] {
  const route = useRoute();
  const set = useCallback((update: Record<string, string | null>, opts: { push?: boolean } = {}) => {
    const current = parseRoute(window.location.pathname, window.location.search);
    const next = new URLSearchParams(current.params);
    for (const [k, v] of Object.entries(update)) {
      if (v === null || v === '') next.delete(k);
      else next.set(k, v);
    }
    navigate(current.page, next, { replace: !opts.push });
  }, []);
  return [route.params, set];
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
