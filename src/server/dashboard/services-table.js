// Every service with its state, current step, age and last error, live from the feed.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { useLiveServices } from './live-services.js';
import { age, errorText } from './format.js';

export function FeedStatus({ status }) {
  return html`<span class=${`feed-status ${status}`} data-feed-status=${status}>${status === 'live' ? '● live' : `○ ${status}`}</span>`;
}

export function StateBadge({ state }) {
  return html`<span class=${`badge state-${state}`} data-state=${state}>${state}</span>`;
}

function useNow(intervalMs) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function ServicesTable({ onError }) {
  const { services, status } = useLiveServices(onError);
  const now = useNow(1000);
  const rows = [...services.values()].sort((a, b) => b.created_at - a.created_at || a.service_id.localeCompare(b.service_id));

  return html`<section class="card">
    <div class="section-head">
      <h1>Services</h1>
      <${FeedStatus} status=${status} />
    </div>
    <table class="services">
      <thead><tr><th>Service</th><th>Site</th><th>State</th><th>Current step</th><th>Age</th><th>Last error</th></tr></thead>
      <tbody>
        ${rows.length === 0 && html`<tr><td colspan="6" class="empty">No services yet.</td></tr>`}
        ${rows.map((service) => html`<tr key=${service.service_id} data-service-id=${service.service_id}>
          <td><a href=${`#/services/${encodeURIComponent(service.service_id)}`}>${service.service_id}</a></td>
          <td>${service.fqdn}</td>
          <td class="state"><${StateBadge} state=${service.state} />${service.busy && html` <span class="busy" title="work in flight">⟳</span>`}</td>
          <td class="step"><code>${(service.step ?? '').split('|').join(' | ')}</code></td>
          <td class="age" title=${new Date(service.created_at).toISOString()}>${age(service.created_at, now)}</td>
          <td class="error">${errorText(service)}</td>
        </tr>`)}
      </tbody>
    </table>
  </section>`;
}
