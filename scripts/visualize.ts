/**
 * `npm run visualize`: draw the statecharts into visualizations/ — a Mermaid diagram, its
 * SVG and a Stately Studio export per machine (docs/visualizations.md).
 *
 *   npm run visualize               write what changed (an SVG only when its Mermaid did)
 *   npm run visualize -- --force    draw every SVG again
 *   npm run visualize -- --check    write nothing; exit 1 listing stale files
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drawings, embeddedHash, findStale, sha256, svgHeader, VISUALIZATIONS_DIR } from './visualize/artifacts.js';
import { openMermaidPage, type MermaidPage } from './visualize/chromium.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function writeIfChanged(path: string, content: string): boolean {
  const file = join(ROOT, path);
  if (existsSync(file) && readFileSync(file, 'utf8') === content) return false;
  writeFileSync(file, content);
  return true;
}

async function write(force: boolean): Promise<void> {
  mkdirSync(join(ROOT, VISUALIZATIONS_DIR), { recursive: true });
  let page: MermaidPage | undefined;
  try {
    for (const drawing of drawings()) {
      for (const artifact of [drawing.mermaid, drawing.stately]) if (writeIfChanged(artifact.path, artifact.content)) say(`wrote ${artifact.path}`);
      const svgFile = join(ROOT, drawing.svgPath);
      const drawnFrom = existsSync(svgFile) ? embeddedHash(readFileSync(svgFile, 'utf8')) : undefined;
      if (!force && drawnFrom === sha256(drawing.mermaid.content)) continue;
      page ??= await openMermaidPage();
      const problem = await page.parse(drawing.mermaid.content);
      if (problem !== null) throw new Error(`${drawing.mermaid.path} does not parse: ${problem}`);
      // Prefixed: DOMPurify drops an id that shadows a document property (`domain`), and
      // the SVG's styles are scoped by that id.
      const svg = await page.render(`statechart-${drawing.name}`, drawing.mermaid.content);
      writeFileSync(svgFile, `${svgHeader(drawing.mermaid.path, drawing.mermaid.content)}${svg}\n`);
      say(`drew ${drawing.svgPath}`);
    }
  } finally {
    await page?.close();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--check' && arg !== '--force');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')} (known: --check, --force)`);
  if (args.includes('--check')) {
    const stale = findStale(ROOT);
    if (stale.length === 0) {
      say(`${VISUALIZATIONS_DIR}/ is up to date`);
      return;
    }
    console.error(`${VISUALIZATIONS_DIR}/ is stale; run \`npm run visualize\`:\n${stale.map((line) => `  ${line}`).join('\n')}`);
    process.exitCode = 1;
    return;
  }
  await write(args.includes('--force'));
  say(`${VISUALIZATIONS_DIR}/ is up to date`);
}

main().catch((error: unknown) => {
  console.error(`visualize: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
