/**
 * The sandbox's control API as a storm uses it: rules with probabilities and headers, a
 * reseeded fault generator, the call counters, and the expiry of NPM tokens and ISPConfig
 * sessions. (test/support's SandboxProbe covers the rest: state, leftovers, the proxy.)
 */
import type { OperationCounters } from '../support/sandbox-process.js';
import type { MixRule } from './fault-mix.js';

export class SandboxControl {
  constructor(private readonly url: string) {}

  private async send<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
  }

  /** Inject rules in order (the sandbox draws them in that order). */
  async inject(rules: readonly MixRule[]): Promise<void> {
    for (const rule of rules) {
      const reply = await this.send('POST', '/faults', rule);
      if (reply.status !== 201) throw new Error(`the control API refused ${JSON.stringify(rule)}: ${JSON.stringify(reply.body)}`);
    }
  }

  /** Drop every rule; with a seed, restart the fault generator from it (a replayable draw sequence). */
  async clear(seed?: number): Promise<void> {
    const reply = await this.send('DELETE', `/faults${seed === undefined ? '' : `?seed=${seed}`}`);
    if (reply.status !== 200) throw new Error(`clearing the faults answered ${reply.status}`);
  }

  /** Rules still armed (`times` left; "always" for standing ones). */
  async armed(): Promise<MixRule[]> {
    return (await this.send<{ faults: MixRule[] }>('GET', '/faults')).body.faults;
  }

  async counters(): Promise<Record<string, OperationCounters>> {
    return (await this.send<{ counters: Record<string, OperationCounters> }>('GET', '/counters')).body.counters;
  }

  async resetCounters(): Promise<void> {
    await this.send('DELETE', '/counters');
  }

  /** Every NPM token and ISPConfig session the daemon holds stops working at once. */
  async expireCredentials(): Promise<void> {
    const [npm, ispconfig] = await Promise.all([this.send('POST', '/npm/expire-tokens'), this.send('POST', '/ispconfig/expire-sessions')]);
    if (npm.status !== 200 || ispconfig.status !== 200) throw new Error(`expiring credentials answered ${npm.status} / ${ispconfig.status}`);
  }
}
