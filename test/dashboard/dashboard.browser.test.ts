/**
 * The dashboard as an operator uses it, in headless Chromium against a daemon that drives the
 * sandbox for real: sign in, watch a site reach `active` in the table with no reload, read its
 * page (statechart, timeline, installer log), add a domain, suspend it and delete it from the
 * page. Screenshots go to test-output/dashboard/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, CHROMIUM, launchChromium, watchPage } from './browser.js';
import { DASHBOARD_TOKEN, startDaemon, type Daemon } from './daemon.js';

const SHOTS = 'test-output/dashboard';
const ID = '5101';
const SITE = { service_id: ID, email: 'owner@example.com', plan: 'basic', public_ip: '203.0.113.10' };
const WAIT = { timeout: 20_000 };

describe('the dashboard in headless Chromium', () => {
  let daemon: Daemon | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[] = [];
  const row = () => page.locator(`tr[data-service-id="${ID}"]`);
  const headerState = (state: string) => page.locator(`.service-page h1 .badge[data-state="${state}"]`).waitFor(WAIT);
  const chartCurrent = async () =>
    page.locator('svg.statechart g.current').evaluateAll((groups) => groups.map((group) => group.getAttribute('data-state-id')));

  before(async () => {
    if (!existsSync(CHROMIUM)) return;
    mkdirSync(SHOTS, { recursive: true });
    // Slow enough that the table shows the steps on the way; a site is up in a few seconds.
    daemon = await startDaemon({ timeScale: 0.01 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    problems = watchPage(page);
  });

  after(async () => {
    await browser?.close();
    await daemon?.close();
  });

  it('refuses a wrong token with the API\'s message, signs in with the right one, and shows a new site reaching active live', async (t) => {
    if (!browserAvailable(t) || daemon === undefined) return;
    await page.goto(daemon.url);
    await page.fill('#token', 'not-the-token-at-all');
    await page.click('button[type="submit"]');
    await page.locator('[role="alert"]', { hasText: 'missing or invalid bearer token' }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}/sign-in-refused.png` });

    await page.fill('#token', DASHBOARD_TOKEN);
    await page.click('button[type="submit"]');
    await page.locator('[data-feed-status="live"]').waitFor(WAIT);
    await page.locator('td.empty').waitFor(WAIT);
    // A reload would lose this mark: it proves the table changed in place.
    await page.evaluate(() => Object.assign(globalThis, { dashboardTestMark: true }));

    const created = await daemon.post('/create-site', SITE);
    assert.ok(created.status === 200 || created.status === 201, JSON.stringify(created.body));
    const seen: string[] = [];
    const deadline = Date.now() + 20_000;
    while (seen.at(-1) !== 'active') {
      assert.ok(Date.now() < deadline, `the row never showed active; states seen: ${seen.join(' → ')}`);
      const state = await row().locator('.badge').getAttribute('data-state', { timeout: 100 }).catch(() => null);
      if (state !== null && state !== seen.at(-1)) {
        seen.push(state);
        if (state === 'provisioning') await page.screenshot({ path: `${SHOTS}/services-provisioning.png` });
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(seen.length >= 2, `the row showed a state before active, live: ${seen.join(' → ')}`);
    assert.equal(seen.includes('failed'), false, seen.join(' → '));
    assert.equal(await page.evaluate(() => (globalThis as { dashboardTestMark?: boolean }).dashboardTestMark), true, 'no reload');
    // The re-read after the last transition brings the rest of the view: no work in flight.
    await row().locator('.busy').waitFor({ state: 'detached', ...WAIT });
    assert.match(await row().locator('td.age').innerText(), /^\d+ s$/);
    await page.screenshot({ path: `${SHOTS}/services.png`, fullPage: true });
  });

  it('shows the service page: the statechart with active highlighted, every transition, the installer log', async (t) => {
    if (!browserAvailable(t) || daemon === undefined) return;
    await row().locator('a').click();
    await headerState('active');
    await page.locator(`svg.statechart g[data-state-id="service.active"].current`).waitFor(WAIT);
    assert.deepEqual(await chartCurrent(), ['service.active'], 'only the active state is current');
    // Every top-level state is drawn, nested states inside their parents.
    for (const state of ['pending', 'allocating', 'provisioning', 'active', 'suspended', 'deleting', 'deleted', 'failed']) {
      assert.equal(await page.locator(`svg.statechart g[data-state-id="service.${state}"]`).count(), 1, state);
    }
    assert.equal(await page.locator('svg.statechart g[data-state-id="service.provisioning.building.site.install.running"]').count(), 1);

    // The feed replays the whole history (since=0): the timeline holds every committed transition.
    const committed = daemon.registry.recentTransitions(ID, 1000).length;
    await page.waitForFunction(`document.querySelectorAll('ol.timeline li').length === ${committed}`, undefined, WAIT);
    assert.ok(committed > 5, `a provisioning run commits many transitions (${committed})`);
    assert.equal(await page.locator('ol.timeline li[data-to="active"]').count() >= 1, true);
    assert.equal(await page.locator('ol.timeline li .event', { hasText: /^create$/ }).count(), 1);
    await page.locator('pre.log-tail', { hasText: '==> step: done' }).waitFor(WAIT);

    await page.locator('svg.statechart g[data-state-id="service.suspended"]').click();
    await page.locator('.state-details[data-details="service.suspended"]', { hasText: 'unsuspend' }).waitFor(WAIT);
    await page.screenshot({ path: `${SHOTS}/service-active.png`, fullPage: true });
  });

  it('streams the installer lines of a reinstall into the log tail as they are written, and its transitions', async (t) => {
    if (!browserAvailable(t) || daemon === undefined) return;
    assert.equal(await page.locator('pre.log-tail', { hasText: '==> step: reset' }).count(), 0, 'a first install has no reset step');
    const reinstall = await daemon.post(`/v1/services/${ID}/reinstall`);
    assert.ok(reinstall.status >= 200 && reinstall.status < 300, JSON.stringify(reinstall.body));
    // Only the feed (logs=true) brings these lines: the page read the log's tail before.
    await page.locator('pre.log-tail', { hasText: '==> step: reset' }).waitFor(WAIT);
    await page.locator('ol.timeline li[data-to="reinstalling"]').first().waitFor(WAIT);
    await page.locator('ol.timeline li[data-to="active"] .event', { hasText: 'checkLiveAfterReinstall' }).waitFor(WAIT);
    await headerState('active');
  });

  it("adds a custom domain and shows its TXT record; shows the API's refusal of a retry as worded", async (t) => {
    if (!browserAvailable(t) || daemon === undefined) return;
    await page.fill('form.add-domain input[name="domain"]', 'shop.example.com');
    await page.click('form.add-domain button[type="submit"]');
    const domainRow = page.locator('tr[data-domain="shop.example.com"]');
    await domainRow.waitFor(WAIT);
    assert.match(await domainRow.innerText(), /_provisiond-challenge\.shop\.example\.com/);

    const refusal = await daemon.post(`/v1/services/${ID}/retry`);
    assert.equal(refusal.status, 409, JSON.stringify(refusal.body));
    const message = (refusal.body as { error: { message: string } }).error.message;
    await page.click('button[data-action="retry"]');
    await page.locator('[role="alert"]', { hasText: message }).waitFor(WAIT);
  });

  it('suspends from the page and shows suspended live', async (t) => {
    if (!browserAvailable(t) || daemon === undefined) return;
    await page.click('button[data-action="suspend"]');
    await headerState('suspended');
    assert.equal(await page.locator('[role="alert"]').count(), 0, 'a command that goes through clears the earlier refusal');
    await page.locator('svg.statechart g[data-state-id="service.suspended"].current').waitFor(WAIT);
    assert.deepEqual(await chartCurrent(), ['service.suspended']);
    await page.locator('ol.timeline li[data-to="suspended"]').first().waitFor(WAIT);
  });

  it('deletes only after the service id is typed, and shows deleted', async (t) => {
    if (!browserAvailable(t) || daemon === undefined) return;
    await page.click('button[data-action="delete"]');
    const confirm = page.locator('form.confirm-delete button[type="submit"]');
    assert.equal(await confirm.isDisabled(), true, 'not before the id is typed');
    await page.fill('form.confirm-delete input[name="confirm-id"]', 'wrong');
    assert.equal(await confirm.isDisabled(), true, 'not with another id');
    assert.equal(daemon.registry.get(ID)?.state, 'suspended', 'nothing was sent yet');
    await page.fill('form.confirm-delete input[name="confirm-id"]', ID);
    await confirm.click();
    await headerState('deleted');
    await page.locator('svg.statechart g[data-state-id="service.deleted"].current').waitFor(WAIT);
    assert.equal(daemon.registry.get(ID)?.state, 'deleted');
    await page.screenshot({ path: `${SHOTS}/service-deleted.png`, fullPage: true });

    await page.click('header nav a');
    await row().locator('.badge[data-state="deleted"]').waitFor(WAIT);
    assert.deepEqual(problems, [], 'no script errors and no CSP refusals in the page');
  });
});
