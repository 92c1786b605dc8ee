import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities';
import { loadConfig, workerEnvSchema } from '../config/env';
import { dataConverter } from '../lib/data-converter';
import { startAuditChainer } from '../lib/audit';
import { createDb } from '../lib/db';
import { createLogger } from '../lib/logger';
import { runMain } from '../lib/run-main';
import { requireSearchAttributes } from '../lib/search-attribute-check';
import { createEmailChannel } from '../lib/mailer';
import { createWorker, workerTuning } from './create-worker';
import { ensureRetentionSchedule } from './retention-schedule';

async function main() {
  const config = loadConfig(workerEnvSchema);
  const log = createLogger('worker', { level: config.LOG_LEVEL, env: config.NODE_ENV });
  const db = createDb(config.DATABASE_URL, { poolSize: config.WORKER_DB_POOL_SIZE });
  const channel = createEmailChannel(config.SMTP_URL, config.MAIL_FROM);
  // The SDK's own metrics (task latencies, slots, polls) in Prometheus format; the API's /metrics relays them.
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: config.WORKER_METRICS_ADDRESS } } } });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  await requireSearchAttributes(connection, config.TEMPORAL_NAMESPACE, config.TEMPORAL_ADDRESS);
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  // The retention review is optional at start: nothing about it may keep visits from escalating.
  await ensureRetentionSchedule(new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(config) }), {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    cron: config.RETENTION_REVIEW_CRON,
    policy: { planYears: config.RETENTION_PLAN_YEARS, visitYears: config.RETENTION_VISIT_YEARS },
  }).catch((err: unknown) => log.error({ event: 'retention_schedule_failed', err }, 'retention review schedule not updated; visits and plans run regardless'));
  await clientConnection.close();
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dataConverter: dataConverter(config),
    activities: createActivities({ db, channel, publicUrl: config.PUBLIC_URL, linkSecret: config.LINK_SIGNING_SECRET }),
    workflowBundlePath: process.env.WORKFLOW_BUNDLE_PATH,
    tuning: workerTuning(config),
  });
  // Drain on SIGTERM/SIGINT: in-flight activities finish, then the process exits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'worker draining');
      worker.shutdown();
    });
  }
  // Activities write audit entries unchained; this loop links them (one chainer at a time
  // across workers: the others find its lock taken).
  const chainer = startAuditChainer(db, { onError: (err) => log.error({ err }, 'audit chainer round failed; retrying') });
  log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS }, 'worker running');
  await worker.run();
  await chainer.stop();
  await connection.close();
  channel.close();
  await db.$disconnect();
  log.info('worker stopped');
  // The logger's transport thread and pool timers would otherwise keep the process alive.
  log.flush();
  process.exit(0);
}

runMain('worker', main);
