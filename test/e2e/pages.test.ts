import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { hashPassword } from '../../api/http/credentials';
import { chromiumPath } from '../../infra/chromium';
import { projectRoot } from '../../infra/paths';
import { startApi, type ApiHarness } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { sentTo } from '../helpers/visits';

/** Screenshots of each step, kept as test artefacts (gitignored). */
const SHOTS = path.join(projectRoot, 'test-artifacts', 'pages');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const DESKTOP = { viewport: { width: 1280, height: 900 } };
const PASSWORD = 'correct horse battery staple';

/**
 * The test controls time through the visit's own policy, as a cautious worker could: every
 * wait at its shortest (1 minute) and the ladder buddy → manager. Added to the page's start
 * request on the wire, so the page sends what it always sends and the API validates the rest.
 */
const SHORT_POLICY = {
  checkInIntervalMinutes: 1,
  reminderBeforeMinutes: 1,
  graceMinutes: 1,
  ladder: [
    { notify: 'buddy', waitMinutes: 1, repeats: 1 },
    { notify: 'manager', waitMinutes: 1, repeats: 1 },
  ],
};

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Serious and critical accessibility violations axe-core finds on the page as it is now.
 * Evaluated through the DevTools protocol: the pages' Content-Security-Policy (no inline
 * scripts) stays on for the whole test.
 */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('Web pages in headless Chromium', () => {
  let api: ApiHarness;
  let server: Server;
  /** Responses not yet finished: the pages' requests, still running on the server. */
  const responses = new Set<ServerResponse>();
  let base: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let step = 0;
  /** The phone's screen as the worker sees it; the whole dashboard. */
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: path.join(SHOTS, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: page.viewportSize()!.width > PHONE.viewport.width });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    api = await startApi();
    server = createServer((req, res) => {
      responses.add(res);
      res.on('finish', () => responses.delete(res));
      api.app(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const executablePath = chromiumPath();
    if (!executablePath) throw new Error('Chromium is missing: npm test provisions it (scripts/provision.ts --for-tests)');
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    // The last state of every page, also when the test failed half-way.
    for (const [i, page] of contexts.flatMap((c) => c.pages()).entries()) await page.screenshot({ path: path.join(SHOTS, `final-${i}.png`), fullPage: true });
    for (const c of contexts) await c.close();
    await browser?.close();
    // A request the closed browser left behind may still be calling Temporal: let it finish
    // before the connection closes under it.
    await eventually(async () => [...responses].every((r) => r.writableEnded), 60_000);
    await new Promise((resolve) => server?.close(resolve));
    await api?.close();
  });

  async function person(role: 'worker' | 'manager', team: string, tag: string) {
    const db = api.harness.db;
    await db.team.upsert({ where: { id: team }, create: { id: team, name: team, onCallName: 'On-call Desk', onCallEmail: `oncall-${tag}@example.org` }, update: {} });
    const name = role === 'worker' ? 'Wendy Worker' : 'Mina Manager';
    const email = `${role}-${tag}@example.org`;
    const user = await db.user.create({ data: { email, name, role, teamId: team, passwordHash: await hashPassword(PASSWORD) } });
    return { id: user.id, name, email };
  }

  async function signIn(options: typeof PHONE | typeof DESKTOP, url: string, email: string): Promise<Page> {
    const context = await browser.newContext(options);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}${url}`);
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator('#who').waitFor();
    return page;
  }

  test(
    'When a worker on a phone misses a check-in, the dashboard shows the escalation, the manager takes charge from the email link and the all-clear reaches everyone',
    async () => {
      const tag = randomUUID().slice(0, 8);
      const team = `pages-${tag}`;
      const worker = await person('worker', team, tag);
      const manager = await person('manager', team, tag);
      const buddy = `buddy-${tag}@example.org`;
      const { smtp, db } = api.harness;

      // Worker: sign in on the phone, start a visit.
      const phone = await signIn(PHONE, '/app/', worker.email);
      await phone.route('**/visits', async (route) => {
        if (route.request().method() !== 'POST') return route.continue();
        return route.continue({ postData: JSON.stringify({ ...route.request().postDataJSON(), policy: SHORT_POLICY }) });
      });
      await phone.getByLabel('Client reference').fill(`C-${tag}`);
      await phone.getByLabel('Where').fill('12 Acacia Avenue, Leeds LS1 1AA');
      await phone.getByLabel("Buddy's name").fill('Bob Buddy');
      await phone.getByLabel("Buddy's email").fill(buddy);
      await phone.getByLabel("Manager's user id").fill(manager.id);
      expect(await axeViolations(phone)).toEqual([]);
      await shot(phone, 'worker-start-form');
      await phone.getByRole('button', { name: 'Start visit' }).click();
      await phone.getByText('You are being watched.').waitFor();
      // A function, not a string: the page's Content-Security-Policy forbids eval.
      await phone.waitForFunction(() =>
        /^\d+:\d\d$/.test((globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }).document.getElementById('countdown').textContent),
      );
      expect(await axeViolations(phone)).toEqual([]);
      await shot(phone, 'worker-visit-started');
      const visit = await db.visit.findFirstOrThrow({ where: { workerId: worker.id, clientRef: `C-${tag}` } });
      expect(visit.status).toBe('open');

      // Manager: the dashboard lists the open visit.
      const desk = await signIn(DESKTOP, '/app/dashboard', manager.email);
      await desk.locator(`#open [data-visit="${visit.id}"]`).waitFor();
      await shot(desk, 'dashboard-open-visit');

      // The check-in is missed: after the interval and the grace the buddy, then the manager, are alerted.
      await phone.getByText(/Escalation started/).waitFor({ timeout: 4 * 60_000 });
      await shot(phone, 'worker-escalation-started');
      const [alert] = await smtp.waitFor(1, (m) => m.to.includes(manager.email) && m.subject.startsWith('URGENT'), 4 * 60_000);
      const card = desk.locator(`#attention [data-visit="${visit.id}"]`);
      await card.getByText('Escalating').waitFor({ timeout: 15_000 });
      expect(await axeViolations(desk)).toEqual([]);
      await shot(desk, 'dashboard-escalation');

      // The manager follows the link in the email (its path, on this test server).
      const link = alert!.text.match(/https?:\/\/\S+\/visits\/ack\/\S+/)?.[0];
      expect(link).toBeDefined();
      await desk.goto(`${base}${new URL(link!).pathname}`);
      await desk.getByRole('heading', { name: 'Take charge of this alert?' }).waitFor();
      expect(await axeViolations(desk)).toEqual([]);
      await shot(desk, 'ack-link-page');
      await desk.getByRole('button', { name: 'I am taking charge' }).click();
      await desk.getByRole('heading', { name: 'You have taken charge' }).waitFor();
      expect(await desk.getByTestId('owner').textContent()).toContain(`${manager.name} (manager) took charge`);
      await shot(desk, 'ack-taken-charge');
      // The link is single-use: opened again, it says who has it and offers nothing to press.
      await desk.goto(`${base}${new URL(link!).pathname}`);
      await desk.getByRole('heading', { name: 'Someone has already taken charge' }).waitFor();
      expect(await desk.getByTestId('owner').textContent()).toContain(manager.name);
      expect(await desk.getByRole('button', { name: 'I am taking charge' }).count()).toBe(0);

      // The worker sees who has it, and checks in.
      await phone.getByText(`${manager.name} (manager) has taken charge`, { exact: false }).waitFor({ timeout: 15_000 });
      await shot(phone, 'worker-someone-has-taken-charge');
      await phone.getByRole('button', { name: "I'm OK" }).click();
      await phone.getByText("I'm OK: done").waitFor();
      await phone.getByText('You are in touch: the alert has stood down.').waitFor();
      await shot(phone, 'worker-checked-in');

      // Everyone alerted hears the all-clear; the buddy also heard who took charge.
      await smtp.waitFor(2, (m) => m.subject.startsWith('All clear') && (m.to.includes(buddy) || m.to.includes(manager.email)));
      expect(sentTo(smtp.messages, buddy).map((m) => m.subject)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^URGENT/), expect.stringMatching(/has taken charge/), expect.stringMatching(/^All clear/)]),
      );
      const events = await eventually(async () => {
        const rows = await db.visitEvent.findMany({ where: { visitId: visit.id }, orderBy: { seq: 'asc' } });
        return rows.some((e) => e.type === 'checked-in') && rows.map((e) => e.type);
      });
      expect(events).toEqual(expect.arrayContaining(['visit-started', 'alert-sent', 'acknowledged', 'checked-in']));

      // The incident stays open until the manager resolves it from the dashboard.
      await desk.goto(`${base}/app/dashboard`);
      const incident = desk.locator(`#attention [data-visit="${visit.id}"]`);
      await incident.getByText('Incident open').waitFor({ timeout: 15_000 });
      await shot(desk, 'dashboard-incident-after-all-clear');
      await incident.getByRole('button', { name: /^Resolve/ }).click();
      await desk.getByLabel('Outcome').selectOption('worker-safe');
      await desk.getByLabel(/^Why/).fill('Worker phoned back: signal lost in the basement flat.');
      await desk.getByRole('button', { name: 'Resolve', exact: true }).click();
      await desk.locator(`#open [data-visit="${visit.id}"]`).waitFor({ timeout: 15_000 });
      await shot(desk, 'dashboard-resolved');
      const resolved = await eventually(() => db.visitEvent.findFirst({ where: { visitId: visit.id, type: 'incident-resolved' } }));
      expect(resolved.reason).toBe('Worker phoned back: signal lost in the basement flat.');
    },
    8 * 60_000,
  );
});
