import type { Actor } from './actor';
import { forbidden } from './actor';

// Who may do what, in one place: routes name the action, this module decides. Denials are
// 403 with a reason; a resource the actor may not see at all is still 403 (not 404) so a
// worker learns nothing new from probing ids they were given.

/** A manager acts for their own team. Cover for an absent manager is added here, and only here. */
export function managesTeam(actor: Actor, team: string | undefined): boolean {
  return actor.role === 'manager' && !!team && actor.team === team;
}

/** During a manager's cover their deputy acts as that team's manager (issue 9; the cover is looked up in http/cover.ts). */
export const asDeputy = (actor: Actor, cover: { team: string } | null): Actor => (cover && actor.team === cover.team ? { ...actor, role: 'manager' } : actor);

/** The people a visit names: the worker, the buddy (any user) and the team whose manager answers. */
export interface VisitParties {
  workerId: string;
  buddyId?: string | null;
  team: string;
}

export type VisitAction = 'read' | 'work' | 'raise_red_flag' | 'acknowledge' | 'resolve';

/** The part an actor plays on a visit, recorded with what they do; null when they play none. */
export function partOnVisit(actor: Actor, p: VisitParties): 'worker' | 'buddy' | 'manager' | null {
  if (actor.role === 'worker' && actor.id === p.workerId) return 'worker';
  if (p.buddyId && actor.id === p.buddyId) return 'buddy';
  if (managesTeam(actor, p.team)) return 'manager';
  return null;
}

const visitParts: Record<VisitAction, ReadonlyArray<'worker' | 'buddy' | 'manager'>> = {
  read: ['worker', 'buddy', 'manager'],
  work: ['worker'],
  raise_red_flag: ['worker', 'buddy', 'manager'],
  acknowledge: ['buddy', 'manager'],
  resolve: ['manager'],
};

export function mayOnVisit(actor: Actor, action: VisitAction, p: VisitParties): boolean {
  const part = partOnVisit(actor, p);
  return part !== null && visitParts[action].includes(part);
}

/** A worker starts their own visits; a manager schedules them for a worker of their team. */
export function mayStartVisit(actor: Actor, worker: { id: string; teamId: string | null } | null): boolean {
  if (!actor.team || !worker) return false;
  if (actor.role === 'worker') return worker.id === actor.id;
  return managesTeam(actor, actor.team) && worker.teamId === actor.team;
}

/** Which visits a list shows: a manager's team's, a worker's own; nobody else lists. */
export function visitListScope(actor: Actor): { team: string } | { workerId: string } | null {
  if (actor.team && managesTeam(actor, actor.team)) return { team: actor.team };
  if (actor.role === 'worker') return { workerId: actor.id };
  return null;
}

/** What the policy needs to know about a plan. */
export interface PlanParties {
  team: string;
  leadPractitionerId: string;
}

export type PlanAction =
  | 'read'
  | 'go_live'
  | 'record_legal_advice'
  | 'record_review'
  | 'move_review'
  | 'request_unscheduled_review'
  | 'decide_unscheduled_review'
  | 'review_one_to_one'
  | 'complete_action'
  | 'end'
  | 'decide_copy'
  | 'read_copy';

type PlanPart = 'manager' | 'practitioner' | 'safeguarding_lead';

// The plan procedure: the lead practitioner records and reviews; the investigating team
// manager decides (reviews out of cycle, copies, ending); a safeguarding lead oversees every
// team, receives overdue escalations and may ask for a review, but decides nothing for the team.
const planParts: Record<PlanAction, ReadonlyArray<PlanPart>> = {
  read: ['manager', 'practitioner', 'safeguarding_lead'],
  go_live: ['manager', 'practitioner'],
  record_legal_advice: ['manager', 'practitioner'],
  record_review: ['manager', 'practitioner'],
  move_review: ['manager'],
  request_unscheduled_review: ['manager', 'practitioner', 'safeguarding_lead'],
  decide_unscheduled_review: ['manager'],
  review_one_to_one: ['manager', 'practitioner'],
  complete_action: ['manager', 'practitioner'],
  end: ['manager'],
  decide_copy: ['manager'],
  read_copy: ['manager', 'practitioner', 'safeguarding_lead'],
};

/**
 * The part an actor plays on a plan. A practitioner plays one on plans they lead, or are
 * involved in (`involved`: they have recorded something on it, checked by the caller only
 * when needed because it costs a query).
 */
export async function partOnPlan(actor: Actor, p: PlanParties, involved: () => Promise<boolean>): Promise<PlanPart | null> {
  if (managesTeam(actor, p.team)) return 'manager';
  if (actor.role === 'safeguarding_lead') return 'safeguarding_lead';
  if (actor.role === 'practitioner' && actor.team === p.team && (actor.id === p.leadPractitionerId || (await involved()))) return 'practitioner';
  return null;
}

export async function mayOnPlan(actor: Actor, action: PlanAction, p: PlanParties, involved: () => Promise<boolean>): Promise<boolean> {
  const part = await partOnPlan(actor, p, involved);
  return part !== null && planParts[action].includes(part);
}

/** A lead practitioner or manager records a plan for their own team. */
export const mayCreatePlan = (actor: Actor) => !!actor.team && (actor.role === 'practitioner' || managesTeam(actor, actor.team));

/** A team's lists are its manager's. */
export const mayReadTeamLists = (actor: Actor) => managesTeam(actor, actor.team);

/** Outcome reports (small numbers suppressed): a manager for their team; leads and admins for any. */
export function reportScope(actor: Actor, requestedTeam: string | undefined): { team?: string } | null {
  if (managesTeam(actor, actor.team)) return { team: actor.team };
  if (actor.role === 'safeguarding_lead' || actor.role === 'admin') return { team: requestedTeam };
  return null;
}

/** Users and tokens are administered by admins only. */
export const mayAdminister = (actor: Actor) => actor.role === 'admin';

/** Workflow machinery (status, history, retries) is for operators and admins, never plan contents. */
export const mayOperate = (actor: Actor) => actor.role === 'operator' || actor.role === 'admin';

/** Throws 403 with the reason unless allowed. */
export function ensure(allowed: boolean, why: string): void {
  if (!allowed) throw forbidden(why);
}
