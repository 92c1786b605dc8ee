import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// Prisma 7's CLI downloads a native schema engine; Prisma 6 with the JS engine and the
// pg driver adapter works offline (see README, "Offline provisioning").
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL must be set for Prisma commands that reach the database');
    return new PrismaPg({ connectionString: url });
  },
});
