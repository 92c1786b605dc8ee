import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributeCliTypes, searchAttributeKeys } from '../config/search-attributes';
import { searchAttributeArgs } from './temporal-cli';
import { dynamicConfigArgs } from './temporal-server-config';

export interface DevServer {
  address: string;
  uiUrl: string;
  /** The server process (absent when the SDK started it). */
  pid?: number;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** The CLI binary; null falls back to the SDK's download (needs the internet). */
  cli: string | null;
  dbFile: string;
  port: number;
  uiPort: number;
  namespace: string;
  /** Where the Web UI asks to decode payloads (the API's /codec), so operators read them. */
  codecEndpoint?: string;
  onLog: (line: string) => void;
}

/** Waits until the frontend answers gRPC, or fails after `timeoutMs`. */
export async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`Temporal at ${address} did not answer within ${timeoutMs / 1000} s: ${(err as Error).message}`, { cause: err });
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/**
 * The Temporal dev server with its Web UI, persisting to a SQLite file so timers survive a
 * restart of the whole stack.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const address = `127.0.0.1:${options.port}`;
  const uiUrl = `http://localhost:${options.uiPort}`;
  if (!options.cli) {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        dbFilename: options.dbFile,
        port: options.port,
        ui: true,
        uiPort: options.uiPort,
        namespace: options.namespace,
        searchAttributes: searchAttributeKeys,
        extraArgs: dynamicConfigArgs(),
      },
    });
    return { address, uiUrl, stop: () => env.teardown() };
  }
  const child: ChildProcess = spawn(
    options.cli,
    [
      'server',
      'start-dev',
      '--db-filename',
      options.dbFile,
      '--ip',
      '127.0.0.1',
      '--port',
      String(options.port),
      '--ui-port',
      String(options.uiPort),
      '--namespace',
      options.namespace,
      '--log-level',
      'warn',
      // Write-ahead logging lets the server's readers and its one writer proceed together;
      // commits stay fully synchronous, so a crash loses nothing it acknowledged.
      '--sqlite-pragma',
      'journal_mode=wal',
      ...(options.codecEndpoint ? ['--ui-codec-endpoint', options.codecEndpoint] : []),
      ...searchAttributeArgs(searchAttributeCliTypes()),
      ...dynamicConfigArgs(),
    ],
    // Its own process group: the launcher, not the terminal's Ctrl-C, decides when it stops.
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const relay = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((l) => l.trim())
      .forEach(options.onLog);
  child.stdout?.on('data', relay);
  child.stderr?.on('data', relay);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await Promise.race([
    waitForTemporal(address, 60_000),
    exited.then((code) => {
      throw new Error(`the Temporal dev server exited during start (code ${code}); is port ${options.port} or ${options.uiPort} in use?`);
    }),
  ]);
  return {
    address,
    uiUrl,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
