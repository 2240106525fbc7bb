/**
 * The `infrastructure` section of the configuration file: where the real systems are. Only
 * non-secret settings live in the file; every secret comes from the environment (or, for the
 * SSH key, a file only provisiond can read), so the file can be reviewed and versioned.
 */
import { Type, type Static } from 'typebox';

const Url = Type.String({ pattern: '^https?://', maxLength: 500 });
const HostPort = Type.String({ pattern: '^[^\\s:]+:\\d{1,5}$|^\\[[0-9a-fA-F:]+\\]:\\d{1,5}$', maxLength: 300 });
const Fingerprint = Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}=?$' });
const Concurrency = Type.Integer({ minimum: 1, maximum: 100 });

export const InfrastructureSchema = Type.Object(
  {
    proxmox: Type.Object(
      {
        url: Url,
        tokenId: Type.String({ pattern: '^[^@\\s]+@[^!\\s]+![A-Za-z0-9_.-]+$' }),
        nodes: Type.Array(Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$' }), { minItems: 1, maxItems: 32 }),
        homeNode: Type.Optional(Type.String()),
        caFile: Type.Optional(Type.String({ minLength: 1 })),
        fingerprint: Type.Optional(Type.String({ pattern: '^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$' })),
        template: Type.String({ minLength: 3 }),
        storage: Type.String({ minLength: 1 }),
        bridge: Type.String({ minLength: 1 }),
        gateway: Type.String({ minLength: 7, maxLength: 15 }),
        cidr: Type.Integer({ minimum: 8, maximum: 30 }),
        concurrency: Type.Optional(Concurrency),
      },
      { additionalProperties: false },
    ),
    cloudflare: Type.Object(
      {
        zoneId: Type.String({ pattern: '^[0-9a-f]{32}$' }),
        baseUrl: Type.Optional(Url),
        requestsPer5Minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1200 })),
      },
      { additionalProperties: false },
    ),
    npm: Type.Object(
      { url: Url, email: Type.String({ minLength: 3 }), proxyUrl: Url, sitePort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })), concurrency: Type.Optional(Concurrency) },
      { additionalProperties: false },
    ),
    ispconfig: Type.Object(
      {
        url: Url,
        username: Type.String({ minLength: 1 }),
        serverId: Type.Integer({ minimum: 1 }),
        clientId: Type.Integer({ minimum: 0 }),
        ns: Type.Array(Type.String({ minLength: 3 }), { minItems: 1, maxItems: 8 }),
        mbox: Type.String({ minLength: 3 }),
      },
      { additionalProperties: false },
    ),
    dns: Type.Object({ resolvers: Type.Array(HostPort, { minItems: 1, maxItems: 8 }) }, { additionalProperties: false }),
    ssh: Type.Object(
      {
        privateKeyFile: Type.String({ minLength: 1 }),
        nodes: Type.Record(
          Type.String({ pattern: '^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$' }),
          Type.Object({ host: Type.String({ minLength: 1 }), port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })), hostKeySha256: Fingerprint }, { additionalProperties: false }),
        ),
        perNodeConcurrency: Type.Optional(Concurrency),
      },
      { additionalProperties: false },
    ),
    installer: Type.Optional(Type.Object({ wordpressUrl: Type.Optional(Url) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export type InfrastructureFile = Static<typeof InfrastructureSchema>;

/** The environment variables that hold the secrets, by what they unlock. */
export const SECRET_VARIABLES = {
  proxmoxTokenSecret: 'PROVISIOND_PROXMOX_TOKEN_SECRET',
  cloudflareApiToken: 'PROVISIOND_CLOUDFLARE_API_TOKEN',
  npmPassword: 'PROVISIOND_NPM_PASSWORD',
  ispconfigPassword: 'PROVISIOND_ISPCONFIG_PASSWORD',
} as const;

export type InfrastructureSecrets = Record<keyof typeof SECRET_VARIABLES, string>;

/** The real systems: the file's settings plus the secrets from the environment. */
export interface RealInfrastructure {
  readonly file: InfrastructureFile;
  readonly secrets: InfrastructureSecrets;
}
