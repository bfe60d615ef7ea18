import { z } from 'zod';

/**
 * Response shapes the client relies on, validated with zod. Tolerant by design: extra fields are
 * ignored, key casing may vary (`outStateId` / `OutStateId` / `outstateid`), ids may be numbers or
 * strings, booleans may be "true"/"false" strings, and older versions wrap lists in `resultSet`.
 * Sources per shape: facts/cxone.md (and paths.ts for the path each one answers).
 */

/** Renames keys whose lowercase form matches a canonical name to that name (first match wins). */
function canonicalKeys(names: readonly string[]) {
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  return (value: unknown): unknown => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const canon = byLower.get(k.toLowerCase());
      if (canon && !(canon in out)) out[canon] = v;
      else if (!canon) out[k] = v;
    }
    return out;
  };
}

/** z.object whose keys are matched case-insensitively. */
function tolerantObject<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess(canonicalKeys(Object.keys(shape)), z.object(shape));
}

const id = z.union([z.string().min(1), z.number().int()]).transform((v) => String(v));
const optionalId = z
  .union([z.string(), z.number().int(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || v === '' || v === 0 || v === '0' ? null : String(v)));
const bool = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])])
  .transform((v) => (typeof v === 'boolean' ? v : v.toLowerCase() === 'true'));
const optionalBool = bool.optional().transform((v) => v ?? false);
const optionalText = z
  .union([z.string(), z.null()])
  .optional()
  .transform((v) => (v === undefined || v === null || v === '' ? null : v));
const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO date-time' });

/** POST /authentication/v1/token/access-key → {access_token, token_type, expires_in, …} [facts] */
export const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]).pipe(z.number().positive()),
});

/** One entry of GET /agents → agents[] [facts] */
export const agentSchema = tolerantObject({
  agentId: id,
  userName: optionalText,
  firstName: optionalText,
  lastName: optionalText,
  emailAddress: optionalText,
  teamId: optionalId,
  teamName: optionalText,
  isActive: optionalBool.default(true),
});
export const agentsPageSchema = tolerantObject({
  agents: z.array(agentSchema),
  totalRecords: z.number().int().nonnegative().optional(),
  businessUnitId: optionalId,
});

/** GET /teams → teams[] [facts] */
export const teamSchema = tolerantObject({ teamId: id, teamName: z.string(), isActive: optionalBool.default(true) });
export const teamsPageSchema = tolerantObject({ teams: z.array(teamSchema), totalRecords: z.number().int().optional() });

/** GET /teams/{teamId}/unavailable-codes → codes; casing varies; older versions wrap in resultSet [facts, UNCONFIRMED] */
export const unavailableCodeSchema = tolerantObject({
  outStateId: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  outStateName: z.string(),
  isActive: optionalBool.default(true),
  isAcw: optionalBool,
  agentTimeoutMins: z.union([z.number(), z.null()]).optional(),
});
const codeListKeys = ['unavailableCodes', 'codes', 'teamUnavailableCodes', 'outStates'];
/** Finds the code list in any of the known wrappers: [...], {codes|unavailableCodes…}, {resultSet:{…}}. */
export function extractCodeList(body: unknown): unknown {
  if (Array.isArray(body)) return body;
  if (!body || typeof body !== 'object') return body;
  const entries = Object.entries(body);
  const wrapper = entries.find(([k]) => k.toLowerCase() === 'resultset');
  if (wrapper) return extractCodeList(wrapper[1]);
  const list = entries.find(([k, v]) => codeListKeys.some((c) => c.toLowerCase() === k.toLowerCase()) && Array.isArray(v));
  return list ? list[1] : body;
}
export const unavailableCodesSchema = z.preprocess(extractCodeList, z.array(unavailableCodeSchema));

/** One entry of GET /agents/states → agentStates[] [facts][openapi] */
export const agentStateSchema = tolerantObject({
  agentId: id,
  agentStateName: z.string().min(1),
  agentStateId: z.number().int().optional(),
  outStateId: optionalId,
  outStateDescription: optionalText,
  isACW: optionalBool,
  contactId: optionalId,
  isOutbound: optionalBool,
  startDate: isoDate,
  teamId: optionalId,
  fromAddress: optionalText,
  toAddress: optionalText,
});
export type WireAgentState = z.infer<typeof agentStateSchema>;
export const agentStatesPageSchema = tolerantObject({
  lastPollTime: isoDate,
  agentStates: z.array(agentStateSchema),
  totalRecords: z.number().int().optional(),
});

/** POST /agent-sessions/join → {sessionId} [facts] */
export const joinSessionSchema = tolerantObject({ sessionId: id });

/** CXone error bodies: {error, errorDescription} (also error_description, message) [facts] */
export const errorBodySchema = z
  .object({
    error: z.unknown().optional(),
    errorDescription: z.unknown().optional(),
    error_description: z.unknown().optional(),
    message: z.unknown().optional(),
  })
  .loose();

export function describeErrorBody(body: unknown): string | undefined {
  const r = errorBodySchema.safeParse(body);
  if (!r.success) return typeof body === 'string' && body.trim() ? body.slice(0, 200) : undefined;
  const parts = [r.data.error, r.data.errorDescription ?? r.data.error_description ?? r.data.message]
    .filter((p): p is string => typeof p === 'string' && p.length > 0)
    .map((p) => p.slice(0, 200));
  return parts.length ? parts.join(': ') : undefined;
}

/** "agentStates.3.agentStateName: expected string, received number; …" */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}
