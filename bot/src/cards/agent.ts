import type { Explanation } from '../explain.ts';
import { cxoneLabel, joinNames, presenceLabel, type TimeFormatter } from '../labels.ts';
import type { BotMessage, StatusView, WhoAmI } from '../ports.ts';
import { callout, execute, facts, heading, message, para } from './base.ts';

/** Cards for agents in their personal chat: help, status, why, reset help, manual-status notices. */

export const VERB = {
  status: 'status',
  why: 'why',
  help: 'help',
  resetHelp: 'reset_help',
  subscriptions: 'subscriptions',
  health: 'health',
  renew: 'renew_now',
} as const;

export function helpCard(opts: { isAdmin: boolean; understood: boolean; heard?: string }): BotMessage {
  const intro = opts.understood
    ? 'I keep your Teams status and your CXone state in step. You can ask me:'
    : `Sorry, I didn't get${opts.heard ? ` "${opts.heard.slice(0, 80)}"` : ' that'}. I keep your Teams status and your CXone state in step. You can ask me:`;
  const lines: [string, string][] = [
    ['status', 'your CXone state, your Teams status, what Presence Sync set and which rule applies'],
    ['why', "why your status did or didn't change, and how to fix it"],
    ['help', 'this list'],
  ];
  if (opts.isAdmin)
    lines.push(
      ['subscriptions', 'presence subscriptions and their renewals (admins)'],
      ['health', 'open faults and recent sync activity (admins)'],
    );
  const text = `${intro}\n${lines.map(([c, d]) => `- ${c}: ${d}`).join('\n')}`;
  return message(
    text,
    [heading('Presence Sync'), para(intro), facts(lines)],
    [execute('My status', VERB.status), execute('Why?', VERB.why)],
  );
}

export function notSetUpCard(): BotMessage {
  const text =
    "Presence Sync isn't connected for your organisation yet, so there's nothing to show. An admin sets it up in the Presence Sync tab.";
  return message(text, [heading('Presence Sync'), para(text)]);
}

export function notMappedCard(explanation: Explanation): BotMessage {
  const text = `${explanation.text} ${explanation.fix ?? ''}`.trim();
  return message(text, [
    heading('You are not mapped yet', 'Warning'),
    para(explanation.text),
    ...(explanation.fix ? [callout('How to fix it', explanation.fix)] : []),
  ]);
}

export function statusCard(s: StatusView, who: WhoAmI, time: TimeFormatter): BotMessage {
  const cx = s.cxoneState ? cxoneLabel(s.cxoneState.state, s.cxoneState.outStateName) : 'unknown';
  const cxSince = s.cxoneState?.since ? ` (since ${time(s.cxoneState.since)})` : '';
  const teams = s.teamsPresence ? presenceLabel(s.teamsPresence) : 'unknown';
  const set = s.whatWeSet ? presenceLabel(s.whatWeSet) : 'nothing right now';
  const rule = s.rule ? `${s.rule.name} (${viaWords(s.rule.via)})` : 'none applies';
  const last = s.lastSyncAt ? time(s.lastSyncAt) : 'not yet';
  const rows: [string, string][] = [
    ['CXone state', `${cx}${cxSince}`],
    ['Teams status', teams],
    ['Presence Sync set', set],
    ...(s.cxoneWeSet ? ([['Presence Sync set in CXone', s.cxoneWeSet]] as [string, string][]) : []),
    ['Rule', rule],
    ['Last sync', last],
  ];
  const agentName = who.agent?.name ? ` (${who.agent.name})` : '';
  const text = `Your status${agentName}:\n${rows.map(([k, v]) => `- ${k}: ${v}`).join('\n')}`;
  return message(
    text,
    [heading(`Your status${agentName}`), facts(rows)],
    [execute('Why?', VERB.why), execute('Refresh', VERB.status)],
  );
}

function viaWords(via: 'user' | 'team' | 'default'): string {
  return via === 'user' ? 'assigned to you' : via === 'team' ? 'assigned to your team' : 'the default rule';
}

export function whyCard(main: Explanation, earlier: readonly string[]): BotMessage {
  const textParts = [
    main.text,
    main.fix ? `Fix: ${main.fix}` : null,
    earlier.length > 0 ? `Earlier:\n${earlier.map((e) => `- ${e}`).join('\n')}` : null,
  ];
  const text = textParts.filter((x): x is string => x !== null).join('\n');
  return message(
    text,
    [
      heading('Why'),
      para(main.text),
      ...(main.fix ? [callout('What to do', main.fix, main.offerResetHelp ? 'attention' : 'emphasis')] : []),
      ...(earlier.length > 0
        ? [para('Earlier', { weight: 'Bolder' }), para(earlier.map((e) => `- ${e}`).join('\n'), { subtle: true })]
        : []),
    ],
    [
      ...(main.offerResetHelp ? [execute('Show me how to reset my status', VERB.resetHelp)] : []),
      execute('My status', VERB.status),
    ],
  );
}

export function nothingToExplainCard(): BotMessage {
  const text =
    "Presence Sync hasn't recorded any decision for you yet. It does as soon as your CXone state or Teams status changes.";
  return message(text, [heading('Why'), para(text)], [execute('My status', VERB.status)]);
}

export const RESET_STEPS = [
  'In Teams, select your profile picture at the top right.',
  'Select your current status.',
  'Choose **Reset status** (desktop and web), or open the Duration menu and choose Reset status.',
] as const;

export function resetHelpCard(): BotMessage {
  const plain = RESET_STEPS.map((s, i) => `${i + 1}. ${s.replace(/\*\*/g, '')}`);
  const text = `How to reset your Teams status:\n${plain.join('\n')}\nPresence Sync can then set your status again.`;
  return message(
    text,
    [
      heading('How to reset your Teams status'),
      para(RESET_STEPS.map((s, i) => `${i + 1}. ${s}`).join('\n')),
      para('Presence Sync can then set your status again, within seconds.', { subtle: true }),
    ],
    [execute('My status', VERB.status)],
  );
}

export function adminsOnlyCard(adminNames: readonly string[], what: string): BotMessage {
  const names = joinNames(adminNames);
  const text = `Sorry, ${what} is for Presence Sync admins only.${names ? ` Your admins are ${names}.` : ''}`;
  return message(text, [heading('Admins only'), para(text)], [execute('My status', VERB.status)]);
}

export function manualStatusCard(opts: { observed: string; wanted: string; since: string }): BotMessage {
  const text = `You set your Teams status by hand (${opts.observed}) at ${opts.since}, so Presence Sync can't set ${opts.wanted} for your CXone state. In Teams, select your status → Reset status.`;
  return message(
    text,
    [
      heading('Your Teams status is blocking sync', 'Warning'),
      para(
        `You set your Teams status by hand (${opts.observed}) at ${opts.since}, so Presence Sync can't set ${opts.wanted} for your CXone state.`,
      ),
      callout('What to do', 'In Teams, select your status → Reset status.', 'attention'),
    ],
    [execute('Show me how to reset my status', VERB.resetHelp), execute('My status', VERB.status)],
  );
}

export function manualStatusResolvedCard(opts: { at: string }): BotMessage {
  const text = `Resolved at ${opts.at}: your Teams status follows your CXone state again.`;
  return message(text, [heading('Sync is working again', 'Good'), para(text)], [execute('My status', VERB.status)]);
}
