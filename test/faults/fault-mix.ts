/**
 * The transient fault mix of a fault storm: for a rate (the chance that one call is hit), the
 * control-API rules that hit every system with the failures it really has — HTTP 500/502/503
 * and 59x, resets, time-outs, Proxmox lock errors in PVE's own words, Cloudflare's 429 with
 * Retry-After, ISPConfig's database deadlocks, certbot's lock, SSH connections that drop and
 * `pct exec` that finds the container gone for a moment. Every one of them clears when asked
 * again; which of them the daemon classifies as retryable is what a storm proves.
 *
 * How the rate is spent. The sandbox draws rules in order and the first that fires wins, so a
 * group of kinds that together should fire with probability `rate` is turned into sequential
 * probabilities (`sequential`). Each family gets its generic kinds at `rate`; operations with
 * system-specific errors (Proxmox writes that take a lock, certbot runs) get those on top, at
 * `rate × specificShare`. Time-outs cost the client's whole timeout (Proxmox and NPM 30 s,
 * Cloudflare and ISPConfig 15 s, SSH 15–30 s, DNS 5 s), so they run at `rate × timeoutShare`
 * and only where the client's timeout is that short: never on the installer (15 min), on
 * certificate orders or certbot (16 min): a hung call there stalls one lifecycle for minutes
 * and proves nothing the shorter ones do not.
 *
 * `onceEach` rules come first: one hit of each characteristic kind whatever the rate, so every
 * storm exercises them even when the dice say otherwise.
 */

export interface MixRule {
  readonly op: string;
  readonly kind: 'status' | 'reset' | 'timeout' | 'latency';
  readonly status?: number;
  readonly message?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly latencyMs?: number;
  readonly times: number | 'always';
  readonly probability?: number;
}

export interface MixOptions {
  /** Probability that a call of any operation is hit, in [0, 0.5]. */
  readonly rate: number;
  /** Time-outs at `rate × timeoutShare`; 0 leaves them out. Default 0.1. */
  readonly timeoutShare?: number;
  /** System-specific kinds on top of the generic ones, at `rate × specificShare`. Default 0.5. */
  readonly specificShare?: number;
  /**
   * Retry-After of Cloudflare's 429, seconds. Default 1. The client then sends nothing to
   * Cloudflare for that long, and the machines do not read it: one longer than the dnsRecord
   * step's whole backoff (2+4+8+16 = 30 s) fails every service that needs Cloudflare meanwhile.
   */
  readonly retryAfterSeconds?: number;
  /** A VMID to name in PVE's lock-file messages (the rules are per operation, not per CT). */
  readonly vmid?: number;
}

/** A kind of failure without its operation, probability and count. */
type Kind = Omit<MixRule, 'op' | 'times' | 'probability'>;

/** A kind with its share of a group's probability. */
interface Weighted {
  readonly weight: number;
  readonly kind: Kind;
}

const status = (code: number, message?: string, headers?: Readonly<Record<string, string>>): Kind => ({
  kind: 'status',
  status: code,
  ...(message === undefined ? {} : { message }),
  ...(headers === undefined ? {} : { headers }),
});
const RESET: Kind = { kind: 'reset' };

/** Kinds that should fire with total probability `total`, as rules drawn one after another. */
export function sequential(op: string, total: number, kinds: readonly Weighted[]): MixRule[] {
  const sum = kinds.reduce((s, k) => s + k.weight, 0);
  let spent = 0;
  return kinds.map(({ weight, kind }) => {
    const absolute = (total * weight) / sum;
    // The chance left after the earlier rules of the group did not fire.
    const probability = spent >= 1 ? 0 : Math.min(1, absolute / (1 - spent));
    spent += absolute;
    return { op, ...kind, times: 'always' as const, probability };
  });
}

/** PVE's per-CT lock texts (reference proxmox NOTES §9, §13): both are RESOURCE_LOCKED. */
function proxmoxCtLocks(vmid: number): Weighted[] {
  return [
    { weight: 1, kind: status(500, 'CT is locked (backup)') },
    { weight: 1, kind: status(500, `can't lock file '/run/lock/lxc/pve-config-${vmid}.lock' - got timeout`) },
  ];
}

/** pmxcfs's HA domain lock (NOTES §11): `<verb> resource failed: cfs-lock 'domain-ha' error: …`. */
const haLock = (verb: string): Weighted[] => [{ weight: 1, kind: status(500, `${verb} failed: cfs-lock 'domain-ha' error: got lock request timeout`) }];

/** Per-CT writes that take the config lock, and the HA writes that take the cluster lock. */
function proxmoxSpecific(vmid: number): Record<string, Weighted[]> {
  const ct = proxmoxCtLocks(vmid);
  return {
    'proxmox.lxc.create': [{ weight: 1, kind: status(500, `can't lock file '/run/lock/lxc/pve-config-${vmid}.lock' - got timeout`) }],
    'proxmox.lxc.config.update': ct,
    'proxmox.lxc.status.start': ct,
    'proxmox.lxc.status.stop': ct,
    'proxmox.lxc.status.shutdown': ct,
    'proxmox.lxc.snapshot.create': ct,
    'proxmox.lxc.snapshot.delete': [...ct, { weight: 1, kind: status(500, 'Failed to obtain guest migration lock - replication running?') }],
    'proxmox.lxc.snapshot.rollback': ct,
    'proxmox.lxc.destroy': ct,
    'proxmox.lxc.resize': ct,
    'proxmox.ha.resources.create': haLock('create resource'),
    'proxmox.ha.resources.update': haLock('update resource'),
    'proxmox.ha.resources.delete': haLock('delete resource'),
    'proxmox.ha.rules.create': haLock('create rule'),
    'proxmox.ha.rules.update': haLock('update rule'),
    'proxmox.ha.rules.delete': haLock('delete rule'),
  };
}

/** Failures any PVE call can meet: pveproxy's 59x when it proxies to another node, a balancer's 503, a dropped connection. */
const PROXMOX_GENERIC: Weighted[] = [
  { weight: 2, kind: status(500, 'got unexpected error: Broken pipe') },
  { weight: 1, kind: status(595, 'Errors during connection establishment, proxy handshake') },
  { weight: 1, kind: status(596, 'Connection timed out') },
  { weight: 1, kind: status(503, 'Service Unavailable') },
  { weight: 2, kind: RESET },
];

const cloudflareGeneric = (retryAfter: number): Weighted[] => [
  { weight: 2, kind: status(429, 'More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed', { 'retry-after': String(retryAfter) }) },
  { weight: 1, kind: status(500, 'Internal Server Error') },
  { weight: 1, kind: status(502, 'Bad Gateway') },
  { weight: 1, kind: status(503, 'Service Unavailable') },
  { weight: 1, kind: RESET },
];

/** NPM's API: its database busy, its own nginx in front answering for a restarting backend, a drop. */
const NPM_GENERIC: Weighted[] = [
  { weight: 1, kind: status(500, 'SQLITE_BUSY: database is locked') },
  { weight: 1, kind: status(502, 'Bad Gateway') },
  { weight: 1, kind: status(503, 'Service Unavailable') },
  { weight: 1, kind: RESET },
];
/** Every NPM operation but certbot's (which has no socket to reset: a fault there is certbot's own failure). */
const NPM_API = ['npm.proxy_hosts.*', 'npm.certificates.*', 'npm.tokens.*', 'npm.health.*'];
/** certbot's one transient failure: NPM runs one at a time (RESOURCE_LOCKED). */
const CERTBOT_LOCKED: Weighted[] = [{ weight: 1, kind: status(500, 'Another instance of Certbot is already running.') }];
/** nginx in front of a site that is fine: upstream hiccups. */
const PROXY_FORWARD: Weighted[] = [
  { weight: 1, kind: status(502) },
  { weight: 1, kind: status(504) },
  { weight: 1, kind: RESET },
];

/**
 * ISPConfig answers HTTP 200 with a remote_fault for its own troubles (status 200 is the
 * simulator's way to say "envelope"); Apache answers 500/503 when PHP dies or is restarting.
 */
const ISPCONFIG_GENERIC: Weighted[] = [
  { weight: 2, kind: status(200, 'Deadlock found when trying to get lock; try restarting transaction<br />\r\n') },
  { weight: 1, kind: status(200, 'MySQL server has gone away<br />\r\n') },
  { weight: 1, kind: status(500, 'Internal Server Error') },
  { weight: 1, kind: status(503, 'Service Unavailable') },
  { weight: 1, kind: RESET },
];

/**
 * Every SSH command: the connection drops, or pct finds the container not running for a
 * moment (HA relocating it: exit 255 before anything ran, NOTES §12).
 */
const sshGeneric = (vmid: number): Weighted[] => [
  { weight: 1, kind: RESET },
  { weight: 1, kind: status(255, `container '${vmid}' not running!`) },
];
/** The installer killed by a hang-up (sshd restarting): nothing of it ran, so it may run again. */
const INSTALLER_KILLED: Weighted[] = [{ weight: 1, kind: status(143, 'Terminated') }];

/** DNS: the resolver answers SERVFAIL. */
const DNS_GENERIC: Weighted[] = [{ weight: 1, kind: status(2) }];

/** Operations whose clients give up within 30 s: where a `timeout` may be injected. */
const TIMEOUT_OPS = [
  'proxmox.*', 'cloudflare.*', 'ispconfig.*', 'dns.query',
  'npm.proxy_hosts.*', 'npm.tokens.*', 'npm.certificates.list', 'npm.certificates.get', 'npm.certificates.delete', 'npm.proxy.forward',
  // The readiness probe (15 s) and the verification commands (30 s); never the installer.
  'ssh.ct.echo', 'ssh.ct.test', 'ssh.ct.curl',
];

/**
 * One hit of each characteristic kind, whatever the rate (drawn before everything else): each
 * system, each phase of a lifecycle, the logins. Each lands on a different step, and on none
 * with only two attempts (the installer), so that they alone never use up a step's retries.
 */
export function onceEach(options: Pick<MixOptions, 'retryAfterSeconds' | 'vmid'> = {}): MixRule[] {
  const vmid = options.vmid ?? 1000;
  const once = (op: string, kind: Kind): MixRule => ({ op, ...kind, times: 1 });
  const deadlock = 'Deadlock found when trying to get lock; try restarting transaction<br />\r\n';
  return [
    // Provisioning, step by step.
    once('proxmox.lxc.create', status(500, `can't lock file '/run/lock/lxc/pve-config-${vmid}.lock' - got timeout`)),
    once('proxmox.ha.resources.create', status(500, "create resource failed: cfs-lock 'domain-ha' error: got lock request timeout")),
    once('ssh.exec', RESET),
    once('cloudflare.dns_records.create', status(429, 'More than 1200 requests per 300 seconds reached. Please wait and consider throttling your request speed', { 'retry-after': String(options.retryAfterSeconds ?? 1) })),
    once('npm.proxy_hosts.create', status(502, 'Bad Gateway')),
    once('npm.certbot.certonly', status(500, 'Another instance of Certbot is already running.')),
    once('npm.proxy.forward', status(502)),
    once('proxmox.lxc.snapshot.create', status(500, 'CT is locked (backup)')),
    // Suspend and unsuspend.
    once('proxmox.lxc.config.update', status(500, 'CT is locked (backup)')),
    once('proxmox.ha.resources.update', status(500, "update resource failed: cfs-lock 'domain-ha' error: got lock request timeout")),
    // The custom domain.
    once('ispconfig.dns_zone_add', status(200, deadlock)),
    // Deletion.
    once('proxmox.lxc.destroy', status(500, 'CT is locked (backup)')),
    once('cloudflare.dns_records.delete', status(503, 'Service Unavailable')),
    once('npm.proxy_hosts.delete', RESET),
    once('npm.certificates.delete', status(502, 'Bad Gateway')),
    once('ispconfig.dns_zone_delete', status(200, 'MySQL server has gone away<br />\r\n')),
    // Calls that never answer, where the client gives up after 15 s (a Proxmox or NPM one costs 30 s: left to the rate).
    once('cloudflare.dns_records.list', { kind: 'timeout' }),
    once('ssh.ct.echo', { kind: 'timeout' }),
    once('ispconfig.dns_zone_get', { kind: 'timeout' }),
    // Logging in again after the credentials expired.
    once('npm.tokens.create', status(502, 'Bad Gateway')),
    once('ispconfig.login', status(503, 'Service Unavailable')),
  ];
}

/** The probabilistic rules of the mix, in the order they must be injected. */
export function transientMix(options: MixOptions): MixRule[] {
  const { rate } = options;
  if (!(rate >= 0 && rate <= 0.5)) throw new RangeError(`the fault rate must be in [0, 0.5], got ${rate}`);
  const vmid = options.vmid ?? 1000;
  const specific = rate * (options.specificShare ?? 0.5);
  const timeouts = rate * (options.timeoutShare ?? 0.1);
  const rules: MixRule[] = [];
  // Specific first: a call the specific rule spares still meets the generic ones.
  for (const [op, kinds] of Object.entries(proxmoxSpecific(vmid))) rules.push(...sequential(op, specific, kinds));
  rules.push(...sequential('npm.certbot.*', rate, CERTBOT_LOCKED));
  rules.push(...sequential('ssh.ct.bash', specific, INSTALLER_KILLED));
  if (timeouts > 0) for (const op of TIMEOUT_OPS) rules.push({ op, kind: 'timeout', times: 'always', probability: timeouts });
  rules.push(...sequential('proxmox.*', rate, PROXMOX_GENERIC));
  rules.push(...sequential('cloudflare.*', rate, cloudflareGeneric(options.retryAfterSeconds ?? 1)));
  for (const op of NPM_API) rules.push(...sequential(op, rate, NPM_GENERIC));
  rules.push(...sequential('npm.proxy.forward', rate, PROXY_FORWARD));
  rules.push(...sequential('ispconfig.*', rate, ISPCONFIG_GENERIC));
  rules.push(...sequential('ssh.exec', rate, sshGeneric(vmid)));
  rules.push(...sequential('dns.query', rate, DNS_GENERIC));
  return rules.filter((rule) => rule.probability === undefined || rule.probability > 0);
}

/**
 * Writes whose answer is lost: the call is held past the client's timeout (Proxmox and NPM
 * 30 s, Cloudflare and ISPConfig 15 s; plus 2 s) and then carried out all the same, after
 * the daemon gave up on it — the one transient fault where the system did change. The
 * retry that follows must adopt what the late write made, and nothing may end up twice or
 * be left behind. One of each; each costs a lifecycle half a minute.
 */
export function lateWrites(): MixRule[] {
  const late = (op: string, clientTimeoutMs: number): MixRule => ({ op, kind: 'latency', latencyMs: clientTimeoutMs + 2_000, times: 1 });
  return [
    late('proxmox.lxc.create', 30_000),
    late('proxmox.ha.resources.create', 30_000),
    late('proxmox.lxc.snapshot.create', 30_000),
    late('cloudflare.dns_records.create', 15_000),
    late('npm.proxy_hosts.create', 30_000),
    late('ispconfig.dns_zone_add', 15_000),
    late('ispconfig.dns_a_add', 15_000),
    late('proxmox.lxc.destroy', 30_000),
    late('cloudflare.dns_records.delete', 15_000),
    late('npm.proxy_hosts.delete', 30_000),
    late('ispconfig.dns_zone_delete', 15_000),
  ];
}

/**
 * Custom domains: the first ownership check runs the moment a domain is added, before the
 * customer (the storm) can publish the TXT record named in the reply; the next is 30 s later.
 * A standing delay on DNS answers, injected after the mix, lets the first check see it.
 */
export const DNS_PUBLISH_GRACE: MixRule = { op: 'dns.query', kind: 'latency', latencyMs: 1_500, times: 'always' };
