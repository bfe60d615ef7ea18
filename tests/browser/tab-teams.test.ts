import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from '../../emulators/graph/index.ts';
import { type Browser, launchBrowser, screenshot } from './support/browser.ts';
import { ensureTabBuilt } from './support/build-tab.ts';
import { fakeTeamsHostPage } from './support/fake-teams-host.ts';
import { type BrowserWorld, startBrowserWorld } from './support/world.ts';

/**
 * The tab inside a (stand-in) Teams client: teams-js initializes, the API is called with a real Teams
 * SSO token (issued by the Graph emulator's identity platform and validated by our server against its
 * JWKS), the theme follows Teams live, and the channel tab's configuration page saves its settings.
 */
const CLIENT_ID = '11111111-2222-4333-8444-555555555555';

interface HostLog {
  calls: string[];
  saved: { contentUrl: string; websiteUrl: string; entityId: string; suggestedDisplayName: string } | null;
  saveResult: string | null;
}

describe('the tab inside Teams', { timeout: 90_000 }, () => {
  let w: BrowserWorld;
  let browser: Browser;
  let page: Page;
  let token = '';
  const admin = () => w.seed.users.find((u) => u.userPrincipalName.startsWith('it.admin'))!;

  const host = async (
    tabPath: string,
    frameContext: 'content' | 'settings',
    theme: 'default' | 'dark' = 'default',
  ): Promise<Frame> => {
    await page.route(`${w.app.url}/teams-host.html`, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: fakeTeamsHostPage({ tabPath, frameContext, token, upn: admin().userPrincipalName, theme }),
      }),
    );
    await page.goto(`${w.app.url}/teams-host.html`);
    const frame = page.frameLocator('#tab');
    await frame.locator('body').waitFor();
    return page.frames().find((f) => f.url().includes('/tab/'))!;
  };
  const hostLog = () => page.evaluate(() => (globalThis as unknown as { hostLog: HostLog }).hostLog);

  beforeAll(async () => {
    await ensureTabBuilt();
    w = await startBrowserWorld({ DEV_SIGN_IN: 'false', AAD_APP_CLIENT_ID: CLIENT_ID, AUTH_FAILURES_PER_MINUTE: '1000' });
    token = await w.graph.control.issueUserToken({ userId: admin().id, audience: CLIENT_ID });
    const res = await fetch(`${w.app.url}/api/connections`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Contoso contact center',
        azure: { tenantId: w.seed.tenantId, clientId: DEFAULT_APP.clientId, clientSecret: DEFAULT_APP.clientSecret },
        cxone: {
          baseUrl: w.cxone.baseUrl,
          authUrl: w.cxone.authUrl,
          accessKeyId: w.cxone.accessKey.id,
          accessKeySecret: w.cxone.accessKey.secret,
        },
      }),
    });
    expect(res.status).toBe(201);
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await w?.stop();
  });

  it('when opened in a plain browser and the server has no dev sign-in then it explains that it must be opened in Teams', async () => {
    await page.goto(`${w.app.url}/tab/`);
    await page.getByText('Open it from Microsoft Teams').waitFor();
    expect(await page.getByRole('form', { name: 'Local sign-in' }).count()).toBe(0);
    await screenshot(page, 'needs-teams-light');
  });

  it('when opened as a personal tab then it signs in with Teams SSO, without any sign-in form', async () => {
    const tab = await host('/tab/?inTeams=1', 'content');
    await tab.getByRole('navigation', { name: 'Presence Sync pages' }).waitFor();
    // The connection's name in the header came from GET /api/connections with the SSO token.
    await tab.getByText('Contoso contact center').first().waitFor();
    await tab.getByText(admin().userPrincipalName).waitFor();
    expect(await tab.getByRole('form', { name: 'Local sign-in' }).count()).toBe(0);
    expect((await hostLog()).calls).toEqual(expect.arrayContaining(['initialize', 'getContext', 'authentication.getAuthToken']));
  });

  it('when Teams switches to the dark theme then the tab follows at once', async () => {
    const tab = page.frames().find((f) => f.url().includes('/tab/'))!;
    await tab.locator('[data-theme="light"]').first().waitFor();
    await page.evaluate(() =>
      (globalThis as unknown as { sendToTab(f: string, a: unknown[]): void }).sendToTab('themeChange', ['dark']),
    );
    await tab.locator('[data-theme="dark"]').first().waitFor();
    await page.evaluate(() =>
      (globalThis as unknown as { sendToTab(f: string, a: unknown[]): void }).sendToTab('themeChange', ['contrast']),
    );
    await tab.locator('[data-theme="contrast"]').first().waitFor();
    await screenshot(page, 'in-teams-contrast');
  });

  it('when the channel tab is configured then Save pins the chosen page with its name', async () => {
    const tab = await host('/tab/config', 'settings', 'dark');
    await tab.getByRole('heading', { name: 'Add Presence Sync to this channel' }).waitFor();
    await tab.locator('[data-theme="dark"]').first().waitFor();
    await tab.getByRole('radio', { name: 'Rules' }).check();
    await tab.getByLabel('Tab name').fill('Sync rules');
    await screenshot(page, 'config-dark');
    await page.evaluate(() =>
      (globalThis as unknown as { sendToTab(f: string, a: unknown[]): void }).sendToTab('settings.save', [{}]),
    );
    await expect.poll(async () => (await hostLog()).saveResult, { timeout: 10_000 }).toBe('success');
    const saved = (await hostLog()).saved!;
    expect(saved).toEqual({
      contentUrl: `${w.app.url}/tab/rules?inTeams=1`,
      websiteUrl: `${w.app.url}/tab/rules`,
      entityId: 'presence-sync-rules',
      suggestedDisplayName: 'Sync rules',
    });
  });
});
