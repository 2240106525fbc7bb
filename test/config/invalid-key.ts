/** Runs `run`, expects a CONFIG_INVALID error, and answers the key it names. */
import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.js';

export function invalidKey(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof AppError);
    assert.equal(error.code, 'CONFIG_INVALID');
    return error.field;
  }
  assert.fail('expected CONFIG_INVALID');
}
