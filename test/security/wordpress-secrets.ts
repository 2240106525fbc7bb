/**
 * The secrets the WordPress installer generates inside a container: the database password
 * and the authentication keys and salts of wp-config.php. The sandbox's installer keeps them
 * in the container's file system (src/sandbox/ssh/wordpress-installer.ts), which its control
 * API lists by name only, so they are read the way an operator would: over SSH to the node,
 * `pct exec <vmid> -- cat`, with the daemon's key and the node's pinned host key.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { SandboxConnection } from '../../src/sandbox/sandbox.js';
import type { Secret } from './secret-search.js';

const WP_CONFIG = '/var/www/html/wp-config.php';
/** `define( 'NAME', 'value' );` as the installer writes it. */
const DEFINE = /define\(\s*'([A-Z_]+)',\s*'([^']*)'\s*\);/g;
const SECRET_NAME = /^(DB_PASSWORD|[A-Z_]+_(KEY|SALT))$/;

function execOnNode(ssh: SandboxConnection['ssh'], command: string): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const timer = setTimeout(() => {
      client.end();
      reject(new Error(`ssh ${command}: no answer within 10 s`));
    }, 10_000);
    client.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    client.once('ready', () => {
      client.exec(command, (error, stream) => {
        if (error !== undefined) {
          clearTimeout(timer);
          client.end();
          return reject(error);
        }
        const result = { code: undefined as number | undefined, stdout: '', stderr: '' };
        stream.on('data', (chunk: Buffer) => (result.stdout += chunk.toString()));
        stream.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
        stream.on('exit', (code: number | null) => (result.code = code ?? undefined));
        stream.on('close', () => {
          clearTimeout(timer);
          client.end();
          resolve(result);
        });
      });
    });
    client.connect({
      host: ssh.host,
      port: ssh.port,
      username: ssh.user,
      privateKey: ssh.privateKey,
      readyTimeout: 5_000,
      hostVerifier: (key: Buffer) => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}` === ssh.hostKeySha256,
    });
  });
}

/** The generated secrets in CT `vmid`'s wp-config.php; throws if there is none to read. */
export async function wordpressSecrets(ssh: SandboxConnection['ssh'], vmid: number, when: string): Promise<Secret[]> {
  const result = await execOnNode(ssh, `pct exec ${vmid} -- cat ${WP_CONFIG}`);
  if (result.code !== 0) throw new Error(`reading wp-config.php of CT ${vmid} exited ${result.code}: ${result.stderr.trim()}`);
  const secrets = [...result.stdout.matchAll(DEFINE)]
    .filter(([, name]) => SECRET_NAME.test(name ?? ''))
    .map(([, name, value]) => ({ label: `WordPress ${name} of CT ${vmid} (${when})`, value: value ?? '' }));
  if (!secrets.some((secret) => secret.label.includes('DB_PASSWORD'))) throw new Error(`CT ${vmid}'s wp-config.php holds no DB_PASSWORD`);
  return secrets;
}
