import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { axeViolations } from './browser.ts';

/** Signs in through the tab's local dev sign-in form (the server must run with DEV_SIGN_IN=true). */
export async function devSignIn(
  page: Page,
  baseUrl: string,
  who: { upn: string; name?: string; tenantId?: string },
  path = '/tab/',
): Promise<void> {
  await page.goto(baseUrl + path);
  await page.getByRole('form', { name: 'Local sign-in' }).waitFor();
  await page.getByLabel('Account (user principal name)').fill(who.upn);
  if (who.name) await page.getByLabel('Display name').fill(who.name);
  if (who.tenantId) await page.getByLabel('Tenant ID').fill(who.tenantId);
  await page.getByRole('button', { name: 'Sign in for local use' }).click();
  await page.getByRole('navigation', { name: 'Presence Sync pages' }).waitFor();
}

export async function goTo(page: Page, label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Presence Sync pages' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: label === 'Presence watching' ? 'Presence watching' : label }).waitFor();
}

/** Fails with the list of violations (rule, impact, elements) when axe finds any. */
export async function expectAxeClean(page: Page): Promise<void> {
  const violations = await axeViolations(page);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

/** Switches the tab's theme like the OS/Teams would, live, without a reload. */
export async function setScheme(page: Page, scheme: 'light' | 'dark'): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.locator(`[data-theme="${scheme}"]`).first().waitFor();
}
