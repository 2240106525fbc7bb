/**
 * The /docs page in a real browser: Swagger UI renders every operation from the daemon's own
 * files, fetches nothing from elsewhere, and its Content-Security-Policy refuses nothing (a
 * refused style or script is how a policy change would quietly break the page).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserAvailable, launchChromium, watchPage } from '../dashboard/browser.js';
import { createHarness } from './harness.js';

test('the documentation page renders every operation, from this daemon only', { timeout: 60_000 }, async (t) => {
  if (!browserAvailable(t)) return;
  const harness = createHarness();
  const base = `http://${await harness.listen()}`;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const problems = watchPage(page);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(`${base}/`) && !request.url().startsWith('data:')) elsewhere.push(request.url());
    });
    await page.goto(`${base}/docs`, { timeout: 20_000 });
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    const documented = await harness.app.inject({ method: 'GET', url: '/docs/json' });
    const operations = Object.values(documented.json<{ paths: Record<string, object> }>().paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
    assert.equal(await page.locator('.opblock').count(), operations);
    // Open one operation: its reply model is drawn from the shared components.
    await page.locator('.opblock-summary', { hasText: '/status' }).first().click();
    await page.waitForSelector('.responses-wrapper', { timeout: 10_000 });
    assert.deepEqual(problems, []);
    assert.deepEqual(elsewhere, []);
  } finally {
    await browser.close();
    await harness.close();
  }
});
