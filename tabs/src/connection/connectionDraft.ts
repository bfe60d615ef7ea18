import { connectionCreateSchema, connectionPatchSchema } from '../../../api/src/connections/schemas.ts';
import type { Connection, ConnectionCreate, ConnectionPatch } from '../api/types.ts';

/**
 * The connection form's model. Secrets are write-only: an empty secret field means "keep the stored
 * one" on an existing connection and "missing" on a new one. Validation is the server's own zod schema.
 */
export interface ConnectionDraft {
  name: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** yyyy-mm-dd from a date input, or '' */
  clientSecretExpiresOn: string;
  cxoneBaseUrl: string;
  cxoneAuthUrl: string;
  accessKeyId: string;
  accessKeySecret: string;
  businessUnitId: string;
}

export function draftFrom(c: Connection | undefined, tenantId: string): ConnectionDraft {
  return {
    name: c?.name ?? '',
    tenantId: c?.tenantId ?? tenantId,
    clientId: c?.azure.clientId ?? '',
    clientSecret: '',
    clientSecretExpiresOn: c?.azure.clientSecret.expiresAt?.slice(0, 10) ?? '',
    cxoneBaseUrl: c?.cxone.baseUrl ?? '',
    cxoneAuthUrl: c?.cxone.authUrl ?? '',
    accessKeyId: c?.cxone.accessKeyId ?? '',
    accessKeySecret: '',
    businessUnitId: c?.cxone.businessUnitId ?? '',
  };
}

const expires = (d: string) => (d ? `${d}T00:00:00Z` : null);
const opt = (s: string) => (s.trim() ? s.trim() : null);

export function toCreate(d: ConnectionDraft): ConnectionCreate {
  return {
    name: d.name,
    azure: {
      tenantId: d.tenantId.trim(),
      clientId: d.clientId.trim(),
      clientSecret: d.clientSecret,
      clientSecretExpiresAt: expires(d.clientSecretExpiresOn),
    },
    cxone: {
      baseUrl: d.cxoneBaseUrl.trim(),
      authUrl: opt(d.cxoneAuthUrl),
      accessKeyId: d.accessKeyId,
      accessKeySecret: d.accessKeySecret,
      businessUnitId: opt(d.businessUnitId),
    },
  };
}

export function toPatch(d: ConnectionDraft): ConnectionPatch {
  return {
    name: d.name,
    azure: {
      clientId: d.clientId.trim(),
      ...(d.clientSecret ? { clientSecret: d.clientSecret } : {}),
      clientSecretExpiresAt: expires(d.clientSecretExpiresOn),
    },
    cxone: {
      baseUrl: d.cxoneBaseUrl.trim(),
      authUrl: opt(d.cxoneAuthUrl),
      accessKeyId: d.accessKeyId,
      ...(d.accessKeySecret ? { accessKeySecret: d.accessKeySecret } : {}),
      businessUnitId: opt(d.businessUnitId),
    },
  };
}

/** Field path (as the server names it, e.g. azure.clientId) → problem. */
export function connectionProblems(d: ConnectionDraft, isNew: boolean): Map<string, string> {
  const r = isNew ? connectionCreateSchema.safeParse(toCreate(d)) : connectionPatchSchema.safeParse(toPatch(d));
  const out = new Map<string, string>();
  if (!r.success) for (const i of r.error.issues) out.set(i.path.join('.'), i.message);
  return out;
}

export function adminConsentUrl(authorityHost: string, tenantId: string, clientId: string): string | null {
  if (!tenantId.trim() || !clientId.trim()) return null;
  const q = new URLSearchParams({ client_id: clientId.trim(), scope: 'https://graph.microsoft.com/.default' });
  return `${authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenantId.trim())}/v2.0/adminconsent?${q}`;
}

/** The Graph permissions the Azure app needs, and why (mirrors the server's test-connection checks). */
export const APPLICATION_PERMISSIONS: { permission: string; why: string; when?: string }[] = [
  { permission: 'User.Read.All', why: 'Lists your Teams (Entra) users so they can be mapped to CXone agents.' },
  {
    permission: 'Presence.Read.All',
    why: "Reads agents' Teams presence in batches to sync Teams → CXone (app-only, no extra accounts).",
  },
  { permission: 'Presence.ReadWrite.All', why: "Sets and clears the app's own Teams presence session to sync CXone → Teams." },
  {
    permission: 'User.ReadWrite.All',
    why: 'Creates CXone_xxxxx system-user accounts that own presence subscriptions.',
    when: 'Only for the warned-about system-user mode; leave it out otherwise.',
  },
];

export const DELEGATED_PERMISSIONS: { permission: string; why: string }[] = [
  {
    permission: 'Presence.Read.All (delegated)',
    why: 'Lets a signed-in subscription owner hold presence change subscriptions (Graph allows none app-only). Only when you use subscriptions.',
  },
  {
    permission: 'offline_access',
    why: 'Keeps subscription owners signed in (refresh tokens, stored encrypted) so MFA stays on.',
  },
];
