/**
 * The report's two renderings and its exit status: JSON in the HTTP API's snake_case with a
 * summary; text with one line per finding, each repair's outcome, the unread systems and the
 * totals. Busy services never keep the exit status from being 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitCodeOf, reportJson, reportText, summarise, type Report } from '../../src/reconcile/report.js';
import type { Finding } from '../../src/reconcile/types.js';

const orphan: Finding = {
  kind: 'orphan', system: 'proxmox', resource: 'container 1999', serviceId: 'ghost', detail: 'carries the marker of service ghost, which is not in the database',
  issue: { type: 'container-orphan', owner: 'ghost', vmid: 1999 },
};
const drift: Finding = {
  kind: 'drift', system: 'npm', resource: 'proxy host 3 (a.sandbox.test)', serviceId: 'site-a', serviceState: 'active', detail: 'forwards to 127.42.0.250:18080 instead of 127.42.0.101:18080',
  issue: { type: 'host-forward', site: { name: 'a.sandbox.test', customDomain: false, privateIp: '127.42.0.101', publicIp: '203.0.113.10' } },
};
const busy: Finding = { kind: 'busy', system: 'provisiond', resource: 'service site-b', serviceId: 'site-b', serviceState: 'provisioning', detail: 'provisioning: skipped' };
const AT = Date.UTC(2026, 0, 2, 3, 4, 5);

describe('report', () => {
  const fixed: Report = {
    at: AT, fix: true, unreadable: [],
    entries: [{ finding: busy }, { finding: orphan, fix: { status: 'fixed' } }, { finding: drift, fix: { status: 'failed', message: 'nginx does not serve proxy host 3', code: 'UPSTREAM_REJECTED' } }],
  };

  it('JSON: snake_case findings with their outcomes, and the summary', () => {
    assert.deepEqual(reportJson(fixed), {
      at: '2026-01-02T03:04:05.000Z',
      fix: true,
      findings: [
        { kind: 'busy', system: 'provisiond', resource: 'service site-b', service_id: 'site-b', service_state: 'provisioning', detail: 'provisioning: skipped' },
        { kind: 'orphan', system: 'proxmox', resource: 'container 1999', service_id: 'ghost', service_state: null, detail: orphan.detail, fix: { status: 'fixed' } },
        { kind: 'drift', system: 'npm', resource: drift.resource, service_id: 'site-a', service_state: 'active', detail: drift.detail, fix: fixed.entries[2]?.fix },
      ],
      unreadable: [],
      summary: { orphan: 1, missing: 0, drift: 1, busy: 1, fixed: 1, remaining: 1, unreadable: 0 },
    });
  });

  it('text: a line per finding with its outcome, then the totals', () => {
    const text = reportText({ ...fixed, unreadable: [{ system: 'ispconfig', message: 'login failed' }] });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], 'provisiond reconcile --fix at 2026-01-02T03:04:05.000Z');
    assert.match(lines[1] ?? '', /^BUSY {5}provisiond +service site-b +site-b +provisioning: skipped$/);
    assert.match(lines[2] ?? '', /^ORPHAN {3}proxmox +container 1999 +ghost +carries the marker of service ghost, which is not in the database {2}→ fixed$/);
    assert.match(lines[3] ?? '', /^DRIFT {4}npm .*→ repair failed: nginx does not serve proxy host 3$/);
    assert.equal(lines[4], 'UNREAD   ispconfig: login failed');
    assert.equal(lines[5], '1 orphan, 0 missing, 1 drift, 1 busy; 1 fixed; 1 remaining; 1 system(s) not read');
  });

  it('exit status: 1 while a finding stands or a system was not read; busy services do not count', () => {
    assert.equal(exitCodeOf(fixed), 1);
    const allFixed: Report = { ...fixed, entries: fixed.entries.map((e) => (e.finding.kind === 'busy' ? e : { ...e, fix: { status: 'fixed' } })) };
    assert.equal(exitCodeOf(allFixed), 0);
    assert.equal(summarise(allFixed).remaining, 0);
    assert.equal(exitCodeOf({ ...allFixed, unreadable: [{ system: 'npm', message: 'down' }] }), 1);
    assert.equal(exitCodeOf({ at: AT, fix: false, entries: [{ finding: orphan }], unreadable: [] }), 1);
    assert.equal(exitCodeOf({ at: AT, fix: false, entries: [{ finding: busy }], unreadable: [] }), 0);
  });
});
