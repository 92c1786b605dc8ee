import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { Router } from 'express';
import { z } from 'zod';
import { registry } from '../openapi/registry';
import type { AppDeps } from '../deps';

const Check = z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() });
const Health = registry.register('Health', z.object({ status: z.enum(['ok', 'degraded']), checks: z.object({ temporal: Check, worker: Check, database: Check, mail: Check }) }));

registry.registerPath({
  method: 'get',
  path: '/healthz',
  summary: 'Reachability of Temporal, the database and the mail relay, and a worker polling the task queue',
  responses: {
    200: { description: 'Everything reachable', content: { 'application/json': { schema: Health } } },
    503: { description: 'Something is unreachable, or no worker polls the task queue', content: { 'application/json': { schema: Health } } },
  },
});

const TIMEOUT_MS = 3_000;

/** Whether `probe` answered within the wait, and how long it took: never throws. */
export async function check(probe: () => Promise<unknown>): Promise<z.infer<typeof Check>> {
  const started = Date.now();
  try {
    await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)), TIMEOUT_MS).unref())]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - started, error: err instanceof Error ? err.message : String(err) };
  }
}

/** Asked of Temporal at most this often, so a monitor polling /healthz costs Temporal nothing. */
const POLLERS_CACHE_MS = 3_000;
/**
 * A poller seen this recently is a running worker. Idle polls return every 10 s (the dynamic
 * config's matching.longPollExpirationInterval), so a live worker is never older than that.
 */
export const POLLER_FRESH_MS = 30_000;

/** Fails unless a worker has polled the workflow task queue lately; the answer is cached a few seconds. */
function workerPolling(temporal: Client, namespace: string, taskQueue: string): () => Promise<void> {
  let cached: { at: number; answer: Promise<void> } | undefined;
  const ask = async () => {
    const { pollers } = await temporal.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue, kind: proto.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: proto.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const fresh = (pollers ?? []).filter((p) => p.lastAccessTime && Date.now() - tsToMs(p.lastAccessTime) < POLLER_FRESH_MS);
    if (!fresh.length) throw new Error(`no worker has polled task queue "${taskQueue}" in the last ${POLLER_FRESH_MS / 1000} s`);
  };
  return () => {
    if (!cached || Date.now() - cached.at > POLLERS_CACHE_MS) cached = { at: Date.now(), answer: ask() };
    return cached.answer;
  };
}

export function healthRoutes({ temporal, db, channel, config }: AppDeps): Router {
  const router = Router();
  const worker = workerPolling(temporal, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE);
  router.get('/healthz', async (_req, res) => {
    const [temporalCheck, workerCheck, database, mail] = await Promise.all([
      check(() => temporal.workflowService.getSystemInfo({})),
      check(worker),
      check(() => db.$queryRaw`SELECT 1`),
      check(() => channel.verify()),
    ]);
    const checks = { temporal: temporalCheck, worker: workerCheck, database, mail };
    const ok = Object.values(checks).every((c) => c.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', checks });
  });
  return router;
}
