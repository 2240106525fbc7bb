/**
 * `npm run build`: src/ compiled to plain JavaScript runs with plain node — every asset the
 * code reads from beside its modules is there — and bin/provisiond.mjs's rule for running it
 * (only a build of exactly the current sources) holds.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildInto, ROOT, startNode, type Build } from './compiled.js';
import { FINGERPRINT_FILE, buildState, sourceFingerprint } from '../../bin/compiled-code.mjs';
import { exited } from '../support/child-process.js';
import { API_TOKEN, listeningUrl, poll } from '../support/sandbox-process.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe('npm run build', { timeout: 240_000 }, () => {
  let build: Build;
  /**
   * Whether src/ stayed as it was while the build ran. In a working tree being edited it may
   * not (CI's clean clone always does): the comparisons with src/ then prove nothing.
   */
  let steady = false;
  before(async () => {
    const before = sourceFingerprint(ROOT);
    build = await buildInto('dist-test-');
    steady = sourceFingerprint(ROOT) === before;
  });
  after(() => build?.remove());

  it('mirrors src/: a module and its source map for each .ts file, every other file copied as it is', (t) => {
    if (!steady) return t.skip('src/ changed while the build ran');
    for (const file of filesUnder(join(ROOT, 'src'))) {
      if (file.endsWith('.ts')) {
        const js = file.replace(/\.ts$/, '.js');
        assert.ok(existsSync(join(build.outDir, js)), `${js} is missing`);
        const map = JSON.parse(readFileSync(join(build.outDir, `${js}.map`), 'utf8')) as { sources: string[] };
        // The map leads back to the TypeScript, wherever the output folder is.
        assert.ok(map.sources.some((source) => source.endsWith(file.split('/').at(-1) ?? file)), `${js}.map does not name ${file}`);
      } else {
        assert.deepEqual(readFileSync(join(build.outDir, file)), readFileSync(join(ROOT, 'src', file)), `${file} differs from src/`);
      }
    }
  });

  it('records the fingerprint of the sources it compiled', (t) => {
    if (!steady) return t.skip('src/ changed while the build ran');
    const recorded = JSON.parse(readFileSync(join(build.outDir, FINGERPRINT_FILE), 'utf8')) as { source: string };
    assert.equal(recorded.source, sourceFingerprint(ROOT));
    assert.equal(buildState(ROOT, build.outDir), 'current');
  });

  it('runs the command line with plain node (package.json found from the compiled modules)', () => {
    const version = execFileSync(process.execPath, [join(build.outDir, 'cli.js'), '--version'], { encoding: 'utf8' }).trim();
    assert.equal(version, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('boots the compiled daemon (provisiond serve) with its in-process sandbox to /readyz, serving the dashboard and the API description', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'provisiond-build-test-'));
    const daemon = startNode([join(build.outDir, 'cli.js'), 'serve'], {
      PORT: '0',
      HOST: '127.0.0.1',
      PROVISIOND_DB: join(dir, 'provisiond.db'),
      PROVISIOND_API_TOKEN: API_TOKEN,
      PROVISIOND_CONFIG: '',
      PROVISIOND_SANDBOX: '',
      PROVISIOND_SANDBOX_SITE_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
      PROVISIOND_RECONCILE_MINUTES: '0',
      PROVISIOND_LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    });
    try {
      const url = await listeningUrl(daemon);
      await poll(async () => (await fetch(`${url}/readyz`)).status, (status) => status === 200, 30_000, '/readyz 200');
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);
      // A vendored module: resolved from node_modules relative to the compiled module.
      const vendor = await fetch(`${url}/dashboard/vendor/preact.mjs`);
      assert.equal(vendor.status, 200);
      await vendor.arrayBuffer();
      const openapi = await fetch(`${url}/docs/json`);
      assert.equal(openapi.status, 200);
      const description = (await openapi.json()) as { info: { version: string } };
      assert.equal(description.info.version, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    } finally {
      daemon.child.kill('SIGKILL');
      await exited(daemon.child);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('which code bin/provisiond.mjs runs', () => {
  // A project of two source files, so the rule is tried on edits without touching src/.
  let root: string;
  let outDir: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'provisiond-build-rule-'));
    mkdirSync(join(root, 'src/server'), { recursive: true });
    writeFileSync(join(root, 'src/main.ts'), 'export const a = 1;\n');
    writeFileSync(join(root, 'src/server/page.html'), '<html></html>\n');
    writeFileSync(join(root, 'tsconfig.build.json'), '{}\n');
    outDir = join(root, 'dist');
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const recordBuild = () => {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, FINGERPRINT_FILE), JSON.stringify({ source: sourceFingerprint(root) }));
  };

  it('is the TypeScript through tsx when nothing was built, or the build did not finish', () => {
    assert.equal(buildState(root, outDir), 'absent');
    mkdirSync(outDir);
    assert.equal(buildState(root, outDir), 'stale');
  });

  it('is the build while the sources are the ones it was made from', () => {
    recordBuild();
    assert.equal(buildState(root, outDir), 'current');
  });

  for (const [change, edit] of [
    ['a module edited', () => writeFileSync(join(root, 'src/main.ts'), 'export const a = 2;\n')],
    ['an asset edited', () => writeFileSync(join(root, 'src/server/page.html'), '<html>!</html>\n')],
    ['a file added', () => writeFileSync(join(root, 'src/extra.ts'), '\n')],
    ['a file renamed', () => renameSync(join(root, 'src/main.ts'), join(root, 'src/main2.ts'))],
    ['the build configuration edited', () => writeFileSync(join(root, 'tsconfig.build.json'), '{ }\n')],
  ] as const) {
    it(`is no longer the build once ${change}`, () => {
      recordBuild();
      assert.equal(buildState(root, outDir), 'current');
      edit();
      assert.equal(buildState(root, outDir), 'stale');
    });
  }

  it('treats an unreadable fingerprint as stale', () => {
    writeFileSync(join(outDir, FINGERPRINT_FILE), 'not json');
    assert.equal(buildState(root, outDir), 'stale');
  });
});
