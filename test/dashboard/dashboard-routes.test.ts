/**
 * The dashboard's files are public, typed and cached correctly, and nothing outside their
 * allow-list can be reached through them; the statechart description stays behind the token and
 * describes the machines the actors run.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import type { AnyStateNode } from 'xstate';
import { domainMachine } from '../../src/machines/domain.machine.js';
import { serviceMachine } from '../../src/machines/service.machine.js';
import type { MachineDescription, StateDescription } from '../../src/server/routes/machines.js';
import { exchange, firstResponse } from '../fuzz/raw-http.js';
import { AUTH, createHarness, errorOf } from '../server/harness.js';

const DASHBOARD_DIR = new URL('../../src/server/dashboard/', import.meta.url);
const JS = 'text/javascript; charset=utf-8';

const h = createHarness();
after(() => h.close());
const open = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });

/** The import map of index.html: bare specifier → URL. */
function importMap(html: string): Record<string, string> {
  const json = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1];
  assert.ok(json !== undefined, 'index.html has an import map');
  return (JSON.parse(json) as { imports: Record<string, string> }).imports;
}

describe('the dashboard files', () => {
  it('serves / without a token: HTML with a strict CSP, revalidated by ETag', async () => {
    const page = await open('/');
    assert.equal(page.statusCode, 200, page.body);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-cache');
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/, 'only our files and the import map, by hash');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /connect-src 'self'/);
    assert.equal(page.body, readFileSync(new URL('index.html', DASHBOARD_DIR), 'utf8'));

    const again = await open('/', { 'if-none-match': String(page.headers.etag) });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal((await h.app.inject({ method: 'HEAD', url: '/' })).statusCode, 200);
  });

  it('serves every module, the stylesheet and the vendored preact and htm without a token, with their content types', async () => {
    const html = (await open('/')).body;
    const map = importMap(html);
    assert.deepEqual(Object.keys(map).sort(), ['htm', 'preact', 'preact/hooks']);
    for (const url of Object.values(map)) {
      const file = await open(url);
      assert.equal(file.statusCode, 200, url);
      assert.equal(file.headers['content-type'], JS, url);
      assert.equal(file.headers['cache-control'], 'public, max-age=3600', url);
      assert.ok(file.body.includes('export'), `${url} is an ES module`);
    }
    const own = readdirSync(DASHBOARD_DIR).filter((name) => name !== 'index.html');
    assert.ok(own.includes('app.js') && own.includes('style.css'));
    for (const name of own) {
      const file = await open(`/dashboard/${name}`);
      assert.equal(file.statusCode, 200, name);
      assert.equal(file.headers['content-type'], name.endsWith('.css') ? 'text/css; charset=utf-8' : JS, name);
      assert.equal(file.headers['cache-control'], 'no-cache', name);
      assert.ok(file.headers.etag !== undefined, name);
    }
  });

  it('links modules that all resolve: every import is a served file or in the import map', async () => {
    const map = importMap((await open('/')).body);
    const modules = readdirSync(DASHBOARD_DIR).filter((name) => name.endsWith('.js'));
    for (const name of modules) {
      const source = readFileSync(new URL(name, DASHBOARD_DIR), 'utf8');
      for (const [, specifier = ''] of source.matchAll(/^import .* from '([^']+)';$/gm)) {
        if (specifier.startsWith('./')) assert.ok(modules.includes(specifier.slice(2)), `${name} imports ${specifier}, which is not served`);
        else assert.ok(map[specifier] !== undefined, `${name} imports ${specifier}, which the import map does not name`);
      }
    }
  });

  it('answers 404 to anything under /dashboard/ it does not list, traversal included, token or not', async () => {
    const attempts = [
      '/dashboard/', '/dashboard/nope.js', '/dashboard/vendor/', '/dashboard/vendor/react.mjs', '/dashboard/..%2f..%2fapp.ts',
      '/dashboard/..%2F..%2F..%2Fpackage.json', '/dashboard/vendor%2f..%2fapp.js', '/dashboard/%2e%2e%2froutes%2fdashboard.ts',
      '/dashboard/app.js%00', '/dashboard/app.js/', '/dashboard//etc/passwd', '/dashboard/APP.JS',
    ];
    for (const url of attempts) {
      for (const headers of [{}, AUTH]) {
        const response = await open(url, headers);
        assert.equal(response.statusCode, 404, `${url}: ${response.body}`);
        assert.equal(errorOf(response).code, 'NOT_FOUND');
      }
    }
  });

  it('does not normalise dot segments sent raw on the wire: they are 404 too, and no file leaks', async () => {
    const port = Number((await h.listen()).split(':')[1]);
    for (const target of ['/dashboard/../package.json', '/dashboard/../../../../etc/passwd', '/dashboard/vendor/../../routes/dashboard.ts', '/dashboard/./app.js', '/dashboard/%2e%2e/%2e%2e/package.json']) {
      const { received } = await exchange(port, Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, 'latin1'), 'keep-open', 5_000);
      const response = firstResponse(received);
      assert.ok(response !== undefined, `${target}: no answer`);
      assert.equal(response.status, 404, `${target}: ${response.body}`);
      assert.doesNotMatch(response.body, /"name": "provisiond"|root:|import /, target);
    }
  });

  it('keeps everything else behind the token: other methods on /, and the API the page reads', async () => {
    for (const [method, url] of [['POST', '/'], ['DELETE', '/dashboard/app.js'], ['GET', '/v1/services'], ['GET', '/v1/machines/service'], ['GET', '/index.html']] as const) {
      const response = await h.app.inject({ method, url });
      assert.equal(response.statusCode, 401, `${method} ${url}`);
    }
  });
});

/** Every state of a machine, as [id, type, keys of its children]. */
function shapeOf(node: AnyStateNode): [string, string, string[]][] {
  return [[node.id, node.type, Object.keys(node.states)], ...Object.values(node.states).flatMap((child) => shapeOf(child as AnyStateNode))];
}
function describedShape(node: StateDescription): [string, string, string[]][] {
  return [[node.id, node.type, node.children.map((child) => child.key)], ...node.children.flatMap(describedShape)];
}
const find = (node: StateDescription, id: string): StateDescription | undefined =>
  node.id === id ? node : node.children.map((child) => find(child, id)).find((found) => found !== undefined);

describe('GET /v1/machines/:name', () => {
  it('describes every state of the service machine, from the definition the actors run', async () => {
    const response = await h.call({ method: 'GET', url: '/v1/machines/service' });
    assert.equal(response.statusCode, 200, response.body);
    const { name, root } = response.json() as MachineDescription;
    assert.equal(name, 'service');
    assert.equal(root.id, 'service');
    assert.equal(root.initial, 'pending');
    const top = root.children.map((child) => child.key);
    for (const state of ['pending', 'allocating', 'provisioning', 'compensating', 'failed', 'active', 'suspending', 'suspended', 'resuming', 'deleting', 'deleted']) {
      assert.ok(top.includes(state), `${state} is described`);
    }
    assert.deepEqual(describedShape(root), shapeOf(serviceMachine.root), 'the same tree, in definition order');
    assert.equal(find(root, 'service.deleted')?.type, 'final');
    assert.equal(find(root, 'service.provisioning.building')?.type, 'parallel');
    assert.ok(find(root, 'service.active')?.description?.includes('live'));
  });

  it('describes transitions with their events, target ids, guards and descriptions', async () => {
    const { root } = (await h.call({ method: 'GET', url: '/v1/machines/service' })).json() as MachineDescription;
    assert.deepEqual(root.transitions.find((t) => t.event === 'delete')?.targets, ['service.deleting']);
    const active = find(root, 'service.active');
    assert.deepEqual(active?.transitions.find((t) => t.event === 'suspend')?.targets, ['service.suspending']);
    const failed = find(root, 'service.failed');
    assert.ok(failed?.transitions.some((t) => t.event === 'retry' && t.guard === 'failedIn(phase: provisioning)' && t.targets[0] === 'service.provisioning'));
    assert.ok(failed?.transitions.some((t) => t.event === 'restore' && t.guard === 'and(siteBuilt, hasInitialSnapshot)'));
    const next = find(root, 'service.compensating.next');
    assert.ok(next?.transitions.some((t) => t.event === null && t.targets[0] === 'service.failed'), 'eventless transitions have event null');
    const install = find(root, 'service.provisioning.building.site.install.running');
    assert.deepEqual(install?.invokes, [{ id: 'installWordPress', src: 'installWordPress' }]);
  });

  it('describes the domain machine too, and answers 404 for an unknown machine', async () => {
    const domain = await h.call({ method: 'GET', url: '/v1/machines/domain' });
    assert.equal(domain.statusCode, 200);
    assert.deepEqual(describedShape((domain.json() as MachineDescription).root), shapeOf(domainMachine.root));
    const unknown = await h.call({ method: 'GET', url: '/v1/machines/billing' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(errorOf(unknown).code, 'NOT_FOUND');
  });

  it('needs the token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-value-123' }]) {
      const response = await h.app.inject({ method: 'GET', url: '/v1/machines/service', headers });
      assert.equal(response.statusCode, 401);
    }
  });
});
