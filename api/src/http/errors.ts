import type { z } from 'zod';

/**
 * The one error type routes throw. `expose` errors are operational (bad input, missing thing) and
 * their message goes to the client; anything else is a bug and the client sees a generic 500.
 */
export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
  get expose(): boolean {
    return this.status < 500;
  }
  /** restify reads these two when a handler rejects with this error. */
  get statusCode(): number {
    return this.status;
  }
  toJSON() {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details);
export const unauthorized = (message = 'sign-in required') => new AppError(401, 'unauthorized', message);
export const forbidden = (message = 'admins only') => new AppError(403, 'forbidden', message);
export const notFound = (what = 'resource') => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);

/** A zod failure as a 400 that names each field and its problem. */
export function validationError(where: 'body' | 'query' | 'path', error: z.ZodError): AppError {
  const fields = error.issues.map((i) => ({ field: i.path.join('.') || where, problem: i.message }));
  const summary = fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
  return new AppError(400, 'validation_failed', `invalid ${where}: ${summary}`, { fields });
}

export function parseOr400<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'path'): T {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(where, r.error);
  return r.data;
}
