import { createHash } from 'node:crypto';
import type { SeedTeamsUser } from '../shared/seed.ts';

/**
 * The emulated Entra directory: users (with emulator-only sign-in passwords) and app registrations
 * (client id, secret, granted application permissions). Lookups are O(1) by id and by UPN.
 */
export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  accountEnabled: boolean;
  /** Emulator-only: the password for delegated sign-in flows; absent = cannot sign in. */
  password?: string;
}

export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  /** Granted application permissions (app roles), e.g. Presence.Read.All. */
  roles: string[];
  tenantId: string;
}

export interface NewUser {
  id?: string;
  userPrincipalName: string;
  mail?: string | null;
  displayName: string;
  givenName?: string | null;
  surname?: string | null;
  accountEnabled?: boolean;
  password?: string;
}

export class Directory {
  private readonly byId = new Map<string, DirectoryUser>();
  private readonly byUpn = new Map<string, DirectoryUser>();
  /** Insertion order, for stable paging. */
  readonly ordered: DirectoryUser[] = [];
  private readonly apps = new Map<string, AppRegistration>();

  constructor(readonly tenantId: string) {}

  addUser(u: NewUser): DirectoryUser {
    const upn = u.userPrincipalName.toLowerCase();
    if (this.byUpn.has(upn)) throw new Error(`a user with userPrincipalName ${u.userPrincipalName} already exists`);
    const id = u.id ?? guidFrom(`user:${upn}`);
    if (this.byId.has(id)) throw new Error(`a user with id ${id} already exists`);
    const [first, ...rest] = u.displayName.split(' ');
    const user: DirectoryUser = {
      id,
      userPrincipalName: u.userPrincipalName,
      mail: u.mail === undefined ? null : u.mail,
      displayName: u.displayName,
      givenName: u.givenName ?? first ?? null,
      surname: u.surname ?? (rest.length ? rest.join(' ') : null),
      accountEnabled: u.accountEnabled ?? true,
      ...(u.password ? { password: u.password } : {}),
    };
    this.byId.set(id, user);
    this.byUpn.set(upn, user);
    this.ordered.push(user);
    return user;
  }

  addSeedUser(u: SeedTeamsUser): DirectoryUser {
    return this.addUser({
      id: u.id,
      userPrincipalName: u.userPrincipalName,
      mail: u.mail,
      displayName: u.displayName,
      ...(u.password ? { password: u.password } : {}),
    });
  }

  /** By object id or by UPN (Graph accepts either in /users/{id|userPrincipalName}). */
  find(idOrUpn: string): DirectoryUser | undefined {
    return this.byId.get(idOrUpn) ?? this.byUpn.get(idOrUpn.toLowerCase());
  }

  get users(): readonly DirectoryUser[] {
    return this.ordered;
  }

  setAccountEnabled(idOrUpn: string, enabled: boolean): DirectoryUser {
    const u = this.find(idOrUpn);
    if (!u) throw new Error(`no such user ${idOrUpn}`);
    u.accountEnabled = enabled;
    return u;
  }

  registerApp(app: { clientId: string; clientSecret: string; roles: string[]; tenantId?: string }): AppRegistration {
    const reg: AppRegistration = {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      roles: [...app.roles],
      tenantId: app.tenantId ?? this.tenantId,
    };
    this.apps.set(app.clientId, reg);
    return reg;
  }

  app(clientId: string): AppRegistration | undefined {
    return this.apps.get(clientId);
  }

  setRoles(clientId: string, roles: string[]): void {
    const app = this.apps.get(clientId);
    if (!app) throw new Error(`no app registration ${clientId}`);
    app.roles = [...roles];
  }
}

/** A stable GUID from a string (service principal object ids, created users). */
export function guidFrom(s: string): string {
  const h = createHash('sha256').update(s).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The user resource as Graph returns it by default (users-list: the default property set). */
export function userJson(u: DirectoryUser): Record<string, unknown> {
  return {
    businessPhones: [],
    displayName: u.displayName,
    givenName: u.givenName,
    jobTitle: null,
    mail: u.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    id: u.id,
  };
}

/** Properties that exist on a user but are only returned when `$select`ed. */
export function userProperty(u: DirectoryUser, name: string): unknown {
  switch (name) {
    case 'accountEnabled':
      return u.accountEnabled;
    case 'mailNickname':
      return u.userPrincipalName.split('@')[0];
    default:
      return userJson(u)[name];
  }
}

export const SELECTABLE_USER_PROPERTIES = new Set([
  'id',
  'displayName',
  'givenName',
  'surname',
  'mail',
  'userPrincipalName',
  'jobTitle',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'businessPhones',
  'accountEnabled',
  'mailNickname',
]);
