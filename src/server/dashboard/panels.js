// The service page's panels: the transition timeline, the log tail and the custom domains.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from './html.js';
import { post } from './api.js';
import { clock, servicePath, topState } from './format.js';

const TIMELINE_SHOWN = 500;

/** Newest first: what just happened is on top. */
export function Timeline({ transitions }) {
  const shown = transitions.slice(-TIMELINE_SHOWN).reverse();
  return html`<section class="card timeline">
    <h2>Transitions <small>${transitions.length}</small></h2>
    <ol class="timeline">
      ${shown.map((entry) => html`<li key=${entry.seq} data-seq=${entry.seq} data-to=${topState(entry.to)}>
        <span class="time">${clock(entry.at)}</span>
        <span class="event">${entry.event}</span>
        <span class="to" title=${entry.to}>→ <strong>${topState(entry.to)}</strong>
          ${entry.step !== null && html` <code>${entry.step.split('|').join(' | ')}</code>`}</span>
        ${entry.error !== null && html`<div class="error">${entry.error.code}: ${entry.error.message}</div>`}
      </li>`)}
    </ol>
  </section>`;
}

/** Follows the newest line unless the reader scrolled up to read. */
export function LogTail({ lines }) {
  const box = useRef(null);
  const following = useRef(true);
  useEffect(() => {
    if (box.current !== null && following.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines]);
  const onScroll = (event) => {
    const element = event.currentTarget;
    following.current = element.scrollTop + element.clientHeight >= element.scrollHeight - 8;
  };
  return html`<section class="card log">
    <h2>Installer log <small>${lines.length} lines</small></h2>
    <pre class="log-tail" ref=${box} onScroll=${onScroll}>${lines.length === 0
      ? 'No log lines yet.'
      : lines.map((entry) => `${clock(entry.at)}  ${entry.line}`).join('\n')}</pre>
  </section>`;
}

export function Domains({ id, domains, onDone, onError }) {
  const [domain, setDomain] = useState('');
  const [sending, setSending] = useState(false);
  const add = async (event) => {
    event.preventDefault();
    if (domain.trim() === '') return;
    setSending(true);
    onError(null);
    try {
      await post(`${servicePath(id)}/domains`, { domain: domain.trim() });
      setDomain('');
      onDone();
    } catch (error) {
      onError(error);
    } finally {
      setSending(false);
    }
  };
  const list = domains?.domains ?? [];
  return html`<section class="card domains">
    <h2>Custom domains <small>${list.length} of ${domains?.quota ?? '…'}</small></h2>
    ${list.length > 0 && html`<table>
      <thead><tr><th>Domain</th><th>State</th><th>Ownership record (TXT)</th><th>Error</th></tr></thead>
      <tbody>${list.map((entry) => html`<tr key=${entry.domain} data-domain=${entry.domain}>
        <td>${entry.domain}</td>
        <td><span class=${`badge state-${entry.state}`}>${entry.state}</span></td>
        <td><code>${entry.verification.name}</code> = <code>${entry.verification.value}</code></td>
        <td class="error">${entry.error?.message ?? ''}</td>
      </tr>`)}</tbody>
    </table>`}
    <form class="add-domain" onSubmit=${add}>
      <input name="domain" placeholder="shop.example.com" autocomplete="off" value=${domain}
        onInput=${(event) => setDomain(event.currentTarget.value)} />
      <button type="submit" disabled=${sending}>Add domain</button>
    </form>
  </section>`;
}
