// Verifies the audit trail's hash chain: exits 0 when whole, 1 naming the first broken entry.
import { verifyAuditChain } from '../lib/audit';
import { createDb } from '../lib/db';
import { runMain } from '../lib/run-main';
import { operatorScriptConfig } from '../operations/script-env';

runMain('audit:verify', async () => {
  const db = createDb(operatorScriptConfig().DATABASE_URL, { poolSize: 1 });
  try {
    const report = await verifyAuditChain(db);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await db.$disconnect();
  }
});
