import type { z } from 'zod';
import type { Team, User } from '../../generated/prisma/client';
import type { Db } from '../../lib/db';
import { DEFAULT_TIME_ZONE } from '../../lib/time-zone';
import type { CreateUserBody, SessionUser, TeamSettingsBody, UserView } from '../schemas/auth';
import { Role } from './actor';
import { hashPassword } from './credentials';
import { AppError, conflict } from './errors';

/** A user as the API shows them: never the password hash. */
export const userView = (u: User): z.infer<typeof UserView> => ({ id: u.id, name: u.name, email: u.email, role: Role.parse(u.role), team: u.teamId });

/** A user as their own pages see them: with their team's time zone. */
export const sessionUserView = (u: User & { team: Team | null }): z.infer<typeof SessionUser> => ({ ...userView(u), timeZone: u.team?.timeZone ?? DEFAULT_TIME_ZONE });

/** Creates a user (and their team if new); one place for the admin endpoint and the command. */
export async function createUser(db: Db, input: z.infer<typeof CreateUserBody>): Promise<User> {
  const taken = await db.user.findFirst({ where: { OR: [{ email: input.email }, ...(input.id ? [{ id: input.id }] : [])] } });
  if (taken) throw conflict(taken.email === input.email ? 'A user with this email already exists' : 'A user with this id already exists');
  if (input.team) await db.team.createMany({ data: [{ id: input.team, name: input.team }], skipDuplicates: true });
  return db.user.create({
    data: {
      ...(input.id ? { id: input.id } : {}),
      email: input.email,
      name: input.name,
      role: input.role,
      teamId: input.team ?? null,
      passwordHash: input.password ? await hashPassword(input.password) : null,
    },
  });
}

/** Sets a password and signs the user out everywhere: sessions made with the old one end. */
export async function setPassword(db: Db, userId: string, password: string): Promise<void> {
  const passwordHash = await hashPassword(password);
  await db.$transaction([
    db.user.update({ where: { id: userId }, data: { passwordHash } }),
    db.apiToken.updateMany({ where: { userId, kind: 'session', revokedAt: null }, data: { revokedAt: new Date() } }),
  ]);
}

/** Creates or changes a team's directory entry; the default manager must manage that team. */
export async function setTeam(db: Db, { id, ...settings }: z.infer<typeof TeamSettingsBody>): Promise<Team> {
  if (settings.defaultManagerId) {
    const manager = await db.user.findFirst({ where: { id: settings.defaultManagerId, role: 'manager', teamId: id, disabledAt: null } });
    if (!manager) throw new AppError(400, 'invalid_request', `${settings.defaultManagerId} is not an active manager of team ${id}`);
  }
  return db.team.upsert({ where: { id }, update: settings, create: { id, ...settings, name: settings.name ?? id } });
}
