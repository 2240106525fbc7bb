/** The AppError a synchronous call throws, checked for its code (fails the test otherwise). */
import assert from 'node:assert/strict';
import { AppError } from '../../src/errors.js';

export function rejects(run: () => unknown, code: string): AppError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    return error;
  }
  assert.fail(`expected ${code}`);
}
