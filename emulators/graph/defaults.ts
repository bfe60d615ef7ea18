/** The app registration every emulator starts with; tests and the demo use it unless they register their own. */
export const DEFAULT_APP = {
  clientId: '6f1d7e2a-3b4c-4d5e-8f60-718293a4b5c6',
  clientSecret: 'emulator-client-secret',
  roles: ['User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite.All'],
};

/** The app id Microsoft Graph's change notification service puts in `azp`/`appid` of validation tokens. */
export const GRAPH_NOTIFICATION_APP_ID = '0bf30f3b-4a52-48df-9a82-234910c4a086';

/** Graph's resource: the `aud` of Graph tokens (either form is accepted on calls). */
export const GRAPH_AUDIENCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Delegated scopes an app gets for `.default` or when it asks for none (the consented set). */
export const DEFAULT_DELEGATED_SCOPES = ['User.Read', 'Presence.Read.All', 'Presence.ReadWrite'];

/** Token lifetime as Entra issues it (facts/graph.md: expires_in 3599). */
export const ACCESS_TOKEN_LIFETIME_S = 3599;
export const AUTH_CODE_LIFETIME_MS = 10 * 60_000;
export const DEVICE_CODE_LIFETIME_S = 900;
export const DEVICE_CODE_INTERVAL_S = 5;

export const DEFAULT_QUOTA = { requests: 1500, windowMs: 30_000 };

/** setPresence fade (presence-setpresence): Available → Available/AvailableInactive → Away/Away. */
export const FADE_INACTIVE_MS = 5 * 60_000;
export const FADE_AWAY_MS = 10 * 60_000;

export const SUBSCRIPTION_MAX_MS = 60 * 60_000;
export const SUBSCRIPTION_MIN_MS = 45 * 60_000;
export const SUBSCRIPTION_MAX_IDS = 650;
export const PRESENCE_BATCH_MAX_IDS = 650;
export const VALIDATION_TIMEOUT_MS = 10_000;
