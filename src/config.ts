/**
 * Configuration: the essentials from the environment, plans and pools from an optional
 * JSON file. Everything is validated at startup; an error names the key that is wrong.
 */
import { readFileSync } from 'node:fs';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { DEFAULT_PLANS, type Plan } from './domain/plans.js';
import { ipv4ToInt, isIPv4 } from './domain/ipv4.js';
import { isValidSubdomain } from './domain/subdomain.js';
import { AppError } from './errors.js';
import { InfrastructureSchema, SECRET_VARIABLES, type InfrastructureSecrets, type RealInfrastructure } from './infrastructure-config.js';

const Ipv4 = Type.String({ minLength: 7, maxLength: 15 });
const PlanSchema = Type.Object(
  {
    memoryMb: Type.Integer({ minimum: 256, maximum: 1_048_576 }),
    diskGb: Type.Integer({ minimum: 1, maximum: 65_536 }),
    cores: Type.Integer({ minimum: 1, maximum: 512 }),
    domainQuota: Type.Integer({ minimum: 0, maximum: 1_000 }),
  },
  { additionalProperties: false },
);

export const ConfigFileSchema = Type.Object(
  {
    baseDomain: Type.Optional(Type.String({ minLength: 3, maxLength: 200 })),
    plans: Type.Optional(Type.Record(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' }), PlanSchema)),
    pools: Type.Optional(
      Type.Object(
        {
          privateIps: Type.Optional(Type.Object({ first: Ipv4, last: Ipv4 }, { additionalProperties: false })),
          vmids: Type.Optional(
            Type.Object(
              { first: Type.Integer({ minimum: 100, maximum: 999_999_999 }), last: Type.Integer({ minimum: 100, maximum: 999_999_999 }) },
              { additionalProperties: false },
            ),
          ),
          reservedSubdomains: Type.Optional(Type.Array(Type.String({ maxLength: 63 }), { maxItems: 10_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Custom domains: how long ownership verification keeps looking for the TXT record. */
    domains: Type.Optional(
      Type.Object({ verificationWindowHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 720 })) }, { additionalProperties: false }),
    ),
    /** Real systems; absent, the daemon runs against a sandbox. */
    infrastructure: Type.Optional(InfrastructureSchema),
  },
  { additionalProperties: false },
);
export type ConfigFile = Static<typeof ConfigFileSchema>;

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Undefined when none is configured: main generates one and stores it beside the database. */
  readonly apiToken: string | undefined;
  readonly dbPath: string;
  readonly configPath: string | undefined;
  /** A standalone sandbox's connection file (`npm run sandbox`); unset: an in-process sandbox. */
  readonly sandboxFile: string | undefined;
  /** The in-process sandbox: wall-clock seconds per model second, and the sites' port. */
  readonly sandbox: { readonly timeScale: number | undefined; readonly sitePort: number | undefined };
  readonly logLevel: string;
  readonly baseDomain: string;
  readonly plans: readonly Plan[];
  readonly pools: {
    readonly privateIps: { readonly first: string; readonly last: string };
    readonly vmids: { readonly first: number; readonly last: number };
    readonly reservedSubdomains: readonly string[];
  };
  /** How long a new custom domain's ownership check keeps retrying, in milliseconds. */
  readonly domainVerificationWindowMs: number;
  /** Requests per client address per minute (PROVISIOND_RATE_LIMIT); 0 turns limiting off. */
  readonly rateLimitPerMinute: number;
  /** The daemon's reconciler: minutes between runs (0 = off) and whether it repairs. */
  readonly reconcile: { readonly intervalMinutes: number; readonly fix: boolean };
  /** Real infrastructure, with its secrets; undefined means sandbox mode. */
  readonly infrastructure: RealInfrastructure | undefined;
  /** Log lines as JSON, pretty, or `auto`: pretty when stdout is a terminal (PROVISIOND_LOG_FORMAT). */
  readonly logFormat: LogFormatSetting;
  /** How long a shutdown waits for effects already sent to settle (PROVISIOND_SHUTDOWN_GRACE_SECONDS). */
  readonly shutdownGraceSeconds: number;
  /** Serve GET /metrics without the bearer token (PROVISIOND_METRICS_PUBLIC). */
  readonly metricsPublic: boolean;
}

export type LogFormatSetting = 'auto' | 'json' | 'pretty';

/**
 * Every environment variable the daemon reads, secrets included. deploy/provisiond.env.example
 * and docs/operations.md list exactly these (test/operations/environment-keys.test.ts).
 */
export const ENVIRONMENT_KEYS: readonly string[] = [
  'PORT', 'HOST', 'PROVISIOND_API_TOKEN', 'PROVISIOND_DB', 'PROVISIOND_CONFIG', 'PROVISIOND_SANDBOX', 'PROVISIOND_SANDBOX_TIME_SCALE',
  'PROVISIOND_SANDBOX_SITE_PORT', 'PROVISIOND_RATE_LIMIT', 'PROVISIOND_RECONCILE_MINUTES', 'PROVISIOND_RECONCILE_FIX', 'LOG_LEVEL',
  'PROVISIOND_LOG_FORMAT', 'PROVISIOND_SHUTDOWN_GRACE_SECONDS', 'PROVISIOND_METRICS_PUBLIC', ...Object.values(SECRET_VARIABLES),
];

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dbPath: 'data/provisiond.db',
  baseDomain: 'nodepoint.eu',
  privateIps: { first: '192.168.1.100', last: '192.168.1.253' },
  vmids: { first: 1000, last: 9999 },
  reservedSubdomains: ['www', 'mail', 'smtp', 'imap', 'pop', 'ftp', 'ns1', 'ns2', 'api', 'admin', 'panel', 'proxy', 'status'],
  // Long enough for a customer to find their DNS panel and for TTLs to pass.
  domainVerificationWindowHours: 72,
  // Far above what one billing system sends, far below what a scan or a token guesser does.
  rateLimitPerMinute: 600,
  // Drift is found within minutes; a run costs one read per container and per 100 records.
  reconcileMinutes: 10,
  // Well below systemd's TimeoutStopSec (45 s in deploy/provisiond.service): a sent write
  // finishes within its client's timeout, and the process still closes its database itself.
  shutdownGraceSeconds: 20,
} as const;

const MIN_TOKEN_LENGTH = 16;
/** How deploy/provisiond.env.example marks its secrets: a copy that was not edited must not start. */
const PLACEHOLDER = 'CHANGE-ME';
const placeholderLeft = (key: string) => invalid(key, `still holds the placeholder of provisiond.env.example ("${PLACEHOLDER}…"): set the real value`);
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_FORMATS: readonly LogFormatSetting[] = ['auto', 'json', 'pretty'];

function invalid(key: string, message: string): AppError {
  return new AppError('CONFIG_INVALID', `${key}: ${message}`, { field: key });
}

/** Read and validate the configuration. `env` and `readFile` are injectable for tests. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): Config {
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULTS.port : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw invalid('PORT', `must be an integer from 0 to 65535, got "${env.PORT}"`);
  const apiToken = env.PROVISIOND_API_TOKEN === '' ? undefined : env.PROVISIOND_API_TOKEN;
  if (apiToken?.startsWith(PLACEHOLDER) === true) throw placeholderLeft('PROVISIOND_API_TOKEN');
  if (apiToken !== undefined && (apiToken.length < MIN_TOKEN_LENGTH || /\s/.test(apiToken))) {
    throw invalid('PROVISIOND_API_TOKEN', `must be at least ${MIN_TOKEN_LENGTH} characters without whitespace`);
  }
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw invalid('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const logFormat = (env.PROVISIOND_LOG_FORMAT === undefined || env.PROVISIOND_LOG_FORMAT === '' ? 'auto' : env.PROVISIOND_LOG_FORMAT) as LogFormatSetting;
  if (!LOG_FORMATS.includes(logFormat)) throw invalid('PROVISIOND_LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')}, got "${logFormat}"`);
  const configPath = env.PROVISIOND_CONFIG === '' ? undefined : env.PROVISIOND_CONFIG;
  const file = configPath === undefined ? {} : parseConfigFile(configPath, readFile);

  const privateIps = file.pools?.privateIps ?? DEFAULTS.privateIps;
  for (const end of ['first', 'last'] as const) {
    if (!isIPv4(privateIps[end])) throw invalid(`pools.privateIps.${end}`, `"${privateIps[end]}" is not an IPv4 address`);
  }
  if (ipv4ToInt(privateIps.first) > ipv4ToInt(privateIps.last)) throw invalid('pools.privateIps', 'first must not come after last');
  const vmids = file.pools?.vmids ?? DEFAULTS.vmids;
  if (vmids.first > vmids.last) throw invalid('pools.vmids', 'first must not be greater than last');
  const reservedSubdomains = file.pools?.reservedSubdomains ?? DEFAULTS.reservedSubdomains;
  reservedSubdomains.forEach((label, i) => {
    if (!isValidSubdomain(label)) throw invalid(`pools.reservedSubdomains[${i}]`, `"${label}" is not a DNS label`);
  });
  const baseDomain = file.baseDomain ?? DEFAULTS.baseDomain;
  if (!/^(?=.{3,200}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(baseDomain)) {
    throw invalid('baseDomain', `"${baseDomain}" is not a lower-case domain name`);
  }
  const infrastructure = file.infrastructure === undefined ? undefined : { file: file.infrastructure, secrets: readSecrets(env) };
  if (infrastructure !== undefined && env.PROVISIOND_SANDBOX !== undefined && env.PROVISIOND_SANDBOX !== '') {
    throw invalid('PROVISIOND_SANDBOX', 'is set, but the configuration file names real infrastructure: choose one');
  }
  const plans = file.plans === undefined ? DEFAULT_PLANS : Object.entries(file.plans).map(([name, plan]) => ({ name, ...plan }));
  if (plans.length === 0) throw invalid('plans', 'at least one plan is needed');

  return {
    host: env.HOST === undefined || env.HOST === '' ? DEFAULTS.host : env.HOST,
    port,
    apiToken,
    dbPath: env.PROVISIOND_DB === undefined || env.PROVISIOND_DB === '' ? DEFAULTS.dbPath : env.PROVISIOND_DB,
    configPath,
    sandboxFile: env.PROVISIOND_SANDBOX === '' ? undefined : env.PROVISIOND_SANDBOX,
    sandbox: {
      timeScale: optionalNumber(env, 'PROVISIOND_SANDBOX_TIME_SCALE', 0, 100),
      sitePort: optionalNumber(env, 'PROVISIOND_SANDBOX_SITE_PORT', 1, 65_535),
    },
    logLevel,
    baseDomain,
    plans,
    pools: { privateIps, vmids, reservedSubdomains },
    domainVerificationWindowMs: (file.domains?.verificationWindowHours ?? DEFAULTS.domainVerificationWindowHours) * 3_600_000,
    rateLimitPerMinute: optionalNumber(env, 'PROVISIOND_RATE_LIMIT', 0, 1_000_000) ?? DEFAULTS.rateLimitPerMinute,
    reconcile: {
      intervalMinutes: optionalNumber(env, 'PROVISIOND_RECONCILE_MINUTES', 0, 10_080) ?? DEFAULTS.reconcileMinutes,
      fix: booleanFlag(env, 'PROVISIOND_RECONCILE_FIX'),
    },
    infrastructure,
    logFormat,
    shutdownGraceSeconds: optionalNumber(env, 'PROVISIOND_SHUTDOWN_GRACE_SECONDS', 0, 3_600) ?? DEFAULTS.shutdownGraceSeconds,
    metricsPublic: booleanFlag(env, 'PROVISIOND_METRICS_PUBLIC'),
  };
}

function booleanFlag(env: NodeJS.ProcessEnv, key: string): boolean {
  const text = env[key];
  if (text === undefined || text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw invalid(key, `must be true or false, got "${text}"`);
}

function optionalNumber(env: NodeJS.ProcessEnv, key: string, min: number, max: number): number | undefined {
  const text = env[key];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw invalid(key, `must be a number from ${min} to ${max}, got "${text}"`);
  return value;
}

/** Every secret the real systems need, from the environment; a missing one is named. */
function readSecrets(env: NodeJS.ProcessEnv): InfrastructureSecrets {
  const secrets: Partial<InfrastructureSecrets> = {};
  for (const [key, variable] of Object.entries(SECRET_VARIABLES) as [keyof InfrastructureSecrets, string][]) {
    const value = env[variable];
    if (value === undefined || value.trim() === '') throw invalid(variable, 'is required when the configuration names real infrastructure (secrets are never read from the file)');
    if (value.startsWith(PLACEHOLDER)) throw placeholderLeft(variable);
    secrets[key] = value;
  }
  return secrets as InfrastructureSecrets;
}

function parseConfigFile(path: string, readFile: (path: string) => string): ConfigFile {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    throw invalid('PROVISIOND_CONFIG', `cannot read ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw invalid('PROVISIOND_CONFIG', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  const [first] = [...Value.Errors(ConfigFileSchema, data)];
  if (first !== undefined) {
    const key = first.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    // An unknown key fails the `additionalProperties: false` subschema, reported as "schema is false".
    throw invalid(key, first.keyword === 'boolean' ? 'is not a known key' : first.message);
  }
  return data as ConfigFile;
}
