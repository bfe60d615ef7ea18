/** Who is calling: taken from a validated Teams SSO token (or a local dev sign-in token). */
export interface Principal {
  /** Entra tenant id (`tid`). */
  tenantId: string;
  /** Entra object id (`oid`). */
  userId: string;
  name: string | null;
  upn: string | null;
  /** Delegated scopes (`scp`), split on spaces. */
  scopes: string[];
  /** `sso` = Microsoft identity token; `dev` = local dev sign-in. */
  via: 'sso' | 'dev';
}

/** How a principal is named in the audit log: readable and unique. */
export function actorLabel(p: Principal): string {
  return `${p.upn ?? p.name ?? 'unknown'} (${p.userId})`;
}
