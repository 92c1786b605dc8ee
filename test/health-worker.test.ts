import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import { createApp } from '../api/app';
import { POLLER_FRESH_MS } from '../api/routes/health';
import { eventually } from './helpers/eventually';
import { testAppDeps } from './helpers/api';
import { connectDevServer, createHarness, createTestWorker } from './helpers/temporal';

test('When no worker polls the task queue, then /healthz answers 503 naming the worker; once one polls, 200; after it stops, 503 again', async () => {
  const env = await connectDevServer();
  const harness = await createHarness();
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    const app = createApp(testAppDeps(env, harness, 'health-test'));
    const health = () => request(app).get('/healthz');

    const none = await health().expect(503);
    expect(none.body).toMatchObject({ status: 'degraded', checks: { temporal: { ok: true }, database: { ok: true }, worker: { ok: false } } });
    expect(none.body.checks.worker.error).toContain(`no worker has polled task queue "${harness.taskQueue}"`);

    worker = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
    running = worker.run();
    const up = await eventually(async () => {
      const res = await health();
      return res.status === 200 && res.body;
    }, 20_000);
    expect(up.checks.worker).toMatchObject({ ok: true });

    worker.shutdown();
    await running;
    worker = undefined;
    const stoppedAt = Date.now();
    const down = await eventually(async () => {
      const res = await health();
      return res.status === 503 && res.body;
    }, POLLER_FRESH_MS + 30_000);
    expect(down.checks.worker.ok).toBe(false);
    process.stderr.write(`[health] /healthz turned 503 ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s after the only worker stopped\n`);
  } finally {
    if (worker) {
      worker.shutdown();
      await running;
    }
    await harness.close();
    await env.teardown();
  }
}, 120_000);
