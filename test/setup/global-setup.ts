// One real PostgreSQL and one Temporal dev server for the whole run, and the workflow code
// bundled once; test files start their own time-skipping servers where time must jump.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import { searchAttributeKeys } from '../../config/search-attributes';
import { startEmbeddedPostgres } from '../../infra/embedded-postgres';
import { deployMigrations } from '../../infra/migrations';
import { ensureTemporalCli } from '../../infra/temporal-cli';
import { ensureTestServer } from '../../infra/test-server';
import { newPayloadKey } from '../../lib/codec';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export default async function globalSetup() {
  const started = Date.now();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-test-'));
  const [cli, testServer] = await Promise.all([ensureTemporalCli(), ensureTestServer()]);
  if (!cli) throw new Error('The Temporal CLI is missing and Go is not installed: run `npm run provision` after installing Go >= 1.25');

  const db = await startEmbeddedPostgres({ dataDir: path.join(root, 'pg', 'data'), port: await freePort(), database: 'carewatch_test', ephemeral: true });
  await deployMigrations(db.url);

  const devServer = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, searchAttributes: searchAttributeKeys, ip: '127.0.0.1' },
  });

  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  const bundlePath = path.join(root, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  Object.assign(process.env, {
    TEST_ROOT: root,
    TEST_DATABASE_URL: db.url,
    TEST_TEMPORAL_ADDRESS: devServer.address,
    TEST_SERVER_PATH: testServer,
    TEMPORAL_CLI_PATH: cli,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    // Two keys, the newer active, so every test also runs on a rotated key ring.
    TEST_PAYLOAD_KEYS: [newPayloadKey('test-previous'), newPayloadKey('test-current')].join(','),
    TEST_PAYLOAD_ACTIVE_KEY_ID: 'test-current',
  });
  Object.assign(globalThis, { __carewatch: { db, devServer, root } });
  process.stderr.write(`\n[test] PostgreSQL, Temporal dev server and workflow bundle ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
  error: (message: string) => process.stderr.write(`[bundle] ${message}\n`),
};
