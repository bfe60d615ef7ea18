/**
 * Teams presence vocabulary and Microsoft's rules about it (facts/graph.md: presence-setpresence,
 * "Manage presence state"). Pure; shared by the engine, the API and the tab.
 */
export const AVAILABILITIES = [
  'Available',
  'AvailableIdle',
  'Away',
  'BeRightBack',
  'Busy',
  'BusyIdle',
  'DoNotDisturb',
  'Offline',
  'PresenceUnknown',
] as const;
export const ACTIVITIES = [
  'Available',
  'Away',
  'BeRightBack',
  'Busy',
  'DoNotDisturb',
  'InACall',
  'InAConferenceCall',
  'Inactive',
  'InAMeeting',
  'Offline',
  'OffWork',
  'OutOfOffice',
  'PresenceUnknown',
  'Presenting',
  'UrgentInterruptionsOnly',
  'Focusing',
] as const;
export type Availability = (typeof AVAILABILITIES)[number];
export type Activity = (typeof ACTIVITIES)[number];

export interface PresencePair {
  availability: string;
  activity: string;
}

export interface TeamsPresence extends PresencePair {
  /** Graph's sortable version stamp, when it sends one. */
  sequenceNumber?: string | null;
}

/** The only pairs `setPresence` accepts. */
export const SETTABLE_PAIRS: readonly PresencePair[] = [
  { availability: 'Available', activity: 'Available' },
  { availability: 'Busy', activity: 'InACall' },
  { availability: 'Busy', activity: 'InAConferenceCall' },
  { availability: 'Away', activity: 'Away' },
  { availability: 'DoNotDisturb', activity: 'Presenting' },
];

/** The only pairs `setUserPreferredPresence` accepts (the opt-in "force" option). */
export const PREFERRED_PAIRS: readonly PresencePair[] = [
  { availability: 'Available', activity: 'Available' },
  { availability: 'Busy', activity: 'Busy' },
  { availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
  { availability: 'BeRightBack', activity: 'BeRightBack' },
  { availability: 'Away', activity: 'Away' },
  { availability: 'Offline', activity: 'OffWork' },
];

const byLower = <T extends string>(values: readonly T[]) => new Map(values.map((v) => [v.toLowerCase(), v] as const));
const AVAIL = byLower(AVAILABILITIES);
const ACT = byLower(ACTIVITIES);

/** Graph values arrive in PascalCase or camelCase; unknown values are kept as given (never a crash). */
export function normalizeAvailability(v: string | null | undefined): string {
  if (!v) return 'PresenceUnknown';
  return AVAIL.get(v.toLowerCase()) ?? v;
}
export function normalizeActivity(v: string | null | undefined): string {
  if (!v) return 'PresenceUnknown';
  return ACT.get(v.toLowerCase()) ?? v;
}
export function normalizePresence<T extends PresencePair>(p: T): T {
  return { ...p, availability: normalizeAvailability(p.availability), activity: normalizeActivity(p.activity) };
}

export const samePair = (a: PresencePair | null | undefined, b: PresencePair | null | undefined): boolean =>
  !!a &&
  !!b &&
  a.availability.toLowerCase() === b.availability.toLowerCase() &&
  a.activity.toLowerCase() === b.activity.toLowerCase();

export const isSettablePair = (p: PresencePair) => SETTABLE_PAIRS.some((s) => samePair(s, p));
export const isPreferredPair = (p: PresencePair) => PREFERRED_PAIRS.some((s) => samePair(s, p));

/** Session precedence: DoNotDisturb > Busy > Available > Away (higher wins). */
export function sessionRank(availability: string): number {
  switch (normalizeAvailability(availability)) {
    case 'DoNotDisturb':
      return 4;
    case 'Busy':
    case 'BusyIdle':
      return 3;
    case 'Available':
    case 'AvailableIdle':
      return 2;
    case 'Away':
    case 'BeRightBack':
      return 1;
    default:
      return 0;
  }
}

/**
 * Microsoft's aggregation: a user-preferred presence beats every session; among sessions the
 * highest rank wins. Returns null when there is nothing (the user shows Offline).
 */
export function aggregate<T extends PresencePair>(sessions: readonly T[], preferred?: PresencePair | null): PresencePair | null {
  if (preferred && sessions.length > 0) return preferred;
  let best: T | null = null;
  for (const s of sessions) if (!best || sessionRank(s.availability) > sessionRank(best.availability)) best = s;
  return best;
}

/**
 * Whether an app session set to `target` can be what the user sees, given the user's other sessions.
 * Used to warn in the rule editor and to avoid reporting `applied` when the aggregate hides it.
 */
export function canShowOver(target: PresencePair, others: readonly PresencePair[]): boolean {
  return others.every((o) => sessionRank(target.availability) >= sessionRank(o.availability));
}
