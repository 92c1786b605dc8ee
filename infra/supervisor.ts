// Keeps one child process running: a crash is logged and the child restarted after a
// backoff that grows while it keeps crashing, so one failure never takes the others down
// and a crash loop cannot spin the machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { EXIT_CONFIG } from '../lib/run-main';

export interface BackoffOptions {
  name: string;
  log: (line: string) => void;
  /** A restart waits `initialBackoffMs`, doubled after each crash up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Running this long counts as healthy again: the next crash starts from the initial backoff. */
  stableAfterMs?: number;
}

export interface SupervisedOptions extends BackoffOptions {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** A child that cannot run as configured (exit 78): restarting would only repeat it. */
  onFatal: (reason: string) => void;
}

/** The wait before the next restart, given how long the last run lasted. */
function restartBackoff(options: BackoffOptions): (ranMs: number) => number {
  const initial = options.initialBackoffMs ?? 1_000;
  const max = options.maxBackoffMs ?? 30_000;
  const stableAfter = options.stableAfterMs ?? 60_000;
  let next = initial;
  return (ranMs) => {
    if (ranMs >= stableAfter) next = initial;
    const wait = next;
    next = Math.min(next * 2, max);
    return wait;
  };
}

export interface Supervised {
  pid(): number | undefined;
  /** Stops supervising, then SIGTERM (SIGKILL after `timeoutMs`) and waits for the exit. */
  stop(timeoutMs?: number): Promise<void>;
}

export function supervise(options: SupervisedOptions): Supervised {
  const backoffAfter = restartBackoff(options);
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stopping = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;

  const launch = () => {
    const startedAt = Date.now();
    // Inherit output (the launcher's terminal is the log); own process group so Ctrl-C reaches only the launcher.
    const started = spawn(options.command, options.args, { env: options.env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
    child = started;
    exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    started.once('error', (err) => options.log(`${options.name} could not be started: ${err.message}`));
    started.once('exit', (code, signal) => {
      if (stopping) return;
      if (code === EXIT_CONFIG) {
        options.onFatal(`${options.name} refused its configuration (exit ${EXIT_CONFIG})`);
        return;
      }
      const backoff = backoffAfter(Date.now() - startedAt);
      restarts++;
      options.log(`${options.name} exited unexpectedly (${signal ?? `code ${code}`}); restart ${restarts} in ${(backoff / 1000).toFixed(1)} s`);
      timer = setTimeout(() => {
        timer = undefined;
        if (!stopping) launch();
      }, backoff);
    });
  };
  launch();

  return {
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    async stop(timeoutMs = 30_000) {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const kill = setTimeout(() => child?.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(kill);
    },
  };
}

/** A server started through its own handle (a Temporal node waits for its frontend), not a bare command. */
export interface Restartable {
  start(): Promise<void>;
  /** Settles when the running process exits, with how it ended (`SIGKILL`, `code 1`). */
  exited(): Promise<string>;
}

/**
 * Restarts `target` each time it exits until `stop()`, with the same backoff as `supervise`:
 * without it one crashed Temporal node stays down for good (and a single-node server takes
 * every timer with it) until a person notices.
 */
export function keepRunning(target: Restartable, options: BackoffOptions): { stop(): void } {
  const backoffAfter = restartBackoff(options);
  let stopping = false;
  let restarts = 0;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  void (async () => {
    let startedAt = Date.now();
    while (!stopping) {
      const how = await target.exited();
      if (stopping) return;
      const backoff = backoffAfter(Date.now() - startedAt);
      restarts++;
      options.log(`${options.name} exited unexpectedly (${how}); restart ${restarts} in ${(backoff / 1000).toFixed(1)} s`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, backoff);
      });
      if (stopping) return;
      startedAt = Date.now();
      try {
        await target.start();
        options.log(`${options.name} running again`);
      } catch (err) {
        options.log(`${options.name} did not start again: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  })();
  return {
    stop() {
      stopping = true;
      // A pending backoff would otherwise hold the launcher's event loop open for up to its length.
      clearTimeout(timer);
      wake?.();
    },
  };
}
