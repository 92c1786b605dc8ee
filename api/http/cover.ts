import type { DecisionBy } from '../../domain/plan/types';
import type { Db } from '../../lib/db';
import type { Actor } from './actor';
import { asDeputy } from './policy';

/**
 * A deputy may act as their team's manager during the cover the manager designated; the
 * decision records both who decided and on whose behalf.
 */
export async function actingAs(db: Db, actor: Actor): Promise<{ actor: Actor; by: DecisionBy }> {
  const now = new Date();
  const cover =
    actor.role !== 'manager' && actor.team
      ? await db.managerDeputy.findFirst({ where: { deputyId: actor.id, team: actor.team, from: { lte: now }, until: { gt: now } }, orderBy: { createdAt: 'desc' } })
      : null;
  const acting = asDeputy(actor, cover);
  return { actor: acting, by: { actorId: actor.id, actorRole: acting.role, ...(cover ? { onBehalfOf: cover.managerId } : {}) } };
}
