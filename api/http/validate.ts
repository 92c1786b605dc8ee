import type { Request } from 'express';
import type { z } from 'zod';
import { AppError, validationError } from './errors';

/** Parses one part of a request; handlers use the returned value, never the raw input. */
export function parse<S extends z.ZodType>(schema: S, req: Request, where: 'body' | 'query' | 'params' = 'body'): z.infer<S> {
  // express.json leaves other types unread: say so, instead of "expected object, received undefined".
  // An empty body (Content-Length: 0) is no body, whatever its type.
  const sent = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0;
  if (where === 'body' && sent && !req.is('application/json'))
    throw new AppError(415, 'unsupported_media_type', 'The body must be JSON: send it with Content-Type: application/json');
  const result = schema.safeParse(req[where]);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}
