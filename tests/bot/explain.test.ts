import { describe, expect, it } from 'vitest';
import { toDecisionView } from '../../api/src/bot-backend/decode.ts';
import { REASON_CODES, type ReasonCode } from '../../api/src/domain/reasons.ts';
import { type ExplainContext, explain, pickForWhy } from '../../bot/src/explain.ts';
import { makeTimeFormatter } from '../../bot/src/labels.ts';
import type { AlertView, DecisionView } from '../../bot/src/ports.ts';

const NOW = Date.parse('2026-11-26T10:10:00Z');
const at = (hhmm: string) => Date.parse(`2026-11-26T${hhmm}:00Z`);
const time = makeTimeFormatter(NOW, 'Europe/London');

const decision = (reason: ReasonCode | 'unknown', over: Partial<DecisionView> = {}): DecisionView => ({
  at: at('10:02'),
  direction: 'cxone_to_teams',
  reason,
  rawReason: reason,
  ruleName: 'Agents',
  cxoneState: 'Lunch',
  agentToAgent: false,
  teamsObserved: { availability: 'DoNotDisturb', activity: 'DoNotDisturb' },
  teamsWanted: { availability: 'Away', activity: 'Away' },
  cxoneWanted: null,
  permission: null,
  retryAt: null,
  ...over,
});
const alert = (kind: string, firstAt: number): AlertView => ({
  kind,
  key: 'k',
  message: 'm',
  firstAt,
  lastAt: firstAt,
  count: 1,
  impactUsers: 3,
});
const ctx = (over: Partial<ExplainContext> = {}): ExplainContext => ({
  adminNames: ['Bo Chen', 'Di Ray'],
  alerts: [],
  status: null,
  time,
  ...over,
});

describe('explain: one plain-words explanation with the fix for every reason code', () => {
  it.each(REASON_CODES.map((r) => [r]))(
    'when the decision says %s then it is explained (not "unknown") in full sentences',
    (reason) => {
      for (const direction of ['cxone_to_teams', 'teams_to_cxone', 'none'] as const) {
        const e = explain(decision(reason, { direction }), ctx());
        expect(e.reason).toBe(reason);
        expect(e.text.length).toBeGreaterThan(20);
        expect(e.text).toMatch(/[.]$/);
        expect(`${e.text} ${e.fix ?? ''}`).not.toMatch(/undefined|null|NaN|\[object/);
        if (e.fix) expect(e.fix).toMatch(/[.]$/);
      }
    },
  );

  it.each(REASON_CODES.map((r) => [r]))(
    'when the decision %s saw nothing (empty inputs) then it still explains without gaps',
    (reason) => {
      const e = explain(
        decision(reason, { ruleName: null, cxoneState: null, teamsObserved: null, teamsWanted: null, cxoneWanted: null }),
        ctx({ adminNames: [] }),
      );
      expect(e.reason).toBe(reason);
      expect(`${e.text} ${e.fix ?? ''}`).not.toMatch(/undefined|null|NaN|''|\(\)/);
    },
  );

  it('when the status was set by hand then it says when, and how to reset it', () => {
    const e = explain(decision('manual_status_override'), ctx());
    expect(e.text).toBe("You set your Teams status by hand (Do not disturb) at 10:02, so Presence Sync can't change it.");
    expect(e.fix).toBe('In Teams, select your status → Reset status.');
    expect(e.offerResetHelp).toBe(true);
  });

  it('when the user is not mapped then it says to ask the admins, by name', () => {
    const e = explain(decision('unmapped'), ctx());
    expect(e.text).toContain("You're not mapped to a CXone agent yet");
    expect(e.fix).toBe('Ask your Presence Sync admin (Bo Chen and Di Ray) to map you in the Presence Sync tab.');
  });

  it('when the CXone state has no rule row then it names the state and the rule', () => {
    const e = explain(decision('no_matching_row'), ctx());
    expect(e.text).toBe("Your CXone state 'Lunch' has no rule row in 'Agents', so your Teams status stays as it is.");
    expect(e.fix).toContain("add a row for 'Lunch'");
    const back = explain(decision('no_matching_row', { direction: 'teams_to_cxone' }), ctx());
    expect(back.text).toContain('Your Teams status Do not disturb has no rule row');
  });

  it('when it was an agent-to-agent call then it says those do not change the status', () => {
    expect(explain(decision('agent_to_agent_excluded'), ctx()).text).toContain(
      "that was an agent-to-agent call; those don't change your status.",
    );
  });

  it('when Teams notifications for the group fail and admins were alerted then it says since when and that they were alerted', () => {
    const e = explain(decision('subscription_missing'), ctx({ alerts: [alert('subscription_renew_failed', at('10:05'))] }));
    expect(e.text).toBe('Teams notifications for your group are failing since 10:05; your admins were alerted.');
    expect(e.fix).toContain('keeps retrying');
    const none = explain(decision('subscription_expired'), ctx());
    expect(none.text).toContain('expired since 10:02');
    expect(none.fix).toContain('ask your Presence Sync admin (Bo Chen and Di Ray)');
  });

  it('when a permission is missing then it names the permission', () => {
    const e = explain(
      decision('permission_missing', { permission: 'Presence.ReadWrite.All' }),
      ctx({ alerts: [alert('permission_missing', at('09:00'))] }),
    );
    expect(e.text).toContain("'Presence.ReadWrite.All' since 09:00");
    expect(e.fix).toContain('your admins were alerted');
  });

  it('when applied then it says what was set and why', () => {
    expect(explain(decision('applied'), ctx()).text).toBe(
      "At 10:02 Presence Sync set your Teams status to Away because your CXone state is 'Lunch' (rule 'Agents').",
    );
    expect(explain(decision('applied', { direction: 'teams_to_cxone', cxoneWanted: 'Meeting' }), ctx()).text).toContain(
      "set your CXone state to 'Meeting' because your Teams status is Do not disturb",
    );
  });

  it('when throttled with a retry time then it says until when', () => {
    expect(explain(decision('throttled', { retryAt: at('10:03') }), ctx()).text).toContain('until about 10:03');
  });

  it('when a newer version recorded an unknown reason then it says so, not an error', () => {
    const e = explain(decision('unknown', { rawReason: 'quantum_flux' }), ctx());
    expect(e.reason).toBe('unknown');
    expect(e.text).toContain("'quantum_flux'");
  });
});

describe('pickForWhy', () => {
  it('when keep-alives and echoes are newest then the latest meaningful decision comes first, then earlier different ones', () => {
    const picked = pickForWhy([
      decision('keep_alive', { at: at('10:09') }),
      decision('echo_suppressed', { at: at('10:08') }),
      decision('manual_status_override', { at: at('10:05') }),
      decision('manual_status_override', { at: at('10:04') }),
      decision('applied', { at: at('10:01') }),
      decision('no_matching_row', { at: at('09:00') }),
      decision('cleared', { at: at('08:00') }),
    ]);
    expect(picked.map((d) => d.reason)).toEqual(['manual_status_override', 'applied', 'no_matching_row']);
  });
  it('when only noise exists then the latest noise is explained', () => {
    expect(pickForWhy([decision('keep_alive', { at: at('10:00') })]).map((d) => d.reason)).toEqual(['keep_alive']);
  });
});

describe('decision records as the engine writes them', () => {
  it('when a record has engine-shaped inputs and actions then the view names the state, presence and targets', () => {
    const view = toDecisionView(
      {
        at: new Date(at('10:02')),
        direction: 'cxone_to_teams',
        reason: 'applied',
        ruleId: 'r1',
        inputs: {
          trigger: 'cxone',
          cxone: { state: 'Unavailable', outStateId: 7, isAcw: false, agentToAgent: false, contactId: null },
          teams: { availability: 'Available', activity: 'Available' },
          wanted: { availability: 'Away', activity: 'Away' },
        },
        actions: [{ kind: 'teams_set_session', userId: 'u', pair: { availability: 'Away', activity: 'Away' } }],
      },
      { rule: () => 'Agents', code: (id) => (id === 7 ? 'Lunch' : null) },
    );
    expect(view).toMatchObject({
      reason: 'applied',
      ruleName: 'Agents',
      cxoneState: 'Lunch',
      teamsObserved: { availability: 'Available' },
      teamsWanted: { availability: 'Away' },
    });
    const cx = toDecisionView(
      {
        at: new Date(at('10:02')),
        direction: 'teams_to_cxone',
        reason: 'applied',
        ruleId: null,
        inputs: {},
        actions: [{ kind: 'cxone_set', agentId: '1', target: { state: 'Unavailable', outStateId: 7 } }],
      },
      { rule: () => null, code: (id) => (id === 7 ? 'Lunch' : null) },
    );
    expect(cx.cxoneWanted).toBe('Lunch');
  });
  it('when inputs are garbage then nothing throws and fields are empty', () => {
    for (const inputs of [null, 42, 'x', [], { cxone: 'x', teams: [1], wanted: { availability: 5 } }]) {
      const v = toDecisionView(
        { at: new Date(0), direction: '?', reason: 'nope', ruleId: null, inputs, actions: 'x' },
        { rule: () => null, code: () => null },
      );
      expect(v).toMatchObject({ reason: 'unknown', direction: 'none', cxoneState: null, teamsObserved: null, teamsWanted: null });
    }
  });
});
