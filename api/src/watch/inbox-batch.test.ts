import { describe, expect, it } from 'vitest';
import { packInboxBatch, storedNotification, unpackInboxPayload } from './inbox-batch.ts';

/** A bulk subscription's resource: 650 quoted user ids. */
const bulk = `/communications/presences?$filter=id in (${Array.from(
  { length: 650 },
  (_, i) => `'00000000-0000-4000-8000-${String(i).padStart(12, '0')}'`,
).join(',')})`;
const note = (userId: string, extra: Record<string, unknown> = {}) => ({
  subscriptionId: 'sub-1',
  subscriptionExpirationDateTime: '2026-11-26T13:00:00Z',
  changeType: 'updated',
  resource: bulk,
  tenantId: 't',
  resourceData: { '@odata.type': '#Microsoft.Graph.presence', id: userId },
  encryptedContent: { data: `d-${userId}`, dataKey: 'k', dataSignature: 's', encryptionCertificateId: 'c' },
  ...extra,
});

describe('inbox rows for webhook deliveries', () => {
  it('when a notification is stored then its clientState and a bulk subscription filter are left out, nothing else', () => {
    const n = { ...note('u1'), clientState: 'secret' };
    const stored = storedNotification(n);
    expect(stored).not.toHaveProperty('clientState');
    expect(stored).not.toHaveProperty('resource');
    expect(stored).toMatchObject({ subscriptionId: 'sub-1', resourceData: { id: 'u1' }, encryptedContent: { data: 'd-u1' } });
    // A single-user resource names the user: kept.
    expect(storedNotification({ ...n, resource: "communications/presences('u1')" })).toHaveProperty(
      'resource',
      "communications/presences('u1')",
    );
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(n).length / 20);
  });

  it('when a POST holds many notifications of one subscription then shared fields are stored once and come back whole', () => {
    const list = [note('u1'), note('u2'), note('u3')];
    const packed = packInboxBatch(list, ['tok']);
    expect(packed.common).toMatchObject({ subscriptionId: 'sub-1', resource: bulk, changeType: 'updated', tenantId: 't' });
    expect(packed.value.every((n) => !('resource' in n) && !('subscriptionId' in n))).toBe(true);
    // The tokens of the envelope: once per row, not once per notification.
    expect(JSON.stringify(packed).split('"tok"').length - 1).toBe(1);
    expect(JSON.stringify(packed).split(bulk).length - 1).toBe(1);
    const back = unpackInboxPayload(JSON.parse(JSON.stringify(packed)));
    expect(back).toEqual({ notifications: list, validationTokens: ['tok'] });
  });

  it('when fields differ between notifications then each keeps its own value', () => {
    const list = [note('u1', { changeType: 'updated' }), note('u2', { changeType: 'deleted', extra: 1 })];
    const packed = packInboxBatch(list);
    expect(packed.common).not.toHaveProperty('changeType');
    expect(packed.validationTokens).toBeUndefined();
    expect(unpackInboxPayload(packed).notifications).toEqual(list);
  });

  it('when a POST holds one notification then it is stored as it came', () => {
    const packed = packInboxBatch([note('u1')], []);
    expect(packed).toEqual({ v: 2, value: [note('u1')] });
    expect(unpackInboxPayload(packed)).toEqual({ notifications: [note('u1')], validationTokens: [] });
  });

  it('when a row was written before batching (one notification, tokens inside) then it still reads', () => {
    const legacy = { ...note('u9'), validationTokens: ['a', 'b', 7] };
    expect(unpackInboxPayload(legacy)).toEqual({ notifications: [note('u9')], validationTokens: ['a', 'b'] });
  });

  it('when the payload is not an object then there is nothing in it', () => {
    for (const bad of [null, 'x', 3, []]) expect(unpackInboxPayload(bad)).toEqual({ notifications: [], validationTokens: [] });
    expect(unpackInboxPayload({ v: 2, value: [1, null, note('u1')] }).notifications).toEqual([note('u1')]);
  });
});
