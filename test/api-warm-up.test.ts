import { hashToken } from '../api/http/credentials';
import { warmUp } from '../api/warm-up';
import { createDb } from '../lib/db';
import type { Logger } from '../lib/logger';

const recordingLog = () => {
  const warnings: unknown[] = [];
  return { log: { warn: (...args: unknown[]) => warnings.push(args) } as unknown as Logger, warnings };
};

describe('The API warming up before it listens (PostgreSQL)', () => {
  it('When the database answers, then the start goes on with no warning and no token is created', async () => {
    const db = createDb(process.env.TEST_DATABASE_URL!, { poolSize: 1 });
    try {
      const { log, warnings } = recordingLog();
      await warmUp(db, log);
      expect(warnings).toEqual([]);
      expect(await db.apiToken.count({ where: { hash: hashToken('cw_warm-up') } })).toBe(0);
    } finally {
      await db.$disconnect();
    }
  });

  it('When the database cannot be reached, then the start goes on with a warning naming why', async () => {
    // Port 1 on loopback refuses at once: no PostgreSQL there.
    const db = createDb('postgresql://carewatch@127.0.0.1:1/none', { poolSize: 1 });
    try {
      const { log, warnings } = recordingLog();
      await expect(warmUp(db, log)).resolves.toBeUndefined();
      expect(warnings).toEqual([[{ error: expect.stringMatching(/.+/) }, 'API warm-up skipped: the database did not answer']]);
    } finally {
      await db.$disconnect();
    }
  });
});
