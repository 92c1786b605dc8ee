import type { Request } from 'express';
import { z } from 'zod';
import { AppError } from './errors';

export const Role = z.enum(['worker', 'buddy', 'manager', 'practitioner', 'safeguarding_lead', 'operator', 'admin']);
export type Role = z.infer<typeof Role>;

/** Who is acting: every decision the service records carries it. */
export interface Actor {
  id: string;
  role: Role;
  team?: string;
}

const ActorHeaders = z.object({
  'x-actor-id': z.string().min(1).max(100),
  'x-actor-role': Role,
  'x-actor-team': z.string().min(1).max(100).optional(),
});

/**
 * Reads the acting user. Until token authentication lands (issue 6) the caller names itself
 * in headers; every route already goes through this one function, so swapping the source
 * of identity changes nothing else.
 */
export function actorOf(req: Request): Actor {
  const parsed = ActorHeaders.safeParse(req.headers);
  if (!parsed.success) {
    throw new AppError(
      401,
      'unauthenticated',
      `Missing or invalid actor: ${parsed.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join('; ')}`,
    );
  }
  const h = parsed.data;
  return { id: h['x-actor-id'], role: h['x-actor-role'], team: h['x-actor-team'] };
}

export const forbidden = (why: string) => new AppError(403, 'forbidden', why);
