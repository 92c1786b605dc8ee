import { Router } from 'express';
import type { AppDeps } from '../deps';
import { actorOf, forbidden } from '../http/actor';
import { notFound } from '../http/errors';
import { parse } from '../http/validate';
import { documentPaths } from '../openapi/paths';
import { RequestView, WorkflowRequestParams } from '../schemas/common';

documentPaths('requests')('get', '/requests/{requestId}', 'How a request answered 202 went: pending, done with its result, or refused with why', {
  params: WorkflowRequestParams,
  ok: RequestView,
  errors: [401, 403, 404],
});

export function requestRoutes({ db }: AppDeps): Router {
  const router = Router();
  router.get('/requests/:requestId', async (req, res) => {
    const actor = actorOf(req);
    const { requestId } = parse(WorkflowRequestParams, req, 'params');
    const row = await db.workflowRequest.findUnique({ where: { id: requestId } });
    if (!row) throw notFound('Request');
    // The answer may carry what the case decided: only whoever asked reads it.
    if (row.actorId !== actor.id) throw forbidden('Not a request you made');
    res.json({
      requestId: row.id,
      name: row.name,
      status: row.status,
      result: row.result ?? null,
      message: row.message,
      createdAt: row.createdAt.toISOString(),
      answeredAt: row.answeredAt?.toISOString() ?? null,
    });
  });
  return router;
}
