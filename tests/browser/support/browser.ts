import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/** Debian's headless Chromium through playwright-core (facts/stack.md). */
export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCREENSHOT_DIR = path.join(ROOT, 'artifacts/screenshots');

export interface Browser {
  context: BrowserContext;
  newPage(opts?: { colorScheme?: 'light' | 'dark' }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ps-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    // The Graph emulator's sign-in pages are HTTPS with a locally generated CA the browser does not know.
    ignoreHTTPSErrors: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async newPage(opts = {}) {
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: opts.colorScheme ?? 'light', reducedMotion: 'reduce' });
      page.setDefaultTimeout(15_000);
      return page;
    },
    async close() {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** Runs axe-core (WCAG 2.x A/AA) in the page and returns the violations, readable in a failed assertion. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async (tags: string[]) => {
    // Runs in the page: the root tsconfig has no DOM lib, so reach the globals through globalThis.
    const g = globalThis as unknown as {
      document: unknown;
      axe: {
        run(
          ctx: unknown,
          opts: object,
        ): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }>;
      };
    };
    // Fluent's focus manager (tabster) adds aria-hidden focus sentinels (<i data-tabster-dummy>) that only
    // bounce focus back into a trap; they are never announced or reachable as content, so they are excluded.
    const r = await g.axe.run({ exclude: [['[data-tabster-dummy]']] }, { runOnly: { type: 'tag', values: tags } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  }, AXE_TAGS);
  return violations;
}

/** Writes artifacts/screenshots/<name>.png (full page). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  // Let transitions and toasts settle so screenshots are stable.
  await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
  await page.bringToFront();
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
