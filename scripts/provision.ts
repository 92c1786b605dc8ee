// One-time, idempotent provisioning of the real servers the service and its tests use.
// Everything lands in the cache directory (outside git); a second run only checks.
import { ensureChromium } from '../infra/chromium';
import { ensureTemporalCli, MissingToolError } from '../infra/temporal-cli';
import { ensureTemporalServerTools } from '../infra/temporal-server';
import { ensureSchemathesis } from '../infra/schemathesis';
import { ensureTestServer } from '../infra/test-server';
import { cacheDir } from '../infra/paths';
import { timed } from '../infra/run';

async function main() {
  const forTests = process.argv.includes('--for-tests');
  const started = Date.now();
  process.stderr.write(`[provision] tool cache: ${cacheDir()}\n`);
  const cli = await timed('Temporal CLI (dev server + Web UI)', () => ensureTemporalCli());
  if (!cli) {
    throw new MissingToolError('Go is not installed, so the Temporal CLI cannot be built. Install Go >= 1.25, or set TEMPORAL_CLI_PATH to a temporal binary.');
  }
  process.stderr.write(`[provision] temporal CLI: ${cli}\n`);
  const server = await timed('Temporal server, schema tool and Web UI server', () => ensureTemporalServerTools());
  for (const [name, binary] of Object.entries(server)) process.stderr.write(`[provision] temporal ${name}: ${binary}\n`);
  if (forTests) {
    const testServer = await timed('time-skipping test server', () => ensureTestServer());
    process.stderr.write(`[provision] test server: ${testServer}\n`);
    const st = await timed('schemathesis (API fuzzing)', () => ensureSchemathesis());
    process.stderr.write(`[provision] schemathesis: ${st}\n`);
    const chromium = await timed('Chromium for the page tests', () => ensureChromium());
    process.stderr.write(`[provision] chromium: ${chromium}\n`);
  }
  process.stderr.write(`[provision] all tools ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main().catch((err) => {
  process.stderr.write(`[provision] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
