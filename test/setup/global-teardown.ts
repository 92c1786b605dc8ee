import fs from 'node:fs';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { EmbeddedDatabase } from '../../infra/embedded-postgres';

export default async function globalTeardown() {
  const state = (globalThis as { __carewatch?: { db: EmbeddedDatabase; devServer: TestWorkflowEnvironment; root: string } }).__carewatch;
  if (!state) return;
  await state.devServer.teardown();
  await state.db.stop();
  fs.rmSync(state.root, { recursive: true, force: true });
}
