import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ensureSchemathesis } from '../infra/schemathesis';
import { as, startApi, type ApiHarness } from './helpers/api';

// Schemathesis generates requests from /openapi.json for every operation and checks each
// answer: never a 5xx, and status, content type and body exactly as the document says. The
// examples are bounded and derandomised, so CI runs the same cases every time.
const MAX_EXAMPLES = Number(process.env.FUZZ_MAX_EXAMPLES ?? 12);
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];

function runSchemathesis(st: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(st, args, { env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('Fuzzing the API from its OpenAPI document (schemathesis, dev server, PostgreSQL)', () => {
  let api: ApiHarness;
  let server: Server;

  beforeAll(async () => {
    api = await startApi();
    // Generous limits: the fuzzer would otherwise spend its examples on 429s.
    const app = api.appWith({ LOGIN_RATE_LIMIT: 100_000, ACK_RATE_LIMIT: 100_000 });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await api?.close();
  });

  it('When every operation gets generated requests with a valid token, then no answer is a 5xx and every answer matches the document', async () => {
    const st = await ensureSchemathesis();
    const { authorization } = await as(`fuzz-manager-${randomUUID().slice(0, 6)}`, 'manager', `fuzz-${randomUUID().slice(0, 6)}`);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { code, output } = await runSchemathesis(st, [
      'run',
      `${base}/openapi.json`,
      `--base-url=${base}`,
      `--checks=${CHECKS.join(',')}`,
      `--header=Authorization: ${authorization}`,
      `--hypothesis-max-examples=${MAX_EXAMPLES}`,
      '--hypothesis-derandomize',
      // The document is OpenAPI 3.1 (zod-to-openapi's generator for JSON Schema nullability).
      '--experimental=openapi-3.1',
      '--hypothesis-suppress-health-check=all',
      // Signing out would revoke the fuzzer's own token mid-run; test/security.test.ts covers it.
      '--exclude-path=/auth/logout',
      '--workers=1',
      '--request-timeout=20000',
      '--no-color',
    ]);
    const summary = output
      .split('\n')
      .filter((l) => /passed|failed|errored|operations/i.test(l))
      .slice(-3)
      .join('\n');
    process.stderr.write(`[fuzz] ${summary}\n`);
    if (code !== 0) throw new Error(`schemathesis found problems (exit ${code}):\n${output.slice(-20_000)}`);
    expect(output).toMatch(/\d+ passed/);
  }, 900_000);
});
