/**
 * `curl` inside a container, answered from the container's own simulated web server
 * (`sites/wordpress-site.ts`) on port 80; nothing leaves the process. Other hosts cannot be
 * reached from the sandbox: names do not resolve, addresses refuse. Messages and exit codes are
 * curl 7.88's (Debian 12): 6 no such host, 7 refused, 22 HTTP error under --fail, 2 bad usage.
 */
import { respond, siteIsUp, type SiteResponse } from '../sites/wordpress-site.js';
import { writeFile } from './container-fs.js';
import { lookup, type ContainerProcess } from './exec-io.js';

interface CurlOptions {
  fail: boolean;
  silent: boolean;
  showError: boolean;
  follow: boolean;
  head: boolean;
  method: string | undefined;
  output: string | undefined;
  writeOut: string | undefined;
  url: string | undefined;
}

const FLAGS: Readonly<Record<string, keyof CurlOptions>> = {
  f: 'fail', s: 'silent', S: 'showError', L: 'follow', I: 'head',
  '--fail': 'fail', '--silent': 'silent', '--show-error': 'showError', '--location': 'follow', '--head': 'head',
};
const VALUED: Readonly<Record<string, keyof CurlOptions | null>> = {
  o: 'output', w: 'writeOut', X: 'method', H: null, m: null, A: null, u: null,
  '--output': 'output', '--write-out': 'writeOut', '--request': 'method', '--header': null, '--max-time': null,
  '--connect-timeout': null, '--user-agent': null, '--retry': null, '--url': 'url',
};
/** Accepted and meaningless here: no TLS, no IPv6, nothing to retry. */
const IGNORED = new Set(['k', '4', 'v', '--insecure', '--ipv4', '--verbose', '--compressed', '--no-progress-meter']);
const TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n";

export async function curl(args: readonly string[], proc: ContainerProcess): Promise<number> {
  const { io } = proc;
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    io.err(`curl: ${parsed}\n${TRY}`);
    return 2;
  }
  const complain = (code: number, message: string): number => {
    if (!parsed.silent || parsed.showError) io.err(`curl: (${code}) ${message}\n`);
    return code;
  };
  let url = parsed.url;
  if (url === undefined) {
    io.err(`curl: no URL specified!\n${TRY}`);
    return 2;
  }
  for (let hops = 0; ; hops++) {
    const target = parseUrl(url);
    if (typeof target === 'string') return complain(target.startsWith('Protocol') ? 1 : 3, target);
    const local = ['127.0.0.1', 'localhost', '[::1]', proc.container.ip, proc.container.hostname].includes(target.host);
    if (!local) {
      return /^[\d.]+$/.test(target.host)
        ? complain(7, `Failed to connect to ${target.host} port ${target.port} after 0 ms: Couldn't connect to server`)
        : complain(6, `Could not resolve host: ${target.host}`);
    }
    if (target.port !== 80 || !siteIsUp(proc.container)) {
      return complain(7, `Failed to connect to ${target.host} port ${target.port} after 0 ms: Couldn't connect to server`);
    }
    const response = respond(proc.container, {
      method: parsed.method ?? (parsed.head ? 'HEAD' : 'GET'),
      target: target.path,
      host: target.hostHeader,
    });
    const location = response.headers.location;
    if (parsed.follow && location !== undefined && response.status >= 300 && response.status < 400 && hops < 50) {
      url = new URL(location, url).href;
      continue;
    }
    if (parsed.fail && response.status >= 400) {
      writeResult(parsed, response, url, proc, false);
      return complain(22, `The requested URL returned error: ${response.status}`);
    }
    writeResult(parsed, response, url, proc, true);
    return 0;
  }
}

function writeResult(options: CurlOptions, response: SiteResponse, url: string, proc: ContainerProcess, withBody: boolean): void {
  const head = `HTTP/1.1 ${response.status}\r\n${Object.entries(response.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const body = options.head ? head : withBody ? response.body : '';
  if (options.output === undefined || options.output === '-') proc.io.out(body);
  else if (options.output !== '/dev/null') writeFile(proc.container, options.output, body);
  if (options.writeOut !== undefined) proc.io.out(formatWriteOut(options.writeOut, response, url, proc));
}

function formatWriteOut(format: string, response: SiteResponse, url: string, proc: ContainerProcess): string {
  const values: Record<string, string> = {
    http_code: String(response.status).padStart(3, '0'),
    response_code: String(response.status),
    url_effective: url,
    redirect_url: response.headers.location ?? '',
    content_type: response.headers['content-type'] ?? '',
    size_download: String(Buffer.byteLength(response.body)),
  };
  return format
    .replace(/\\([nrt\\])/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t', '\\': '\\' })[c] ?? c)
    .replace(/%(%|\{([a-z_]+)\})/g, (whole, percent: string, name: string | undefined) => {
      if (name === undefined) return '%';
      const value = lookup(values, name);
      if (value === undefined) proc.io.err(`curl: unknown --write-out variable: '${name}'\n`);
      return value ?? '';
    });
}

function parseArgs(args: readonly string[]): CurlOptions | string {
  const options: CurlOptions = {
    fail: false, silent: false, showError: false, follow: false, head: false,
    method: undefined, output: undefined, writeOut: undefined, url: undefined,
  };
  const set = (key: keyof CurlOptions | null, value: string): void => {
    if (key !== null) (options as unknown as Record<string, string>)[key] = value;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg.startsWith('--')) {
      if (IGNORED.has(arg)) continue;
      const flag = lookup(FLAGS, arg);
      if (flag !== undefined) (options as unknown as Record<string, boolean>)[flag] = true;
      else if (Object.hasOwn(VALUED, arg)) {
        const value = args[++i];
        if (value === undefined) return `option ${arg}: requires parameter`;
        set(VALUED[arg] ?? null, value);
      } else return `option ${arg}: is unknown`;
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        if (IGNORED.has(letter)) continue;
        const flag = lookup(FLAGS, letter);
        if (flag !== undefined) (options as unknown as Record<string, boolean>)[flag] = true;
        else if (Object.hasOwn(VALUED, letter)) {
          const value = j + 1 < arg.length ? arg.slice(j + 1) : args[++i];
          if (value === undefined) return `option -${letter}: requires parameter`;
          set(VALUED[letter] ?? null, value);
          break;
        } else return `option -${letter}: is unknown`;
      }
    } else options.url = arg;
  }
  return options;
}

function parseUrl(raw: string): { host: string; port: number; path: string; hostHeader: string } | string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return 'URL using bad/illegal format or missing URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `Protocol "${url.protocol.slice(0, -1)}" not supported`;
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { host: url.hostname, port, path: `${url.pathname}${url.search}`, hostHeader: url.host };
}
