#!/usr/bin/env node
// The `provisiond` command (package.json "bin"; the systemd unit runs it too). It runs the
// compiled JavaScript in dist/ when `npm run build` made it from exactly the sources now in
// src/ (bin/compiled-code.mjs compares their content), which starts in a fraction of the time.
// Otherwise — no build, or src/ changed since — tsx, resolved from this package's own
// node_modules, compiles the TypeScript as it loads: slower to start, never older code. A
// stale build says so on stderr. Either way it runs in this process (no second Node), so
// signals and the exit status are the command's own.
import { fileURLToPath } from 'node:url';
import { buildState } from './compiled-code.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const state = buildState(root, fileURLToPath(new URL('../dist', import.meta.url)));
if (state === 'current') {
  await import('../dist/cli.js');
} else {
  if (state === 'stale') {
    process.stderr.write('provisiond: dist/ was not built from the current src/ (run npm run build); running the TypeScript through tsx instead\n');
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
