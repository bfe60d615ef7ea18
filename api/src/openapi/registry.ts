import { z } from 'zod';

/** One documented operation; the route kit records one per registered route. */
export interface OperationDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** restify style, e.g. /api/connections/:id */
  path: string;
  summary: string;
  tag: string;
  auth: 'public' | 'user' | 'admin';
  params?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  body?: z.ZodType | undefined;
  response?: z.ZodType | undefined;
  successStatus: number;
}

export class ApiRegistry {
  readonly operations: OperationDoc[] = [];
  add(op: OperationDoc): void {
    this.operations.push(op);
  }
}

type JsonSchema = Record<string, unknown>;

const toSchema = (s: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parameters(where: 'path' | 'query', s: z.ZodType | undefined): JsonSchema[] {
  if (!s) return [];
  const js = toSchema(s, 'input');
  const props = (js.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    schema,
  }));
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'object', properties: { fields: { type: 'array', items: { type: 'object' } } } },
      },
      required: ['code', 'message'],
    },
  },
};

/** OpenAPI 3.1 built from the very zod schemas the routes validate with. */
export function buildOpenApi(registry: ApiRegistry, info: { title: string; version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of registry.operations) {
    const path = op.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, JsonSchema> = {
      [String(op.successStatus)]: {
        description: 'success',
        ...(op.response ? { content: { 'application/json': { schema: toSchema(op.response, 'output') } } } : {}),
      },
      '400': {
        description: 'invalid input; `details.fields` names each field',
        content: { 'application/json': { schema: errorSchema } },
      },
    };
    if (op.auth !== 'public') {
      responses['401'] = { description: 'missing or invalid Teams SSO token' };
      responses['429'] = { description: 'too many failed sign-ins from this address' };
    }
    if (op.auth === 'admin') {
      responses['403'] = { description: 'not an admin of this connection' };
      responses['404'] = { description: 'no such connection in your tenant' };
    }
    if (op.body) responses['413'] = { description: 'request body too large' };
    const entry = paths[path] ?? {};
    paths[path] = entry;
    entry[op.method] = {
      summary: op.summary,
      tags: [op.tag],
      operationId: `${op.method}${path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(op.auth === 'public' ? { security: [] } : {}),
      parameters: [...parameters('path', op.params), ...parameters('query', op.query)],
      ...(op.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(op.body, 'input') } } } }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { ...info, description: 'Presence Sync admin API. Every route except public ones needs a Teams SSO token.' },
    components: { securitySchemes: { teamsSso: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    security: [{ teamsSso: [] }],
    paths,
  };
}
