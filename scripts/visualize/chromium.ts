/**
 * Mermaid in headless Chromium. Mermaid lays diagrams out with the browser's text metrics
 * and its parser needs a DOM (in Node it fails on DOMPurify), so both rendering and the
 * parse check run in a page. The page loads mermaid from node_modules and every request it
 * would make is refused: nothing leaves the machine.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium, or the one PROVISIOND_CHROMIUM names. */
export function chromiumPath(): string | undefined {
  const path = process.env.PROVISIOND_CHROMIUM ?? '/usr/bin/chromium';
  return existsSync(path) ? path : undefined;
}

const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What the page's global `mermaid` offers (the page has no DOM types here). */
interface MermaidApi {
  initialize(config: Record<string, unknown>): void;
  parse(text: string): Promise<unknown>;
  render(id: string, text: string): Promise<{ svg: string }>;
}

export interface MermaidPage {
  /** null when the text parses, else Mermaid's error message. */
  parse(text: string): Promise<string | null>;
  render(id: string, text: string): Promise<string>;
  close(): Promise<void>;
}

export async function openMermaidPage(): Promise<MermaidPage> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) throw new Error('chromium is not installed (apt-get install -y chromium, or set PROVISIOND_CHROMIUM)');
  const browser: Browser = await chromium.launch({ executablePath, args: LAUNCH_ARGS, timeout: 30_000 });
  try {
    const page: Page = await browser.newPage();
    page.setDefaultTimeout(60_000);
    await page.route('**/*', (route) => route.abort());
    await page.setContent('<!doctype html><html><body></body></html>');
    const script = createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js');
    await page.addScriptTag({ path: script });
    // deterministicIds keeps element ids stable from run to run; plain SVG text (no
    // htmlLabels) keeps the file readable by viewers that do not run HTML inside SVG.
    await page.evaluate(() => {
      const { mermaid } = globalThis as unknown as { mermaid: MermaidApi };
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', deterministicIds: true, htmlLabels: false, theme: 'default' });
    });
    return {
      parse: (text) =>
        page.evaluate(async (source) => {
          const { mermaid } = globalThis as unknown as { mermaid: MermaidApi };
          try {
            await mermaid.parse(source);
            return null;
          } catch (error) {
            return String((error as { message?: unknown }).message ?? error);
          }
        }, text),
      render: (id, text) =>
        page.evaluate(async ([diagramId, source]) => {
          const { mermaid } = globalThis as unknown as { mermaid: MermaidApi };
          return (await mermaid.render(diagramId, source)).svg;
        }, [id, text] as const),
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}
