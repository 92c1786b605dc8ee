import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { createApp } from '../../api/app';
import { createLogger } from '../../lib/logger';
import { connectDevServer, createHarness, createTestWorker, LINK_SECRET, PUBLIC_URL, testPayloadKeys, type Harness } from './temporal';

/** The API on the dev server with a running worker: real time, search attributes, list and count. */
export interface ApiHarness {
  env: TestWorkflowEnvironment;
  harness: Harness;
  app: Express;
  close(): Promise<void>;
}

export async function startApi(): Promise<ApiHarness> {
  const env = await connectDevServer();
  const harness = await createHarness();
  const worker: Worker = await createTestWorker(env.nativeConnection, env.namespace ?? 'default', harness);
  const running = worker.run();
  const app = createApp({
    config: { TEMPORAL_TASK_QUEUE: harness.taskQueue, TEMPORAL_NAMESPACE: env.namespace ?? 'default', PUBLIC_URL, LINK_SIGNING_SECRET: LINK_SECRET, ...testPayloadKeys() },
    temporal: env.client,
    db: harness.db,
    channel: harness.channel,
    log: createLogger('api-test', { level: 'silent', env: 'production' }),
  });
  return {
    env,
    harness,
    app,
    async close() {
      worker.shutdown();
      await running;
      await harness.close();
      await env.teardown();
    },
  };
}

/** Headers naming the caller (interim identity until token authentication). */
export const as = (id: string, role: string, team: string) => ({ 'x-actor-id': id, 'x-actor-role': role, 'x-actor-team': team });
