/**
 * The one authenticated API client. Every call carries the bearer token (Teams SSO or dev sign-in);
 * every failure becomes an `ApiError` whose message is fit to show: the server's own message for
 * `{error:{code,message,details}}` bodies, or a plain explanation for network and gateway failures.
 */
export interface FieldProblem {
  field: string;
  problem: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
  }
}

export type TokenProvider = () => Promise<string | null>;

export interface ApiClient {
  get<T>(path: string, query?: Record<string, string | number | boolean | null | undefined>): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body?: unknown): Promise<T>;
  del<T = void>(path: string): Promise<T>;
}

export interface ApiClientOptions {
  /** Origin + prefix, '' = same origin. */
  baseUrl?: string;
  getToken: TokenProvider;
  /** Called when the server says the token is no longer good (401). */
  onUnauthorized?: (error: ApiError) => void;
  fetchImpl?: typeof fetch;
}

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const base = opts.baseUrl ?? '';
  const doFetch = opts.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = await opts.getToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(
        0,
        'network',
        `Cannot reach the Presence Sync server (${(err as Error).message}). Check your connection and try again.`,
      );
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) {
      const error = toApiError(res, parsed);
      if (res.status === 401) opts.onUnauthorized?.(error);
      throw error;
    }
    if (parsed === undefined && text.length > 0)
      throw new ApiError(res.status, 'bad_response', `The server sent something that is not JSON for ${method} ${path}.`);
    return parsed as T;
  }

  return {
    get: (path, query) => request('GET', path + toQuery(query)),
    post: (path, body) => request('POST', path, body ?? {}),
    put: (path, body) => request('PUT', path, body ?? {}),
    patch: (path, body) => request('PATCH', path, body ?? {}),
    del: (path) => request('DELETE', path),
  };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: { fields?: unknown } };
}

export function toApiError(res: Pick<Response, 'status' | 'statusText' | 'headers'>, body: unknown): ApiError {
  const requestId = res.headers.get('x-request-id');
  const e = (body as ErrorBody | undefined)?.error;
  if (e && typeof e.message === 'string') {
    const fields = Array.isArray(e.details?.fields)
      ? (e.details.fields as unknown[]).filter(
          (f): f is FieldProblem =>
            typeof f === 'object' &&
            f !== null &&
            typeof (f as FieldProblem).field === 'string' &&
            typeof (f as FieldProblem).problem === 'string',
        )
      : [];
    return new ApiError(res.status, typeof e.code === 'string' ? e.code : 'error', e.message, fields, requestId);
  }
  const what = res.status >= 500 ? 'The server had a problem' : 'The server refused the request';
  return new ApiError(res.status, 'http_' + res.status, `${what} (HTTP ${res.status} ${res.statusText}).`, [], requestId);
}

export function toQuery(query?: Record<string, string | number | boolean | null | undefined>): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** A message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
