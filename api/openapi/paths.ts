import type { z } from 'zod';
import { RequestPending } from '../schemas/common';
import { errorResponses, registry } from './registry';

interface PathParts {
  body?: z.ZodType;
  params?: z.ZodObject;
  query?: z.ZodObject;
  ok?: z.ZodType;
  okStatus?: number;
  /** A response that is not JSON (a rendered document). */
  okType?: string;
  /** A request its case decides (README "Requests"): answered 202 while no worker has answered it. */
  requested?: boolean;
  errors: number[];
}

/** What a write to something that exists can answer: refused input, credentials, access, not found, its state. */
export const WRITE_ERRORS = [400, 401, 403, 404, 409];

/** Documents routes of one tag with less ceremony than registerPath. */
export const documentPaths =
  (tag: string) =>
  (method: 'get' | 'post', path: string, summary: string, parts: PathParts): void =>
    registry.registerPath({
      method,
      path,
      summary,
      tags: [tag],
      request: {
        ...(parts.params ? { params: parts.params } : {}),
        ...(parts.query ? { query: parts.query } : {}),
        ...(parts.body ? { body: { content: { 'application/json': { schema: parts.body } } } } : {}),
      },
      responses: {
        [parts.okStatus ?? 200]: {
          description: 'OK',
          ...(parts.ok ? { content: { [parts.okType ?? 'application/json']: { schema: parts.ok } } } : {}),
        },
        ...(parts.requested ? { 202: { description: 'Kept, not yet answered: no worker has acted on it yet', content: { 'application/json': { schema: RequestPending } } } } : {}),
        // Anything taking input can refuse it (a malformed id in the path, too); a body, for its size and type as well.
        ...errorResponses(...new Set([...(parts.params || parts.query || parts.body ? [400] : []), ...(parts.body ? [413, 415] : []), ...parts.errors])),
      },
    });
