import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { currentSchemaText, diffSql, generatedPart, isEmptyDiff, migrationNames, migrationsDir, SNAPSHOT } from '../infra/migrations';

const databaseUrl = () => process.env.TEST_DATABASE_URL!;

describe('Committed migrations and the Prisma schema never drift', () => {
  it('When the schema is compared with the last migration, then nothing is left unmigrated', async () => {
    const last = migrationNames().at(-1);
    expect(last).toBeDefined();
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'carewatch-drift-'));
    const current = path.join(scratch, SNAPSHOT);
    fs.writeFileSync(current, currentSchemaText());
    const sql = await diffSql(path.join(migrationsDir, last!, SNAPSHOT), current, databaseUrl());
    fs.rmSync(scratch, { recursive: true, force: true });
    expect(isEmptyDiff(sql) ? '' : sql).toBe('');
  });

  it(
    'When each migration is regenerated from the snapshots, then its SQL matches what is committed',
    async () => {
      const names = migrationNames();
      for (const [i, name] of names.entries()) {
        const previous = i === 0 ? null : path.join(migrationsDir, names[i - 1], SNAPSHOT);
        const expected = await diffSql(previous, path.join(migrationsDir, name, SNAPSHOT), databaseUrl());
        expect({ name, sql: generatedPart(fs.readFileSync(path.join(migrationsDir, name, 'migration.sql'), 'utf8')).trim() }).toEqual({ name, sql: expected.trim() });
      }
      // Each regeneration starts Prisma's schema engine (about 5 s on a loaded 2-core machine):
      // the whole took 118 s in CI against a flat 120 s, so the bound grows with the migrations.
    },
    30_000 * migrationNames().length,
  );
});
