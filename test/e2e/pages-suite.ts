import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath } from '../../infra/chromium';
import { startApi, type ApiHarness } from '../helpers/api';
import { eventually } from '../helpers/eventually';

export interface PagesSuite {
  api: ApiHarness;
  /** Where a browser reaches the API: a real port, as the pages' links need. */
  base: string;
  browser: Browser;
}

/**
 * The API on a port of its own and Debian's Chromium beside it, for one describe block; read
 * the fields inside tests (they are set before the first one runs).
 */
export function pagesSuite(): PagesSuite {
  const suite = {} as PagesSuite;
  let server: Server | undefined;
  /** Responses not yet finished: a request the closed browser left behind may still be calling Temporal. */
  const responses = new Set<ServerResponse>();
  beforeAll(async () => {
    suite.api = await startApi();
    server = createServer((req, res) => {
      responses.add(res);
      res.on('finish', () => responses.delete(res));
      suite.api.app(req, res);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    suite.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const executablePath = chromiumPath();
    if (!executablePath) throw new Error('Chromium is missing: npm test provisions it (scripts/provision.ts --for-tests)');
    suite.browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await suite.browser?.close();
    await eventually(async () => [...responses].every((r) => r.writableEnded), 60_000);
    await new Promise((resolve) => server?.close(resolve));
    await suite.api?.close();
  });
  return suite;
}
