import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { ConfigError, loadConfig } from '../config/env';
import { stackDatabaseUrl } from '../infra/stack-record';
import { dataConverter } from '../lib/data-converter';
import { createDb } from '../lib/db';

/**
 * What the operator commands need. Unset values point at the stack `npm start` runs (its
 * embedded PostgreSQL, its dev server and the development payload key under DATA_DIR).
 */
export function operatorScriptConfig(env: NodeJS.ProcessEnv = process.env) {
  const keyFile = path.join(env.DATA_DIR ?? 'data', 'payload-key');
  const devKeys = !env.PAYLOAD_KEYS && fs.existsSync(keyFile) ? fs.readFileSync(keyFile, 'utf8').trim() : undefined;
  const schema = z.object({
    DATABASE_URL: z
      .string()
      .startsWith('postgres')
      .default(stackDatabaseUrl(env.DATA_DIR ?? 'data', env.EMBEDDED_POSTGRES_PORT ?? 5433)),
    TEMPORAL_ADDRESS: z.string().default(`localhost:${env.TEMPORAL_PORT ?? 7233}`),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    /** Only commands that read Temporal payloads need the keys. */
    PAYLOAD_KEYS: z.string().min(1).optional(),
    PAYLOAD_ACTIVE_KEY_ID: z.string().min(1).optional(),
  });
  return loadConfig(schema, { ...(devKeys ? { PAYLOAD_KEYS: devKeys, PAYLOAD_ACTIVE_KEY_ID: devKeys.split(':')[0] } : {}), ...env });
}

/** A database and a Temporal client (with the service's payload codec) for one command. */
export async function operatorConnections(config: ReturnType<typeof operatorScriptConfig>) {
  const { PAYLOAD_KEYS, PAYLOAD_ACTIVE_KEY_ID } = config;
  if (!PAYLOAD_KEYS || !PAYLOAD_ACTIVE_KEY_ID)
    throw new ConfigError(['PAYLOAD_KEYS, PAYLOAD_ACTIVE_KEY_ID: required to read payloads (or run where DATA_DIR holds the development key)']);
  const db = createDb(config.DATABASE_URL, { poolSize: 2 });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverter({ PAYLOAD_KEYS, PAYLOAD_ACTIVE_KEY_ID }) });
  return {
    db,
    client,
    async close() {
      await connection.close();
      await db.$disconnect();
    },
  };
}
