/**
 * The daemon (`src/main.ts`) started under umask 000, so a file it creates without an explicit
 * mode would come out 0666: a mode claim tested this way cannot pass by the grace of the
 * runner's umask. No API token in the environment, so the daemon makes its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { exited } from '../support/child-process.js';

export interface UmaskDaemon {
  readonly child: ChildProcess;
  /** `127.0.0.1:<port>`. */
  readonly host: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startDaemonUnderUmask(env: NodeJS.ProcessEnv): Promise<UmaskDaemon> {
  const { PROVISIOND_API_TOKEN: _unset, ...inherited } = process.env;
  const child = spawn('/bin/sh', ['-c', 'umask 000 && exec "$@"', 'sh', process.execPath, '--import', 'tsx', 'src/main.ts'], {
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', PROVISIOND_CONFIG: '', PROVISIOND_SANDBOX: '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async (): Promise<void> => {
    child.kill('SIGKILL');
    await exited(child);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const listening = output.split('\n').find((line) => line.includes('"msg":"provisiond is listening"'));
    if (listening !== undefined) {
      const port = (JSON.parse(listening) as { address: { port: number } }).address.port;
      return { child, host: `127.0.0.1:${port}`, output: () => output, stop };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the daemon did not start listening (exit ${child.exitCode}); it printed ${output.length} characters`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
