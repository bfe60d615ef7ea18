import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';

describe('presence watching wired into the app', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => app?.stop());

  it('when Graph validates the webhook URLs then the app answers the handshake without sign-in', async () => {
    for (const path of ['/api/graph/notifications', '/api/graph/lifecycle']) {
      const res = await fetch(`${app.url}${path}?validationToken=${encodeURIComponent('a b+c/=')}`, { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('a b+c/=');
    }
  });

  it('when a notification names no known subscription then it is acknowledged and ignored', async () => {
    const res = await fetch(`${app.url}/api/graph/notifications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ value: [{ subscriptionId: 'unknown', clientState: 'x' }] }),
    });
    expect(res.status).toBe(202);
  });

  it('when the watch admin routes are called without a token then 401', async () => {
    const id = '6f437f25-06b5-498c-8d79-0a888a970059';
    for (const path of [
      `/api/connections/${id}/owners`,
      `/api/connections/${id}/watch/status`,
      `/api/connections/${id}/watch/subscriptions`,
    ]) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status).toBe(401);
    }
  });
});
