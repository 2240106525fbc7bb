/**
 * Throwaway Ed25519 key pairs for the sandbox and tests. ssh2's own generator now and then
 * emits a public key one byte short (a leading zero byte of the 32 dropped), which ssh2 then
 * refuses to parse (about 1 in 160 here); such pairs are discarded and drawn again.
 */
import ssh2 from 'ssh2';

export interface KeyPair {
  /** OpenSSH private key text. */
  readonly private: string;
  /** OpenSSH public key line. */
  readonly public: string;
}

const MAX_DRAWS = 50;

export function generateEd25519KeyPair(): KeyPair {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(pair.public) instanceof Error) && !(ssh2.utils.parseKey(pair.private) instanceof Error)) {
      return { private: pair.private, public: pair.public };
    }
  }
  throw new Error(`no usable Ed25519 key pair in ${MAX_DRAWS} draws`);
}
