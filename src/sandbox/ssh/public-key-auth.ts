/**
 * Public-key authentication the way sshd does it with `PasswordAuthentication no`: every
 * other method is refused with only `publickey` left to try; a key is accepted when it is in
 * the authorised list, and a login only when the client proves it holds the private key (the
 * signature over the session data verifies). A key query without a signature gets the
 * "this key would do" answer, as the protocol requires.
 */
import { timingSafeEqual } from 'node:crypto';
import ssh2, { type AuthContext, type ParsedKey } from 'ssh2';

export type Authenticator = (context: AuthContext) => void;

/** Parse OpenSSH public key lines (`ssh-ed25519 AAAA… comment`); blank and `#` lines are skipped. */
export function parseAuthorizedKeys(lines: readonly string[]): ParsedKey[] {
  return lines
    .flatMap((line) => line.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const key = ssh2.utils.parseKey(line);
      if (key instanceof Error) throw new Error(`authorized key is not an OpenSSH public key: ${key.message}`);
      return key;
    });
}

export function publicKeyAuthenticator(user: string, keys: readonly ParsedKey[]): Authenticator {
  const publics = keys.map((key) => ({ key, blob: key.getPublicSSH() }));
  return (context) => {
    if (context.method !== 'publickey' || context.username !== user) {
      context.reject(['publickey']);
      return;
    }
    const match = publics.find(({ blob }) => blob.length === context.key.data.length && timingSafeEqual(blob, context.key.data));
    if (match === undefined) {
      context.reject(['publickey']);
      return;
    }
    if (context.signature === undefined) {
      // The client only asks whether this key would be accepted (SSH_MSG_USERAUTH_PK_OK).
      context.accept();
      return;
    }
    if (context.blob === undefined || match.key.verify(context.blob, context.signature, context.hashAlgo) !== true) {
      context.reject(['publickey']);
      return;
    }
    context.accept();
  };
}
