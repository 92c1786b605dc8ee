import fs from 'node:fs';
import path from 'node:path';
import { cacheDir } from './paths';
import { commandExists, run, timed } from './run';
import { MissingToolError } from './temporal-cli';

/** Schemathesis (PyPI), which fuzzes the API from its OpenAPI document; pinned so runs compare. */
export const SCHEMATHESIS_VERSION = '3.39.16';
/** Newer Hypothesis releases break this Schemathesis ("'many' object has no attribute 'more'"). */
const HYPOTHESIS_VERSION = '6.131.0';

/** Returns the path of the `st` command in a virtual environment under the tool cache. */
export async function ensureSchemathesis(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const dir = path.join(cacheDir(env), 'schemathesis', `${SCHEMATHESIS_VERSION}-hypothesis-${HYPOTHESIS_VERSION}`);
  const st = path.join(dir, 'venv', 'bin', 'st');
  const ready = path.join(dir, '.complete');
  if (fs.existsSync(ready) && fs.existsSync(st)) return st;
  const python = env.PYTHON ?? 'python3';
  if (!(await commandExists(python, ['-c', 'import venv, ensurepip']))) {
    throw new MissingToolError('Python 3.9+ with venv is needed for the API fuzz test (schemathesis): apt-get install python3-venv, or set PYTHON');
  }
  // A virtual environment cannot move once made, so an interrupted install is wiped and redone.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  await timed(`installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI (first run only)`, async () => {
    await run(python, ['-m', 'venv', path.join(dir, 'venv')], { prefix: '[venv] ' });
    await run(
      path.join(dir, 'venv', 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${SCHEMATHESIS_VERSION}`, `hypothesis==${HYPOTHESIS_VERSION}`],
      { prefix: '[pip] ' },
    );
  });
  fs.writeFileSync(ready, new Date().toISOString());
  return st;
}
