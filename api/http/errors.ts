import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../../lib/logger';

/** The one error type routes throw; the middleware turns it into consistent JSON. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found`);
export const conflict = (message: string, details?: unknown) => new AppError(409, 'conflict', message, details);

/** Field paths as clients address them: `steps[2].waitMinutes`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** 400 naming each field: the one shape every refused input gets. */
export const invalidRequest = (where: 'body' | 'query' | 'params', details: FieldProblem[]) =>
  new AppError(400, 'invalid_request', `Invalid ${where}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);

export function validationError(error: ZodError, where: 'body' | 'query' | 'params'): AppError {
  // An unknown field is named by its own path, so clients see which one to drop.
  const details = error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ field: fieldPath([...i.path, key]), message: 'unknown field' }))
      : [{ field: fieldPath(i.path) || where, message: i.message }],
  );
  return invalidRequest(where, details);
}

export const unknownRoute: RequestHandler = (req, _res, next) => next(new AppError(404, 'not_found', `No route for ${req.method} ${req.path}`));

// Prisma's codes and the pg driver adapter's kinds for "the database is not there right now"
// (unreachable, connection dropped, shutting down, pool exhausted), as opposed to a bad query.
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
const UNAVAILABLE_PG_CODES = /^(08|57P0[1-3])/;

/** True when the error (or one it wraps) says PostgreSQL is unreachable, not that the request was wrong. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  const e = err as { name?: string; code?: unknown; kind?: unknown; meta?: { driverAdapterError?: unknown }; cause?: unknown };
  if (e.name === 'PrismaClientInitializationError') return true;
  if (typeof e.code === 'string' && (UNAVAILABLE_PRISMA_CODES.has(e.code) || UNAVAILABLE_PG_CODES.test(e.code) || e.code === 'ECONNREFUSED')) return true;
  if (typeof e.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(e.kind)) return true;
  return isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1) || isDatabaseUnavailable(e.cause, depth + 1);
}

/**
 * body-parser's refusals in our codes: its own (`entity.parse.failed`, `entity.too.large`)
 * are its internals, and its messages quote parser details clients cannot act on.
 */
function bodyParserError(err: { type?: unknown; status?: unknown; limit?: unknown }): AppError | null {
  if (typeof err?.status !== 'number' || err.status < 400 || err.status >= 500) return null;
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError(400, 'invalid_json', 'The body is not valid JSON');
    case 'entity.too.large':
      return new AppError(413, 'body_too_large', `The body is larger than ${typeof err.limit === 'number' ? `${Math.floor(err.limit / 1024)} kB` : 'allowed'}`);
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new AppError(415, 'unsupported_media_type', 'The body must be JSON in UTF-8, not compressed');
    default:
      return new AppError(err.status, 'bad_request', 'The request could not be read');
  }
}

/** Errors never carry stack traces or internal identifiers to the client. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof AppError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } });
      return;
    }
    if (err instanceof ZodError) {
      const appError = validationError(err, 'body');
      res.status(400).json({ error: { code: appError.code, message: appError.message, details: appError.details } });
      return;
    }
    if (isDatabaseUnavailable(err)) {
      // Nothing was recorded: the client may retry the same request once the database is back.
      log.warn({ method: req.method, path: req.path }, 'database unavailable');
      res
        .status(503)
        .set('Retry-After', '5')
        .json({ error: { code: 'database_unavailable', message: 'The database is unavailable, so nothing was recorded; try again in a few seconds.' } });
      return;
    }
    const bodyError = bodyParserError(err);
    if (bodyError) {
      res.status(bodyError.status).json({ error: { code: bodyError.code, message: bodyError.message } });
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Something went wrong; it has been logged.' } });
  };
}
