// `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile's time
// went: busy share of the main thread, then self time by package and by function.
import fs from 'node:fs';
import { runMain } from '../lib/run-main';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);

/** The package a script belongs to (`@prisma/client`, `pg`), `carewatch` for ours, or the V8 pseudo-frame. */
function owner(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName || '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node (core)';
  // The only WebAssembly in the worker is Prisma's query compiler.
  if (url.startsWith('wasm://')) return 'wasm (Prisma query compiler)';
  return url.includes('/generated/prisma/') ? 'prisma (generated client)' : 'carewatch';
}

export function summarise(profile: Profile, top = 15): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const add = (map: Map<string, number>, key: string, t: number) => map.set(key, (map.get(key) ?? 0) + t);
  const packages = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, t] of self) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    add(packages, owner(node), t);
    const { functionName, url, lineNumber } = node.callFrame;
    add(
      functions,
      IDLE.has(functionName)
        ? functionName
        : `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(?=[^/]+\/[^/]+$)/, '')}:${lineNumber + 1}`,
      t,
    );
  }
  const pct = (t: number) => `${((t / busy) * 100).toFixed(1)} %`;
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `| ${k} | ${(t / 1e6).toFixed(1)} | ${pct(t)} |`);
  return [
    `thread busy ${((busy / total) * 100).toFixed(1)} % of ${(total / 1e6).toFixed(0)} s profiled`,
    '',
    '| package | self s | of busy |',
    '| --- | --- | --- |',
    ...rows(packages),
    '',
    '| function | self s | of busy |',
    '| --- | --- | --- |',
    ...rows(functions),
  ].join('\n');
}

runMain('profile-summary', async () => {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.stdout.write(`${summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(top ?? 15))}\n`);
});
