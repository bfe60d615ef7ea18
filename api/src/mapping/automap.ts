/**
 * Auto-mapping CXone agents to Teams (Entra) users. Pure: no I/O.
 *
 * Signals, strongest first: the agent's email equals a user's UPN or mail (`email_exact`); the agent's
 * CXone user name equals a UPN/mail (`username_upn`); the local part (before @) of the agent's email or
 * user name equals a UPN/mail local part on any domain (`local_part`); first + last name equals the
 * display name (`display_name`). For each agent the strongest signal that finds anyone decides:
 * exactly one candidate → a confident proposal; several → ambiguous (proposed with every candidate,
 * never applied). Two agents claiming one user with the same strength are both ambiguous.
 */
export interface AgentForMatch {
  agentId: string;
  userName: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

export interface UserForMatch {
  userId: string;
  userPrincipalName: string | null;
  mail: string | null;
  displayName: string | null;
}

export type Signal = 'email_exact' | 'username_upn' | 'local_part' | 'display_name' | 'partial_name';

export const SIGNAL_CONFIDENCE: Record<Signal, number> = {
  email_exact: 1,
  username_upn: 0.9,
  local_part: 0.75,
  display_name: 0.6,
  partial_name: 0.3,
};
const ORDER: Signal[] = ['email_exact', 'username_upn', 'local_part', 'display_name', 'partial_name'];

export interface Candidate {
  userId: string;
  signal: Signal;
  confidence: number;
}

export interface Proposal {
  agentId: string;
  status: 'confident' | 'ambiguous';
  /** The proposed user (confident only). */
  userId: string | null;
  signal: Signal;
  confidence: number;
  /** Every user found, best first (one for a confident proposal). */
  candidates: Candidate[];
  /** Why it is ambiguous, when it is. */
  note?: string;
}

export interface AutoMapResult {
  proposals: Proposal[];
  /** Agents no signal matched. */
  unmatched: string[];
}

export function normalizeName(s: string | null | undefined): string {
  return (s ?? '')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
const lower = (s: string | null | undefined) => (s ? s.trim().toLowerCase() : '');
const localPart = (s: string | null | undefined) => {
  const v = lower(s);
  const at = v.indexOf('@');
  return at > 0 ? v.slice(0, at) : '';
};

export interface UserIndex {
  users: Map<string, UserForMatch>;
  byAddress: Map<string, Set<string>>;
  byLocal: Map<string, Set<string>>;
  byName: Map<string, Set<string>>;
  byNameToken: Map<string, Set<string>>;
}

function add(m: Map<string, Set<string>>, key: string, id: string) {
  if (!key) return;
  const s = m.get(key) ?? new Set<string>();
  if (!m.has(key)) m.set(key, s);
  s.add(id);
}

export function indexUsers(users: readonly UserForMatch[]): UserIndex {
  const idx: UserIndex = {
    users: new Map(),
    byAddress: new Map(),
    byLocal: new Map(),
    byName: new Map(),
    byNameToken: new Map(),
  };
  for (const u of users) {
    idx.users.set(u.userId, u);
    for (const a of [u.userPrincipalName, u.mail]) {
      add(idx.byAddress, lower(a), u.userId);
      add(idx.byLocal, localPart(a), u.userId);
    }
    const name = normalizeName(u.displayName);
    add(idx.byName, name, u.userId);
    for (const t of name.split(' ')) if (t.length >= 2) add(idx.byNameToken, t, u.userId);
  }
  return idx;
}

/** Users matching one agent, each with its strongest signal, best first. `partial` adds weak name-token matches. */
export function scoreCandidates(agent: AgentForMatch, idx: UserIndex, opts: { partial?: boolean } = {}): Candidate[] {
  const found = new Map<string, Signal>();
  const put = (ids: Iterable<string> | undefined, signal: Signal) => {
    for (const id of ids ?? []) if (!found.has(id)) found.set(id, signal);
  };
  const email = lower(agent.email);
  const userName = lower(agent.userName);
  put(email ? idx.byAddress.get(email) : undefined, 'email_exact');
  put(userName.includes('@') ? idx.byAddress.get(userName) : undefined, 'username_upn');
  for (const l of new Set([localPart(email), localPart(userName)])) if (l) put(idx.byLocal.get(l), 'local_part');
  const full = normalizeName(`${agent.firstName ?? ''} ${agent.lastName ?? ''}`);
  if (full.includes(' ')) {
    put(idx.byName.get(full), 'display_name');
    put(idx.byName.get(normalizeName(`${agent.lastName ?? ''} ${agent.firstName ?? ''}`)), 'display_name');
  }
  if (opts.partial) for (const t of full.split(' ')) if (t.length >= 2) put(idx.byNameToken.get(t), 'partial_name');
  return [...found.entries()]
    .map(([userId, signal]) => ({ userId, signal, confidence: SIGNAL_CONFIDENCE[signal] }))
    .sort((a, b) => ORDER.indexOf(a.signal) - ORDER.indexOf(b.signal) || a.userId.localeCompare(b.userId));
}

/**
 * Proposals for `agents` against `users`. Users in `taken` (already mapped) are never proposed.
 */
export function autoMap(
  agents: readonly AgentForMatch[],
  users: readonly UserForMatch[],
  taken: ReadonlySet<string> = new Set(),
): AutoMapResult {
  const idx = indexUsers(users.filter((u) => !taken.has(u.userId)));
  const proposals: Proposal[] = [];
  const unmatched: string[] = [];
  for (const agent of agents) {
    const all = scoreCandidates(agent, idx);
    if (all.length === 0) {
      unmatched.push(agent.agentId);
      continue;
    }
    const best = all[0]!.signal;
    const top = all.filter((c) => c.signal === best);
    if (top.length === 1)
      proposals.push({
        agentId: agent.agentId,
        status: 'confident',
        userId: top[0]!.userId,
        signal: best,
        confidence: SIGNAL_CONFIDENCE[best],
        candidates: all,
      });
    else
      proposals.push({
        agentId: agent.agentId,
        status: 'ambiguous',
        userId: null,
        signal: best,
        confidence: round(SIGNAL_CONFIDENCE[best] / top.length),
        candidates: all,
        note: `${top.length} users match by ${best.replace('_', ' ')}`,
      });
  }
  // One user, several confident agents: the strongest keeps it; a tie makes all of them ambiguous.
  const byUser = new Map<string, Proposal[]>();
  for (const p of proposals) if (p.status === 'confident') byUser.set(p.userId!, [...(byUser.get(p.userId!) ?? []), p]);
  for (const [userId, claim] of byUser) {
    if (claim.length < 2) continue;
    const strongest = Math.max(...claim.map((p) => p.confidence));
    const winners = claim.filter((p) => p.confidence === strongest);
    for (const p of claim) {
      if (winners.length === 1 && p === winners[0]) continue;
      p.status = 'ambiguous';
      p.note = `user ${userId} also matches agent(s) ${claim
        .filter((o) => o !== p)
        .map((o) => o.agentId)
        .join(', ')}`;
      p.confidence = round(p.confidence / claim.length);
      p.userId = null;
    }
  }
  return { proposals, unmatched };
}

const round = (n: number) => Math.round(n * 100) / 100;
