// Lint holds the architecture's lines (STYLE.md): who may import whom.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import path from 'node:path';

const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

// Relative and `#` alias imports may only land inside the given folders (resolved against the
// importing file or the repository root, so the rule holds at any depth). Packages are left to the other rules.
const layers = {
  rules: {
    'imports-only-from': {
      meta: {
        type: 'problem',
        schema: [{ type: 'object', properties: { folders: { type: 'array', items: { type: 'string' } }, message: { type: 'string' } } }],
      },
      create(context) {
        const { folders, message } = context.options[0];
        const roots = folders.map((f) => path.join(import.meta.dirname, f));
        const check = (node) => {
          const spec = node.source?.value;
          if (typeof spec !== 'string' || !(spec.startsWith('.') || spec.startsWith('#'))) return;
          const target = spec.startsWith('#')
            ? path.join(import.meta.dirname, spec.slice(1))
            : path.resolve(path.dirname(context.filename), spec);
          if (!roots.some((r) => target === r || target.startsWith(r + path.sep)))
            context.report({ node: node.source, message: `${message} (${spec})` });
        };
        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
      },
    },
  },
};

// What activities may import (every activity file; the deploy phases add a rule of their own).
const ACTIVITY_IMPORTS = [
  { group: ['@nestjs/*', '\\#apps/**', '**/apps/**'], message: 'Activities never import NestJS or the apps.' },
  { regex: '(^#|/)workflows/(?!contracts/|domain/)', message: 'Activities may import workflows/contracts and workflows/domain only.' },
];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      '.build/**',
      'node_modules/**',
      'prisma/generated/**',
      '.tools/**',
      '.data/**',
      '.cache/**',
      'ramdisk/**',
      '**/*.mjs',
      '**/*.js',
      'prisma.config.ts',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflows are deterministic: no Node built-ins, activity code only as types.
    files: ['workflows/**/*.ts'],
    ignores: ['workflows/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: 'Workflow code must be deterministic: no Node built-ins.' })),
          patterns: [
            {
              group: ['\\#activities', '\\#activities/**', '**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows see activities by type only (proxyActivities<Activities>).',
            },
            {
              group: ['@nestjs/*', '@prisma/*', '\\#prisma/**', '\\#apps/**', '**/prisma/**', '**/apps/**'],
              message: 'Workflows orchestrate; they never touch the API, the database or hardware.',
            },
          ],
        },
      ],
    },
  },
  {
    // Contracts are pure and importable by everyone: they import nothing of ours.
    files: ['workflows/contracts/**/*.ts'],
    ignores: ['workflows/contracts/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['@*/*', '\\#*', '../*', '!./*'], message: 'workflows/contracts is pure: it imports only its own files.' }],
        },
      ],
    },
  },
  {
    // The domain is pure rules (hardware types and their interfaces, ...): it imports only its own files and the contracts.
    files: ['workflows/domain/**/*.ts'],
    ignores: ['workflows/domain/**/*.test.ts'],
    plugins: { layers },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS.map((name) => ({ name, message: 'workflows/domain is pure: no Node built-ins.' })),
        },
      ],
      'layers/imports-only-from': [
        'error',
        {
          folders: ['workflows/domain', 'workflows/contracts'],
          message: 'workflows/domain is pure: it imports only its own files and workflows/contracts.',
        },
      ],
    },
  },
  {
    // Activities do side effects; they never import NestJS, the apps or workflow code (contracts and domain are fine).
    files: ['activities/**/*.ts'],
    ignores: ['activities/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: ACTIVITY_IMPORTS,
        },
      ],
    },
  },
  {
    // The deploy's activity groups are split by phase (image, deployment records, boot config,
    // disk, node state): each stands alone, sharing only deploy-deps.ts; activities/index.ts merges them.
    files: ['activities/deploy/*-activities.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            ...ACTIVITY_IMPORTS,
            { regex: '^\\./.*-activities$', message: 'A deploy phase does not import another phase: share through deploy-deps.ts.' },
          ],
        },
      ],
    },
  },
  {
    // Controllers read requests and ask services; they never query the database or start workflows themselves.
    files: ['apps/api/src/**/*.controller.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@prisma/*',
                '\\#prisma/**',
                '**/prisma/**',
                '**/infra/store',
                '**/infra/workflows',
                '**/infra/node-lock',
                '**/nodes/node-lookup',
                '@temporalio/*',
              ],
              allowTypeImports: true,
              message:
                'Controllers turn requests into typed requests and ask a service; the service queries the database and starts workflows.',
            },
          ],
        },
      ],
    },
  },
  {
    // The IPMI protocol library and the Redfish unit know nothing of Temporal, NestJS or Prisma.
    files: ['activities/ipmi/rmcp/**/*.ts', 'activities/redfish/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@temporalio/*',
                '@nestjs/*',
                '@prisma/*',
                '\\#prisma/**',
                '\\#apps/**',
                '\\#workflows/**',
                '**/prisma/**',
                '**/apps/**',
                '**/workflows/**',
              ],
              message: 'The IPMI library and the Redfish unit are protocol only.',
            },
          ],
        },
      ],
    },
  },
);
