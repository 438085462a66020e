// ESLint flat config: typescript-eslint with type information (projectService finds tsconfig.json,
// and web/tsconfig.json for web/), a few house rules, and the layer boundaries of
// docs/architecture.md ("Layers and folders") as no-restricted-imports patterns.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// Layer boundaries. Imports are relative ('../domain/x.ts'), so a pattern matches a specifier that
// climbs out with '../' and then enters a top-level folder of src/ (optionally through 'src/',
// as from test/, web/ or scripts/). A folder named like a layer deeper inside another layer would
// also match; do not make one. Dynamic import() is not checked.

const SRC_FOLDERS = [
  'api',
  'cli',
  'config',
  'connectors',
  'contracts',
  'domain',
  'engine',
  'errors',
  'ingest',
  'lib',
  'store',
  'sync',
  'tasks',
];

/** A specifier that reaches one of `folders` at the top of src/ (or src/main.ts for 'main'). */
const reaches = (folders) => `^(\\./)?(\\.\\./)+(src/)?(${folders.join('|')})(/|\\.ts$|\\.js$|$)`;

const layerRule = (from, folders, why) => ({
  regex: reaches(folders),
  message: `${from} must not import ${folders.join(', ')}: ${why} (docs/architecture.md, "Layers and folders").`,
});

/** Only src/api, src/cli, src/main.ts and test/ may import the api and cli layers. */
const NO_API_CLI = {
  regex: reaches(['api', 'cli']),
  message:
    'Only src/api, src/cli, src/main.ts and test/ may import src/api and src/cli, the outermost layer (docs/architecture.md).',
};

/** A concrete connector folder, e.g. '../connectors/postgis/...' (connectors/*.ts are the capability interfaces). */
const NO_CONCRETE_CONNECTOR = {
  regex: `^(\\./)?(\\.\\./)+(src/)?connectors/[^/]+/`,
  message:
    'Use the connector capability interfaces (src/connectors/*.ts), never a concrete connector folder (docs/architecture.md).',
};

const restrict = (...patterns) => ['error', { patterns }];

const layerBoundaries = [
  // Default for every file: no api/cli.
  { files: ['**/*.{ts,tsx,js,mjs,cjs}'], rules: { 'no-restricted-imports': restrict(NO_API_CLI) } },
  {
    files: ['src/connectors/**'],
    rules: {
      'no-restricted-imports': restrict(
        NO_API_CLI,
        layerRule(
          'src/connectors',
          SRC_FOLDERS.filter((f) => !['errors', 'lib', 'contracts', 'connectors', 'api', 'cli'].includes(f)).concat(
            'main',
          ),
          'connectors depend on errors, lib and contracts only',
        ),
      ),
    },
  },
  {
    files: ['src/domain/**'],
    rules: {
      'no-restricted-imports': restrict(
        NO_API_CLI,
        layerRule('src/domain', ['engine', 'main'], 'the engine depends on the domain, not the other way'),
        NO_CONCRETE_CONNECTOR,
      ),
    },
  },
  {
    files: ['src/engine/**', 'src/tasks/**'],
    rules: { 'no-restricted-imports': restrict(NO_API_CLI, NO_CONCRETE_CONNECTOR) },
  },
  {
    files: ['src/store/**'],
    rules: {
      'no-restricted-imports': restrict(
        NO_API_CLI,
        layerRule('src/store', ['domain', 'engine', 'main'], 'the store knows tables, not rules'),
      ),
    },
  },
  {
    files: ['src/contracts/**'],
    // Tests next to a contract run on Node only; the web build never includes them (web/tsconfig.json).
    ignores: ['src/contracts/**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict(
        {
          // Shared with the browser bundle: no node: modules, no packages but zod.
          regex: '^(?!\\.|zod(/|$))',
          message: 'src/contracts may import zod and other contracts only: the web UI bundles them.',
        },
        layerRule(
          'src/contracts',
          SRC_FOLDERS.filter((f) => f !== 'contracts').concat('main'),
          'the web UI imports contracts and nothing else from src/',
        ),
      ),
    },
  },
  {
    files: ['web/**'],
    rules: {
      'no-restricted-imports': restrict({
        regex: '^(\\./)?(\\.\\./)+src/(?!contracts/)',
        message: 'web/ may import from src/contracts/ only; everything else goes through the REST API.',
      }),
    },
  },
  // The outer layers and the tests may import anything.
  {
    files: ['src/api/**', 'src/cli/**', 'src/main.ts', 'test/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
];

// ---------------------------------------------------------------------------------------------

/** Node globals for the few plain JavaScript files (TypeScript checks its own files). */
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'TextDecoder',
    'TextEncoder',
    'URL',
    'URLSearchParams',
    'clearInterval',
    'clearTimeout',
    'console',
    'fetch',
    'globalThis',
    'process',
    'queueMicrotask',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores([
    '**/node_modules/',
    'dist/',
    'web/dist/',
    'data/',
    '.tools/',
    'scratch/',
    'coverage/',
    'test-results/',
    'test/fixtures/',
  ]),
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's describe/it/test return promises the runner itself awaits.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'suite', 'it', 'test', 'only', 'skip', 'todo'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // Fastify handlers and interface implementations (Kysely dialects, connectors) are async
      // without awaiting anything; that is not a bug.
      '@typescript-eslint/require-await': 'off',
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  // Plain JavaScript and tool config files (vite.config.ts and the like are often in no
  // tsconfig): lint without type information.
  {
    files: ['**/*.{js,mjs,cjs}', '**/*.config.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: nodeGlobals },
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  layerBoundaries,
);
