// Compares workflows with their database records and audit trail: the ids given, or every
// open visit and plan. Exits 1 when any differs.
import { runMain } from '../lib/run-main';
import { reconcileMany } from '../operations/reconcile';
import { operatorConnections, operatorScriptConfig } from '../operations/script-env';
import { listWorkflows, visibilityQuery } from '../operations/workflows';

runMain('reconcile', async () => {
  const { db, client, close } = await operatorConnections(operatorScriptConfig());
  try {
    const given = process.argv.slice(2);
    const ids = given.length ? given : (await listWorkflows(client, visibilityQuery({ open: true }), 10_000)).map((w) => w.workflowId);
    const report = await reconcileMany(client, db, ids);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = report.differing ? 1 : 0;
  } finally {
    await close();
  }
});
