/**
 * Headless Chromium for the dashboard test (Debian's `chromium`, driven by playwright-core).
 * Without it the test skips on a developer's machine and fails in CI (CI=true), which must run it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's chromium; PROVISIOND_CHROMIUM names another build (or a missing one, to see the skip). */
export const CHROMIUM = process.env.PROVISIOND_CHROMIUM ?? '/usr/bin/chromium';
const IN_CI = process.env.CI === 'true';

/** True when the browser can run; otherwise skips the test (or fails it in CI) and answers false. */
export function browserAvailable(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  const reason = `${CHROMIUM} is missing (apt-get install chromium)`;
  if (IN_CI) assert.fail(`CI=true, so the dashboard browser test may not skip: ${reason}`);
  t.skip(reason);
  return false;
}

/** playwright-core makes a fresh profile directory for every launch. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 20_000,
  });
}

/** What went wrong inside the page: uncaught errors and Content-Security-Policy refusals. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Failed to resolve module|SyntaxError/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}
