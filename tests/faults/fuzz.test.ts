import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../bench/lib/admin.ts';
import { describeMismatch, type FaultWorld, startFaultWorld } from './support.ts';

/**
 * Fuzzed input at every door an outsider can knock on (Graph webhooks, the CXone push endpoint) and at
 * the admin API: never a 5xx, never a crash, never a change to anyone's presence or state.
 */
describe('fuzzed webhook and API input', () => {
  let w: FaultWorld;
  let graphSince = 0;
  let cxoneSince = 0;
  let rulesBefore = '';
  let connectionBefore = '';
  const SEED = 20261126;

  beforeAll(async () => {
    w = await startFaultWorld({ agents: 12 });
    expect(describeMismatch(await w.converge())).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    graphSince = w.graph.control.now();
    cxoneSince = w.cxone.control.now();
    rulesBefore = JSON.stringify((await w.api('GET', '/rules')).body);
    connectionBefore = JSON.stringify((await w.api('GET', '')).body);
  });
  afterAll(async () => w?.stop());

  /** Arbitrary JSON, plus shapes that look like what each endpoint expects. */
  const json = fc.jsonValue({ maxDepth: 4 });
  const notificationLike = fc.record(
    {
      value: fc.array(
        fc.record(
          {
            subscriptionId: fc.oneof(fc.uuid(), fc.string(), fc.integer()),
            clientState: fc.oneof(fc.string(), fc.constant(null)),
            changeType: fc.string(),
            resource: fc.string(),
            tenantId: fc.uuid(),
            lifecycleEvent: fc.constantFrom('missed', 'subscriptionRemoved', 'reauthorizationRequired', 'bogus'),
            encryptedContent: fc.record({ data: fc.base64String(), dataKey: fc.base64String(), dataSignature: fc.string() }),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 5 },
      ),
      validationTokens: fc.array(fc.string(), { maxLength: 2 }),
    },
    { requiredKeys: [] },
  );
  const pushLike = fc.record(
    {
      businessUnitId: fc.oneof(fc.integer(), fc.string()),
      events: fc.array(
        fc.record(
          {
            agentId: fc.oneof(fc.integer(), fc.string(), fc.constantFrom('100001', '100002')),
            agentStateName: fc.oneof(fc.string(), fc.constantFrom('Available', 'Unavailable', 'LoggedOut')),
            outStateId: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
            startDate: fc.oneof(
              fc.string(),
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            ),
            sequence: fc.oneof(fc.integer(), fc.string()),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 5 },
      ),
    },
    { requiredKeys: [] },
  );
  const bodyOf = (b: unknown, raw: boolean) => (raw && typeof b === 'string' ? b : JSON.stringify(b));

  it('when Graph webhooks get arbitrary bodies and queries then they answer 2xx/4xx and change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/graph/notifications', '/api/graph/lifecycle'),
        fc.oneof(json, notificationLike, fc.string()),
        fc.boolean(),
        fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
        async (path, body, raw, token) => {
          const q = token === undefined ? '' : `?validationToken=${encodeURIComponent(token)}`;
          const r = await fetch(`${w.app.url}${path}${q}`, {
            method: 'POST',
            headers: { 'content-type': raw ? 'text/plain' : 'application/json' },
            body: bodyOf(body, raw),
          });
          await r.body?.cancel();
          expect(r.status, `${path} ${bodyOf(body, raw).slice(0, 200)}`).toBeLessThan(500);
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });

  it('when the CXone push endpoint gets arbitrary bodies and headers then it answers 4xx and changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(json, pushLike, fc.string()),
        fc.constantFrom('right', 'wrong', 'none'),
        fc.oneof(fc.constant(w.cfg.connectionId), fc.uuid(), fc.string()),
        async (body, secret, connectionId) => {
          const headers: Record<string, string> = { 'content-type': 'application/json', 'x-connection-id': connectionId };
          if (secret !== 'none') headers.authorization = `Bearer ${secret === 'right' ? w.pushSecret : 'not-the-secret-at-all'}`;
          const r = await fetch(`${w.app.url}/api/cxone/events`, { method: 'POST', headers, body: JSON.stringify(body) });
          const text = await r.text();
          expect(r.status, `${JSON.stringify(body).slice(0, 200)} → ${text.slice(0, 200)}`).toBeLessThan(500);
          // A pushed state is only ever accepted with the right secret for this connection.
          if (r.status < 300) expect(secret === 'right' && connectionId === w.cfg.connectionId).toBe(true);
        },
      ),
      { numRuns: 150, seed: SEED },
    );
  });

  it('when the admin API gets arbitrary bodies then it answers 4xx naming the problem and stores nothing', async () => {
    const routes: [string, string][] = [
      ['POST', '/rules'],
      ['PUT', `/rules/${w.cfg.defaultRuleId}`],
      ['PATCH', ''],
      ['POST', '/assignments'],
      ['POST', '/mappings/confirm'],
      ['POST', '/mappings/include'],
      ['POST', '/mappings/auto-map'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(json, fc.string()), async ([method, path], body) => {
        const r = await request(w.app.url, method, `/api/connections/${w.cfg.connectionId}${path}`, {
          token: w.cfg.token,
          body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        expect(r.status, `${method} ${path} ${JSON.stringify(body).slice(0, 200)} → ${r.text.slice(0, 200)}`).toBeLessThan(500);
        // Only an empty body or object may pass (a no-op patch, or auto-map finding nothing new).
        if (r.status < 300) expect(['{}', '""'], `${method} ${path}`).toContain(JSON.stringify(body));
      }),
      { numRuns: 200, seed: SEED },
    );
  });

  it('afterwards the server is healthy and nothing changed on either side', async () => {
    const h = await fetch(`${w.app.url}/healthz`);
    expect(h.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(w.teamsWrites(graphSince).size).toBe(0);
    expect(w.cxoneWrites(cxoneSince).size).toBe(0);
    expect(JSON.stringify((await w.api('GET', '/rules')).body)).toBe(rulesBefore);
    const after = (await w.api<Record<string, unknown>>('GET', '')).body;
    const before = JSON.parse(connectionBefore) as Record<string, unknown>;
    expect({ ...after, updatedAt: null }).toEqual({ ...before, updatedAt: null });
    expect(describeMismatch(w.mismatches())).toEqual([]);
  });
});
