import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.ts';
import { type Browser, launchBrowser, screenshot } from './support/browser.ts';
import { ensureTabBuilt } from './support/build-tab.ts';
import { devSignIn, expectAxeClean, goTo, setScheme } from './support/tab.ts';

/**
 * The admin tab in Debian's headless Chromium against the real server (no emulators needed):
 * Teams detection outside Teams, the local dev sign-in, navigation by mouse and keyboard, live theme,
 * the rule editor's inline validation, and the connection form — each page axe-checked and screenshotted.
 */
const TENANT = '9a3c1f52-6d0e-4b8f-a2c4-5e7d9b1f3a60';

describe('admin tab shell in Chromium', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureTabBuilt();
    app = await startTestApp({ DEV_SIGN_IN: 'true' });
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('when opened outside Teams with dev sign-in enabled then it offers the local sign-in, which is accessible', async () => {
    await page.goto(`${app.url}/tab/`);
    await page.getByRole('form', { name: 'Local sign-in' }).waitFor();
    expect(await page.getByText('You opened the admin tab outside Microsoft Teams').isVisible()).toBe(true);
    await expectAxeClean(page);
    await screenshot(page, 'signin-light');
  });

  it('when the admin signs in then the shell shows the setup steps', async () => {
    await devSignIn(page, app.url, { upn: 'admin@contoso.com', name: 'Casey Admin', tenantId: TENANT });
    await page.getByRole('heading', { level: 1, name: 'Get started' }).waitFor();
    // The steps render once the setup status has loaded, which may be after the heading.
    const steps = page.getByRole('list', { name: 'Setup steps' }).getByRole('listitem');
    await expect.poll(() => steps.count(), { timeout: 10_000 }).toBe(5);
    expect(await page.getByText('Casey Admin').isVisible()).toBe(true);
    await expectAxeClean(page);
  });

  it('when pages are opened from the navigation then each has its heading and the URL follows', async () => {
    for (const label of ['Connection', 'Users', 'Rules', 'Presence watching', 'Activity', 'Get started']) {
      await goTo(page, label);
    }
    expect(new URL(page.url()).pathname).toBe('/tab/');
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/tab/activity');
  });

  it('when only the keyboard is used then the navigation is reachable and works', async () => {
    await page.goto(`${app.url}/tab/`);
    await page.getByRole('heading', { level: 1, name: 'Get started' }).waitFor();
    await page.keyboard.press('Tab'); // skip link
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent,
      ),
    ).toBe('Skip to content');
    let found = false;
    for (let i = 0; i < 20 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(
        () =>
          (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement
            .textContent === 'Rules',
      );
    }
    expect(found).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Rules' }).waitFor();
  });

  it('when the colour scheme changes then the theme follows live, without a reload', async () => {
    await page.goto(`${app.url}/tab/`);
    await setScheme(page, 'dark');
    const darkBg = await page
      .locator('[data-theme="dark"]')
      .first()
      .evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el)
            .backgroundColor,
      );
    await setScheme(page, 'light');
    const lightBg = await page
      .locator('[data-theme="light"]')
      .first()
      .evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el)
            .backgroundColor,
      );
    expect(darkBg).not.toBe(lightBg);
  });

  it('when the connection form is saved empty then each required field says what is wrong, and nothing is created', async () => {
    await page.goto(`${app.url}/tab/connection`);
    await page.getByRole('heading', { level: 1, name: 'Connection' }).waitFor();
    await page.getByRole('button', { name: 'Create connection' }).click();
    await page.getByText('Fix the highlighted fields first.').waitFor();
    expect(await page.getByText('must be a GUID').count()).toBeGreaterThan(0);
    const list = await fetch(`${app.url}/api/connections`, { headers: { authorization: `Bearer ${await token(page)}` } });
    expect(((await list.json()) as { items: unknown[] }).items).toEqual([]);
    await expectAxeClean(page);
    await screenshot(page, 'connection-empty-light');
  });
});

async function token(page: Page): Promise<string> {
  return page.evaluate(() =>
    (globalThis as unknown as { sessionStorage: { getItem(k: string): string } }).sessionStorage.getItem(
      'presence-sync.dev-token',
    ),
  );
}
