import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanText, parseIntent } from '../../bot/src/intents.ts';
import { cxoneLabel, makeTimeFormatter, presenceLabel } from '../../bot/src/labels.ts';
import { tabLink } from '../../bot/src/links.ts';

describe('parseIntent', () => {
  it.each([
    ['status', 'status'],
    ['Status?', 'status'],
    ["what's my status", 'status'],
    ['why', 'why'],
    ["Why didn't my status change?", 'why'],
    ['why am I busy', 'why'],
    ['my status is not changing', 'why'],
    ['how come I show away', 'why'],
    ['help', 'help'],
    ['hi', 'help'],
    ['subscriptions', 'subscriptions'],
    ['health', 'health'],
    ['renew now', 'renew'],
    ['how do I reset my status', 'reset_help'],
    ['<at>Presence Sync</at> status', 'status'],
  ])('when the user writes %j then the intent is %s', (text, intent) => {
    expect(parseIntent(text)).toEqual({ intent, understood: true });
  });

  it('when the text is unknown, empty or missing then it is help, not understood', () => {
    for (const t of ['asdf', '', '   ', null, undefined, '<at>Bot</at>'])
      expect(parseIntent(t)).toEqual({ intent: 'help', understood: false });
  });

  it('when any string arrives then parsing never throws and cleaned text stays short', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (s) => {
        expect(() => parseIntent(s)).not.toThrow();
        expect(cleanText(s).length).toBeLessThanOrEqual(500);
      }),
    );
  });
});

describe('labels and links', () => {
  it('when presence pairs are shown then they read as people say them', () => {
    expect(presenceLabel({ availability: 'Busy', activity: 'InACall' })).toBe('Busy (In a call)');
    expect(presenceLabel({ availability: 'DoNotDisturb', activity: 'DoNotDisturb' })).toBe('Do not disturb');
    expect(presenceLabel({ availability: 'SomethingNew', activity: 'VeryNew' })).toBe('Something new (Very new)');
    expect(cxoneLabel('Unavailable', 'Lunch')).toBe('Lunch');
    expect(cxoneLabel('InboundContact')).toBe('On an inbound contact');
  });
  it("when times are shown then they use the reader's zone, UTC when unknown, with the day when not today", () => {
    const now = Date.parse('2026-07-01T12:00:00Z');
    expect(makeTimeFormatter(now, 'Europe/Paris')(Date.parse('2026-07-01T08:02:00Z'))).toBe('10:02');
    expect(makeTimeFormatter(now, 'Not/AZone')(Date.parse('2026-07-01T08:02:00Z'))).toBe('08:02 UTC');
    expect(makeTimeFormatter(now, null)(Date.parse('2026-06-30T08:02:00Z'))).toBe('30 Jun, 08:02 UTC');
  });
  it('when the Teams app id is known then the tab link is a Teams deep link to the page, else the web address', () => {
    expect(tabLink({ baseUrl: 'https://ps.example.com/' }, 'watching')).toBe('https://ps.example.com/tab/watching');
    const deep = tabLink({ baseUrl: 'https://ps.example.com', teamsAppId: 'app-1' }, 'watching');
    expect(deep.startsWith('https://teams.microsoft.com/l/entity/app-1/presence-sync-admin?webUrl=')).toBe(true);
    expect(decodeURIComponent(deep)).toContain('"subEntityId":"watching"');
  });
});
