import { randomUUID } from 'node:crypto';
import { HttpError, json, type Res } from './http.ts';

/**
 * Microsoft Graph's error shape (learn.microsoft.com/graph/errors):
 * `{error:{code, message, innerError:{date, request-id, client-request-id}}}`.
 */
export function graphError(status: number, code: string, message: string, headers: Record<string, string> = {}): Res {
  const requestId = randomUUID();
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    },
    { 'request-id': requestId, 'client-request-id': requestId, ...headers },
  );
}

export const fail = (status: number, code: string, message: string, headers?: Record<string, string>): HttpError =>
  new HttpError(graphError(status, code, message, headers), message);

export const badRequest = (message: string) => fail(400, 'BadRequest', message);
export const notFound = (message: string) => fail(404, 'NotFound', message);
export const forbidden = () => fail(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
