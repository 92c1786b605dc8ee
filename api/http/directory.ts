import type { Db } from '../../lib/db';
import { AppError, conflict } from './errors';

// Who a visit alerts comes from the directory (issue 15 hole 7): the worker's team names its
// managers and its on-call contact; the worker chooses only the buddy. A mistyped or
// invented address in a request can then never be where an alarm goes.

const badField = (field: string, message: string) => new AppError(400, 'invalid_request', `Invalid body: ${field}: ${message}`, [{ field, message }]);

/** A person a visit may alert, as the workflow's input takes them. */
export interface Contact {
  id?: string;
  name: string;
  email: string;
}

/** The worker as the directory knows them. */
export interface DirectoryWorker {
  id: string;
  name: string;
  email: string;
  teamId: string;
}

/** The buddy as the start body gives them: a user by id, or someone without an account. */
export type BuddyChoice = { id: string } | { name: string; email: string };

export interface VisitPeople {
  worker: Contact & { id: string };
  buddy: Contact;
  manager: Contact & { id: string };
  emergencyContact: Contact;
}

const activeUser = (db: Db, id: string) => db.user.findFirst({ where: { id, disabledAt: null }, select: { id: true, name: true, email: true, role: true, teamId: true } });

const howToFix = (team: string, option: string) => `an admin sets it with \`npm run users -- team --id ${team} ${option}\``;

/**
 * The manager a visit alerts: the one the start names, who must manage the worker's team;
 * else the team's default; else the team's only manager. With none of these the visit is
 * refused: better a worker told they are not watched than an alarm that reaches nobody.
 */
async function managerOf(db: Db, team: string, chosenId: string | undefined, defaultId: string | null) {
  const managesTheTeam = (u: Awaited<ReturnType<typeof activeUser>>) => !!u && u.role === 'manager' && u.teamId === team;
  if (chosenId) {
    const chosen = await activeUser(db, chosenId);
    if (!managesTheTeam(chosen)) throw badField('manager.id', `is not a manager of team ${team}`);
    return chosen!;
  }
  const byDefault = defaultId ? await activeUser(db, defaultId) : null;
  if (managesTheTeam(byDefault)) return byDefault!;
  const managers = await db.user.findMany({ where: { teamId: team, role: 'manager', disabledAt: null }, take: 2, select: { id: true, name: true, email: true } });
  if (managers.length === 1) return managers[0];
  throw conflict(
    managers.length
      ? `Team ${team} has several managers and no default: name one in manager.id, or ${howToFix(team, '--default-manager <userId>')}`
      : `Team ${team} has no manager to alert: ${howToFix(team, '--default-manager <userId>')}`,
  );
}

async function buddyOf(db: Db, worker: DirectoryWorker, choice: BuddyChoice): Promise<Contact> {
  if (!('id' in choice)) return { name: choice.name, email: choice.email };
  if (choice.id === worker.id) throw badField('buddy.id', 'the worker cannot be their own buddy');
  const user = await activeUser(db, choice.id);
  if (!user) throw badField('buddy.id', 'no such user; give name and email instead for someone without an account');
  return { id: user.id, name: user.name, email: user.email };
}

/** Everyone the visit may alert, resolved before the workflow starts. */
export async function visitPeople(db: Db, worker: DirectoryWorker, choice: { managerId?: string; buddy: BuddyChoice }): Promise<VisitPeople> {
  const team = await db.team.findUnique({ where: { id: worker.teamId } });
  if (!team) throw conflict(`Team ${worker.teamId} is not in the directory`);
  if (!team.onCallEmail)
    throw conflict(`Team ${team.id} has no on-call contact for the last step of the ladder: ${howToFix(team.id, '--on-call-email <email> --on-call-name <name>')}`);
  const manager = await managerOf(db, team.id, choice.managerId, team.defaultManagerId);
  return {
    worker: { id: worker.id, name: worker.name, email: worker.email },
    buddy: await buddyOf(db, worker, choice.buddy),
    manager: { id: manager.id, name: manager.name, email: manager.email },
    emergencyContact: { name: team.onCallName ?? 'On-call', email: team.onCallEmail },
  };
}
