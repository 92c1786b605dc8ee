// The baseline's worker, a process of its own so its CPU and memory are measured apart.
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConfig, workerEnvSchema } from '../config/env';
import { dataConverter } from '../lib/data-converter';
import { createEmailChannel } from '../lib/mailer';
import { runMain } from '../lib/run-main';
import { createBaselineActivities } from './baseline-activities';

async function main() {
  const config = loadConfig(workerEnvSchema);
  const channel = createEmailChannel(config.SMTP_URL, config.MAIL_FROM);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    dataConverter: dataConverter(config),
    activities: createBaselineActivities(channel, config.PUBLIC_URL),
    workflowsPath: require.resolve('./baseline-workflow'),
  });
  process.once('SIGTERM', () => worker.shutdown());
  process.stdout.write('worker running\n');
  await worker.run();
  channel.close();
  await connection.close();
  process.exit(0);
}

runMain('baseline worker', main);
