import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from '../../emulators/graph/index.ts';
import { type Browser, launchBrowser, screenshot } from './support/browser.ts';
import { ensureTabBuilt } from './support/build-tab.ts';
import { expectAxeClean, setScheme } from './support/tab.ts';
import { type BrowserWorld, startBrowserWorld } from './support/world.ts';

/**
 * Presence watching in Chromium against the real server and the Graph emulator: an owner account is
 * added by signing in through the (emulated) Microsoft sign-in page, a subscription appears with its
 * expiry countdown, and when Graph refuses a renewal the error shows in the tab.
 */
describe('presence watching in Chromium', { timeout: 120_000 }, () => {
  let w: BrowserWorld;
  let browser: Browser;
  let page: Page;
  let token = '';
  let connectionId = '';

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${w.app.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    await ensureTabBuilt();
    w = await startBrowserWorld({}, { watch: { tickMs: 500 } });
    // Set-up through the API (the journey test drives these screens): connection in subscription mode,
    // directories synced, exact matches mapped.
    const admin = w.seed.users.find((u) => u.userPrincipalName.startsWith('it.admin'))!;
    const signIn = await fetch(`${w.app.url}/api/dev/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        upn: admin.userPrincipalName,
        userId: admin.id,
        tenantId: w.seed.tenantId,
        name: admin.displayName,
      }),
    });
    token = ((await signIn.json()) as { token: string }).token;
    connectionId = (
      await api<{ id: string }>('POST', '/api/connections', {
        name: 'Contoso contact center',
        azure: { tenantId: w.seed.tenantId, clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret },
        cxone: {
          baseUrl: w.cxone.baseUrl,
          authUrl: w.cxone.authUrl,
          accessKeyId: w.cxone.accessKey.id,
          accessKeySecret: w.cxone.accessKey.secret,
        },
        options: { presenceWatch: 'subscriptions', subscriptionGroupSize: 40 },
      })
    ).id;
    const { jobId } = await api<{ jobId: string }>('POST', `/api/connections/${connectionId}/directory-sync`);
    for (let i = 0; i < 200; i++) {
      const job = await api<{ status: string }>('GET', `/api/connections/${connectionId}/jobs/${jobId}`);
      if (job.status === 'succeeded') break;
      if (job.status === 'failed') throw new Error('directory sync failed');
      await new Promise((r) => setTimeout(r, 100));
    }
    await api('POST', `/api/connections/${connectionId}/mappings/auto-map`, { applyExact: true });

    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${w.app.url}/tab/`);
    await page.evaluate(
      ([t, n]) => {
        const s = (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage;
        s.setItem('presence-sync.dev-token', t!);
        s.setItem('presence-sync.dev-name', n!);
      },
      [token, admin.displayName],
    );
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await w?.stop();
  });

  it('when an owner signs in from the tab then a subscription covers the mapped users with an expiry countdown', async () => {
    await page.goto(`${w.app.url}/tab/watching`);
    await page.getByRole('heading', { level: 1, name: 'Presence watching' }).waitFor();
    await page.getByText('No owner accounts').waitFor();
    const owner = w.seed.users.find((u) => u.role === 'owner')!;
    await page.getByLabel('Account to sign in (optional hint)').fill(owner.userPrincipalName);
    const popupCame = page.waitForEvent('popup');
    await page.getByRole('button', { name: 'Add owner by signing in' }).click();
    const popup = await popupCame;
    await popup.getByLabel('Password').fill(owner.password!);
    await popup.getByLabel('Password').press('Enter');
    await popup.getByText(`${owner.userPrincipalName} can now own presence subscriptions`).waitFor();
    await popup.close();

    const owners = page.getByRole('table', { name: 'Subscription owners' });
    await owners.getByText(owner.userPrincipalName).waitFor({ timeout: 20_000 });
    await owners.getByText('Healthy').waitFor();
    const subs = page.getByRole('table', { name: 'Presence subscriptions' });
    await subs.getByText('Active').waitFor({ timeout: 20_000 });
    await subs
      .getByText(/^in \d+ (h|min)/)
      .first()
      .waitFor();
    expect(w.graph.control.subscriptions().length).toBeGreaterThan(0);
    await expectAxeClean(page);
    await screenshot(page, 'watching-active-light');
  });

  it('when Graph refuses a renewal then Renew now reports it and the subscription shows the error', async () => {
    w.graph.control.injectFault({ kind: 'refuse_renewal', status: 500 });
    const subs = page.getByRole('table', { name: 'Presence subscriptions' });
    await subs.getByRole('button', { name: 'Renew now: subscription 1' }).click();
    await page.getByText('Renewal failed').first().waitFor({ timeout: 20_000 });
    await subs.getByText('Failing').first().waitFor({ timeout: 20_000 });
    const row = subs.getByRole('row').filter({ hasText: 'Failing' }).first();
    expect((await row.textContent())?.length).toBeGreaterThan(20);
    await expectAxeClean(page);
    await screenshot(page, 'watching-error-light');
    await setScheme(page, 'dark');
    await expectAxeClean(page);
    await screenshot(page, 'watching-error-dark');
    w.graph.control.clearFaults();
  });
});
