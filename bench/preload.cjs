// Preloaded into every Node process the bench starts (NODE_OPTIONS=--require), in plain
// CommonJS because it loads before tsx registers TypeScript:
// - BENCH_STATEMENTS_DIR: counts every statement the process sends to PostgreSQL (each pg
//   Client#query, BEGIN and COMMIT included: each is a round trip) and writes the running
//   total to <dir>/<pid> when sent SIGWINCH (on demand: writing on a timer showed up in the
//   worker's profile; not SIGUSR2, which the Temporal worker takes as a shutdown signal);
// - BENCH_CPU_PROF_DIR: the worker (worker/main.ts) records a V8 CPU profile from its start
//   to SIGTERM and writes it to <dir>/worker-<pid>.cpuprofile (`--cpu-prof` is not allowed in
//   NODE_OPTIONS, and a profile written at exit would miss a worker that is killed).
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
if (profileDir && isMainThread && process.argv.some((arg) => arg.endsWith(path.join('worker', 'main.ts')))) {
  const { Session } = require('node:inspector');
  const session = new Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  let written;
  const stopAndWrite = () =>
    (written ??= new Promise((resolve) =>
      session.post('Profiler.stop', (err, result) => {
        if (!err) fs.writeFileSync(path.join(profileDir, `worker-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
        resolve();
      }),
    ));
  process.once('SIGTERM', stopAndWrite);
  // The profiler answers asynchronously: an exit waits for the profile to be written.
  const exit = process.exit.bind(process);
  process.exit = (code) => {
    void stopAndWrite().then(() => exit(code));
  };
}
