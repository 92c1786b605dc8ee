import { Router } from 'express';
import { z } from 'zod';
import { registry } from '../openapi/registry';
import type { AppDeps } from '../deps';

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const Health = registry.register(
  'Health',
  z.object({ status: z.enum(['ok', 'degraded']), checks: z.object({ temporal: Check, database: Check, mail: Check }) }),
);

registry.registerPath({
  method: 'get',
  path: '/healthz',
  summary: 'Reachability of Temporal, the database and the mail relay',
  responses: {
    200: { description: 'Everything reachable', content: { 'application/json': { schema: Health } } },
    503: { description: 'Something is unreachable', content: { 'application/json': { schema: Health } } },
  },
});

const TIMEOUT_MS = 3_000;

async function check(probe: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const started = Date.now();
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref()),
    ]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
  }
}

export function healthRoutes({ temporal, db, channel }: AppDeps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const [temporalCheck, database, mail] = await Promise.all([
      check(() => temporal.workflowService.getSystemInfo({})),
      check(() => db.$queryRaw`SELECT 1`),
      check(() => channel.verify()),
    ]);
    const checks = { temporal: temporalCheck, database, mail };
    const ok = Object.values(checks).every((c) => c.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', checks });
  });
  return router;
}
