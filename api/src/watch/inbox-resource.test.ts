import { describe, expect, it } from 'vitest';
import { userIdFromResource } from './inbox.ts';

describe('userIdFromResource', () => {
  it('reads the user from every resource shape Graph uses for one presence', () => {
    expect(userIdFromResource("communications/presences('u-1')")).toBe('u-1');
    expect(userIdFromResource('/communications/presences/u-2')).toBe('u-2');
    expect(userIdFromResource('communications/presences?$filter=id+in+(%27u-3%27)')).toBe('u-3');
    expect(userIdFromResource("communications/presences?$filter=id in ('u-4')")).toBe('u-4');
  });

  it('names nobody for a list of users, a malformed encoding or something else', () => {
    expect(userIdFromResource("communications/presences?$filter=id in ('a','b')")).toBeNull();
    expect(userIdFromResource('communications/presences?$filter=id+in+(%27a%27,%27b%27)')).toBeNull();
    expect(userIdFromResource('communications/presences?$filter=%E0%A4%A')).toBeNull();
    expect(userIdFromResource('users/u-5/messages')).toBeNull();
    expect(userIdFromResource(42)).toBeNull();
  });
});
