import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { planWorkflowId } from '../workflows/plan-contract';
import { visitWorkflowId } from '../workflows/visit-contract';
import { addDays, toDateString } from '../workflows/working-days';
import { as, personalDataOf } from './helpers/api';
import { eventually } from './helpers/eventually';
import { ownPlanContacts, planContent } from './helpers/plans';
import { startSmtpSink, type SmtpSink } from './helpers/smtp-sink';
import { LINK_SECRET, testPayloadKeys } from './helpers/temporal';
import { freePort } from './setup/global-setup';

const root = path.resolve(__dirname, '..');

/** The real entry point as its own process, its stdout and stderr kept for the scan. */
function run(entry: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, entry)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => text,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

// The worker and the API as they run in production (JSON logs at debug level), against the
// test servers; a visit with a red flag and a plan go through them, then their logs are read.
describe('No personal data in the logs the worker and the API write', () => {
  const tag = randomUUID().slice(0, 8);
  const team = `team-${tag}`;
  const personal = personalDataOf(tag);
  let smtp: SmtpSink;
  let worker: ReturnType<typeof run>;
  let api: ReturnType<typeof run>;
  let base = '';
  let visitId = '';
  const planContacts = ownPlanContacts(tag);
  let planId = '';

  const call = async (method: string, url: string, who: Promise<Record<string, string>>, body?: unknown) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { ...(await who), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { visitId: string; planId: string; timeline: unknown[] };
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  beforeAll(async () => {
    smtp = await startSmtpSink();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      LOG_LEVEL: 'debug',
      TEMPORAL_ADDRESS: process.env.TEST_TEMPORAL_ADDRESS,
      TEMPORAL_TASK_QUEUE: `logs-${tag}`,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      SMTP_URL: smtp.url,
      PUBLIC_URL: base,
      LINK_SIGNING_SECRET: LINK_SECRET,
      ...testPayloadKeys(),
      WORKFLOW_BUNDLE_PATH: process.env.WORKFLOW_BUNDLE_PATH,
      WORKER_METRICS_ADDRESS: `127.0.0.1:${await freePort()}`,
      PORT: String(port),
    };
    worker = run('worker/main.ts', env);
    api = run('api/main.ts', env);
    await eventually(async () => worker.output().includes('worker running') && api.output().includes('API listening'), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}; worker said:\n${worker.output().slice(-1500)}\nAPI said:\n${api.output().slice(-1500)}`);
    });

    await as(`manager-${tag}`, 'manager', team);
    const started = await call('POST', '/visits', as(`worker-${tag}`, 'worker', team, { name: personal.workerName, email: personal.workerEmail }), {
      kind: 'home',
      riskLevel: 'medium',
      clientRef: `C-${tag}`,
      location: personal.address,
      eta: new Date(Date.now() + 60 * 60_000).toISOString(),
      buddy: { name: personal.buddyName, email: personal.buddyEmail },
    });
    visitId = started.visitId;
    await call('POST', `/visits/${visitId}/red-flag`, as(`worker-${tag}`, 'worker', team), { reason: personal.redFlag });
    await smtp.waitFor(1, (m) => m.to[0] === personal.buddyEmail);
    await call('POST', `/visits/${visitId}/acknowledge`, as(`manager-${tag}`, 'manager', team));

    const content = planContent({ risks: [{ id: 'r1', description: personal.planText, likelyImpact: 'Cannot pay for care' }] });
    const created = await call('POST', '/plans', as(`prac-${tag}`, 'practitioner', team), {
      content,
      consent: { basis: 'given', capacityConfirmed: true },
      contacts: planContacts,
      firstReviewDate: addDays(toDateString(Date.now()), 30),
      benefitRationale: 'On-going risk of financial abuse',
    });
    planId = created.planId;
    await call('POST', `/plans/${planId}/go-live`, as(`mgr-${tag}`, 'manager', team));
    await eventually(async () => (await call('GET', `/plans/${planId}`, as(`mgr-${tag}`, 'manager', team))).timeline.length >= 2);
    // Let the last sends and records land before the processes stop.
    await new Promise((r) => setTimeout(r, 1_000));
    await Promise.all([worker.stop(), api.stop()]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await smtp?.close();
  });

  it('When a visit is red-flagged and acknowledged and a plan goes live, then the logs name ids, never people, places or plan text', () => {
    const logs = `${worker.output()}\n${api.output()}`;
    // The logs are there and about this run: the scan reads something real.
    expect(logs).toContain('worker running');
    expect(logs).toContain('API listening');
    expect(logs.split('\n').length).toBeGreaterThan(4);
    for (const [what, value] of Object.entries(personal)) expect({ what, found: logs.includes(value) }).toEqual({ what, found: false });
    expect([visitWorkflowId(visitId), planWorkflowId(planId)].join(' ')).not.toMatch(/Worker|Mill|pension/);
  });
});
