import fs from 'node:fs';
import type { EmbeddedDatabase } from '../../infra/embedded-postgres';

export default async function globalTeardown() {
  const state = (globalThis as { __carewatch?: { db: EmbeddedDatabase; temporal: { stop(): Promise<void> }; root: string } }).__carewatch;
  if (!state) return;
  // Each in turn even if one fails: nothing the run started may outlive it.
  await state.temporal.stop().catch((err) => process.stderr.write(`[test] Temporal did not stop cleanly: ${(err as Error).message}\n`));
  await state.db.stop();
  fs.rmSync(state.root, { recursive: true, force: true });
}
