import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../../lib/db';
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

const verified = new WeakMap<Request, Actor & { tokenId: string }>();

const unauthenticated = (why: string) => new AppError(401, 'unauthenticated', why);

/**
 * Verifies `Authorization: Bearer <token>` once per request. A request without one goes on
 * (health, the OpenAPI document, sign-in and acknowledgement links need no account); a
 * request with a bad one stops here, so a typo never silently acts as nobody.
 */
export function authenticate(db: Db): RequestHandler {
  return async (req, res, next) => {
    const header = req.headers.authorization;
    if (!header) return next();
    const [scheme, token] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) return next(unauthenticated('Authorization must be "Bearer <token>"'));
    const found = await userOfToken(db, token);
    if (!found) return next(unauthenticated('The token is unknown, expired or revoked'));
    const { user, tokenId } = found;
    verified.set(req, { id: user.id, role: Role.parse(user.role), team: user.teamId ?? undefined, name: user.name, email: user.email, tokenId });
    res.set('Cache-Control', 'no-store');
    next();
  };
}

/** The acting user, from the verified token: the one way routes learn who is acting. */
export function actorOf(req: Request): Actor {
  const actor = verified.get(req);
  if (!actor) throw unauthenticated('Sign in or send "Authorization: Bearer <token>"');
  const { tokenId: _tokenId, ...rest } = actor;
  return rest;
}

/** The token this request came with, for signing out. */
export function tokenIdOf(req: Request): string {
  actorOf(req);
  return verified.get(req)!.tokenId;
}

export const forbidden = (why: string) => new AppError(403, 'forbidden', why);
