// Verifies the audit trail's hash chain: exits 0 when whole, 1 naming the first broken entry.
import { z } from 'zod';
import { loadConfig } from '../config/env';
import { verifyAuditChain } from '../lib/audit';
import { createDb } from '../lib/db';
import { runMain } from '../lib/run-main';

runMain('audit:verify', async () => {
  const { DATABASE_URL } = loadConfig(z.object({ DATABASE_URL: z.string().startsWith('postgres') }));
  const db = createDb(DATABASE_URL, { poolSize: 1 });
  try {
    const report = await verifyAuditChain(db);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await db.$disconnect();
  }
});
