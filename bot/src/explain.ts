import type { FaultKind } from '../../api/src/domain/ports.ts';
import { REASON_TEXT, type ReasonCode } from '../../api/src/domain/reasons.ts';
import { joinNames, presenceLabel, type TimeFormatter } from './labels.ts';
import type { AlertView, DecisionView, StatusView } from './ports.ts';

/**
 * "Why didn't my status change?" in plain words, with the fix. Pure: one explanation per reason
 * code (api/src/domain/reasons.ts), filled in with what the decision saw.
 */
export interface Explanation {
  reason: ReasonCode | 'unknown';
  /** What happened, in the agent's words. */
  text: string;
  /** What to do about it; null when nothing needs doing. */
  fix: string | null;
  /** Offer the "Show me how to reset my status" button. */
  offerResetHelp: boolean;
}

export interface ExplainContext {
  /** Admin display names, to say whom to ask. */
  adminNames: readonly string[];
  /** Open faults of the connection (admins were alerted about these). */
  alerts: readonly AlertView[];
  status: StatusView | null;
  time: TimeFormatter;
}

/** Decisions that say nothing new about "why": keep-alives, echoes, no-ops. */
const NOISE: ReadonlySet<string> = new Set(['keep_alive', 'echo_suppressed', 'unchanged']);

/** The decisions worth explaining, newest first: the latest meaningful one, then up to two earlier different ones. */
export function pickForWhy(decisions: readonly DecisionView[]): DecisionView[] {
  const sorted = [...decisions].sort((a, b) => b.at - a.at);
  const meaningful = sorted.filter((d) => !NOISE.has(d.reason));
  const list = meaningful.length > 0 ? meaningful : sorted;
  const out: DecisionView[] = [];
  for (const d of list) {
    if (out.length >= 3) break;
    if (out.some((o) => o.reason === d.reason)) continue;
    out.push(d);
  }
  return out;
}

const RELATED_FAULTS: Partial<Record<ReasonCode, readonly FaultKind[]>> = {
  subscription_missing: [
    'subscription_create_failed',
    'subscription_renew_failed',
    'subscription_removed',
    'reauthorization_failed',
    'missed_notifications',
    'owner_token_failed',
  ],
  subscription_expired: [
    'subscription_renew_failed',
    'subscription_removed',
    'reauthorization_failed',
    'missed_notifications',
    'owner_token_failed',
  ],
  permission_missing: ['permission_missing'],
  cxone_unreachable: ['cxone_unreachable'],
  cxone_rejected: ['cxone_key_rejected'],
  graph_unreachable: ['graph_unreachable'],
  graph_rejected: ['permission_missing'],
  throttled: ['throttling'],
};

function askAdmins(ctx: ExplainContext): string {
  const names = joinNames(ctx.adminNames);
  return names ? `ask your Presence Sync admin (${names})` : 'ask your Presence Sync admin';
}

/** "since 10:05; your admins were alerted" when an open fault matches, else "tell your admin (…)". */
function alerted(reason: ReasonCode, ctx: ExplainContext): { since: number | null; tail: string } {
  const kinds = RELATED_FAULTS[reason] ?? [];
  const open = ctx.alerts.filter((a) => (kinds as readonly string[]).includes(a.kind)).sort((a, b) => a.firstAt - b.firstAt)[0];
  if (open) return { since: open.firstAt, tail: 'your admins were alerted and Presence Sync keeps retrying' };
  return { since: null, tail: `Presence Sync keeps retrying; if it lasts, ${askAdmins(ctx)}` };
}

export function explain(d: DecisionView, ctx: ExplainContext): Explanation {
  const at = ctx.time(d.at);
  const state = d.cxoneState ? `'${d.cxoneState}'` : 'current';
  const rule = d.ruleName ? ` '${d.ruleName}'` : '';
  const toCxone = d.direction === 'teams_to_cxone';
  const r = (reason: Explanation['reason'], text: string, fix: string | null, offerResetHelp = false): Explanation => ({
    reason,
    text,
    fix,
    offerResetHelp,
  });

  switch (d.reason) {
    case 'applied':
      return toCxone
        ? r(
            'applied',
            `At ${at} Presence Sync set your CXone state to ${d.cxoneWanted ? `'${d.cxoneWanted}'` : 'the state in the rule'} because your Teams status is ${presenceLabel(d.teamsObserved)} (rule${rule}).`,
            null,
          )
        : r(
            'applied',
            `At ${at} Presence Sync set your Teams status to ${presenceLabel(d.teamsWanted)} because your CXone state is ${state} (rule${rule}).`,
            null,
          );
    case 'unchanged':
      return r(
        'unchanged',
        `At ${at} your Teams status and CXone state already matched the rule${rule}, so nothing needed to change.`,
        null,
      );
    case 'cleared':
      return r(
        'cleared',
        `At ${at} your CXone state ${state} has no Teams status in the rule${rule}, so Presence Sync removed the status it had set. Teams now shows your own status.`,
        null,
      );
    case 'unmapped':
      return r(
        'unmapped',
        "You're not mapped to a CXone agent yet, so Presence Sync can't sync your status.",
        `${capital(askAdmins(ctx))} to map you in the Presence Sync tab.`,
      );
    case 'excluded':
      return r(
        'excluded',
        'Your admin has left you out of sync, so Presence Sync does not change your status.',
        `If you should be synced, ${askAdmins(ctx)} to include you.`,
      );
    case 'no_rule':
      return r(
        'no_rule',
        "No rule applies to you: there's none for you or your CXone team, and no default rule. So Presence Sync doesn't change your status.",
        `${capital(askAdmins(ctx))} to assign a rule to you or your team.`,
      );
    case 'no_matching_row':
      return toCxone
        ? r(
            'no_matching_row',
            `Your Teams status ${presenceLabel(d.teamsObserved)} has no rule row in${rule || ' your rule'}, so your CXone state stays as it is.`,
            `If it should change your CXone state, ${askAdmins(ctx)} to add a row for it.`,
          )
        : r(
            'no_matching_row',
            `Your CXone state ${state} has no rule row in${rule || ' your rule'}, so your Teams status stays as it is.`,
            `If it should change your Teams status, ${askAdmins(ctx)} to add a row for ${state}.`,
          );
    case 'agent_to_agent_excluded':
      return r(
        'agent_to_agent_excluded',
        `At ${at} that was an agent-to-agent call; those don't change your status.`,
        'Nothing to fix: your status follows again with your next state.',
      );
    case 'contact_in_progress':
      return r(
        'contact_in_progress',
        `At ${at} you were on a contact or in after-call work, so Presence Sync waits for it to end before changing your CXone state.`,
        'Nothing to do: the change happens as soon as the contact ends.',
      );
    case 'manual_status_override':
      return r(
        'manual_status_override',
        `You set your Teams status by hand${d.teamsObserved ? ` (${presenceLabel(d.teamsObserved)})` : ''} at ${at}, so Presence Sync can't change it.`,
        'In Teams, select your status → Reset status.',
        true,
      );
    case 'hidden_by_other_session':
      return r(
        'hidden_by_other_session',
        `At ${at} Presence Sync set ${presenceLabel(d.teamsWanted)}, but another Teams session (a call or meeting on another device or app) outranks it, so Teams shows ${presenceLabel(d.teamsObserved)}.`,
        'Nothing to do: your status follows again when that call or meeting ends.',
      );
    case 'echo_suppressed':
      return r(
        'echo_suppressed',
        `At ${at} a change came back that Presence Sync had made itself, so it wasn't synced again (that prevents loops).`,
        null,
      );
    case 'not_owned':
      return toCxone
        ? r(
            'not_owned',
            `At ${at} your CXone state ${state} was set by you, not by Presence Sync, so Presence Sync left it alone: it only reverts what it set itself.`,
            'To let Teams drive it again, set your CXone state yourself once.',
          )
        : r(
            'not_owned',
            `At ${at} your Teams status ${presenceLabel(d.teamsObserved)} was set by you, not by Presence Sync, so Presence Sync left it alone: it only reverts what it set itself.`,
            'In Teams, select your status → Reset status.',
            true,
          );
    case 'throttled':
      return r(
        'throttled',
        `At ${at} Microsoft Teams or CXone asked Presence Sync to slow down, so your change waits${d.retryAt ? ` until about ${ctx.time(d.retryAt)}` : ''}.`,
        `Nothing to do: it retries by itself. ${capital(alerted('throttled', ctx).tail)}.`,
      );
    case 'subscription_missing':
    case 'subscription_expired': {
      const a = alerted(d.reason, ctx);
      const since = a.since ?? d.at;
      const what = d.reason === 'subscription_expired' ? 'expired' : 'are failing';
      return r(
        d.reason,
        `Teams notifications for your group ${what} since ${ctx.time(since)}${a.since ? '; your admins were alerted' : ''}.`,
        a.since
          ? 'Nothing to do: Presence Sync keeps retrying, and still checks Teams presence regularly meanwhile (changes from Teams can take a little longer).'
          : `${capital(a.tail)}. Presence Sync still checks Teams presence regularly meanwhile.`,
      );
    }
    case 'permission_missing': {
      const a = alerted('permission_missing', ctx);
      return r(
        'permission_missing',
        `Presence Sync is missing the Microsoft permission ${d.permission ? `'${d.permission}'` : 'it needs'}${a.since ? ` since ${ctx.time(a.since)}` : ''}, so it can't sync your status.`,
        a.since
          ? 'An admin must grant it (admin consent); your admins were alerted.'
          : `An admin must grant it (admin consent): ${askAdmins(ctx)}.`,
      );
    }
    case 'cxone_unreachable': {
      const a = alerted('cxone_unreachable', ctx);
      return r(
        'cxone_unreachable',
        `CXone couldn't be reached ${a.since ? `since ${ctx.time(a.since)}` : `at ${at}`}, so your status couldn't be synced.`,
        `${capital(a.tail)}.`,
      );
    }
    case 'cxone_rejected': {
      const a = alerted('cxone_rejected', ctx);
      return r(
        'cxone_rejected',
        `At ${at} CXone refused to set your state${d.cxoneWanted ? ` to '${d.cxoneWanted}'` : ''}.`,
        a.since
          ? 'Your admins were alerted: the CXone access key may be rejected or lack permission.'
          : `${capital(askAdmins(ctx))} to check the CXone access key and its permissions.`,
      );
    }
    case 'graph_unreachable': {
      const a = alerted('graph_unreachable', ctx);
      return r(
        'graph_unreachable',
        `Microsoft Teams (Graph) couldn't be reached ${a.since ? `since ${ctx.time(a.since)}` : `at ${at}`}, so your status couldn't be synced.`,
        `${capital(a.tail)}.`,
      );
    }
    case 'graph_rejected': {
      const a = alerted('graph_rejected', ctx);
      return r(
        'graph_rejected',
        `At ${at} Microsoft Teams refused Presence Sync's request to ${toCxone ? 'read your status' : `set your status${d.teamsWanted ? ` to ${presenceLabel(d.teamsWanted)}` : ''}`}.`,
        a.since
          ? 'Your admins were alerted; it usually means a permission or the app registration needs attention.'
          : `${capital(askAdmins(ctx))} to check the Presence Sync app's permissions in Entra ID.`,
      );
    }
    case 'agent_logged_out':
      return r(
        'agent_logged_out',
        `At ${at} you were logged out of CXone, so Presence Sync can't set your CXone state from your Teams status${d.teamsObserved ? ` (${presenceLabel(d.teamsObserved)})` : ''}.`,
        'Log in to CXone first; Presence Sync then follows your Teams status again.',
      );
    case 'keep_alive':
      return r(
        'keep_alive',
        `At ${at} Presence Sync refreshed the Teams status it set for you (Teams forgets an app's status after a while, so it's renewed while your CXone state holds).`,
        null,
      );
    default:
      return r(
        'unknown',
        `At ${at} Presence Sync recorded '${d.rawReason}', which this version of the bot can't explain yet.`,
        `${capital(askAdmins(ctx))}: the Presence Sync tab shows every decision.`,
      );
  }
}

/** One-line summary for lists ("10:02 — The rule has no row for this state"). */
export function shortLine(d: DecisionView, time: TimeFormatter): string {
  const text = d.reason === 'unknown' ? d.rawReason : REASON_TEXT[d.reason];
  return `${time(d.at)} — ${text}`;
}

function capital(s: string): string {
  return s.length > 0 ? s.charAt(0).toUpperCase() + s.slice(1) : s;
}
