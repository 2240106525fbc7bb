// A service's commands: retry, suspend, unsuspend, and delete behind a confirmation that asks
// for the service id. The API decides what a state allows; its refusal is shown as worded.
import { useState } from 'preact/hooks';
import { html } from './html.js';
import { post } from './api.js';
import { servicePath } from './format.js';

const COMMANDS = [
  { type: 'retry', label: 'Retry', hint: 'Re-enter the phase that failed' },
  { type: 'suspend', label: 'Suspend', hint: 'Shut the container down' },
  { type: 'unsuspend', label: 'Unsuspend', hint: 'Start the container again' },
];

function DeleteConfirmation({ id, onConfirm, onCancel, sending }) {
  const [typed, setTyped] = useState('');
  return html`<form class="confirm-delete" onSubmit=${(event) => {
    event.preventDefault();
    if (typed === id) onConfirm();
  }}>
    <p><strong>Delete service ${id}?</strong> Its container, snapshots, DNS record, proxy host and
      custom domains are removed for good. Type the service id to confirm.</p>
    <input name="confirm-id" autocomplete="off" placeholder=${id} value=${typed}
      onInput=${(event) => setTyped(event.currentTarget.value)} />
    <button type="submit" class="danger" disabled=${typed !== id || sending}>Delete for good</button>
    <button type="button" class="secondary" onClick=${onCancel}>Cancel</button>
  </form>`;
}

export function ServiceActions({ service, onDone, onError }) {
  const [sending, setSending] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [notice, setNotice] = useState('');
  const id = service.service_id;

  const run = async (type) => {
    setSending(true);
    setNotice('');
    onError(null);
    try {
      const reply = await post(`${servicePath(id)}/${type}`);
      setNotice(`${type} accepted: ${reply.state}`);
      setConfirming(false);
      onDone();
    } catch (error) {
      onError(error);
    } finally {
      setSending(false);
    }
  };

  const gone = service.state === 'deleted';
  return html`<div class="actions">
    ${COMMANDS.map((command) => html`<button type="button" key=${command.type} data-action=${command.type}
      title=${command.hint} disabled=${sending || gone} onClick=${() => run(command.type)}>${command.label}</button>`)}
    <button type="button" class="danger" data-action="delete" disabled=${sending || gone || confirming}
      onClick=${() => setConfirming(true)}>Delete…</button>
    ${notice !== '' && html`<span class="notice" role="status">${notice}</span>`}
    ${confirming && html`<${DeleteConfirmation} id=${id} sending=${sending}
      onConfirm=${() => run('delete')} onCancel=${() => setConfirming(false)} />`}
  </div>`;
}
