import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/** Routes register their zod schemas here, so the document cannot drift from validation. */
export const registry = new OpenAPIRegistry();

export const ErrorBody = registry.register(
  'Error',
  z.object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  }),
);

export function errorResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: 'Invalid input (`invalid_request`; details name each field, policy limits in minutes) or a body that is not JSON (`invalid_json`)',
    401: 'Missing or invalid credentials',
    403: 'Not allowed for this user',
    404: 'Not found',
    409: 'Conflicts with the current state',
    413: 'The body is larger than 100 kB (`body_too_large`)',
    415: 'The body is not `application/json` (`unsupported_media_type`)',
    422: 'The Idempotency-Key was used for a different request',
    429: 'Too many requests; retry later',
    503: 'A dependency is unavailable; retry later',
  };
  return Object.fromEntries(statuses.map((s) => [s, { description: descriptions[s] ?? 'Error', content: { 'application/json': { schema: ErrorBody } } }]));
}

export function buildOpenApiDocument() {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'CareWatch API',
      version: '0.1.0',
      description: 'Lone-working visits and adult safeguarding plans, kept on time by durable Temporal workflows.',
    },
    servers: [{ url: '/' }],
  });
}
