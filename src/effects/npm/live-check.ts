/**
 * "The site answers through the proxy": GET `<proxyUrl>/wp-admin/install.php` with
 * `Host: <fqdn>` (undici: WHATWG fetch cannot set Host) must be 200 and WordPress's install
 * page (title "WordPress › Installation"; an installed site shows "Already Installed" under
 * the same title). A bare 200 is not enough: NPM's factory default site answers 200
 * "Congratulations" for names it does not know. Anything else is SITE_NOT_LIVE, retryable.
 *
 * Plain HTTP on purpose: the check asks nginx for the name by Host header and does not depend
 * on public DNS or on the certificate being trusted from where the daemon runs.
 */
import type { Dispatcher } from 'undici';
import { npmError } from './errors.js';
import { exchange } from './transport.js';

export interface LiveCheckOptions {
  readonly proxyUrl: string;
  readonly timeoutMs: number;
  readonly dispatcher: Dispatcher;
}

const INSTALL_PATH = '/wp-admin/install.php';

export async function checkThroughProxy(fqdn: string, options: LiveCheckOptions, signal: AbortSignal | undefined): Promise<void> {
  const url = `${options.proxyUrl.replace(/\/+$/, '')}${INSTALL_PATH}`;
  const what = `check ${fqdn} through the proxy`;
  let status: number;
  let text: string;
  try {
    ({ status, text } = await exchange({
      dispatcher: options.dispatcher,
      url,
      method: 'GET',
      headers: { host: fqdn, accept: 'text/html' },
      timeoutMs: options.timeoutMs,
      signal,
      what,
      maxBodyBytes: 256 * 1024,
    }));
  } catch (error) {
    if (signal?.aborted === true) throw error;
    const reason = (error as { code?: unknown }).code === 'UPSTREAM_TIMEOUT' ? 'timeout' : 'unreachable';
    throw npmError('SITE_NOT_LIVE', `${fqdn} does not answer through the proxy (${reason})`, { cause: error, details: { reason } });
  }
  if (status === 200 && text.includes('WordPress') && text.includes('Installation')) return;
  const reason = status === 200 ? 'not the WordPress install page' : `HTTP ${status}`;
  throw npmError('SITE_NOT_LIVE', `${fqdn} does not answer through the proxy (${reason})`, { details: { status, reason } });
}
