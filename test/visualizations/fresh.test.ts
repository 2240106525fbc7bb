/**
 * visualizations/ matches the machines: the Mermaid and Stately files are generated again
 * in memory and compared byte for byte, and each SVG names the sha256 of the Mermaid text
 * it was drawn from. No browser is needed. `npm run visualize` fixes what this finds.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { drawings, embeddedHash, findStale, sha256, svgHeader } from '../../scripts/visualize/artifacts.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('visualizations/ is fresh', () => {
  it('holds every machine\'s Mermaid, Stately and SVG files, generated from the current definitions', () => {
    const stale = findStale(ROOT);
    assert.deepEqual(stale, [], `stale visualizations; run \`npm run visualize\`:\n${stale.join('\n')}`);
    assert.deepEqual(drawings().map((d) => d.name), ['service', 'domain']);
  });

  it('each SVG was drawn from its .mmd', () => {
    for (const drawing of drawings()) {
      const svg = readFileSync(join(ROOT, drawing.svgPath), 'utf8');
      assert.equal(embeddedHash(svg), sha256(readFileSync(join(ROOT, drawing.mermaid.path), 'utf8')), drawing.svgPath);
      assert.match(svg.split('\n')[1] ?? '', /^<svg /, `${drawing.svgPath} is an SVG after its header`);
    }
  });

  describe('notices', () => {
    const copy = mkdtempSync(join(tmpdir(), 'provisiond-visualizations-'));
    after(() => rmSync(copy, { recursive: true, force: true }));
    const reset = (): void => cpSync(join(ROOT, 'visualizations'), join(copy, 'visualizations'), { recursive: true });

    it('an edited Mermaid or Stately file', () => {
      reset();
      const mmd = join(copy, 'visualizations', 'domain.mmd');
      writeFileSync(mmd, `${readFileSync(mmd, 'utf8')}  failed --> active : hand-drawn\n`);
      const stately = join(copy, 'visualizations', 'service.stately.js');
      writeFileSync(stately, readFileSync(stately, 'utf8').replace("initial: 'pending'", "initial: 'active'"));
      assert.deepEqual(findStale(copy), [
        'visualizations/service.stately.js (differs from the machine)',
        'visualizations/domain.mmd (differs from the machine)',
      ]);
    });

    it('an SVG drawn from another diagram, or a missing file', () => {
      reset();
      const svg = join(copy, 'visualizations', 'service.svg');
      const body = readFileSync(svg, 'utf8').split('\n').slice(1).join('\n');
      writeFileSync(svg, `${svgHeader('visualizations/service.mmd', 'stateDiagram-v2\n  [*] --> other\n')}${body}`);
      unlinkSync(join(copy, 'visualizations', 'domain.stately.js'));
      assert.deepEqual(findStale(copy), ['visualizations/service.svg (drawn from another visualizations/service.mmd)', 'visualizations/domain.stately.js (missing)']);
    });
  });
});
