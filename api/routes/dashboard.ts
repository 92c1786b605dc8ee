import { createHash } from 'node:crypto';
import { Router } from 'express';
import { audit } from '../../lib/audit';
import { teamTimeZone } from '../../lib/time-zone';
import type { AppDeps } from '../deps';
import { actorOf, forbidden } from '../http/actor';
import { actingAs } from '../http/cover';
import { managesTeam } from '../http/policy';
import { parse } from '../http/validate';
import { documentPaths } from '../openapi/paths';
import { DashboardQuery, DashboardVisits } from '../schemas/dashboard';

const doc = documentPaths('dashboard');
doc('get', '/dashboard/visits', "The team's visits with its workers' names and the client references (manager, or deputy during cover; audited)", {
  query: DashboardQuery,
  ok: DashboardVisits,
  errors: [401, 403],
});

const HOUR_MS = 3_600_000;

/** The manager's dashboard: who is out, where (by client reference), and what is due. */
export function dashboardRoutes({ db }: AppDeps): Router {
  const router = Router();

  router.get('/dashboard/visits', async (req, res) => {
    const { actor, by } = await actingAs(db, actorOf(req));
    const team = actor.team;
    if (!team || !managesTeam(actor, team)) throw forbidden("Only a team's manager (or their deputy during cover) sees its workers by name");
    const { limit } = parse(DashboardQuery, req, 'query');
    const rows = await db.visit.findMany({ where: { team }, orderBy: { eta: 'asc' }, take: limit });
    // Names only of the team's own people: a visit never shows someone else's directory entry.
    const workers = await db.user.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.workerId))] }, teamId: team }, select: { id: true, name: true } });
    const nameOf = new Map(workers.map((w) => [w.id, w.name]));
    const visitIds = rows.map((r) => r.id);
    // Who saw which workers' whereabouts: one entry per set of visits shown per hour, since the
    // page asks every 5 seconds and the chain would otherwise grow by 720 reads an hour.
    const shown = createHash('sha256').update(visitIds.join(',')).digest('hex').slice(0, 16);
    await audit(db, {
      key: `dashboard.read:${actor.id}:${shown}:${Math.floor(Date.now() / HOUR_MS)}`,
      actor: { id: actor.id, role: actor.role },
      action: 'dashboard.read',
      target: { type: 'team', id: team },
      data: { visitIds, ...(by.onBehalfOf ? { onBehalfOf: by.onBehalfOf } : {}) },
    });
    res.json({
      team,
      timeZone: await teamTimeZone(db, team),
      visits: rows.map((r) => ({
        id: r.id,
        status: r.status,
        kind: r.kind,
        riskLevel: r.riskLevel,
        workerId: r.workerId,
        workerName: nameOf.get(r.workerId) ?? r.workerId,
        clientRef: r.clientRef,
        eta: r.eta.toISOString(),
        nextDueAt: r.nextDueAt?.toISOString() ?? null,
        escalationLevel: r.escalationLevel,
      })),
    });
  });

  return router;
}
