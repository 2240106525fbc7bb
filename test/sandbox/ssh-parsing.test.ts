import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ssh2, { type AuthContext } from 'ssh2';
import { parseCommandLine } from '../../src/sandbox/ssh/command-line.js';
import { parseAuthorizedKeys, publicKeyAuthenticator } from '../../src/sandbox/ssh/public-key-auth.js';
import { generateEd25519KeyPair } from '../../src/sandbox/ssh/key-pair.js';

describe('command lines without a shell', () => {
  const argv = (line: string, vars: Record<string, string> = {}) => {
    const parsed = parseCommandLine(line, vars);
    return parsed.ok ? parsed.argv : `error: ${parsed.message}`;
  };

  it('splits words and honours quotes and escapes as bash does', () => {
    assert.deepEqual(argv(`pct exec 907 -- sh -c 'echo "$HOME"; ls'`), ['pct', 'exec', '907', '--', 'sh', '-c', 'echo "$HOME"; ls']);
    assert.deepEqual(argv(`echo a\\ b "c d" 'e'"f" x#y # comment`), ['echo', 'a b', 'c d', 'ef', 'x#y']);
    assert.deepEqual(argv('echo "$NAME" ${NAME}! $UNSET.'), ['echo', '', '!', '.'], 'unset variables are empty');
    assert.deepEqual(argv('echo "$NAME" ${NAME}! $UNSET.', { NAME: 'v w' }), ['echo', 'v w', 'v w!', '.']);
  });

  it('refuses what it cannot run faithfully instead of guessing', () => {
    for (const [line, reason] of [
      ['a && b', /operator '&&'/],
      ['a | b', /operator '\|'/],
      ['echo x > /etc/passwd', /operator '>'/],
      ['echo "$(id)"', /command substitution/],
      ['echo `id`', /command substitution/],
      ['echo $((1+1))', /arithmetic expansion/],
      ['echo ${X:-default}', /parameter expansion/],
      ['echo $1 $?', /special parameter/],
      ["echo 'open", /unexpected EOF while looking for matching `''/],
    ] as const) {
      assert.match(String(argv(line)), reason, line);
    }
    assert.deepEqual(argv("echo '$(id)' '`id`' 'a && b'"), ['echo', '$(id)', '`id`', 'a && b']);
  });
});

describe('public-key authentication', () => {
  const allowed = generateEd25519KeyPair();
  const other = generateEd25519KeyPair();
  const authenticate = publicKeyAuthenticator('root', parseAuthorizedKeys([`# deploy key\n${allowed.public}`]));

  /** A fake context recording the decision, the way ssh2 hands one to the server. */
  function decide(context: Record<string, unknown>): string {
    let decision = 'none';
    const ctx = { username: 'root', method: 'publickey', ...context, accept: () => (decision = 'accept'), reject: (methods?: string[]) => (decision = `reject ${methods?.join(',')}`) };
    authenticate(ctx as unknown as AuthContext);
    return decision;
  }

  it('accepts only a valid signature by the authorised key', () => {
    const key = ssh2.utils.parseKey(allowed.private);
    const impostor = ssh2.utils.parseKey(other.private);
    assert.ok(!(key instanceof Error) && !(impostor instanceof Error));
    const blob = Buffer.from('session data the client signs');
    const publicKey = { algo: 'ssh-ed25519', data: key.getPublicSSH() };
    assert.equal(decide({ key: publicKey }), 'accept', 'a key query is answered yes');
    assert.equal(decide({ key: publicKey, blob, signature: key.sign(blob) }), 'accept');
    assert.equal(decide({ key: publicKey, blob, signature: impostor.sign(blob) }), 'reject publickey', 'a forged signature');
    assert.equal(decide({ key: { algo: 'ssh-ed25519', data: impostor.getPublicSSH() }, blob, signature: impostor.sign(blob) }), 'reject publickey');
  });

  it('offers nothing but publickey', () => {
    assert.equal(decide({ method: 'password', password: 'hunter2' }), 'reject publickey');
    assert.equal(decide({ method: 'none' }), 'reject publickey');
    assert.equal(decide({ method: 'keyboard-interactive' }), 'reject publickey');
  });

  it('refuses a line that is not a public key', () => {
    assert.throws(() => parseAuthorizedKeys(['ssh-ed25519 not-base64!']), /not an OpenSSH public key/);
  });
});
