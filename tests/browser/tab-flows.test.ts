import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from '../../emulators/graph/index.ts';
import { type Browser, launchBrowser, screenshot } from './support/browser.ts';
import { ensureTabBuilt } from './support/build-tab.ts';
import { devSignIn, expectAxeClean, goTo, setScheme } from './support/tab.ts';
import { type BrowserWorld, startBrowserWorld } from './support/world.ts';

/**
 * The admin's whole journey in the tab, in Debian's headless Chromium, against the real server wired to
 * the Graph and CXone emulators: connect and test, sync users, auto-map and confirm, remap one user,
 * write a two-row rule and assign it to a team, see the change reach the Graph emulator, see the
 * decision in Activity. Every page is axe-checked and screenshotted in light and dark.
 */
describe('admin journey in Chromium against the emulators', { timeout: 120_000 }, () => {
  let w: BrowserWorld;
  let browser: Browser;
  let page: Page;
  let connectionId = '';

  const toast = (text: string | RegExp) => page.getByText(text).first().waitFor({ timeout: 30_000 });
  const shots = async (name: string) => {
    await expectAxeClean(page);
    await screenshot(page, `${name}-light`);
    await setScheme(page, 'dark');
    await expectAxeClean(page);
    await screenshot(page, `${name}-dark`);
    await setScheme(page, 'light');
  };
  const api = async <T>(path: string): Promise<T> => {
    const token = await page.evaluate(() =>
      (globalThis as unknown as { sessionStorage: { getItem(k: string): string } }).sessionStorage.getItem(
        'presence-sync.dev-token',
      ),
    );
    const res = await fetch(`${w.app.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    await ensureTabBuilt();
    w = await startBrowserWorld();
    browser = await launchBrowser();
    page = await browser.newPage();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await w?.stop();
  });

  it('when the admin signs in and fills in the connection then it is created and the test passes every check', async () => {
    const admin = w.seed.users.find((u) => u.userPrincipalName.startsWith('it.admin'))!;
    await devSignIn(page, w.app.url, { upn: admin.userPrincipalName, name: admin.displayName, tenantId: w.seed.tenantId });
    await screenshot(page, 'start-empty-light');
    await goTo(page, 'Connection');
    await page.getByLabel('Connection name').fill('Contoso contact center');
    await page.getByLabel('Application (client) ID').fill(DEFAULT_APP.clientId);
    await page.getByLabel(/^Client secret\s*\*?$/).fill(DEFAULT_APP.clientSecret);
    await page.getByLabel('CXone API base URL').fill(w.cxone.baseUrl);
    await page.getByLabel('CXone auth URL').fill(w.cxone.authUrl);
    await page.getByLabel('Access key ID').fill(w.cxone.accessKey.id);
    await page.getByLabel('Access key secret').fill(w.cxone.accessKey.secret);
    await page.getByRole('button', { name: 'Create connection' }).click();
    await toast('Connection created');
    const list = await api<{ items: { id: string; azure: { clientSecret: { set: boolean } } }[] }>('/api/connections');
    expect(list.items).toHaveLength(1);
    expect(list.items[0]!.azure.clientSecret.set).toBe(true);
    connectionId = list.items[0]!.id;
    // Secrets are write-only: the page never shows them again.
    expect(await page.getByLabel(/^Client secret\s*\*?$/).inputValue()).toBe('');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Everything works.').waitFor({ timeout: 30_000 });
    const checks = page.getByRole('list', { name: 'Connection checks' }).getByRole('listitem');
    expect(await checks.count()).toBeGreaterThan(3);
    expect(await page.getByRole('list', { name: 'Connection checks' }).getByText('Failed').count()).toBe(0);
    await shots('connection');
  });

  it('when directories are synced then a progress bar runs to the end and agents are listed', async () => {
    await goTo(page, 'Users');
    await page.getByRole('button', { name: 'Sync directories' }).click();
    await toast('Directories synced');
    await page.getByRole('table', { name: 'Agents' }).waitFor();
    expect(await page.getByText(`of ${w.seed.agents.length}`).count()).toBeGreaterThan(0);
  });

  it('when auto-map runs then proposals are grouped by confidence and confirming them maps the agents', async () => {
    await page.getByRole('button', { name: 'Auto-map unmapped agents' }).click();
    const review = page.getByRole('region', { name: 'Auto-map review' });
    await review.waitFor();
    expect(await review.getByText(/^Exact match: \d+$/).count()).toBe(1);
    await shots('users-review');
    await review.getByRole('button', { name: /^Confirm \d+ mappings?$/ }).click();
    await toast(/Confirmed \d+ mappings?/);
    const mapped = await api<{ total: number }>(`/api/connections/${connectionId}/mappings?status=mapped&limit=1`);
    expect(mapped.total).toBeGreaterThan(w.seed.agents.length / 2);
  });

  it('when an unmapped agent is mapped by hand from the possible matches then the mapping is saved', async () => {
    const unmapped = await api<{ items: { agentId: string }[] }>(
      `/api/connections/${connectionId}/mappings?status=unmapped&limit=500`,
    );
    const target = w.seed.agents.find((a) => a.teamsUserId && unmapped.items.some((u) => u.agentId === a.agentId))!;
    expect(target, 'an unmapped agent that has a Teams account').toBeTruthy();
    const user = w.seed.users.find((u) => u.id === target.teamsUserId)!;
    await page.getByRole('searchbox').first().fill(target.agentId);
    await page.getByText('1–1 of 1').waitFor();
    const row = page.getByRole('row', { name: new RegExp(`Agent ${target.firstName} ${target.lastName}`) });
    await row.getByRole('button', { name: /^Map / }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByLabel('Search Teams users').fill(user.userPrincipalName.split('@')[0]!);
    await dialog.getByRole('radio', { name: new RegExp(user.userPrincipalName.replace(/[.]/g, '\\.')) }).check();
    expect(await dialog.getByRole('radio', { name: new RegExp(user.userPrincipalName.replace(/[.]/g, '\\.')) }).isChecked()).toBe(
      true,
    );
    await shots('users-remap');
    await dialog.getByRole('button', { name: 'Save mapping' }).click();
    await toast('Mapping saved');
    const after = await api<{ items: { agentId: string; mapping: { userId: string } | null }[] }>(
      `/api/connections/${connectionId}/mappings?q=${target.agentId}`,
    );
    expect(after.items.find((m) => m.agentId === target.agentId)?.mapping?.userId).toBe(user.id);
    // Exclude the same agent from sync, then include it again.
    const name = `${target.firstName} ${target.lastName}`;
    const mappedRow = page.getByRole('row', { name: new RegExp(`Agent ${name}`) });
    await mappedRow.getByRole('button', { name: `Exclude ${name}` }).click();
    await toast('Excluded 1 agent');
    await mappedRow.getByText('Excluded', { exact: true }).waitFor();
    await mappedRow.getByRole('button', { name: `Include ${name}` }).click();
    await toast('Included 1 agent');
    await mappedRow.getByText('Mapped by hand').waitFor();
    await page.getByRole('searchbox').first().fill('');
    await shots('users');
  });

  it('when a two-row rule is created and assigned to a team then the agent on a call shows Busy in Teams', async () => {
    await goTo(page, 'Rules');
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Rule name').fill('Contact center');
    // Row 1 is "Inbound contact → Busy, In a call" by default; row 2: Available → Available.
    await page.getByRole('button', { name: 'Add row' }).click();
    const row2 = page.getByRole('group', { name: 'Row 2' });
    await row2.getByLabel('CXone state').selectOption('available');
    await row2.getByLabel('Shows in Teams as').selectOption('Available/Available');
    await row2.getByText(/cannot show over an active Teams client/).waitFor();
    await shots('rules-editor');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await toast('Rule created');
    await page.getByRole('tab', { name: 'Assignments', selected: true }).waitFor();
    const team = w.seed.teams[0]!.teamId;
    const teams = page.getByRole('region', { name: 'Teams: Available' });
    await teams.getByRole('checkbox', { name: new RegExp(`Team ${team} `) }).check();
    await page.getByRole('button', { name: 'Assign selected teams' }).click();
    await toast('Assigned “Contact center”');
    await page.getByRole('region', { name: 'Teams: Assigned to this rule' }).getByText(`Team ${team}`).waitFor();
    await shots('rules-assign');

    const mappedItems = await api<{
      items: { agentId: string; agent: { teamId: string }; mapping: { userId: string } | null }[];
    }>(`/api/connections/${connectionId}/mappings?status=mapped&teamId=${team}&limit=50`);
    const agent = mappedItems.items[0]!;
    w.cxone.control.login(agent.agentId);
    w.cxone.control.startContact(agent.agentId, 'inbound');
    const deadline = Date.now() + 45_000;
    let presence = w.graph.control.getPresence(agent.mapping!.userId).aggregated;
    while (!(presence.availability === 'Busy' && presence.activity === 'InACall') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      presence = w.graph.control.getPresence(agent.mapping!.userId).aggregated;
    }
    expect(presence).toMatchObject({ availability: 'Busy', activity: 'InACall' });

    await page.getByRole('tab', { name: 'Preview' }).click();
    await page.getByLabel('Agent', { exact: true }).selectOption(agent.agentId);
    await page.getByRole('table', { name: 'CXone to Teams outcomes' }).waitFor();
    await shots('rules-preview');

    await goTo(page, 'Activity');
    const feed = page.getByRole('table', { name: 'Decisions' });
    await feed.getByRole('button', { name: agent.agentId }).first().waitFor({ timeout: 20_000 });
    await feed.getByText('Applied the rule').first().waitFor();
    await page.waitForTimeout(500);
    await shots('activity');
    await feed.getByRole('button', { name: agent.agentId }).first().click();
    const drawer = page.getByRole('dialog');
    await drawer.getByRole('region', { name: 'Teams side' }).getByText('Busy — In a call').waitFor({ timeout: 15_000 });
    await shots('activity-agent');
    await drawer.getByRole('button', { name: 'Close' }).click();
  });

  it('when a second rule takes a name already used then the server refuses it and the editor shows why, beside the name', async () => {
    await goTo(page, 'Rules');
    await page.getByRole('button', { name: 'New rule' }).click();
    await page.getByLabel('Rule name').fill('Contact center');
    await page.getByRole('button', { name: 'Create rule' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'Could not save the rule' })
      .getByText(/a rule named "Contact center" already exists/)
      .waitFor();
    await page.getByText('Name already exists').waitFor();
    const rules = await api<{ items: unknown[] }>(`/api/connections/${connectionId}/rules`);
    expect(rules.items).toHaveLength(1);
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  it('when the client secret is replaced by a wrong one then the test names the failing check and how to fix it', async () => {
    await goTo(page, 'Connection');
    await page.getByLabel(/^Client secret\s*\*?$/).fill('not-the-secret');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await toast('Connection saved');
    await page.getByRole('button', { name: 'Test connection' }).click();
    const checks = page.getByRole('list', { name: 'Connection checks' });
    await checks.waitFor({ timeout: 30_000 });
    const failed = checks.getByRole('listitem').filter({ hasText: 'Failed' }).first();
    await failed.getByText(/^Fix: /).waitFor();
    expect(await failed.textContent()).toMatch(/client secret/i);
    await expectAxeClean(page);
    await screenshot(page, 'connection-failed-light');
    // Put the right secret back so the engine keeps working for the remaining tests.
    await page.getByLabel(/^Client secret\s*\*?$/).fill(DEFAULT_APP.clientSecret);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await toast('Connection saved');
  });

  it('when the other pages are opened after setup then they render their data accessibly', async () => {
    await goTo(page, 'Get started');
    const steps = page.getByRole('list', { name: 'Setup steps' });
    await steps.getByText(/^\d+ of \d+ CXone agents are mapped/).waitFor();
    expect(await steps.getByText('Done', { exact: true }).count()).toBe(5);
    await shots('start');
    await goTo(page, 'Presence watching');
    await page.getByRole('heading', { name: 'Presence reader' }).waitFor();
    await shots('watching');
  });
});
