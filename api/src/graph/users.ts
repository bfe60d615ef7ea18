import { ExternalError } from '../domain/reasons.ts';
import type { GraphTransport } from './transport.ts';

/**
 * Directory reads for mapping, and account creation for the optional system-user mode.
 * Shapes (learn.microsoft.com): user-list (`GET /users?$select=…&$top=…&$filter=…`, paged by
 * `@odata.nextLink`, `$top` 1–999), user-get (`GET /users/{id | userPrincipalName}`), user-post-users
 * (`POST /users {accountEnabled, displayName, mailNickname, userPrincipalName, passwordProfile}`).
 */
export const USER_READ = 'User.Read.All';
export const USER_WRITE = 'User.ReadWrite.All';
const SELECT = 'id,userPrincipalName,mail,displayName';

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  mail: string | null;
  displayName: string;
}

interface UserBody {
  id?: string;
  userPrincipalName?: string | null;
  mail?: string | null;
  displayName?: string | null;
}

const toUser = (u: UserBody): GraphUser | null =>
  u.id
    ? { id: u.id, userPrincipalName: u.userPrincipalName ?? '', mail: u.mail ?? null, displayName: u.displayName ?? '' }
    : null;

export interface ListUsersOptions {
  /** An OData filter, e.g. `accountEnabled eq true` (sent URL-encoded). */
  filter?: string;
  /** 1–999 (default 999). */
  pageSize?: number;
  /** Called with each page as it arrives (large tenants: map while reading). */
  onPage?: (users: GraphUser[]) => void | Promise<void>;
  /** Stop after this many pages (e.g. 1 with pageSize 1: "is there any user?"); default all. */
  maxPages?: number;
}

export interface NewUser {
  userPrincipalName: string;
  displayName: string;
  mailNickname: string;
  password: string;
}

export function userOps(t: GraphTransport) {
  return {
    async listUsers(opts: ListUsersOptions = {}): Promise<GraphUser[]> {
      const top = Math.min(999, Math.max(1, Math.floor(opts.pageSize ?? 999)));
      let next: string | undefined =
        `/users?$select=${SELECT}&$top=${top}${opts.filter ? `&$filter=${encodeURIComponent(opts.filter)}` : ''}`;
      const all: GraphUser[] = [];
      for (let pages = 0; next && pages < (opts.maxPages ?? Number.POSITIVE_INFINITY); pages++) {
        const page: { value?: UserBody[]; '@odata.nextLink'?: string } | undefined = await t.call({
          operation: 'listUsers',
          permission: USER_READ,
          method: 'GET',
          path: next,
          priority: 'read',
        });
        const users = (page?.value ?? []).map(toUser).filter((u): u is GraphUser => u !== null);
        all.push(...users);
        await opts.onPage?.(users);
        next = page?.['@odata.nextLink'];
      }
      return all;
    },

    /** null when there is no such user. */
    async getUser(idOrUpn: string): Promise<GraphUser | null> {
      try {
        const u = await t.call<UserBody>({
          operation: 'getUser',
          permission: USER_READ,
          method: 'GET',
          path: `/users/${encodeURIComponent(idOrUpn)}?$select=${SELECT}`,
          priority: 'read',
        });
        return u ? toUser(u) : null;
      } catch (err) {
        if (err instanceof ExternalError && err.extra.status === 404) return null;
        throw err;
      }
    },

    /** Seed-compatible system users (CXone_xxxxx): needs User.ReadWrite.All; the password never leaves this call. */
    async createUser(u: NewUser): Promise<GraphUser> {
      const created = await t.call<UserBody>({
        operation: 'createUser',
        permission: USER_WRITE,
        method: 'POST',
        path: '/users',
        body: {
          accountEnabled: true,
          displayName: u.displayName,
          mailNickname: u.mailNickname,
          userPrincipalName: u.userPrincipalName,
          passwordProfile: { forceChangePasswordNextSignIn: false, password: u.password },
        },
        priority: 'background',
      });
      const user = created ? toUser(created) : null;
      if (!user) throw new ExternalError('graph_rejected', 'createUser: Graph returned no user id', { service: 'graph' });
      return user;
    },
  };
}
