// Lint holds the architecture's lines (STYLE.md): who may import whom.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', '.build/**', 'node_modules/**', 'prisma/generated/**', '.tools/**', '.data/**', '.cache/**', 'ramdisk/**', '**/*.mjs', '**/*.js', 'prisma.config.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
      }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflows are deterministic: no Node built-ins, activity code only as types.
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: NODE_BUILTINS.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
        patterns: [
          { group: ['**/activities', '**/activities/**'], allowTypeImports: true, message: 'Workflows see activities by type only (proxyActivities<Activities>).' },
          { group: ['@nestjs/*', '@prisma/*', '**/prisma/**', '**/apps/**'], message: 'Workflows orchestrate; they never touch the API, the database or hardware.' },
        ],
      }],
    },
  },
  {
    // Contracts are pure and importable by everyone: they import nothing of ours.
    files: ['workflows/contracts/**/*.ts'],
    ignores: ['workflows/contracts/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['@*/*', '../*', '!./*'], message: 'workflows/contracts is pure: it imports only its own files.' }],
      }],
    },
  },
  {
    // The domain's rules are pure like the contracts: they import only their own files and workflows/contracts.
    files: ['workflows/domain/**/*.ts'],
    ignores: ['workflows/domain/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: NODE_BUILTINS.map((name) => ({ name, message: 'workflows/domain is pure: no Node built-ins.' })),
        patterns: [{ regex: '^(?!\\./|\\.\\./contracts/)', message: 'workflows/domain is pure: it imports only its own files and workflows/contracts.' }],
      }],
    },
  },
  {
    // Activities do side effects; they never import NestJS, the apps or workflow code (contracts and domain rules are fine).
    files: ['activities/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [
          { group: ['@nestjs/*', '**/apps/**'], message: 'Activities never import NestJS or the apps.' },
          { regex: '(^|/)workflows/(?!contracts/|domain/)', message: 'Activities may import workflows/contracts and workflows/domain only.' },
        ],
      }],
    },
  },
  {
    // The IPMI protocol library knows nothing of Temporal, NestJS or Prisma.
    files: ['activities/ipmi/rmcp/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{ group: ['@temporalio/*', '@nestjs/*', '@prisma/*', '**/prisma/**', '**/apps/**', '**/workflows/**'], message: 'The IPMI library is protocol only.' }],
      }],
    },
  },
);
