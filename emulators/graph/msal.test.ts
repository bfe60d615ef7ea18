import { ConfidentialClientApplication } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphEmulator } from './index.ts';
import { graph, startTrustedEmulator } from './test-helpers.ts';

// The product's Graph client gets app tokens with msal-node against this emulator (facts/stack.md:
// msal-node needs https and knownAuthorities with the port). This proves that works as configured.
describe('msal-node against the identity emulator', () => {
  let emu: GraphEmulator;
  beforeAll(async () => {
    emu = await startTrustedEmulator();
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('when a ConfidentialClientApplication asks for a client-credentials token then it gets one Graph accepts', async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: emu.defaultApp.clientId,
        clientSecret: emu.defaultApp.clientSecret,
        authority: `${emu.authorityHost}/${emu.tenantId}`,
        knownAuthorities: [new URL(emu.url).host],
      },
    });
    const r = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(r?.accessToken).toBeTruthy();
    const claims = decodeJwt(r!.accessToken);
    expect(claims).toMatchObject({ aud: 'https://graph.microsoft.com', appid: emu.defaultApp.clientId, tid: emu.tenantId });
    expect(claims.roles).toEqual(['User.Read.All', 'Presence.Read.All', 'Presence.ReadWrite.All']);
    expect((claims.exp as number) - (claims.iat as number)).toBe(3599);
    const me = await graph(emu, r!.accessToken, 'GET', '/users?$top=1');
    expect(me.status).toBe(200);
  });

  it('when msal-node uses a wrong secret then it fails with invalid_client AADSTS7000215', async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: emu.defaultApp.clientId,
        clientSecret: 'wrong',
        authority: `${emu.authorityHost}/${emu.tenantId}`,
        knownAuthorities: [new URL(emu.url).host],
      },
    });
    await expect(cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toThrow(
      /AADSTS7000215/,
    );
  });
});
