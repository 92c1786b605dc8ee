import { Client, Connection } from '@temporalio/client';
import { apiEnvSchema, loadConfig } from '../config/env';
import { dataConverter } from '../lib/data-converter';
import { createDb } from '../lib/db';
import { createLogger } from '../lib/logger';
import { runMain } from '../lib/run-main';
import { requireSearchAttributes } from '../lib/search-attribute-check';
import { createEmailChannel } from '../lib/mailer';
import { createApp } from './app';
import { warmUp } from './warm-up';

async function main() {
  const config = loadConfig(apiEnvSchema);
  const log = createLogger('api', { level: config.LOG_LEVEL, env: config.NODE_ENV });
  const db = createDb(config.DATABASE_URL);
  const channel = createEmailChannel(config.SMTP_URL, 'healthcheck@carewatch.local');
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  await requireSearchAttributes(connection, config.TEMPORAL_NAMESPACE, config.TEMPORAL_ADDRESS);
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter(config) });
  const app = createApp({ config, temporal, db, channel, log });
  await warmUp(db, log);
  const server = app.listen(config.PORT, () => log.info({ port: config.PORT }, 'API listening'));
  // Stop accepting, let in-flight requests finish, then release connections.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'API draining');
      // Keep-alive connections would hold the close open for their idle timeout: each is closed
      // as soon as its request in flight has been answered.
      const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
      server.close(async () => {
        clearInterval(closeIdle);
        await connection.close();
        channel.close();
        await db.$disconnect();
        log.info('API stopped');
        process.exit(0);
      });
      setTimeout(() => process.exit(0), 10_000).unref();
    });
  }
}

runMain('api', main);
