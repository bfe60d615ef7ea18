import { app, authentication } from '@microsoft/teams-js';

/**
 * Where the tab runs. teams-js's `app.initialize()` rejects at once without a parent window and hangs
 * for 60 s in a frame that is not Teams, so we look before we leap (facts/teams.md).
 */
export type ThemeName = 'light' | 'dark' | 'contrast';

export type FrameKind = 'content' | 'settings' | 'other';

export interface TeamsHost {
  kind: 'teams';
  theme: ThemeName;
  frame: FrameKind;
  userName: string | null;
  /** The Entra token for our own app (Teams SSO). */
  getToken(): Promise<string>;
  onThemeChange(handler: (theme: ThemeName) => void): void;
}

export interface BrowserHost {
  kind: 'browser';
  /** Why we decided this is not Teams (shown to the user when sign-in is unavailable). */
  reason: 'standalone' | 'not_teams_frame';
}

export type Host = TeamsHost | BrowserHost;

export const isStandaloneWindow = (w: Window = window): boolean => w.self === w.top && !w.opener;

export function teamsThemeName(theme: string | undefined): ThemeName {
  if (theme === 'dark') return 'dark';
  if (theme === 'contrast') return 'contrast';
  return 'light';
}

/** How long we wait for a Teams host to answer inside a frame before treating it as a plain page. */
const FRAME_INIT_TIMEOUT_MS = 8_000;

export async function detectHost(): Promise<Host> {
  if (isStandaloneWindow()) return { kind: 'browser', reason: 'standalone' };
  let timer: number | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = window.setTimeout(() => resolve('timeout'), FRAME_INIT_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([app.initialize().then(() => 'ready' as const), timeout]);
    if (outcome === 'timeout') return { kind: 'browser', reason: 'not_teams_frame' };
  } catch {
    // initialize() rejected: the parent is not a Teams client.
    return { kind: 'browser', reason: 'not_teams_frame' };
  } finally {
    window.clearTimeout(timer);
  }
  const context = await app.getContext();
  const frame = context.page.frameContext;
  app.notifySuccess();
  return {
    kind: 'teams',
    theme: teamsThemeName(context.app.theme),
    frame: frame === 'settings' ? 'settings' : frame === 'content' ? 'content' : 'other',
    userName: context.user?.userPrincipalName ?? null,
    getToken: () => authentication.getAuthToken(),
    onThemeChange: (handler) => app.registerOnThemeChangeHandler((t) => handler(teamsThemeName(t))),
  };
}
