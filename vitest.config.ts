import { defineConfig } from 'vitest/config';

// One run covers every suite: node-side unit/integration/browser/bot tests, and the tab's
// component tests in jsdom. Browser tests drive Debian's Chromium through playwright-core.
export default defineConfig({
  test: {
    globalSetup: ['tests/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'api/**/*.test.ts',
            'bot/**/*.test.ts',
            'emulators/**/*.test.ts',
            'tests/**/*.test.ts',
            'scripts/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: { name: 'tab', environment: 'jsdom', include: ['tabs/**/*.test.tsx', 'tabs/**/*.test.ts'] },
      },
    ],
  },
});
