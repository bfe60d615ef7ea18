import { type DevSignInRequest, devSignIn, fetchAuthConfig } from '../api/auth.ts';
import { type ApiClient, ApiError, createApiClient, errorMessage } from '../api/client.ts';
import type { Host } from '../host/teamsHost.ts';
import { createStore, type Store } from './store.ts';

/**
 * Who is signed in and how the API client gets its token: Teams SSO inside Teams, the server's local
 * dev sign-in in a plain browser when the server enables it, otherwise a clear "open it in Teams".
 */
export type Session =
  | { status: 'starting' }
  | { status: 'needs_teams'; reason: string }
  | { status: 'signed_out'; devSignIn: true; message: string | null }
  | { status: 'signed_in'; via: 'teams' | 'dev'; userName: string | null }
  | { status: 'failed'; message: string };

const TOKEN_KEY = 'presence-sync.dev-token';
const NAME_KEY = 'presence-sync.dev-name';

export interface SessionController {
  store: Store<Session>;
  api: ApiClient;
  start(): Promise<void>;
  signInDev(req: DevSignInRequest): Promise<void>;
  signOut(message?: string): void;
}

export function createSession(host: Host, storage: Storage = window.sessionStorage): SessionController {
  const store = createStore<Session>({ status: 'starting' });
  const unauthenticated = createApiClient({ getToken: async () => null });

  const api = createApiClient({
    getToken: async () => {
      if (host.kind === 'teams') return host.getToken();
      return storage.getItem(TOKEN_KEY);
    },
    onUnauthorized: (e) => {
      if (host.kind === 'browser') controller.signOut(`You were signed out: ${e.message}`);
    },
  });

  const controller: SessionController = {
    store,
    api,
    async start() {
      if (host.kind === 'teams') {
        store.set({ status: 'signed_in', via: 'teams', userName: host.userName });
        return;
      }
      try {
        const config = await fetchAuthConfig(unauthenticated);
        if (!config.devSignIn) {
          store.set({
            status: 'needs_teams',
            reason:
              host.reason === 'standalone'
                ? 'This page is the Presence Sync admin tab. Open it from Microsoft Teams, where you are signed in automatically.'
                : 'This frame is not Microsoft Teams. Open Presence Sync from the Teams app.',
          });
          return;
        }
        const token = storage.getItem(TOKEN_KEY);
        if (token) store.set({ status: 'signed_in', via: 'dev', userName: storage.getItem(NAME_KEY) });
        else store.set({ status: 'signed_out', devSignIn: true, message: null });
      } catch (err) {
        store.set({ status: 'failed', message: errorMessage(err) });
      }
    },
    async signInDev(req) {
      try {
        const result = await devSignIn(unauthenticated, req);
        storage.setItem(TOKEN_KEY, result.token);
        const shown = result.principal.name ?? result.principal.upn ?? req.upn;
        storage.setItem(NAME_KEY, shown);
        store.set({ status: 'signed_in', via: 'dev', userName: shown });
      } catch (err) {
        const message = err instanceof ApiError ? err.message : errorMessage(err);
        store.set({ status: 'signed_out', devSignIn: true, message });
      }
    },
    signOut(message) {
      storage.removeItem(TOKEN_KEY);
      storage.removeItem(NAME_KEY);
      if (host.kind === 'browser') store.set({ status: 'signed_out', devSignIn: true, message: message ?? null });
    },
  };
  return controller;
}
