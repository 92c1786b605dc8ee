// Lint: determinism in workflow code, no promise left unhandled, no unused code.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeModules = [...new Set(builtinModules.map((m) => m.replace(/^node:/, '')))];
const nodeOnlyGlobals = ['process', 'Buffer', 'global', '__dirname', '__filename', 'require', 'module', 'exports', 'setImmediate', 'clearImmediate'];
const unused = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'generated/', 'coverage/', 'test-artifacts/', 'data/'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': unused,
    },
  },
  {
    // The workflow sandbox replays code: Node's modules and globals there break determinism
    // (domain/ is the rules the workflows import).
    files: ['workflows/**/*.ts', 'domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeModules.map((name) => ({ name, message: 'Node modules cannot run in the workflow sandbox; use an activity' })),
          patterns: [{ group: ['node:*'], message: 'Node modules cannot run in the workflow sandbox; use an activity' }],
        },
      ],
      'no-restricted-globals': ['error', ...nodeOnlyGlobals.map((name) => ({ name, message: 'Node globals are not in the workflow sandbox; pass the value in the input' }))],
    },
  },
  {
    files: ['web/**/*.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.browser },
    rules: { 'no-unused-vars': unused },
  },
  {
    files: ['**/*.cjs', 'jest.config.js'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'commonjs', globals: globals.node },
  },
  {
    files: ['**/*.mjs'],
    extends: [js.configs.recommended],
    languageOptions: { sourceType: 'module', globals: globals.node },
  },
);
