// Preloaded into every Node process the bench starts (NODE_OPTIONS=--require), in plain
// CommonJS because it loads before tsx registers TypeScript:
// - BENCH_STATEMENTS_DIR: counts every statement the process sends to PostgreSQL (each pg
//   Client#query, BEGIN and COMMIT included: each is a round trip) and writes the running
//   total to <dir>/<pid> when sent SIGWINCH (on demand: writing on a timer showed up in the
//   worker's profile; not SIGUSR2, which the Temporal worker takes as a shutdown signal);
// - BENCH_CPU_PROF_DIR: the worker (worker/main.ts) and the API (api/main.ts) record a V8 CPU
//   profile from their start to SIGTERM and write it to <dir>/worker-<pid>.cpuprofile (or
//   api-<pid>), and each of the worker's workflow threads to <dir>/worker-<pid>-thread-<id>.cpuprofile
//   (`--cpu-prof` is not allowed in NODE_OPTIONS, and a profile written at exit would miss a
//   process that is killed).
const fs = require('node:fs');
const path = require('node:path');
const { isMainThread } = require('node:worker_threads');

// Worker threads (the SDK runs workflows in some) load it too, with the same pid: only the main thread counts and writes.
const statementsDir = isMainThread && process.env.BENCH_STATEMENTS_DIR;
if (statementsDir) {
  const { Client } = require('pg');
  const query = Client.prototype.query;
  let statements = 0;
  Client.prototype.query = function countedQuery(...args) {
    statements++;
    return query.apply(this, args);
  };
  const file = path.join(statementsDir, String(process.pid));
  const write = () => fs.writeFileSync(file, String(statements));
  write();
  process.on('SIGWINCH', write);
}

const profileDir = process.env.BENCH_CPU_PROF_DIR;
// A thread's argv holds no script, but it inherits the main thread's environment as it was at the spawn.
const profiled = isMainThread
  ? ['worker', 'api'].find((name) => process.argv.some((arg) => arg.endsWith(path.join(name, 'main.ts'))))
  : process.env.BENCH_CPU_PROF_WORKER === String(process.pid) && 'worker';
if (profileDir && profiled) {
  if (profiled === 'worker') process.env.BENCH_CPU_PROF_WORKER = String(process.pid);
  const { Session } = require('node:inspector');
  const { threadId } = require('node:worker_threads');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  let written;
  const stopAndWrite = () =>
    (written ??= new Promise((resolve) =>
      session.post('Profiler.stop', (err, result) => {
        const name = isMainThread ? `${profiled}-${process.pid}` : `worker-${process.pid}-thread-${threadId}`;
        if (!err) fs.writeFileSync(path.join(profileDir, `${name}.cpuprofile`), JSON.stringify(result.profile));
        resolve();
      }),
    ));
  // The SDK's workflow threads get no signals: the main thread asks them over a channel, and
  // each answers once its profile is written.
  const channel = new BroadcastChannel('bench-cpu-profile');
  channel.unref();
  if (isMainThread) {
    let threadsWritten = 0;
    channel.onmessage = (event) => {
      if (event.data === 'written') threadsWritten++;
    };
    let stopped;
    // SIGTERM and the exit that follows it both ask: the threads are asked once.
    const stopAll = () =>
      (stopped ??= (async () => {
        channel.postMessage('stop');
        // The SDK starts one workflow thread (reuseV8Context): wait for it, at most 3 s.
        const threads = profiled === 'worker' ? 1 : 0;
        for (let waited = 0; threadsWritten < threads && waited < 3_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
        await stopAndWrite();
      })());
    process.once('SIGTERM', () => void stopAll());
    // The profiler answers asynchronously: an exit waits for the profiles to be written.
    const exit = process.exit.bind(process);
    process.exit = (code) => {
      void stopAll().then(() => exit(code));
    };
  } else {
    channel.onmessage = (event) => {
      if (event.data === 'stop') void stopAndWrite().then(() => channel.postMessage('written'));
    };
  }
}
