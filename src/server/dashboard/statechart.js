// The service's statechart as SVG, the active states highlighted, and the details (description,
// effects, transitions) of the state clicked, or of the current top-level state.
import { useMemo, useState } from 'preact/hooks';
import { html } from './html.js';
import { activeStates, layoutChart } from './chart-layout.js';

const short = (rootId, id) => (id.startsWith(`${rootId}.`) ? id.slice(rootId.length + 1) : id);

function tooltip(node) {
  const events = node.transitions.filter((t) => t.event !== null).map((t) => t.event);
  return [node.id, node.description, events.length > 0 ? `on: ${[...new Set(events)].join(', ')}` : null].filter(Boolean).join('\n');
}

function Box({ box, active, current, selected, onSelect }) {
  const classes = ['state', `state-${box.type}`, box.region && 'region', active && 'active', current && 'current', selected && 'selected'];
  const label = box.leaf
    ? html`<text x=${box.x + box.width / 2} y=${box.y + 16} text-anchor="middle">${box.key}</text>`
    : html`<text x=${box.x + 8} y=${box.y + 14}>${box.key}</text>`;
  return html`<g class=${classes.filter(Boolean).join(' ')} data-state-id=${box.id}
      onClick=${(event) => {
        event.stopPropagation();
        onSelect(box.id);
      }}>
    <title>${tooltip(box.node)}</title>
    <rect x=${box.x} y=${box.y} width=${box.width} height=${box.height} rx=${box.leaf ? 6 : 8} />
    ${box.type === 'final' && html`<rect class="inner" x=${box.x + 3} y=${box.y + 3} width=${box.width - 6} height=${box.height - 6} rx="4" />`}
    ${box.initial && html`<circle class="initial" cx=${box.x - 5} cy=${box.y + 8} r="3" />`}
    ${label}
  </g>`;
}

function Details({ rootId, node }) {
  if (node === undefined) return null;
  return html`<div class="state-details" data-details=${node.id}>
    <h3><code>${short(rootId, node.id)}</code> <small>${node.type}${node.tags.length > 0 ? ` · ${node.tags.join(', ')}` : ''}</small></h3>
    ${node.description !== null && html`<p>${node.description}</p>`}
    ${node.invokes.length > 0 && html`<p>Runs: ${node.invokes.map((invoke) => html`<code>${invoke.src}</code> `)}</p>`}
    ${node.transitions.length > 0 && html`<ul>${node.transitions.map((t) => html`<li>
      <code>${t.event ?? '(always)'}</code> → ${t.targets.length === 0 ? html`<em>stays</em>` : t.targets.map((target) => short(rootId, target)).join(', ')}
      ${t.guard !== null && html` <span class="guard">[${t.guard}]</span>`}
      ${t.description !== null && html` <span class="muted">${t.description}</span>`}
    </li>`)}</ul>`}
  </div>`;
}

export function Statechart({ machine, service }) {
  const [selected, setSelected] = useState(null);
  const layout = useMemo(() => layoutChart(machine.root), [machine]);
  const rootId = machine.root.id;
  const { active, leaves } = activeStates(rootId, service.state, service.step);
  const shownId = selected ?? `${rootId}.${service.state}`;
  const shown = layout.boxes.find((box) => box.id === shownId)?.node;

  return html`<section class="card chart">
    <h2>Statechart <small>click a state for its transitions</small></h2>
    <div class="chart-scroll">
      <svg class="statechart" viewBox=${`0 0 ${layout.width + 8} ${layout.height}`} width=${layout.width + 8} height=${layout.height}
          role="img" aria-label=${`statechart of the ${machine.name} machine, ${service.state} highlighted`}>
        <g transform="translate(7 0)">
          ${layout.boxes.map((box) => html`<${Box} key=${box.id} box=${box} active=${active.has(box.id)}
            current=${leaves.has(box.id)} selected=${box.id === shownId} onSelect=${setSelected} />`)}
        </g>
      </svg>
    </div>
    <${Details} rootId=${rootId} node=${shown} />
  </section>`;
}
