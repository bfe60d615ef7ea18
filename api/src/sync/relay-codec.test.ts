import { describe, expect, it } from 'vitest';
import type { SyncEvent } from '../domain/ports.ts';
import { decodeRelayed, encodeRelayed } from './relay-codec.ts';

const CONN = '3f6b1c2e-0d4a-4f5e-9a7b-1c2d3e4f5a6b';
const events: SyncEvent[] = [
  {
    kind: 'cxone_state',
    connectionId: CONN,
    state: {
      agentId: '1001',
      state: 'Unavailable',
      outStateId: 2,
      outStateName: 'Break',
      isAcw: false,
      contactId: null,
      isOutbound: false,
      agentToAgent: false,
      startTime: '2026-11-26T10:00:00.000Z',
    },
    observedAt: 1_795_000_000_000,
    source: 'push',
  },
  {
    kind: 'teams_presence',
    connectionId: CONN,
    userId: 'u1',
    presence: { availability: 'Busy', activity: 'InAMeeting', sequenceNumber: 'C1' },
    observedAt: 1,
    source: 'subscription',
  },
  { kind: 'settings_changed', connectionId: CONN, agentIds: 'all', observedAt: 2 },
  { kind: 'settings_changed', connectionId: CONN, agentIds: ['1', '2'], observedAt: 3 },
];

describe('forwarded event rows (engine_inbox.payload)', () => {
  it('when any event is encoded, stored as JSON and decoded then it is the same event, with its sequence', () => {
    for (const [i, event] of events.entries()) {
      const stored = JSON.parse(JSON.stringify(encodeRelayed({ event, sequence: i })));
      expect(decodeRelayed(CONN, stored)).toEqual({ event, sequence: i });
      expect(decodeRelayed(CONN, JSON.stringify(encodeRelayed({ event })))).toEqual({ event });
    }
  });

  it('when the row names another connection than the payload then the row wins', () => {
    const other = '00000000-0000-4000-8000-000000000000';
    const r = decodeRelayed(other, encodeRelayed({ event: events[0]! }));
    expect('event' in r && r.event.connectionId).toBe(other);
  });

  it('when a payload is from an unknown version or malformed then it is an error, not an exception', () => {
    for (const raw of [
      { v: 2, event: events[0] },
      { v: 1, event: { ...events[0], kind: 'mystery' } },
      { v: 1, event: { ...events[0], state: { agentId: '' } } },
      { v: 1, event: events[0], sequence: -1 },
      '{not json',
      null,
    ])
      expect(decodeRelayed(CONN, raw)).toHaveProperty('error');
  });
});
