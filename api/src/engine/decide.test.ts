import { describe, expect, it } from 'vitest';
import type { AgentStateSnapshot } from '../domain/cxone.ts';
import type { PresencePair } from '../domain/presence.ts';
import { type RuleRow, ruleRowSchema } from '../domain/rules.ts';
import { decide } from './decide.ts';
import { AVAILABLE_RESEND_MS, MANUAL_CONFIRM_MS, SESSION_TTL_MS } from './timing.ts';
import type { DecideInput, TeamsSet } from './types.ts';

const NOW = 1_000_000_000;
const row = (r: unknown): RuleRow => ruleRowSchema.parse(r);
const P = (availability: string, activity: string): PresencePair => ({ availability, activity });
const AVAILABLE = P('Available', 'Available');
const IN_CALL = P('Busy', 'InACall');
const AWAY = P('Away', 'Away');
const PRESENTING = P('DoNotDisturb', 'Presenting');
const IN_MEETING = P('Busy', 'InAMeeting');

const ROWS: RuleRow[] = [
  row({ direction: 'to_teams', cxone: { condition: 'available' }, teams: AVAILABLE }),
  row({ direction: 'to_teams', cxone: { condition: 'inbound_contact' }, teams: IN_CALL }),
  row({ direction: 'to_teams', cxone: { condition: 'unavailable' }, teams: AWAY }),
  row({ direction: 'to_teams', cxone: { condition: 'unavailable', outStateId: 7 }, teams: PRESENTING }),
  row({ direction: 'to_teams', cxone: { condition: 'logged_out' }, teams: null }),
  row({ direction: 'to_cxone', teams: { availability: 'Busy' }, cxone: { condition: 'unavailable', outStateId: 5 } }),
  row({
    direction: 'to_cxone',
    teams: { availability: 'Busy', activity: 'InAMeeting' },
    cxone: { condition: 'unavailable', outStateId: 6 },
  }),
  row({ direction: 'to_cxone', teams: { availability: 'Available' }, cxone: { condition: 'available' } }),
];

function agent(state: string, extra: Partial<AgentStateSnapshot> = {}): AgentStateSnapshot {
  return {
    agentId: 'a1',
    state,
    outStateId: null,
    outStateName: null,
    isAcw: false,
    contactId: null,
    isOutbound: false,
    agentToAgent: false,
    startTime: new Date(NOW - 60_000).toISOString(),
    ...extra,
  };
}
const unavailable = (code: number) => agent('Unavailable', { outStateId: code });

function session(pair: PresencePair, at = NOW - 60_000): TeamsSet {
  return { userId: 'u1', pair, at, expiresAt: at + SESSION_TTL_MS, preferred: false };
}

function input(over: Partial<DecideInput> = {}): DecideInput {
  return {
    agentId: 'a1',
    teamId: 't1',
    mapping: { userId: 'u1', included: true },
    rule: { id: 'r1', rows: ROWS, via: 'default' },
    cxone: null,
    teams: null,
    teamsSet: null,
    cxoneSet: null,
    pending: null,
    manual: null,
    trigger: 'cxone',
    now: NOW,
    ...over,
  };
}
const cx = (state: AgentStateSnapshot, observedAt = NOW - 1_000) => ({ state, observedAt });
const tm = (presence: PresencePair, observedAt = NOW - 1_000) => ({ presence, observedAt });

describe('decide: gates', () => {
  it('when the agent has no mapping then unmapped and our Teams session is cleared', () => {
    const d = decide(input({ mapping: null, cxone: cx(agent('Available')), teamsSet: session(AVAILABLE) }));
    expect(d.record.reason).toBe('unmapped');
    expect(d.record.direction).toBe('none');
    expect(d.actions).toEqual([{ kind: 'teams_clear_session', userId: 'u1' }]);
  });
  it('when the mapping is excluded then excluded and nothing is written to CXone', () => {
    const d = decide(input({ mapping: { userId: 'u1', included: false }, cxone: cx(agent('Available')), teams: tm(IN_MEETING) }));
    expect(d.record.reason).toBe('excluded');
    expect(d.actions).toEqual([]);
  });
  it('when no rule applies then no_rule and our session is cleared', () => {
    const d = decide(input({ rule: null, cxone: cx(agent('Available')), teamsSet: session(AVAILABLE) }));
    expect(d.record.reason).toBe('no_rule');
    expect(d.actions).toEqual([{ kind: 'teams_clear_session', userId: 'u1' }]);
  });
});

describe('decide: CXone → Teams', () => {
  it('when CXone goes Available then the Available session is applied', () => {
    const d = decide(input({ cxone: cx(agent('Available')) }));
    expect(d.record).toMatchObject({ reason: 'applied', direction: 'cxone_to_teams', ruleId: 'r1', rowIndex: 0 });
    expect(d.actions).toEqual([
      { kind: 'teams_set_session', userId: 'u1', pair: AVAILABLE, expiration: 'PT1H', keepAlive: false },
    ]);
  });
  it('when our session already shows the wanted pair then unchanged and no write', () => {
    const d = decide(input({ cxone: cx(agent('InboundContact')), teamsSet: session(IN_CALL), teams: tm(IN_CALL) }));
    expect(d.record.reason).toBe('unchanged');
    expect(d.actions).toEqual([]);
  });
  it('when a specific unavailable code has a row then it beats the any-code row', () => {
    expect(decide(input({ cxone: cx(unavailable(7)) })).record).toMatchObject({ reason: 'applied', rowIndex: 3 });
    expect(decide(input({ cxone: cx(unavailable(2)) })).record).toMatchObject({ reason: 'applied', rowIndex: 2 });
  });
  it('when the agent logs out and the row says no Teams state then our session is cleared', () => {
    const d = decide(input({ cxone: cx(agent('LoggedOut')), teamsSet: session(AVAILABLE) }));
    expect(d.record).toMatchObject({ reason: 'cleared', rowIndex: 4 });
    expect(d.actions).toEqual([{ kind: 'teams_clear_session', userId: 'u1' }]);
  });
  it('when no row matches the CXone state and we hold nothing then no_matching_row', () => {
    const d = decide(input({ cxone: cx(agent('OutboundContact')) }));
    expect(d.record.reason).toBe('no_matching_row');
    expect(d.actions).toEqual([]);
  });
  it('when no row matches and we hold a session then it is cleared', () => {
    const d = decide(input({ cxone: cx(agent('OutboundContact')), teamsSet: session(AVAILABLE) }));
    expect(d.record.reason).toBe('cleared');
  });
  it('when the agent is in an agent-to-agent call then nothing changes', () => {
    const d = decide(input({ cxone: cx(agent('InboundConsult', { agentToAgent: true })), teamsSet: session(AVAILABLE) }));
    expect(d.record.reason).toBe('agent_to_agent_excluded');
    expect(d.actions).toEqual([]);
  });
  it('when the CXone state is the one we set from Teams then it is not bounced back (echo)', () => {
    const d = decide(
      input({
        cxone: cx(unavailable(6)),
        cxoneSet: { target: { state: 'Unavailable', outStateId: 6 }, at: NOW - 5_000, fromTeams: IN_MEETING },
        teamsSet: session(AVAILABLE),
        teams: tm(IN_MEETING),
      }),
    );
    expect(d.records.find((r) => r.direction === 'cxone_to_teams')?.reason).toBe('echo_suppressed');
    expect(d.actions.filter((a) => a.kind.startsWith('teams'))).toEqual([]);
  });
  it('when the Available session nears its fade then it is re-sent (keep_alive)', () => {
    const d = decide(
      input({ cxone: cx(agent('Available')), teamsSet: session(AVAILABLE, NOW - AVAILABLE_RESEND_MS), trigger: 'keepalive' }),
    );
    expect(d.record.reason).toBe('keep_alive');
    expect(d.actions).toEqual([
      { kind: 'teams_set_session', userId: 'u1', pair: AVAILABLE, expiration: 'PT1H', keepAlive: true },
    ]);
  });
  it('when a Busy session is not near expiry then no keep-alive; near expiry then renewed', () => {
    const fresh = decide(input({ cxone: cx(agent('InboundContact')), teamsSet: session(IN_CALL, NOW - AVAILABLE_RESEND_MS) }));
    expect(fresh.actions).toEqual([]);
    const old = decide(input({ cxone: cx(agent('InboundContact')), teamsSet: session(IN_CALL, NOW - 50 * 60_000) }));
    expect(old.record.reason).toBe('keep_alive');
  });
  it('when a Teams client in a meeting outranks our Away then hidden_by_other_session, never applied', () => {
    const d = decide(input({ cxone: cx(unavailable(2)), teamsSet: session(AVAILABLE), teams: tm(IN_MEETING) }));
    expect(d.record.reason).toBe('hidden_by_other_session');
    expect(d.actions).toHaveLength(1);
    const held = decide(input({ cxone: cx(unavailable(2)), teamsSet: session(AWAY), teams: tm(AVAILABLE) }));
    expect(held.record.reason).toBe('hidden_by_other_session');
  });
  it('when Graph shows no session at all then our session is put back', () => {
    const d = decide(
      input({ cxone: cx(agent('InboundContact')), teamsSet: session(IN_CALL), teams: tm(P('Offline', 'Offline')) }),
    );
    expect(d.record.reason).toBe('applied');
    expect(d.actions[0]).toMatchObject({ kind: 'teams_set_session', pair: IN_CALL });
  });
});

describe('decide: manual Teams status', () => {
  const base = { cxone: cx(agent('InboundContact')), teamsSet: session(IN_CALL, NOW - 60_000) };
  it('when a hand-picked status first appears then it is only suspected (no notice yet)', () => {
    const d = decide(input({ ...base, teams: tm(P('DoNotDisturb', 'DoNotDisturb'), NOW - 1_000) }));
    expect(d.record.reason).toBe('unchanged');
    expect(d.notices).toEqual([]);
    expect(d.manual).toMatchObject({ confirmed: false, since: NOW - 1_000 });
    expect(d.recheckAt).toBe(NOW - 1_000 + MANUAL_CONFIRM_MS);
  });
  it('when it persists then manual_status_override with one blocking notice, and resolved when it clears', () => {
    const first = decide(input({ ...base, teams: tm(AWAY, NOW - 1_000) }));
    const later = decide(input({ ...base, teams: tm(AWAY, NOW - 1_000), manual: first.manual, now: NOW + MANUAL_CONFIRM_MS }));
    expect(later.record.reason).toBe('manual_status_override');
    expect(later.notices).toEqual([{ kind: 'manual_status_blocking', observed: AWAY, wanted: IN_CALL, since: NOW - 1_000 }]);
    const again = decide(
      input({ ...base, teams: tm(AWAY, NOW - 1_000), manual: later.manual, now: NOW + 2 * MANUAL_CONFIRM_MS }),
    );
    expect(again.record.reason).toBe('manual_status_override');
    expect(again.notices).toEqual([]);
    const back = decide(
      input({ ...base, teams: tm(IN_CALL, NOW + 3 * MANUAL_CONFIRM_MS), manual: again.manual, now: NOW + 3 * MANUAL_CONFIRM_MS }),
    );
    expect(back.record.reason).toBe('unchanged');
    expect(back.notices).toEqual([{ kind: 'manual_status_resolved' }]);
    expect(back.manual).toBeNull();
  });
  it('when the mismatch started before our latest write then the clock restarts from the write', () => {
    const d = decide(
      input({
        ...base,
        teamsSet: session(IN_CALL, NOW - 5_000),
        teams: tm(AWAY, NOW - 1_000),
        now: NOW + MANUAL_CONFIRM_MS - 6_000,
      }),
    );
    expect(d.manual?.confirmed).toBe(false);
  });
});

describe('decide: forced (preferred) presence', () => {
  const FORCE_ROWS: RuleRow[] = [
    row({ direction: 'to_teams', cxone: { condition: 'unavailable' }, teams: P('DoNotDisturb', 'DoNotDisturb'), force: true }),
    row({ direction: 'to_teams', cxone: { condition: 'available' }, teams: AVAILABLE }),
  ];
  const rule = { id: 'rf', rows: FORCE_ROWS, via: 'team' as const };
  const DND = P('DoNotDisturb', 'DoNotDisturb');
  const forced: TeamsSet = { userId: 'u1', pair: DND, at: NOW - 10_000, expiresAt: NOW + 3_000_000, preferred: true };
  it('when a force row applies then setUserPreferredPresence is used with an expiry', () => {
    const d = decide(input({ rule, cxone: cx(unavailable(2)), teamsSet: session(AVAILABLE) }));
    expect(d.actions).toEqual([
      { kind: 'teams_clear_session', userId: 'u1' },
      { kind: 'teams_set_preferred', userId: 'u1', pair: DND, expiration: 'PT1H', keepAlive: false },
    ]);
  });
  it('when the forced row no longer applies and Graph still shows ours then the preferred presence is cleared', () => {
    const d = decide(input({ rule, cxone: cx(agent('Available')), teamsSet: forced, teams: tm(DND, NOW - 5_000) }));
    expect(d.actions.map((a) => a.kind)).toEqual(['teams_clear_preferred', 'teams_set_session']);
  });
  it('when the agent replaced our forced status then we do not clear it (not_owned)', () => {
    const d = decide(
      input({ rule, cxone: cx(agent('LoggedOut')), teamsSet: forced, teams: tm(P('BeRightBack', 'BeRightBack'), NOW - 5_000) }),
    );
    expect(d.record.reason).toBe('not_owned');
    expect(d.actions).toEqual([]);
    expect(d.forget.teams).toBe(true);
  });
  it('when our forced status was replaced earlier then it is neither forced again nor cleared', () => {
    const lost = { ...forced, lostAt: NOW - 1_000 };
    const again = decide(input({ rule, cxone: cx(unavailable(2)), teamsSet: lost, teams: tm(DND, NOW - 500) }));
    expect(again.actions).toEqual([]);
    const gone = decide(input({ rule, cxone: cx(agent('LoggedOut')), teamsSet: lost, teams: tm(DND, NOW - 500) }));
    expect(gone.record.reason).toBe('not_owned');
    expect(gone.actions).toEqual([]);
  });
  it('when the agent replaced our forced status while it still applies then we do not fight it', () => {
    const d = decide(input({ rule, cxone: cx(unavailable(2)), teamsSet: forced, teams: tm(AVAILABLE, NOW - 5_000) }));
    expect(d.record.reason).toBe('manual_status_override');
    expect(d.actions).toEqual([]);
  });
});

describe('decide: Teams → CXone', () => {
  const t2c = (over: Partial<DecideInput>) => decide(input({ trigger: 'teams', ...over }));
  it('when a meeting starts and the agent is Available then CXone gets the meeting code (activity beats availability-only)', () => {
    const d = t2c({ teams: tm(IN_MEETING), cxone: cx(agent('Available')), teamsSet: session(AVAILABLE) });
    expect(d.record).toMatchObject({ reason: 'applied', direction: 'teams_to_cxone', rowIndex: 6 });
    expect(d.actions).toEqual([
      { kind: 'cxone_set', agentId: 'a1', target: { state: 'Unavailable', outStateId: 6 }, fromTeams: IN_MEETING },
    ]);
    const loose = t2c({ teams: tm(IN_CALL), cxone: cx(agent('Available')) });
    expect(loose.record).toMatchObject({ reason: 'applied', rowIndex: 5 });
  });
  it('when the Teams presence is our own session echoing then nothing is written to CXone', () => {
    const d = t2c({ teams: tm(IN_CALL), cxone: cx(agent('InboundContact')), teamsSet: session(IN_CALL) });
    expect(d.record.reason).toBe('echo_suppressed');
    expect(d.actions).toEqual([]);
  });
  it('when the Teams observation predates our own write and could be our previous write then it is not synced (echo)', () => {
    const d = t2c({ teams: tm(IN_CALL, NOW - 120_000), cxone: cx(agent('Available')), teamsSet: session(AVAILABLE) });
    expect(d.record.reason).toBe('echo_suppressed');
  });
  it("when the Teams observation predates our own write but shows a meeting then it is the person's and is synced", () => {
    // Our session went up under the meeting: Graph reports nothing new, so no fresher reading will come.
    const d = t2c({ teams: tm(IN_MEETING, NOW - 120_000), cxone: cx(agent('Available')), teamsSet: session(AVAILABLE) });
    expect(d.record).toMatchObject({ reason: 'applied', direction: 'teams_to_cxone' });
  });
  it('when the agent is on a contact then the change is held as pending', () => {
    const d = t2c({ teams: tm(IN_MEETING), cxone: cx(agent('InboundContact', { contactId: 'c1' })) });
    expect(d.record.reason).toBe('contact_in_progress');
    expect(d.pending).toMatchObject({ target: { state: 'Unavailable', outStateId: 6 }, fromTeams: IN_MEETING, since: NOW });
    expect(d.actions.filter((a) => a.kind === 'cxone_set')).toEqual([]);
  });
  it('when the agent is in after-call work then it is also held', () => {
    const d = t2c({ teams: tm(IN_MEETING), cxone: cx(agent('Unavailable', { isAcw: true, outStateId: 9 })) });
    expect(d.record.reason).toBe('contact_in_progress');
  });
  it('when the contact ends and the Teams presence still holds then the pending change is applied', () => {
    const held = t2c({ teams: tm(IN_MEETING), cxone: cx(agent('InboundContact')) });
    const after = decide(
      input({ trigger: 'cxone', teams: tm(IN_MEETING), cxone: cx(agent('Available')), pending: held.pending }),
    );
    expect(after.actions).toContainEqual({
      kind: 'cxone_set',
      agentId: 'a1',
      target: { state: 'Unavailable', outStateId: 6 },
      fromTeams: IN_MEETING,
    });
    expect(after.pending).toBeNull();
  });
  it('when the meeting ends and we set the current CXone state then it goes back to Available', () => {
    const d = t2c({
      teams: tm(AVAILABLE),
      cxone: cx(unavailable(6)),
      cxoneSet: { target: { state: 'Unavailable', outStateId: 6 }, at: NOW - 60_000, fromTeams: IN_MEETING },
      teamsSet: session(AWAY),
    });
    expect(d.record.reason).toBe('applied');
    expect(d.actions).toContainEqual({ kind: 'cxone_set', agentId: 'a1', target: { state: 'Available' }, fromTeams: AVAILABLE });
  });
  it('when the meeting ends and Teams shows our own Available session again then CXone still goes back', () => {
    const d = t2c({
      teams: tm(AVAILABLE),
      cxone: cx(unavailable(6)),
      cxoneSet: { target: { state: 'Unavailable', outStateId: 6 }, at: NOW - 60_000, fromTeams: IN_MEETING },
      teamsSet: session(AVAILABLE, NOW - 120_000),
    });
    expect(d.record.reason).toBe('applied');
    expect(d.actions).toEqual([{ kind: 'cxone_set', agentId: 'a1', target: { state: 'Available' }, fromTeams: AVAILABLE }]);
  });
  it('when the agent set the Unavailable state themselves then it is left alone (not_owned)', () => {
    const d = t2c({ teams: tm(AVAILABLE), cxone: cx(unavailable(6)), teamsSet: session(AWAY) });
    expect(d.record.reason).toBe('not_owned');
    expect(d.actions.filter((a) => a.kind === 'cxone_set')).toEqual([]);
  });
  it('when the agent changed CXone after we applied this Teams presence then we do not fight it', () => {
    const d = t2c({
      teams: tm(IN_MEETING),
      cxone: cx(agent('Available'), NOW - 1_000),
      cxoneSet: { target: { state: 'Unavailable', outStateId: 6 }, at: NOW - 60_000, fromTeams: IN_MEETING },
    });
    expect(d.record.reason).toBe('not_owned');
    expect(d.forget.cxone).toBe(true);
  });
  it('when Teams moved away and came back after the agent overrode us then it is a new change', () => {
    const d = t2c({
      teams: tm(IN_MEETING),
      cxone: cx(agent('Available'), NOW - 1_000),
      cxoneSet: { target: { state: 'Unavailable', outStateId: 6 }, at: NOW - 60_000, fromTeams: IN_MEETING, teamsMovedOn: true },
    });
    expect(d.record.reason).toBe('applied');
  });
  it('when a person re-sets the very state we set (a new run) then it is theirs', () => {
    const ours = {
      target: { state: 'Unavailable' as const, outStateId: 6 },
      at: NOW - 60_000,
      fromTeams: IN_MEETING,
      startTime: 'run-1',
    };
    const d = t2c({ teams: tm(AVAILABLE), cxone: cx(unavailable(6)), cxoneSet: ours, teamsSet: session(AWAY) });
    expect(d.record.reason).toBe('not_owned');
    expect(d.forget.cxone).toBe(true);
  });
  it('when an observation predates our latest clear then it is not synced (it may show our old session)', () => {
    const d = t2c({
      teams: tm(IN_CALL, NOW - 5_000),
      cxone: cx(agent('Available')),
      teamsCleared: { pair: IN_CALL, at: NOW - 2_000 },
    });
    expect(d.record.reason).toBe('echo_suppressed');
  });
  it('when the agent is logged out then CXone is not set', () => {
    expect(t2c({ teams: tm(IN_MEETING), cxone: cx(agent('LoggedOut')) }).record.reason).toBe('agent_logged_out');
  });
  it('when no row maps the Teams presence then no_matching_row', () => {
    expect(t2c({ teams: tm(P('BeRightBack', 'BeRightBack')), cxone: cx(agent('Available')) }).record.reason).toBe(
      'no_matching_row',
    );
  });
  it('when CXone already shows the target then unchanged', () => {
    expect(t2c({ teams: tm(IN_MEETING), cxone: cx(unavailable(6)) }).record.reason).toBe('unchanged');
  });
  it('when our CXone write is not yet confirmed then it is not repeated', () => {
    const d = t2c({
      teams: tm(IN_MEETING),
      cxone: cx(agent('Available'), NOW - 10_000),
      cxoneSet: { target: { state: 'Unavailable', outStateId: 6 }, at: NOW - 5_000, fromTeams: IN_MEETING },
    });
    expect(d.actions).toEqual([]);
  });
});
