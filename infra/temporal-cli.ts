import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from './paths';
import { commandExists, run, timed } from './run';

/** The last CLI release whose module installs with `go install` (later tags use a replace directive). */
export const TEMPORAL_CLI_VERSION = '1.5.1';
const MODULE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;

export class MissingToolError extends Error {}

/**
 * Returns the path of a Temporal CLI binary (dev server + Web UI), building it from the Go
 * module proxy on first use. Returns null when Go is absent so the caller may fall back to
 * the SDK's own download, which needs the internet.
 */
export async function ensureTemporalCli(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env.TEMPORAL_CLI_PATH) {
    if (!fs.existsSync(env.TEMPORAL_CLI_PATH)) {
      throw new MissingToolError(`TEMPORAL_CLI_PATH points at ${env.TEMPORAL_CLI_PATH}, which does not exist`);
    }
    return env.TEMPORAL_CLI_PATH;
  }
  const dir = path.join(cacheDir(env), 'temporal-cli', TEMPORAL_CLI_VERSION);
  const binary = path.join(dir, 'temporal');
  if (fs.existsSync(binary)) return binary;
  if (!(await commandExists('go', ['version']))) return null;

  // Build into a scratch directory and rename, so an interrupted build never leaves a
  // half-written binary that a later run would trust.
  // A machine that has never run the project has no cache folder yet.
  fs.mkdirSync(cacheDir(env), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(cacheDir(env), 'temporal-cli-build-'));
  try {
    await timed(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first run only, ~4 min)`, () =>
      run('go', ['install', MODULE], { env: { ...process.env, GOBIN: scratch, GOFLAGS: '-trimpath' }, prefix: '[go] ' }),
    );
    fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(path.join(scratch, 'temporal'), binary);
  } catch (err) {
    throw new MissingToolError(
      `Could not build the Temporal CLI (${(err as Error).message}). Install Go >= 1.25 and re-run, ` +
        `or install the Temporal CLI yourself and set TEMPORAL_CLI_PATH to it.`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return binary;
}

/** Search attributes the dev server must know before workflows can set them. */
export function searchAttributeArgs(attributes: Record<string, string>): string[] {
  return Object.entries(attributes).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]);
}
