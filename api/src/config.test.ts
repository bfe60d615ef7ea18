import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('configuration', () => {
  it('when nothing is set then local defaults apply', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3978);
    expect(c.DATA_DIR).toBe('.data');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.GRAPH_BASE_URL).toBe('https://graph.microsoft.com/v1.0');
  });

  it('when PORT is malformed then one line names it and the value', () => {
    expect(problems({ PORT: 'abc' })).toEqual(['PORT: must be a whole number (got "abc")']);
    expect(problems({ PORT: '70000' })[0]).toMatch(/^PORT: must be between 0 and 65535/);
  });

  it('when DATABASE_URL is not a postgres URL then it is named', () => {
    expect(problems({ DATABASE_URL: 'mysql://x' })[0]).toMatch(/^DATABASE_URL: must be a postgres/);
  });

  it('when several values are bad then each gets its own line and secrets are not echoed', () => {
    const p = problems({ PORT: '-1', ENCRYPTION_KEY: 'short', GRAPH_BASE_URL: 'nope' });
    expect(p).toHaveLength(3);
    expect(p.join('\n')).not.toContain('short');
  });

  it('when production lacks secrets or enables dev sign-in then start is refused', () => {
    const p = problems({ NODE_ENV: 'production', DEV_SIGN_IN: 'true' });
    expect(p).toContain('DEV_SIGN_IN: must not be enabled when NODE_ENV=production');
    expect(p.some((l) => l.startsWith('ENCRYPTION_KEY:'))).toBe(true);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).PORT).toBe(3978);
  });
});
