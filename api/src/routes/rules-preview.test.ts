import { describe, expect, it } from 'vitest';
import { type RuleRow, ruleRowSchema } from '../domain/rules.ts';
import { previewCxoneToTeams, previewTeamsToCxone } from './rules-preview.ts';

const rows: RuleRow[] = [
  { direction: 'to_teams', cxone: { condition: 'unavailable' }, teams: { availability: 'Away', activity: 'Away' } },
  {
    direction: 'to_teams',
    cxone: { condition: 'unavailable', outStateId: 2 },
    teams: { availability: 'DoNotDisturb', activity: 'Presenting' },
  },
  { direction: 'to_cxone', teams: { availability: 'Busy' }, cxone: { condition: 'unavailable', outStateId: 3 } },
  { direction: 'to_cxone', teams: { availability: 'Busy', activity: 'InACall' }, cxone: { condition: 'available' } },
].map((r) => ruleRowSchema.parse(r));
const codes = [
  { outStateId: 2, name: 'Lunch', isAcw: false },
  { outStateId: 3, name: 'Meeting', isAcw: false },
  { outStateId: 9, name: 'ACW', isAcw: true },
];

describe('rule preview', () => {
  it('when a specific unavailable code has a row then it beats the any-code row; other states say why nothing happens', () => {
    const out = Object.fromEntries(previewCxoneToTeams(rows, codes).map((o) => [o.label, o]));
    expect(out['Unavailable: Lunch']).toMatchObject({ rowIndex: 1, teams: { availability: 'DoNotDisturb' }, reason: 'applied' });
    expect(out['Unavailable: Meeting']).toMatchObject({ rowIndex: 0, teams: { availability: 'Away' } });
    expect(out['After-call work']).toMatchObject({ reason: 'no_matching_row' });
    expect(out['Agent-to-agent call']).toMatchObject({ reason: 'agent_to_agent_excluded', rowIndex: null });
    expect(Object.keys(out)).not.toContain('Unavailable: ACW');
  });

  it('when a Teams presence matches availability and activity then that row beats availability alone', () => {
    const out = previewTeamsToCxone(rows);
    expect(out.find((o) => o.activity === 'InACall')).toMatchObject({ rowIndex: 3, cxone: { state: 'Available' } });
    expect(out.find((o) => o.activity === 'InAMeeting')).toMatchObject({
      rowIndex: 2,
      cxone: { state: 'Unavailable', outStateId: 3 },
    });
    expect(out.find((o) => o.availability === 'Away')).toMatchObject({ reason: 'no_matching_row', cxone: null });
  });
});
