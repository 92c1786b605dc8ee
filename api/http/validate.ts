import type { Request } from 'express';
import type { z } from 'zod';
import { validationError } from './errors';

/** Parses one part of a request; handlers use the returned value, never the raw input. */
export function parse<S extends z.ZodType>(schema: S, req: Request, where: 'body' | 'query' | 'params' = 'body'): z.infer<S> {
  const result = schema.safeParse(req[where]);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}
