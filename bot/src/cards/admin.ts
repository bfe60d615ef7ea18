import type { FaultKind } from '../../../api/src/domain/ports.ts';
import { REASON_CODES, REASON_TEXT } from '../../../api/src/domain/reasons.ts';
import type { TimeFormatter } from '../labels.ts';
import type { AlertView, BotMessage, HealthView, RenewResult, SubscriptionsSummary } from '../ports.ts';
import { VERB } from './agent.ts';
import { callout, execute, facts, heading, message, openUrl, para } from './base.ts';

/** Cards for admins: subscriptions, health, renew-now results, fault notifications and their heal. */

export function subscriptionsCard(
  s: SubscriptionsSummary,
  time: TimeFormatter,
  tabUrl: string | null,
  note?: string,
): BotMessage {
  const mode =
    s.presenceWatch === 'subscriptions'
      ? 'Subscriptions (the presence reader keeps healing in the background)'
      : 'Presence reader (app-only; no subscriptions needed)';
  const rows: [string, string][] = [
    ['Watching Teams by', mode],
    ['Subscriptions', `${s.total} (${s.active} active, ${s.failed} failed, ${s.planned} planned, ${s.removed} removed)`],
    ['Users covered', String(s.usersCovered)],
    ['Next expiry', s.nextExpiryAt ? time(s.nextExpiryAt) : '—'],
    ['Last renewal', s.lastRenewedAt ? time(s.lastRenewedAt) : '—'],
  ];
  const failing = s.failing.map(
    (f) =>
      `Group ${f.groupIndex + 1} (${f.users} users): ${f.lastError ?? 'failed'}${f.lastErrorAt ? ` at ${time(f.lastErrorAt)}` : ''}`,
  );
  const text = [
    ...(note ? [note] : []),
    'Subscriptions:',
    ...rows.map(([k, v]) => `- ${k}: ${v}`),
    ...(failing.length > 0 ? ['Failing:', ...failing.map((f) => `- ${f}`)] : []),
  ].join('\n');
  return message(
    text,
    [
      heading('Presence subscriptions'),
      ...(note ? [callout('Renew now', note, 'emphasis')] : []),
      facts(rows),
      ...(failing.length > 0 ? [callout('Failing', failing.join('\n'), 'attention')] : []),
    ],
    [...(s.total > 0 ? [execute('Renew now', VERB.renew)] : []), ...(tabUrl ? [openUrl('Open Presence Sync', tabUrl)] : [])],
  );
}

export function renewResultText(r: RenewResult): string {
  return r.ok ? `${r.message} (${r.renewed} renewed, ${r.failed} failed).` : r.message;
}

export function healthCard(h: HealthView, time: TimeFormatter, tabUrl: string | null): BotMessage {
  const reasons = Object.entries(h.lastHour)
    .sort((a, b) => b[1] - a[1])
    .map(
      ([reason, n]) =>
        `${n} × ${(REASON_CODES as readonly string[]).includes(reason) ? REASON_TEXT[reason as keyof typeof REASON_TEXT] : reason}`,
    );
  const rows: [string, string][] = [
    ['Connection', h.connectionName],
    ['Mapped users', `${h.mappedUsers} (${h.includedUsers} in sync)`],
    ['Last decision', h.lastDecisionAt ? time(h.lastDecisionAt) : '—'],
    ['Subscriptions', `${h.subscriptions.active} active, ${h.subscriptions.failed} failed`],
    ['Azure client secret expires', h.azureSecretExpiresAt ? time(h.azureSecretExpiresAt) : 'unknown'],
  ];
  const faults = h.openAlerts.map((a) => alertLine(a, time));
  const text = [
    'Health:',
    ...rows.map(([k, v]) => `- ${k}: ${v}`),
    faults.length > 0 ? `Open faults:\n${faults.map((f) => `- ${f}`).join('\n')}` : 'No open faults.',
    reasons.length > 0 ? `Last hour:\n${reasons.map((r) => `- ${r}`).join('\n')}` : 'No decisions in the last hour.',
  ].join('\n');
  return message(
    text,
    [
      heading('Presence Sync health', faults.length > 0 ? 'Attention' : 'Good'),
      facts(rows),
      faults.length > 0 ? callout('Open faults', faults.join('\n'), 'attention') : para('No open faults.'),
      para(reasons.length > 0 ? `Last hour: ${reasons.join(', ')}` : 'No decisions in the last hour.', { subtle: true }),
    ],
    [execute('Subscriptions', VERB.subscriptions), ...(tabUrl ? [openUrl('Open Presence Sync', tabUrl)] : [])],
  );
}

function alertLine(a: AlertView, time: TimeFormatter): string {
  const impact = a.impactUsers != null ? `, ${a.impactUsers} users affected` : '';
  return `${FAULT_TEXT[a.kind as FaultKind]?.title ?? a.kind}: ${a.message} (since ${time(a.firstAt)}${a.count > 1 ? `, ${a.count} times` : ''}${impact})`;
}

/** What each fault means and how to fix it. */
export const FAULT_TEXT: Record<FaultKind, { title: string; fix: string }> = {
  subscription_create_failed: {
    title: 'A presence subscription could not be created',
    fix: 'Check that the subscription owner account is signed in and the app has Presence.Read.All; Presence Sync retries and the presence reader keeps syncing meanwhile.',
  },
  subscription_renew_failed: {
    title: 'A presence subscription could not be renewed',
    fix: 'Presence Sync retries before it expires. If it keeps failing, sign the subscription owner in again in the tab (Subscriptions page) or choose Renew now.',
  },
  subscription_removed: {
    title: 'Microsoft removed a presence subscription',
    fix: 'Presence Sync recreates it; if that fails, sign the subscription owner in again in the tab.',
  },
  reauthorization_failed: {
    title: 'A subscription needs reauthorization and it did not recover',
    fix: "Sign the subscription owner in again in the tab (Subscriptions page): its token can't be refreshed.",
  },
  missed_notifications: {
    title: 'Microsoft reported missed presence notifications',
    fix: 'Presence Sync re-reads everyone affected; nothing to do unless this repeats.',
  },
  owner_token_failed: {
    title: "A subscription owner's sign-in expired",
    fix: 'Sign that account in again in the tab (Subscriptions page).',
  },
  permission_missing: {
    title: 'A Microsoft Graph permission is missing',
    fix: 'Grant admin consent to the Presence Sync app for the permission below.',
  },
  secret_expiring: {
    title: 'The Azure client secret expires soon',
    fix: 'Create a new client secret for the app in Entra ID and paste it in the tab (Connection page) before it expires.',
  },
  cxone_unreachable: {
    title: 'CXone cannot be reached',
    fix: 'Presence Sync retries by itself. Check CXone status and the connection URL in the tab if it lasts.',
  },
  cxone_key_rejected: {
    title: 'CXone rejected the access key',
    fix: 'Create a new access key in CXone (Admin → Employees → Access keys) and paste it in the tab (Connection page).',
  },
  graph_unreachable: {
    title: 'Microsoft Graph cannot be reached',
    fix: 'Presence Sync retries by itself; check the network or service health if it lasts.',
  },
  throttling: {
    title: 'Microsoft Graph or CXone is throttling Presence Sync',
    fix: 'Presence Sync slows down and retries by itself. If it lasts, lower the Graph quota or the number of users per connection in the tab.',
  },
};

export interface FaultCardInput {
  fault: FaultKind | string;
  message: string;
  firstAt: string;
  lastAt: string;
  count: number;
  impactUsers: number | null;
  /** Extra facts already made safe to show (permission name, expiry…), never secrets. */
  extraFacts: [string, string][];
  consentUrl: string | null;
  tabUrl: string | null;
}

export function faultCard(f: FaultCardInput): BotMessage {
  const meta = FAULT_TEXT[f.fault as FaultKind] ?? { title: `Fault: ${f.fault}`, fix: 'See the Presence Sync tab.' };
  const impact = f.impactUsers != null ? `${f.impactUsers} users affected` : 'unknown';
  const rows: [string, string][] = [['What', f.message], ['Since', f.firstAt], ['Impact', impact], ...f.extraFacts];
  const text = `${meta.title}.\n${rows.map(([k, v]) => `- ${k}: ${v}`).join('\n')}\nFix: ${meta.fix}${f.consentUrl ? ` Consent: ${f.consentUrl}` : ''}`;
  return message(
    text,
    [heading(meta.title, 'Attention'), facts(rows), callout('How to fix it', meta.fix, 'attention')],
    [
      ...(f.consentUrl ? [openUrl('Grant consent', f.consentUrl)] : []),
      ...(f.tabUrl ? [openUrl('Open Presence Sync', f.tabUrl)] : []),
    ],
  );
}

export function faultHealedCard(f: FaultCardInput & { healedAt: string }): BotMessage {
  const meta = FAULT_TEXT[f.fault as FaultKind] ?? { title: `Fault: ${f.fault}`, fix: '' };
  const rows: [string, string][] = [
    ['What', f.message],
    ['Since', f.firstAt],
    ['Healed', f.healedAt],
    ['Occurrences', String(f.count)],
  ];
  const text = `Healed: ${meta.title}.\n${rows.map(([k, v]) => `- ${k}: ${v}`).join('\n')}`;
  return message(
    text,
    [heading(`Healed: ${meta.title}`, 'Good'), facts(rows)],
    f.tabUrl ? [openUrl('Open Presence Sync', f.tabUrl)] : [],
  );
}
