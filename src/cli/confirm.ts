/** A question on the terminal whose answer must be typed exactly: a stray Enter or "y" is not consent. */
import { createInterface } from 'node:readline/promises';
import type { CliContext } from './context.js';

export async function askToConfirm(question: string, expected: string, context: CliContext): Promise<boolean> {
  // The question goes to stderr, so stdout stays the command's output alone.
  const readline = createInterface({ input: context.stdin, output: context.stderr, terminal: true });
  // On a terminal, Ctrl-C and Ctrl-D reach the interface, not the process: both mean no.
  const declined = new Promise<string>((resolve) => {
    readline.once('SIGINT', () => resolve(''));
    readline.once('close', () => resolve(''));
  });
  try {
    const answer = await Promise.race([readline.question(question).catch(() => ''), declined]);
    return answer.trim() === expected;
  } finally {
    readline.close();
  }
}
