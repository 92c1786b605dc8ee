import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db';
import { codecCookieToken } from './codec-cookie';
import { userOfToken } from './credentials';
import { AppError } from './errors';

/** Being a visit's buddy is not a role: it is being named as buddy on that visit. */
export const Role = z.enum(['worker', 'practitioner', 'manager', 'safeguarding_lead', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

/** Who is acting: every decision the service records carries it. */
export interface Actor {
  id: string;
  role: Role;
  team?: string;
  name?: string;
  email?: string;
}

/** Per request: who the token belongs to, or why it was refused. */
const verified = new WeakMap<Request, (Actor & { tokenId: string }) | AppError>();

const unauthenticated = (why: string) => new AppError(401, 'unauthenticated', why);

/**
 * Verifies `Authorization: Bearer <token>` (on /codec also the codec cookie) once per request.
 * Endpoints that need no account (health, the OpenAPI document, sign-in, acknowledgement
 * links) ignore it; every other one
 * asks `actorOf`, which refuses a bad token with its reason, so a typo never acts as nobody.
 */
export function authenticate(db: Db): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    const fromCookie = header ? undefined : codecCookieToken(req);
    if (!header && !fromCookie) return next();
    const [scheme, token] = header ? header.split(' ') : ['bearer', fromCookie];
    if (scheme?.toLowerCase() !== 'bearer' || !token) {
      verified.set(req, unauthenticated('Authorization must be "Bearer <token>"'));
      return next();
    }
    const found = await userOfToken(db, token);
    if (!found) {
      verified.set(req, unauthenticated('The token is unknown, expired or revoked'));
      return next();
    }
    const { user, tokenId } = found;
    verified.set(req, { id: user.id, role: Role.parse(user.role), team: user.teamId ?? undefined, name: user.name, email: user.email, tokenId });
    res.set('Cache-Control', 'no-store');
    next();
  };
}

/** The acting user, from the verified token: the one way routes learn who is acting. */
export function actorOf(req: Request): Actor {
  const { tokenId: _tokenId, ...actor } = verifiedActor(req);
  return actor;
}

function verifiedActor(req: Request): Actor & { tokenId: string } {
  const found = verified.get(req);
  if (!found) throw unauthenticated('Sign in or send "Authorization: Bearer <token>"');
  if (found instanceof AppError) throw found;
  return found;
}

/** The token this request came with, for signing out. */
export const tokenIdOf = (req: Request): string => verifiedActor(req).tokenId;

export const forbidden = (why: string) => new AppError(403, 'forbidden', why);
