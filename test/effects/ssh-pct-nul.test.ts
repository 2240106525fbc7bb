/**
 * A NUL byte cannot travel in argv (execve would cut the word at it), so pct command lines refuse
 * such words with VALIDATION_FAILED naming the argument, instead of running a shortened command.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAppError } from '../../src/errors.js';
import { pctExec, pctExecWithEnv } from '../../src/effects/ssh/pct-command.js';

function refusal(build: () => string): { code: string; field: string | undefined; message: string } {
  try {
    const line = build();
    assert.fail(`expected a refusal, got the command line ${JSON.stringify(line)}`);
  } catch (error) {
    if (!isAppError(error)) throw error;
    return { code: error.code, field: error.field, message: error.message };
  }
}

test('pctExec refuses an argument holding a NUL and names its position', () => {
  for (const [argv, position] of [
    [['wp\0rm'], 0],
    [['wp', 'option', 'get', 'siteurl\0; rm -rf /'], 3],
    [['echo', 'ok', '\0'], 2],
  ] as const) {
    const { code, field, message } = refusal(() => pctExec(970, argv));
    assert.equal(code, 'VALIDATION_FAILED');
    assert.equal(field, `argv[${position}]`);
    assert.match(message, new RegExp(`argument ${position} `));
    assert.ok(!message.includes('\0'), 'the message does not carry the NUL itself');
  }
});

test('pctExecWithEnv names the position within the caller argv, not after the env words', () => {
  const { code, field } = refusal(() => pctExecWithEnv(970, { SITE: 'blog.example.com' }, ['bash', '-s\0x']));
  assert.equal(code, 'VALIDATION_FAILED');
  assert.equal(field, 'argv[1]');
  // A NUL in an environment value stays refused as before.
  assert.equal(refusal(() => pctExecWithEnv(970, { SITE: 'a\0b' }, ['bash', '-s'])).code, 'VALIDATION_FAILED');
});

test('words without a NUL, however odd, are still quoted and accepted', () => {
  assert.equal(pctExec(970, ['echo', 'ready']), 'pct exec 970 -- echo ready');
  const line = pctExec(970, ['printf', '%s', "it's $(x)\n\u00e9"]);
  assert.ok(line.startsWith('pct exec 970 -- printf'), line);
  assert.ok(!line.includes('\0'));
});
