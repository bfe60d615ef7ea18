import type { ControlState } from './model.ts';

/** One scripted step of an agent's day, `atMs` after the day starts. */
export type DayStep =
  | { atMs: number; action: 'login' | 'logout' }
  | { atMs: number; action: 'set'; to: ControlState }
  | { atMs: number; action: 'startContact'; type: 'inbound' | 'outbound'; agentToAgent?: boolean }
  | { atMs: number; action: 'endContact'; acw?: boolean };

const m = 60_000;

/**
 * A realistic working day: log in, take inbound calls with after-call work, an outbound call, breaks,
 * a consult with another agent (agent-to-agent), lunch, a meeting, training, log out. `speed` compresses
 * it (speed 60 plays 8 hours in 8 minutes).
 */
export function dayScript(speed = 1): DayStep[] {
  if (!(speed > 0)) throw new TypeError('speed: must be a positive number');
  const steps: DayStep[] = [
    { atMs: 0, action: 'login' },
    { atMs: 2 * m, action: 'set', to: { state: 'Available' } },
    { atMs: 6 * m, action: 'startContact', type: 'inbound' },
    { atMs: 12 * m, action: 'endContact', acw: true },
    { atMs: 14 * m, action: 'endContact' },
    { atMs: 30 * m, action: 'startContact', type: 'outbound' },
    { atMs: 36 * m, action: 'endContact' },
    { atMs: 60 * m, action: 'set', to: { state: 'Unavailable', outStateId: 1 } },
    { atMs: 75 * m, action: 'set', to: { state: 'Available' } },
    { atMs: 90 * m, action: 'startContact', type: 'inbound', agentToAgent: true },
    { atMs: 94 * m, action: 'endContact' },
    { atMs: 110 * m, action: 'startContact', type: 'inbound' },
    { atMs: 118 * m, action: 'endContact', acw: true },
    { atMs: 120 * m, action: 'endContact' },
    { atMs: 180 * m, action: 'set', to: { state: 'Unavailable', outStateId: 2 } },
    { atMs: 240 * m, action: 'set', to: { state: 'Available' } },
    { atMs: 270 * m, action: 'set', to: { state: 'Unavailable', outStateId: 3 } },
    { atMs: 330 * m, action: 'set', to: { state: 'Available' } },
    { atMs: 360 * m, action: 'startContact', type: 'outbound' },
    { atMs: 368 * m, action: 'endContact' },
    { atMs: 400 * m, action: 'set', to: { state: 'Unavailable', outStateId: 4 } },
    { atMs: 460 * m, action: 'set', to: { state: 'Available' } },
    { atMs: 480 * m, action: 'logout' },
  ];
  return steps.map((s) => ({ ...s, atMs: Math.round(s.atMs / speed) }));
}
