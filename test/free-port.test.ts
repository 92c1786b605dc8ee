import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');

/** Another test process (another jest worker, another worktree's run) taking `n` ports. */
async function portsOfAnotherProcess(n: number): Promise<number[]> {
  const script = `const { freePort } = require('./test/setup/global-setup.ts'); (async () => { const ports = []; for (let i = 0; i < ${n}; i++) ports.push(await freePort()); console.log(JSON.stringify(ports)); })()`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root });
  return JSON.parse(stdout.trim().split('\n').pop()!) as number[];
}

test('When two test processes take ports at the same time, then no port is given to both, and every one lies below the ephemeral range', async () => {
  const [a, b] = await Promise.all([portsOfAnotherProcess(150), portsOfAnotherProcess(150)]);
  const all = [...a, ...b];
  expect(new Set(all).size).toBe(all.length);
  for (const port of all) {
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(27_000);
  }
}, 60_000);
