// One service: its facts, commands, statechart, transition timeline, log tail and domains.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { get } from './api.js';
import { useLiveService } from './live-service.js';
import { errorText } from './format.js';
import { ServiceActions } from './actions.js';
import { Statechart } from './statechart.js';
import { Domains, LogTail, Timeline } from './panels.js';
import { FeedStatus, StateBadge } from './services-table.js';

// The machine's description never changes while the daemon runs: read it once per page load.
let machineRead;
const readMachine = () => (machineRead ??= get('/v1/machines/service').catch((error) => {
  machineRead = undefined;
  throw error;
}));

function Facts({ service }) {
  const facts = [
    ['Site', service.fqdn],
    ['Plan', service.plan],
    ['VMID', service.vmid],
    ['Private IP', service.private_ip],
    ['E-mail', service.email],
    ['Desired', service.desired],
  ];
  return html`<dl class="facts">${facts.map(([name, value]) => html`<dt>${name}</dt><dd>${value ?? '—'}</dd>`)}</dl>`;
}

export function ServicePage({ id, onError }) {
  const { service, domains, transitions, log, status, refresh } = useLiveService(id, onError);
  const [machine, setMachine] = useState(null);
  useEffect(() => {
    readMachine().then(setMachine, onError);
  }, []);

  if (service === null) return html`<section class="card"><p>Loading service ${id}…</p></section>`;
  const problem = errorText(service);
  return html`<div class="service-page" data-service-id=${id}>
    <section class="card">
      <div class="section-head">
        <h1>Service ${id} <${StateBadge} state=${service.state} /></h1>
        <${FeedStatus} status=${status} />
      </div>
      <p class="step">${service.step === null ? 'No step in progress.' : html`Step: <code>${service.step.split('|').join(' | ')}</code>`}</p>
      ${problem !== '' && html`<p class="error service-error">${problem}</p>`}
      <${Facts} service=${service} />
      <${ServiceActions} service=${service} onDone=${refresh} onError=${onError} />
    </section>
    ${machine !== null && html`<${Statechart} machine=${machine} service=${service} />`}
    <div class="columns">
      <${Timeline} transitions=${transitions} />
      <${LogTail} lines=${log} />
    </div>
    <${Domains} id=${id} domains=${domains} onDone=${refresh} onError=${onError} />
  </div>`;
}
