import cors from 'cors';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { apiSecurityDefaults } from '../../config/env';
import type { AppDeps } from '../deps';
import { AppError } from './errors';

/** Security headers, and CORS only for the configured origins (none: browsers allow same origin only). */
export function securityHeaders(config: AppDeps['config']): RequestHandler[] {
  const allowed = new Set(config.CORS_ORIGINS ?? apiSecurityDefaults.CORS_ORIGINS);
  return [
    helmet(),
    cors({
      origin: (origin, done) => done(null, origin !== undefined && allowed.has(origin)),
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
      exposedHeaders: ['Location', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
      maxAge: 600,
    }),
  ];
}

/** Per client address; 429 with the same JSON error shape as everything else. */
const limiter = (windowMs: number, limit: number, what: string): RequestHandler =>
  rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, _res, next) => next(new AppError(429, 'rate_limited', `Too many ${what}; wait a few minutes and try again`)),
  });

/** Sign-in attempts: LOGIN_RATE_LIMIT per 15 minutes. */
export const loginLimiter = (config: AppDeps['config']) => limiter(15 * 60_000, config.LOGIN_RATE_LIMIT ?? apiSecurityDefaults.LOGIN_RATE_LIMIT, 'sign-in attempts');

/** Acknowledgement links (a token in the URL): ACK_RATE_LIMIT per minute. */
export const ackLimiter = (config: AppDeps['config']) => limiter(60_000, config.ACK_RATE_LIMIT ?? apiSecurityDefaults.ACK_RATE_LIMIT, 'link requests');
