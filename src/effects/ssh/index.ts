/** The SSH effects: pct exec on Proxmox nodes and the WordPress installer. */
export { createSshClient, type SshClient, type SshClientConfig, type SshNodeTarget } from './ssh-client.js';
export { createSshEffects, type SshEffects, type SshEffectsDeps } from './ssh.effects.js';
export { INSTALLER_PATH, loadInstallerScript } from './installer-script.js';
export { sha256Fingerprint } from './host-key.js';
