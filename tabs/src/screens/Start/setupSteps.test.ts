import { describe, expect, it } from 'vitest';
import type { Connection } from '../../api/types.ts';
import { setupSteps } from './StartScreen.tsx';

const connection = (secrets: boolean) =>
  ({
    id: 'c1',
    name: 'Contoso',
    tenantId: 't',
    azure: { tenantId: 't', clientId: 'x', clientSecret: { set: secrets, updatedAt: null, expiresAt: null } },
    cxone: {
      baseUrl: 'https://x',
      authUrl: null,
      accessKeyId: 'k',
      accessKeySecret: { set: secrets, updatedAt: null },
      businessUnitId: null,
    },
  }) as unknown as Connection;

describe('setup checklist', () => {
  it('when there is no connection then every step is to do and connecting comes first', () => {
    const steps = setupSteps(undefined);
    expect(steps.map((s) => s.page)).toEqual(['connection', 'users', 'rules', 'watching', 'activity']);
    expect(steps.every((s) => s.done === false)).toBe(true);
  });

  it('when facts are known then each step says what is done, with numbers', () => {
    const steps = setupSteps(connection(true), {
      agents: 48,
      mapped: 45,
      rules: 1,
      assignedOrDefault: false,
      watcherRunning: true,
      decisions: 0,
    });
    expect(steps.map((s) => s.done)).toEqual([true, true, false, true, false]);
    expect(steps[1]!.text).toBe('45 of 48 CXone agents are mapped to Teams users.');
    expect(steps[2]!.text).toContain('not assigned yet');
  });

  it('when facts could not be loaded then those steps show no status rather than a wrong one', () => {
    const steps = setupSteps(connection(false));
    expect(steps[0]!.done).toBe(false);
    expect(steps.slice(1).map((s) => s.done)).toEqual([null, null, null, null]);
  });
});
