// `npm run build [-- --out-dir DIR]`: compiles src/ to plain JavaScript in dist/ (or DIR, which
// must sit directly in the project folder: modules read ../../package.json, as from src/),
// copies the files the code reads beside its modules (dashboard, schemas, installer script),
// and writes the fingerprint by which bin/provisiond.mjs knows the build matches src/.
//
// tsc only emits here (--noCheck --noResolve): the project compiles with isolatedModules and
// verbatimModuleSyntax, so every file's JavaScript depends on that file alone, and the output
// is the same as a checked build's. Type checking is `npm run typecheck` (part of npm test).
import { spawnSync } from 'node:child_process';
import { cpSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FINGERPRINT_FILE, sourceFingerprint } from '../bin/compiled-code.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' } } });
const outDir = resolve(root, values['out-dir']);
if (dirname(outDir) !== resolve(root)) {
  console.error(`build: --out-dir must be a folder directly in ${root} (got ${outDir})`);
  process.exit(2);
}

// Taken before compiling: a source edited while tsc runs then no longer matches, and the
// build counts as stale rather than passing off older output as the newer sources.
const fingerprint = sourceFingerprint(root);
rmSync(outDir, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir, '--noCheck', '--noResolve'], { stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error(`build: tsc failed (status ${compiled.status ?? compiled.signal})`);
  process.exit(1);
}
// Everything in src/ that is not TypeScript is read at run time from beside the modules.
cpSync(join(root, 'src'), outDir, { recursive: true, filter: (path) => !path.endsWith('.ts') });
// Last, and atomically: an interrupted build has no fingerprint and is never run.
const temporary = join(outDir, `${FINGERPRINT_FILE}.tmp`);
writeFileSync(temporary, `${JSON.stringify({ source: fingerprint, builtAt: new Date().toISOString() })}\n`);
renameSync(temporary, join(outDir, FINGERPRINT_FILE));
console.error(`build: ${relative(root, outDir) || '.'}/ is current with src/ (${fingerprint.slice(0, 12)})`);
