import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { listConnections } from '../api/connections.ts';
import { useQuery } from '../api/useQuery.ts';
import { AppShell } from '../components/AppShell/AppShell.tsx';
import { ConnectionSwitcher } from '../components/ConnectionSwitcher/ConnectionSwitcher.tsx';
import { LoadingSkeleton } from '../components/LoadingSkeleton/LoadingSkeleton.tsx';
import { useRoute } from '../routing/router.ts';
import { StartScreen } from '../screens/Start/StartScreen.tsx';
import { NAV_ITEMS } from './pages.ts';

// Pages load on first visit: the charts library and the bigger forms stay out of the first download.
const ActivityScreen = lazy(() => import('../screens/Activity/ActivityScreen.tsx').then((m) => ({ default: m.ActivityScreen })));
const ConnectionScreen = lazy(() =>
  import('../screens/Connection/ConnectionScreen.tsx').then((m) => ({ default: m.ConnectionScreen })),
);
const RulesScreen = lazy(() => import('../screens/Rules/RulesScreen.tsx').then((m) => ({ default: m.RulesScreen })));
const UsersScreen = lazy(() => import('../screens/Users/UsersScreen.tsx').then((m) => ({ default: m.UsersScreen })));
const WatchingScreen = lazy(() => import('../screens/Watching/WatchingScreen.tsx').then((m) => ({ default: m.WatchingScreen })));

import { ServicesProvider, useMemoServices } from './services.tsx';

const CONNECTION_KEY = 'presence-sync.connection';

/** Signed in: which connection we work on, the shell, and the current page. */
export function SignedInApp({ api, userName, onSignOut }: { api: ApiClient; userName: string | null; onSignOut?: () => void }) {
  const route = useRoute();
  const connections = useQuery('connections', () => listConnections(api));
  const [connectionId, setStoredId] = useState<string | null>(() => window.localStorage.getItem(CONNECTION_KEY));
  const setConnectionId = useCallback((id: string | null) => {
    if (id) window.localStorage.setItem(CONNECTION_KEY, id);
    else window.localStorage.removeItem(CONNECTION_KEY);
    setStoredId(id);
  }, []);

  // Fall back to the first connection when the remembered one is gone (or none was remembered).
  useEffect(() => {
    const list = connections.data;
    if (!list) return;
    if (!connectionId || !list.some((c) => c.id === connectionId)) setConnectionId(list[0]?.id ?? null);
  }, [connections.data, connectionId, setConnectionId]);

  const services = useMemoServices(api, connectionId, setConnectionId);
  const onConnectionsChanged = connections.reload;

  return (
    <ServicesProvider value={services}>
      <AppShell
        items={NAV_ITEMS}
        current={route.page}
        userName={userName}
        onSignOut={onSignOut}
        connectionSwitcher={
          <ConnectionSwitcher connections={connections.data ?? []} value={connectionId} onChange={setConnectionId} />
        }
      >
        <Suspense fallback={<LoadingSkeleton rows={6} label="Loading the page" />}>
          {route.page === 'connection' ? (
            <ConnectionScreen connections={connections} onChanged={onConnectionsChanged} />
          ) : route.page === 'users' ? (
            <UsersScreen />
          ) : route.page === 'rules' ? (
            <RulesScreen />
          ) : route.page === 'watching' ? (
            <WatchingScreen connections={connections} onChanged={onConnectionsChanged} />
          ) : route.page === 'activity' ? (
            <ActivityScreen />
          ) : (
            <StartScreen connections={connections} />
          )}
        </Suspense>
      </AppShell>
    </ServicesProvider>
  );
}
