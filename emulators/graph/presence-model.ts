import { aggregate, type PresencePair } from '../../api/src/domain/presence.ts';
import { FADE_AWAY_MS, FADE_INACTIVE_MS } from './defaults.ts';

/**
 * Pure presence state of one user at an instant (concept page "Manage presence state",
 * presence-setpresence). Everything is a function of (state, time), so the emulator can evaluate any
 * user lazily and schedule only the next instant at which their aggregate can change.
 */
export interface AppSession {
  pair: PresencePair;
  setAt: number;
  expiresAt: number;
}

export interface PreferredPresence {
  pair: PresencePair;
  expiresAt: number;
}

/** The user's own Teams client: a base status, and a meeting or call that overrides it while on. */
export interface ClientSession {
  base: PresencePair | null;
  activity: 'meeting' | 'call' | null;
}

export interface UserPresenceState {
  client: ClientSession;
  /** keyed by sessionId (= the app's client id) */
  apps: Map<string, AppSession>;
  preferred: PreferredPresence | null;
}

export const OFFLINE: PresencePair = { availability: 'Offline', activity: 'Offline' };
const MEETING: PresencePair = { availability: 'Busy', activity: 'InAMeeting' };
const CALL: PresencePair = { availability: 'Busy', activity: 'InACall' };

export const emptyState = (): UserPresenceState => ({ client: { base: null, activity: null }, apps: new Map(), preferred: null });

export function clientPair(c: ClientSession): PresencePair | null {
  if (c.activity === 'meeting') return MEETING;
  if (c.activity === 'call') return CALL;
  return c.base;
}

/** What an app session shows at `t`, or null once expired. Available fades whatever its expiry. */
export function appSessionAt(s: AppSession, t: number): PresencePair | null {
  if (t >= s.expiresAt) return null;
  if (s.pair.availability === 'Available' && s.pair.activity === 'Available') {
    const age = t - s.setAt;
    if (age >= FADE_AWAY_MS) return { availability: 'Away', activity: 'Away' };
    if (age >= FADE_INACTIVE_MS) return { availability: 'Available', activity: 'AvailableInactive' };
  }
  return s.pair;
}

export interface SessionView {
  id: string;
  kind: 'teamsClient' | 'app';
  availability: string;
  activity: string;
  expiresAt: number | null;
}

export function sessionsAt(state: UserPresenceState, t: number): SessionView[] {
  const out: SessionView[] = [];
  const c = clientPair(state.client);
  if (c) out.push({ id: 'teams-client', kind: 'teamsClient', ...c, expiresAt: null });
  for (const [id, s] of state.apps) {
    const p = appSessionAt(s, t);
    if (p) out.push({ id, kind: 'app', ...p, expiresAt: s.expiresAt });
  }
  return out;
}

export function preferredAt(state: UserPresenceState, t: number): PresencePair | null {
  return state.preferred && t < state.preferred.expiresAt ? state.preferred.pair : null;
}

/** The aggregated presence Graph reports at `t`: preferred > sessions (DND > Busy > Available > Away); none → Offline. */
export function aggregateAt(state: UserPresenceState, t: number): PresencePair {
  const p = aggregate(sessionsAt(state, t), preferredAt(state, t));
  return p ? { availability: p.availability, activity: p.activity } : OFFLINE;
}

/** The next instant after `t` at which something in the state changes by itself (fade, expiry), or null. */
export function nextTransitionAt(state: UserPresenceState, t: number): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const s of state.apps.values()) {
    for (const at of [s.setAt + FADE_INACTIVE_MS, s.setAt + FADE_AWAY_MS, s.expiresAt]) {
      const fades = at !== s.expiresAt;
      if (fades && !(s.pair.availability === 'Available' && s.pair.activity === 'Available')) continue;
      if (at > t && at < next) next = at;
    }
  }
  if (state.preferred && state.preferred.expiresAt > t && state.preferred.expiresAt < next) next = state.preferred.expiresAt;
  return Number.isFinite(next) ? next : null;
}

/** Drops expired app sessions and preferred presence (so memory follows live state). */
export function prune(state: UserPresenceState, t: number): void {
  for (const [id, s] of state.apps) if (t >= s.expiresAt) state.apps.delete(id);
  if (state.preferred && t >= state.preferred.expiresAt) state.preferred = null;
}

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/** ISO 8601 duration (days/hours/minutes/seconds, as Graph uses) in ms; null when not one. */
export function parseIsoDuration(s: string): number | null {
  const m = DURATION.exec(s.trim());
  if (!m || s.trim().toUpperCase() === 'P' || s.trim().toUpperCase().endsWith('T')) return null;
  const [, d, h, min, sec] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Math.round(Number(sec ?? 0) * 1000);
}
