import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributeKeys } from '../config/search-attributes';
import { missingSearchAttributes, requireSearchAttributes, SearchAttributesMissing } from '../lib/search-attribute-check';
import { EXIT_CONFIG } from '../lib/run-main';
import { eventually } from './helpers/eventually';
import { connectDevServer, LINK_SECRET, testPayloadKeys } from './helpers/temporal';

const { IndexedValueType } = temporal.api.enums.v1;
const ALL = searchAttributeKeys.map((k) => k.name);

/** Runs an entry point as `npm start` does and returns how it ended. */
function run(entry: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', entry)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('The start-up check of search attributes (Temporal dev server)', () => {
  let env: TestWorkflowEnvironment;
  // A namespace of its own: the shared one has every attribute registered by the global setup.
  const namespace = `sa-check-${randomUUID().slice(0, 8)}`;
  const address = () => process.env.TEST_TEMPORAL_ADDRESS!;

  beforeAll(async () => {
    env = await connectDevServer();
    await env.connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    // A new namespace reaches the server's cache a moment after it is registered.
    await eventually(() => missingSearchAttributes(env.connection, namespace).catch(() => null), 30_000);
  });
  afterAll(() => env?.teardown());

  it('When the namespace has none of the attributes, then the worker and the API refuse to start, naming each one and how to register it', async () => {
    await expect(missingSearchAttributes(env.connection, namespace)).resolves.toEqual(ALL.map((name) => ({ name, type: expect.any(String) })));
    const config = {
      TEMPORAL_ADDRESS: address(),
      TEMPORAL_NAMESPACE: namespace,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      SMTP_URL: 'smtp://127.0.0.1:9',
      LINK_SIGNING_SECRET: LINK_SECRET,
      ...testPayloadKeys(),
      PORT: '1',
      LOG_LEVEL: 'silent',
      // Any free port: another stack on this machine may hold the default one.
      WORKER_METRICS_ADDRESS: '127.0.0.1:0',
    };
    const [worker, api] = await Promise.all([run('worker/main.ts', config), run('api/main.ts', config)]);
    for (const [name, ended] of [
      ['worker', worker],
      ['api', api],
    ] as const) {
      expect(ended.code).toBe(EXIT_CONFIG);
      expect(ended.stderr).toContain(`${name}: Temporal namespace "${namespace}" at ${address()} lacks search attributes CareWatch writes:`);
      expect(ended.stderr).toContain(`temporal operator search-attribute create --address ${address()} --namespace ${namespace} --name CareStatus --type Keyword`);
      expect(ended.stderr).toContain(`--name CareNextDeadline --type Datetime`);
      expect(ended.stderr).not.toMatch(/at .*\.ts:\d+/);
    }
  }, 120_000);

  it('When some are registered, one with the wrong type, then only the rest are named; once all are right, the check passes', async () => {
    const operator = env.connection.operatorService;
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: {
        CareKind: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        CareTeam: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
        CareStatus: IndexedValueType.INDEXED_VALUE_TYPE_INT,
      },
    });
    const partly = await eventually(async () => {
      const missing = await missingSearchAttributes(env.connection, namespace);
      return missing.length === 3 && missing;
    }, 30_000);
    expect(partly).toEqual([
      { name: 'CareStatus', type: 'Keyword', registeredAs: 'Int' },
      { name: 'CareNextDeadline', type: 'Datetime' },
      { name: 'CareEscalationLevel', type: 'Int' },
    ]);
    const refused = await requireSearchAttributes(env.connection, namespace, 'temporal:7233').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(SearchAttributesMissing);
    expect((refused as Error).message).toContain('CareStatus (Keyword, registered as Int)');

    await operator.addSearchAttributes({
      namespace,
      searchAttributes: { CareNextDeadline: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME, CareEscalationLevel: IndexedValueType.INDEXED_VALUE_TYPE_INT },
    });
    await eventually(async () => (await missingSearchAttributes(env.connection, namespace)).length === 1, 30_000);
    // A wrongly typed attribute is removed and registered again, as the message says.
    await operator.removeSearchAttributes({ namespace, searchAttributes: ['CareStatus'] });
    await operator.addSearchAttributes({ namespace, searchAttributes: { CareStatus: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD } });
    await eventually(async () => (await missingSearchAttributes(env.connection, namespace)).length === 0, 30_000);
    await expect(requireSearchAttributes(env.connection, namespace, address())).resolves.toBeUndefined();
  });
});
