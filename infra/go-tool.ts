import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from './paths';
import { commandExists, run, timed } from './run';

export class MissingToolError extends Error {}

export interface GoTool {
  /** What the progress lines call it. */
  label: string;
  /** `module/path/cmd/x@version`, as `go install` takes it. */
  module: string;
  /** Cache folder name and version: the binary lands in `<cache>/<name>/<version>/<binary>`. */
  name: string;
  version: string;
  /** The file `go install` writes (the last path element of the module). */
  built: string;
  /** The name it is kept under in the cache. */
  binary: string;
  /** How long a first build takes on 2 cores, for the progress line. */
  estimate: string;
  /** An environment variable that points at an existing binary instead. */
  override?: string;
}

/** Where a tool's binary is (or will be) kept. */
export function goToolPath(tool: GoTool, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), tool.name, tool.version, tool.binary);
}

/**
 * Returns the path of a Go program built from the Go module proxy on first use and kept in
 * the tool cache. Returns null when Go is absent, so the caller decides what to fall back to.
 */
export async function ensureGoTool(tool: GoTool, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const override = tool.override && env[tool.override];
  if (override) {
    if (!fs.existsSync(override)) throw new MissingToolError(`${tool.override} points at ${override}, which does not exist`);
    return override;
  }
  const binary = goToolPath(tool, env);
  if (fs.existsSync(binary)) return binary;
  if (!(await commandExists('go', ['version']))) return null;

  // Build into a scratch directory and rename, so an interrupted build never leaves a
  // half-written binary that a later run would trust. A machine that has never run the
  // project has no cache folder yet.
  fs.mkdirSync(cacheDir(env), { recursive: true });
  const scratch = fs.mkdtempSync(path.join(cacheDir(env), `${tool.name}-build-`));
  try {
    await timed(`building ${tool.label} with Go (first run only, ${tool.estimate})`, () =>
      // GOTOOLCHAIN=local: a module asking for a newer Go must fail here, not try to download one.
      run('go', ['install', tool.module], { env: { ...process.env, GOBIN: scratch, GOFLAGS: '-trimpath', GOTOOLCHAIN: 'local' }, prefix: '[go] ' }),
    );
    fs.mkdirSync(path.dirname(binary), { recursive: true });
    fs.renameSync(path.join(scratch, tool.built), binary);
  } catch (err) {
    const hint = tool.override ? `, or build it yourself and set ${tool.override} to it` : '';
    throw new MissingToolError(`Could not build ${tool.label} (${(err as Error).message}). Install Go >= 1.25 and re-run${hint}.`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return binary;
}
