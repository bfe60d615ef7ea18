import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, listen } from '../http/server.ts';
import { createLogger } from '../logging.ts';
import { createAuthenticator } from './authenticate.ts';
import { createDevSigner, type DevSigner } from './dev-signer.ts';
import { createFailureLimiter } from './failure-limiter.ts';
import { requireAuth } from './middleware.ts';
import { createTokenValidator } from './token-validator.ts';

describe('requireAuth middleware', () => {
  const server = createHttpServer({ logger: createLogger({ level: 'silent' }) });
  let url = '';
  let signer: DevSigner;
  beforeAll(async () => {
    signer = await createDevSigner({ audience: 'aud' });
    const validator = createTokenValidator({ audiences: [], authorityHost: 'https://login.example.invalid', dev: signer });
    const auth = createAuthenticator({
      validator,
      limiter: createFailureLimiter({ limit: 100, windowMs: 60_000, clock: { now: () => Date.now() } }),
      logger: createLogger({ level: 'silent' }),
    });
    server.get('/who', requireAuth(auth), async (req, res) => {
      res.send(200, req.principal);
    });
    url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('when the token is valid then the handler sees the principal; when not, 401 and the handler never runs', async () => {
    const { token } = await signer.sign({
      tenantId: '9a3c1f52-6d0e-4b8f-a2c4-5e7d9b1f3a60',
      userId: 'u1',
      upn: 'a@b.c',
      name: null,
    });
    const ok = await fetch(`${url}/who`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ userId: 'u1', upn: 'a@b.c', via: 'dev' });
    const no = await fetch(`${url}/who`);
    expect(no.status).toBe(401);
    expect(await no.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const sso = await fetch(`${url}/who`, { headers: { authorization: 'Bearer a.b.c' } });
    expect(sso.status).toBe(401);
  });
});
