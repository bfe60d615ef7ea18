import type { ProposalView } from '../api/mappings.ts';

/**
 * Auto-map proposals grouped by confidence for review: exact (same email/UPN), likely (one candidate
 * by a weaker signal), ambiguous (several candidates: the admin picks), none (no candidate at all).
 * Pure, so the grouping and the bulk-confirm selection are unit-tested.
 */
export type ConfidenceGroup = 'exact' | 'likely' | 'ambiguous' | 'none';

export const GROUP_LABEL: Record<ConfidenceGroup, string> = {
  exact: 'Exact match',
  likely: 'Likely match',
  ambiguous: 'Ambiguous: choose',
  none: 'No match',
};

export interface ReviewItem {
  agentId: string;
  agentName: string;
  agentEmail: string | null;
  group: ConfidenceGroup;
  signal: string | null;
  confidence: number;
  note: string | null;
  candidates: ProposalView['candidates'];
}

export function groupOf(p: ProposalView): ConfidenceGroup {
  if (p.status === 'ambiguous') return 'ambiguous';
  return p.signal === 'email_exact' ? 'exact' : 'likely';
}

export function reviewItems(proposals: readonly ProposalView[], unmatched: readonly string[]): ReviewItem[] {
  return [
    ...proposals.map((p) => ({
      agentId: p.agentId,
      agentName: p.agent.name || p.agentId,
      agentEmail: p.agent.email,
      group: groupOf(p),
      signal: p.signal,
      confidence: p.confidence,
      note: p.note ?? null,
      candidates: p.candidates,
    })),
    ...unmatched.map((agentId) => ({
      agentId,
      agentName: agentId,
      agentEmail: null,
      group: 'none' as const,
      signal: null,
      confidence: 0,
      note: null,
      candidates: [],
    })),
  ];
}

export function byGroup(items: readonly ReviewItem[]): Record<ConfidenceGroup, ReviewItem[]> {
  const out: Record<ConfidenceGroup, ReviewItem[]> = { exact: [], likely: [], ambiguous: [], none: [] };
  for (const i of items) out[i.group].push(i);
  return out;
}

/** agentId → chosen userId. Exact and likely start chosen (their only candidate); ambiguous start empty. */
export function initialChoices(items: readonly ReviewItem[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const i of items)
    if ((i.group === 'exact' || i.group === 'likely') && i.candidates[0]) m.set(i.agentId, i.candidates[0].userId);
  return m;
}

export interface ChoiceProblem {
  agentId: string;
  message: string;
}

/** The pairs to confirm, and problems that block it (one Teams user chosen for two agents). */
export function toConfirm(choices: ReadonlyMap<string, string>): {
  pairs: { agentId: string; userId: string }[];
  problems: ChoiceProblem[];
} {
  const byUser = new Map<string, string[]>();
  for (const [agentId, userId] of choices) byUser.set(userId, [...(byUser.get(userId) ?? []), agentId]);
  const problems: ChoiceProblem[] = [];
  for (const agents of byUser.values())
    if (agents.length > 1)
      for (const a of agents) problems.push({ agentId: a, message: `the same Teams user is chosen for ${agents.length} agents` });
  return { pairs: [...choices].map(([agentId, userId]) => ({ agentId, userId })), problems };
}

export const signalText = (s: string | null): string =>
  ({
    email_exact: 'same email / UPN',
    username_upn: 'CXone user name is the UPN',
    local_part: 'same name before @',
    display_name: 'same display name',
    partial_name: 'partial name',
    search: 'search result',
  })[s ?? ''] ?? '—';
