import { FluentProvider, Spinner, Toaster } from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { DevSignInRequest } from '../api/auth.ts';
import type { Host } from '../host/teamsHost.ts';
import { FLUENT_THEMES } from '../host/theme.ts';
import { useRoute } from '../routing/router.ts';
import { ConfigScreen } from '../screens/Config/ConfigScreen.tsx';
import { SignInScreen } from '../screens/SignIn/SignInScreen.tsx';
import { createSession } from '../stores/sessionStore.ts';
import { useStore } from '../stores/store.ts';
import { useAppStyles } from './App.styles.ts';
import { SignedInApp } from './SignedInApp.tsx';
import { TOASTER_ID } from './services.tsx';
import { useThemeName } from './useThemeName.ts';

/** The root: theme from the host (followed live), then sign-in, then the admin pages. */
export function App({ host }: { host: Host | null }) {
  const themeName = useThemeName(host);
  const styles = useAppStyles();
  return (
    // Layout styles live on an inner element: FluentProvider copies its className onto portal mount
    // nodes (toasts, dialogs), which must not get a full-height background.
    <FluentProvider theme={FLUENT_THEMES[themeName]} data-theme={themeName}>
      <div className={styles.root}>
        <Toaster toasterId={TOASTER_ID} position="top-end" pauseOnHover pauseOnWindowBlur />
        {host ? <HostedApp host={host} /> : <Spinner className={styles.center} label="Starting Presence Sync…" />}
      </div>
    </FluentProvider>
  );
}

function HostedApp({ host }: { host: Host }) {
  const route = useRoute();
  const session = useMemo(() => createSession(host), [host]);
  const state = useStore(session.store);
  const styles = useAppStyles();
  useEffect(() => {
    void session.start();
  }, [session]);
  const signOut = useCallback(() => session.signOut(), [session]);
  const [signingIn, setSigningIn] = useState(false);
  const signInDev = useCallback(
    async (req: DevSignInRequest) => {
      setSigningIn(true);
      await session.signInDev(req);
      setSigningIn(false);
    },
    [session],
  );

  // The configuration page of the channel tab needs no API: it only tells Teams what to pin.
  if (route.page === 'config') return <ConfigScreen host={host} />;

  switch (state.status) {
    case 'starting':
      return <Spinner className={styles.center} label="Signing in…" />;
    case 'signed_in':
      return <SignedInApp api={session.api} userName={state.userName} onSignOut={state.via === 'dev' ? signOut : undefined} />;
    default:
      return <SignInScreen session={state} busy={signingIn} onDevSignIn={signInDev} onRetry={() => void session.start()} />;
  }
}
