// `npm run soak [-- --minutes 20 --visits 500 --plans 50 --seed 7 --temporal cluster|server|dev --dump soak.json]`: the soak test at a chosen
// size, run by jest in the faults project (its global setup provides the tools and keys).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TEMPORAL_BACKENDS } from '../../infra/temporal-backend';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string' },
    visits: { type: 'string' },
    plans: { type: 'string' },
    seed: { type: 'string' },
    'late-bound-ms': { type: 'string' },
    // The real server by default: its node kills and PostgreSQL restarts are part of the soak.
    temporal: { type: 'string', default: process.env.TEST_TEMPORAL ?? 'cluster' },
    dump: { type: 'string' },
  },
});
if (!(TEMPORAL_BACKENDS as readonly string[]).includes(values.temporal!)) throw new Error(`--temporal: expected one of ${TEMPORAL_BACKENDS.join(', ')}, got ${values.temporal}`);
const size: Record<string, number | string> = Object.fromEntries(
  Object.entries({ minutes: values.minutes, visits: values.visits, plans: values.plans, seed: values.seed, lateBoundMs: values['late-bound-ms'] })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const n = Number(v);
      if (!(n > 0)) throw new Error(`--${k}: expected a positive number, got ${v}`);
      return [k, n];
    }),
);
if (values.dump) size.dump = path.resolve(values.dump);
const root = path.resolve(__dirname, '../..');
// Its own process group, so an interrupted soak takes every process it started with it.
const jest = spawn(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--selectProjects', 'faults', '--runTestsByPath', 'test/faults/soak.test.ts'], {
  cwd: root,
  env: { ...process.env, SOAK_OPTIONS: JSON.stringify(size), TEST_TEMPORAL: values.temporal },
  stdio: 'inherit',
  detached: true,
});
const stop = () => {
  try {
    process.kill(-jest.pid!, 'SIGTERM');
    setTimeout(() => process.kill(-jest.pid!, 'SIGKILL'), 20_000).unref();
  } catch {
    // Already gone.
  }
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
jest.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
