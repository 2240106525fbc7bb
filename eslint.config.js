// ESLint flat config. Besides the usual TypeScript rules it enforces the folder
// boundaries of docs/architecture.md §2: what each folder under src/ may import.
// test/architecture/import-boundaries.test.ts proves that each rule fires.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/** A relative import that reaches into one of the named src folders. */
const intoFolders = (...folders) => ({
  regex: `^\\.{1,2}/(?:\\.\\./)*(?:${folders.join('|')})(?:/|$)`,
  message: `this folder may not import from src/{${folders.join(',')}} (docs/architecture.md §2)`,
});
/** A relative import that reaches one of the cross-cutting root modules of src/. */
const intoRootModules = (...modules) => ({
  regex: `^\\.{1,2}/(?:\\.\\./)*(?:${modules.join('|')})\\.js$`,
  message: `this folder may not import src/{${modules.join(',')}}.ts (docs/architecture.md §2)`,
});
/**
 * Packages by exact name (so a folder such as src/domain is never mistaken for node's
 * `domain` module), plus their subpaths and scoped families ('@fastify/*').
 */
const packages = (names, why) => ({ kind: 'packages', names, why });

const noIo = packages(nodeBuiltins, 'no I/O here: node built-ins belong in effects, persistence or the server');
const io = ['better-sqlite3', 'undici', 'ssh2', 'cloudflare', 'fastify', '@fastify/*', 'ws', 'pino'];

function boundary(files, rules) {
  const paths = [];
  const patterns = [];
  for (const rule of rules) {
    if (rule.kind !== 'packages') {
      patterns.push(rule);
      continue;
    }
    for (const name of rule.names) {
      if (name.endsWith('/*')) patterns.push({ regex: `^${name.slice(0, -1)}`, message: rule.why });
      else {
        paths.push({ name, message: rule.why });
        patterns.push({ regex: `^${name.replaceAll('.', '\\.')}/`, message: rule.why });
      }
    }
  }
  return { files, rules: { 'no-restricted-imports': ['error', { paths, patterns }] } };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'visualizations/**', 'test-output/**', '.cache/**', 'dist/**', 'dist-*/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', URL: 'readonly', Buffer: 'readonly', structuredClone: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', queueMicrotask: 'readonly', setInterval: 'readonly', clearInterval: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-console': ['error', { allow: ['error'] }],
      // `fromPromise<void, Input>` is how an effect says it returns nothing.
      '@typescript-eslint/no-invalid-void-type': 'off',
    },
  },
  boundary(['src/domain/**'], [
    noIo,
    packages(['xstate', '@xstate/*', ...io], 'src/domain holds pure rules: no libraries with I/O or runtime'),
    intoFolders('machines', 'actors', 'effects', 'persistence', 'server', 'sandbox', 'reconcile', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'config', 'log', 'shutdown', 'inspect'),
  ]),
  boundary(['src/machines/**'], [
    noIo,
    packages(io, 'machines are pure: effects are injected with setup()/provide()'),
    intoFolders('actors', 'effects', 'persistence', 'server', 'sandbox', 'reconcile', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'config', 'log', 'shutdown', 'inspect'),
  ]),
  boundary(['src/effects/**'], [
    packages(['xstate', '@xstate/*', 'better-sqlite3', 'fastify', '@fastify/*', 'ws'], 'effects call external systems only'),
    intoFolders('machines', 'actors', 'persistence', 'server', 'sandbox', 'reconcile', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'config', 'shutdown', 'inspect'),
  ]),
  boundary(['src/actors/**'], [
    packages(['better-sqlite3', 'fastify', '@fastify/*', 'ws'], 'actors reach SQL through src/persistence and never serve HTTP'),
    intoFolders('server', 'sandbox', 'reconcile', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'shutdown', 'inspect'),
  ]),
  boundary(['src/persistence/**'], [
    packages(['xstate', '@xstate/*', 'undici', 'ssh2', 'cloudflare', 'fastify', '@fastify/*', 'ws'], 'persistence only speaks SQL'),
    intoFolders('machines', 'actors', 'effects', 'server', 'sandbox', 'reconcile', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'config', 'shutdown', 'inspect'),
  ]),
  boundary(['src/server/**'], [
    packages(['better-sqlite3', 'undici', 'ssh2', 'cloudflare'], 'the server talks to the actor registry, never to SQL or infrastructure'),
    intoFolders('effects', 'persistence', 'sandbox', 'reconcile', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'shutdown', 'inspect'),
  ]),
  boundary(['src/reconcile/**'], [
    noIo,
    packages(['xstate', '@xstate/*', ...io], 'the reconciler compares and decides; inventory and repairs are injected functions'),
    intoFolders('machines', 'actors', 'effects', 'persistence', 'server', 'sandbox', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'config', 'log', 'shutdown', 'inspect'),
  ]),
  boundary(['src/metrics/**'], [
    packages(['xstate', '@xstate/*', 'better-sqlite3', 'undici', 'ssh2', 'cloudflare', 'fastify', '@fastify/*', 'ws'], 'metrics observe through callbacks and the registry interface; they call no system and serve no HTTP'),
    intoFolders('machines', 'effects', 'persistence', 'server', 'sandbox', 'reconcile', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'config', 'shutdown', 'inspect'),
  ]),
  boundary(['src/sandbox/**'], [
    packages(['xstate', '@xstate/*', 'better-sqlite3', 'undici', 'cloudflare'], 'the sandbox simulates the outside world and shares no code with the daemon'),
    intoFolders('machines', 'actors', 'effects', 'persistence', 'server', 'domain', 'reconcile', 'cli'),
    intoRootModules('main', 'cli', 'sandbox-connection', 'infrastructure', 'infrastructure-config', 'reconcile-composition', 'config', 'log', 'errors', 'shutdown', 'inspect'),
  ]),
);
