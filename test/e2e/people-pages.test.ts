import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import request from 'supertest';
import { setPassword } from '../../api/http/accounts';
import { as } from '../helpers/api';
import { eventually } from '../helpers/eventually';
import { startBody } from '../helpers/visits';
import { pagesSuite } from './pages-suite';

// What people meet on the pages (issue 16): times on their team's clock with the zone named,
// and a dashboard that names the team's workers and the client references.
describe('People on the pages in headless Chromium', () => {
  const pages = pagesSuite();

  /** The pages' own clock, in a browser set to another zone than the team's. */
  async function clocks(page: Page, times: string[], timeZone?: string): Promise<string[]> {
    return page.evaluate(
      async ([list, zone]) => {
        const ui = (await import('/app/ui.js' as string)) as { clock(iso: string, zone?: string): string };
        return (list as string[]).map((iso) => (zone ? ui.clock(iso, zone as string) : ui.clock(iso)));
      },
      [times, timeZone] as const,
    );
  }

  it("When a page shows times either side of a BST change, then they are the team's UK times with the zone, whatever the device's zone", async () => {
    const context = await pages.browser.newContext({ timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    await page.goto(`${pages.base}/app/dashboard`);
    const spring = ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z'];
    const autumn = ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z'];
    // Signed out: London, the default.
    expect(await clocks(page, [...spring, ...autumn])).toEqual(['00:30 GMT', '02:30 BST', '01:30 BST', '01:30 GMT']);
    // Signed in: the zone of the person's team, from their session.
    await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
        'carewatch.session',
        JSON.stringify({ token: 'cw_x', expiresAt: null, user: { timeZone: 'Europe/Paris' } }),
      ),
    );
    expect(await clocks(page, autumn)).toEqual(['02:30 CEST', '02:30 CET']);
    expect(await clocks(page, spring, 'Europe/London')).toEqual(['00:30 GMT', '02:30 BST']);
    await context.close();
  });

  it("When a manager opens the dashboard, then it names their team's workers and the client references, and the audit log records the read", async () => {
    const tag = randomUUID().slice(0, 8);
    const team = `dash-${tag}`;
    const hourOf = (ms: number) => Math.floor(ms / 3_600_000);
    const startedHour = hourOf(Date.now());
    const db = pages.api.harness.db;
    const wendy = await as(`wendy-${tag}`, 'worker', team, { name: 'Wendy Worker', email: `wendy-${tag}@example.org` });
    const omar = await as(`omar-${tag}`, 'worker', team, { name: 'Omar Osei', email: `omar-${tag}@example.org` });
    const manager = await as(`manager-${tag}`, 'manager', team, { name: 'Mina Manager', email: `manager-${tag}@example.org` });
    const first = await request(pages.api.app)
      .post('/visits')
      .set(wendy)
      .send(startBody(`${tag}-1`, { clientRef: `C-W-${tag}` }))
      .expect(201);
    await request(pages.api.app)
      .post('/visits')
      .set(omar)
      .send(startBody(`${tag}-2`, { clientRef: `C-O-${tag}` }))
      .expect(201);
    await request(pages.api.app).post(`/visits/${first.body.visitId}/red-flag`).set(wendy).send({}).expect(202);
    const listed = async () => (await request(pages.api.app).get('/dashboard/visits').set(manager).expect(200)).body;
    // The rows are written beside the workflows: wait for both.
    await eventually(async () => (await db.visit.count({ where: { team } })) === 2);

    // Workers see no names, another team's manager only their own team; the team's manager sees them.
    await request(pages.api.app).get('/dashboard/visits').set(wendy).expect(403);
    const elsewhere = await request(pages.api.app)
      .get('/dashboard/visits')
      .set(await as(`boss-${tag}`, 'manager', `other-${tag}`))
      .expect(200);
    expect(elsewhere.body).toMatchObject({ team: `other-${tag}`, visits: [] });
    const body = await listed();
    expect(body).toMatchObject({ team, timeZone: 'Europe/London' });
    expect(body.visits.map((v: { workerName: string; clientRef: string }) => `${v.workerName} ${v.clientRef}`).sort()).toEqual([`Omar Osei C-O-${tag}`, `Wendy Worker C-W-${tag}`]);

    const reads = () => db.auditEntry.findMany({ where: { action: 'dashboard.read', targetType: 'team', targetId: team }, orderBy: { seq: 'asc' } });
    expect((await reads())[0]).toMatchObject({ actorId: `manager-${tag}`, actorRole: 'manager', data: { visitIds: body.visits.map((v: { id: string }) => v.id) } });

    // In the browser: names and references, never "worker 4fdde034 · visit ca777ebc".
    await setPassword(db, `manager-${tag}`, 'correct horse battery staple');
    const context = await pages.browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/Los_Angeles' });
    const page = await context.newPage();
    await page.goto(`${pages.base}/app/dashboard`);
    await page.getByLabel('Email', { exact: true }).fill(`manager-${tag}@example.org`);
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.locator(`#attention [data-visit="${first.body.visitId}"]`).getByText(`Wendy Worker · client C-W-${tag}`).waitFor();
    const open = await page.locator('#open').innerText();
    expect(open).toContain(`Omar Osei · client C-O-${tag}`);
    // The team's clock, not the desk computer's: winter in London.
    expect(open).toMatch(/ends \d\d:\d\d GMT/);
    expect(await page.locator('main').innerText()).not.toMatch(/worker [0-9a-f]{8}|visit [0-9a-f]{8}/);
    await page.getByRole('button', { name: `Take charge of the visit of Wendy Worker · client C-W-${tag}` }).waitFor();
    await context.close();

    // The worker's phone says whom the directory will alert.
    await setPassword(db, `omar-${tag}`, 'correct horse battery staple');
    const phoneContext = await pages.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
    const phone = await phoneContext.newPage();
    await phone.goto(`${pages.base}/app/`);
    await phone.getByLabel('Email', { exact: true }).fill(`omar-${tag}@example.org`);
    await phone.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await phone.getByRole('button', { name: 'Sign in', exact: true }).click();
    await phone.getByLabel('Client reference').fill(`C-P-${tag}`);
    await phone.getByLabel('Where').fill('12 Acacia Avenue, Leeds LS1 1AA');
    await phone.getByLabel("Buddy's name").fill('Bob Buddy');
    await phone.getByLabel("Buddy's email").fill(`buddy-${tag}@example.org`);
    await phone.getByRole('button', { name: 'Start visit' }).click();
    await phone.getByText('Visit started. Alerts go to Bob Buddy (your buddy), Mina Manager (your manager) and On-call Desk (on call).').waitFor();
    await phoneContext.close();
    // The page's polls of the same visits in the same hour add no entry: one read recorded
    // (two if the test ran across the turn of an hour).
    expect(await reads()).toHaveLength(hourOf(Date.now()) - startedHour + 1);
  });
});
