// A deterministic nested-box layout of a statechart description (GET /v1/machines/:name):
// children of a compound state flow left to right and wrap into rows; the regions of a parallel
// state stand side by side. Same description in, same boxes out: no layout library, no randomness.

const CHAR_WIDTH = 7.4; // the chart's 12 px monospace font
const LEAF_HEIGHT = 24;
const HEADER = 20;
const PAD = 10;
const GAP = 8;
const ROOT_ROW = 1180;
const INNER_ROW = 600;

const labelWidth = (text) => Math.ceil(text.length * CHAR_WIDTH);

/** Size of a state and its children's offsets, relative to the state's top-left corner. */
function measure(node, depth) {
  if (node.children.length === 0) {
    return { node, width: Math.max(56, labelWidth(node.key) + 18), height: LEAF_HEIGHT, placed: [] };
  }
  const children = node.children.map((child) => measure(child, depth + 1));
  const widest = Math.max(...children.map((child) => child.width));
  const rowLimit = node.type === 'parallel' ? Infinity : Math.max(widest, depth === 0 ? ROOT_ROW : INNER_ROW);
  const placed = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  let contentWidth = 0;
  for (const child of children) {
    if (x > 0 && x + child.width > rowLimit) {
      y += rowHeight + GAP;
      x = 0;
      rowHeight = 0;
    }
    placed.push({ child, x: PAD + x, y: HEADER + y });
    x += child.width + GAP;
    rowHeight = Math.max(rowHeight, child.height);
    contentWidth = Math.max(contentWidth, x - GAP);
  }
  const width = Math.max(labelWidth(node.key) + 2 * PAD, contentWidth + 2 * PAD);
  return { node, width, height: HEADER + y + rowHeight + PAD, placed };
}

function flatten(measured, x, y, depth, parent, boxes) {
  const { node } = measured;
  boxes.push({
    id: node.id,
    key: node.key,
    type: node.type,
    node,
    depth,
    x,
    y,
    width: measured.width,
    height: measured.height,
    leaf: node.children.length === 0,
    initial: parent !== null && parent.type === 'compound' && parent.initial === node.key,
    region: parent !== null && parent.type === 'parallel',
  });
  for (const { child, x: dx, y: dy } of measured.placed) flatten(child, x + dx, y + dy, depth + 1, node, boxes);
}

/** Boxes in drawing order (parents before children) and the chart's size. */
export function layoutChart(root) {
  const measured = measure(root, 0);
  const boxes = [];
  flatten(measured, 1, 1, 0, null, boxes);
  return { boxes, width: measured.width + 2, height: measured.height + 2 };
}

/**
 * Active state ids from a service view: `state` is the top-level state, `step` every active
 * leaf path joined by "|" (null when the top-level state is atomic).
 */
export function activeStates(rootId, state, step) {
  const paths = step === null || step === undefined || step === '' ? [state] : step.split('|');
  const active = new Set([rootId]);
  const leaves = new Set();
  for (const path of paths) {
    const parts = path.split('.');
    parts.forEach((_, index) => active.add(`${rootId}.${parts.slice(0, index + 1).join('.')}`));
    leaves.add(`${rootId}.${path}`);
  }
  return { active, leaves };
}
