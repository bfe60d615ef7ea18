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

describe('production start', () => {
  const prod = {
    NODE_ENV: 'production',
    ENCRYPTION_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
    PUBLIC_BASE_URL: 'https://presence.contoso.com',
    AAD_APP_CLIENT_ID: '8d2e4f60-1a3b-4c5d-9e7f-0a1b2c3d4e5f',
    BOT_ID: '5a1c3e7f-9b2d-4f60-8e14-7c9a0b2d4e68',
    BOT_PASSWORD: 'bot-secret',
  };

  it('when everything a production start needs is set then it is accepted', () => {
    expect(problems(prod)).toEqual([]);
  });

  it("when the local emulators' addresses are configured then the start is refused, naming each", () => {
    const p = problems({
      ...prod,
      GRAPH_BASE_URL: 'https://127.0.0.1:3979/v1.0',
      AUTHORITY_HOST: 'http://login.contoso.test',
      CXONE_BASE_URL: 'https://localhost:3980',
    });
    expect(p).toEqual([
      'GRAPH_BASE_URL: must not point at this machine (127.0.0.1:3979) when NODE_ENV=production',
      'AUTHORITY_HOST: must be https when NODE_ENV=production',
      'CXONE_BASE_URL: must not point at this machine (localhost:3980) when NODE_ENV=production',
    ]);
  });

  it('when dev sign-in or disabled bot auth are asked for then the start is refused', () => {
    expect(problems({ ...prod, DEV_SIGN_IN: 'true', BOT_AUTH_DISABLED: 'true' })).toEqual([
      'DEV_SIGN_IN: must not be enabled when NODE_ENV=production',
      'BOT_AUTH_DISABLED: must not be set when NODE_ENV=production',
    ]);
  });
});
