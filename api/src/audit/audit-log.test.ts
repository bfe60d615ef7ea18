import { describe, expect, it } from 'vitest';
import { scrubSecrets } from './audit-log.ts';

describe('scrubSecrets', () => {
  it('when a value holds secret-named keys at any depth then their values are dropped, set-markers kept', () => {
    const out = scrubSecrets({
      name: 'x',
      clientSecret: 'plain',
      azure: { clientSecret: { set: true, updatedAt: null }, password: 'p', nested: [{ accessToken: 't', ok: 1 }] },
      azureClientSecretEnc: 'v1.a.b.c',
      at: new Date('2026-01-01T00:00:00Z'),
    });
    expect(out).toEqual({
      name: 'x',
      azure: { clientSecret: { set: true, updatedAt: null }, nested: [{ ok: 1 }] },
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(JSON.stringify(out)).not.toMatch(/plain|"p"|"t"|v1\.a/);
  });
});
