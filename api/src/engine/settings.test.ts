import { describe, expect, it } from 'vitest';
import { type RuleRow, ruleRowSchema } from '../domain/rules.ts';
import { affectedAgents, type ConnectionSettings, emptySettings, ruleFor } from './settings.ts';

const rows: RuleRow[] = [
  ruleRowSchema.parse({
    direction: 'to_teams',
    cxone: { condition: 'available' },
    teams: { availability: 'Available', activity: 'Available' },
  }),
];
function settings(): ConnectionSettings {
  const s = emptySettings();
  s.rulesById.set('def', { id: 'def', isDefault: true, version: 1, rows });
  s.rulesById.set('team', { id: 'team', isDefault: false, version: 1, rows });
  s.rulesById.set('user', { id: 'user', isDefault: false, version: 1, rows });
  s.teamOf.set('a1', 't1');
  s.teamOf.set('a2', 't1');
  s.teamOf.set('a3', 't2');
  s.byTeam.set('t1', 'team');
  s.byUser.set('a1', 'user');
  return s;
}

describe('effective rule precedence', () => {
  it('when a user assignment exists then it beats the team and the default', () => {
    expect(ruleFor(settings(), 'a1')).toMatchObject({ id: 'user', via: 'user' });
  });
  it('when only the team is assigned then the team rule applies', () => {
    expect(ruleFor(settings(), 'a2')).toMatchObject({ id: 'team', via: 'team' });
  });
  it('when neither is assigned then the business unit default applies', () => {
    expect(ruleFor(settings(), 'a3')).toMatchObject({ id: 'def', via: 'default' });
  });
  it('when there is no default either then no rule', () => {
    const s = settings();
    s.rulesById.delete('def');
    expect(ruleFor(s, 'a3')).toBeNull();
  });
});

describe('affected agents', () => {
  it('when a team assignment changes then exactly that team’s agents without a user rule are affected', () => {
    const before = settings();
    const after = settings();
    after.byTeam.set('t1', 'def');
    expect(affectedAgents(before, after, ['a1', 'a2', 'a3'])).toEqual(['a2']);
  });
  it('when a rule’s rows change then its users are affected', () => {
    const before = settings();
    const after = settings();
    after.rulesById.set('def', { id: 'def', isDefault: true, version: 2, rows: [] });
    expect(affectedAgents(before, after, ['a1', 'a2', 'a3'])).toEqual(['a3']);
  });
  it('when a mapping is excluded then only that agent is affected', () => {
    const before = settings();
    before.mappings.set('a1', { userId: 'u1', included: true });
    before.mappings.set('a2', { userId: 'u2', included: true });
    const after = settings();
    after.mappings.set('a1', { userId: 'u1', included: false });
    after.mappings.set('a2', { userId: 'u2', included: true });
    expect(affectedAgents(before, after, ['a1', 'a2', 'a3'])).toEqual(['a1']);
  });
});
