import { existsSync } from 'node:fs';
import { commandExists, run } from './run';

/** Where Debian's `chromium` package puts the browser; CHROMIUM_PATH names another. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  return CANDIDATES.find((p) => existsSync(p));
}

/**
 * The browser the page tests drive through playwright-core: the distribution's package, never
 * a browser downloaded by Playwright (the build machines reach package registries only).
 * Installs it with apt-get when running as root; otherwise says what to install.
 */
export async function ensureChromium(): Promise<string> {
  const found = chromiumPath();
  if (found) return found;
  const root = process.getuid?.() === 0;
  if (!root || !(await commandExists('apt-get', ['--version']))) {
    throw new Error('Chromium is missing: install it (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set CHROMIUM_PATH to a chromium binary.');
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env, prefix: '[apt-get] ' });
  await run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, prefix: '[apt-get] ' });
  const installed = chromiumPath();
  if (!installed) throw new Error('apt-get installed chromium but no binary was found at /usr/bin/chromium');
  return installed;
}
