import { spawn, type SpawnOptions } from 'node:child_process';

/** Runs a command to completion, streaming its output with a prefix; rejects on failure. */
export function run(command: string, args: string[], options: SpawnOptions & { prefix?: string } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = options.prefix ?? `[${command}] `;
    const relay = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) process.stderr.write(`${prefix}${line}\n`);
    };
    child.stdout?.on('data', relay);
    child.stderr?.on('data', relay);
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`))));
  });
}

/** True when the command can be executed at all. */
export function commandExists(command: string, args = ['--version']): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Logs a step's progress and how long it took. */
export async function timed<T>(label: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stderr.write(`[provision] ${label}...\n`);
  const result = await step();
  process.stderr.write(`[provision] ${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}
