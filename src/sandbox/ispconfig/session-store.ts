/**
 * Remote users and their sessions (remoting.inc.php). A session lives exactly
 * `sessionTtlMs` from login — use never extends it — and expired rows are purged at the next
 * login. Every function checks the session first (`session_id_empty`,
 * `session_does_not_exist`), then the user's `remote_functions` list (`permission_denied`).
 */
import { randomBytes } from 'node:crypto';
import { message } from './ispconfig-schema.js';
import { isScalar, phpEmpty, phpString } from './php-semantics.js';
import { RemoteFault } from './remote-errors.js';

export interface RemoteUser {
  readonly username: string;
  readonly password: string;
  /** Function names the user may call; omitted means every function this simulator serves. */
  readonly functions?: readonly string[];
}

interface Session {
  readonly userId: number;
  readonly functions: ReadonlySet<string> | 'all';
  expiresAt: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly users: readonly RemoteUser[],
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  login(username: unknown, password: unknown, clientLogin: unknown): string {
    if (phpEmpty(username)) throw new RemoteFault('login_username_empty', message('login_username_empty'));
    if (phpEmpty(password)) throw new RemoteFault('login_password_empty', message('login_password_empty'));
    const now = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAt < now) this.sessions.delete(id);
    // Panel clients (client_login=true) would be looked up in sys_user; the sandbox has none.
    if (clientLogin === true || clientLogin === 1 || clientLogin === '1') {
      throw new RemoteFault('client_login_failed', message('client_login_failed'));
    }
    const index = this.users.findIndex(
      (u) => isScalar(username) && isScalar(password) && u.username === phpString(username) && u.password === phpString(password),
    );
    const user = this.users[index];
    if (user === undefined) throw new RemoteFault('login_failed', message('login_failed'));
    // md5(mt_rand().uniqid()): 32 lower-case hex digits.
    const id = randomBytes(16).toString('hex');
    const functions = user.functions === undefined ? 'all' : new Set(user.functions);
    this.sessions.set(id, { userId: index + 1, functions, expiresAt: now + this.ttlMs });
    return id;
  }

  /** logout() only refuses an empty id; an unknown or expired one still answers true. */
  logout(sessionId: unknown): true {
    if (phpEmpty(sessionId)) throw new RemoteFault('session_id_empty', message('session_id_empty'));
    if (isScalar(sessionId)) this.sessions.delete(phpString(sessionId));
    return true;
  }

  /** checkPerm(): a valid session whose user may call `fn`, else the matching fault. */
  checkPerm(sessionId: unknown, fn: string): void {
    if (phpEmpty(sessionId)) throw new RemoteFault('session_id_empty', message('session_id_empty'));
    const session = isScalar(sessionId) ? this.sessions.get(phpString(sessionId)) : undefined;
    if (session === undefined || session.expiresAt < this.now()) {
      throw new RemoteFault('session_does_not_exist', message('session_does_not_exist'));
    }
    if (session.functions !== 'all' && !session.functions.has(fn)) {
      throw new RemoteFault('permission_denied', message('permission_denied'));
    }
  }

  /** Make every current session expired, as if 30 minutes had passed. */
  expireAll(): void {
    const past = this.now() - 1;
    for (const session of this.sessions.values()) session.expiresAt = past;
  }
}
