/**
 * NPM's tokens (backend/internal/token.js, backend/models/token.js): JWTs with the claims NPM
 * puts in them (`iss`, `attrs.id`, `scope`, `jti`, `iat`, `exp`). The real ones are RS256; here
 * the signature is an HMAC with a per-simulator key, which no client can tell apart because
 * clients never verify NPM's tokens — they are opaque strings with an expiry.
 *
 * Two libraries compute a token's life, as in NPM: `expires` in the answer comes from moment
 * (calendar units: `M` = month, `Q` = quarter) and the JWT `exp` from `ms` (case-insensitive:
 * `M` = minute, `Q` unknown → the signing library throws → 500).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { npmErrors } from './npm-errors.js';

export interface TokenClaims {
  readonly iss: string;
  readonly attrs: { readonly id: number };
  readonly scope: readonly string[];
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

export interface IssuedToken {
  readonly token: string;
  readonly expires: string;
}

const PERIOD = /^([0-9]+)(y|Q|M|w|d|h|m|s|ms)$/m;
const SECOND = 1000;
const MS_UNITS: Readonly<Record<string, number>> = {
  y: 365.25 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: SECOND, ms: 1,
};

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export class TokenService {
  private readonly key = randomBytes(32);
  /** Token ids made to look expired by `expireAll()` (a sandbox control, not an NPM feature). */
  private readonly revoked = new Set<string>();
  private readonly issued = new Set<string>();

  constructor(
    private readonly now: () => number,
    private readonly defaultTtlMs: number,
  ) {}

  /** `expiry` is NPM's `<n><unit>` period, or null for the default life (NPM: `1d`). */
  issue(userId: number, expiry: string | null): IssuedToken {
    const now = this.now();
    let expiresAt = now + this.defaultTtlMs;
    let jwtLifeMs = this.defaultTtlMs;
    if (expiry !== null) {
      const match = PERIOD.exec(expiry);
      if (match === null) throw npmErrors.auth(`Invalid expiry time: ${expiry}`);
      const amount = Number(match[1]);
      const unit = match[2] ?? 'd';
      expiresAt = calendarAdd(now, amount, unit);
      const msUnit = MS_UNITS[unit === 'ms' ? 'ms' : unit.toLowerCase()];
      if (msUnit === undefined) {
        throw npmErrors.library('Error', '"expiresIn" should be a number of seconds or string representing a timespan');
      }
      jwtLifeMs = amount * msUnit;
    }
    const iat = Math.floor(now / SECOND);
    const claims: TokenClaims = {
      iss: 'api',
      attrs: { id: userId },
      scope: ['user'],
      jti: randomBytes(6).toString('base64url'),
      iat,
      exp: Math.floor(iat + jwtLifeMs / SECOND),
    };
    this.issued.add(claims.jti);
    return { token: this.sign(claims), expires: new Date(expiresAt).toISOString() };
  }

  /** The claims of a valid token; NPM's errors otherwise (expired → 400, anything else → 500). */
  verify(token: string): TokenClaims {
    const parts = token.split('.');
    const [header, payload, signature] = parts;
    if (parts.length !== 3 || header === undefined || payload === undefined || signature === undefined) {
      throw npmErrors.library('JsonWebTokenError', 'jwt malformed');
    }
    const expected = Buffer.from(this.mac(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      throw npmErrors.library('JsonWebTokenError', 'invalid signature');
    }
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      throw npmErrors.library('JsonWebTokenError', 'invalid token');
    }
    if (Math.floor(this.now() / SECOND) >= claims.exp || this.revoked.has(claims.jti)) {
      throw npmErrors.auth('Token has expired');
    }
    return claims;
  }

  /** Make every token issued so far expired, as if a day had passed. */
  expireAll(): void {
    for (const jti of this.issued) this.revoked.add(jti);
    this.issued.clear();
  }

  private sign(claims: TokenClaims): string {
    const head = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
    return `${head}.${this.mac(head)}`;
  }

  private mac(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }
}

/** moment().add(n, unit), in UTC. */
function calendarAdd(from: number, amount: number, unit: string): number {
  const date = new Date(from);
  switch (unit) {
    case 'y': date.setUTCFullYear(date.getUTCFullYear() + amount); return date.getTime();
    case 'Q': date.setUTCMonth(date.getUTCMonth() + 3 * amount); return date.getTime();
    case 'M': date.setUTCMonth(date.getUTCMonth() + amount); return date.getTime();
    default: return from + amount * (MS_UNITS[unit] ?? 0);
  }
}
