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

export function validationError(error: ZodError, where: 'body' | 'query' | 'params'): AppError {
  // An unknown field is named by its own path, so clients see which one to drop.
  const details = error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ field: fieldPath([...i.path, key]), message: 'unknown field' }))
      : [{ field: fieldPath(i.path) || where, message: i.message }],
  );
  return new AppError(400, 'invalid_request', `Invalid ${where}: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`, details);
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
      res.status(503).set('Retry-After', '5').json({ error: { code: 'database_unavailable', message: 'The database is unavailable, so nothing was recorded; try again in a few seconds.' } });
      return;
    }
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status < 500) {
      // body-parser errors: malformed JSON, payload too large.
      res.status(status).json({ error: { code: err.type ?? 'bad_request', message: err.expose ? err.message : 'Bad request' } });
      return;
    }
    log.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Something went wrong; it has been logged.' } });
  };
}
