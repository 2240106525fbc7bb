/**
 * What every command gets and may throw. Commands write through the context, never to the
 * process directly, and say how they ended by their result or by the error they throw.
 */
import type { Command } from 'commander';

/** Exit statuses: 0 done, 1 failed or findings remain, 2 the command line or configuration is wrong. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A number is the exit status; 'running' means the command keeps the process alive (serve, sandbox). */
export type Outcome = number | 'running';

export interface CliContext {
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
}

/** The command cannot act on what it was given (arguments, environment): exit 2 with its usage. */
export class UsageError extends Error {}

/** The command ran and failed; the message says why: exit 1. */
export class CommandFailure extends Error {}

/** A command's work: it gets the parsed command (arguments, options) and the context. */
export type Handler = (command: Command, context: CliContext) => Promise<Outcome>;

/** Turns a handler into a commander action; given by the program to every command group. */
export type Act = (handler: Handler) => (...args: unknown[]) => Promise<void>;
