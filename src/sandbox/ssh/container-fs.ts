/**
 * The container's simulated disk: `container.files` maps absolute paths to contents;
 * directories exist where a file lies below them, plus the skeleton every Debian template has.
 */
import type { WorldContainer } from '../core/world.js';

const SKELETON = [
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/media', '/mnt', '/opt', '/proc', '/root',
  '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/usr/bin', '/usr/lib', '/usr/local', '/usr/sbin',
  '/usr/share', '/var', '/var/lib', '/var/log', '/var/tmp',
];

/** Collapse `//`, `.` and `..`; relative paths are taken from `/root` (root's working directory). */
export function normalisePath(path: string, cwd = '/root'): string {
  const parts: string[] = [];
  for (const part of (path.startsWith('/') ? path : `${cwd}/${path}`).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

export function readFile(container: WorldContainer, path: string): string | undefined {
  const key = normalisePath(path);
  const content = container.files.get(key);
  if (content !== undefined) return content;
  // The template writes /etc/hostname from the CT's hostname at every start.
  return key === '/etc/hostname' ? `${container.hostname}\n` : undefined;
}

export function isFile(container: WorldContainer, path: string): boolean {
  return readFile(container, path) !== undefined;
}

export function isDirectory(container: WorldContainer, path: string): boolean {
  const key = normalisePath(path);
  if (SKELETON.includes(key)) return true;
  const prefix = key === '/' ? '/' : `${key}/`;
  for (const file of container.files.keys()) if (file.startsWith(prefix)) return true;
  return false;
}

/** Names directly inside `dir`, sorted the way `ls` (LC_ALL=C) sorts them. */
export function listDirectory(container: WorldContainer, dir: string): string[] {
  const key = normalisePath(dir);
  const prefix = key === '/' ? '/' : `${key}/`;
  const names = new Set<string>();
  for (const path of [...container.files.keys(), ...SKELETON, '/etc/hostname']) {
    if (!path.startsWith(prefix) || path === key) continue;
    const name = path.slice(prefix.length).split('/')[0];
    if (name !== undefined && name !== '') names.add(name);
  }
  return [...names].sort();
}

export function writeFile(container: WorldContainer, path: string, content: string): void {
  container.files.set(normalisePath(path), content);
}
