/**
 * The Mermaid files parse, checked by Mermaid itself. Its parser needs a DOM (in Node it
 * fails on DOMPurify), so this runs in headless Chromium with mermaid loaded from
 * node_modules and every network request refused. Without Chromium the suite is skipped
 * with a message — except in CI (CI=true), where it must run.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { drawings } from '../../scripts/visualize/artifacts.js';
import { chromiumPath, openMermaidPage, type MermaidPage } from '../../scripts/visualize/chromium.js';

const ROOT = join(import.meta.dirname, '..', '..');
const missing = chromiumPath() === undefined;
const skip = missing && process.env.CI !== 'true' ? 'chromium is not installed (apt-get install -y chromium); Mermaid parsing not checked' : false;

describe('Mermaid files parse (Chromium)', { skip, timeout: 120_000 }, () => {
  let page: MermaidPage | undefined;
  before(async () => {
    page = await openMermaidPage();
  });
  after(async () => {
    await page?.close();
  });
  const mermaid = (): MermaidPage => {
    assert.ok(page !== undefined, 'the Mermaid page opened');
    return page;
  };

  for (const drawing of drawings()) {
    it(`${drawing.mermaid.path} parses`, async () => {
      assert.equal(await mermaid().parse(readFileSync(join(ROOT, drawing.mermaid.path), 'utf8')), null);
    });
  }

  it('a broken diagram does not (the check can fail)', async () => {
    const problem = await mermaid().parse('stateDiagram-v2\n  state "a" as a {\n  a --> : nowhere\n');
    assert.ok(problem !== null && problem.length > 0, 'Mermaid reports the error');
  });

  it('renders a diagram into an SVG that names its states', async () => {
    const domain = drawings().find((d) => d.name === 'domain');
    assert.ok(domain !== undefined);
    const svg = await mermaid().render('statechart-test', domain.mermaid.content);
    assert.match(svg, /^<svg id="statechart-test"/);
    for (const key of ['verifying', 'certificate', 'proxyHost', 'removed']) assert.ok(svg.includes(`>${key}<`), `the SVG shows ${key}`);
  });
});
