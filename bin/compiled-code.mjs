// Which code `provisiond` runs: the compiled JavaScript in dist/ only when it was built from
// exactly the sources now in src/, else the TypeScript through tsx. The rule is by content,
// not by file times (a copy, an unpacked archive or a checkout can set any time): the build
// (scripts/build.mjs) writes a fingerprint of src/ and tsconfig.build.json into dist/, and
// this module computes the same fingerprint again before every start and compares.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Written by the build beside the compiled modules; its absence means "no complete build". */
export const FINGERPRINT_FILE = 'source-fingerprint.json';

/** Every file under `dir`, as paths relative to `base` with forward slashes, sorted. */
function filesUnder(base, dir) {
  return readdirSync(join(base, dir), { withFileTypes: true })
    .flatMap((entry) => {
      const path = `${dir}/${entry.name}`;
      return entry.isDirectory() ? filesUnder(base, path) : [path];
    })
    .sort();
}

/**
 * SHA-256 over the name and content of every file the build reads: src/ (modules and the
 * assets copied beside them) and tsconfig.build.json. Any edit, addition, removal or rename
 * changes it.
 */
export function sourceFingerprint(root) {
  const hash = createHash('sha256');
  for (const path of [...filesUnder(root, 'src'), 'tsconfig.build.json']) {
    const content = readFileSync(join(root, path));
    // Name and length first, so no two different trees hash the same bytes.
    hash.update(`${path}\0${content.length}\0`);
    hash.update(content);
  }
  return hash.digest('hex');
}

/**
 * 'current': `outDir` holds a complete build of the sources now in `root`; 'stale': it holds
 * a build of other sources (or an interrupted one); 'absent': there is no build.
 */
export function buildState(root, outDir) {
  if (!existsSync(outDir)) return 'absent';
  const file = join(outDir, FINGERPRINT_FILE);
  if (!existsSync(file)) return 'stale';
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')).source;
  } catch {
    return 'stale';
  }
  return recorded === sourceFingerprint(root) ? 'current' : 'stale';
}
