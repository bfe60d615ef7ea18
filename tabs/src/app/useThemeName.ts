import { useEffect, useState } from 'react';
import type { Host, ThemeName } from '../host/teamsHost.ts';
import { browserTheme } from '../host/theme.ts';

const darkQuery = (): MediaQueryList | null =>
  typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : null;

const fromBrowser = (): ThemeName => browserTheme(window.location.search, darkQuery()?.matches ?? false);

/** The theme, chosen once from the host and followed live (Teams theme changes, OS colour scheme). */
export function useThemeName(host: Host | null): ThemeName {
  const [theme, setTheme] = useState<ThemeName>(() => (host?.kind === 'teams' ? host.theme : fromBrowser()));

  useEffect(() => {
    if (!host) return;
    if (host.kind === 'teams') {
      setTheme(host.theme);
      host.onThemeChange(setTheme);
      return;
    }
    setTheme(fromBrowser());
    const media = darkQuery();
    if (!media) return;
    const follow = () => setTheme(fromBrowser());
    media.addEventListener('change', follow);
    return () => media.removeEventListener('change', follow);
  }, [host]);
  return theme;
}
