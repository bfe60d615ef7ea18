import type { Seed, SeedAgent } from '../shared/seed.ts';

/**
 * The CXone emulator's in-memory business unit: agents, their states and the rules CXone applies to
 * state changes (facts/cxone.md). No I/O: the server and the control API drive it.
 */
export const STATE_IDS: Record<string, number> = {
  LoggedOut: 0,
  Available: 1,
  Unavailable: 2,
  InboundContact: 3,
  OutboundContact: 4,
  InboundConsult: 5,
  OutboundConsult: 6,
  Dialer: 7,
  LoggedIn: 8,
};

export interface EmulatedAgentState {
  agentId: string;
  teamId: string;
  state: string;
  outStateId: number | null;
  outStateName: string | null;
  isAcw: boolean;
  contactId: string | null;
  isOutbound: boolean;
  agentToAgent: boolean;
  /** Emulator ms when this state started. */
  startDate: number;
  /** Emulator ms of the last change (drives `updatedSince`). */
  updatedAt: number;
  /** Global change sequence number (push ordering). */
  sequence: number;
}

export type SetTarget = { state: 'Available' } | { state: 'Unavailable'; outStateId: number };

export type ControlState = {
  state: string;
  outStateId?: number | null;
  contactType?: 'inbound' | 'outbound';
  agentToAgent?: boolean;
};

/** A refusal with the HTTP status the API answers. */
export class ModelError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Internal extends EmulatedAgentState {
  pending: SetTarget | null;
  beforeContact: SetTarget | null;
}

export function createModel(seed: Seed, now: () => number) {
  const agents = new Map<string, SeedAgent>(seed.agents.map((a) => [a.agentId, a]));
  const states = new Map<string, Internal>();
  const codes = new Map(seed.unavailableCodes.map((c) => [c.outStateId, c]));
  const listeners: ((s: EmulatedAgentState) => void)[] = [];
  let lastPollIssued = Number.NEGATIVE_INFINITY;
  /** Latest change timestamp handed out: a lastPollTime is never before a change it includes. */
  let latestChange = Number.NEGATIVE_INFINITY;
  let sequence = 0;
  let contactSeq = 5_000_000;

  /**
   * A change's timestamp: now, but always after any lastPollTime already handed out, so a change made
   * in the same millisecond as a poll is seen by the next poll (updatedSince is exclusive).
   */
  const changeTime = () => {
    latestChange = Math.max(now(), lastPollIssued + 1, latestChange);
    return latestChange;
  };

  const t0 = now();
  seed.agents.forEach((a, i) => {
    const k = i % 6;
    const base: Internal = {
      agentId: a.agentId,
      teamId: a.teamId,
      state: 'Available',
      outStateId: null,
      outStateName: null,
      isAcw: false,
      contactId: null,
      isOutbound: false,
      agentToAgent: false,
      startDate: t0,
      updatedAt: t0,
      sequence: 0,
      pending: null,
      beforeContact: null,
    };
    if (k === 3)
      Object.assign(base, { state: 'Unavailable', outStateId: 1, outStateName: codes.get(1)?.outStateName ?? 'Break' });
    if (k === 5) base.state = 'LoggedOut';
    states.set(a.agentId, base);
  });

  function get(agentId: string): Internal {
    const s = states.get(agentId);
    if (!s) throw new ModelError(404, 'AgentNotFound', `agent ${agentId} does not exist`);
    return s;
  }

  function apply(s: Internal, patch: Partial<Internal>): EmulatedAgentState {
    const at = changeTime();
    Object.assign(s, {
      outStateId: null,
      outStateName: null,
      isAcw: false,
      contactId: null,
      isOutbound: false,
      agentToAgent: false,
      ...patch,
      startDate: at,
      updatedAt: at,
      sequence: ++sequence,
    });
    const snap = view(s);
    for (const l of listeners) l(snap);
    return snap;
  }

  function view(s: Internal): EmulatedAgentState {
    const { pending: _p, beforeContact: _b, ...rest } = s;
    return { ...rest };
  }

  function applyTarget(s: Internal, t: SetTarget): EmulatedAgentState {
    if (t.state === 'Available') return apply(s, { state: 'Available' });
    const code = codes.get(t.outStateId);
    return apply(s, {
      state: 'Unavailable',
      outStateId: t.outStateId,
      outStateName: code?.outStateName ?? null,
      isAcw: code?.isAcw ?? false,
    });
  }

  const onContact = (s: Internal) => s.contactId !== null && !s.isAcw;

  return {
    seed,
    agentIds: () => [...states.keys()],
    agent: (agentId: string) => agents.get(agentId),
    codes: () => [...codes.values()],
    onChange(l: (s: EmulatedAgentState) => void) {
      listeners.push(l);
    },
    state: (agentId: string): EmulatedAgentState => view(get(agentId)),
    all: (): EmulatedAgentState[] => [...states.values()].map(view),
    /** Hands out a lastPollTime (now, or the latest change if the clock has not moved past it). */
    pollTime(): number {
      const t = Math.max(now(), latestChange);
      lastPollIssued = Math.max(lastPollIssued, t);
      return t;
    },
    /** Changed strictly after `since` (emulator ms). */
    changedSince: (since: number): EmulatedAgentState[] => [...states.values()].filter((s) => s.updatedAt > since).map(view),

    /** What `POST /agents/{id}/state` does (facts/cxone.md "Writing"; the 409 for ACW from SETAGENTSTATE). */
    setByApi(agentId: string, t: SetTarget): EmulatedAgentState {
      const s = get(agentId);
      if (t.state === 'Unavailable') {
        const code = codes.get(t.outStateId);
        if (!code)
          throw new ModelError(
            400,
            'InvalidOutState',
            `outStateId ${t.outStateId} is not an unavailable code of team ${s.teamId}`,
          );
        if (code.isAcw && !onContact(s))
          throw new ModelError(
            409,
            'Conflict',
            `unavailable code ${t.outStateId} (${code.outStateName}) is an after-call-work code: only allowed during an active contact`,
          );
      }
      if (s.state === 'LoggedOut') throw new ModelError(409, 'AgentNotLoggedIn', `agent ${agentId} is not logged in`);
      if (onContact(s)) {
        s.pending = t; // applies when the contact ends, like the agent's "next state"
        return view(s);
      }
      return applyTarget(s, t);
    },

    // ----- control (what the people and the ACD do) -----
    login(agentId: string) {
      const s = get(agentId);
      if (s.state !== 'LoggedOut') return view(s);
      return apply(s, { state: 'Unavailable', outStateName: 'LogIn' });
    },
    logout(agentId: string) {
      const s = get(agentId);
      s.pending = null;
      return apply(s, { state: 'LoggedOut' });
    },
    startContact(agentId: string, type: 'inbound' | 'outbound', o: { agentToAgent?: boolean } = {}) {
      const s = get(agentId);
      if (s.state === 'LoggedOut') throw new ModelError(409, 'AgentNotLoggedIn', `agent ${agentId} is not logged in`);
      if (!onContact(s))
        s.beforeContact =
          s.state === 'Unavailable' && s.outStateId ? { state: 'Unavailable', outStateId: s.outStateId } : { state: 'Available' };
      const a2a = o.agentToAgent ?? false;
      const state = a2a
        ? type === 'inbound'
          ? 'InboundConsult'
          : 'OutboundConsult'
        : type === 'inbound'
          ? 'InboundContact'
          : 'OutboundContact';
      return apply(s, { state, contactId: String(++contactSeq), isOutbound: type === 'outbound', agentToAgent: a2a });
    },
    endContact(agentId: string, o: { acw?: boolean } = {}) {
      const s = get(agentId);
      if (s.contactId === null) throw new ModelError(409, 'NoContact', `agent ${agentId} has no active contact`);
      if (o.acw && !s.isAcw) {
        const acw = [...codes.values()].find((c) => c.isAcw);
        return apply(s, {
          state: 'Unavailable',
          outStateId: acw?.outStateId ?? null,
          outStateName: acw?.outStateName ?? 'ACW',
          isAcw: true,
          contactId: s.contactId,
          isOutbound: s.isOutbound,
        });
      }
      const next = s.pending ?? { state: 'Available' as const };
      s.pending = null;
      s.beforeContact = null;
      return applyTarget(s, next.state === 'Unavailable' && codes.get(next.outStateId)?.isAcw ? { state: 'Available' } : next);
    },
    /** Any state, as the ACD or the agent would set it (no API rules). */
    force(agentId: string, c: ControlState) {
      const s = get(agentId);
      const name = Object.keys(STATE_IDS).find((n) => n.toLowerCase() === c.state.toLowerCase());
      if (!name) throw new ModelError(400, 'InvalidState', `state: unknown CXone state "${c.state}"`);
      const code = c.outStateId ? codes.get(c.outStateId) : undefined;
      if (c.outStateId && !code)
        throw new ModelError(400, 'InvalidOutState', `outStateId: ${c.outStateId} is not an unavailable code`);
      const onCall = /Contact|Consult|Dialer/.test(name);
      s.pending = null;
      return apply(s, {
        state: name,
        outStateId: code?.outStateId ?? null,
        outStateName: code?.outStateName ?? null,
        isAcw: code?.isAcw ?? false,
        contactId: onCall || code?.isAcw ? (s.contactId ?? String(++contactSeq)) : null,
        isOutbound: c.contactType === 'outbound' || /^Outbound|Dialer/.test(name),
        agentToAgent: c.agentToAgent ?? /Consult/.test(name),
      });
    },
  };
}

export type CxoneModel = ReturnType<typeof createModel>;
