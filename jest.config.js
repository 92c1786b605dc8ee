/** jest on CommonJS via ts-jest; type checking is `tsc --noEmit` in `npm test`, not per file. */
const project = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The generated Prisma client imports its own .ts files by their .js names.
  moduleNameMapper: { '^(\\.{1,2}/(?:.*/)?(?:internal|models|enums|client|models|commonInputTypes|browser|prismaNamespace|class)[^/]*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  setupFiles: ['<rootDir>/test/setup/quiet-runtime.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
};

module.exports = {
  projects: [
    { ...project, displayName: 'default', testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'] },
    // Real processes killed and restarted (README "Faults the tests survive"); the same global setup runs once.
    { ...project, displayName: 'faults', roots: ['<rootDir>/test/faults'] },
  ],
  testTimeout: 120_000,
  // Each test file runs its own time-skipping server and worker; two at a time fit 2 cores.
  maxWorkers: 2,
};
