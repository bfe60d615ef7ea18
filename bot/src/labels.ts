import type { PresencePair } from '../../api/src/domain/presence.ts';

/** Plain-word labels for what the bot shows. Pure. */

const ACTIVITY_WORDS: Record<string, string> = {
  Available: 'Available',
  Away: 'Away',
  BeRightBack: 'Be right back',
  Busy: 'Busy',
  DoNotDisturb: 'Do not disturb',
  InACall: 'In a call',
  InAConferenceCall: 'In a conference call',
  Inactive: 'Inactive',
  InAMeeting: 'In a meeting',
  Offline: 'Offline',
  OffWork: 'Off work',
  OutOfOffice: 'Out of office',
  PresenceUnknown: 'Unknown',
  Presenting: 'Presenting',
  UrgentInterruptionsOnly: 'Urgent interruptions only',
  Focusing: 'Focusing',
  AvailableIdle: 'Available (idle)',
  BusyIdle: 'Busy (idle)',
};

const CXONE_WORDS: Record<string, string> = {
  LoggedOut: 'Logged out',
  LoggedIn: 'Logged in',
  Available: 'Available',
  Unavailable: 'Unavailable',
  InboundContact: 'On an inbound contact',
  OutboundContact: 'On an outbound contact',
  InboundConsult: 'On an inbound consult',
  OutboundConsult: 'On an outbound consult',
  Dialer: 'On a dialer contact',
};

/** "InAConferenceCall" → "In a conference call"; unknown words are split at capitals. */
export function words(value: string): string {
  const known = ACTIVITY_WORDS[value] ?? CXONE_WORDS[value];
  if (known) return known;
  const split = value.replace(/([a-z])([A-Z])/g, '$1 $2').trim();
  return split.length > 0 ? split.charAt(0).toUpperCase() + split.slice(1).toLowerCase() : 'Unknown';
}

/** "Busy (In a call)", or just "Away" when activity and availability say the same. */
export function presenceLabel(p: PresencePair | null | undefined): string {
  if (!p) return 'nothing';
  const a = words(p.availability);
  const b = words(p.activity);
  return a.toLowerCase() === b.toLowerCase() ? a : `${a} (${b})`;
}

/** A CXone state as agents say it: the unavailable code's name ("Lunch") when there is one. */
export function cxoneLabel(state: string | null | undefined, outStateName?: string | null): string {
  if (outStateName && outStateName.trim() !== '') return outStateName.trim();
  if (!state) return 'unknown';
  return words(state);
}

/** Formats instants for one reader: "10:02" today, "25 Nov, 10:02" otherwise, in their time zone. */
export type TimeFormatter = (ms: number) => string;

export function makeTimeFormatter(now: number, timeZone?: string | null): TimeFormatter {
  const zone = validZone(timeZone) ?? 'UTC';
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: 'numeric', month: 'short' });
  const suffix = zone === 'UTC' ? ' UTC' : '';
  return (ms) => {
    if (!Number.isFinite(ms)) return 'an unknown time';
    const d = new Date(ms);
    const sameDay = day.format(d) === day.format(new Date(now));
    return sameDay ? `${time.format(d)}${suffix}` : `${day.format(d)}, ${time.format(d)}${suffix}`;
  };
}

function validZone(zone: string | null | undefined): string | null {
  if (!zone) return null;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone;
  } catch {
    return null;
  }
}

/** "Ana Diaz and Bo Chen", "Ana, Bo and Cy"; empty → null. */
export function joinNames(names: readonly string[]): string | null {
  const n = names.filter((x) => x.trim() !== '');
  if (n.length === 0) return null;
  if (n.length === 1) return n[0]!;
  return `${n.slice(0, -1).join(', ')} and ${n[n.length - 1]}`;
}
