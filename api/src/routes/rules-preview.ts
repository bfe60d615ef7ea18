import type { AgentStateSnapshot } from '../domain/cxone.ts';
import type { ReasonCode } from '../domain/reasons.ts';
import { findToCxoneRow, findToTeamsRow, type RuleRow, rowCxoneTarget, type UnavailableCode } from '../domain/rules.ts';

/**
 * "For this user, what would happen in each CXone state (and for each Teams presence)?" Pure.
 */
export interface PreviewOutcome {
  cxoneState: string;
  outStateId: number | null;
  label: string;
  rowIndex: number | null;
  /** Teams pair we would set; null = clear ours / nothing. */
  teams: { availability: string; activity: string } | null;
  force: boolean;
  reason: ReasonCode;
}

export interface TeamsOutcome {
  availability: string;
  activity: string;
  rowIndex: number | null;
  cxone: { state: string; outStateId?: number } | null;
  reason: ReasonCode;
}

const snap = (state: string, o: Partial<AgentStateSnapshot> = {}): AgentStateSnapshot => ({
  agentId: 'preview',
  state,
  outStateId: null,
  outStateName: null,
  isAcw: false,
  contactId: null,
  isOutbound: false,
  agentToAgent: false,
  startTime: new Date(0).toISOString(),
  ...o,
});

export function previewCxoneToTeams(rows: readonly RuleRow[], codes: readonly UnavailableCode[]): PreviewOutcome[] {
  const cases: { label: string; s: AgentStateSnapshot }[] = [
    { label: 'Available', s: snap('Available') },
    ...codes
      .filter((c) => !c.isAcw)
      .map((c) => ({
        label: `Unavailable: ${c.name}`,
        s: snap('Unavailable', { outStateId: c.outStateId, outStateName: c.name }),
      })),
    { label: 'Unavailable (any other code)', s: snap('Unavailable', { outStateId: -1 }) },
    { label: 'Inbound contact', s: snap('InboundContact', { contactId: 'c' }) },
    { label: 'Outbound contact', s: snap('OutboundContact', { contactId: 'c', isOutbound: true }) },
    {
      label: 'After-call work',
      s: snap('Unavailable', { isAcw: true, outStateId: codes.find((c) => c.isAcw)?.outStateId ?? null }),
    },
    { label: 'Agent-to-agent call', s: snap('InboundConsult', { agentToAgent: true, contactId: 'c' }) },
    { label: 'Logged out', s: snap('LoggedOut') },
  ];
  return cases.map(({ label, s }) => {
    const hit = s.agentToAgent ? null : findToTeamsRow(rows, s);
    const row = hit?.row;
    const teams = row && row.direction !== 'to_cxone' ? row.teams : null;
    const reason: ReasonCode = s.agentToAgent
      ? 'agent_to_agent_excluded'
      : !hit
        ? 'no_matching_row'
        : teams
          ? 'applied'
          : 'cleared';
    return {
      cxoneState: s.state,
      outStateId: s.outStateId && s.outStateId > 0 ? s.outStateId : null,
      label,
      rowIndex: hit?.index ?? null,
      teams,
      force: !!(row && row.direction !== 'to_cxone' && row.force),
      reason,
    };
  });
}

const TEAMS_CASES = [
  ['Available', 'Available'],
  ['Busy', 'InACall'],
  ['Busy', 'InAMeeting'],
  ['Busy', 'Busy'],
  ['DoNotDisturb', 'Presenting'],
  ['DoNotDisturb', 'DoNotDisturb'],
  ['BeRightBack', 'BeRightBack'],
  ['Away', 'Away'],
  ['Offline', 'OffWork'],
] as const;

export function previewTeamsToCxone(rows: readonly RuleRow[]): TeamsOutcome[] {
  return TEAMS_CASES.map(([availability, activity]) => {
    const hit = findToCxoneRow(rows, { availability, activity });
    const target = hit ? rowCxoneTarget(hit.row) : null;
    return {
      availability,
      activity,
      rowIndex: hit?.index ?? null,
      cxone: target,
      reason: hit && target ? 'applied' : 'no_matching_row',
    };
  });
}
