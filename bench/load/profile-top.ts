/**
 * The heaviest functions of a V8 CPU profile (`node --cpu-prof`), by self time and by total
 * time (self plus callees), so a benchmark's miss can be explained with figures.
 *
 *   tsx bench/load/profile-top.ts <file.cpuprofile> [count]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  readonly startTime: number;
  readonly endTime: number;
}

const label = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(/^.*\/(src|bench|test)\//, '$1/');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
};

const [file, countText] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: profile-top.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const selfByLabel = new Map<string, number>();
const totalByLabel = new Map<string, number>();
for (const [id, us] of self) {
  const node = byId.get(id);
  if (node === undefined) continue;
  selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + us);
  // Each sample counts once per distinct function on its stack (recursion is not double-counted).
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at);
    if (frame === undefined) break;
    const name = label(frame);
    if (seen.has(name)) continue;
    seen.add(name);
    totalByLabel.set(name, (totalByLabel.get(name) ?? 0) + us);
  }
}
const wall = (profile.endTime - profile.startTime) / 1e6;
const count = Number(countText ?? '25');
const top = (map: Map<string, number>) =>
  [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, us]) => `${(us / 1e6).toFixed(2).padStart(8)} s ${((us / 1e6 / wall) * 100).toFixed(1).padStart(5)}%  ${name}`);
process.stdout.write(`profile of ${wall.toFixed(1)} s\n\nself time:\n${top(selfByLabel).join('\n')}\n\ntotal time:\n${top(totalByLabel).join('\n')}\n`);
