/**
 * The inbox row format for Graph webhook deliveries. Pure.
 *
 * One row per POST, connection and kind (not one per notification): Graph sends up to 100
 * notifications per POST, each repeating its subscription's fields, and the envelope's validation
 * tokens apply to all of them. Storing them once per row keeps the acknowledgement's one INSERT small.
 *
 *   { v: 2, common: {fields every notification has with the same value}, value: [the rest of each], validationTokens? }
 *
 * Rows written before this format held one notification each (`validationTokens` inside it);
 * `unpackInboxPayload` reads both.
 */
export interface InboxBatchPayload {
  v: 2;
  /** Fields every notification of the row carries with the same primitive value, stored once. */
  common?: Record<string, unknown>;
  value: Record<string, unknown>[];
  validationTokens?: string[];
}

export interface UnpackedInbox {
  notifications: Record<string, unknown>[];
  validationTokens: string[];
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * What of one accepted notification is stored: all of it except
 * - `clientState` (a secret; checked already),
 * - a `resource` that is a collection query (`…/presences?$filter=id in (…)`): a bulk subscription's
 *   own filter, up to 650 quoted ids (~25 KB), naming the subscription's users, not the one that
 *   changed — the changed user is in `resourceData.id` and the encrypted data, and the subscription
 *   row keeps the list. Stored, it was ~95% of every inbox row.
 */
export function storedNotification(notification: Record<string, unknown>): Record<string, unknown> {
  const { clientState: _secret, ...rest } = notification;
  if (typeof rest.resource === 'string' && rest.resource.includes('$filter=')) delete rest.resource;
  return rest;
}
const isPrimitive = (x: unknown) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';

/** Builds one row's payload from notifications as `storedNotification` returns them. */
export function packInboxBatch(
  notifications: readonly Record<string, unknown>[],
  validationTokens?: readonly string[],
): InboxBatchPayload {
  const tokens = validationTokens?.length ? { validationTokens: [...validationTokens] } : {};
  const [first, ...rest] = notifications;
  if (!first || rest.length === 0) return { v: 2, value: [...notifications], ...tokens };
  const common: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(first))
    if (isPrimitive(v) && rest.every((n) => Object.hasOwn(n, k) && n[k] === v)) common[k] = v;
  const keys = Object.keys(common);
  if (keys.length === 0) return { v: 2, value: [...notifications], ...tokens };
  const value = notifications.map((n) => {
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n)) if (!Object.hasOwn(common, k)) own[k] = v;
    return own;
  });
  return { v: 2, common, value, ...tokens };
}

/** The notifications of a row (either format), each whole again, and the tokens that came with them. */
export function unpackInboxPayload(payload: unknown): UnpackedInbox {
  if (!isRecord(payload)) return { notifications: [], validationTokens: [] };
  const tokens = Array.isArray(payload.validationTokens)
    ? payload.validationTokens.filter((t): t is string => typeof t === 'string')
    : [];
  if (payload.v === 2 && Array.isArray(payload.value)) {
    const common = isRecord(payload.common) ? payload.common : {};
    const notifications = payload.value.filter(isRecord).map((n) => ({ ...common, ...n }));
    return { notifications, validationTokens: tokens };
  }
  // A row from before: one notification, its envelope's tokens copied into it.
  const { validationTokens: _tokens, ...notification } = payload;
  return { notifications: [notification], validationTokens: tokens };
}
