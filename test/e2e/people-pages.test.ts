import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumPath } from '../../infra/chromium';
import { startApi, type ApiHarness } from '../helpers/api';

// What people meet on the pages (issue 16): times on their team's clock with the zone named.
describe('People on the pages in headless Chromium', () => {
  let api: ApiHarness;
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    api = await startApi();
    server = createServer((req, res) => api.app(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const executablePath = chromiumPath();
    if (!executablePath) throw new Error('Chromium is missing: npm test provisions it (scripts/provision.ts --for-tests)');
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await api?.close();
  });

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
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    await page.goto(`${base}/app/dashboard`);
    const spring = ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z'];
    const autumn = ['2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z'];
    // Signed out: London, the default.
    expect(await clocks(page, [...spring, ...autumn])).toEqual(['00:30 GMT', '02:30 BST', '01:30 BST', '01:30 GMT']);
    // Signed in: the zone of the person's team, from their session.
    await page.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('carewatch.session', JSON.stringify({ token: 'cw_x', expiresAt: null, user: { timeZone: 'Europe/Paris' } })));
    expect(await clocks(page, autumn)).toEqual(['02:30 CEST', '02:30 CET']);
    expect(await clocks(page, spring, 'Europe/London')).toEqual(['00:30 GMT', '02:30 BST']);
    await context.close();
  });
});
