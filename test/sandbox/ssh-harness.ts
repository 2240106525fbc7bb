/** An ssh2 client for the node SSH tests: connect with a key, run one command, collect output. */
import ssh2, { type Client, type ConnectConfig } from 'ssh2';

export interface Result {
  stdout: string;
  stderr: string;
  /** undefined: the channel closed without an exit status. */
  code: number | undefined;
}

export function connect(port: number, privateKey: string, config: Partial<ConnectConfig> = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.once('ready', () => resolve(client));
    client.once('error', reject);
    client.connect({ host: '127.0.0.1', port, username: 'root', privateKey, readyTimeout: 5000, ...config });
  });
}

/** Run one command; resolves when the channel closes. */
export function run(client: Client, command: string, stdin = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error !== undefined) return reject(error);
      const result: Result = { stdout: '', stderr: '', code: undefined };
      stream.on('data', (chunk: Buffer) => (result.stdout += chunk.toString()));
      stream.stderr.on('data', (chunk: Buffer) => (result.stderr += chunk.toString()));
      stream.on('exit', (code: number | null) => (result.code = code ?? undefined));
      stream.on('close', () => resolve(result));
      stream.end(stdin);
    });
  });
}
