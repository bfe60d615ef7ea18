import type { CxoneEmulator } from '../../emulators/cxone/index.ts';
import type { GraphEmulator } from '../../emulators/graph/index.ts';

/** What STANDARD_ROWS (admin.ts) want each side to show, and a convergence check over every mapped user. */
export interface Pair {
  availability: string;
  activity: string;
}

/** Our app session's pair for a CXone state (null = no session of ours). */
export function expectedSession(s: { state: string; isAcw: boolean; outStateId: number | null }): Pair | null {
  if (s.state === 'Available') return { availability: 'Available', activity: 'Available' };
  if (s.state === 'InboundContact' || s.state === 'OutboundContact') return { availability: 'Busy', activity: 'InACall' };
  if (s.state === 'Unavailable' && !s.isAcw) return { availability: 'Away', activity: 'Away' };
  return null;
}

export interface Mismatch {
  agentId: string;
  userId: string;
  cxone: string;
  want: Pair | null;
  got: Pair | null;
}

/**
 * Every mapped agent whose Teams side does not show what the rule wants for its current CXone state
 * (our app session; agents in a Teams meeting must instead be Unavailable/3 in CXone).
 */
export function mismatches(
  graph: GraphEmulator,
  cxone: CxoneEmulator,
  mapped: ReadonlyMap<string, string>,
  clientId: string,
): Mismatch[] {
  const out: Mismatch[] = [];
  for (const [agentId, userId] of mapped) {
    const s = cxone.control.agentState(agentId);
    const p = graph.control.getPresence(userId);
    const mine = p.sessions.find((x) => x.kind === 'app' && x.id === clientId) ?? null;
    const got = mine ? { availability: mine.availability, activity: mine.activity } : null;
    const inMeeting = p.aggregated.activity === 'InAMeeting';
    if (inMeeting) {
      if (!(s.state === 'Unavailable' && s.outStateId === 3))
        out.push({ agentId, userId, cxone: `${s.state}/${s.outStateId}`, want: null, got: p.aggregated });
      continue;
    }
    const want = expectedSession(s);
    const same =
      want === null ? got === null : got !== null && got.availability === want.availability && got.activity === want.activity;
    if (!same) out.push({ agentId, userId, cxone: `${s.state}/${s.outStateId ?? ''}`, want, got });
  }
  return out;
}

/** Polls until nothing mismatches or the deadline passes; returns what is left. */
export async function waitConverged(
  graph: GraphEmulator,
  cxone: CxoneEmulator,
  mapped: ReadonlyMap<string, string>,
  clientId: string,
  timeoutMs: number,
  poke?: () => void | Promise<void>,
): Promise<Mismatch[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = mismatches(graph, cxone, mapped, clientId);
    if (left.length === 0 || Date.now() > deadline) return left;
    await poke?.();
    await new Promise((r) => setTimeout(r, 100));
  }
}
