import { randomUUID } from 'node:crypto';
import { json, type Res } from '../http.ts';

/**
 * Errors in the Microsoft identity platform's token endpoint shape
 * (learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#error-response):
 * `{error, error_description: "AADSTSnnnn: …\r\nTrace ID…", error_codes, timestamp, trace_id, correlation_id}`.
 */
export function aadError(status: number, error: string, code: number, description: string, nowMs: number): Res {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date(nowMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

export class AadError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly description: string,
  ) {
    super(`AADSTS${code}: ${description}`);
  }
  toRes(nowMs: number): Res {
    return aadError(this.status, this.error, this.code, this.description, nowMs);
  }
}
