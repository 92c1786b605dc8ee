import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createApp } from '../../api/app';
import { hashPassword } from '../../api/http/credentials';
import { chromiumPath } from '../../infra/chromium';
import { startDevServer, type DevServer } from '../../infra/dev-server';
import { dataConverter } from '../../lib/data-converter';
import type { Db } from '../../lib/db';
import { createLogger } from '../../lib/logger';
import { visitWorkflowV3 } from '../../workflows/visit';
import { visitStartOptions } from '../../workflows/visit-contract';
import { freePort } from '../setup/global-setup';
import { LINK_SECRET, PUBLIC_URL, testDb, testPayloadKeys } from '../helpers/temporal';
import { visitInput } from '../helpers/visits';

const PASSWORD = 'correct horse battery staple';

/**
 * The stack as `npm start` runs it: the Temporal dev server with its Web UI pointed at the
 * API's /codec (infra/dev-server.ts), the API on another port of localhost, one browser.
 */
describe('The Temporal Web UI of npm start decodes payloads through the codec endpoint, for operators only (dev server UI, headless Chromium)', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'carewatch-ui-'));
  let db: Db;
  let server: Server;
  let devServer: DevServer;
  let connection: Connection;
  let client: Client;
  let browser: Browser;
  let apiBase: string;
  let uiBase: string;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    db = testDb();
    const [apiPort, uiPort, temporalPort] = await Promise.all([freePort(), freePort(), freePort()]);
    apiBase = `http://localhost:${apiPort}`;
    uiBase = `http://localhost:${uiPort}`;
    const app = createApp({
      config: { TEMPORAL_TASK_QUEUE: 'unused', TEMPORAL_NAMESPACE: 'default', PUBLIC_URL, LINK_SIGNING_SECRET: LINK_SECRET, TEMPORAL_UI_ORIGIN: uiBase, ...testPayloadKeys() },
      // Signing in and decoding touch only the database and the keys.
      temporal: undefined as never,
      db,
      channel: undefined as never,
      log: createLogger('ui-test', { level: 'silent', env: 'production' }),
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(apiPort, '127.0.0.1', resolve));
    devServer = await startDevServer({
      cli: process.env.TEMPORAL_CLI_PATH!,
      dbFile: path.join(tmp, 'temporal.db'),
      port: temporalPort,
      uiPort,
      namespace: 'default',
      codecEndpoint: `${apiBase}/codec`,
      onLog: () => undefined,
    });
    connection = await Connection.connect({ address: devServer.address });
    client = new Client({ connection, dataConverter: dataConverter(testPayloadKeys()) });
    const executablePath = chromiumPath();
    if (!executablePath) throw new Error('Chromium is missing: npm test provisions it (scripts/provision.ts --for-tests)');
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await connection?.close();
    await devServer?.stop();
    await new Promise((resolve) => server?.close(resolve));
    await db?.$disconnect();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function person(role: 'operator' | 'worker', tag: string) {
    const email = `${role}-${tag}@example.org`;
    await db.user.create({ data: { email, name: `${role} ${tag}`, role, passwordHash: await hashPassword(PASSWORD) } });
    return email;
  }

  /**
   * A browser where the person signed in on CareWatch's pages and set the UI's Codec Server
   * settings once: the endpoint, "Include cross-origin credentials" and "Use my browser setting
   * and ignore Cluster-level setting" (the dev server's UI has no flag for credentials). These
   * are the localStorage entries that dialog writes.
   */
  async function browserOf(email: string): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const settings = { endpoint: JSON.stringify(`${apiBase}/codec`), includeCredentials: 'true', overrideRemoteCodecConfiguration: 'true' };
    await context.addInitScript({
      content: `if (location.origin === ${JSON.stringify(uiBase)}) for (const [k, v] of Object.entries(${JSON.stringify(settings)})) localStorage.setItem(k, v);`,
    });
    const page = await context.newPage();
    await page.goto(`${apiBase}/app/dashboard`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('#who').waitFor();
    return page;
  }

  /** Opens the visit's workflow in the UI; resolves with the status of the UI's first decode request. */
  async function openInUi(page: Page, workflowId: string, runId: string): Promise<number> {
    const decoded = page.waitForResponse((r) => r.url() === `${apiBase}/codec/decode` && r.request().method() === 'POST', { timeout: 60_000 });
    await page.goto(`${uiBase}/namespaces/default/workflows/${workflowId}/${runId}/history`);
    return (await decoded).status();
  }

  it('When an operator opens a visit in the Web UI, then its input reads decoded; a worker signed in the same way sees no decoded input and their codec requests are refused', async () => {
    const tag = randomUUID().slice(0, 8);
    const { input } = visitInput({ risk: 'low', startMs: Date.now() });
    const location = `${tag} Acacia Avenue, Leeds LS1 1AA`;
    // No worker polls this queue: the UI reads the start event's input, encrypted by the client.
    const handle = await client.workflow.start(visitWorkflowV3, { ...visitStartOptions({ ...input, location }), taskQueue: `ui-${tag}` });

    const operator = await browserOf(await person('operator', tag));
    expect(await openInUi(operator, handle.workflowId, handle.firstExecutionRunId)).toBe(200);
    await operator.getByText(location, { exact: false }).first().waitFor({ timeout: 60_000 });

    const worker = await browserOf(await person('worker', tag));
    const workerToken = (await worker.evaluate(`JSON.parse(localStorage.getItem('carewatch.session')).token`)) as string;
    expect(await openInUi(worker, handle.workflowId, handle.firstExecutionRunId)).toBe(401);
    // Even a worker's own session token in the codec cookie is refused: only operators and admins decode.
    await worker.context().addCookies([{ name: 'carewatch_codec', value: workerToken, domain: 'localhost', path: '/codec', httpOnly: true, sameSite: 'Strict' }]);
    expect(await openInUi(worker, handle.workflowId, handle.firstExecutionRunId)).toBe(403);
    await worker.waitForTimeout(2_000);
    expect(await worker.getByText(location, { exact: false }).count()).toBe(0);
  });
});
