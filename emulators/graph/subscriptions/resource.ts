import { SUBSCRIPTION_MAX_IDS } from '../defaults.ts';

/**
 * Parses a presence subscription resource (changenotifications-for-presence):
 * `/communications/presences/{id}` or `/communications/presences?$filter=id in ('id1','id2')`
 * (ids quoted, at most 650). Pure; returns the user ids or an error message.
 */
export function parsePresenceResource(raw: string): { ids: string[] } | { error: string } {
  let s = raw.trim();
  try {
    // Clients sometimes send it URL-encoded (%27, +): compare on the decoded form.
    s = decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return { error: 'The resource is not a valid URL path.' };
  }
  s = s.replace(/^\/+/, '');
  const single = /^communications\/presences\/([^/?\s]+)$/i.exec(s);
  if (single) return { ids: [single[1]!.replace(/^\('?|'?\)$/g, '')] };
  const many = /^communications\/presences\?\$filter=\s*id\s+in\s*\((.*)\)\s*$/i.exec(s);
  if (!many) {
    if (/^(users\/[^/]+\/presence|communications\/presences)/i.test(s))
      return {
        error:
          "Unsupported presence resource. Use '/communications/presences/{id}' or \"/communications/presences?$filter=id in ('{id}','{id}')\".",
      };
    return { error: `The resource '${raw}' is not supported by this emulator (presence only).` };
  }
  const parts = many[1]!.split(',').map((p) => p.trim());
  const ids: string[] = [];
  for (const p of parts) {
    const m = /^'([^']+)'$/.exec(p);
    if (!m) return { error: `Invalid id list in the resource filter: ids must be quoted ('id'); got ${p || 'an empty item'}.` };
    ids.push(m[1]!);
  }
  const unique = [...new Set(ids)];
  if (unique.length === 0) return { error: 'The resource filter lists no ids.' };
  if (unique.length > SUBSCRIPTION_MAX_IDS)
    return {
      error: `Too many ids in the resource: at most ${SUBSCRIPTION_MAX_IDS} users per presence subscription (got ${unique.length}).`,
    };
  return { ids: unique };
}
