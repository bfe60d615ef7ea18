import { z } from 'zod';
import { connectionOptionsSchema } from '../domain/connection.ts';

/** Request/response shapes for connections (also the source of the OpenAPI document). */
export const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');
const httpUrl = z
  .url({ error: 'must be an absolute URL' })
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL')
  .max(500);
const secret = z.string().min(1, 'is required').max(2048, 'is too long');
const isoDate = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' });

/**
 * Options as a patch: only the keys given. The full schema's defaults are removed first — zod 4 applies
 * a default even under `.partial()`, which made a PATCH of one option reset every other one.
 */
const optionsPatch = z
  .object(
    Object.fromEntries(
      Object.entries(connectionOptionsSchema.shape).map(([k, v]) => [
        k,
        (v instanceof z.ZodDefault ? v.removeDefault() : (v as z.ZodType)).optional(),
      ]),
    ) as {
      [K in keyof typeof connectionOptionsSchema.shape]: z.ZodOptional<z.ZodType<z.output<typeof connectionOptionsSchema>[K]>>;
    },
  )
  .strict();

export const connectionCreateSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(100, 'must be at most 100 characters'),
    azure: z
      .object({
        tenantId: guid,
        clientId: guid,
        clientSecret: secret,
        clientSecretExpiresAt: isoDate.nullish(),
      })
      .strict(),
    cxone: z
      .object({
        baseUrl: httpUrl,
        authUrl: httpUrl.nullish(),
        accessKeyId: z.string().trim().min(1, 'is required').max(200),
        accessKeySecret: secret,
        /** Shared secret CXone (or your stream relay) sends to POST /api/cxone/events in push mode. */
        pushSecret: z.string().min(16, 'must be at least 16 characters').max(256, 'is too long').optional(),
        businessUnitId: z.string().trim().max(50).nullish(),
      })
      .strict(),
    options: optionsPatch.optional(),
  })
  .strict();
export type ConnectionCreate = z.infer<typeof connectionCreateSchema>;

export const connectionPatchSchema = z
  .object({
    name: z.string().trim().min(1, 'is required').max(100).optional(),
    azure: z
      .object({ clientId: guid.optional(), clientSecret: secret.optional(), clientSecretExpiresAt: isoDate.nullish() })
      .strict()
      .optional(),
    cxone: z
      .object({
        baseUrl: httpUrl.optional(),
        authUrl: httpUrl.nullish(),
        accessKeyId: z.string().trim().min(1).max(200).optional(),
        accessKeySecret: secret.optional(),
        /** Shared secret CXone (or your stream relay) sends to POST /api/cxone/events in push mode. */
        pushSecret: z.string().min(16, 'must be at least 16 characters').max(256, 'is too long').nullish(),
        businessUnitId: z.string().trim().max(50).nullish(),
      })
      .strict()
      .optional(),
    options: optionsPatch.optional(),
  })
  .strict();
export type ConnectionPatch = z.infer<typeof connectionPatchSchema>;

const secretState = z.object({ set: z.boolean(), updatedAt: z.string().nullable() });

export const connectionViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  tenantId: z.string(),
  azure: z.object({
    tenantId: z.string(),
    clientId: z.string(),
    clientSecret: secretState.extend({ expiresAt: z.string().nullable() }),
  }),
  cxone: z.object({
    baseUrl: z.string(),
    authUrl: z.string().nullable(),
    accessKeyId: z.string(),
    accessKeySecret: secretState,
    pushSecret: z.object({ set: z.boolean() }),
    businessUnitId: z.string().nullable(),
  }),
  options: connectionOptionsSchema,
  isAdmin: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ConnectionView = z.infer<typeof connectionViewSchema>;
