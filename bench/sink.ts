import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface AcceptedMail {
  at: number;
  to: string;
  subject: string;
}

export interface BenchSink {
  url: string;
  pid: number;
  /** Every message accepted so far, in acceptance order. */
  accepted(): AcceptedMail[];
  stop(): Promise<void>;
}

/** Starts the timestamping SMTP sink (sink-process.ts) and reads what it accepted. */
export async function startBenchSink(options: { port: number; dir: string }): Promise<BenchSink> {
  const logFile = path.join(options.dir, 'accepted.tsv');
  fs.writeFileSync(logFile, '');
  const child = fork(path.join(__dirname, 'sink-process.ts'), [String(options.port), logFile], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`the bench SMTP sink exited during start (code ${code}); is port ${options.port} in use?`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url: `smtp://127.0.0.1:${options.port}`,
    pid: child.pid!,
    accepted() {
      return fs
        .readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes('\t'))
        .map((line) => {
          const [at, to, subject] = line.split('\t');
          return { at: Number(at), to, subject };
        });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
